"""A company starts on its own (docs/operations.md, "E-mail"): sign-up, invitations and a forgotten password,
walked in Chromium, with every e-mail opened from the development mailbox (/dev/mail/)."""

import pytest
from playwright.sync_api import expect

from integrations.models import Installation
from people.models import Person
from people.roles import Role
from tests.browser.test_install_journey import consent_at_hubstaff, copy_value, create_hubstaff_app
from tests.factories import PASSWORD as FACTORY_PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]

PASSWORD = "a-fresh-start-2026"


OPERATOR = "operator@localhost.test"


@pytest.fixture
def mailbox(settings, tmp_path, db, live_server):
    """E-mails written to files and listed at /dev/mail/, as with `make run`, read by this machine's operator;
    their links start with SITE_URL, this server's address (`make run` sets it to its own)."""
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    settings.DEV_MAILBOX = True
    UserFactory(username=OPERATOR, is_staff=True)
    return tmp_path / "mail"


def open_link_from_mailbox(page, live_server, subject, screenshot=None):
    """Open the local mailbox in another window signed in as the operator (every e-mail shows there), find the
    newest e-mail with this subject, and follow its link in `page`, as the e-mail's reader would."""
    window = page.context.browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    try:
        reader = window.new_page()
        reader.goto(f"{live_server.url}/dev/mail/")
        reader.get_by_label("Email").fill(OPERATOR)
        reader.get_by_label("Password").fill(FACTORY_PASSWORD)
        reader.get_by_role("button", name="Sign in").click()
        reader.wait_for_url(f"{live_server.url}/dev/mail/")
        message = reader.locator("article.mail").filter(has_text=subject).first
        expect(message).to_be_visible()
        if screenshot:
            screenshot(reader, "mailbox")
        link = message.locator("a[href^='http']").first.get_attribute("href")
    finally:
        window.close()
    page.goto(link)
    page.wait_for_load_state()


def test_a_company_signs_up_chooses_the_password_from_the_mailbox_signs_in_and_installs_hubstaff(
    page, context, live_server, mailbox, hubstaff_sandbox, screenshot
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Create an organization").click()
    expect(page.get_by_role("heading", name="Start with Primetric")).to_be_visible()
    page.get_by_label("Organization name").fill("Initech")
    page.get_by_label("Address").fill("initech")
    page.get_by_label("Your full name").fill("Peter Gibbons")
    page.get_by_label("Your e-mail").fill("peter@initech.test")
    expect(page.get_by_label("Password")).to_have_count(0)  # chosen by whoever opens the e-mailed link
    screenshot(page, "signup")
    page.get_by_role("button", name="Create organization").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    open_link_from_mailbox(page, live_server, "Confirm your Primetric sign-up", screenshot)
    expect(page.get_by_role("heading", name="Create Initech")).to_be_visible()
    expect(page.get_by_label("Address")).to_have_value("initech")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    screenshot(page, "signup-confirm")
    page.get_by_role("button", name="Confirm and create the organization").click()
    page.wait_for_url(f"{live_server.url}/initech/")
    expect(page.get_by_text("Initech is ready.")).to_be_visible()
    screenshot(page, "signed-up")
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill("peter@initech.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/initech/")

    # The new Administrator installs Hubstaff (the install journey's steps, test_install_journey.py).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    page.get_by_role("link", name="Install").click()
    name, redirect_url, homepage_url = (
        copy_value(page, v) for v in ("Name", "Redirect URLs", "Homepage URL")
    )
    client_id, client_secret = create_hubstaff_app(
        page,
        context,
        hubstaff_sandbox,
        screenshot,
        name=name,
        homepage_url=homepage_url,
        redirect_url=redirect_url,
    )
    page.bring_to_front()
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client secret").fill(client_secret)
    page.get_by_role("button", name="Authorize").click()
    consent_at_hubstaff(page, hubstaff_sandbox, screenshot)
    page.wait_for_url(f"{live_server.url}/initech/integrations/hubstaff/")
    expect(page.get_by_text("The Hubstaff integration is properly installed.").first).to_be_visible()
    assert Installation.objects.get(organization__slug="initech").is_installed


def test_an_administrator_invites_a_manager_who_sets_a_password_and_signs_in(
    page, live_server, mailbox, admin, org, sign_in, screenshot
):
    sign_in(page, admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.get_by_role("link", name="Add person").click()
    page.get_by_label("Full name").fill("Morgan Manager")
    page.get_by_label("Email").fill("morgan@acme.test")
    page.get_by_label("Manager").check()
    expect(page.get_by_label("E-mail an invitation to sign in")).to_be_checked()
    screenshot(page, "add-and-invite")
    page.get_by_role("button", name="Add person").click()
    expect(
        page.get_by_text("Morgan Manager was added. Invitation saved; the e-mail is on its way.")
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text="morgan@acme.test")
    expect(row.get_by_text("invited")).to_be_visible()
    expect(row.get_by_role("button", name="Resend invitation to Morgan Manager")).to_be_visible()
    screenshot(page, "people-invited")
    page.get_by_role("button", name="Log out").click()

    open_link_from_mailbox(page, live_server, "You are invited to Primetric", screenshot)
    expect(page.get_by_role("heading", name="Join Acme")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    screenshot(page, "invitation-set-password")
    page.get_by_role("button", name="Set password and sign in").click()
    page.wait_for_url(f"{live_server.url}/acme/")
    expect(page.get_by_text("Welcome to Acme.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects")).to_be_visible()
    morgan = Person.objects.get(organization=org, email="morgan@acme.test")
    assert morgan.user is not None and morgan.roles == [Role.MANAGER]

    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill("morgan@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/acme/")


def test_a_forgotten_password_is_reset_from_the_mailbox(page, live_server, mailbox, employee, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("eve@acme.test")
    screenshot(page, "password-reset")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()

    open_link_from_mailbox(page, live_server, "Reset your Primetric password")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    screenshot(page, "password-reset-confirm")
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("heading", name="Your password was changed")).to_be_visible()
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Email").fill("eve@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/acme/")


def test_a_member_turns_notifications_off_and_changes_the_password_on_the_profile_page(
    page, live_server, admin, sign_in, screenshot
):
    sign_in(page, admin)
    page.get_by_role("link", name="ada@acme.test").click()
    page.get_by_role("button", name="Turn off e-mail notifications from Acme").click()
    expect(page.get_by_text("E-mail notifications from Acme are off.")).to_be_visible()
    screenshot(page, "profile")
    page.get_by_role("link", name="Change password").click()
    page.get_by_label("Old password").fill("test-password-123")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password confirmation").fill(PASSWORD)
    screenshot(page, "password-change")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    admin.refresh_from_db()
    assert admin.email_notifications is False and admin.user.check_password(PASSWORD)
