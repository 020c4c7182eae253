"""The organization's Hubstaff installation, as Administrators and Managers may see it: state, never secrets."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.response import Response

from integrations.models import HubstaffProject, Installation
from integrations.selectors import get_installation, reachable_projects
from integrations.services.live import NO_WRITE_SCOPE, WRITE_SCOPE
from people.roles import Role

from ..serializers.base import MAX_ID
from ..serializers.hubstaff import HubstaffProjectSerializer, InstallationStatusSerializer
from ..tenancy import TenantAPIView


class IntegrationEndpoint(TenantAPIView):
    write_roles = (Role.ADMINISTRATOR, Role.MANAGER)
    schema_tag = "integrations"


class InstallationStatusView(IntegrationEndpoint):
    serializer_class = InstallationStatusSerializer

    @extend_schema(summary="The Hubstaff installation's state")
    def get(self, request, *args, **kwargs):
        installation = get_installation(self.tenant.organization)
        if installation is None:
            data = {
                "installed": False,
                "status": "not_installed",
                "status_reason": "",
                "account": None,
                "hubstaff_organizations": [],
                "installed_at": None,
                "last_refreshed_at": None,
                "live_updates": Installation.LiveUpdates.OFF,
                "live_updates_reason": "",
                "last_event_at": None,
            }
        else:
            data = {
                "installed": installation.is_installed,
                "status": installation.status,
                "status_reason": installation.status_reason,
                "account": installation.account or None,
                "hubstaff_organizations": installation.hubstaff_organizations or [],
                "installed_at": installation.installed_at,
                "last_refreshed_at": installation.last_refreshed_at,
                "live_updates": installation.live_updates,
                # An installation made before live updates records no reason: it lacks the write scope.
                "live_updates_reason": installation.live_updates_reason
                or ("" if WRITE_SCOPE in installation.scope.split() else NO_WRITE_SCOPE),
                "last_event_at": installation.last_event_at,
            }
        return Response(self.get_serializer(data).data)


class HubstaffProjectFilters(serializers.Serializer):
    search = serializers.CharField(required=False, max_length=300, help_text="Part of the name, any case.")
    organization = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="A Hubstaff organization id."
    )


@extend_schema_view(
    get=extend_schema(
        summary="The Hubstaff projects the installation reaches", parameters=[HubstaffProjectFilters]
    )
)
class HubstaffProjectList(IntegrationEndpoint, generics.ListAPIView):
    """From the cache the Select projects field uses; every Hubstaff organization the installation reaches."""

    serializer_class = HubstaffProjectSerializer
    filter_serializer_class = HubstaffProjectFilters

    def get_queryset(self):
        if self.is_schema_generation():
            return HubstaffProject.objects.none()
        projects = reachable_projects(self.tenant.organization).order_by(
            "hubstaff_organization_name", "name", "id"
        )
        filters = self.filters()
        if filters.get("search", "").strip():
            projects = projects.filter(name__icontains=filters["search"].strip())
        if "organization" in filters:
            projects = projects.filter(hubstaff_organization_id=filters["organization"])
        return projects
