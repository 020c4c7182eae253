from datetime import timedelta
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from people.models import Person
from projects.models import Project

from .calculations import last_weeks, week_start
from .selectors import Filters

DEFAULT_WEEKS = 12
MAX_WEEKS = 157  # three years


class QuickSelect(forms.Select):
    """A select whose options are written in Python, not by a template each: the person filter lists everyone of
    the organization, and 500 options through Django's option templates took longer than the rest of the report."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(key)}"{" selected" if key in selected else ""}>{escape(str(label))}</option>'
            for key, label in ((str(key), label) for key, label in self.choices)
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, mark_safe(options))  # noqa: S308


class PlanningFilterForm(forms.Form):
    """The report's filters, read from the query string. Choices come from the tenant only, so another
    organization's project or person id is "not a valid choice", never a leak."""

    project = forms.ModelChoiceField(
        queryset=Project.objects.none(), required=False, empty_label="All projects", widget=QuickSelect
    )
    person = forms.ModelChoiceField(
        queryset=Person.objects.none(), required=False, empty_label="Everyone", widget=QuickSelect
    )
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Weeks run Monday to Sunday; the report covers the whole weeks of the period.",
    )

    def __init__(self, data, *, tenant, today, with_person=True):
        self.today = today
        default_from, default_to = last_weeks(today, DEFAULT_WEEKS)
        # Blank dates mean the default period; show it in the inputs.
        data = {key: value for key, value in data.items() if value != ""} if data is not None else {}
        data.setdefault("date_from", default_from.isoformat())
        data.setdefault("date_to", default_to.isoformat())
        super().__init__(data)
        self.fields["project"].queryset = tenant.scope(Project).order_by("archived", "name", "id")
        if with_person:
            self.fields["person"].queryset = tenant.scope(Person).order_by("full_name", "id")
        else:
            del self.fields["person"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if end < start:
                raise forms.ValidationError("The end of the period cannot be before its start.")
            if (week_start(end) - week_start(start)).days // 7 + 1 > MAX_WEEKS:
                raise forms.ValidationError("Choose a period of at most three years.")
        return cleaned

    def filters(self, person=None):
        """The valid form as Filters: whole weeks, Monday of the first to Sunday of the last."""
        data = self.cleaned_data
        return Filters(
            start=week_start(data["date_from"]),
            end=week_start(data["date_to"]) + timedelta(days=6),
            project=data.get("project"),
            person=person if person is not None else data.get("person"),
        )
