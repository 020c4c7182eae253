"""The Hubstaff user's name a link keeps is cleaned like every other name (people.text.clean_text) wherever a link is
made: the missing teammates' "This is ...", the API, and a sync's kept e-mail matches."""

import pytest
from django.test import Client

from conftest import token_client
from integrations.hubstaff import rules
from integrations.models import HubstaffUserLink
from integrations.services.user_links import keep_email_matches, name_kept_matches
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory

# A right-to-left override would show the name reversed, and the e-mail and hours after it on the line with it; a
# NUL breaks PostgreSQL text and the HTML around it.
SENT = "Dana \u202eGhost\x00"
CLEAN = "Dana Ghost"


@pytest.fixture
def dana(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Dana Green", email="dana@acme.test")


def test_this_is_keeps_the_name_cleaned(manager_client: Client, project: Project, dana: Person) -> None:
    response = manager_client.post(
        f"/acme/projects/{project.pk}/hubstaff/link-user/",
        {"hubstaff_user_id": 77, "name": SENT, "person": dana.pk},
        follow=True,
    )
    assert HubstaffUserLink.objects.get().hubstaff_user_name == CLEAN
    assert "\u202e" not in response.content.decode()


def test_the_api_keeps_the_name_cleaned(manager: Person, dana: Person) -> None:
    response = token_client(manager).post(
        "/api/v1/orgs/acme/hubstaff/user-links/",
        {"hubstaff_user_id": 77, "hubstaff_user_name": SENT, "person": dana.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["hubstaff_user_name"] == CLEAN
    assert HubstaffUserLink.objects.get().hubstaff_user_name == CLEAN


def test_a_syncs_kept_matches_keep_the_name_cleaned(org: Organization, dana: Person) -> None:
    keep_email_matches(org.pk, {77: dana.pk}, {77: rules.HubstaffUser(77, SENT, "dana@acme.test\u202e")})
    link = HubstaffUserLink.objects.get()
    assert (link.hubstaff_user_name, link.hubstaff_user_email) == (CLEAN, "dana@acme.test")


def test_a_name_given_later_to_a_kept_match_is_cleaned(org: Organization, dana: Person) -> None:
    HubstaffUserLink.objects.create(organization=org, hubstaff_user_id=77, person=dana, made_by="email")
    name_kept_matches(org.pk, {77}, {77: rules.HubstaffUser(77, SENT, None)})
    assert HubstaffUserLink.objects.get().hubstaff_user_name == CLEAN


def test_a_name_stored_before_reaches_the_audit_trail_and_the_email_cleaned(
    org: Organization, dana: Person, manager_client: Client
) -> None:
    from django.core import mail

    from people.models import AuditEvent

    stored = HubstaffUserLink.objects.create(
        organization=org, hubstaff_user_id=77, hubstaff_user_name="Dana \u202eGhost", person=dana
    )
    assert (
        manager_client.post(f"/acme/integrations/hubstaff/user-links/{stored.pk}/remove/").status_code == 302
    )
    assert AuditEvent.objects.get().details["hubstaff_user_name"] == CLEAN
    (told,) = mail.outbox
    assert "\u202e" not in str(told.body) and f"Hubstaff user {CLEAN} (#77)" in str(told.body)
