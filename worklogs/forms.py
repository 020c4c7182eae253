from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms

from people.models import Person
from people.text import CleanMultilineTextField
from projects.forms import DateInput
from projects.models import Project

from .models import NOTE_MAX_LENGTH, WorkLog


class ManualWorkLogForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    """Time typed in by a manager; hours as a decimal (1.5 = 1 h 30 min)."""

    hours = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=Decimal("24"), decimal_places=2, label="Hours"
    )

    class Meta:
        model = WorkLog
        fields = ["person", "date", "note"]
        field_classes = {"note": CleanMultilineTextField}
        widgets = {"date": DateInput(), "note": forms.TextInput()}
        error_messages = {
            "note": {
                "max_length": f"A note can be at most {NOTE_MAX_LENGTH:,} characters long "
                "(this one has %(show_value)d)."
            }
        }

    instance: WorkLog

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        person_field = cast("forms.ModelChoiceField[Person]", self.fields["person"])
        person_field.queryset = Person.objects.for_org(project.organization_id)

    def clean_date(self) -> date:
        day: date = self.cleaned_data["date"]
        if day < self.project.start_date or (self.project.end_date and day > self.project.end_date):
            raise forms.ValidationError("The date must be within the project's dates.")
        return day

    def save(self, commit: bool = True) -> WorkLog:
        log: WorkLog = super().save(commit=False)
        log.organization_id = self.project.organization_id
        log.project = self.project
        log.source = WorkLog.Source.MANUAL
        log.duration_seconds = int(self.cleaned_data["hours"] * 3600)
        log.assignment = self.project.assignments.filter(
            person=log.person, start_date__lte=log.date, end_date__gte=log.date
        ).first()
        if commit:
            log.save()
        return log
