from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0013_kept_identities")]

    operations: list[migrations.operations.base.Operation] = []
