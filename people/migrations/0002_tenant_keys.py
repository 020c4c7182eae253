import django.db.models.deletion
from django.db import migrations, models

from people.tenant_keys import tenant_key_target


class Migration(migrations.Migration):
    """A person's (organization_id, id) is unique, for the tenant keys of assignments and work logs to reference;
    that index replaces the one of organization_id alone (people/tenant_keys.py)."""

    dependencies = [
        ('people', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='person',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization'),
        ),
        tenant_key_target("people_person"),
    ]
