"""After Clear data: the assignments syncs created stay (a manager may want the plan), and can be removed."""

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from integrations.services.runs import SyncNotPossible, active_run
from projects.models import Assignment, Project
from worklogs.models import WorkLog


def sync_assignments_without_worklogs(project: Project) -> QuerySet[Assignment]:
    """The project's assignments a sync created whose person has no work log left in the project."""
    worklogs = WorkLog.objects.for_org(project.organization_id).filter(
        project=project, person=OuterRef("person")
    )
    return (
        Assignment.objects.for_org(project.organization_id)
        .filter(project=project, origin=Assignment.Origin.SYNC)
        .exclude(Exists(worklogs))
    )


def remove_sync_assignments(project: Project) -> int:
    """Delete the sync-created assignments of the project that no work log backs any more; returns how many.

    Manual assignments, and sync-made ones whose person still has work logs here (manual or synced), stay.
    Refused while a sync of the project runs: it may be about to write work logs for those people.
    """
    with transaction.atomic():
        if active_run(project) is not None:
            raise SyncNotPossible(
                "A sync of this project is running; remove assignments when it has finished."
            )
        deleted, _ = sync_assignments_without_worklogs(project).delete()
    return deleted
