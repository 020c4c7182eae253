from django.urls import include, path

from . import person_page, views

planning_patterns = (
    [
        # A person's page: under people/ as a reader expects, served by planning (people's own URLs end in
        # /edit/, /invite/, ...).
        path("people/<int:person_id>/", person_page.person_page, name="person_page"),
        path("planning/report/", views.report, name="report"),
        path("planning/report.csv", views.report_csv, name="report_csv"),
        path("planning/worklogs.csv", views.worklogs_csv, name="worklogs_csv"),
        path("planning/projects/<int:project_id>/timeline/", views.project_timeline, name="project_timeline"),
        path("planning/people/<int:person_id>/", views.person_report, name="person_report"),
        path("planning/people/<int:person_id>/report.csv", views.person_report_csv, name="person_report_csv"),
        path(
            "planning/people/<int:person_id>/worklogs.csv",
            views.person_worklogs_csv,
            name="person_worklogs_csv",
        ),
    ],
    "planning",
)

urlpatterns = [path("", include(planning_patterns))]
