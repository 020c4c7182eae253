"""Installations of providers, links of projects to them, and the record of every sync."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from people.models import TenantModel
from projects.models import Project

from .crypto import EncryptedTextField


class Installation(TenantModel):
    """An organization's connection to Hubstaff: the OAuth app's credentials and the tokens it was granted."""

    class Provider(models.TextChoices):
        HUBSTAFF = "hubstaff", "Hubstaff"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for authorization"
        INSTALLED = "installed", "Installed"
        NEEDS_REAUTHORIZATION = "needs_reauthorization", "Needs re-authorization"

    class LiveUpdates(models.TextChoices):
        OFF = "off", "Off"
        SUBSCRIBING = "subscribing", "Subscribing"
        ON = "on", "On"

    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.HUBSTAFF)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.PENDING)
    status_reason = models.TextField(blank=True, default="")
    client_id = models.CharField(max_length=200, blank=True, default="")
    client_secret = EncryptedTextField(blank=True, default="")
    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=300, blank=True, default="")
    # What /users/me and /organizations answered at install time (hubstaff/mapping.py's shapes).
    account = models.JSONField(default=dict, blank=True)
    hubstaff_organizations = models.JSONField(default=list, blank=True)
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    installed_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    # Set when Hubstaff answered 429: every client of this installation waits until then.
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    # The request budget every client of this installation draws from (hubstaff/budget.py).
    budget_window_started_at = models.DateTimeField(null=True, blank=True)
    budget_used = models.PositiveIntegerField(default=0)
    # What Hubstaff was seen to allow a window when it answered 429 before the budget was spent: the budget keeps
    # to it, probing a tenth higher after each window used in full without a 429 (hubstaff/budget.py).
    budget_learned = models.PositiveIntegerField(null=True, blank=True)
    # Live updates (services/live.py): Hubstaff's webhooks post to SITE_URL/hooks/hubstaff/<key>/; only the key's
    # SHA-256 is kept, to find the installation by. While a webhook waits for its verification POST
    # (`hook_verification_until`), the secret that POST carries is kept in `hook_pending_secret` for the activation.
    live_updates = models.CharField(max_length=20, choices=LiveUpdates.choices, default=LiveUpdates.OFF)
    live_updates_reason = models.TextField(blank=True, default="")
    hook_key_digest = models.CharField(max_length=64, blank=True, default="")
    hook_verification_until = models.DateTimeField(null=True, blank=True)
    hook_pending_secret = EncryptedTextField(blank=True, default="")
    last_event_at = models.DateTimeField(null=True, blank=True)
    # When the hourly fallback (live.check_hourly) last asked Hubstaff what changed: while live updates are off,
    # the panel's "off: checked hourly".
    live_checked_at = models.DateTimeField(null=True, blank=True)
    # Time off, holidays and expected weekly hours taken from Hubstaff into capacity (services/availability.py).
    import_availability = models.BooleanField("Take time off and holidays from Hubstaff", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "provider"], name="installation_one_per_provider"
            ),
            models.UniqueConstraint(
                fields=["hook_key_digest"],
                condition=~models.Q(hook_key_digest=""),
                name="installation_hook_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} for {self.organization_id} ({self.status})"

    @property
    def is_installed(self) -> bool:
        """Properly installed: authorized, and Hubstaff accepts the authorization, so syncs can run."""
        return self.status == self.Status.INSTALLED

    @property
    def needs_reauthorization(self) -> bool:
        return self.status == self.Status.NEEDS_REAUTHORIZATION

    @property
    def was_installed(self) -> bool:
        """Installed, now or until Hubstaff refused the authorization: past the first authorization."""
        return self.is_installed or self.needs_reauthorization


class HubstaffProject(TenantModel):
    """A Hubstaff project the installation reaches, cached for the Select projects field."""

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="hubstaff_projects")
    hubstaff_id = models.BigIntegerField()
    name = models.CharField(max_length=300)
    status = models.CharField(max_length=30, blank=True, default="")
    hubstaff_organization_id = models.BigIntegerField()
    hubstaff_organization_name = models.CharField(max_length=300, blank=True, default="")
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["hubstaff_organization_name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["installation", "hubstaff_id"], name="hubstaff_project_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hubstaff_organization_name})"


class ProjectLink(TenantModel):
    """A project's Integration settings for Hubstaff: which Hubstaff projects feed it, and how."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="hubstaff_link")
    enabled = models.BooleanField("Hubstaff", default=False)
    hubstaff_project_ids = models.JSONField(default=list, blank=True)
    prevent_new_assignments = models.BooleanField("Prevent new assignment creation", default=False)
    trim_assignments = models.BooleanField("Trim assignments to work logs", default=False)
    # Hubstaff counts a work break's seconds inside `tracked`; counting them keeps our totals equal to
    # Hubstaff's (docs/hubstaff.md, "Work breaks").
    count_work_breaks = models.BooleanField("Count work breaks as work", default=True)
    # A day's hours are synced only while the Hubstaff timesheet covering it is approved (services/approvals.py).
    approved_time_only = models.BooleanField("Only Hubstaff-approved time", default=False)
    # IANA name of the Hubstaff organization's time zone (Hubstaff dates its rows by it but does not publish
    # it); blank: the installing account's time zone, else UTC. Gives the sync its "today", floor and reach.
    hubstaff_time_zone = models.CharField(
        "Hubstaff organization time zone", max_length=64, blank=True, default=""
    )
    # Start of the last successful sync: the next incremental sync asks Hubstaff what changed since then.
    synced_through = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # When the scheduler next syncs it; spread over the day so that projects do not all sync at once.
    next_sync_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The reconciliation sweep (services/reconcile.py): when it next re-reads a slice of the project's history
    # (a daily slot of its own, half a day from the sync's), and the next date it re-reads in each of its two
    # lanes (the recent days, the older months); None: the lane starts again from its oldest date.
    next_reconcile_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reconcile_recent_next = models.DateField(null=True, blank=True)
    reconcile_old_next = models.DateField(null=True, blank=True)
    # Hubstaff's optional change listings that refused this link's last sync ({"time_edit_logs": reason, ...}):
    # the sync re-read a wider window instead, and the panel says so until the listing answers again.
    unavailable_listings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What a manager edits in Integration settings: the panel's form, the API's serializer and the admin are made
    # from these fields; `services.links.clean_settings` checks them and `update_link` saves them.
    SETTINGS = (
        "enabled",
        "hubstaff_project_ids",
        "prevent_new_assignments",
        "trim_assignments",
        "count_work_breaks",
        "approved_time_only",
        "hubstaff_time_zone",
    )

    def __str__(self) -> str:
        return f"Hubstaff link of {self.project_id}"


class LinkedHubstaffProject(TenantModel):
    """A Hubstaff project selected by a project's link: one project of an organization at a time.

    Kept in step with `ProjectLink.hubstaff_project_ids` by `services.links.update_link`, in its transaction;
    the unique constraint is what refuses a second link, also when two saves race (a JSON list cannot carry it).
    """

    link = models.ForeignKey(ProjectLink, on_delete=models.CASCADE, related_name="linked_hubstaff_projects")
    hubstaff_project_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "hubstaff_project_id"], name="hubstaff_project_linked_once"
            )
        ]

    def __str__(self) -> str:
        return f"Hubstaff project {self.hubstaff_project_id} linked by {self.link_id}"


class SyncRun(TenantModel):
    """One sync (or clear) of a project: what was asked, how far it got, and what it did."""

    class Mode(models.TextChoices):
        RESET = "reset", "Reset and sync all work logs"
        INCREMENTAL = "incremental", "Sync changes"
        CLEAR = "clear", "Clear data"
        # A reset's fetch and plan with nothing written: what a reset would change, in `preview`.
        PREVIEW = "preview", "Preview of Reset and sync all work logs"
        # A slice of the project's history re-read and compared again (services/reconcile.py), whatever
        # Hubstaff's change listings say; it leaves `synced_through` where the daily sync put it.
        RECONCILE = "reconcile", "Reconciliation"
        # A committed run taken back (services/undo.py): the rows it changed restored as they were before it.
        UNDO = "undo", "Undo"

    class Trigger(models.TextChoices):
        MANUAL = "manual", "Manual"
        SCHEDULE = "schedule", "Schedule"
        API = "api", "API"
        HUBSTAFF_EVENT = "hubstaff_event", "Hubstaff event"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class PreviewFetch(models.TextChoices):
        """What an Apply did with the preview's kept fetch; shown as "The preview read at 14:02 was <label>."."""

        USED = "used", "used: Hubstaff listed no change since"
        CHANGED = "changed", "not used: Hubstaff listed changes since, so Hubstaff was read again"
        UNANSWERED = (
            "unanswered",
            "not used: Hubstaff refused to list changes since, so Hubstaff was read again",
        )
        EXPIRED = "expired", "not used: it was over 10 minutes old, so Hubstaff was read again"
        DIFFERS = (
            "differs",
            ("not used: the project or its Integration settings changed since, so Hubstaff was read again"),
        )

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    # Not a column: set by services.runs.request_sync on the run it returns, True when the request joined a run
    # already queued or running (the caller says "already running" rather than "started").
    joined: bool = False

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sync_runs")
    mode = models.CharField(max_length=20, choices=Mode.choices)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    window_start = models.DateField(null=True, blank=True)
    # The first date this run read from Hubstaff (a reset: the later of the window's start and Hubstaff's
    # 3-year floor; older logs stay as they are). None when it read nothing by date.
    reread_from = models.DateField(null=True, blank=True)
    window_end = models.DateField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    progress_label = models.CharField(max_length=200, blank=True, default="")
    worklogs_created = models.PositiveIntegerField(default=0)
    worklogs_updated = models.PositiveIntegerField(default=0)
    worklogs_deleted = models.PositiveIntegerField(default=0)
    assignments_created = models.PositiveIntegerField(default=0)
    assignments_stretched = models.PositiveIntegerField(default=0)
    requests_made = models.PositiveIntegerField(default=0)
    # [{"hubstaff_user_id", "name", "email", "seconds"}] and [{"person_id", "name", "email", "seconds"}]
    missing_teammates = models.JSONField(default=list, blank=True)
    # With "Only Hubstaff-approved time": {"seconds", "people": [{"name", "email", "seconds"}], "withdrawn_days"}
    # of what waits for approval in Hubstaff (services/approvals.py); {} otherwise.
    awaiting_approval = models.JSONField(default=dict, blank=True)
    skipped_people = models.JSONField(default=list, blank=True)
    # Hubstaff users whose time went to a person their e-mail does not give (any more), by a kept match:
    # [{"hubstaff_user_id", "name", "email", "person_id", "person_name", "seconds", "reason"}] (services/apply.py).
    kept_matches = models.JSONField(default=list, blank=True)
    seconds_not_synced = models.PositiveBigIntegerField(default=0)
    # A preview's detail (services.preview.PreviewReport): work logs created / updated / deleted per person, the
    # assignments it would create or stretch. The counts above are what a reset would make; nothing was written.
    preview = models.JSONField(default=dict, blank=True)
    # A reset queued by a preview's Apply: that preview, and what became of its kept fetch (services/checkpoint.py:
    # take_preview). Any other reset reads Hubstaff itself.
    applies_preview = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    preview_fetch = models.CharField(max_length=20, choices=PreviewFetch.choices, blank=True, default="")
    # When the rows this run applied began to be read from Hubstaff, when not by its own last attempt: by the preview
    # it applied (`preview_fetch` "used"), or by its earlier attempts (resumed from its checkpoint). A preview's:
    # when it began reading (its Apply says so).
    rows_read_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    # Times the run was taken over because its worker died (see services.runs: claim, recover_runs).
    takeovers = models.PositiveSmallIntegerField(default=0)
    # What the first attempt decided to fetch (mode, start, window, spans, sources), so that an attempt after a
    # retry or a worker's death fetches the same dates and resumes from the checkpoint (services/checkpoint.py).
    fetch_plan = models.JSONField(default=dict, blank=True)
    # While Hubstaff paces the run (429s, the request budget): since when no page has been read, and the pages read
    # by then; a run that reads nothing for HUBSTAFF_NO_PROGRESS_SECONDS fails (services/waiting.py).
    stalled_since = models.DateTimeField(null=True, blank=True)
    stalled_at_pages = models.PositiveIntegerField(default=0)
    # The worker holding the run: set when it claims the run; its heartbeats and its finish count only while
    # they still match (a worker whose lease expired and was taken over writes nothing). See services.runs.
    lease_id = models.CharField(max_length=32, blank=True, default="")
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Running: the lease's last renewal (it expires runs.lease_length() later). Queued: when a worker is due to
    # take it (when queued, or when its retry is due); long past that, its message is taken as lost.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A run queued by Hubstaff's events (trigger "hubstaff_event"): the days, in the Hubstaff organization's
    # time zone, their time was tracked on (ISO dates). Its fetch re-reads these days only (sync.ProjectSync._plan).
    event_days = models.JSONField(default=list, blank=True)
    # Work logs of the organization's locked period (worklogs/locks.py) this run left alone: a sync's differences
    # with Hubstaff (LockedDifference rows), a reset's or a clear's logs it did not delete, an undo's rows not
    # restored.
    locked_kept = models.PositiveIntegerField(default=0)
    # An undo run: the run it took back (services/undo.py), and the rows it could not restore (conflicts: changed
    # since by a later run or a person, or locked), [{"kind", "id", "person_id", "date", "reason"}].
    undoes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undone_by"
    )
    undo_conflicts = models.JSONField(default=list, blank=True)
    # A Clear data of one person's work logs (its date range, if any, is window_start..window_end).
    cleared_person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-queued_at"]),
            # /metrics reads the runs of the last day and hour across every tenant at each scrape
            # (primetric/metrics.py), and the table keeps every run ever made.
            models.Index(fields=["queued_at"], name="sync_run_queued_at"),
            models.Index(fields=["started_at"], name="sync_run_started_at"),
            models.Index(fields=["finished_at"], name="sync_run_finished_at"),
        ]
        constraints = [
            # At most one sync of a project at a time, enforced by the database.
            models.UniqueConstraint(
                fields=["project"],
                condition=models.Q(status__in=["queued", "running"]),
                name="sync_run_one_active_per_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} of {self.project_id}: {self.status}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_done / self.progress_total))


class FetchCheckpoint(models.Model):
    """One fetch window a sync run has read in full from Hubstaff, with its rows (services/checkpoint.py).

    The row is the checkpoint: a window is fetched if and only if its row exists, and its activities are in it,
    written in one statement. A logged table, so that it survives a worker's death and a database restart. Deleted
    when the run finishes (succeeded or failed), and with the run; a succeeded preview keeps its rows a few
    minutes for a reset to take over.
    """

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="checkpoints")
    hubstaff_organization_id = models.BigIntegerField()
    window_start = models.DateField()
    window_end = models.DateField()
    pages = models.PositiveIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    # The window's activities of the run's Hubstaff projects, packed as staging.py keeps them.
    rows = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["run", "hubstaff_organization_id", "window_start", "window_end"],
                name="fetch_checkpoint_unique_window",
            )
        ]

    def __str__(self) -> str:
        return f"Run {self.run_id}: {self.window_start}..{self.window_end} of {self.hubstaff_organization_id}"


class NotificationState(TenantModel):
    """What we last e-mailed about one subject (an installation, a project), per kind of notification.

    A notification goes out when the state changes, never twice for the same state: integrations/notifications.py.
    """

    kind = models.CharField(max_length=40)
    subject_id = models.PositiveBigIntegerField()
    # "needs_reauthorization" / "ok", "failing" / "ok", or the sorted keys of the missing teammates reported.
    state = models.JSONField(default=str)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_id"], name="notification_state_one_per_subject")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.subject_id}: {self.state}"


class HubstaffUserLink(TenantModel):
    """A kept match: a Hubstaff user taken as a person of the organization whatever their e-mails say now.

    Made by hand by a Manager from the missing teammates ("This is ..."), or by e-mail: kept by the first sync that
    committed work logs of an e-mail match (services/user_links.py), so that an e-mail changed later on either side
    loses no hours. Every later sync maps the user's time to the person before matching by e-mail
    (`rules.match_people`). The person is of the same organization (a tenant key on PostgreSQL, see
    people/tenant_keys.py); the link goes with the person.
    """

    class MadeBy(models.TextChoices):
        EMAIL = "email", "e-mail"
        HAND = "hand", "by hand"

    hubstaff_user_id = models.BigIntegerField()
    # The user's name in Hubstaff when linked, for the person's page (Hubstaff is not asked again to show it).
    hubstaff_user_name = models.CharField(max_length=300, blank=True, default="")
    # The e-mail that matched, for a match made by e-mail.
    hubstaff_user_email = models.CharField(max_length=254, blank=True, default="")
    made_by = models.CharField(max_length=5, choices=MadeBy.choices, default=MadeBy.HAND)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="hubstaff_user_links", db_constraint=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["hubstaff_user_name", "hubstaff_user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "hubstaff_user_id"], name="hubstaff_user_linked_once"
            )
        ]

    def __str__(self) -> str:
        return f"Hubstaff user {self.hubstaff_user_id} is person {self.person_id}"


class HubstaffWebhook(TenantModel):
    """A webhook Hubstaff keeps for an installation (one per Hubstaff organization): its id and its secret.

    Deliveries are signed with the secret; `active` once Hubstaff accepted the activation (services/live.py).
    """

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="webhooks")
    hubstaff_webhook_id = models.CharField(max_length=100)  # Hubstaff's id, a number or a text
    hubstaff_organization_id = models.BigIntegerField()
    secret = EncryptedTextField(blank=True, default="")
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Hubstaff webhook {self.hubstaff_webhook_id} of {self.installation_id}"


class HubstaffEvent(TenantModel):
    """An event Hubstaff delivered, by its id: a repeated delivery finds its row and does nothing.

    Kept a few days (services/live.py: purge_events), longer than Hubstaff is seen to repeat a delivery.
    """

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=100)
    event = models.CharField(max_length=60)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "event_id"], name="hubstaff_event_seen_once")
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id}"


class LedgerEntry(TenantModel):
    """What one committing run changed in one batch of days, packed (services/ledger.py): the work logs it created
    (ids), updated (with the values before) and deleted (with their content), the assignments it created or
    stretched (with the span before). Written in the run's own transaction, so a rolled-back run leaves none;
    undo (services/undo.py) reads it back. Purged after SYNC_LEDGER_RETENTION_DAYS.
    """

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="ledger")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", db_index=False)
    seq = models.PositiveIntegerField()
    changes = models.PositiveIntegerField(default=0)
    # zlib of a JSON document of columns (services/ledger.py: pack / unpack).
    payload = models.BinaryField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="ledger_entry_unique_seq")]

    def __str__(self) -> str:
        return f"Ledger of run {self.run_id}, part {self.seq}: {self.changes} changes"


class AvailabilityImport(TenantModel):
    """One taking of time off, holidays and expected weekly hours from Hubstaff (services/availability.py): what it
    changed in capacity, the requests it made, or why it failed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    installation = models.ForeignKey(
        Installation, on_delete=models.CASCADE, related_name="availability_imports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"time_off_added", "time_off_updated", "time_off_removed", "pending", "holidays_added", "holidays_updated",
    #  "holidays_removed", "patterns_set", "people_not_matched"}
    counts = models.JSONField(default=dict, blank=True)
    requests_made = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organization", "-started_at"], name="availability_import_recent")]

    def __str__(self) -> str:
        return f"Time off from Hubstaff for {self.organization_id} ({self.status})"
