"""The rows e-mailed links leave behind are purged on a schedule (people.purge, beat's purge_expired_links)."""

import re
from datetime import datetime, timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from people import tasks
from people.invitations import accept_invitation, invite
from people.models import Invitation, Organization, PendingSignup, Person
from people.tests.mailbox import last_email_to, link_path
from people.tests.test_signup import confirm, sign_up
from tests.factories import PersonFactory

LONG_AGO = timedelta(days=100)  # longer than an ended invitation is kept
LATELY = timedelta(days=10)


def ago(delta: timedelta) -> datetime:
    return timezone.now() - delta


def states_shown(client: Client) -> dict[str, str]:
    """What the People page says of each person's login: active, invited, invitation expired, no login."""
    page = client.get("/acme/people/").content.decode()
    rows = re.findall(
        r'<tr>\s*<td class="person-name"><a href="[^"]*"><bdi>([^<]+)</bdi></a></td>'
        r'.*?<td class="invite-state"[^>]*>(.*?)</td>',
        page,
        re.S,
    )
    return {name: re.sub(r"<[^>]+>", "", state) for name, state in rows}


@pytest.mark.django_db
def test_sign_ups_whose_link_expired_are_purged_confirmed_or_not_and_a_live_one_still_confirms(
    client: Client, settings: Settings
) -> None:
    settings.ACCOUNT_REQUEST_LIMIT = 100
    for slug in ("stale", "used", "fresh"):
        sign_up(client, slug=slug, email=f"{slug}@initech.test")
    confirm(client, link_path(last_email_to("used@initech.test")), slug="used")
    assert Organization.objects.filter(slug="used").exists()
    link_age = timedelta(seconds=settings.SIGNUP_LINK_MAX_AGE)
    PendingSignup.objects.filter(slug__in=["stale", "used"]).update(
        created_at=ago(link_age + timedelta(hours=1))
    )
    PendingSignup.objects.filter(slug="fresh").update(created_at=ago(link_age - timedelta(hours=1)))

    purged = tasks.purge_expired_links()

    assert purged["signups"] == 2
    assert list(PendingSignup.objects.values_list("slug", flat=True)) == ["fresh"]
    response = confirm(client, link_path(last_email_to("fresh@initech.test")), slug="fresh")
    assert response.status_code == 302 and Organization.objects.filter(slug="fresh").exists()


def test_ended_invitations_go_after_their_time_but_what_the_people_page_shows_stays(
    admin: Person, admin_client: Client, org: Organization, client: Client
) -> None:
    lee = PersonFactory.create(organization=org, full_name="Lee Expired", email="lee@acme.test")
    kim = PersonFactory.create(organization=org, full_name="Kim Joined", email="kim@acme.test")
    ray = PersonFactory.create(organization=org, full_name="Ray Pending", email="ray@acme.test")
    # Lee: invited, invited again (the first revoked), never answered; both long ago.
    lee_first, lee_newest = invite(lee, admin), invite(lee, admin)
    Invitation.objects.filter(pk=lee_first.pk).update(created_at=ago(LONG_AGO * 2), revoked_at=ago(LONG_AGO))
    Invitation.objects.filter(pk=lee_newest.pk).update(created_at=ago(LONG_AGO), expires_at=ago(LONG_AGO))
    # Kim accepted long ago.
    kim_invitation = invite(kim, admin)
    accept_invitation(kim_invitation, get_user_model().objects.create_user("kim@acme.test", "kim@acme.test"))
    Invitation.objects.filter(pk=kim_invitation.pk).update(
        created_at=ago(LONG_AGO), accepted_at=ago(LONG_AGO)
    )
    # Ray: an invitation revoked lately by the one pending now.
    ray_revoked, ray_pending = invite(ray, admin), invite(ray, admin)
    Invitation.objects.filter(pk=ray_revoked.pk).update(created_at=ago(LATELY * 2), revoked_at=ago(LATELY))
    shown_before = states_shown(admin_client)
    assert shown_before == {
        "Ada Admin": "active",
        "Kim Joined": "active",
        "Lee Expired": "invitation expired",
        "Ray Pending": "invited",
    }

    purged = tasks.purge_expired_links()

    assert purged["invitations"] == 2
    assert set(Invitation.objects.values_list("pk", flat=True)) == {
        lee_newest.pk,
        ray_revoked.pk,
        ray_pending.pk,
    }
    assert states_shown(admin_client) == shown_before
    page = client.get(link_path(last_email_to("ray@acme.test")))
    assert page.status_code == 200 and "Choose a password" in page.content.decode()


def test_a_password_reset_link_leaves_no_row_but_the_session_it_opens_which_goes_once_expired(
    client: Client, employee: Person, employee_client: Client
) -> None:
    def counts() -> dict[str, int]:
        return {model._meta.label: model._default_manager.count() for model in apps.get_models()}

    before = counts()
    client.post("/accounts/password/reset/", {"email": "eve@acme.test"})
    assert counts() == before  # Django's token is signed, not stored
    client.get(link_path(last_email_to("eve@acme.test")), follow=True)  # the token moves into a session
    opened = Session.objects.get(session_key=client.session.session_key)
    assert "_password_reset_token" in opened.get_decoded()
    Session.objects.filter(pk=opened.pk).update(expire_date=ago(timedelta(seconds=1)))

    purged = tasks.purge_expired_links()

    assert purged["sessions"] == 1
    assert not Session.objects.filter(pk=opened.pk).exists()
    assert employee_client.get("/accounts/profile/").status_code == 200  # a live session stays


def test_beat_runs_the_purge_and_every_task_it_names_is_one_a_worker_knows() -> None:
    app = tasks.purge_expired_links.app  # the project's Celery app
    app.loader.import_default_modules()  # what a worker imports at start: every app's tasks module
    named = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert tasks.purge_expired_links.name in named
    assert [name for name in named if name not in app.tasks] == []
