"""Time the capacity figures at scale: `manage.py capacity_benchmark --people 500 --days 365`.

It fills a throw-away organization (patterns, time off of every status, holidays, two or three assignments a
person), times each person's weeks (capacity/availability.py) and "Who is free" (capacity/free.py), prints the
times, and rolls everything back: nothing stays in the database.
"""

import secrets
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from capacity.availability import weeks_by_person
from capacity.free import free_people
from capacity.models import Holiday, TimeOff, WorkPattern
from people.models import Organization, Person
from projects.models import Assignment, Project

START = date(2026, 1, 5)


class Spread:
    """Deterministic, well-mixed numbers for the generated rows (the same data on every run): a Weyl sequence."""

    def __init__(self) -> None:
        self.state = 0

    def below(self, limit: int) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) % 2**64
        return (self.state * 0xBF58476D1CE4E5B9 % 2**64 >> 16) % limit

    def chance(self, percent: int) -> bool:
        return self.below(100) < percent


class Rollback(Exception):
    """Raised to leave the benchmark's transaction without keeping its rows."""


class Command(BaseCommand):
    help = "Time availability and Who is free for many people over a long period (rolled back afterwards)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=500)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--repeat", type=int, default=5)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with transaction.atomic():
                self.run(options["people"], options["days"], options["repeat"])
                raise Rollback
        except Rollback:
            pass

    def run(self, people_count: int, days: int, repeat: int) -> None:
        rng = Spread()
        end = START + timedelta(days=days - 1)
        org = Organization.objects.create(
            name="Capacity benchmark", slug=f"capacity-benchmark-{secrets.token_hex(4)}"
        )
        people = Person.objects.bulk_create(
            Person(organization=org, full_name=f"Person {n}", email=f"p{n}@bench.test", is_employee=True)
            for n in range(people_count)
        )
        projects = Project.objects.bulk_create(
            Project(organization=org, name=f"Project {n}", start_date=START, end_date=end) for n in range(40)
        )
        patterns, time_off, assignments = [], [], []
        for person in people:
            if rng.chance(30):
                patterns.append(
                    WorkPattern(
                        organization=org,
                        person=person,
                        effective_from=START + timedelta(days=rng.below(days)),
                        friday_hours=Decimal(4),
                    )
                )
            for _ in range(3):
                first = START + timedelta(days=rng.below(days))
                time_off.append(
                    TimeOff(
                        organization=org,
                        person=person,
                        start_date=first,
                        end_date=first + timedelta(days=rng.below(10)),
                        hours_per_day=None if rng.chance(70) else Decimal(4),
                        status=TimeOff.Status.values[rng.below(3)],
                    )
                )
            for _ in range(2 + rng.below(2)):
                first = START + timedelta(days=rng.below(days))
                assignments.append(
                    Assignment(
                        organization=org,
                        project=projects[rng.below(len(projects))],
                        person=person,
                        start_date=first,
                        end_date=min(first + timedelta(days=30 + rng.below(170)), end),
                        hours_per_day=Decimal(2 + 2 * rng.below(4)),
                    )
                )
        WorkPattern.objects.bulk_create(patterns)
        TimeOff.objects.bulk_create(time_off)
        Assignment.objects.bulk_create(assignments)
        Holiday.objects.bulk_create(
            Holiday(organization=org, date=START + timedelta(days=rng.below(days)), name="Holiday")
            for _ in range(12)
        )
        with connection.cursor() as cursor:
            # As autovacuum would have by the time anyone asks: the planner sees the tables' real sizes.
            cursor.execute("ANALYZE")
        ids = [person.pk for person in people]
        quarter = START + timedelta(days=90)
        self.stdout.write(
            f"{people_count} people x {days} days: {len(assignments)} assignments, {len(time_off)} time off"
        )
        self.report("weeks_by_person, the period", repeat, lambda: weeks_by_person(org, ids, START, end))
        self.report("weeks_by_person, 13 weeks", repeat, lambda: weeks_by_person(org, ids, START, quarter))
        self.report("free_people, the period", repeat, lambda: free_people(org, START, end, Decimal(8)))
        self.report("free_people, 13 weeks", repeat, lambda: free_people(org, START, quarter, Decimal(8)))

    def report(self, name: str, repeat: int, measured: Any) -> None:
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            measured()
            times.append(time.perf_counter() - began)
        self.stdout.write(f"{name}: best {min(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms")
