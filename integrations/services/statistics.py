"""The work-log table's planner statistics, refreshed by a sync that wrote a large share of the table.

After a large sync the planner still believes the table as it was and may scan where one index lookup would do.
Autovacuum analyzes once a tenth of a table changed, but later; a sync that crossed that line does it at once.
"""

import logging

from django.db import DatabaseError, connection, transaction

from worklogs.models import WorkLog

logger = logging.getLogger(__name__)

# Both thresholds must be met; the share is autovacuum's own.
ANALYZE_AFTER_ROWS = 10_000
ANALYZE_AFTER_SHARE = 0.1


def refresh_after_sync(
    written: int, *, min_rows: int = ANALYZE_AFTER_ROWS, min_share: float = ANALYZE_AFTER_SHARE
) -> None:
    """Refresh the statistics if `written` created or deleted work logs are enough of the table."""
    if written >= min_rows and written >= min_share * planner_worklog_rows():
        refresh_worklog_statistics()


def planner_worklog_rows() -> float:
    """How many rows the planner's statistics say the work-log table has (0 where never analyzed)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [WorkLog._meta.db_table])
        reltuples: float = cursor.fetchone()[0]  # -1 where never analyzed
        return max(0, reltuples)


def refresh_worklog_statistics() -> bool:
    """ANALYZE the work-log table, unless that would wait: if autovacuum or another sync holds the table's
    statistics lock, they are being refreshed already. Never fails the sync that asks."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")
            cursor.execute(f"ANALYZE {connection.ops.quote_name(WorkLog._meta.db_table)}")
    except DatabaseError as exc:
        logger.warning("Work-log statistics not refreshed: %s", exc)
        return False
    return True
