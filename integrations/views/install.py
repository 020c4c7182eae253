"""Integrations pages (Administrator): the list of integrations, and Hubstaff's install, manage and callback."""

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_POST

from people.models import Organization
from people.roles import Role
from people.tenancy import TenantRequest, resolve_tenant, tenant_view

from ..forms import HubstaffCredentialsForm
from ..hubstaff import oauth
from ..hubstaff.errors import ClientCredentialsRejected, HubstaffError, installation_status_reason
from ..models import Installation
from ..selectors import get_installation, hubstaff_project_count
from ..services import availability
from ..services import installation as services
from .project import live_updates_context

APP_NAME = "Primetric"


@tenant_view(Role.ADMINISTRATOR)
def integration_list(request: TenantRequest) -> HttpResponse:
    installation = get_installation(request.tenant.organization)
    return render(
        request,
        "integrations/integration_list.html",
        {
            "installation": installation,
            "status_reason": installation_status_reason(installation) if installation else "",
        },
    )


@sensitive_post_parameters("client_secret")
@tenant_view(Role.ADMINISTRATOR)
def hubstaff_install(request: TenantRequest) -> HttpResponse:
    """The install instructions in two steps; Authorize saves the credentials and goes to Hubstaff."""
    installation = get_installation(request.tenant.organization)
    saved_client_id = installation.client_id if installation else ""
    form = HubstaffCredentialsForm(
        request.POST or None,
        initial={"client_id": saved_client_id},
        saved_client_id=saved_client_id,
        has_saved_secret=bool(installation and installation.client_secret),
    )
    if request.method == "POST" and form.is_valid():
        installation = services.save_credentials(
            request.tenant.organization,
            client_id=form.cleaned_data["client_id"],
            client_secret=form.cleaned_data["client_secret"],
            user=request.user,
        )
        try:
            return redirect(oauth.begin_authorization(request, installation))
        except HubstaffError as exc:
            form.add_error(None, f"Hubstaff could not be reached to start the authorization: {exc}")
    return render(
        request,
        "integrations/hubstaff_install.html",
        {
            "form": form,
            "installation": installation,
            # (element id, label as in Hubstaff's form, value): each shown with a Copy button
            "copy_values": [
                ("hubstaff-app-name", "Name", APP_NAME),
                ("hubstaff-redirect-url", "Redirect URLs", oauth.callback_url()),
                ("hubstaff-homepage-url", "Homepage URL", settings.SITE_URL),
            ],
            "developer_apps_url": settings.HUBSTAFF_DEVELOPER_URL.rstrip("/") + "/apps",
        },
    )


@require_GET
@tenant_view(Role.ADMINISTRATOR)
def hubstaff_manage(request: TenantRequest) -> HttpResponse:
    installation = get_installation(request.tenant.organization)
    if installation is None:
        return redirect("integrations:hubstaff_install", org_slug=request.tenant.organization.slug)
    return render(
        request,
        "integrations/hubstaff_manage.html",
        {
            "installation": installation,
            "status_reason": installation_status_reason(installation),
            "uses_personal_access_token": not installation.client_id,
            "project_count": hubstaff_project_count(installation),
            **live_updates_context(installation),
            "availability_imports": availability.recent_imports(installation),
        },
    )


@require_POST
@tenant_view(Role.ADMINISTRATOR)
def hubstaff_availability(request: TenantRequest) -> HttpResponse:
    """Time off and holidays from Hubstaff: the option turned on or off, or taken now."""
    installation = get_installation(request.tenant.organization)
    slug = request.tenant.organization.slug
    if installation is None or not installation.is_installed:
        messages.error(request, "Install Hubstaff first.")
        return redirect("integrations:hubstaff_install", org_slug=slug)
    action = request.POST.get("action", "")
    if action == "on":
        availability.set_option(installation, True)
        messages.success(
            request, "Time off and holidays are taken from Hubstaff every day; the first time now."
        )
    elif action == "off":
        availability.set_option(installation, False)
        messages.success(
            request, "Time off and holidays are no longer taken from Hubstaff; what was taken stays."
        )
    elif action == "now" and installation.import_availability:
        availability.send_import(installation)
        messages.success(
            request, "Taking time off and holidays from Hubstaff now; reload in a minute to see it."
        )
    else:
        messages.error(request, "Nothing to do.")
    return redirect("integrations:hubstaff_manage", org_slug=slug)


@require_POST
@tenant_view(Role.ADMINISTRATOR)
def hubstaff_reauthorize(request: TenantRequest) -> HttpResponse:
    """Authorize again with the saved credentials (after a revoked or expired authorization)."""
    installation = get_installation(request.tenant.organization)
    slug = request.tenant.organization.slug
    if installation is None or not (installation.client_id and installation.client_secret):
        messages.info(
            request, "Enter the Client ID and Client secret of your Hubstaff app, then click Authorize."
        )
        return redirect("integrations:hubstaff_install", org_slug=slug)
    try:
        return redirect(oauth.begin_authorization(request, installation))
    except HubstaffError as exc:
        messages.error(request, f"Hubstaff could not be reached to start the authorization: {exc}")
        return redirect("integrations:hubstaff_manage", org_slug=slug)


@require_POST
@tenant_view(Role.ADMINISTRATOR)
def hubstaff_uninstall(request: TenantRequest) -> HttpResponse:
    installation = get_installation(request.tenant.organization)
    if installation is not None:
        services.uninstall(installation)
        messages.success(
            request,
            "Hubstaff was uninstalled: its credentials and tokens are forgotten and projects stop syncing. "
            "Work logs already synced stay until a manager clears them.",
        )
    return redirect("integrations:list", org_slug=request.tenant.organization.slug)


@login_required
@require_GET
@sensitive_variables()  # the code, the state and the pending verifier
def hubstaff_callback(request: HttpRequest) -> HttpResponse:
    """Where Hubstaff sends the browser back. One address for every organization: the session says which."""
    pending = oauth.pop_pending(request, request.GET.get("state"))
    if pending is None:
        return render(request, "integrations/hubstaff_callback_invalid.html", status=400)
    organization = Organization.objects.filter(pk=pending["organization_id"]).first()
    if organization is None:
        return render(request, "integrations/hubstaff_callback_invalid.html", status=400)
    # From here the request acts in the organization, as a page under tenant_view does.
    tenant_request = cast(TenantRequest, request)
    tenant_request.tenant = resolve_tenant(request, organization.slug)  # 404 unless still a member
    if not tenant_request.tenant.holds(Role.ADMINISTRATOR):
        raise PermissionDenied("Only Administrators can install integrations.")
    installation = tenant_request.tenant.scope(Installation).filter(pk=pending["installation_id"]).first()
    if installation is None or installation.client_id != pending.get("client_id"):
        return render(request, "integrations/hubstaff_callback_invalid.html", status=400)

    slug = organization.slug
    if request.GET.get("error"):
        messages.error(request, oauth.describe_callback_error(request.GET))
        return redirect("integrations:hubstaff_install", org_slug=slug)
    code = request.GET.get("code")
    if not code:
        messages.error(request, "Hubstaff sent back no authorization code. Click Authorize to try again.")
        return redirect("integrations:hubstaff_install", org_slug=slug)
    try:
        installation = services.complete_authorization(
            installation, code=code, pending=pending, user=request.user
        )
    except ClientCredentialsRejected as exc:
        services.forget_client_secret(installation)
        messages.error(request, str(exc))
        return redirect("integrations:hubstaff_install", org_slug=slug)
    except HubstaffError as exc:
        messages.error(request, str(exc))
        return redirect("integrations:hubstaff_install", org_slug=slug)
    # The Manage page says "properly installed", with the account and organizations reached.
    return redirect("integrations:hubstaff_manage", org_slug=slug)
