from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.datastructures import MultiValueDict

from projects.models import Project

from .hubstaff.mapping import organization_time_zone
from .models import ProjectLink
from .selectors import get_installation, reachable_projects
from .services.links import clean_settings


class HubstaffProjectsField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


class ProjectLinkForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    """A project's Integration settings, in the panel's words: the link's own fields, checked by clean_settings."""

    # Select projects: one checkbox per Hubstaff project the installation reaches (the model keeps a list of ids).
    hubstaff_project_ids = HubstaffProjectsField(label="Select projects", coerce=int, required=False)

    class Meta:
        model = ProjectLink
        fields = ProjectLink.SETTINGS
        help_texts = {
            "prevent_new_assignments": "Only people already assigned to this project get their work logs synced.",
            "trim_assignments": (
                "New assignments last from the first to the last synced work log, not the whole project."
            ),
            "count_work_breaks": (
                "Hubstaff counts work breaks inside tracked time; ticked, work logs keep Hubstaff's totals, "
                "unticked, break time is left out."
            ),
            "approved_time_only": (
                "A day's hours are synced only once the person's Hubstaff timesheet covering it is approved; "
                "hours waiting for approval are listed, not synced. Reset and sync all work logs to apply it to "
                "days synced before."
            ),
            "hubstaff_time_zone": (
                "Hubstaff dates time by its organization's day, and does not tell us its time zone: "
                "give it as in Hubstaff's organization settings (e.g. Europe/Warsaw)."
            ),
        }

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        files: MultiValueDict[str, UploadedFile[bytes]] | None = None,
        *,
        project: Project | None = None,
        instance: ProjectLink | None = None,
        **kwargs: Any,
    ) -> None:
        """For `project`'s link (`instance`, None for a project never linked), or the admin's `instance`."""
        if instance is None:
            if project is None:
                raise TypeError("ProjectLinkForm needs the project or its link")
            instance = ProjectLink(organization=project.organization, project=project)
        super().__init__(data, files, instance=instance, **kwargs)
        self.project = instance.project
        organization = self.project.organization
        cast(HubstaffProjectsField, self.fields["hubstaff_project_ids"]).choices = [
            (p.hubstaff_id, f"{p.name} — {p.hubstaff_organization_name}")
            for p in reachable_projects(organization)
        ]
        installation = get_installation(organization)
        self.default_time_zone = organization_time_zone("", installation.account if installation else None)
        self.fields["hubstaff_time_zone"].widget.attrs["placeholder"] = self.default_time_zone

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is None:
            return None
        return clean_settings(self.project, cleaned)
