"""Bulk writes of plain tuples through Django's connection (so inside its transaction): COPY for new rows,
UPDATE ... FROM (VALUES ...) for changed ones.

`bulk_create` and `bulk_update` build a model instance per row and (`bulk_update`) a CASE per column, which at a
sync's scale costs more than the database's own work (docs/performance.md). These functions take tuples in column
order instead. No library: psycopg2's `copy_expert` already gives COPY, and django-pgbulk works on model
instances, the per-row cost this module exists to avoid.

Table and column names come from the model's `_meta` through `quote_name`; every value is a query parameter, or
escaped for COPY by `copy_value`.
"""

import io
from datetime import date, datetime

from django.db import connection

# Rows of one UPDATE statement (fewer where the database's parameter limit requires).
WRITE_BATCH_ROWS = 2000


def copy_value(value):
    """A value as COPY text (tab, newline, backslash escaped; None as NULL)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def copy_text(model, columns, text):
    """PostgreSQL only: COPY lines of text (one row each, `columns` in order) into the model's table."""
    opts, ops = model._meta, connection.ops
    names = ", ".join(ops.quote_name(opts.get_field(column).column) for column in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(
            f"COPY {ops.quote_name(opts.db_table)} ({names}) FROM STDIN", io.StringIO(text)
        )


def _db_value_adapter(field):
    internal = field.get_internal_type()
    if internal == "DateField":
        return connection.ops.adapt_datefield_value
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return None


def _adapted(rows, fields):
    adapters = [(i, adapt) for i, adapt in enumerate(map(_db_value_adapter, fields)) if adapt is not None]
    if not adapters:
        return rows
    adapted = []
    for row in rows:
        values = list(row)
        for i, adapt in adapters:
            values[i] = adapt(values[i])
        adapted.append(values)
    return adapted


def _batch_size(fields, rows):
    return max(1, min(WRITE_BATCH_ROWS, connection.ops.bulk_batch_size(fields, rows)))


def update_rows(model, columns, rows, *, where=None):
    """Set `columns` of many rows to each row's own values: `rows` are tuples (pk, *values).

    One UPDATE ... FROM (VALUES ...) per batch. `where` adds equality conditions ({column: value}) that every row
    must meet.
    """
    if not rows:
        return
    opts, ops = model._meta, connection.ops
    fields = [opts.get_field(column) for column in columns]
    conditions = [
        (ops.quote_name(opts.get_field(column).column), value) for column, value in (where or {}).items()
    ]
    _update_from_values(model, fields, _adapted(rows, [opts.pk, *fields]), conditions)


def _update_from_values(model, fields, rows, conditions):
    """UPDATE ... FROM (VALUES ...), a batch of rows per statement."""
    opts, ops = model._meta, connection.ops
    table = ops.quote_name(opts.db_table)
    pk = opts.pk
    names = ", ".join(["pk", *(f"v{i}" for i in range(len(fields)))])
    casts = [f"%s::{field.db_type(connection)}" for field in (pk, *fields)]
    sets = ", ".join(f"{ops.quote_name(f.column)} = v.v{i}" for i, f in enumerate(fields))
    extra = "".join(f" AND {table}.{column} = %s" for column, _ in conditions)
    placeholder = f"({', '.join(casts)})"
    size = _batch_size([pk, *fields], rows)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([placeholder] * len(chunk))}) AS v ({names}) "
                f"WHERE {table}.{ops.quote_name(pk.column)} = v.pk{extra}",
                [value for row in chunk for value in row] + [value for _, value in conditions],
            )
