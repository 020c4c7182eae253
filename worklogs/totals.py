"""The triggers that keep WeeklyTotal in step with the work logs.

The project page's totals and the planning reports read the logs summed per project, person, source and week (a
year of 500 people: ~35,000 rows) rather than aggregating every log. Triggers keep the sums because they see every
write whatever its path: the sync's COPY and `UPDATE ... FROM (VALUES ...)`, manual logs, clearing a project,
Django's cascades (a person's or project's deletion deletes their logs with DELETE statements) and raw SQL, each
within the writing transaction, so that a rolled-back sync leaves the totals as they were.

The triggers run once per statement over its transition tables (the rows it inserted, deleted or changed), so a
COPY of 2,000 logs costs one small GROUP BY, not 2,000 upserts. Summary rows are written in key order, so that two
transactions touching the same rows take their locks in the same order.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TABLE = "worklogs_weeklytotal"
KEY = "organization_id, project_id, person_id, source, week"
_MATCH = " AND ".join(f"t.{c} = d.{c}" for c in KEY.split(", "))
# The work log's columns that make the key: its week is the Monday on or before its date.
_PG_KEY = "organization_id, project_id, person_id, source, date - (extract(isodow FROM date)::int - 1)"

_POSTGRESQL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION worklogs_total_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {TABLE} AS t ({KEY}, logs, seconds)
        SELECT {_PG_KEY}, count(*), sum(duration_seconds) FROM new_rows GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT ({KEY}) DO UPDATE SET logs = t.logs + excluded.logs, seconds = t.seconds + excluded.seconds;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE {TABLE} AS t SET logs = t.logs - d.logs, seconds = t.seconds - d.seconds
        FROM (SELECT {_PG_KEY} AS week, count(*) AS logs, sum(duration_seconds) AS seconds FROM old_rows
              GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5) AS d
        WHERE {_MATCH};
    ELSE
        -- Most updates change neither the key nor the duration (a note, an assignment): nothing to write.
        INSERT INTO {TABLE} AS t ({KEY}, logs, seconds)
        SELECT {KEY}, sum(logs), sum(seconds) FROM (
            SELECT {_PG_KEY} AS week, 1 AS logs, duration_seconds::bigint AS seconds FROM new_rows
            UNION ALL
            SELECT {_PG_KEY}, -1, -duration_seconds::bigint FROM old_rows
        ) AS changes
        GROUP BY {KEY} HAVING sum(logs) <> 0 OR sum(seconds) <> 0 ORDER BY {KEY}
        ON CONFLICT ({KEY}) DO UPDATE SET logs = t.logs + excluded.logs, seconds = t.seconds + excluded.seconds;
    END IF;
    DELETE FROM {TABLE} AS t USING (SELECT DISTINCT {_PG_KEY} AS week FROM old_rows) AS d
    WHERE {_MATCH} AND t.logs <= 0;
    RETURN NULL;
END
$$;
"""

_POSTGRESQL_TRIGGERS = [
    "CREATE TRIGGER worklogs_total_insert AFTER INSERT ON worklogs_worklog REFERENCING NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION worklogs_total_change()",
    "CREATE TRIGGER worklogs_total_update AFTER UPDATE ON worklogs_worklog REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION worklogs_total_change()",
    "CREATE TRIGGER worklogs_total_delete AFTER DELETE ON worklogs_worklog REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION worklogs_total_change()",
]


_NAMES = ("worklogs_total_insert", "worklogs_total_update", "worklogs_total_delete")


def _install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    statements = [_POSTGRESQL_FUNCTION] + [
        f"DROP TRIGGER IF EXISTS {name} ON worklogs_worklog" for name in _NAMES
    ]
    statements += _POSTGRESQL_TRIGGERS
    # Recount from the logs, so that installing again also repairs the totals.
    week = _PG_KEY.rsplit(", ", 1)[1]
    statements += [
        f"DELETE FROM {TABLE}",
        f"INSERT INTO {TABLE} ({KEY}, logs, seconds) "
        f"SELECT organization_id, project_id, person_id, source, {week}, count(*), sum(duration_seconds) "
        "FROM worklogs_worklog GROUP BY 1, 2, 3, 4, 5",
    ]
    for sql in statements:
        schema_editor.execute(sql, None)  # None: no parameters, so "%" is left alone


def _uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for name in _NAMES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON worklogs_worklog", None)
    schema_editor.execute("DROP FUNCTION IF EXISTS worklogs_total_change()")


def install_triggers() -> migrations.RunPython:
    """A migration operation: (re)create the totals' triggers and recount the totals from the work logs."""
    return migrations.RunPython(_install, _uninstall)
