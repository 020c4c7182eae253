import django.db.models.deletion
import django.utils.timezone
import integrations.crypto
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0016_pacing"),
        ("people", "0006_mail_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HubstaffEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_id", models.CharField(max_length=100)),
                ("event", models.CharField(max_length=60)),
                ("received_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="HubstaffWebhook",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hubstaff_webhook_id", models.CharField(max_length=100)),
                ("hubstaff_organization_id", models.BigIntegerField()),
                ("secret", integrations.crypto.EncryptedTextField(blank=True, default="")),
                ("active", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="installation",
            name="hook_key_digest",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="installation",
            name="hook_pending_secret",
            field=integrations.crypto.EncryptedTextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="installation",
            name="hook_verification_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="installation",
            name="last_event_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="installation",
            name="live_updates",
            field=models.CharField(
                choices=[("off", "Off"), ("subscribing", "Subscribing"), ("on", "On")],
                default="off",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="installation",
            name="live_updates_reason",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="event_days",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="syncrun",
            name="trigger",
            field=models.CharField(
                choices=[
                    ("manual", "Manual"),
                    ("schedule", "Schedule"),
                    ("api", "API"),
                    ("hubstaff_event", "Hubstaff event"),
                ],
                default="manual",
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="installation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("hook_key_digest", ""), _negated=True),
                fields=("hook_key_digest",),
                name="installation_hook_key_unique",
            ),
        ),
        migrations.AddField(
            model_name="hubstaffevent",
            name="installation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="integrations.installation"
            ),
        ),
        migrations.AddField(
            model_name="hubstaffevent",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.organization"
            ),
        ),
        migrations.AddField(
            model_name="hubstaffwebhook",
            name="installation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="webhooks",
                to="integrations.installation",
            ),
        ),
        migrations.AddField(
            model_name="hubstaffwebhook",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="people.organization"
            ),
        ),
        migrations.AddConstraint(
            model_name="hubstaffevent",
            constraint=models.UniqueConstraint(
                fields=("installation", "event_id"), name="hubstaff_event_seen_once"
            ),
        ),
    ]
