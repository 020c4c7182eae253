"""The person's page in a real browser: Remove is there for a Manager only, and the audit trail says who removed
which Hubstaff user's link (PostgreSQL)."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from integrations.models import HubstaffUserLink
from people.models import AuditEvent
from people.roles import Role
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_only_a_manager_removes_a_match_and_the_audit_trail_says_who(
    page, live_server, sign_in, screenshot, org, make_member
):
    ada = make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")
    alice = make_member(
        org, Role.ADMINISTRATOR, Role.MANAGER, full_name="Alice Admin", email="alice@acme.test"
    )
    dana = PersonFactory(organization=org, full_name="Dana Green", email="dana@acme.test")
    HubstaffUserLink.objects.create(
        organization=org, hubstaff_user_id=77, hubstaff_user_name="Dana Ghost", person=dana, made_by="email"
    )

    sign_in(page, ada)
    page.goto(f"{live_server.url}/acme/people/{dana.pk}/edit/")
    links = page.locator(".hubstaff-user-links")
    expect(links.get_by_text("Dana Ghost · matched by e-mail")).to_be_visible()
    expect(links.get_by_role("button", name="Remove")).to_have_count(0)
    expect(links.get_by_text("Only a Manager can remove these matches.")).to_be_visible()
    screenshot(page, "person-page-administrator-no-remove")

    page.context.clear_cookies()
    sign_in(page, alice)
    page.goto(f"{live_server.url}/acme/people/{dana.pk}/edit/")
    links = page.locator(".hubstaff-user-links")
    page.once("dialog", lambda dialog: dialog.accept())
    links.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("is no longer matched to Dana Green")).to_be_visible()
    expect(
        page.get_by_text("Dana Green is told by e-mail, and the change is in the organization")
    ).to_be_visible()
    entry = page.locator(".hubstaff-user-links .audit-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(
        "Alice Admin removed the link of the Hubstaff user Dana Ghost (#77) to Dana Green."
    )
    screenshot(page, "person-page-audit-trail")
    assert AuditEvent.objects.get().actor == alice
    assert [m.to for m in mail.outbox] == [["dana@acme.test"]]
