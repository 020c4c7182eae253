from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from people.models import Person
from people.roles import Role
from people.selectors import search_people

from ..exceptions import Conflict
from ..schema import ErrorSerializer
from ..serializers.people import PersonSerializer
from ..tenancy import TenantAPIView


class PersonFilters(serializers.Serializer):
    search = serializers.CharField(
        required=False, max_length=254, help_text="Part of a name or e-mail, any case."
    )


class PeopleEndpoint(TenantAPIView):
    # Administrators manage people. Managers may read them: they choose people when assigning them to
    # projects.
    read_roles = (Role.ADMINISTRATOR, Role.MANAGER)
    write_roles = (Role.ADMINISTRATOR,)
    url_models = {"person_id": Person}
    serializer_class = PersonSerializer
    schema_tag = "people"


@extend_schema_view(
    get=extend_schema(
        summary="List people",
        parameters=[PersonFilters],
    ),
    post=extend_schema(summary="Add a person"),
)
class PersonList(PeopleEndpoint, generics.ListCreateAPIView):
    filter_serializer_class = PersonFilters

    def get_queryset(self):
        if self.is_schema_generation():
            return Person.objects.none()
        # The login state of each person reads their invitations: one query for the page, not one a person.
        people = search_people(self.tenant.scope(Person), self.filters().get("search"))
        return people.prefetch_related("invitations")


@extend_schema_view(
    get=extend_schema(summary="Read a person"),
    put=extend_schema(summary="Update a person"),
    patch=extend_schema(summary="Update some of a person's fields"),
    delete=extend_schema(
        summary="Remove a person",
        description="Removes the person with their assignments and work logs. You cannot remove yourself.",
        responses={204: None, 409: OpenApiResponse(ErrorSerializer, description="That person is you.")},
    ),
)
class PersonDetail(PeopleEndpoint, generics.RetrieveUpdateDestroyAPIView):
    lookup_url_kwarg = "person_id"

    def perform_destroy(self, person):
        if person.pk == self.tenant.person.pk:
            raise Conflict("You cannot remove yourself from the organization.")
        person.delete()
