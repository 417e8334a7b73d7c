"""What a change of a campaign or a phase invalidates."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from quotas.models import Campaign, Phase
from quotas.selectors import forget_current_campaign


@receiver([post_save, post_delete], sender=Campaign)
@receiver([post_save, post_delete], sender=Phase)
def campaign_changed(sender, **kwargs):
    forget_current_campaign()
