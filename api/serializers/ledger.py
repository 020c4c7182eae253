"""The ledger of a run, undo, Clear data of a part, the locked period and its differences."""

from rest_framework import serializers

from worklogs.models import LockedDifference, LockEvent

from .base import MAX_ID, TenantPersonField


class ChangeSerializer(serializers.Serializer):
    """One change a run made, from its ledger."""

    kind = serializers.ChoiceField(
        choices=["created", "updated", "deleted", "assignment_created", "assignment_stretched"],
        help_text="created / updated / deleted: a work log (`id`); assignment_*: an assignment (`id`).",
    )
    id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    date = serializers.DateField(source="day", allow_null=True, help_text="A work log's date.")
    before = serializers.CharField(help_text="Hours before (a work log), or the span before (an assignment).")
    after = serializers.CharField(help_text="Hours after, or the span after.")


class ChangeFilterSerializer(serializers.Serializer):
    person = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Only this person's changes (a person id)."
    )


class UndoRequestSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        default=False,
        help_text="Undo the rows nothing changed since even though others did (the conflicts are left as they "
        "are). Without it, conflicts answer 409 and nothing is changed.",
    )


class ConflictSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    date = serializers.DateField(allow_null=True)
    reason = serializers.CharField()


class UndoConflictsSerializer(serializers.Serializer):
    """Why undo did nothing: `detail`, and with conflicts their list (an undo refused outright has `detail` only)."""

    detail = serializers.CharField()
    conflicts = ConflictSerializer(many=True, required=False)
    restorable = serializers.IntegerField(
        required=False, help_text="How many rows would be put back with `confirm`."
    )


class ClearRequestSerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, allow_null=True, help_text="First date cleared (none: from the start)."
    )
    end = serializers.DateField(
        required=False, allow_null=True, help_text="Last date cleared (none: to the end)."
    )
    person = TenantPersonField(required=False, allow_null=True, help_text="Only this person's work logs.")

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and end < start:
            raise serializers.ValidationError({"end": ["The end of the range cannot be before its start."]})
        return attrs


class LockEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = LockEvent
        fields = ["action", "previous", "locked_through", "day", "reason", "made_by_name", "made_at"]
        read_only_fields = fields


class LockSerializer(serializers.Serializer):
    """The organization's locked period: work logs dated on or before `locked_through` do not change."""

    locked_through = serializers.DateField(allow_null=True, help_text="None: nothing is locked.")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Required to move the lock back (recorded with your name).",
    )
    events = LockEventSerializer(many=True, read_only=True)


class LockedDifferenceSerializer(serializers.ModelSerializer):
    description = serializers.CharField(read_only=True)

    class Meta:
        model = LockedDifference
        fields = [
            "id",
            "project",
            "person",
            "hubstaff_person",
            "date",
            "worklog_id",
            "hubstaff_seconds",
            "kept_seconds",
            "found_at",
            "description",
        ]
        read_only_fields = fields


class AcceptRequestSerializer(serializers.Serializer):
    difference = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of the difference (from locked-differences/)."
    )
