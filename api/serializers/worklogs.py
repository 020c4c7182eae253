"""Work logs: the list of a project's logs, one manual log, and the list's filters."""

from decimal import Decimal

from rest_framework import serializers

from worklogs import locks
from worklogs.forms import ManualWorkLogForm
from worklogs.models import NOTE_MAX_LENGTH, WorkLog

from ..exceptions import Conflict
from .base import MAX_ID, FormBackedSerializer, TenantPersonField


class WorkLogSerializer(serializers.Serializer):
    """A work log as listed: built from `.values()` rows, so that a page of them is one narrow query."""

    id = serializers.IntegerField(read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    date = serializers.DateField(read_only=True)
    duration_seconds = serializers.IntegerField(read_only=True)
    # The API's field is named as the model's, which is also the name of Field's own `source` attribute.
    source = serializers.ChoiceField(choices=WorkLog.Source.choices, read_only=True)  # type: ignore[assignment]
    assignment = serializers.IntegerField(source="assignment_id", read_only=True, allow_null=True)
    hubstaff_project_id = serializers.IntegerField(
        source="source_project_id",
        read_only=True,
        allow_null=True,
        help_text="For synced work logs: the Hubstaff project the time came from.",
    )

    COLUMNS = ("id", "person_id", "date", "duration_seconds", "source", "assignment_id", "source_project_id")


class WorkLogDetailSerializer(FormBackedSerializer):
    """One work log; a manual one is created with `hours` (1.5 = 1 h 30 min), as on the Log time page."""

    person = TenantPersonField()
    hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("24"),
        write_only=True,
        coerce_to_string=False,
    )
    hubstaff_project_id = serializers.IntegerField(
        source="source_project_id", read_only=True, allow_null=True
    )

    form_class = ManualWorkLogForm

    class Meta:
        model = WorkLog
        fields = [
            "id",
            "project",
            "person",
            "date",
            "hours",
            "duration_seconds",
            "source",
            "assignment",
            "hubstaff_project_id",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["project", "duration_seconds", "source", "assignment", "created_at", "updated_at"]
        validators: list[object] = []
        extra_kwargs = {
            "note": {
                "error_messages": {
                    "max_length": f"A note can be at most {NOTE_MAX_LENGTH:,} characters long.",
                }
            }
        }

    def form_kwargs(self):
        return {"project": self.context["project"]}

    def save_form(self, form):
        """Saved unless its date is in the locked period: a 409 with the reason."""
        log = form.save(commit=False)
        try:
            locks.save_log(log)
        except locks.PeriodLocked as exc:
            raise Conflict(str(exc)) from None
        return log


class WorkLogFilterSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="A person id.")
    date_after = serializers.DateField(required=False, help_text="Only work logs on or after this date.")
    date_before = serializers.DateField(required=False, help_text="Only work logs on or before this date.")
    source = serializers.ChoiceField(choices=WorkLog.Source.choices, required=False)  # type: ignore[assignment]

    def validate(self, attrs):
        after, before = attrs.get("date_after"), attrs.get("date_before")
        if after and before and before < after:
            raise serializers.ValidationError({"date_before": ["date_before cannot be before date_after."]})
        return attrs
