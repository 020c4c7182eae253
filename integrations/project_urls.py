from django.urls import include, path

from .views import project, runs, user_links

project_link_patterns = (
    [
        path("projects/<int:project_id>/hubstaff/settings/", project.save_link, name="save"),
        path("projects/<int:project_id>/hubstaff/sync/", project.reset_and_sync, name="sync"),
        path("projects/<int:project_id>/hubstaff/preview/", project.preview_reset, name="preview"),
        path(
            "projects/<int:project_id>/hubstaff/preview/<int:run_id>/apply/",
            project.apply_preview,
            name="apply_preview",
        ),
        path("projects/<int:project_id>/hubstaff/clear/", project.clear_data, name="clear"),
        path(
            "projects/<int:project_id>/hubstaff/remove-sync-assignments/",
            project.remove_sync_made_assignments,
            name="remove_sync_assignments",
        ),
        path(
            "projects/<int:project_id>/hubstaff/refresh-projects/",
            project.refresh_projects,
            name="refresh_projects",
        ),
        path("projects/<int:project_id>/hubstaff/status/", project.sync_status, name="status"),
        path("projects/<int:project_id>/hubstaff/history/", project.sync_history, name="history"),
        path("projects/<int:project_id>/hubstaff/runs/<int:run_id>/", runs.run_page, name="run"),
        path(
            "projects/<int:project_id>/hubstaff/runs/<int:run_id>/cancel/",
            project.cancel_run,
            name="cancel_run",
        ),
        path(
            "projects/<int:project_id>/hubstaff/runs/<int:run_id>/changes.csv",
            runs.run_changes_csv,
            name="run_csv",
        ),
        path("projects/<int:project_id>/hubstaff/runs/<int:run_id>/undo/", runs.undo_page, name="undo"),
        path(
            "projects/<int:project_id>/hubstaff/locked-differences/accept/",
            runs.accept_difference,
            name="accept_difference",
        ),
        path(
            "projects/<int:project_id>/hubstaff/missing/add-all/",
            project.add_all_missing,
            name="add_all_missing",
        ),
        path(
            "projects/<int:project_id>/hubstaff/missing/link-suggested/",
            project.link_all_suggested,
            name="link_all_suggested",
        ),
        path(
            "projects/<int:project_id>/hubstaff/link-user/",
            user_links.link_hubstaff_user,
            name="link_user",
        ),
    ],
    "project_hubstaff",
)

urlpatterns = [path("", include(project_link_patterns))]
