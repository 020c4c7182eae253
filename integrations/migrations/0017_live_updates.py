from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0016_pacing")]

    operations: list[migrations.operations.base.Operation] = []
