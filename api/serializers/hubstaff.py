"""A project's Hubstaff link, its sync runs, and the installation's state: what integrations' services return."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from integrations.services.links import clean_settings

from .base import MAX_ID


class ProjectLinkSerializer(serializers.ModelSerializer):
    """A project's Integration settings for Hubstaff: the link's own fields, checked by clean_settings.

    A PUT must name the Hubstaff checkbox, Select projects and the two options; the others it leaves out take the
    model's defaults. A PATCH keeps what it leaves out.
    """

    hubstaff_project_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=1000,
        help_text=(
            "Select projects: ids of Hubstaff projects the installation reaches "
            "(see integrations/hubstaff/projects/)."
        ),
    )

    class Meta:
        model = ProjectLink
        fields = [*ProjectLink.SETTINGS, "last_synced_at", "next_sync_due_at"]
        read_only_fields = ["last_synced_at", "next_sync_due_at"]
        extra_kwargs = {
            "enabled": {"required": True, "help_text": "The Hubstaff checkbox."},
            "prevent_new_assignments": {"required": True, "help_text": "Prevent new assignment creation."},
            "trim_assignments": {"required": True, "help_text": "Trim assignments to work logs."},
            "count_work_breaks": {
                "help_text": (
                    "Count work breaks as work: Hubstaff counts work-break seconds inside tracked time; true "
                    "keeps Hubstaff's totals, false leaves break time out."
                )
            },
            "approved_time_only": {
                "help_text": (
                    "Only Hubstaff-approved time: a day's hours are synced only once the Hubstaff timesheet "
                    "covering it is approved; the run's `awaiting_approval` lists the hours waiting."
                )
            },
            "hubstaff_time_zone": {
                "help_text": (
                    "Hubstaff organization time zone (IANA name; Hubstaff dates time by its organization's day "
                    "and does not publish the zone). Blank: the installing account's time zone, else UTC."
                )
            },
        }

    def validate(self, attrs):
        """Every setting, checked as a whole: the link's (or, for a PUT, the model's default) where not given."""
        base = self.instance if self.partial else ProjectLink()
        settings = {name: attrs.get(name, getattr(base, name)) for name in ProjectLink.SETTINGS}
        return clean_settings(self.instance.project, settings)


class SyncRequestSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[SyncRun.Mode.RESET, SyncRun.Mode.INCREMENTAL, SyncRun.Mode.PREVIEW],
        default=SyncRun.Mode.INCREMENTAL,
        help_text=(
            "`reset`: Reset and sync all work logs. `incremental`: fetch what changed since the last sync. "
            "`preview`: what a reset would change, nothing written (the run's counts and `preview`); it makes "
            "the same requests to Hubstaff as a reset, and a `reset` within 10 minutes asking the same reuses "
            "what it read."
        ),
    )


class SyncProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done")
    total = serializers.IntegerField(source="progress_total")
    percent = serializers.IntegerField(source="progress_percent")
    # Named as the page names it, which is also the name of Field's own `label` attribute.
    label = serializers.CharField(source="progress_label")  # type: ignore[assignment]


class MissingTeammateSerializer(serializers.Serializer):
    hubstaff_user_id = serializers.IntegerField(allow_null=True, default=None)
    name = serializers.CharField(allow_blank=True, default="")
    email = serializers.CharField(allow_blank=True, default="")
    seconds = serializers.IntegerField(default=0)
    reason = serializers.CharField(
        allow_blank=True, default="", help_text="Why not synced, e.g. no visible e-mail in Hubstaff."
    )


class SkippedPersonSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(allow_null=True, default=None)
    name = serializers.CharField(allow_blank=True, default="")
    email = serializers.CharField(allow_blank=True, default="")
    seconds = serializers.IntegerField(default=0)


class KeptMatchSerializer(serializers.Serializer):
    """A Hubstaff user whose time went to the person of a kept match, not to whom their e-mail names now."""

    hubstaff_user_id = serializers.IntegerField(default=0)
    name = serializers.CharField(allow_blank=True, default="")
    email = serializers.CharField(allow_blank=True, default="")
    person_id = serializers.IntegerField(allow_null=True, default=None)
    person_name = serializers.CharField(allow_blank=True, default="")
    seconds = serializers.IntegerField(default=0)
    reason = serializers.CharField(allow_blank=True, default="")


class PreviewPersonSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    created = serializers.IntegerField(help_text="Work logs a reset would create for the person.")
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()


class PreviewAssignmentSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(required=False, help_text="Stretched assignments only.")
    person_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    start = serializers.DateField()
    end = serializers.DateField()


class PreviewReportSerializer(serializers.Serializer):
    """A preview run's detail (empty for other runs): what a reset would change, per person."""

    people = PreviewPersonSerializer(many=True, required=False)
    assignments_created = PreviewAssignmentSerializer(many=True, required=False)
    assignments_stretched = PreviewAssignmentSerializer(many=True, required=False)


class SyncRunSerializer(serializers.ModelSerializer):
    """One sync (or Clear data) of a project: its state, progress, counts and warnings."""

    progress = SyncProgressSerializer(source="*", read_only=True)
    missing_teammates = MissingTeammateSerializer(many=True, read_only=True)
    skipped_people = SkippedPersonSerializer(many=True, read_only=True)
    kept_matches = KeptMatchSerializer(many=True, read_only=True)
    preview = PreviewReportSerializer(read_only=True)
    preview_fetch = serializers.CharField(
        read_only=True,
        help_text="A preview's Apply: whether it used the preview's fetch (used) or read Hubstaff again and why "
        "(changed, unanswered, expired, differs); empty for any other run.",
    )

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "project",
            "status",
            "mode",
            "trigger",
            "progress",
            "window_start",
            "window_end",
            "reread_from",
            "rows_read_at",
            "applies_preview",
            "preview_fetch",
            "worklogs_created",
            "worklogs_updated",
            "worklogs_deleted",
            "assignments_created",
            "assignments_stretched",
            "missing_teammates",
            "skipped_people",
            "kept_matches",
            "seconds_not_synced",
            "awaiting_approval",
            "preview",
            "locked_kept",
            "undoes",
            "undo_conflicts",
            "cleared_person",
            "error",
            "queued_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ClearResultSerializer(serializers.Serializer):
    worklogs_deleted = serializers.IntegerField(help_text="How many synced work logs were deleted.")
    sync_run = SyncRunSerializer()


class HubstaffOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True, default="")


class HubstaffAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, default=None)
    name = serializers.CharField(allow_blank=True, default="")
    email = serializers.CharField(allow_blank=True, default="")


class InstallationStatusSerializer(serializers.Serializer):
    """The Hubstaff installation's state. Never a secret: no client secret, no token."""

    installed = serializers.BooleanField(help_text="Properly installed: syncs can run.")
    status = serializers.ChoiceField(
        choices=[("not_installed", "Not installed")] + list(Installation.Status.choices),
    )
    status_reason = serializers.CharField(allow_blank=True)
    account = HubstaffAccountSerializer(allow_null=True)
    hubstaff_organizations = HubstaffOrganizationSerializer(many=True)
    installed_at = serializers.DateTimeField(allow_null=True)
    last_refreshed_at = serializers.DateTimeField(allow_null=True)
    live_updates = serializers.ChoiceField(
        choices=list(Installation.LiveUpdates.choices),
        help_text=(
            "Live updates (Hubstaff's webhooks): `on`, hours arrive within a minute of a timer stopping; "
            "`subscribing`, waiting for Hubstaff to confirm; `off`, checked hourly instead (see "
            "`live_updates_reason`)."
        ),
    )
    live_updates_reason = serializers.CharField(
        allow_blank=True, help_text="Why live updates are off, e.g. Re-authorize to turn on live updates."
    )
    last_event_at = serializers.DateTimeField(
        allow_null=True, help_text="When the last Hubstaff event was received (null: none yet)."
    )


class HubstaffProjectSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        source="hubstaff_id", help_text="The Hubstaff project id (for hubstaff_project_ids)."
    )
    organization = serializers.SerializerMethodField()

    class Meta:
        model = HubstaffProject
        fields = ["id", "name", "status", "organization"]

    @extend_schema_field(HubstaffOrganizationSerializer)
    def get_organization(self, project: HubstaffProject) -> dict[str, object]:
        return {"id": project.hubstaff_organization_id, "name": project.hubstaff_organization_name}
