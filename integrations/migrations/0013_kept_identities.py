from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0012_sync_run_kept_fetch_in_checkpoint")]

    operations: list[migrations.operations.base.Operation] = []
