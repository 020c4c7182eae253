from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers

from people.roles import Role
from projects.models import Project
from projects.selectors import search_projects

from ..serializers.projects import ProjectSerializer
from ..tenancy import TenantAPIView


class ProjectFilters(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=200, help_text="Part of the name, any case.")
    archived = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only archived (true) or only active (false) projects.",
    )


class ProjectEndpoint(TenantAPIView):
    write_roles = (Role.MANAGER,)
    url_models = {"project_id": Project}
    serializer_class = ProjectSerializer
    schema_tag = "projects"


@extend_schema_view(
    get=extend_schema(
        summary="List projects",
        parameters=[ProjectFilters],
    ),
    post=extend_schema(summary="Create a project"),
)
class ProjectList(ProjectEndpoint, generics.ListCreateAPIView):
    filter_serializer_class = ProjectFilters

    def get_queryset(self):
        if self.is_schema_generation():
            return Project.objects.none()
        filters = self.filters()
        projects = search_projects(self.tenant.scope(Project), filters.get("search"))
        if filters.get("archived") is not None:
            projects = projects.filter(archived=filters["archived"])
        return projects


@extend_schema_view(
    get=extend_schema(summary="Read a project"),
    put=extend_schema(summary="Update a project"),
    patch=extend_schema(summary="Update some of a project's fields"),
    delete=extend_schema(
        summary="Delete a project", description="Deletes it with its assignments and work logs."
    ),
)
class ProjectDetail(ProjectEndpoint, generics.RetrieveUpdateDestroyAPIView):
    lookup_url_kwarg = "project_id"
