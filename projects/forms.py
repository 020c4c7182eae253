from typing import Any

from django import forms

from people.models import Person
from people.text import CleanTextField

from .models import Assignment, Project


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "start_date", "end_date", "archived"]
        field_classes = {"name": CleanTextField}
        labels = {"start_date": "Start date", "end_date": "End date"}
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        if not self.instance.pk:
            del self.fields["archived"]


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["person", "start_date", "end_date", "hours_per_day"]
        labels = {"start_date": "Start date", "end_date": "End date", "hours_per_day": "Hours per day"}
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.instance.project = project
        self.instance.organization_id = project.organization_id
        self.fields["person"].queryset = Person.objects.for_org(project.organization_id)
        if not self.instance.pk:
            self.initial.setdefault("start_date", project.start_date)
            self.initial.setdefault("end_date", project.end_date)

    def clean(self):
        cleaned = super().clean()
        start, end = (
            cleaned.get("start_date"),
            cleaned.get("end_date"),
        )  # end before start: Assignment.clean says so
        if start and start < self.project.start_date:
            self.add_error("start_date", f"The project starts on {self.project.start_date:%d %b %Y}.")
        if end and self.project.end_date and end > self.project.end_date:
            self.add_error("end_date", f"The project ends on {self.project.end_date:%d %b %Y}.")
        return cleaned
