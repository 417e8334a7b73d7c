"""The scope index carries the search text too: a district's search reads the index alone instead
of visiting each of its initiatives' rows (bench/run.py, a district of 1,061 unions: 67 → 5 ms).

The new index is built first under a name of its own (about 2 s on a million initiatives, during
which writes wait and reads go on), then the old one is dropped and the new one takes its name:
the drop locks the table against reads too, until the migration commits a moment later."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0010_vacuum_after_surges'),
        ('quotas', '0003_unit_depth_path_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='initiative',
            index=models.Index(fields=['unit', 'phase', 'status'], include=('campaign', 'submitted_at', 'id', 'search_text'), name='initiative_scope_search'),
        ),
        migrations.RemoveIndex(
            model_name='initiative',
            name='initiative_scope_covering',
        ),
        migrations.RenameIndex(
            model_name='initiative',
            new_name='initiative_scope_covering',
            old_name='initiative_scope_search',
        ),
    ]
