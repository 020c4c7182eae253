from django.urls import include, path

from . import views

worklog_patterns = (
    [
        path("projects/<int:project_id>/worklogs/new/", views.worklog_create, name="create"),
        path(
            "projects/<int:project_id>/worklogs/<int:worklog_id>/delete/", views.worklog_delete, name="delete"
        ),
        path("my-work/", views.my_work, name="my_work"),
        path("settings/locked-period/", views.lock_settings, name="lock"),
    ],
    "worklogs",
)

urlpatterns = [path("", include(worklog_patterns))]
