from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics

from people.roles import Role
from projects.models import Project
from worklogs import locks
from worklogs.models import WorkLog

from ..exceptions import Conflict
from ..schema import ErrorSerializer
from ..serializers.worklogs import WorkLogDetailSerializer, WorkLogFilterSerializer, WorkLogSerializer
from ..tenancy import TenantAPIView


class WorkLogEndpoint(TenantAPIView):
    write_roles = (Role.MANAGER,)
    url_models = {"project_id": Project, "worklog_id": WorkLog}
    serializer_class = WorkLogDetailSerializer
    schema_tag = "work logs"

    def get_queryset(self):
        if self.is_schema_generation():
            return WorkLog.objects.none()
        return self.tenant.scope(WorkLog).filter(project=self.project)


@extend_schema_view(
    get=extend_schema(
        summary="List a project's work logs",
        description=(
            "Newest first. One narrow query a page (plus the count), whatever the number of work logs: "
            "only the listed columns are read, in the order of the (project, date) index."
        ),
        parameters=[WorkLogFilterSerializer],
        responses=WorkLogSerializer(many=True),
    ),
    post=extend_schema(
        summary="Log time (a manual work log)",
        responses={
            201: WorkLogDetailSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The date is in the locked period."),
        },
    ),
)
class WorkLogList(WorkLogEndpoint, generics.ListCreateAPIView):
    filter_serializer_class = WorkLogFilterSerializer

    def get_serializer_class(self):
        return WorkLogSerializer if self.request.method == "GET" else WorkLogDetailSerializer

    def get_queryset(self):
        worklogs = super().get_queryset()
        if self.is_schema_generation() or self.request.method != "GET":
            return worklogs
        filters = self.filters()
        if "person" in filters:
            worklogs = worklogs.filter(person_id=filters["person"])
        if "date_after" in filters:
            worklogs = worklogs.filter(date__gte=filters["date_after"])
        if "date_before" in filters:
            worklogs = worklogs.filter(date__lte=filters["date_before"])
        if "source" in filters:
            worklogs = worklogs.filter(source=filters["source"])
        return worklogs.order_by("-date", "-id").values(*WorkLogSerializer.COLUMNS)


@extend_schema_view(
    get=extend_schema(summary="Read a work log"),
    delete=extend_schema(
        summary="Delete a manual work log",
        description="Synced work logs are changed only by syncs: use Clear data (hubstaff/clear/) for them.",
        responses={
            204: None,
            409: OpenApiResponse(
                ErrorSerializer, description="A synced work log, or one of the locked period."
            ),
        },
    ),
)
class WorkLogDetail(WorkLogEndpoint, generics.RetrieveDestroyAPIView):
    lookup_url_kwarg = "worklog_id"

    def perform_destroy(self, worklog):
        if worklog.source != WorkLog.Source.MANUAL:
            raise Conflict("Synced work logs are changed only by syncs; use Clear data to delete them.")
        try:
            locks.delete_log(worklog)
        except locks.PeriodLocked as exc:
            raise Conflict(str(exc)) from None
