"""A project's Hubstaff link, its syncs and Clear data: thin calls of integrations.services (links, sync)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response

from integrations.models import SyncRun
from integrations.services.links import link_or_new, update_link
from integrations.services.runs import SyncNotPossible, clear_project, request_sync
from people.roles import Role
from projects.models import Project

from ..exceptions import Conflict
from ..schema import ErrorSerializer
from ..serializers.hubstaff import (
    ClearResultSerializer,
    ProjectLinkSerializer,
    SyncRequestSerializer,
    SyncRunSerializer,
)
from ..serializers.ledger import ClearRequestSerializer
from ..tenancy import TenantAPIView

NOT_POSSIBLE = OpenApiResponse(
    ErrorSerializer, description="Not possible now; `detail` says why (e.g. not installed)."
)


class HubstaffEndpoint(TenantAPIView):
    write_roles = (Role.MANAGER,)
    url_models = {"project_id": Project}
    schema_tag = "hubstaff"


class ProjectLinkView(HubstaffEndpoint):
    """The project's Integration settings: the Hubstaff checkbox, Select projects, and the two options."""

    serializer_class = ProjectLinkSerializer

    @extend_schema(summary="Read the project's Hubstaff settings")
    def get(self, request, *args, **kwargs):
        return Response(self.get_serializer(link_or_new(self.project)).data)

    @extend_schema(summary="Update the project's Hubstaff settings")
    def put(self, request, *args, **kwargs):
        return self.update(partial=False)

    @extend_schema(summary="Update some of the project's Hubstaff settings")
    def patch(self, request, *args, **kwargs):
        return self.update(partial=True)

    def update(self, *, partial):
        serializer = self.get_serializer(link_or_new(self.project), data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        # A Django ValidationError (a save racing this one) becomes a 400 with field messages.
        link = update_link(self.project, **serializer.validated_data)
        return Response(self.get_serializer(link).data)


class SyncView(HubstaffEndpoint):
    serializer_class = SyncRequestSerializer

    @extend_schema(
        summary="Sync the project's work logs from Hubstaff",
        description=(
            "Queues a sync (`reset`: Reset and sync all work logs; `incremental`: what changed since the last sync; "
            "`preview`: a reset's fetch and plan with nothing written, its report in the run's `preview`) "
            "and answers at once with the run; follow it at sync-runs/{id}/. If a sync of the project is already "
            "queued or running, that run is answered instead."
        ),
        request=SyncRequestSerializer,
        responses={202: SyncRunSerializer, 409: NOT_POSSIBLE},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = request_sync(
                self.project,
                mode=serializer.validated_data["mode"],
                trigger=SyncRun.Trigger.API,
                user=request.user,
            )
        except SyncNotPossible as exc:
            raise Conflict(str(exc)) from None
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class ClearView(HubstaffEndpoint):
    serializer_class = ClearRequestSerializer

    @extend_schema(
        summary="Clear data: delete the project's synced work logs (all, or of a date range and/or a person)",
        description=(
            "Manual work logs, assignments and the locked period stay (the run's `locked_kept` counts the work "
            "logs left alone there). Answers how many work logs were deleted; the run can be undone."
        ),
        request=ClearRequestSerializer,
        responses={200: ClearResultSerializer, 409: NOT_POSSIBLE},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        part = serializer.validated_data
        try:
            run = clear_project(
                self.project,
                user=request.user,
                trigger=SyncRun.Trigger.API,
                start=part.get("start"),
                end=part.get("end"),
                person=part.get("person"),
            )
        except SyncNotPossible as exc:
            raise Conflict(str(exc)) from None
        return Response({"worklogs_deleted": run.worklogs_deleted, "sync_run": SyncRunSerializer(run).data})


class SyncRunEndpoint(HubstaffEndpoint):
    url_models = {"project_id": Project, "run_id": SyncRun}
    serializer_class = SyncRunSerializer
    schema_tag = "sync runs"

    def get_queryset(self):
        if self.is_schema_generation():
            return SyncRun.objects.none()
        runs = self.tenant.scope(SyncRun)
        if "project_id" in self.url_objects:
            runs = runs.filter(project=self.project)
        return runs.order_by("-queued_at", "-id")


@extend_schema_view(get=extend_schema(summary="List the project's syncs, newest first"))
class SyncRunList(SyncRunEndpoint, generics.ListAPIView):
    pass


@extend_schema_view(get=extend_schema(summary="Read a sync: status, progress, counts, missing teammates"))
class SyncRunDetail(SyncRunEndpoint, generics.RetrieveAPIView):
    lookup_url_kwarg = "run_id"
