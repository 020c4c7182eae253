"""What the API reads and writes. Writes are validated by the pages' own forms, so both obey the same rules.

A `FormBackedSerializer` declares its fields for the OpenAPI schema and for type checks (both derived from the
model), then hands the data to the page's ModelForm (PersonForm, ProjectForm, AssignmentForm, ManualWorkLogForm)
and saves through the same form or service as the page does. A rule changed in a form changes here too.
"""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from rest_framework import serializers

from integrations.models import HubstaffProject, Installation, SyncRun
from people.forms import PersonForm
from people.invitations import invitation_state, invite
from people.models import Person
from people.roles import Role
from people.services import save_person
from projects.forms import AssignmentForm, ProjectForm
from projects.models import Assignment, Project
from worklogs.forms import ManualWorkLogForm
from worklogs.models import WorkLog

# The largest id a database integer column holds: bigger numbers are refused as input, never sent to the
# database.
MAX_ID = 2**63 - 1


def form_errors(form, renames=None):
    """A bound form's errors as {"api field": ["message", ...]}."""
    renames = renames or {}
    return {
        ("non_field_errors" if field == "__all__" else renames.get(field, field)): [
            str(message) for message in messages
        ]
        for field, messages in form.errors.items()
    }


class FormBackedSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose writes are validated by a page's ModelForm and saved as the page saves them."""

    form_class = None
    # API field name -> form field name, where they differ.
    form_fields = {}

    def form_kwargs(self):
        return {}

    def form_initial_data(self):
        """For a partial update: what the object holds now, in the form's terms."""
        if self.instance is None:
            return {}
        return model_to_dict(self.instance)

    def validate(self, attrs):
        data = self.form_initial_data()
        for field, value in attrs.items():
            data[self.form_fields.get(field, field)] = value.pk if hasattr(value, "pk") else value
        data = {key: value for key, value in data.items() if value is not None}
        form = self.form_class(data=data, instance=self.instance, **self.form_kwargs())
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form, {v: k for k, v in self.form_fields.items()}))
        self._form = form
        return attrs

    def save_form(self, form):
        return form.save()

    def create(self, validated_data):
        return self.save_form(self._form)

    def update(self, instance, validated_data):
        return self.save_form(self._form)


# ------------------------------------------------------------------------------------------------
# organizations


class MembershipSerializer(serializers.Serializer):
    slug = serializers.CharField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    person = serializers.IntegerField(source="pk", help_text="Your person id in this organization.")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


# ------------------------------------------------------------------------------------------------ people


class PersonSerializer(FormBackedSerializer):
    """A teammate: full name, e-mail (unique in the organization, case-insensitively) and roles."""

    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        required=False,
        max_length=3,
        help_text=(
            "Any of administrator, manager, employee. "
            "Managers and Employees can have their Hubstaff time synced."
        ),
    )
    can_sign_in = serializers.SerializerMethodField(
        help_text="Whether the person has accepted an invitation and can sign in to this organization."
    )
    login = serializers.SerializerMethodField(
        help_text="active (can sign in), invited (an invitation is pending), expired (it expired) or none."
    )
    invite = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="E-mail the person an invitation to sign in (see people/{id}/invitation/).",
    )

    form_class = PersonForm

    class Meta:
        model = Person
        fields = ["id", "full_name", "email", "roles", "can_sign_in", "login", "invite", "created_at"]
        read_only_fields = ["created_at"]
        # The form checks uniqueness in the organization (case-insensitively), with its own message.
        validators = []

    def get_can_sign_in(self, person) -> bool:
        return person.user_id is not None

    def get_login(self, person) -> str:
        return invitation_state(person)

    def form_kwargs(self):
        return {"organization": self.context["tenant"].organization}

    def form_initial_data(self):
        if self.instance is None:
            return {}
        return {
            "full_name": self.instance.full_name,
            "email": self.instance.email,
            "roles": self.instance.roles,
        }

    def save_form(self, form):
        try:
            with transaction.atomic():
                person = save_person(form)
        except IntegrityError:
            # Another request took the e-mail between the form's check and the insert.
            raise serializers.ValidationError(
                {"email": ["A person with this e-mail already exists in this organization."]}
            ) from None
        if form.cleaned_data.get("invite"):
            invite(person, invited_by=self.context["tenant"].person, request=self.context.get("request"))
        return person


# ------------------------------------------------------------------------------------------------ projects


class ProjectSerializer(FormBackedSerializer):
    """A project. `end_date` may be null (open-ended). `archived` is set on update, as on the project's edit page."""

    form_class = ProjectForm

    class Meta:
        model = Project
        fields = ["id", "name", "start_date", "end_date", "archived", "created_at"]
        read_only_fields = ["created_at"]
        validators = []

    def form_kwargs(self):
        return {"organization": self.context["tenant"].organization}

    def form_initial_data(self):
        if self.instance is None:
            return {}
        return model_to_dict(self.instance, fields=["name", "start_date", "end_date", "archived"])


class TenantPersonField(serializers.PrimaryKeyRelatedField):
    """A person id, looked up only among the people of the request's organization."""

    default_error_messages = {
        "does_not_exist": "No person with id {pk_value} in this organization.",
        "incorrect_type": "A person id (an integer) is expected, not {data_type}.",
    }

    def get_queryset(self):
        tenant = self.context.get("tenant")
        if tenant is None:
            return Person.objects.none()
        return tenant.scope(Person)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class AssignmentSerializer(FormBackedSerializer):
    """A person on a project from `start_date` to `end_date` (within the project's dates), `hours_per_day` a day.

    `origin` tells whether a manager made it (`manual`) or a sync created it (`sync`); it is set by the product.
    """

    person = TenantPersonField()
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    hours_per_day = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("24"),
        coerce_to_string=False,
        required=False,
    )

    form_class = AssignmentForm

    class Meta:
        model = Assignment
        fields = [
            "id",
            "project",
            "person",
            "person_name",
            "start_date",
            "end_date",
            "hours_per_day",
            "origin",
            "trimmed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["project", "origin", "trimmed", "created_at", "updated_at"]
        validators = []

    def form_kwargs(self):
        return {"project": self.instance.project if self.instance is not None else self.context["project"]}

    def form_initial_data(self):
        if self.instance is None:
            return {"hours_per_day": Assignment._meta.get_field("hours_per_day").default}
        return model_to_dict(self.instance, fields=["person", "start_date", "end_date", "hours_per_day"])


# ------------------------------------------------------------------------------------------------ work logs


class WorkLogSerializer(serializers.Serializer):
    """A work log as listed: built from `.values()` rows, so that a page of them is one narrow query."""

    id = serializers.IntegerField(read_only=True)
    person = serializers.IntegerField(source="person_id", read_only=True)
    date = serializers.DateField(read_only=True)
    duration_seconds = serializers.IntegerField(read_only=True)
    source = serializers.ChoiceField(choices=WorkLog.Source.choices, read_only=True)
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
        validators = []

    def form_kwargs(self):
        return {"project": self.context["project"]}


class WorkLogFilterSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="A person id.")
    date_after = serializers.DateField(required=False, help_text="Only work logs on or after this date.")
    date_before = serializers.DateField(required=False, help_text="Only work logs on or before this date.")
    source = serializers.ChoiceField(choices=WorkLog.Source.choices, required=False)

    def validate(self, attrs):
        after, before = attrs.get("date_after"), attrs.get("date_before")
        if after and before and before < after:
            raise serializers.ValidationError({"date_before": ["date_before cannot be before date_after."]})
        return attrs


# ------------------------------------------------------------------------------------------------ Hubstaff


class ProjectLinkSerializer(serializers.Serializer):
    """A project's Integration settings for Hubstaff."""

    enabled = serializers.BooleanField(help_text="The Hubstaff checkbox.")
    hubstaff_project_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=1000,
        help_text=(
            "Select projects: ids of Hubstaff projects the installation reaches "
            "(see integrations/hubstaff/projects/)."
        ),
    )
    prevent_new_assignments = serializers.BooleanField(help_text="Prevent new assignment creation.")
    trim_assignments = serializers.BooleanField(help_text="Trim assignments to work logs.")
    last_synced_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_sync_due_at = serializers.DateTimeField(read_only=True, allow_null=True)

    WRITABLE = ("enabled", "hubstaff_project_ids", "prevent_new_assignments", "trim_assignments")


class SyncRequestSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[SyncRun.Mode.RESET, SyncRun.Mode.INCREMENTAL],
        default=SyncRun.Mode.INCREMENTAL,
        help_text="`reset`: Reset and sync all work logs. `incremental`: fetch what changed since the last sync.",
    )


class SyncProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(source="progress_done")
    total = serializers.IntegerField(source="progress_total")
    percent = serializers.IntegerField(source="progress_percent")
    label = serializers.CharField(source="progress_label")


class MissingTeammateSerializer(serializers.Serializer):
    hubstaff_user_id = serializers.IntegerField(allow_null=True, default=None)
    name = serializers.CharField(allow_blank=True, default="")
    email = serializers.CharField(allow_blank=True, default="")
    seconds = serializers.IntegerField(default=0)


class SkippedPersonSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(allow_null=True, default=None)
    name = serializers.CharField(allow_blank=True, default="")
    email = serializers.CharField(allow_blank=True, default="")
    seconds = serializers.IntegerField(default=0)


class SyncRunSerializer(serializers.ModelSerializer):
    """One sync (or Clear data) of a project: its state, progress, counts and warnings."""

    progress = SyncProgressSerializer(source="*", read_only=True)
    missing_teammates = MissingTeammateSerializer(many=True, read_only=True)
    skipped_people = SkippedPersonSerializer(many=True, read_only=True)

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
            "worklogs_created",
            "worklogs_updated",
            "worklogs_deleted",
            "assignments_created",
            "assignments_stretched",
            "missing_teammates",
            "skipped_people",
            "seconds_not_synced",
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


class HubstaffProjectSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(
        source="hubstaff_id", help_text="The Hubstaff project id (for hubstaff_project_ids)."
    )
    organization = serializers.SerializerMethodField()

    class Meta:
        model = HubstaffProject
        fields = ["id", "name", "status", "organization"]

    def get_organization(self, project) -> HubstaffOrganizationSerializer:
        return {"id": project.hubstaff_organization_id, "name": project.hubstaff_organization_name}
