"""The People page in a real browser while the mail server is down: the invitation is saved and its row says the
e-mail could not be sent; resending past the limit says when to try again (PostgreSQL)."""

import pytest
from playwright.sync_api import expect

from people.models import Invitation, Person
from people.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invitation_the_mail_server_refused_is_kept_and_shown_and_resends_stop_at_the_limit(
    page, live_server, sign_in, screenshot, org, make_member, settings
):
    settings.EMAIL_BACKEND = "people.tests.mail_backends.DownBackend"
    ada = make_member(org, Role.ADMINISTRATOR, full_name="Ada Admin", email="ada@acme.test")

    sign_in(page, ada)
    page.goto(f"{live_server.url}/acme/people/new/")
    page.get_by_label("Full name").fill("Lee Jones")
    page.get_by_label("Email").fill("lee@acme.test")
    page.get_by_label("Employee").check()
    page.get_by_role("button", name="Add person").click()
    expect(
        page.get_by_text("Lee Jones was added. Invitation saved; the e-mail is on its way.")
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text="lee@acme.test")
    expect(row.get_by_text("e-mail could not be sent")).to_be_visible()
    screenshot(page, "people-invitation-not-sent")

    for _ in range(2):
        row.get_by_role("button", name="Resend invitation to Lee Jones").click()
        expect(
            page.get_by_text("Invitation saved; the e-mail to lee@acme.test is on its way.")
        ).to_be_visible()
    row.get_by_role("button", name="Resend invitation to Lee Jones").click()
    expect(page.get_by_text("lee@acme.test was invited too often; try again in 60 minutes.")).to_be_visible()
    screenshot(page, "people-invitation-limit")
    lee = Person.objects.get(email="lee@acme.test")
    assert Invitation.objects.filter(person=lee).count() == 3
