from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from people.roles import Role
from projects.models import Assignment, Project

from ..serializers.base import MAX_ID
from ..serializers.projects import AssignmentSerializer
from ..tenancy import TenantAPIView


class ProjectAssignmentFilters(serializers.Serializer):
    person = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID, help_text="A person id.")


class AssignmentFilters(ProjectAssignmentFilters):
    project = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A project id."
    )


class AssignmentEndpoint(TenantAPIView):
    write_roles = (Role.MANAGER,)
    url_models = {"project_id": Project, "assignment_id": Assignment}
    serializer_class = AssignmentSerializer
    schema_tag = "assignments"

    def get_queryset(self):
        if self.is_schema_generation():
            return Assignment.objects.none()
        assignments = self.tenant.scope(Assignment).select_related("person").order_by("start_date", "id")
        if "project_id" in self.url_objects:
            assignments = assignments.filter(project=self.project)
        for name, value in self.filters().items():
            assignments = assignments.filter(**{f"{name}_id": value})
        return assignments


@extend_schema_view(
    get=extend_schema(summary="List a project's assignments", parameters=[ProjectAssignmentFilters]),
    post=extend_schema(summary="Assign a person to the project"),
)
class ProjectAssignmentList(AssignmentEndpoint, generics.ListCreateAPIView):
    filter_serializer_class = ProjectAssignmentFilters


@extend_schema_view(
    get=extend_schema(summary="Read an assignment"),
    put=extend_schema(summary="Update an assignment"),
    patch=extend_schema(summary="Update some of an assignment's fields"),
    delete=extend_schema(summary="Delete an assignment"),
)
class ProjectAssignmentDetail(AssignmentEndpoint, generics.RetrieveUpdateDestroyAPIView):
    lookup_url_kwarg = "assignment_id"


@extend_schema_view(
    get=extend_schema(summary="List the organization's assignments", parameters=[AssignmentFilters])
)
class AssignmentList(AssignmentEndpoint, generics.ListAPIView):
    """Every assignment of the organization, e.g. one person's across projects (create them under a project)."""

    filter_serializer_class = AssignmentFilters


class AssignmentDetail(ProjectAssignmentDetail):
    """The same assignment as under its project, addressed by its id alone."""
