"""The queue filtered by target group: the scope index carries the group, and a partial index
(campaign, group, newest first) serves a province's and the nation's queue.

As in 0011, the wider scope index is built first under a name of its own, then the old one is
dropped and the new one takes its name: the drop locks the table against reads too, until the
migration commits a moment later (5.5 s for both indexes on a million initiatives, during which
writes wait and reads go on)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0012_queue_by_title'),
        ('quotas', '0003_unit_depth_path_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='initiative',
            index=models.Index(fields=['unit', 'phase', 'status'], include=('campaign', 'submitted_at', 'id', 'search_text', 'target_group'), name='initiative_scope_group'),
        ),
        migrations.AddIndex(
            model_name='initiative',
            index=models.Index(condition=models.Q(('target_group__in', ['union_officer', 'worker', 'civil_servant', 'public_employee', 'agriculture'])), fields=['campaign', 'target_group', '-submitted_at', '-id'], include=('status', 'unit'), name='initiative_campaign_group'),
        ),
        migrations.RemoveIndex(
            model_name='initiative',
            name='initiative_scope_covering',
        ),
        migrations.RenameIndex(
            model_name='initiative',
            new_name='initiative_scope_covering',
            old_name='initiative_scope_group',
        ),
    ]
