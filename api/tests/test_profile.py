"""/accounts/profile/: a user creates, regenerates and revokes their API token; a new key is shown once."""

import re

from django.test import Client

from api.models import ApiToken
from api.tests.conftest import url
from api.tokens import key_digest
from tests.factories import PASSWORD


def key_on(page):
    match = re.search(r'id="new-api-token">([0-9a-f]{40})<', page)
    return match.group(1) if match else None


def test_anonymous_is_sent_to_sign_in():
    response = Client().get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_profile_shows_organizations_and_no_token(employee_client):
    page = employee_client.get("/accounts/profile/").content.decode()
    assert "Acme" in page and "Employee" in page
    assert "You have no API token." in page and "Create token" in page


def test_create_shows_the_key_once_and_it_works(manager_client, manager, project):
    response = manager_client.post("/accounts/profile/", {"action": "create"}, follow=True)
    page = response.content.decode()
    key = key_on(page)
    assert key_digest(key) == ApiToken.objects.get(user=manager.user).digest
    assert key not in str(list(ApiToken.objects.values_list()))
    assert "it will not be shown again" in page
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]
    assert key_on(manager_client.get("/accounts/profile/").content.decode()) is None
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(url("projects/")).status_code == 200


def test_regenerate_replaces_the_old_key(manager_client, manager):
    first = key_on(
        manager_client.post("/accounts/profile/", {"action": "create"}, follow=True).content.decode()
    )
    page = manager_client.post("/accounts/profile/", {"action": "create"}, follow=True).content.decode()
    second = key_on(page)
    assert second and second != first
    assert "The previous one no longer works" in page
    assert Client(HTTP_AUTHORIZATION=f"Token {first}").get(url("projects/")).status_code == 401


def test_revoke(manager_client, manager):
    key = key_on(
        manager_client.post("/accounts/profile/", {"action": "create"}, follow=True).content.decode()
    )
    page = manager_client.post("/accounts/profile/", {"action": "revoke"}, follow=True).content.decode()
    assert "revoked" in page and not ApiToken.objects.filter(user=manager.user).exists()
    assert Client(HTTP_AUTHORIZATION=f"Token {key}").get(url("projects/")).status_code == 401


def test_creating_needs_the_csrf_token(manager):
    client = Client(enforce_csrf_checks=True)
    client.login(username=manager.user.username, password=PASSWORD)
    assert client.post("/accounts/profile/", {"action": "create"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_page_has_no_inline_script(manager_client):
    page = manager_client.get("/accounts/profile/").content.decode()
    assert "<script>" not in page and " style=" not in page and "onclick" not in page
