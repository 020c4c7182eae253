"""Sync one project now, in this process: for operators, and to see a sync's result at once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import SyncRun
from integrations.services.runs import SyncNotPossible, request_sync
from integrations.services.sync import run_sync
from people.models import Organization
from projects.models import Project


class Command(BaseCommand):
    help = (
        "Sync a project's work logs from Hubstaff now (incremental by default, --reset for a full re-sync)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument("--project", required=True, type=int, help="Project id")
        parser.add_argument("--reset", action="store_true", help="Reset and sync all work logs")

    def handle(self, *args: Any, org: str, project: int, reset: bool, **options: Any) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}")
        target = Project.objects.for_org(organization).filter(pk=project).first()
        if target is None:
            raise CommandError(f"No project {project} in {organization.name}")
        mode = SyncRun.Mode.RESET if reset else SyncRun.Mode.INCREMENTAL
        try:
            # Run here, not by a worker too: both would race to claim the run.
            run = request_sync(target, mode=mode, trigger=SyncRun.Trigger.MANUAL, send_task=False)
        except SyncNotPossible as exc:
            raise CommandError(str(exc)) from None
        if run.joined:
            self.stdout.write(
                f"A sync of this project is already running (run {run.pk}); it is left to its worker."
            )
            return
        run = run_sync(run.pk) or SyncRun.objects.get(pk=run.pk)
        self.stdout.write(
            f"Run {run.pk} {run.status}: {run.worklogs_created} created, {run.worklogs_updated} updated, "
            f"{run.worklogs_deleted} deleted; {run.assignments_created} assignments created; "
            f"{len(run.missing_teammates)} missing teammates; {run.requests_made} Hubstaff requests."
        )
        for teammate in run.missing_teammates:
            self.stdout.write(
                f"  missing: {teammate['name']} <{teammate['email']}> {teammate['seconds'] / 3600:.2f} h"
            )
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(run.error)
