"""The capacity API's shapes. Writes are validated by the pages' forms (capacity/forms.py), so both obey the same
rules, and saved by the same services (capacity/services.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.models import model_to_dict
from django.utils import timezone
from rest_framework import serializers

from people.models import Person
from people.roles import Role

from .forms import LONGEST_PERIOD, CapacitySettingsForm, HolidayForm, TimeOffForm, WorkPatternForm
from .models import WEEKDAY_FIELDS, CapacitySettings, Holiday, TimeOff, WorkPattern
from .services import enter_time_off, request_time_off, save_work_pattern

# The largest id a database integer column holds: bigger numbers are refused as input, never sent to the database.
MAX_ID = 2**63 - 1


def hours(**kwargs: Any) -> serializers.DecimalField:
    """Hours as a JSON number (8.5), never a string."""
    return serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, **kwargs)


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    return {
        ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
        for field, messages in form.errors.items()
    }


def validated_by(form: forms.BaseForm) -> forms.BaseForm:
    """The bound form, valid, or a 400 with its messages per field."""
    if not form.is_valid():
        raise serializers.ValidationError(form_errors(form))
    return form


def _form_data(instance: Any, fields: list[str], attrs: dict[str, Any]) -> dict[str, Any]:
    """What the form gets: the row's current values (for a partial update), then the request's."""
    data = model_to_dict(instance, fields=fields) if instance is not None and instance.pk else {}
    for field, value in attrs.items():
        data[field] = value.pk if hasattr(value, "pk") else value
    return {key: value for key, value in data.items() if value is not None}


class TenantPersonField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A person id, looked up only among the people of the request's organization."""

    default_error_messages = {
        "does_not_exist": "No person with id {pk_value} in this organization.",
        "incorrect_type": "A person id (an integer) is expected, not {data_type}.",
    }

    def get_queryset(self) -> Any:
        tenant = self.context.get("tenant")
        return Person.objects.none() if tenant is None else tenant.scope(Person)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class WeeklyHoursSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    monday_hours = hours(min_value=Decimal(0), max_value=Decimal(24), required=False)
    tuesday_hours = hours(min_value=Decimal(0), max_value=Decimal(24), required=False)
    wednesday_hours = hours(min_value=Decimal(0), max_value=Decimal(24), required=False)
    thursday_hours = hours(min_value=Decimal(0), max_value=Decimal(24), required=False)
    friday_hours = hours(min_value=Decimal(0), max_value=Decimal(24), required=False)
    saturday_hours = hours(min_value=Decimal(0), max_value=Decimal(24), required=False)
    sunday_hours = hours(min_value=Decimal(0), max_value=Decimal(24), required=False)
    hours_per_week = hours(read_only=True)


class CapacitySettingsSerializer(WeeklyHoursSerializer):
    """The organization's default week (people without working hours of their own work it), whether members may
    ask for time off here, and how far below their availability a week counts as under-used."""

    underused_hours_per_week = hours(min_value=Decimal(0), max_value=Decimal(168), required=False)

    class Meta:
        model = CapacitySettings
        fields = [*WEEKDAY_FIELDS, "hours_per_week", "employees_request_time_off", "underused_hours_per_week"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data = model_to_dict(self.instance) if self.instance is not None else {}
        data.update(attrs)
        form = validated_by(CapacitySettingsForm(data={k: v for k, v in data.items() if v is not None}))
        return dict(form.cleaned_data)


class WorkPatternSerializer(WeeklyHoursSerializer):
    """A person's working hours from `effective_from` on (until their next pattern). Saving one on a date that
    already starts a pattern replaces it. `source` is `hubstaff` for hours taken from Hubstaff's weekly limit."""

    class Meta:
        model = WorkPattern
        fields = ["id", "person", "effective_from", *WEEKDAY_FIELDS, "hours_per_week", "source", "updated_at"]
        read_only_fields = ["person", "source", "updated_at"]
        validators: list[object] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        person: Person = self.context["person"]
        defaults = dict(zip(WEEKDAY_FIELDS, WorkPattern().week, strict=True))
        form = WorkPatternForm(data={**defaults, **attrs}, person=person)
        validated_by(form)
        self._form = form
        return attrs

    def create(self, validated_data: dict[str, Any]) -> WorkPattern:
        return save_work_pattern(self.context["person"], self._form.cleaned_data)


class TimeOffSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A person away from `start_date` to `end_date` (both included), all day (`hours_per_day` null) or so many
    hours a day. Only `approved` time off counts; `pending` requests wait for a Manager. Time off with `source`
    `hubstaff` mirrors Hubstaff's (`hubstaff_id`) and is changed there, not here (409)."""

    person = TenantPersonField(required=False)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    hours_per_day = hours(min_value=Decimal("0.25"), max_value=Decimal(24), required=False, allow_null=True)

    class Meta:
        model = TimeOff
        fields = [
            "id",
            "person",
            "person_name",
            "start_date",
            "end_date",
            "hours_per_day",
            "kind",
            "note",
            "status",
            "source",
            "hubstaff_id",
            "requested_by",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "source",
            "hubstaff_id",
            "requested_by",
            "decided_by",
            "decided_at",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        tenant = self.context["tenant"]
        fields = ["person", "start_date", "end_date", "hours_per_day", "kind", "note"]
        data = _form_data(self.instance, fields, attrs)
        if "person" not in data:
            data["person"] = tenant.person.pk  # asking for oneself
        data.setdefault("kind", TimeOff.Kind.VACATION)
        if not tenant.holds(Role.ADMINISTRATOR, Role.MANAGER) and data["person"] != tenant.person.pk:
            raise serializers.ValidationError({"person": ["You may ask for time off for yourself only."]})
        form = TimeOffForm(data=data, instance=self.instance, organization=tenant.organization)
        validated_by(form)
        self._form = form
        return attrs

    def create(self, validated_data: dict[str, Any]) -> TimeOff:
        """A Manager's time off counts at once; anyone else's is a request waiting for a Manager."""
        tenant = self.context["tenant"]
        time_off: TimeOff = self._form.save(commit=False)
        if tenant.holds(Role.ADMINISTRATOR, Role.MANAGER):
            return enter_time_off(time_off, tenant.person)
        return request_time_off(time_off, tenant.person)

    def update(self, instance: TimeOff, validated_data: dict[str, Any]) -> TimeOff:
        return enter_time_off(self._form.save(commit=False), self.context["tenant"].person)


class HolidaySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A public holiday of the organization; `source` `hubstaff` ones come from Hubstaff and are changed there."""

    class Meta:
        model = Holiday
        fields = ["id", "date", "name", "source", "hubstaff_id"]
        read_only_fields = ["source", "hubstaff_id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        data = _form_data(self.instance, ["date", "name"], attrs)
        form = HolidayForm(
            data=data, instance=self.instance, organization=self.context["tenant"].organization
        )
        validated_by(form)
        self._form = form
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Holiday:
        holiday: Holiday = self._form.save()
        return holiday

    def update(self, instance: Holiday, validated_data: dict[str, Any]) -> Holiday:
        holiday: Holiday = self._form.save()
        return holiday


class WeekSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One week of a person (cut to the period asked for): hours, and whether it is over-allocated or under-used."""

    monday = serializers.DateField()
    days = serializers.IntegerField(help_text="Days of the week inside the period.")
    working_hours = hours()
    time_off = hours(help_text="Hours taken by approved time off.")
    holidays = serializers.IntegerField(help_text="Holidays on working days.")
    available = hours()
    planned = hours(help_text="Assignments' hours on the days the person is available.")
    over = hours(help_text="Hours planned beyond availability, summed over the days.")
    free = hours()
    is_overallocated = serializers.BooleanField()
    is_underused = serializers.BooleanField()


class PersonWeeksSerializer(serializers.Serializer):  # type: ignore[type-arg]
    person = serializers.IntegerField()
    person_name = serializers.CharField()
    weeks = WeekSerializer(many=True)


class FreePersonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    person = serializers.IntegerField(source="person_id")
    person_name = serializers.CharField(source="full_name")
    free = hours(help_text="Free hours over the period.")
    free_per_week = hours(help_text="Free hours a week, on average.")
    least_free_week = hours(help_text="Free hours of the least free week (a cut week scaled to seven days).")
    available = hours()
    planned = hours()


class PeriodFilters(serializers.Serializer):  # type: ignore[type-arg]
    start = serializers.DateField(
        required=False, help_text="First day (YYYY-MM-DD); this week's Monday when left out."
    )
    end = serializers.DateField(
        required=False,
        help_text="Last day, included (at most two years after start); 13 weeks from start when left out.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "start" not in attrs:
            today = timezone.localdate()
            attrs["start"] = today - timedelta(days=today.weekday())
        attrs.setdefault("end", attrs["start"] + timedelta(weeks=13, days=-1))
        if attrs["end"] < attrs["start"]:
            raise serializers.ValidationError({"end": ["The end date cannot be before the start date."]})
        if attrs["end"] - attrs["start"] > LONGEST_PERIOD:
            raise serializers.ValidationError({"end": ["Ask for two years at most."]})
        return attrs


class AvailabilityFilters(PeriodFilters):
    person = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="A person id.")


class FreeFilters(PeriodFilters):
    hours_per_week = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(168), default=Decimal(8)
    )
    role = serializers.ChoiceField(
        choices=Role.choices, required=False, help_text="Only people holding this role."
    )
    project = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only people assigned to this project."
    )


class TimeOffFilters(serializers.Serializer):  # type: ignore[type-arg]
    person = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="A person id.")
    status = serializers.ChoiceField(choices=TimeOff.Status.choices, required=False)
    start = serializers.DateField(required=False, help_text="Time off ending on or after this day.")
    end = serializers.DateField(required=False, help_text="Time off starting on or before this day.")
