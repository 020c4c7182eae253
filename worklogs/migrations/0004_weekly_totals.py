import django.db.models.deletion
from django.db import migrations, models

from worklogs.totals import install_triggers


class Migration(migrations.Migration):
    """Work logs summed per project, person, source and week, kept by triggers (worklogs/totals.py) and
    counted from the existing logs here: the project page and the planning reports read them instead of
    aggregating every log."""

    dependencies = [
        ('people', '0002_tenant_keys'),
        ('projects', '0002_tenant_keys'),
        ('worklogs', '0003_note_max_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='WeeklyTotal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('source', models.CharField(max_length=20)),
                ('week', models.DateField(help_text='The Monday of the week.')),
                ('logs', models.BigIntegerField()),
                ('seconds', models.BigIntegerField()),
                ('organization', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='people.organization')),
                ('person', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='people.person')),
                ('project', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.project')),
            ],
            options={
                'indexes': [models.Index(fields=['organization', 'week'], name='worklogs_we_organiz_a8418b_idx')],
                'constraints': [models.UniqueConstraint(fields=('organization', 'project', 'person', 'source', 'week'), name='weeklytotal_unique')],
            },
        ),
        install_triggers(),
    ]
