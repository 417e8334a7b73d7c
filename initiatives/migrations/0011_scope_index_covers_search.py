"""The scope index carries the search text too: a district's search reads the index alone instead
of visiting each of its initiatives' rows (bench/run.py, a district of 1,061 unions: 67 → 5 ms).

Rebuilt in place: on a million initiatives the new index takes about 2 s to build, during which
submissions wait (the table is locked against writes, not reads)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0010_vacuum_after_surges'),
        ('quotas', '0003_unit_depth_path_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='initiative',
            name='initiative_scope_covering',
        ),
        migrations.AddIndex(
            model_name='initiative',
            index=models.Index(fields=['unit', 'phase', 'status'], include=('campaign', 'submitted_at', 'id', 'search_text'), name='initiative_scope_covering'),
        ),
    ]
