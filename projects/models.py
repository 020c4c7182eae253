from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from people.models import Organization, Person, TenantModel

# The dates a project may have. Hubstaff keeps three years of activities; a date far outside (a typo such as
# 0001-01-01) would make a sync ask for centuries of days and spend the organization's request budget.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"Enter a date between {EARLIEST_DATE:%d %b %Y} and {LATEST_DATE:%d %b %Y}."
PROJECT_DATE_VALIDATORS = [
    MinValueValidator(EARLIEST_DATE, message=DATE_RANGE_MESSAGE),
    MaxValueValidator(LATEST_DATE, message=DATE_RANGE_MESSAGE),
]


class Project(TenantModel):
    # Indexed by the (organization_id, id) unique index of the tenant keys (people/tenant_keys.py).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=200)
    start_date = models.DateField(validators=PROJECT_DATE_VALIDATORS)
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text="Leave empty for an open-ended project.",
        validators=PROJECT_DATE_VALIDATORS,
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["archived", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="project_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__gte=EARLIEST_DATE, start_date__lte=LATEST_DATE)
                & (models.Q(end_date__isnull=True) | models.Q(end_date__lte=LATEST_DATE)),
                name="project_dates_in_range",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})


class Assignment(TenantModel):
    """A person planned on a project from a start to an end date, so many hours a day."""

    class Origin(models.TextChoices):
        MANUAL = "manual", "Manual"
        SYNC = "sync", "Created by sync"

    # Keyed on PostgreSQL by (organization, project) and (organization, person) together, and indexed by the
    # (organization_id, id) unique index: see people/tenant_keys.py.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="assignments", db_constraint=False
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="assignments", db_constraint=False
    )
    start_date = models.DateField()
    end_date = models.DateField()
    hours_per_day = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("8"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
    )
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.MANUAL)
    # Created by a sync with "Trim assignments to work logs": it spans the first to the last synced work log.
    trimmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_date", "id"]
        indexes = [models.Index(fields=["project", "person"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="assignment_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(hours_per_day__gte=0) & models.Q(hours_per_day__lte=24),
                name="assignment_hours_per_day_range",
            ),
        ]

    def __str__(self):
        return f"{self.person} on {self.project} ({self.start_date} – {self.end_date})"

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The end date cannot be before the start date."})
