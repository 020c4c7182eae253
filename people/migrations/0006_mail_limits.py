from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("people", "0005_audit_trail")]

    operations: list[migrations.operations.base.Operation] = []
