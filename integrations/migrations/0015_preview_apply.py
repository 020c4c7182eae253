from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0014_reconciliation")]

    operations: list[migrations.operations.base.Operation] = []
