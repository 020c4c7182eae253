from django.urls import include, path

from . import project_views as views
from . import user_link_views

project_link_patterns = (
    [
        path("projects/<int:project_id>/hubstaff/settings/", views.save_link, name="save"),
        path("projects/<int:project_id>/hubstaff/sync/", views.reset_and_sync, name="sync"),
        path("projects/<int:project_id>/hubstaff/preview/", views.preview_reset, name="preview"),
        path("projects/<int:project_id>/hubstaff/clear/", views.clear_data, name="clear"),
        path(
            "projects/<int:project_id>/hubstaff/remove-sync-assignments/",
            views.remove_sync_made_assignments,
            name="remove_sync_assignments",
        ),
        path(
            "projects/<int:project_id>/hubstaff/refresh-projects/",
            views.refresh_projects,
            name="refresh_projects",
        ),
        path("projects/<int:project_id>/hubstaff/status/", views.sync_status, name="status"),
        path("projects/<int:project_id>/hubstaff/history/", views.sync_history, name="history"),
        path(
            "projects/<int:project_id>/hubstaff/link-user/",
            user_link_views.link_hubstaff_user,
            name="link_user",
        ),
    ],
    "project_hubstaff",
)

urlpatterns = [path("", include(project_link_patterns))]
