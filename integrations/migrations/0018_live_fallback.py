from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("integrations", "0017_live_updates")]

    operations = [
        migrations.AddField(
            model_name="installation",
            name="live_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
