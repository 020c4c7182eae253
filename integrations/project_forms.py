from zoneinfo import available_timezones

from django import forms

from .hubstaff.mapping import organization_time_zone
from .selectors import get_installation, reachable_projects


class HubstaffProjectsField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ProjectLinkForm(forms.Form):
    """A project's Integration settings, in the seed's words."""

    enabled = forms.BooleanField(label="Hubstaff", required=False)
    hubstaff_project_ids = HubstaffProjectsField(label="Select projects", coerce=int, required=False)
    prevent_new_assignments = forms.BooleanField(
        label="Prevent new assignment creation",
        required=False,
        help_text="Only people already assigned to this project get their work logs synced.",
    )
    trim_assignments = forms.BooleanField(
        label="Trim assignments to work logs",
        required=False,
        help_text="New assignments last from the first to the last synced work log, not the whole project.",
    )

    count_work_breaks = forms.BooleanField(
        label="Count work breaks as work",
        required=False,
        initial=True,
        help_text=(
            "Hubstaff counts work breaks inside tracked time; ticked, work logs keep Hubstaff's totals, "
            "unticked, break time is left out."
        ),
    )
    hubstaff_time_zone = forms.CharField(
        label="Hubstaff organization time zone",
        required=False,
        max_length=64,
        help_text=(
            "Hubstaff dates time by its organization's day, and does not tell us its time zone: "
            "give it as in Hubstaff's organization settings (e.g. Europe/Warsaw)."
        ),
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["hubstaff_project_ids"].choices = [
            (p.hubstaff_id, f"{p.name} — {p.hubstaff_organization_name}")
            for p in reachable_projects(project.organization)
        ]
        installation = get_installation(project.organization)
        self.default_time_zone = organization_time_zone("", installation.account if installation else None)
        self.fields["hubstaff_time_zone"].widget.attrs["placeholder"] = self.default_time_zone

    def clean_hubstaff_time_zone(self):
        value = self.cleaned_data["hubstaff_time_zone"].strip()
        if value and value not in available_timezones():
            raise forms.ValidationError(f"Unknown time zone {value!r}: use a name like Europe/Warsaw.")
        return value
