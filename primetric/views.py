"""Site-level pages that bring several apps together."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from people.models import Person
from people.roles import Role
from people.tenancy import memberships, tenant_view
from projects.models import Assignment, Project
from worklogs.models import WorkLog


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
    return render(request, "home.html", context)


def healthz(request):
    """For load balancers and compose health checks: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
