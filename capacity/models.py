"""Who can work how much: working hours, time off and holidays (docs/planning.md).

A person's working hours on a day come from the latest `WorkPattern` in force that day, or the organization's
default week (`CapacitySettings`) where they have none. Approved `TimeOff` and the organization's `Holiday`s take
hours away; capacity/availability.py does the arithmetic.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from people.models import Organization, Person, TenantModel
from projects.models import PROJECT_DATE_VALIDATORS

# The weekday columns of a weekly pattern, Monday first (date.weekday() indexes them).
WEEKDAY_FIELDS = (
    "monday_hours",
    "tuesday_hours",
    "wednesday_hours",
    "thursday_hours",
    "friday_hours",
    "saturday_hours",
    "sunday_hours",
)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# 8 h Monday to Friday: an organization's week until an Administrator or Manager says otherwise.
DEFAULT_WEEK = (Decimal(8), Decimal(8), Decimal(8), Decimal(8), Decimal(8), Decimal(0), Decimal(0))
DEFAULT_UNDERUSED_HOURS = Decimal(8)

HOUR_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))]


def hours_field(default: Decimal, verbose_name: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        verbose_name, max_digits=4, decimal_places=2, default=default, validators=HOUR_VALIDATORS
    )


class Source(models.TextChoices):
    """Who keeps a row: a person here, or the Hubstaff sync (read-only here)."""

    MANUAL = "manual", "Entered here"
    HUBSTAFF = "hubstaff", "Hubstaff"


class WeeklyHours(models.Model):
    """Hours a day for each weekday, Monday to Sunday."""

    monday_hours = hours_field(DEFAULT_WEEK[0], "Monday")
    tuesday_hours = hours_field(DEFAULT_WEEK[1], "Tuesday")
    wednesday_hours = hours_field(DEFAULT_WEEK[2], "Wednesday")
    thursday_hours = hours_field(DEFAULT_WEEK[3], "Thursday")
    friday_hours = hours_field(DEFAULT_WEEK[4], "Friday")
    saturday_hours = hours_field(DEFAULT_WEEK[5], "Saturday")
    sunday_hours = hours_field(DEFAULT_WEEK[6], "Sunday")

    class Meta:
        abstract = True

    @property
    def week(self) -> tuple[Decimal, ...]:
        """The seven days' hours, Monday first."""
        return tuple(Decimal(getattr(self, field)) for field in WEEKDAY_FIELDS)

    @property
    def hours_per_week(self) -> Decimal:
        return sum(self.week, Decimal(0))


class CapacitySettings(TenantModel, WeeklyHours):
    """An organization's capacity rules: the default working week, and who may ask for time off.

    At most one row per organization; `settings_for` reads it (unsaved defaults where there is none yet).
    """

    employees_request_time_off = models.BooleanField(
        "Employees may request time off",
        default=True,
        help_text="Their requests wait for a Manager's approval before they count.",
    )
    underused_hours_per_week = models.DecimalField(
        "Under-used below",
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_UNDERUSED_HOURS,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("168"))],
        help_text="A week is under-used when its planned hours are this much below the hours available.",
    )

    class Meta:
        verbose_name_plural = "capacity settings"
        constraints = [models.UniqueConstraint(fields=["organization"], name="capacity_settings_one_per_org")]

    def __str__(self) -> str:
        return f"Capacity settings of organization {self.organization_id}"


def settings_for(organization: Organization | int) -> CapacitySettings:
    """The organization's capacity settings; the defaults (not saved) if nobody has changed them."""
    found = CapacitySettings.objects.for_org(organization).first()
    if found is not None:
        return found
    if isinstance(organization, Organization):
        return CapacitySettings(organization=organization)
    return CapacitySettings(organization_id=organization)


class WorkPattern(TenantModel, WeeklyHours):
    """A person's working hours from a date on: in force until their next pattern's `effective_from`.

    A contract going part-time in March gets a pattern effective from March 1st; February keeps the earlier one.
    """

    # Keyed on PostgreSQL by (organization, person) together, and indexed by the index below: see
    # people/tenant_keys.py.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="work_patterns", db_constraint=False, db_index=False
    )
    effective_from = models.DateField("From", validators=PROJECT_DATE_VALIDATORS)
    # A Hubstaff `expected_per_week` fills in hours where nobody here has set any; it never replaces a manual one.
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["person", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "person", "effective_from"], name="work_pattern_one_per_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} from {self.effective_from}: {self.hours_per_week} h a week"


class TimeOff(TenantModel):
    """A person away from a start to an end date (both included), all day or some hours a day.

    Only approved time off takes hours away; pending requests are shown, denied ones only kept for the record.
    """

    class Kind(models.TextChoices):
        VACATION = "vacation", "Vacation"
        SICK = "sick", "Sick leave"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    # Keyed on PostgreSQL by (organization, person), (organization, requested_by) and (organization, decided_by):
    # see people/tenant_keys.py. The index below leads with organization and person.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="time_off", db_constraint=False, db_index=False
    )
    start_date = models.DateField("From", validators=PROJECT_DATE_VALIDATORS)
    end_date = models.DateField("To", validators=PROJECT_DATE_VALIDATORS)
    hours_per_day = models.DecimalField(
        "Hours a day",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("24"))],
        help_text="Leave empty for whole days.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.VACATION)
    note = models.TextField(blank=True, default="", max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # The Hubstaff time off request it mirrors: a later sync updates the row in place, or deletes it.
    hubstaff_id = models.BigIntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    decided_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "id"]
        verbose_name_plural = "time off"
        indexes = [models.Index(fields=["organization", "person", "start_date"], name="time_off_person")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="time_off_end_not_before_start"
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_day__isnull=True)
                | models.Q(hours_per_day__gt=0, hours_per_day__lte=24),
                name="time_off_hours_per_day_range",
            ),
            models.UniqueConstraint(
                fields=["organization", "hubstaff_id"],
                condition=models.Q(hubstaff_id__isnull=False),
                name="time_off_hubstaff_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display()} {self.start_date} – {self.end_date}"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})

    @property
    def is_all_day(self) -> bool:
        return self.hours_per_day is None

    @property
    def is_read_only(self) -> bool:
        """Time off from Hubstaff is changed in Hubstaff; the next sync brings the change."""
        return self.source == Source.HUBSTAFF

    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Holiday(TenantModel):
    """A public holiday of the organization: nobody works that day (a holiday on a weekend changes nothing)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    date = models.DateField(validators=PROJECT_DATE_VALIDATORS)
    name = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # The Hubstaff holiday it mirrors, for the sync to update or delete it.
    hubstaff_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["organization", "date"], name="holiday_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "hubstaff_id"],
                condition=models.Q(hubstaff_id__isnull=False),
                name="holiday_hubstaff_id_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"

    @property
    def is_read_only(self) -> bool:
        return self.source == Source.HUBSTAFF
