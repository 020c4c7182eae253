"""A run's changes (its ledger), Undo this run, the organization's locked period and the differences Hubstaff shows
on locked days: thin calls of integrations.services (ledger, undo, locked) and worklogs.locks."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response

from integrations.models import SyncRun
from integrations.services import ledger, locked, undo
from people.models import Person
from people.roles import Role
from projects.models import Project
from worklogs import locks
from worklogs.models import LockedDifference

from ..exceptions import Conflict
from ..schema import ErrorSerializer
from ..serializers.hubstaff import SyncRunSerializer
from ..serializers.ledger import (
    AcceptRequestSerializer,
    ChangeFilterSerializer,
    ChangeSerializer,
    LockedDifferenceSerializer,
    LockEventSerializer,
    LockSerializer,
    UndoConflictsSerializer,
    UndoRequestSerializer,
)
from ..tenancy import TenantAPIView


class RunEndpoint(TenantAPIView):
    write_roles = (Role.MANAGER,)
    url_models = {"project_id": Project, "run_id": SyncRun}
    schema_tag = "sync runs"

    @property
    def run(self) -> SyncRun:
        return self.url_objects["run_id"]


class SyncRunChanges(RunEndpoint):
    serializer_class = ChangeSerializer
    filter_serializer_class = ChangeFilterSerializer

    @extend_schema(
        summary="List what a run changed (its ledger), paged",
        parameters=[ChangeFilterSerializer],
        responses=ChangeSerializer(many=True),
    )
    def get(self, request, *args, **kwargs):
        person_id = self.filters().get("person")
        if person_id is not None:
            self.tenant.get(Person, person_id)  # another organization's person is a 404
        rows = ledger.change_rows(self.run, person_id)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ChangeSerializer(page, many=True).data)


class SyncRunUndo(RunEndpoint):
    serializer_class = UndoRequestSerializer

    @extend_schema(
        summary="Undo this run",
        description=(
            "Puts back, in one transaction, every row the run changed as it was before it, and answers the undo "
            "run (mode `undo`). Rows changed since (by a later run or a person) or dated in the locked period are "
            "conflicts: without `confirm` they answer 409 with the list and nothing changes; with it the rest is "
            "undone. Refused (409) past the retention, while a sync of the project is queued or running, or for a "
            "run already undone."
        ),
        request=UndoRequestSerializer,
        responses={
            201: SyncRunSerializer,
            409: OpenApiResponse(UndoConflictsSerializer, description="Conflicts, or why not (`detail`)."),
        },
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            done = undo.undo_run(
                self.run,
                user=request.user,
                trigger=SyncRun.Trigger.API,
                confirm=serializer.validated_data["confirm"],
            )
        except undo.UndoRefused as exc:
            raise Conflict(str(exc)) from None
        except undo.UndoConflicts as exc:
            body = {
                "detail": f"{len(exc.conflicts)} rows changed since this run; send confirm to undo the rest.",
                "conflicts": [c.as_json() for c in exc.conflicts],
                "restorable": exc.restorable,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(SyncRunSerializer(done).data, status=status.HTTP_201_CREATED)


class WorkLogLockView(TenantAPIView):
    """The organization's locked period. Administrators lock and move back; Managers read it."""

    read_roles = (Role.ADMINISTRATOR, Role.MANAGER)
    write_roles = (Role.ADMINISTRATOR,)
    serializer_class = LockSerializer
    schema_tag = "locked period"

    def _state(self):
        org_id = self.tenant.organization.pk
        return {
            "locked_through": locks.locked_through(org_id),
            "events": LockEventSerializer(locks.history(org_id), many=True).data,
        }

    @extend_schema(summary="Read the locked period and every change of it")
    def get(self, request, *args, **kwargs):
        return Response(self._state())

    @extend_schema(
        summary="Lock up to a date, or move the lock back (with a reason)",
        description="A later date locks more; an earlier one (or null) moves the lock back and needs `reason`.",
        responses={200: LockSerializer, 409: OpenApiResponse(ErrorSerializer, description="Why not.")},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = self.tenant.organization
        wanted = serializer.validated_data["locked_through"]
        now = locks.locked_through(organization.pk)
        try:
            if wanted is not None and (now is None or wanted > now):
                locks.lock(organization, wanted, request.user)
            else:
                locks.move_back(
                    organization, wanted, serializer.validated_data.get("reason", ""), request.user
                )
        except locks.LockNotMoved as exc:
            raise Conflict(str(exc)) from None
        return Response(self._state())


class DifferenceEndpoint(TenantAPIView):
    write_roles = (Role.ADMINISTRATOR,)
    url_models = {"project_id": Project}
    schema_tag = "locked period"


class LockedDifferenceList(DifferenceEndpoint):
    serializer_class = LockedDifferenceSerializer

    @extend_schema(
        summary="List the days of the locked period where Hubstaff differs from what is kept",
        responses=LockedDifferenceSerializer(many=True),
    )
    def get(self, request, *args, **kwargs):
        differences = locks.open_differences(self.tenant.organization.pk, self.project)
        page = self.paginate_queryset(differences)
        for difference in page:
            difference.description = locks.describe(difference)
        return self.get_paginated_response(LockedDifferenceSerializer(page, many=True).data)


class LockedDifferenceAccept(DifferenceEndpoint):
    serializer_class = AcceptRequestSerializer

    @extend_schema(
        summary="Accept Hubstaff's value of a locked day",
        description="The day is unlocked, Hubstaff's value applied, the day locked again; recorded as a lock event.",
        request=AcceptRequestSerializer,
        responses={200: ErrorSerializer},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        difference = self.tenant.get(
            LockedDifference,
            serializer.validated_data["difference"],
            queryset=LockedDifference.objects.filter(project=self.project),
        )
        words = locked.accept(difference, request.user)
        return Response({"detail": f"Accepted: {words}."})
