from django.urls import include, path

from . import views

people_patterns = (
    [
        path("", views.person_list, name="list"),
        path("new/", views.person_create, name="create"),
        path("<int:person_id>/edit/", views.person_edit, name="edit"),
        path("<int:person_id>/invite/", views.person_invite, name="invite"),
        path("<int:person_id>/revoke-invitation/", views.person_revoke_invitation, name="revoke_invitation"),
    ],
    "people",
)

urlpatterns = [
    path("role/", views.switch_role, name="switch_role"),
    path("role/take/", views.take_role, name="take_role"),
    path("people/", include(people_patterns)),
]
