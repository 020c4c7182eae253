from django.conf import settings
from django.db import models
from django.utils import timezone

from people.models import Organization, Person, TenantModel
from projects.models import Assignment, Project

# The longest note a person may type on a manual work log (it goes into every CSV export of the project).
NOTE_MAX_LENGTH = 2000


class WorkLog(TenantModel):
    """Time a person spent on a project on one date, typed in here or synced from a time tracker."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        HUBSTAFF = "hubstaff", "Hubstaff"

    # Keyed on PostgreSQL by (organization, project), (organization, person) and (organization, assignment)
    # together: see people/tenant_keys.py. No index of their own for organization and project: the indexes
    # below lead with them.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="worklogs", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="worklogs", db_constraint=False)
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worklogs",
        db_constraint=False,
    )
    date = models.DateField()
    duration_seconds = models.PositiveIntegerField()
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    # For synced logs: what it came from, so that a re-sync updates it in place.
    source_key = models.CharField(max_length=120, blank=True, default="")
    # For synced logs: the id of the project at the source (a Hubstaff project id), to trace many-to-one
    # links.
    source_project_id = models.BigIntegerField(null=True, blank=True)
    # Bounded for what people type (forms, API); synced notes are stored as Hubstaff sends them.
    note = models.TextField(blank=True, default="", max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not a column: set on a page's logs by worklogs.sources.name_sources.
    source_project_name: str

    class Meta:
        ordering = ["-date", "id"]
        indexes = [
            models.Index(fields=["project", "date"]),
            models.Index(fields=["organization", "person", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_seconds__gt=0), name="worklog_duration_positive"
            ),
            models.UniqueConstraint(
                fields=["project", "source", "source_key"],
                condition=~models.Q(source_key=""),
                name="worklog_source_key_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(source="manual") | ~models.Q(source_key=""),
                name="worklog_synced_has_source_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.project}, {self.date}: {self.duration_seconds // 60} min"

    @property
    def hours(self) -> float:
        return self.duration_seconds / 3600


class WeeklyTotal(TenantModel):
    """A project's work logs summed per person, source and week: derived data, written only by the triggers of
    worklogs/totals.py within each writing transaction, never from Python. A row exists while its project,
    person, source and week have a work log."""

    organization = models.ForeignKey(
        Organization, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    source = models.CharField(max_length=20)
    week = models.DateField(help_text="The Monday of the week.")
    logs = models.BigIntegerField()
    seconds = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organization", "week"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "project", "person", "source", "week"], name="weeklytotal_unique"
            ),
        ]


class WorkLogLock(TenantModel):
    """An organization's closed period: no work log dated on or before `locked_through` changes (worklogs/locks.py).

    One row per organization, locked (SELECT ... FOR UPDATE) by every change of the lock, so that two
    Administrators moving it at once are serialized; its history is the LockEvent rows.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    # None: nothing is locked (the lock was moved back past every date).
    locked_through = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Work logs of {self.organization_id} locked through {self.locked_through}"


class LockEvent(TenantModel):
    """One change of an organization's lock: who moved it, when, from where to where, and why (a move back)."""

    class Action(models.TextChoices):
        LOCK = "lock", "Locked"
        UNLOCK = "unlock", "Moved back"
        # "Accept" of a locked day's difference: unlocked for that day, Hubstaff's value applied, locked again.
        ACCEPT = "accept", "Accepted a difference"

    action = models.CharField(max_length=10, choices=Action.choices)
    previous = models.DateField(null=True, blank=True)
    locked_through = models.DateField(null=True, blank=True)
    # For an accept: the day unlocked and locked again.
    day = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    made_by_name = models.CharField(max_length=200, blank=True, default="")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-made_at", "-id"]
        indexes = [models.Index(fields=["organization", "-made_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.previous} -> {self.locked_through} by {self.made_by_name}"


class LockedDifference(TenantModel):
    """A day of the locked period where the time tracker now differs from the synced work log kept here ("Hubstaff
    now says 6 h for Sam on 14 Oct; Primetric keeps 8 h, locked"), recorded by the sync that found it instead of a
    change.

    One per project and source key: a later sync re-reading the day replaces it (or removes it when Hubstaff agrees
    again). An Administrator may accept it (integrations/services/locked.py: unlock the day, apply Hubstaff's value,
    lock again).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    # The sync run that found it (a SyncRun of integrations, an app above this one: its id only).
    run_id = models.BigIntegerField(null=True, blank=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # The person Hubstaff's time now goes to, when it is another one than the kept log's.
    hubstaff_person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    date = models.DateField()
    source_key = models.CharField(max_length=120)
    hubstaff_project_id = models.BigIntegerField(null=True, blank=True)
    # The kept work log (None: Hubstaff has time here where nothing is kept).
    worklog_id = models.BigIntegerField(null=True, blank=True)
    hubstaff_seconds = models.PositiveIntegerField()  # 0: Hubstaff has no time for it any more
    kept_seconds = models.PositiveIntegerField()  # 0: no work log is kept
    found_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "source_key"], name="worklog_locked_difference_unique")
        ]
        indexes = [models.Index(fields=["organization", "date"])]

    def __str__(self) -> str:
        return f"{self.source_key}: Hubstaff {self.hubstaff_seconds} s, kept {self.kept_seconds} s"


class AwaitingApproval(TenantModel):
    """Hours a time tracker has for a person's day on a project that are not synced yet, waiting for approval there
    (a project link with "Only Hubstaff-approved time": integrations/services/approvals.py). Shown apart from the
    work logs, never counted in them; a sync re-reading the day replaces its rows (or removes them once synced)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    date = models.DateField()
    seconds = models.PositiveIntegerField()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "person", "date"], name="worklog_awaiting_approval_unique"
            )
        ]
        indexes = [models.Index(fields=["organization", "date"], name="awaiting_approval_date")]

    def __str__(self) -> str:
        return f"{self.person} on {self.project}, {self.date}: {self.seconds} s awaiting approval"

    @property
    def hours(self) -> float:
        return self.seconds / 3600
