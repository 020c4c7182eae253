"""Site-level pages that bring several apps together."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from integrations.models import Installation, ProjectLink
from people.models import Invitation, Person
from people.roles import Role
from people.tenancy import Tenant, memberships, tenant_view
from projects.models import Assignment, Project
from worklogs.models import WorkLog


@dataclass(frozen=True)
class FirstDayStep:
    """One step of a new organization's checklist: where it is done, and whether it is."""

    label: str
    url: str
    done: bool
    # The role the step's page needs, said next to a step the viewer cannot open yet.
    role: Role


def first_day_checklist(tenant: Tenant) -> list[FirstDayStep]:
    """The steps from an empty organization to synced hours, each ticked by what exists: Hubstaff installed,
    a project, a project linked to Hubstaff, and a teammate invited (or with a login)."""
    org = tenant.organization
    slug = org.slug
    # Past its first authorization: a later refusal by Hubstaff is the integration page's to tell.
    past_authorization = [Installation.Status.INSTALLED, Installation.Status.NEEDS_REAUTHORIZATION]
    installed = tenant.scope(Installation).filter(status__in=past_authorization).exists()
    first_project = tenant.scope(Project).filter(archived=False).order_by("created_at", "id").first()
    linked = tenant.scope(ProjectLink).filter(enabled=True).exclude(hubstaff_project_ids=[]).exists()
    teammates = tenant.scope(Person).exclude(pk=tenant.person.pk)
    invited = (
        teammates.filter(user__isnull=False).exists()
        or tenant.scope(Invitation).exclude(person=tenant.person).exists()
    )
    link_url = (
        reverse("projects:detail", args=[slug, first_project.pk]) + "#integration-settings"
        if first_project
        else reverse("projects:list", args=[slug])
    )
    return [
        FirstDayStep(
            "Install Hubstaff",
            reverse("integrations:hubstaff_manage", args=[slug]),
            installed,
            Role.ADMINISTRATOR,
        ),
        FirstDayStep(
            "Create or import a project",
            reverse("projects:create", args=[slug]),
            first_project is not None,
            Role.MANAGER,
        ),
        FirstDayStep("Link it to a Hubstaff project", link_url, linked, Role.MANAGER),
        FirstDayStep("Invite your team", reverse("people:create", args=[slug]), invited, Role.ADMINISTRATOR),
    ]


@login_required
def root(request):
    """Send a member to their organization; one who belongs to several chooses."""
    mine = list(memberships(request.user))
    if len(mine) == 1:
        return redirect("home", org_slug=mine[0].organization.slug)
    return render(request, "people/choose_organization.html", {"memberships": mine})


@tenant_view()
def home(request):
    tenant = request.tenant
    context = {
        "my_assignments": tenant.scope(Assignment)
        .filter(person=tenant.person)
        .select_related("project")
        .order_by("-end_date")[:10]
    }
    if tenant.holds(Role.MANAGER, Role.ADMINISTRATOR):
        context["counts"] = {
            "people": tenant.scope(Person).count(),
            "projects": tenant.scope(Project).filter(archived=False).count(),
            "assignments": tenant.scope(Assignment).count(),
            "worklogs": tenant.scope(WorkLog).count(),
        }
        steps = first_day_checklist(tenant)
        if not all(step.done for step in steps):  # gone once the organization is set up
            context["checklist"] = steps
            context["checklist_done"] = sum(step.done for step in steps)
    else:
        # Whom to ask for a role, on a home that has no pages to offer.
        context["administrators"] = (
            tenant.scope(Person).filter(is_administrator=True).order_by("full_name")[:5]
        )
    return render(request, "home.html", context)


def healthz(request):
    """For load balancers and compose health checks: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
