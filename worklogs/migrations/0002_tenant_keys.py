import django.db.models.deletion
from django.db import migrations, models

from people.tenant_keys import tenant_key


class Migration(migrations.Migration):
    """A work log's project, person and assignment must be of its organization: on PostgreSQL, tenant keys take the
    place of Django's single-column keys (people/tenant_keys.py); the indexes of organization_id and project_id
    alone go, as the (organization, person, date) and (project, date) indexes lead with them."""

    dependencies = [
        ('people', '0002_tenant_keys'),
        ('projects', '0002_tenant_keys'),
        ('worklogs', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='worklog',
            name='assignment',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='worklogs', to='projects.assignment'),
        ),
        migrations.AlterField(
            model_name='worklog',
            name='organization',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.organization'),
        ),
        migrations.AlterField(
            model_name='worklog',
            name='person',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='worklogs', to='people.person'),
        ),
        migrations.AlterField(
            model_name='worklog',
            name='project',
            field=models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='worklogs', to='projects.project'),
        ),
        tenant_key("worklogs_worklog", "project_id", "projects_project"),
        tenant_key("worklogs_worklog", "person_id", "people_person"),
        tenant_key("worklogs_worklog", "assignment_id", "projects_assignment"),
    ]
