from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0015_preview_apply")]

    operations = [
        migrations.AddField(
            model_name="installation",
            name="budget_learned",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="stalled_at_pages",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="stalled_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
