"""The capacity API's routes, included by api/urls.py inside /api/v1/orgs/<org_slug>/ at capacity/."""

from django.urls import path

from . import api

capacity_api_patterns = [
    path("settings/", api.CapacitySettingsView.as_view(), name="capacity_settings"),
    path("holidays/", api.HolidayList.as_view(), name="capacity_holidays"),
    path("holidays/<int:holiday_id>/", api.HolidayDetail.as_view(), name="capacity_holiday"),
    path(
        "people/<int:person_id>/working-hours/",
        api.WorkPatternList.as_view(),
        name="capacity_working_hours",
    ),
    path(
        "people/<int:person_id>/working-hours/<int:pattern_id>/",
        api.WorkPatternDetail.as_view(),
        name="capacity_working_hours_detail",
    ),
    path("time-off/", api.TimeOffList.as_view(), name="capacity_time_off"),
    path("time-off.csv", api.TimeOffCsv.as_view(), name="capacity_time_off_csv"),
    path("time-off/<int:time_off_id>/", api.TimeOffDetail.as_view(), name="capacity_time_off_detail"),
    path(
        "time-off/<int:time_off_id>/approve/", api.TimeOffApprove.as_view(), name="capacity_time_off_approve"
    ),
    path("time-off/<int:time_off_id>/deny/", api.TimeOffDeny.as_view(), name="capacity_time_off_deny"),
    path("availability/", api.AvailabilityView.as_view(), name="capacity_availability"),
    path("availability.csv", api.AvailabilityCsv.as_view(), name="capacity_availability_csv"),
    path("free/", api.FreeView.as_view(), name="capacity_free"),
    path("free.csv", api.FreeCsv.as_view(), name="capacity_free_csv"),
]
