from django import forms

from .selectors import reachable_projects


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

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        self.fields["hubstaff_project_ids"].choices = [
            (p.hubstaff_id, f"{p.name} — {p.hubstaff_organization_name}")
            for p in reachable_projects(project.organization)
        ]
