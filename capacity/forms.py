"""The capacity pages' forms; the API validates its writes with the same ones (capacity/serializers.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms

from people.models import Organization, Person
from people.roles import Role
from people.text import CleanMultilineTextField, CleanTextField
from projects.forms import DateInput
from projects.models import Project

from .models import WEEKDAY_FIELDS, CapacitySettings, Holiday, Source, TimeOff, WorkPattern

# The longest period "Who is free" and the availability pages compute at once: two years of days.
LONGEST_PERIOD = timedelta(days=2 * 366)


def _check_period(form: forms.BaseForm, start_field: str, end_field: str) -> None:
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, "The end date cannot be before the start date.")


class CapacitySettingsForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    class Meta:
        model = CapacitySettings
        fields = [*WEEKDAY_FIELDS, "employees_request_time_off", "underused_hours_per_week"]


class WorkPatternForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    """A person's working hours from a date on; saved by services.save_work_pattern, which replaces a pattern
    already starting that day."""

    class Meta:
        model = WorkPattern
        fields = ["effective_from", *WEEKDAY_FIELDS]
        widgets = {"effective_from": DateInput()}
        help_texts = {"effective_from": "The days before keep the hours they had."}

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.person = person
        self.instance.organization_id = person.organization_id
        self.instance.source = Source.MANUAL

    def validate_unique(self) -> None:
        """Saving on a day that already starts a pattern replaces that one (services.save_work_pattern)."""


class _TimeOffFields(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    note = CleanMultilineTextField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_period(self, "start_date", "end_date")
        return cleaned


class TimeOffForm(_TimeOffFields):
    """Time off entered by an Administrator or Manager, for anyone of the organization: approved at once."""

    class Meta:
        model = TimeOff
        fields = ["person", "start_date", "end_date", "hours_per_day", "kind", "note"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        cast(forms.ModelChoiceField, self.fields["person"]).queryset = Person.objects.for_org(organization)  # type: ignore[type-arg]


class TimeOffRequestForm(_TimeOffFields):
    """Time off a person asks for, for themselves: pending until a Manager decides."""

    class Meta:
        model = TimeOff
        fields = ["start_date", "end_date", "hours_per_day", "kind", "note"]
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization_id = person.organization_id
        self.instance.person = person


class HolidayForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    name = CleanTextField(max_length=200)

    class Meta:
        model = Holiday
        fields = ["date", "name"]
        widgets = {"date": DateInput()}

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organization = organization

    def clean_date(self) -> date:
        day: date = self.cleaned_data["date"]
        same_day = Holiday.objects.for_org(self.instance.organization).filter(date=day)
        if self.instance.pk:
            same_day = same_day.exclude(pk=self.instance.pk)
        if same_day.exists():
            raise forms.ValidationError(f"{day:%d %b %Y} is already a holiday.")
        return day


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class WhoIsFreeForm(forms.Form):
    """Who has at least so many hours a week free between two dates (optionally with a role, on a project)."""

    hours_per_week = forms.DecimalField(
        label="Hours a week free, at least",
        min_value=Decimal(0),
        max_value=Decimal(168),
        max_digits=5,
        decimal_places=2,
        initial=Decimal(8),
    )
    start = forms.DateField(label="From", widget=DateInput())
    end = forms.DateField(label="To", widget=DateInput())
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "Any role"), *Role.choices])
    project = forms.ModelChoiceField(
        label="On the team of", required=False, queryset=Project.objects.none(), empty_label="Any project"
    )

    def __init__(self, *args: Any, organization: Organization, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        projects = Project.objects.for_org(organization).filter(archived=False)
        cast(forms.ModelChoiceField, self.fields["project"]).queryset = projects  # type: ignore[type-arg]
        self.fields["start"].initial = _monday(today)
        self.fields["end"].initial = _monday(today) + timedelta(days=27)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_period(self, "start", "end")
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end - start > LONGEST_PERIOD:
            self.add_error("end", "Ask for two years at most.")
        return cleaned
