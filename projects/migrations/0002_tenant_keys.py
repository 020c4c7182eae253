import django.db.models.deletion
from django.db import migrations, models

from people.tenant_keys import tenant_key, tenant_key_target


class Migration(migrations.Migration):
    """An assignment's project and person must be of its organization: Django's single-column keys give way to
    tenant keys on PostgreSQL (people/tenant_keys.py)."""

    dependencies = [
        ('people', '0002_tenant_key_target'),
        ('projects', '0001_initial'),
    ]

    operations = [
        tenant_key_target("projects_project"),
        tenant_key_target("projects_assignment"),
        migrations.AlterField(
            model_name='assignment',
            name='organization',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization'),
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
        tenant_key("projects_assignment", "project_id", "projects_project"),
        tenant_key("projects_assignment", "person_id", "people_person"),
    ]
