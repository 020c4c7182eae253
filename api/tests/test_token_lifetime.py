"""An API token ends with its user's password (reset or change), and the profile shows when it was last used."""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.tests.conftest import url
from api.tokens import issue_token
from people.tests.mailbox import last_email_to, link_path
from tests.factories import PASSWORD

NEW_PASSWORD = "brand-new-password-31"


def api_client(key):
    return Client(HTTP_AUTHORIZATION=f"Token {key}")


def test_a_password_change_revokes_the_api_token_and_the_profile_says_how_to_make_a_new_one(
    manager_client, manager
):
    key = issue_token(manager.user).key
    assert api_client(key).get(url("projects/")).status_code == 200
    response = manager_client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    page = response.content.decode()
    assert "Your password was changed." in page
    assert (
        "Your API token, if you had one, was revoked" in page and "create a new one under API token" in page
    )
    assert "You have no API token." in page
    assert api_client(key).get(url("projects/")).status_code == 401


def test_a_password_reset_revokes_the_api_token(client, manager):
    key = issue_token(manager.user).key
    client.post("/accounts/password/reset/", {"email": "max@acme.test"})
    response = client.get(link_path(last_email_to("max@acme.test")), follow=True)
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    page = response.content.decode()
    assert "Your password was changed" in page and "was revoked with the old password" in page
    assert api_client(key).get(url("projects/")).status_code == 401
    assert not ApiToken.objects.filter(user=manager.user).exists()


def test_a_password_rehashed_at_sign_in_keeps_the_token(manager, settings):
    """Only a new password ends a token: Django re-hashing the same password (a new hasher) does not."""
    key = issue_token(manager.user).key
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    assert Client().login(username="max@acme.test", password=PASSWORD)
    manager.user.refresh_from_db()
    assert manager.user.password.startswith("pbkdf2_sha256$")
    assert api_client(key).get(url("projects/")).status_code == 200


def test_the_profile_shows_when_the_token_was_last_used(manager_client, manager):
    key = issue_token(manager.user).key
    assert "Never used" in manager_client.get("/accounts/profile/").content.decode()
    api_client(key).get(url("projects/"))
    used = ApiToken.objects.get(user=manager.user).last_used
    assert used is not None and timezone.now() - used < timedelta(seconds=30)
    page = manager_client.get("/accounts/profile/").content.decode()
    assert "Never used" not in page and used.strftime("%-d %b %Y, %H:%M") in page


def test_the_last_use_is_written_at_most_once_a_minute(manager):
    key = issue_token(manager.user).key
    client = api_client(key)

    def token_updates():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("projects/")).status_code == 200
        return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "api_apitoken"')]

    assert len(token_updates()) == 1
    assert [token_updates() for _ in range(5)] == [[]] * 5
    ApiToken.objects.filter(user=manager.user).update(last_used=timezone.now() - timedelta(seconds=61))
    assert len(token_updates()) == 1
