from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0017_live_updates")]

    operations: list[migrations.operations.base.Operation] = []
