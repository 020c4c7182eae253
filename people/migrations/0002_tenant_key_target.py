from django.db import migrations

from people.tenant_keys import tenant_key_target


class Migration(migrations.Migration):
    """(id, organization_id) of a person is unique, for the tenant keys of assignments and work logs."""

    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        tenant_key_target("people_person"),
    ]
