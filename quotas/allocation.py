"""The allocation engine: a unit's effective target per phase, and a subtree's total.

The seed's table ("Danh sách phân bổ chỉ tiêu", LĐLĐ huyện Gia Lâm, 2022) mixes three kinds of
row, and they combine like this for one grassroots union (CĐCS) and one phase:
1. a named override for that unit and phase wins (Stanley 400 in phase 1);
2. otherwise its block's rule: a fixed target per unit and phase ("02 = 01 + 01"), or
3. members × the per-member figure split over the phases ("01 SK/đoàn viên/ phân bổ 02 giai
   đoạn"), evenly, the earlier phases taking the remainder one each: 45 members over two
   phases give 23 + 22, so no initiative is lost to rounding and phase 1 carries the extra.
Units above the grassroots have no target of their own: theirs is the sum of their subtree.
"""

from collections import defaultdict

from django.db.models import Count, ExpressionWrapper, F, IntegerField, Sum, Value

from quotas.models import AllocationOverride, AllocationRule, Basis, Campaign, Level, Unit


def split_evenly(total: int, parts: int) -> list[int]:
    """`total` over `parts` as evenly as possible; the earlier parts take the remainder."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _rules(campaign: Campaign) -> dict[str, tuple[AllocationRule, dict[int, int]]]:
    rules = {}
    for rule in campaign.rules.prefetch_related("targets"):
        rules[rule.block] = (rule, {t.phase_id: t.target for t in rule.targets.all()})
    return rules


def targets_by_unit(campaign: Campaign, units) -> dict[int, dict[int, int]]:
    """{unit id: {phase number: target}} for the given grassroots units."""
    phases = list(campaign.phases.order_by("number"))
    rules = _rules(campaign)
    units = [u for u in units if u.level == Level.GRASSROOTS]
    overrides = defaultdict(dict)
    for o in AllocationOverride.objects.filter(phase__campaign=campaign, unit__in=[u.pk for u in units]):
        overrides[o.unit_id][o.phase_id] = o.target
    result = {}
    for unit in units:
        rule, fixed = rules.get(unit.block, (None, {}))
        split = (
            split_evenly(unit.member_count * rule.per_member, len(phases))
            if rule and rule.basis == Basis.PER_MEMBER
            else None
        )
        result[unit.pk] = {
            phase.number: overrides[unit.pk].get(
                phase.pk, split[i] if split is not None else fixed.get(phase.pk, 0)
            )
            for i, phase in enumerate(phases)
        }
    return result


def subtree_targets(unit: Unit, campaign: Campaign) -> dict[int, int]:
    """{phase number: target} summed over every grassroots union in `unit`'s subtree.

    Computed with a few aggregate queries per phase, whatever the subtree's size.
    """
    phases = list(campaign.phases.order_by("number"))
    rules = _rules(campaign)
    grassroots = Unit.objects.filter(path__startswith=unit.path, level=Level.GRASSROOTS)
    totals = {}
    for i, phase in enumerate(phases):
        overridden = AllocationOverride.objects.filter(phase=phase, unit__in=grassroots)
        total = overridden.aggregate(t=Sum("target"))["t"] or 0
        rows = (
            grassroots.exclude(pk__in=overridden.values("unit_id"))
            .values("block")
            .annotate(units=Count("pk"), members=Sum("member_count"))
        )
        for row in rows:
            rule, fixed = rules.get(row["block"], (None, {}))
            if rule is None:
                continue
            if rule.basis == Basis.PER_UNIT:
                total += row["units"] * fixed.get(phase.pk, 0)
        per_member_blocks = [b for b, (r, _t) in rules.items() if r.basis == Basis.PER_MEMBER]
        for block in per_member_blocks:
            k = rules[block][0].per_member
            # A unit's share for phase i of members × k over n phases, as split_evenly
            # computes it, in integer arithmetic: (m·k + n − 1 − i) div n.
            share = ExpressionWrapper(
                (F("member_count") * Value(k) + Value(len(phases) - 1 - i)) / Value(len(phases)),
                output_field=IntegerField(),
            )
            total += (
                grassroots.filter(block=block)
                .exclude(pk__in=overridden.values("unit_id"))
                .aggregate(t=Sum(share))["t"]
                or 0
            )
        totals[phase.number] = total
    return totals
