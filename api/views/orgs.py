from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from api.authentication import HashedTokenAuthentication
from people.tenancy import memberships

from ..pagination import Pagination
from ..schema import ApiAutoSchema
from ..serializers.people import MembershipSerializer


class OrganizationList(generics.ListAPIView):
    """The organizations you belong to, with your roles in each: where the other endpoints' `org_slug` comes from."""

    authentication_classes = [HashedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    pagination_class = Pagination
    schema = ApiAutoSchema()
    schema_tag = "organizations"
    serializer_class = MembershipSerializer

    def get_queryset(self):
        return memberships(self.request.user)
