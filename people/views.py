from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .forms import EmailLoginForm, PersonForm, RoleSwitchForm
from .invitations import InvitationError, invitation_state, invite, latest_invitation, revoke_invitations
from .models import Invitation, Person
from .panels import render_person_panels
from .roles import NAVIGATION, Role
from .selectors import clean_search, search_people
from .services import save_person
from .signup import unconfirmed_signups
from .tenancy import Tenant, TenantRequest, set_active_role, tenant_view
from .warnings import email_change_warnings

# A Manager adds teammates (e.g. the missing ones a sync reports) as Managers or Employees only.
MANAGER_GRANTS = (Role.MANAGER, Role.EMPLOYEE)


class SignInView(LoginView):
    """Sign-in by e-mail. Whether a sign-up waits for its e-mail's confirmation is said only to whoever gave the
    right password (the page a failed sign-in shows is the same for every address, people/signup.py)."""

    form_class = EmailLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        for pending in unconfirmed_signups(form.get_user().username):
            messages.info(
                self.request,
                f"Confirm your e-mail first: {pending.organization_name} is created from the link we sent to "
                f"{pending.email}.",
            )
        return response


@tenant_view()
@require_POST
def switch_role(request: TenantRequest) -> HttpResponse:
    """Change the role the member acts in here, and land on that role's main page."""
    form = RoleSwitchForm(request.POST)
    org_slug = request.tenant.organization.slug
    if not form.is_valid():
        return redirect("home", org_slug=org_slug)
    role = form.cleaned_data["role"]
    set_active_role(request.session, request.tenant.person, role)
    messages.success(request, f"You are now acting as {Role(role).label}.")
    return redirect(NAVIGATION[role][0][0], org_slug=org_slug)


def _allowed_roles(tenant: Tenant) -> tuple[Role, ...] | None:
    return None if tenant.holds(Role.ADMINISTRATOR) else MANAGER_GRANTS


def _may_invite(tenant: Tenant, person: Person) -> bool:
    """Administrators invite anyone; a Manager invites the Managers and Employees they may add."""
    return tenant.holds(Role.ADMINISTRATOR) or not person.is_administrator


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else None


def _invitation_email_status(person: Person) -> str:
    """The latest invitation's e-mail status ("queued", "sent", "retrying", "failed"), or "" if none."""
    latest = latest_invitation(person)  # prefetched
    return latest.email_status if latest else ""


def _invite_after_save(request: TenantRequest, person: Person, saved: str) -> None:
    """Invite a person just saved: the message says what became of the invitation, the person stays saved."""
    try:
        invite(person, invited_by=request.tenant.person)
    except InvitationError as error:
        messages.warning(request, f"{saved}; the invitation was not sent: {error}")
    else:
        messages.success(request, f"{saved}. Invitation saved; the e-mail is on its way.")


@tenant_view(Role.ADMINISTRATOR)
@require_POST
def take_role(request: TenantRequest) -> HttpResponse:
    """An Administrator gives herself a role a page needs (offered on that page's 403), acts in it, and goes back.

    Only Administrators grant roles, so an Administrator is the one person who needs nobody to ask.
    """
    form = RoleSwitchForm(request.POST)
    person = request.tenant.person
    if form.is_valid():
        role = Role(form.cleaned_data["role"])
        if role not in person.roles:
            person.set_roles([*person.roles, role])
            person.save(update_fields=["is_administrator", "is_manager", "is_employee"])
            messages.success(request, f"You now hold the {role.label} role too, and act as {role.label}.")
        set_active_role(request.session, person, role)
    return redirect(_safe_next(request) or reverse("home", args=[request.tenant.organization.slug]))


@tenant_view(Role.ADMINISTRATOR, Role.MANAGER)
def person_list(request: TenantRequest) -> HttpResponse:
    query = clean_search(request.GET.get("q"))
    people = search_people(request.tenant.scope(Person).select_related("user"), query).prefetch_related(
        Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at", "-id"))
    )
    rows = [
        {
            "person": p,
            "state": invitation_state(p),
            "email_status": _invitation_email_status(p),
            "may_invite": _may_invite(request.tenant, p),
        }
        for p in people
    ]
    context = {"rows": rows, "query": query, "can_edit": request.tenant.holds(Role.ADMINISTRATOR)}
    return render(request, "people/person_list.html", context)


@tenant_view(Role.ADMINISTRATOR, Role.MANAGER)
def person_create(request: TenantRequest) -> HttpResponse:
    initial: dict[str, object] = {
        "email": request.GET.get("email", ""),
        "full_name": request.GET.get("full_name", ""),
    }
    # A link may name the role (a missing teammate's "Add and invite" names Employee); otherwise the person
    # ticks at least one: a ticked default would be kept by someone who meant only Manager.
    if request.GET.get("role") in Role.values:
        initial["roles"] = [request.GET["role"]]
    initial["invite"] = True
    form = PersonForm(
        request.POST or None,
        organization=request.tenant.organization,
        allowed_roles=_allowed_roles(request.tenant),
        role_required=True,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        person = save_person(form)
        if form.cleaned_data.get("invite"):
            _invite_after_save(request, person, f"{person.full_name} was added")
        else:
            messages.success(request, f"{person.full_name} was added.")
        next_url = _safe_next(request)
        if next_url:  # e.g. back to the project whose sync reported the person missing
            return redirect(next_url)
        return redirect("people:list", org_slug=request.tenant.organization.slug)
    context = {"form": form, "creating": True, "next": _safe_next(request)}
    return render(request, "people/person_form.html", context)


@tenant_view(Role.ADMINISTRATOR)
def person_edit(request: TenantRequest, person_id: int) -> HttpResponse:
    person = request.tenant.get(Person, person_id)
    form = PersonForm(
        request.POST or None, instance=person, organization=request.tenant.organization, role_required=True
    )
    if request.method == "POST" and form.is_valid():
        save_person(form)
        if form.cleaned_data.get("invite"):
            _invite_after_save(request, person, f"{person.full_name} was saved")
        else:
            messages.success(request, f"{person.full_name} was saved.")
        return redirect("people:list", org_slug=request.tenant.organization.slug)
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "person": person,
            "creating": False,
            "panels": render_person_panels(request, person),
            # What an e-mail change would do elsewhere (the next sync's hours), before it is saved.
            "email_warnings": email_change_warnings(person),
        },
    )


@tenant_view(Role.ADMINISTRATOR, Role.MANAGER)
@require_POST
def person_invite(request: TenantRequest, person_id: int) -> HttpResponse:
    """Send (or send again) an invitation; an earlier link stops working."""
    person = request.tenant.get(Person, person_id)
    if not _may_invite(request.tenant, person):
        raise PermissionDenied("Only an Administrator invites an Administrator.")
    try:
        invite(person, invited_by=request.tenant.person)
    except InvitationError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Invitation saved; the e-mail to {person.email} is on its way.")
    return redirect("people:list", org_slug=request.tenant.organization.slug)


@tenant_view(Role.ADMINISTRATOR, Role.MANAGER)
@require_POST
def person_revoke_invitation(request: TenantRequest, person_id: int) -> HttpResponse:
    person = request.tenant.get(Person, person_id)
    if not _may_invite(request.tenant, person):
        raise PermissionDenied("Only an Administrator manages an Administrator's invitation.")
    if revoke_invitations(person):
        messages.success(request, f"The invitation of {person.full_name} was withdrawn.")
    return redirect("people:list", org_slug=request.tenant.organization.slug)
