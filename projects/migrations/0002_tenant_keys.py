import django.db.models.deletion
from django.db import migrations, models

from people.tenant_keys import tenant_key, tenant_key_target


class Migration(migrations.Migration):
    """An assignment's project and person must be of its organization: on PostgreSQL, tenant keys take the place of
    Django's single-column keys; projects and assignments get the (organization_id, id) unique index the keys
    reference, in place of the index of organization_id alone (people/tenant_keys.py)."""

    dependencies = [
        ('people', '0002_tenant_keys'),
        ('projects', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='assignment',
            name='organization',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization'),
        ),
        migrations.AlterField(
            model_name='assignment',
            name='person',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='people.person'),
        ),
        migrations.AlterField(
            model_name='assignment',
            name='project',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='assignments', to='projects.project'),
        ),
        migrations.AlterField(
            model_name='project',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization'),
        ),
        tenant_key_target("projects_project"),
        tenant_key_target("projects_assignment"),
        tenant_key("projects_assignment", "project_id", "projects_project"),
        tenant_key("projects_assignment", "person_id", "people_person"),
    ]
