"""Queue the daily sync of every project whose slot has come (what Celery beat runs)."""

from typing import Any

from django.core.management.base import BaseCommand

from integrations.services.schedule import enqueue_due_syncs


class Command(BaseCommand):
    help = "Queue the incremental sync of every linked project whose daily sync is due."

    def handle(self, *args: Any, **options: Any) -> None:
        queued = enqueue_due_syncs()
        self.stdout.write(f"{queued} project syncs queued.")
