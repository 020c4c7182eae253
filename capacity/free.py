"""Who is free: people with at least so many hours a week free between two dates, ranked by free hours.

One query computes every person's weeks in the database, by the rules of capacity/availability.py (which the tests
hold it to). Each week is one row per person carrying its seven days as arrays, so that the joins grow with
people x weeks rather than people x days. Each day of the period gets its working hours (the pattern in force,
else the organization's default week), loses holidays and approved time off, and keeps the hours of the
assignments if any are left; the sums are in whole hundredths of an hour (exact and fast). A person is
free enough when *every* week of the period leaves the hours asked for: a week cut by the period's ends asks for
its share of them (3 days of a week ask for 3/7), so someone busy for the first half of the period never ranks as
free for all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from people.models import Organization
from people.roles import Role

from .models import DEFAULT_WEEK, TimeOff


@dataclass(frozen=True)
class FreePerson:
    person_id: int
    full_name: str
    available: Decimal
    planned: Decimal
    free: Decimal
    # The period's free hours averaged over its weeks, and its least free week (cut weeks scaled to seven days).
    free_per_week: Decimal
    least_free_week: Decimal


# Parameters only: the organization, period, role and project are values bound by the driver, never spliced in.
FREE_PEOPLE_SQL = """
WITH weeks AS MATERIALIZED (
    -- Each week of the period, and what each of its days is: -1 outside the period, 0 a holiday, 1 a day.
    SELECT monday, ARRAY(
        SELECT CASE WHEN monday + k NOT BETWEEN %(start)s::date AND %(end)s::date THEN -1
                    WHEN EXISTS (SELECT 1 FROM capacity_holiday h
                                 WHERE h.organization_id = %(org)s AND h.date = monday + k) THEN 0
                    ELSE 1 END
        FROM generate_series(0, 6) AS k ORDER BY k) AS kind
    FROM (SELECT w::date AS monday
          FROM generate_series(date_trunc('week', %(start)s::date), %(end)s::date, interval '7 days') AS w) AS w
),
people AS MATERIALIZED (
    SELECT p.id, p.full_name
    FROM people_person p
    WHERE p.organization_id = %(org)s
      AND (%(role)s = ''
           OR (%(role)s = 'administrator' AND p.is_administrator)
           OR (%(role)s = 'manager' AND p.is_manager)
           OR (%(role)s = 'employee' AND p.is_employee))
      AND (%(project)s::bigint IS NULL OR EXISTS (
           SELECT 1 FROM projects_assignment a
           WHERE a.organization_id = %(org)s AND a.project_id = %(project)s::bigint AND a.person_id = p.id))
),
org_week AS MATERIALIZED (
    SELECT coalesce(
        (SELECT ARRAY[(s.monday_hours * 100)::int, (s.tuesday_hours * 100)::int, (s.wednesday_hours * 100)::int,
                      (s.thursday_hours * 100)::int, (s.friday_hours * 100)::int, (s.saturday_hours * 100)::int,
                      (s.sunday_hours * 100)::int]
         FROM capacity_capacitysettings s WHERE s.organization_id = %(org)s),
        %(default_week)s::int[]) AS week
),
patterns AS MATERIALIZED (
    SELECT w.person_id, w.effective_from,
           ARRAY[(w.monday_hours * 100)::int, (w.tuesday_hours * 100)::int, (w.wednesday_hours * 100)::int,
                 (w.thursday_hours * 100)::int, (w.friday_hours * 100)::int, (w.saturday_hours * 100)::int,
                 (w.sunday_hours * 100)::int] AS week
    FROM capacity_workpattern w
    WHERE w.organization_id = %(org)s AND w.person_id IN (SELECT id FROM people)
      AND w.effective_from <= %(end)s::date
),
segments AS (
    -- The weeks in force for people with patterns: the organization's until their first, then each pattern's.
    SELECT person_id, effective_from AS starts,
           coalesce(lead(effective_from) OVER (PARTITION BY person_id ORDER BY effective_from),
                    'infinity'::date) AS ends,
           week
    FROM (SELECT person_id, effective_from, week FROM patterns
          UNION ALL
          SELECT DISTINCT p.person_id, '-infinity'::date, o.week FROM patterns p CROSS JOIN org_week o) AS s
),
pattern_weeks AS (
    SELECT s.person_id, w.monday, ARRAY[
           sum(CASE WHEN w.monday + 0 >= s.starts AND w.monday + 0 < s.ends THEN s.week[1] ELSE 0 END),
           sum(CASE WHEN w.monday + 1 >= s.starts AND w.monday + 1 < s.ends THEN s.week[2] ELSE 0 END),
           sum(CASE WHEN w.monday + 2 >= s.starts AND w.monday + 2 < s.ends THEN s.week[3] ELSE 0 END),
           sum(CASE WHEN w.monday + 3 >= s.starts AND w.monday + 3 < s.ends THEN s.week[4] ELSE 0 END),
           sum(CASE WHEN w.monday + 4 >= s.starts AND w.monday + 4 < s.ends THEN s.week[5] ELSE 0 END),
           sum(CASE WHEN w.monday + 5 >= s.starts AND w.monday + 5 < s.ends THEN s.week[6] ELSE 0 END),
           sum(CASE WHEN w.monday + 6 >= s.starts AND w.monday + 6 < s.ends THEN s.week[7] ELSE 0 END)
    ] AS hours
    FROM segments s JOIN weeks w ON w.monday + 6 >= s.starts AND w.monday < s.ends
    GROUP BY s.person_id, w.monday
),
time_off_weeks AS (
    -- Whole days off count as more hours than any day has: what a day loses is capped at its hours.
    SELECT t.person_id, w.monday, ARRAY[
           sum(CASE WHEN w.monday + 0 BETWEEN t.start_date AND t.end_date THEN t.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 1 BETWEEN t.start_date AND t.end_date THEN t.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 2 BETWEEN t.start_date AND t.end_date THEN t.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 3 BETWEEN t.start_date AND t.end_date THEN t.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 4 BETWEEN t.start_date AND t.end_date THEN t.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 5 BETWEEN t.start_date AND t.end_date THEN t.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 6 BETWEEN t.start_date AND t.end_date THEN t.hours ELSE 0 END)
    ] AS hours
    FROM (SELECT person_id, start_date, end_date, coalesce((hours_per_day * 100)::int, 100000) AS hours
          FROM capacity_timeoff
          WHERE organization_id = %(org)s AND status = %(approved)s AND person_id IN (SELECT id FROM people)
            AND start_date <= %(end)s::date AND end_date >= %(start)s::date) AS t
    JOIN weeks w ON w.monday <= t.end_date AND w.monday + 6 >= t.start_date
    GROUP BY t.person_id, w.monday
),
planned_weeks AS (
    SELECT a.person_id, w.monday, ARRAY[
           sum(CASE WHEN w.monday + 0 BETWEEN a.start_date AND a.end_date THEN a.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 1 BETWEEN a.start_date AND a.end_date THEN a.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 2 BETWEEN a.start_date AND a.end_date THEN a.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 3 BETWEEN a.start_date AND a.end_date THEN a.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 4 BETWEEN a.start_date AND a.end_date THEN a.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 5 BETWEEN a.start_date AND a.end_date THEN a.hours ELSE 0 END),
           sum(CASE WHEN w.monday + 6 BETWEEN a.start_date AND a.end_date THEN a.hours ELSE 0 END)
    ] AS hours
    FROM (SELECT person_id, start_date, end_date, (hours_per_day * 100)::int AS hours
          FROM projects_assignment
          WHERE organization_id = %(org)s AND person_id IN (SELECT id FROM people)
            AND start_date <= %(end)s::date AND end_date >= %(start)s::date) AS a
    JOIN weeks w ON w.monday <= a.end_date AND w.monday + 6 >= a.start_date
    GROUP BY a.person_id, w.monday
),
person_days AS (
    SELECT p.id AS person_id, w.monday, d.kind,
           CASE WHEN d.kind = 1 THEN greatest(d.working - coalesce(d.off, 0), 0) ELSE 0 END AS available,
           coalesce(d.planned, 0) AS planned
    FROM people p
    CROSS JOIN weeks w
    CROSS JOIN org_week ow
    LEFT JOIN pattern_weeks pw ON pw.person_id = p.id AND pw.monday = w.monday
    LEFT JOIN time_off_weeks o ON o.person_id = p.id AND o.monday = w.monday
    LEFT JOIN planned_weeks pl ON pl.person_id = p.id AND pl.monday = w.monday
    CROSS JOIN LATERAL unnest(w.kind, coalesce(pw.hours, ow.week), o.hours, pl.hours) AS d(kind, working, off, planned)
),
person_weeks AS (
    SELECT person_id, monday, count(*) AS days, sum(available) AS available,
           sum(CASE WHEN available > 0 THEN planned ELSE 0 END) AS planned,
           sum(greatest(available - planned, 0)) AS free
    FROM person_days
    WHERE kind >= 0
    GROUP BY person_id, monday
)
SELECT w.person_id, p.full_name, sum(w.available), sum(w.planned), sum(w.free),
       sum(w.free) * 7 / sum(w.days), min(w.free * 7 / w.days)
FROM person_weeks w JOIN people p ON p.id = w.person_id
GROUP BY w.person_id, p.full_name
HAVING bool_and(w.free * 7 >= %(hours)s * w.days)
ORDER BY sum(w.free) DESC, p.full_name, w.person_id
"""


def _hours(hundredths: Decimal | int) -> Decimal:
    """Hours from the query's hundredths of an hour (it sums whole numbers: exact, and much faster)."""
    return (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


def free_people(
    organization: Organization | int,
    start: date,
    end: date,
    hours_per_week: Decimal,
    *,
    role: Role | str = "",
    project_id: int | None = None,
) -> list[FreePerson]:
    """The organization's people (those holding `role`, those assigned to the project, if given) with at least
    `hours_per_week` free in every week from start to end, the freest first."""
    if role:
        role = Role(role).value
    params: dict[str, int | str | date | list[int] | None] = {
        "org": organization.pk if isinstance(organization, Organization) else organization,
        "start": start,
        "end": end,
        "hours": int(Decimal(hours_per_week) * 100),
        "role": role,
        "project": project_id,
        "approved": TimeOff.Status.APPROVED.value,
        "default_week": [int(hours * 100) for hours in DEFAULT_WEEK],
    }
    with connection.cursor() as cursor:
        cursor.execute(FREE_PEOPLE_SQL, params)
        rows = cursor.fetchall()
    return [
        FreePerson(
            person_id=person_id,
            full_name=full_name,
            available=_hours(available),
            planned=_hours(planned),
            free=_hours(free),
            free_per_week=_hours(per_week),
            least_free_week=_hours(least),
        )
        for person_id, full_name, available, planned, free, per_week, least in rows
    ]
