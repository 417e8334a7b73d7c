"""Reads of units and campaigns for pages."""

from django.conf import settings

from quotas.allocation import subtree_targets
from quotas.models import Campaign, Unit


def current_campaign() -> Campaign | None:
    """The open campaign that started last, or else the last campaign of all."""
    campaigns = Campaign.objects.select_related("root").order_by("-application_start", "-pk")
    return campaigns.filter(is_open=True).first() or campaigns.first()


def home_summary() -> dict:
    campaign = current_campaign()
    if campaign is None:
        return {"campaign": None}
    unit = Unit.objects.filter(code=settings.HOME_UNIT_CODE).first() or campaign.root
    phases = list(campaign.phases.order_by("number"))
    targets = subtree_targets(unit, campaign)
    return {
        "campaign": campaign,
        "phases": [(phase, targets.get(phase.number, 0)) for phase in phases],
        "target_unit": unit,
        "target_total": sum(targets.values()),
    }
