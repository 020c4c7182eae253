from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0013_kept_identities")]

    operations = [
        migrations.AddField(
            model_name="projectlink",
            name="next_reconcile_due_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="projectlink",
            name="reconcile_old_next",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="projectlink",
            name="reconcile_recent_next",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="projectlink",
            name="unavailable_listings",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="mode",
            field=models.CharField(
                choices=[
                    ("reset", "Reset and sync all work logs"),
                    ("incremental", "Sync changes"),
                    ("clear", "Clear data"),
                    ("preview", "Preview of Reset and sync all work logs"),
                    ("reconcile", "Reconciliation"),
                ],
                max_length=20,
            ),
        ),
    ]
