import django.db.models.deletion
from django.db import migrations, models

from people.tenant_keys import tenant_key


class Migration(migrations.Migration):
    """The organization's audit trail; the people an entry names are of its organization (tenant keys)."""

    dependencies = [("people", "0004_accounts_round_three")]

    operations: list[migrations.operations.base.Operation] = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "action",
                    models.CharField(
                        choices=[
                            ("hubstaff_user_linked", "linked a Hubstaff user"),
                            ("hubstaff_user_unlinked", "removed a Hubstaff user's link"),
                        ],
                        max_length=40,
                    ),
                ),
                ("details", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.person",
                    ),
                ),
                (
                    "former_person",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.person",
                    ),
                ),
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
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="people.person",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(fields=["organization", "person"], name="audit_event_person"),
                    models.Index(fields=["organization", "former_person"], name="audit_event_former_person"),
                ],
            },
        ),
        tenant_key("people_auditevent", "actor_id", "people_person"),
        tenant_key("people_auditevent", "person_id", "people_person"),
        tenant_key("people_auditevent", "former_person_id", "people_person"),
    ]
