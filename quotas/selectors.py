"""Reads of units and campaigns for pages."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from quotas.models import Campaign, Level, Membership, Unit
from quotas.text import vietnamese_key


CURRENT_CAMPAIGN_KEY = "quotas:current-campaign"
CURRENT_CAMPAIGN_SECONDS = 60
# Each process also holds the campaign it last read, for a few seconds: at the surge the shared
# cache's round trip and unpickling were a twentieth of a submission's time. An edit reaches the
# process that made it at once (forget_current_campaign) and the others within these seconds.
CURRENT_CAMPAIGN_LOCAL_SECONDS = 5
_held: dict = {}


def current_campaign() -> Campaign | None:
    """The open campaign that started last, or else the last campaign of all, with its root
    and its phases (which phase a day falls in is asked on every submission).

    Kept in the shared cache: every submission at the surge needs it, and it changes only when
    an admin edits a campaign or a phase, which deletes it (quotas/signals.py; a bulk
    `update()` does not, the minute-long expiry is the safety net). Callers only read it."""
    held = _held.get(CURRENT_CAMPAIGN_KEY)
    if held is not None and time.monotonic() < held[0]:
        return held[1]
    found = cache.get(CURRENT_CAMPAIGN_KEY)
    if found is None:
        campaigns = Campaign.objects.select_related("root").prefetch_related("phases").order_by("-application_start", "-pk")
        found = campaigns.filter(is_open=True).first() or campaigns.first() or False
        cache.set(CURRENT_CAMPAIGN_KEY, found, CURRENT_CAMPAIGN_SECONDS)
    _held[CURRENT_CAMPAIGN_KEY] = (time.monotonic() + CURRENT_CAMPAIGN_LOCAL_SECONDS, found or None)
    return found or None


def forget_current_campaign() -> None:
    """Drop the cached campaign now and again once the transaction that changed it commits
    (so that no request re-reads the old rows in between)."""

    def forget():
        _held.clear()
        cache.delete(CURRENT_CAMPAIGN_KEY)

    forget()
    transaction.on_commit(forget)


def home_summary(ranking_size: int = 10) -> dict:
    """The public summary: the campaign, its phases with the federation's targets and counts,
    and the emulation ranking of its units by share of target met. No personal data."""
    from quotas import progress

    campaign = current_campaign()
    if campaign is None:
        return {"campaign": None}
    unit = Unit.objects.filter(code=settings.HOME_UNIT_CODE).first() or campaign.root
    groups, total = progress.table(unit, campaign)
    phases = list(campaign.phases.order_by("number"))
    rows = [row for group in groups for row in group.rows if row.total.target]
    # Ties (most units at 0 % early in a phase) in Vietnamese alphabetical order, Đ after D.
    rows.sort(key=lambda r: (-(r.total.percent or 0), -r.total.approved, vietnamese_key(r.unit.name)))
    return {
        "campaign": campaign,
        "phases": [(phase, total.phases[phase.number]) for phase in phases],
        "target_unit": unit,
        "total": total.total,
        "ranking": rows[:ranking_size],
    }


def scope_paths(user, roles=None) -> set[str] | None:
    """The tree paths under which `user` acts (in one of `roles`, if given): None means
    everywhere (an admin), an empty set nowhere."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return None
    # Read once per request: the user object lives as long as the request does.
    if not hasattr(user, "_scope_memberships"):
        user._scope_memberships = list(Membership.objects.filter(user=user).values_list("role", "unit__path"))
    return {path for role, path in user._scope_memberships if roles is None or role in roles}


def path_condition(paths: set[str] | None, field: str = "path") -> Q:
    """A filter for rows whose `field` lies under one of `paths` (None: everything)."""
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for prefix in paths:
        condition |= subtree_range(prefix, field)
    return condition


def subtree_range(prefix: str, field: str = "path") -> Q:
    """Rows whose `field` starts with `prefix`, written as a range [prefix, next prefix): every
    btree index on the path serves a range (order included), which LIKE 'prefix%' does not
    always get from the planner."""
    upper = _next_prefix(prefix)
    condition = Q(**{f"{field}__gte": prefix})
    return condition & Q(**{f"{field}__lt": upper}) if upper else condition


def _next_prefix(prefix: str) -> str | None:
    """The smallest path above every path that starts with `prefix` (treebeard's alphabet)."""
    alphabet = Unit.alphabet
    chars = list(prefix)
    while chars:
        position = alphabet.index(chars[-1])
        if position + 1 < len(alphabet):
            chars[-1] = alphabet[position + 1]
            return "".join(chars)
        chars.pop()
    return None


def units_visible_to(user, roles=None):
    """Units whose data `user` may see: the subtrees of the units they are attached to
    (in one of `roles`, if given). An admin sees every unit; anyone else, none."""
    return Unit.objects.filter(path_condition(scope_paths(user, roles)))


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
