"""The install page's two steps (docs/integrations.md, "The install flow"), walked in Chromium against the sandbox."""

import pytest
from playwright.sync_api import expect

from integrations.models import HubstaffProject, Installation

pytestmark = [pytest.mark.browser, pytest.mark.sandbox]


def copy_value(page, label):
    """Click the Copy button of a value on the install page; return what reached the clipboard."""
    button = page.get_by_role("button", name=f"Copy {label}")
    button.click()
    expect(button).to_have_text("Copied")
    return page.evaluate("navigator.clipboard.readText()")


def create_hubstaff_app(page, context, hubstaff_sandbox, screenshot, *, name, homepage_url, redirect_url):
    """The instruction's step 1 in Hubstaff's developer site (a new tab): sign in, add an app, read its keys."""
    with context.expect_page() as new_tab:
        page.get_by_role("link", name=f"{hubstaff_sandbox.url}/apps").click()
    hubstaff = new_tab.value
    hubstaff.wait_for_load_state()
    expect(hubstaff.get_by_role("heading", name="Sign in to Hubstaff")).to_be_visible()
    hubstaff.get_by_label("Email").fill("alice@acme.test")
    hubstaff.get_by_label("Password").fill("sandbox")
    screenshot(hubstaff, "hubstaff-sign-in")
    hubstaff.get_by_role("button", name="Sign in").click()

    # Add a new application, paste the values, Create.
    expect(hubstaff.get_by_role("heading", name="OAuth apps")).to_be_visible()
    hubstaff.get_by_role("link", name="New").click()
    hubstaff.get_by_label("Application name").fill(name)
    hubstaff.get_by_label("Homepage URL").fill(homepage_url)
    hubstaff.get_by_label("Redirect URLs").fill(redirect_url)
    screenshot(hubstaff, "hubstaff-new-app")
    hubstaff.get_by_role("button", name="Create").click()
    expect(hubstaff.get_by_role("heading", name="Primetric")).to_be_visible()
    client_id = hubstaff.locator("#client_id").inner_text().strip()
    client_secret = hubstaff.locator("#client_secret").inner_text().strip()
    screenshot(hubstaff, "hubstaff-app-created")
    hubstaff.close()
    return client_id, client_secret


def consent_at_hubstaff(page, hubstaff_sandbox, screenshot):
    """Signed in already on the developer site, so straight to the consent page (sign in if it asks)."""
    page.wait_for_url(f"{hubstaff_sandbox.url}/**")
    if page.get_by_role("heading", name="Sign in to Hubstaff").is_visible():
        page.get_by_label("Email").fill("alice@acme.test")
        page.get_by_label("Password").fill("sandbox")
        page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("heading", name="Primetric wants to access your Hubstaff account")
    ).to_be_visible()
    screenshot(page, "hubstaff-consent")
    page.get_by_role("button", name="Allow").click()


def test_administrator_installs_hubstaff(
    page, context, live_server, hubstaff_sandbox, admin, org, sign_in, screenshot
):
    # Log in to Primetric and go to the Integrations tab in the Administrator role.
    sign_in(page, admin)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", name="Integrations")).to_be_visible()
    expect(page.get_by_role("img", name="Hubstaff logo")).to_be_visible()
    screenshot(page, "integrations")

    # Find Hubstaff and click Install.
    page.get_by_role("link", name="Install").click()
    expect(page.get_by_role("heading", name="1. Configure Hubstaff")).to_be_visible()
    expect(page.get_by_role("heading", name="2. Configure Primetric")).to_be_visible()
    screenshot(page, "install-instructions")

    # Copy Name, Redirect URLs and Homepage URL.
    name = copy_value(page, "Name")
    redirect_url = copy_value(page, "Redirect URLs")
    homepage_url = copy_value(page, "Homepage URL")
    assert name == "Primetric"
    assert redirect_url == f"{live_server.url}/integrations/hubstaff/callback/"
    assert homepage_url == live_server.url
    screenshot(page, "values-copied")

    # At Hubstaff's developer site: add a new application with those values.
    client_id, client_secret = create_hubstaff_app(
        page,
        context,
        hubstaff_sandbox,
        screenshot,
        name=name,
        homepage_url=homepage_url,
        redirect_url=redirect_url,
    )

    # Configure Primetric: paste Client ID and Client secret, Authorize.
    page.bring_to_front()
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client secret").fill(client_secret)
    screenshot(page, "credentials-pasted")
    page.get_by_role("button", name="Authorize").click()

    # At Hubstaff: authorize once more.
    consent_at_hubstaff(page, hubstaff_sandbox, screenshot)

    # Back in Primetric: the integration is properly installed.
    page.wait_for_url(f"{live_server.url}/{org.slug}/integrations/hubstaff/")
    expect(page.get_by_text("The Hubstaff integration is properly installed.").first).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Alice Admin (alice@acme.test)")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Acme Hubstaff")).to_be_visible()
    screenshot(page, "properly-installed")
    assert client_secret not in page.content()

    installation = Installation.objects.get(organization=org)
    assert installation.is_installed and installation.client_id == client_id
    assert HubstaffProject.objects.filter(installation=installation, name="Project A").exists()

    # The Integrations tab now offers Manage, with the status.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("link", name="Manage")).to_be_visible()
    expect(page.get_by_text("Installed", exact=True)).to_be_visible()
    screenshot(page, "integrations-installed")


def test_denied_consent_comes_back_with_a_clear_message(
    page, context, live_server, hubstaff_sandbox, admin, org, sign_in, screenshot
):
    app = hubstaff_sandbox.create_app(
        "Primetric", [f"{live_server.url}/integrations/hubstaff/callback/"], live_server.url
    )
    sign_in(page, admin)
    page.goto(f"{live_server.url}/{org.slug}/integrations/hubstaff/install/")
    page.get_by_label("Client ID").fill(app["client_id"])
    page.get_by_label("Client secret").fill(app["client_secret"])
    page.get_by_role("button", name="Authorize").click()
    page.get_by_label("Email").fill("alice@acme.test")
    page.get_by_label("Password").fill("sandbox")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Deny").click()

    page.wait_for_url(f"{live_server.url}/{org.slug}/integrations/hubstaff/install/")
    expect(page.get_by_text("Hubstaff's authorization was denied")).to_be_visible()
    expect(page.get_by_label("Client ID")).to_have_value(app["client_id"])
    expect(page.get_by_label("Client secret")).to_have_value("")
    screenshot(page, "denied")


def test_manage_reauthorize_and_uninstall(
    page, context, live_server, hubstaff_sandbox, admin, org, sign_in, screenshot
):
    Installation.objects.create(
        organization=org,
        status=Installation.Status.NEEDS_REAUTHORIZATION,
        client_id="cid",
        client_secret="csecret",
        status_reason="Hubstaff refused to renew the access (invalid_grant: refresh token revoked).",
        account={"id": 1, "name": "Alice Admin", "email": "alice@acme.test"},
        hubstaff_organizations=[{"id": 1, "name": "Acme Hubstaff"}],
    )
    sign_in(page, admin)
    page.goto(f"{live_server.url}/{org.slug}/integrations/hubstaff/")
    # Hubstaff's refusal in a manager's words, not its OAuth code
    expect(page.get_by_role("alert")).to_contain_text(
        "withdrawn in Hubstaff or has expired: refresh token revoked"
    )
    expect(page.get_by_role("alert")).not_to_contain_text("invalid_grant")
    expect(page.get_by_role("button", name="Re-authorize")).to_be_visible()
    screenshot(page, "needs-reauthorization")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Uninstall").click()
    page.wait_for_url(f"{live_server.url}/{org.slug}/integrations/")
    expect(page.get_by_text("Hubstaff was uninstalled")).to_be_visible()
    expect(page.get_by_role("link", name="Install")).to_be_visible()
    screenshot(page, "uninstalled")
    assert not Installation.objects.filter(organization=org).exists()
