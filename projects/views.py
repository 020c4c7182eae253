from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from people.roles import Role
from people.selectors import clean_search
from people.tenancy import tenant_view

from .forms import AssignmentForm, ProjectForm
from .models import Assignment, Project
from .panels import render_project_panels
from .selectors import search_projects
from .warnings import assignment_warnings


@tenant_view(Role.MANAGER)
def project_list(request):
    projects = request.tenant.scope(Project)
    show = request.GET.get("show", "active")
    if show != "all":
        projects = projects.filter(archived=False)
    query = clean_search(request.GET.get("q"))
    projects = search_projects(projects, query)
    return render(request, "projects/project_list.html", {"projects": projects, "show": show, "query": query})


@tenant_view(Role.MANAGER)
def project_create(request):
    form = ProjectForm(request.POST or None, organization=request.tenant.organization)
    if request.method == "POST" and form.is_valid():
        project = form.save()
        messages.success(request, f"{project.name} was created.")
        return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)
    return render(request, "projects/project_form.html", {"form": form, "creating": True})


@tenant_view(Role.MANAGER)
def project_edit(request, project_id):
    project = request.tenant.get(Project, project_id)
    form = ProjectForm(request.POST or None, instance=project, organization=request.tenant.organization)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Project {project.name} was saved.")
        return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)
    return render(
        request, "projects/project_form.html", {"form": form, "project": project, "creating": False}
    )


@tenant_view(Role.MANAGER)
def project_detail(request, project_id):
    project = request.tenant.get(Project, project_id)
    assignments = project.assignments.select_related("person").order_by("person__full_name", "start_date")
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "assignments": assignments,
            "main_panels": render_project_panels(request, project, "main"),
            "side_panels": render_project_panels(request, project, "side"),
        },
    )


@tenant_view(Role.MANAGER)
def assignment_create(request, project_id):
    project = request.tenant.get(Project, project_id)
    form = AssignmentForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        assignment = form.save()
        messages.success(request, f"{assignment.person} was assigned to {project.name}.")
        for warning in assignment_warnings(assignment):
            messages.warning(request, warning)
        return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)
    return render(
        request, "projects/assignment_form.html", {"form": form, "project": project, "creating": True}
    )


@tenant_view(Role.MANAGER)
def assignment_edit(request, project_id, assignment_id):
    project = request.tenant.get(Project, project_id)
    assignment = request.tenant.get(Assignment, assignment_id, queryset=project.assignments.all())
    form = AssignmentForm(request.POST or None, instance=assignment, project=project)
    if request.method == "POST" and form.is_valid():
        assignment = form.save()
        messages.success(request, "The assignment was saved.")
        for warning in assignment_warnings(assignment):
            messages.warning(request, warning)
        return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)
    return render(
        request,
        "projects/assignment_form.html",
        {"form": form, "project": project, "assignment": assignment, "creating": False},
    )


@tenant_view(Role.MANAGER)
@require_POST
def assignment_delete(request, project_id, assignment_id):
    project = request.tenant.get(Project, project_id)
    assignment = request.tenant.get(Assignment, assignment_id, queryset=project.assignments.all())
    assignment.delete()
    messages.success(request, f"{assignment.person} is no longer assigned to {project.name}.")
    return redirect("projects:detail", org_slug=request.tenant.organization.slug, project_id=project.pk)
