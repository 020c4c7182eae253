from django.db import migrations, models

STATUS_CHOICES = [
    ("queued", "on its way"),
    ("sent", "sent"),
    ("retrying", "could not be sent yet, we keep trying"),
    ("failed", "could not be sent"),
]


class Migration(migrations.Migration):
    dependencies = [("people", "0005_audit_trail")]

    # Invitations made before this field were e-mailed inside their request: "sent"; new ones start "queued".
    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="invitation",
            name="email_status",
            field=models.CharField(choices=STATUS_CHOICES, default="sent", max_length=10),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="email_status",
            field=models.CharField(choices=STATUS_CHOICES, default="queued", max_length=10),
        ),
    ]
