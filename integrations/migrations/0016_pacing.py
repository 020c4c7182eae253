from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("integrations", "0015_preview_apply")]

    operations: list[migrations.operations.base.Operation] = []
