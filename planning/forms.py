from datetime import timedelta
from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from people.models import Person
from projects.models import Project

from .calculations import last_weeks, week_start
from .selectors import Filters, default_period

DEFAULT_WEEKS = 12
MAX_WEEKS = 157  # three years


class QuickSelect(forms.Select):
    """A select whose options are written in Python, not by a template each: the person filter lists everyone of
    the organization."""

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

    def __init__(self, data, *, tenant, today, with_person=True, person=None):
        """`person`: the report's own person (a person's page), whose plans and logs choose the default period."""
        self.today, self.tenant, self.person = today, tenant, person
        data = {key: value for key, value in data.items() if value != ""} if data is not None else {}
        if ("date_from" in data) != ("date_to" in data):
            # One date given: the missing one is taken from the default period of the last weeks.
            default_from, default_to = last_weeks(today, DEFAULT_WEEKS)
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
        if "date_from" not in self.data and not self.has_error("project") and not self.has_error("person"):
            self._open_on_the_data(cleaned)
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

    def _open_on_the_data(self, cleaned):
        """No dates given: the period with the project's or the person's plans and logs; the inputs show it."""
        start, end = default_period(
            self.tenant.scope,
            self.today,
            project=cleaned.get("project"),
            person=self.person or cleaned.get("person"),
            weeks=DEFAULT_WEEKS,
            max_weeks=MAX_WEEKS,
        )
        cleaned["date_from"], cleaned["date_to"] = start, end
        self.data = {**self.data, "date_from": start.isoformat(), "date_to": end.isoformat()}
