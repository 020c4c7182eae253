"""People and the signed-in user's memberships: what the people endpoints and /orgs/ read and write."""

from contextlib import suppress

from django.db import IntegrityError, transaction
from rest_framework import serializers

from people.forms import PersonForm
from people.invitations import (
    InvitationError,
    InvitationLimited,
    check_invitation_limits,
    invitation_state,
    invite,
)
from people.models import Person
from people.roles import Role
from people.services import save_person

from ..exceptions import throttled
from .base import FormBackedSerializer


class MembershipSerializer(serializers.Serializer):
    slug = serializers.CharField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    person = serializers.IntegerField(source="pk", help_text="Your person id in this organization.")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


class PersonSerializer(FormBackedSerializer):
    """A teammate: full name, e-mail (unique in the organization, case-insensitively) and roles."""

    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        required=False,
        max_length=3,
        help_text=(
            "Any of administrator, manager, employee; none given: employee. "
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
        validators: list[object] = []

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
        tenant = self.context["tenant"]
        if form.cleaned_data.get("invite"):
            # Refused before the person is saved, so that a refusal leaves nothing half done.
            try:
                check_invitation_limits(tenant.organization.pk, tenant.person, form.cleaned_data["email"])
            except InvitationLimited as error:
                raise throttled(error) from None
        try:
            with transaction.atomic():
                person = save_person(form)
        except IntegrityError:
            # Another request took the e-mail between the form's check and the insert.
            raise serializers.ValidationError(
                {"email": ["A person with this e-mail already exists in this organization."]}
            ) from None
        if form.cleaned_data.get("invite"):
            # Refused meanwhile: the person is saved, and the answer's `login` says "none".
            with suppress(InvitationError):
                invite(person, invited_by=tenant.person)
        return person
