from django.db import migrations, models

# Every Hubstaff user whose time was already synced keeps the person their latest synced work log points to, as a
# match made by e-mail (a match made by hand is there already and stays as it is): from the first sync on, an
# e-mail changed on either side loses none of the hours synced before. The source key is
# hubstaff:<Hubstaff project>:<Hubstaff user>:<date> (integrations/hubstaff/rules.py, source_key).
KEEP_SYNCED_MATCHES = """
INSERT INTO integrations_hubstaffuserlink
    (organization_id, hubstaff_user_id, hubstaff_user_name, hubstaff_user_email, made_by, person_id, created_at)
SELECT DISTINCT ON (organization_id, hubstaff_user_id)
    organization_id, hubstaff_user_id, '', '', 'email', person_id, now()
FROM (
    SELECT organization_id, split_part(source_key, ':', 3)::bigint AS hubstaff_user_id, person_id, date, id
    FROM worklogs_worklog
    WHERE source = 'hubstaff' AND source_key ~ '^hubstaff:[0-9]+:[0-9]{1,18}:'
) AS synced
ORDER BY organization_id, hubstaff_user_id, date DESC, id DESC
ON CONFLICT (organization_id, hubstaff_user_id) DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0012_sync_run_kept_fetch_in_checkpoint"),
        ("worklogs", "0004_weekly_totals"),
    ]

    operations = [
        migrations.AddField(
            model_name="hubstaffuserlink",
            name="hubstaff_user_email",
            field=models.CharField(blank=True, default="", max_length=254),
        ),
        migrations.AddField(
            model_name="hubstaffuserlink",
            name="made_by",
            field=models.CharField(
                choices=[("email", "e-mail"), ("hand", "by hand")], default="hand", max_length=5
            ),
        ),
        migrations.AddField(
            model_name="syncrun",
            name="kept_matches",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunSQL(KEEP_SYNCED_MATCHES, migrations.RunSQL.noop),
    ]
