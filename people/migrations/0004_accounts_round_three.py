from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0003_invitations_signups_notifications")]

    operations: list[migrations.operations.base.Operation] = []
