"""Each index is written by every submission: those that others already cover go (campaign and
unit lead other indexes; the tracking code is looked up whole, never by prefix), and the
officer and reviewer columns, empty on most rows, are indexed only where set."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from quotas.migration_ops import drop_like_index


class Migration(migrations.Migration):

    dependencies = [
        ('initiatives', '0008_scope_and_campaign_indexes'),
        ('quotas', '0003_unit_depth_path_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='initiative',
            name='campaign',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='initiatives', to='quotas.campaign'),
        ),
        migrations.AlterField(
            model_name='initiative',
            name='entered_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người nhập hộ'),
        ),
        migrations.AlterField(
            model_name='initiative',
            name='unit',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='initiatives', to='quotas.unit', verbose_name='nơi công tác (CĐCS)'),
        ),
        migrations.AlterField(
            model_name='statuschange',
            name='by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='người thực hiện'),
        ),
        migrations.AddIndex(
            model_name='initiative',
            index=models.Index(condition=models.Q(('entered_by__isnull', False)), fields=['entered_by'], name='initiative_entered_by'),
        ),
        migrations.AddIndex(
            model_name='statuschange',
            index=models.Index(condition=models.Q(('by__isnull', False)), fields=['by'], name='statuschange_by'),
        ),
        drop_like_index("initiatives_initiative", "tracking_code"),
    ]
