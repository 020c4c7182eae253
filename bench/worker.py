"""A measured sync in its own process: ``python -m bench.worker SYNC_JSON`` prints one JSON line.

Its own process so that the peak memory (VmHWM) is the sync's, not the benchmark's.
"""

import gc
import json
import sys
from datetime import date
from typing import Any

from .environment import setup_django
from .measure import Timer, counting_statements, reset_peak_rss, rss_kib


def main():
    spec = json.loads(sys.argv[1])
    setup_django()
    from integrations.services import runs, sync
    from primetric import db
    from projects.models import Project

    def no_message(*_message: Any, **_options: Any) -> None:
        """The benchmark runs the sync itself, below: no message, whatever runs.deliver is given."""

    runs.deliver = no_message
    project = Project.objects.get(pk=spec["project_id"])
    run = runs.request_sync(project, mode=spec["mode"], trigger="manual")
    gc.collect()
    rss_before, _ = rss_kib()
    peak_resettable = reset_peak_rss()
    with counting_statements() as counter, Timer() as timer:
        copy_text = db.copy_text

        def counted_copy(*args, **kwargs):  # COPY goes to the raw cursor, past execute_wrapper: count it here
            counter.count()
            return copy_text(*args, **kwargs)

        db.copy_text = counted_copy
        run = sync.run_sync(run.pk, today=date.fromisoformat(spec["today"]))
    rss_after, peak = rss_kib()
    print(
        json.dumps(
            {
                "seconds": timer.seconds,
                "status": run.status,
                "error": run.error,
                "mode": run.mode,
                "worklogs_created": run.worklogs_created,
                "worklogs_updated": run.worklogs_updated,
                "worklogs_deleted": run.worklogs_deleted,
                "assignments_created": run.assignments_created,
                "requests_made": run.requests_made,
                "statements": counter.statements,
                "executemany_rows": counter.executemany_rows,
                "rss_before_kib": rss_before,
                "peak_kib": peak,
                "peak_growth_kib": peak - rss_before if peak_resettable else None,
            }
        )
    )


if __name__ == "__main__":
    main()
