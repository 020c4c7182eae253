"""people/{id}/invitation/: invite a person to sign in, send it again, withdraw it, or read its state.

The answers are the same whether or not the person's e-mail already has a login anywhere: what happens then
is between the invitee and their mailbox (people/invitations.py).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from people.invitations import (
    InvitationError,
    InvitationLimited,
    invitation_state,
    invite,
    revoke_invitations,
)
from people.models import EmailStatus, Person
from people.roles import Role

from ..exceptions import Conflict, throttled
from ..schema import ErrorSerializer
from ..tenancy import TenantAPIView


class InvitationSerializer(serializers.Serializer):
    """A person's invitation to sign in. The link itself is only ever in the e-mail."""

    login = serializers.ChoiceField(
        choices=["active", "invited", "expired", "none"],
        help_text="active (can sign in), invited (pending), expired, or none.",
    )
    email = serializers.EmailField(allow_null=True, help_text="Where the latest invitation was sent.")
    invited_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    email_status = serializers.ChoiceField(
        choices=EmailStatus.values,
        allow_null=True,
        help_text=(
            "The pending invitation's e-mail: queued (on its way), sent, retrying (could not be sent yet, we keep"
            " trying) or failed (could not be sent)."
        ),
    )


def invitation_data(person):
    latest = person.invitations.order_by("-created_at", "-id").first()
    pending = latest if latest and not latest.revoked_at and not latest.accepted_at else None
    return {
        "login": invitation_state(person),
        "email": pending.email if pending else None,
        "invited_at": pending.created_at if pending else None,
        "expires_at": pending.expires_at if pending else None,
        "email_status": pending.email_status if pending else None,
    }


class PersonInvitation(TenantAPIView):
    # Managers invite the Managers and Employees they work with; only Administrators invite Administrators.
    write_roles = (Role.ADMINISTRATOR, Role.MANAGER)
    url_models = {"person_id": Person}
    serializer_class = InvitationSerializer
    schema_tag = "people"

    def person(self):
        person = self.url_objects["person_id"]
        if person.is_administrator and not self.tenant.holds(Role.ADMINISTRATOR):
            raise PermissionDenied("Only an Administrator invites an Administrator.")
        return person

    @extend_schema(summary="A person's invitation state")
    def get(self, request, *args, **kwargs):
        return Response(InvitationSerializer(invitation_data(self.person())).data)

    @extend_schema(
        summary="Invite a person, or send the invitation again",
        description=(
            "Saves a new single-use link, e-mailed once saved (retried while the mail server is down); an earlier"
            " link stops working. Invitations are limited per inviter, organization and recipient; a new"
            " organization sends few until one of its invitations is accepted."
        ),
        request=None,
        responses={
            201: InvitationSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The person can already sign in."),
            429: OpenApiResponse(
                ErrorSerializer,
                description="Too many invitations lately; Retry-After says when to try again.",
            ),
        },
    )
    def post(self, request, *args, **kwargs):
        person = self.person()
        try:
            invite(person, invited_by=self.tenant.person)
        except InvitationLimited as error:
            raise throttled(error) from None
        except InvitationError as error:
            raise Conflict(str(error)) from None
        return Response(InvitationSerializer(invitation_data(person)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a pending invitation", responses={204: None})
    def delete(self, request, *args, **kwargs):
        revoke_invitations(self.person())
        return Response(status=status.HTTP_204_NO_CONTENT)
