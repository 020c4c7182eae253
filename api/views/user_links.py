"""Kept matches of Hubstaff users to people: made by hand here (when the e-mails differ) or kept from a sync's e-mail
match; thin calls of integrations.services.user_links."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from integrations.models import HubstaffUserLink
from integrations.services.user_links import LINK_ROLES, link_user, remove_link
from people.roles import Role
from people.text import clean_text

from ..serializers.base import MAX_ID
from ..tenancy import TenantAPIView


class CleanCharField(serializers.CharField):
    """One-line text cleaned as the pages clean it (people.text.clean_text), before the length and NUL checks."""

    def to_internal_value(self, data):
        return clean_text(super().to_internal_value(data))


class HubstaffUserLinkSerializer(serializers.ModelSerializer):
    hubstaff_user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    hubstaff_user_name = CleanCharField(max_length=300, allow_blank=True, default="")
    person = serializers.IntegerField(
        source="person_id", min_value=1, max_value=MAX_ID, help_text="A person of this organization."
    )

    class Meta:
        model = HubstaffUserLink
        fields = [
            "id",
            "hubstaff_user_id",
            "hubstaff_user_name",
            "hubstaff_user_email",
            "person",
            "made_by",
            "created_at",
        ]
        # A match made by e-mail is kept by the sync that committed its work logs; one made here is "hand".
        read_only_fields = ["id", "hubstaff_user_email", "made_by", "created_at"]


class UserLinkEndpoint(TenantAPIView):
    write_roles = LINK_ROLES
    read_roles = (Role.MANAGER, Role.ADMINISTRATOR)
    url_models = {"link_id": HubstaffUserLink}
    serializer_class = HubstaffUserLinkSerializer
    schema_tag = "hubstaff"

    def get_queryset(self):
        if self.is_schema_generation():
            return HubstaffUserLink.objects.none()
        return self.tenant.scope(HubstaffUserLink).order_by("hubstaff_user_id", "id")


@extend_schema_view(
    get=extend_schema(
        summary="List the Hubstaff users matched to people",
        description="Matches kept by hand (`made_by` hand) or from a sync's e-mail match (`made_by` email).",
    ),
    post=extend_schema(
        summary="Link a Hubstaff user to a person",
        description=(
            "Every later sync gives this Hubstaff user's time to the person, whatever their e-mails say "
            "(e-mail matching stays the default for everyone else). Linking a user again replaces their link."
        ),
        responses={201: HubstaffUserLinkSerializer},
    ),
)
class UserLinkList(UserLinkEndpoint, generics.ListAPIView):
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            link = link_user(
                self.tenant.organization,
                hubstaff_user_id=data["hubstaff_user_id"],
                person_id=data["person_id"],
                name=data.get("hubstaff_user_name", ""),
                actor=self.tenant.person,
            )
        except ValidationError as exc:
            raise serializers.ValidationError(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            ) from None
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="Read a Hubstaff user link"),
    delete=extend_schema(
        summary="Remove a Hubstaff user link (the user is matched by e-mail again)", responses={204: None}
    ),
)
class UserLinkDetail(UserLinkEndpoint, generics.RetrieveAPIView):
    lookup_url_kwarg = "link_id"

    def delete(self, request, *args, **kwargs):
        remove_link(self.get_object(), actor=self.tenant.person)
        return Response(status=status.HTTP_204_NO_CONTENT)
