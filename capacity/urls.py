from django.urls import include, path

from . import views

capacity_patterns = (
    [
        path("settings/", views.capacity_settings, name="settings"),
        path("holidays/", views.holiday_list, name="holidays"),
        path("holidays/<int:holiday_id>/edit/", views.holiday_edit, name="holiday_edit"),
        path("holidays/<int:holiday_id>/delete/", views.holiday_delete, name="holiday_delete"),
        path("time-off/", views.time_off_list, name="time_off"),
        path("time-off/new/", views.time_off_create, name="time_off_create"),
        path("time-off/mine/", views.my_time_off, name="my_time_off"),
        path("time-off/<int:time_off_id>/edit/", views.time_off_edit, name="time_off_edit"),
        path("time-off/<int:time_off_id>/delete/", views.time_off_delete, name="time_off_delete"),
        path("time-off/<int:time_off_id>/decide/", views.time_off_decide, name="time_off_decide"),
        path("people/<int:person_id>/", views.person_capacity, name="person"),
        path(
            "people/<int:person_id>/working-hours/<int:pattern_id>/delete/",
            views.pattern_delete,
            name="pattern_delete",
        ),
        path("free/", views.who_is_free, name="free"),
    ],
    "capacity",
)

urlpatterns = [path("capacity/", include(capacity_patterns))]
