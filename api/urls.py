"""/api/: the REST API (v1), its OpenAPI schema and docs page; and the profile page's route (/accounts/profile/)."""

from django.http import JsonResponse
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.decorators.csrf import csrf_exempt

from .profile import profile
from .views import (
    assignments,
    capacity,
    docs,
    hubstaff,
    integrations,
    invitations,
    ledger,
    orgs,
    people,
    projects,
    user_links,
    worklogs,
)

app_name = "api"


@csrf_exempt  # it changes nothing, whatever the method
def not_found(request, *args, **kwargs):
    return JsonResponse({"detail": "Not found."}, status=404)


# Capacity: working hours, time off, holidays, availability, Who is free (api/views/capacity.py).
capacity_patterns: list[URLPattern | URLResolver] = [
    path("settings/", capacity.CapacitySettingsView.as_view(), name="capacity_settings"),
    path("holidays/", capacity.HolidayList.as_view(), name="capacity_holidays"),
    path("holidays/<int:holiday_id>/", capacity.HolidayDetail.as_view(), name="capacity_holiday"),
    path(
        "people/<int:person_id>/working-hours/",
        capacity.WorkPatternList.as_view(),
        name="capacity_working_hours",
    ),
    path(
        "people/<int:person_id>/working-hours/<int:pattern_id>/",
        capacity.WorkPatternDetail.as_view(),
        name="capacity_working_hours_detail",
    ),
    path("time-off/", capacity.TimeOffList.as_view(), name="capacity_time_off"),
    path("time-off.csv", capacity.TimeOffCsv.as_view(), name="capacity_time_off_csv"),
    path("time-off/<int:time_off_id>/", capacity.TimeOffDetail.as_view(), name="capacity_time_off_detail"),
    path(
        "time-off/<int:time_off_id>/approve/",
        capacity.TimeOffApprove.as_view(),
        name="capacity_time_off_approve",
    ),
    path("time-off/<int:time_off_id>/deny/", capacity.TimeOffDeny.as_view(), name="capacity_time_off_deny"),
    path("availability/", capacity.AvailabilityView.as_view(), name="capacity_availability"),
    path("availability.csv", capacity.AvailabilityCsv.as_view(), name="capacity_availability_csv"),
    path("free/", capacity.FreeView.as_view(), name="capacity_free"),
    path("free.csv", capacity.FreeCsv.as_view(), name="capacity_free_csv"),
]

org_patterns: list[URLPattern | URLResolver] = [
    path("capacity/", include(capacity_patterns)),
    path("people/", people.PersonList.as_view(), name="people"),
    path("people/<int:person_id>/", people.PersonDetail.as_view(), name="person"),
    path(
        "people/<int:person_id>/invitation/",
        invitations.PersonInvitation.as_view(),
        name="person_invitation",
    ),
    path("projects/", projects.ProjectList.as_view(), name="projects"),
    path("projects/<int:project_id>/", projects.ProjectDetail.as_view(), name="project"),
    path(
        "projects/<int:project_id>/assignments/",
        assignments.ProjectAssignmentList.as_view(),
        name="project_assignments",
    ),
    path(
        "projects/<int:project_id>/assignments/<int:assignment_id>/",
        assignments.ProjectAssignmentDetail.as_view(),
        name="project_assignment",
    ),
    path("projects/<int:project_id>/worklogs/", worklogs.WorkLogList.as_view(), name="worklogs"),
    path(
        "projects/<int:project_id>/worklogs/<int:worklog_id>/",
        worklogs.WorkLogDetail.as_view(),
        name="worklog",
    ),
    path("projects/<int:project_id>/hubstaff/", hubstaff.ProjectLinkView.as_view(), name="hubstaff_link"),
    path("projects/<int:project_id>/hubstaff/sync/", hubstaff.SyncView.as_view(), name="hubstaff_sync"),
    path("projects/<int:project_id>/hubstaff/clear/", hubstaff.ClearView.as_view(), name="hubstaff_clear"),
    path("projects/<int:project_id>/sync-runs/", hubstaff.SyncRunList.as_view(), name="sync_runs"),
    path(
        "projects/<int:project_id>/sync-runs/<int:run_id>/",
        hubstaff.SyncRunDetail.as_view(),
        name="project_sync_run",
    ),
    path(
        "projects/<int:project_id>/sync-runs/<int:run_id>/changes/",
        ledger.SyncRunChanges.as_view(),
        name="sync_run_changes",
    ),
    path(
        "projects/<int:project_id>/sync-runs/<int:run_id>/undo/",
        ledger.SyncRunUndo.as_view(),
        name="sync_run_undo",
    ),
    path(
        "projects/<int:project_id>/locked-differences/",
        ledger.LockedDifferenceList.as_view(),
        name="locked_differences",
    ),
    path(
        "projects/<int:project_id>/locked-differences/accept/",
        ledger.LockedDifferenceAccept.as_view(),
        name="locked_difference_accept",
    ),
    path("worklog-lock/", ledger.WorkLogLockView.as_view(), name="worklog_lock"),
    path("hubstaff/user-links/", user_links.UserLinkList.as_view(), name="hubstaff_user_links"),
    path(
        "hubstaff/user-links/<int:link_id>/",
        user_links.UserLinkDetail.as_view(),
        name="hubstaff_user_link",
    ),
    path("assignments/", assignments.AssignmentList.as_view(), name="assignments"),
    path("assignments/<int:assignment_id>/", assignments.AssignmentDetail.as_view(), name="assignment"),
    path("sync-runs/<int:run_id>/", hubstaff.SyncRunDetail.as_view(), name="sync_run"),
    path(
        "integrations/hubstaff/", integrations.InstallationStatusView.as_view(), name="hubstaff_installation"
    ),
    path(
        "integrations/hubstaff/projects/",
        integrations.HubstaffProjectList.as_view(),
        name="hubstaff_projects",
    ),
]

urlpatterns = [
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path("v1/orgs/", orgs.OrganizationList.as_view(), name="orgs"),
    path("v1/orgs/<slug:org_slug>/", include(org_patterns)),
    # Anything else under /api/ is a JSON 404, not the site's HTML page (e.g. a malformed id such as -1).
    re_path(r"^.*/$", not_found),
]

# Included by the root URLconf at accounts/profile/.
profile_urlpatterns = [path("", profile, name="profile")]
