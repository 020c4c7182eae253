from django.urls import include, path

from . import views

project_patterns = (
    [
        path("", views.project_list, name="list"),
        path("new/", views.project_create, name="create"),
        path("<int:project_id>/", views.project_detail, name="detail"),
        path("<int:project_id>/edit/", views.project_edit, name="edit"),
        path("<int:project_id>/assignments/new/", views.assignment_create, name="assignment_create"),
        path(
            "<int:project_id>/assignments/<int:assignment_id>/edit/",
            views.assignment_edit,
            name="assignment_edit",
        ),
        path(
            "<int:project_id>/assignments/<int:assignment_id>/delete/",
            views.assignment_delete,
            name="assignment_delete",
        ),
    ],
    "projects",
)

urlpatterns = [path("projects/", include(project_patterns))]
