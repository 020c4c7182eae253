import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0014_reconciliation")]

    operations = [
        migrations.AddField(
            model_name="syncrun",
            name="applies_preview",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="integrations.syncrun",
            ),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="preview_fetch",
            field=models.CharField(
                blank=True,
                choices=[
                    ("used", "used: Hubstaff listed no change since"),
                    ("changed", "not used: Hubstaff listed changes since, so Hubstaff was read again"),
                    (
                        "unanswered",
                        "not used: Hubstaff refused to list changes since, so Hubstaff was read again",
                    ),
                    ("expired", "not used: it was over 10 minutes old, so Hubstaff was read again"),
                    (
                        "differs",
                        "not used: the project or its Integration settings changed since, so Hubstaff was read "
                        "again",
                    ),
                ],
                default="",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="rows_read_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
