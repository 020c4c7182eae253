"""CSV exports, streamed: rows are written as the database hands them over, never held all at once."""

import csv

from django.http import StreamingHttpResponse

from .calculations import hours, round_hours

# A cell starting with one of these is a formula to a spreadsheet; prefix it so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value):
        return value


def safe_cell(value):
    """Text that a spreadsheet would run as a formula, made inert; numbers (a negative difference) stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(rows, filename):
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow([safe_cell(cell) for cell in row]) for row in rows),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


WORKLOG_HEADER = [
    "date",
    "person",
    "email",
    "project",
    "hours",
    "duration_seconds",
    "source",
    "source_project_id",
    "note",
]


def worklog_csv_rows(tuples):
    """Header, then one row per work log tuple from selectors.worklog_export_rows."""
    yield WORKLOG_HEADER
    for day, person, email, project, seconds, source, source_project_id, note in tuples:
        yield [
            day.isoformat(),
            person,
            email,
            project,
            round_hours(hours(seconds)),
            seconds,
            source,
            "" if source_project_id is None else source_project_id,
            note,
        ]
