"""The capacity API under /api/v1/orgs/<org_slug>/capacity/: working hours, time off and its decisions, holidays,
settings, availability per person and week, Who is free, and CSV exports (routes in api/urls.py).

Administrators and Managers read and write everything; any member reads the holidays and settings, their own time
off and their own availability, and asks for time off where the organization allows it. Rows from Hubstaff are
read-only here (409).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from capacity.availability import WeekFigures, weeks_by_person
from capacity.free import FreePerson, free_people
from capacity.models import CapacitySettings, Holiday, TimeOff, WorkPattern, settings_for
from capacity.serializers import (
    AvailabilityFilters,
    CapacitySettingsSerializer,
    FreeFilters,
    FreePersonSerializer,
    HolidaySerializer,
    PersonWeeksSerializer,
    TimeOffFilters,
    TimeOffSerializer,
    WorkPatternSerializer,
)
from capacity.services import ReadOnly, decide_time_off, delete_time_off, save_capacity_settings
from people.models import Person, TenantModel
from people.roles import Role
from people.tenancy import Tenant
from planning.exports import safe_cell
from projects.models import Project

from ..tenancy import TenantAPIView as TenantEndpoint

MANAGERS = (Role.ADMINISTRATOR, Role.MANAGER)
CSV = {(200, "text/csv"): OpenApiTypes.STR}
MEMBERS = (Role.ADMINISTRATOR, Role.MANAGER, Role.EMPLOYEE)


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def read_only_conflict(error: ReadOnly) -> Conflict:
    return Conflict(str(error))


class CapacityEndpoint(TenantEndpoint):
    """Base of the capacity endpoints: Managers (and Administrators) write unless an endpoint says otherwise."""

    write_roles = MANAGERS
    schema_tag = "capacity"

    @property
    def member(self) -> Tenant:
        return self.resolve_tenant()

    def is_manager(self) -> bool:
        return self.member.holds(*MANAGERS)


def _refuse_hubstaffs(row: TimeOff | Holiday) -> None:
    if row.is_read_only:
        raise read_only_conflict(ReadOnly())


# --- Settings and holidays --------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(summary="Read the capacity settings"),
    put=extend_schema(summary="Change the capacity settings"),
    patch=extend_schema(summary="Change some capacity settings"),
)
class CapacitySettingsView(CapacityEndpoint, generics.RetrieveUpdateAPIView):
    read_roles = MEMBERS
    serializer_class = CapacitySettingsSerializer

    def get_object(self) -> CapacitySettings:
        return settings_for(self.member.organization)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        serializer.instance = save_capacity_settings(self.member.organization, serializer.validated_data)


class HolidayEndpoint(CapacityEndpoint):
    read_roles = MEMBERS
    url_models = {"holiday_id": Holiday}
    serializer_class = HolidaySerializer
    lookup_url_kwarg = "holiday_id"

    def get_queryset(self) -> QuerySet[Holiday]:
        if getattr(self, "swagger_fake_view", False):
            return Holiday.objects.none()
        return self.member.scope(Holiday).order_by("date", "id")


@extend_schema_view(
    get=extend_schema(summary="List the organization's holidays"),
    post=extend_schema(summary="Add a holiday"),
)
class HolidayList(HolidayEndpoint, generics.ListCreateAPIView):
    pass


@extend_schema_view(
    get=extend_schema(summary="Read a holiday"),
    put=extend_schema(summary="Change a holiday"),
    patch=extend_schema(summary="Change some of a holiday's fields"),
    delete=extend_schema(summary="Remove a holiday"),
)
class HolidayDetail(HolidayEndpoint, generics.RetrieveUpdateDestroyAPIView):
    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        _refuse_hubstaffs(self.get_object())
        serializer.save()

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _refuse_hubstaffs(self.get_object())
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance: Holiday) -> None:
        _refuse_hubstaffs(instance)
        instance.delete()


# --- Working hours ----------------------------------------------------------------------------------------


class WorkPatternEndpoint(CapacityEndpoint):
    url_models = {"person_id": Person, "pattern_id": WorkPattern}
    serializer_class = WorkPatternSerializer
    lookup_url_kwarg = "pattern_id"

    def scope_for(self, model: type[TenantModel]) -> QuerySet[Any]:
        queryset = super().scope_for(model)
        if model is WorkPattern:  # the URL's person's, not any of the organization's
            queryset = queryset.filter(person=self.url_objects["person_id"])
        return queryset

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["person"] = getattr(self, "url_objects", {}).get("person_id")
        return context

    def get_queryset(self) -> QuerySet[WorkPattern]:
        if getattr(self, "swagger_fake_view", False):
            return WorkPattern.objects.none()
        return (
            self.member.scope(WorkPattern)
            .filter(person=self.url_objects["person_id"])
            .order_by("effective_from")
        )


@extend_schema_view(
    get=extend_schema(summary="List a person's working hours, each from its date on"),
    post=extend_schema(
        summary="Set a person's working hours from a date on (replacing any starting that day)"
    ),
)
class WorkPatternList(WorkPatternEndpoint, generics.ListCreateAPIView):
    pass


@extend_schema_view(
    get=extend_schema(summary="Read a person's working hours from a date"),
    delete=extend_schema(
        summary="Remove a person's working hours from a date (the earlier ones apply again)"
    ),
)
class WorkPatternDetail(WorkPatternEndpoint, generics.RetrieveDestroyAPIView):
    pass


# --- Time off ---------------------------------------------------------------------------------------------


class TimeOffEndpoint(CapacityEndpoint):
    """Managers see and change everyone's; other members see their own and ask for more."""

    read_roles = MEMBERS
    url_models = {"time_off_id": TimeOff}
    serializer_class = TimeOffSerializer
    lookup_url_kwarg = "time_off_id"
    filter_serializer_class = TimeOffFilters

    def get_queryset(self) -> QuerySet[TimeOff]:
        if getattr(self, "swagger_fake_view", False):
            return TimeOff.objects.none()
        time_off = self.member.scope(TimeOff).select_related("person").order_by("start_date", "id")
        if not self.is_manager():
            time_off = time_off.filter(person=self.member.person)
        filters = self.filters()
        if "person" in filters:
            time_off = time_off.filter(person_id=filters["person"])
        if "status" in filters:
            time_off = time_off.filter(status=filters["status"])
        if "start" in filters:
            time_off = time_off.filter(end_date__gte=filters["start"])
        if "end" in filters:
            time_off = time_off.filter(start_date__lte=filters["end"])
        return time_off

    def get_object(self) -> TimeOff:
        time_off: TimeOff = super().get_object()
        if not self.is_manager() and time_off.person_id != self.member.person.pk:
            raise Http404  # another member's time off is none of theirs
        return time_off


@extend_schema_view(
    get=extend_schema(
        summary="List time off (a member's own unless they are a Manager)", parameters=[TimeOffFilters]
    ),
    post=extend_schema(
        summary="Enter time off (a Manager's counts at once) or ask for your own (pending until a Manager decides)"
    ),
)
class TimeOffList(TimeOffEndpoint, generics.ListCreateAPIView):
    def required_roles(self, method: str) -> tuple[str, ...]:
        return MEMBERS  # anyone may ask; the serializer keeps non-Managers to their own

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        if not self.is_manager() and not settings_for(self.member.organization).employees_request_time_off:
            raise exceptions.PermissionDenied(
                "Your organization does not take time off requests here: ask a Manager."
            )
        serializer.save()


@extend_schema_view(
    get=extend_schema(summary="Read time off"),
    put=extend_schema(summary="Change time off"),
    patch=extend_schema(summary="Change some of the time off's fields"),
    delete=extend_schema(summary="Delete time off (or withdraw your own pending request)"),
)
class TimeOffDetail(TimeOffEndpoint, generics.RetrieveUpdateDestroyAPIView):
    def required_roles(self, method: str) -> tuple[str, ...]:
        if method == "DELETE":
            return MEMBERS  # a member withdraws their own pending request (checked below)
        return super().required_roles(method)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _refuse_hubstaffs(self.get_object())
        return super().update(request, *args, **kwargs)

    def perform_destroy(self, instance: TimeOff) -> None:
        own_request = (
            instance.person_id == self.member.person.pk and instance.status == TimeOff.Status.PENDING
        )
        if not (self.is_manager() or own_request):
            raise exceptions.PermissionDenied("Only a Manager deletes time off once it is decided.")
        try:
            delete_time_off(instance)
        except ReadOnly as error:
            raise read_only_conflict(error) from None


class TimeOffDecision(TimeOffEndpoint, generics.GenericAPIView):
    approve: ClassVar[bool] = True

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        time_off = self.get_object()
        try:
            decide_time_off(time_off, self.member.person, approve=self.approve)
        except ReadOnly as error:
            raise read_only_conflict(error) from None
        return Response(self.get_serializer(time_off).data)


@extend_schema_view(post=extend_schema(summary="Approve time off: it counts from now on", request=None))
class TimeOffApprove(TimeOffDecision):
    approve = True


@extend_schema_view(post=extend_schema(summary="Deny time off: kept on record, not counted", request=None))
class TimeOffDeny(TimeOffDecision):
    approve = False


# --- Availability and Who is free -------------------------------------------------------------------------


def _week_row(week: WeekFigures) -> dict[str, Any]:
    return {
        "monday": week.monday,
        "days": week.days,
        "working_hours": week.working_hours,
        "time_off": week.time_off,
        "holidays": week.holidays,
        "available": week.available,
        "planned": week.planned,
        "over": week.over,
        "free": week.free,
        "is_overallocated": week.is_overallocated,
        "is_underused": week.is_underused,
    }


class AvailabilityEndpoint(CapacityEndpoint):
    read_roles = MEMBERS
    filter_serializer_class = AvailabilityFilters

    def people(self) -> QuerySet[Person]:
        people = self.member.scope(Person).order_by("full_name", "id")
        if not self.is_manager():
            people = people.filter(pk=self.member.person.pk)
        person = self.filters().get("person")
        return people.filter(pk=person) if person else people

    def weeks(self, people: Iterable[Person]) -> Iterator[tuple[Person, list[WeekFigures]]]:
        filters = self.filters()
        listed = list(people)
        figures = weeks_by_person(
            self.member.organization, [p.pk for p in listed], filters["start"], filters["end"]
        )
        for person in listed:
            yield person, figures[person.pk]


@extend_schema_view(
    get=extend_schema(
        summary="Availability per person and week (a member's own unless they are a Manager)",
        parameters=[AvailabilityFilters],
        responses=PersonWeeksSerializer(many=True),
    )
)
class AvailabilityView(AvailabilityEndpoint):
    serializer_class = PersonWeeksSerializer

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.people()) or []
        rows = [
            {"person": person.pk, "person_name": person.full_name, "weeks": [_week_row(w) for w in weeks]}
            for person, weeks in self.weeks(page)
        ]
        return self.get_paginated_response(PersonWeeksSerializer(rows, many=True).data)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def _csv(filename: str, header: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    """Rows streamed as CSV as they are computed; names and notes never run as spreadsheet formulas."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([safe_cell(cell) for cell in row]) for row in itertools.chain([header], rows))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@extend_schema_view(
    get=extend_schema(
        summary="Availability per person and week, as CSV",
        parameters=[AvailabilityFilters],
        responses=CSV,
    )
)
class AvailabilityCsv(AvailabilityEndpoint):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        filters = self.filters()
        header = [
            "person",
            "week",
            "days",
            "working_hours",
            "time_off_hours",
            "holidays",
            "available_hours",
            "planned_hours",
            "over_hours",
            "free_hours",
            "status",
        ]

        def status_of(week: WeekFigures) -> str:
            if week.is_overallocated:
                return "over-allocated"
            return "under-used" if week.available and week.is_underused else ""

        rows = (
            [
                person.full_name,
                week.monday.isoformat(),
                week.days,
                week.working_hours,
                week.time_off,
                week.holidays,
                week.available,
                week.planned,
                week.over,
                week.free,
                status_of(week),
            ]
            for person, weeks in self.weeks(self.people())
            for week in weeks
        )
        return _csv(f"availability-{filters['start']}-{filters['end']}.csv", header, rows)


class FreeEndpoint(CapacityEndpoint):
    filter_serializer_class = FreeFilters
    # One ranked list (at most everyone of the organization), unpaged.
    pagination_class = None  # type: ignore[assignment]

    def ranked(self) -> tuple[dict[str, Any], list[FreePerson]]:
        filters = self.filters()
        project_id = filters.get("project")
        if project_id is not None:
            self.member.get(Project, project_id)  # another organization's project: 404
        rows = free_people(
            self.member.organization,
            filters["start"],
            filters["end"],
            filters["hours_per_week"],
            role=filters.get("role", ""),
            project_id=project_id,
        )
        return filters, rows


@extend_schema_view(
    get=extend_schema(
        summary="Who is free: people with at least so many hours free in every week of a period, the freest first",
        parameters=[FreeFilters],
        responses=FreePersonSerializer(many=True),
    )
)
class FreeView(FreeEndpoint):
    serializer_class = FreePersonSerializer

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _, rows = self.ranked()
        return Response(FreePersonSerializer(rows, many=True).data, status=status.HTTP_200_OK)


@extend_schema_view(get=extend_schema(summary="Who is free, as CSV", parameters=[FreeFilters], responses=CSV))
class FreeCsv(FreeEndpoint):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        filters, rows = self.ranked()
        header = [
            "person",
            "free_hours",
            "free_hours_per_week",
            "least_free_week_hours",
            "available_hours",
            "planned_hours",
        ]
        lines = (
            [r.full_name, r.free, r.free_per_week, r.least_free_week, r.available, r.planned] for r in rows
        )
        return _csv(f"who-is-free-{filters['start']}-{filters['end']}.csv", header, lines)


@extend_schema_view(get=extend_schema(summary="Time off, as CSV", parameters=[TimeOffFilters], responses=CSV))
class TimeOffCsv(TimeOffEndpoint):
    def get(self, request: Request, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        header = ["person", "start_date", "end_date", "hours_per_day", "kind", "status", "source", "note"]
        rows = (
            [
                t.person.full_name,
                t.start_date.isoformat(),
                t.end_date.isoformat(),
                "all day" if t.hours_per_day is None else t.hours_per_day,
                t.kind,
                t.status,
                t.source,
                t.note,
            ]
            for t in self.get_queryset().iterator()
        )
        return _csv(f"time-off-{timezone.localdate().isoformat()}.csv", header, rows)
