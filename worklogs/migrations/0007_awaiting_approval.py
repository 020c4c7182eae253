import django.db.models.deletion
from django.db import migrations, models

from people.tenant_keys import tenant_key


class Migration(migrations.Migration):
    """Hours waiting for approval in the time tracker, kept apart from the work logs; the person is the
    organization's own (a tenant key, people/tenant_keys.py)."""

    dependencies = [
        ("people", "0006_mail_limits"),
        ("projects", "0003_project_dates_in_range"),
        ("worklogs", "0006_locked_differences_in_worklogs"),
    ]

    operations = [
        migrations.CreateModel(
            name="AwaitingApproval",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField()),
                ("seconds", models.PositiveIntegerField()),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.organization",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.person",
                    ),
                ),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="projects.project"
                    ),
                ),
            ],
            options={
                "ordering": ["date", "id"],
                "indexes": [models.Index(fields=["organization", "date"], name="awaiting_approval_date")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "person", "date"), name="worklog_awaiting_approval_unique"
                    )
                ],
            },
        ),
        tenant_key("worklogs_awaitingapproval", "person_id", "people_person"),
    ]
