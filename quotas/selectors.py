"""Reads of units and campaigns for pages."""

from django.conf import settings
from django.db.models import Q

from quotas.allocation import subtree_targets
from quotas.models import Campaign, Level, Membership, Unit


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


def units_visible_to(user, roles=None):
    """Units whose data `user` may see: the subtrees of the units they are attached to
    (in one of `roles`, if given). An admin sees every unit; anyone else, none."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    memberships = Membership.objects.filter(user=user).select_related("unit")
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    prefixes = {m.unit.path for m in memberships}
    if not prefixes:
        return Unit.objects.none()
    condition = Q()
    for prefix in prefixes:
        condition |= Q(path__startswith=prefix)
    return Unit.objects.filter(condition)


def ancestor_codes(units) -> dict[int, dict[str, str]]:
    """{unit id: {"province": code, "superior": code}} for the given units, in one query:
    a materialized path holds every ancestor's path as a prefix."""
    steplen = Unit.steplen
    prefixes = {u.path[:n] for u in units for n in range(steplen, len(u.path), steplen)}
    ancestors = {a.path: a for a in Unit.objects.filter(path__in=prefixes).only("path", "code", "level")}
    result = {}
    for u in units:
        found = {}
        for n in range(steplen, len(u.path), steplen):
            a = ancestors.get(u.path[:n])
            if a is not None and a.level in (Level.PROVINCE, Level.SUPERIOR):
                found[a.level] = a.code
        result[u.pk] = {"province": found.get(Level.PROVINCE, ""), "superior": found.get(Level.SUPERIOR, "")}
    return result
