from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0004_accounts_round_three")]

    operations: list[migrations.operations.base.Operation] = []
