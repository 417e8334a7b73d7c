"""Writes to units, campaigns and allocations. Each is idempotent where it says so."""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import transaction

from quotas import progress

from quotas.models import (
    AllocationOverride,
    AllocationRule,
    Basis,
    Campaign,
    Level,
    Phase,
    RuleTarget,
    Unit,
)


def unit_upsert(
    *, code: str, name: str, level: str, parent: Unit | None, block: str = "", member_count: int = 0,
    is_sample: bool = False,
) -> Unit:
    """Create the unit under `parent`, or update the one with this code in place (it is not moved)."""
    unit = Unit.objects.filter(code=code).first()
    fields = {"name": name, "level": level, "block": block, "member_count": member_count, "is_sample": is_sample}
    if unit is not None:
        changed = [f for f, v in fields.items() if getattr(unit, f) != v]
        for f in changed:
            setattr(unit, f, fields[f])
        if changed:
            unit.save(update_fields=changed)
        return unit
    if parent is None:
        return Unit.objects.add_root({"code": code, **fields})
    # treebeard locks and re-reads the parent row itself, so a stale `parent` is fine.
    return Unit.objects.add_child(parent, {"code": code, **fields})


@transaction.atomic
def campaign_load(*, data: dict, root: Unit) -> Campaign:
    """Create or update a campaign, its phases and block rules from the seed's description."""
    campaign, _ = Campaign.objects.update_or_create(
        slug=data["slug"],
        defaults={
            "name": data["name"],
            "legal_basis": data.get("legal_basis", ""),
            "root": root,
            "application_start": dt.date.fromisoformat(data["application_start"]),
            "application_end": dt.date.fromisoformat(data["application_end"]),
            "description_limit": data.get("description_limit", 2000),
            "is_open": data.get("is_open", False),
        },
    )
    phases = []
    for p in data["phases"]:
        phase, _ = Phase.objects.update_or_create(
            campaign=campaign,
            number=p["number"],
            defaults={
                "starts_on": dt.date.fromisoformat(p["starts_on"]),
                "ends_on": dt.date.fromisoformat(p["ends_on"]),
            },
        )
        phases.append(phase)
    for r in data["rules"]:
        rule, _ = AllocationRule.objects.update_or_create(
            campaign=campaign,
            block=r["block"],
            defaults={"basis": r["basis"], "per_member": r.get("per_member", 0), "label": r.get("label", "")},
        )
        if r["basis"] == Basis.PER_UNIT:
            for phase, target in zip(phases, r["targets"], strict=True):
                RuleTarget.objects.update_or_create(rule=rule, phase=phase, defaults={"target": target})
    return campaign


def override_set(*, campaign: Campaign, unit: Unit, targets: list[int]) -> None:
    """Give `unit` its own target in each phase of `campaign`, in phase order."""
    phases = list(campaign.phases.order_by("number"))
    for phase, target in zip(phases, targets, strict=True):
        AllocationOverride.objects.update_or_create(phase=phase, unit=unit, defaults={"target": target})


@transaction.atomic
def campaign_copy(
    *, source: Campaign, slug: str, name: str, shift: relativedelta, is_open: bool = False
) -> Campaign:
    """A new campaign like `source`: its window and phases moved by `shift`, its rules and
    overrides copied. The programme is repeated yearly (DESIGN §2)."""
    campaign = Campaign.objects.create(
        slug=slug,
        name=name,
        legal_basis=source.legal_basis,
        root=source.root,
        application_start=source.application_start + shift,
        application_end=source.application_end + shift,
        description_limit=source.description_limit,
        is_open=is_open,
    )
    phase_map = {}
    for phase in source.phases.all():
        phase_map[phase.pk] = Phase.objects.create(
            campaign=campaign,
            number=phase.number,
            starts_on=phase.starts_on + shift,
            ends_on=phase.ends_on + shift,
        )
    for rule in source.rules.prefetch_related("targets"):
        targets = list(rule.targets.all())
        rule.pk = None
        rule.campaign = campaign
        rule.save()
        RuleTarget.objects.bulk_create(
            RuleTarget(rule=rule, phase=phase_map[t.phase_id], target=t.target) for t in targets
        )
    AllocationOverride.objects.bulk_create(
        AllocationOverride(phase=phase_map[o.phase_id], unit_id=o.unit_id, target=o.target)
        for o in AllocationOverride.objects.filter(phase__campaign=source)
    )
    progress.rebuild(campaign)
    return campaign


@transaction.atomic
def seed_load(data: dict) -> Campaign:
    """The seed's data: the top of the tree, Gia Lâm, its named enterprises, the campaign and
    its allocation table. Running it again changes nothing."""
    root = unit_upsert(code=data["root"]["code"], name=data["root"]["name"], level=Level.NATIONAL, parent=None)
    provinces = {
        p["code"]: unit_upsert(code=p["code"], name=p["name"], level=Level.PROVINCE, parent=root)
        for p in data["provinces"]
    }
    d = data["district"]
    district = unit_upsert(code=d["code"], name=d["name"], level=Level.SUPERIOR, parent=provinces[d["parent"]])
    campaign = campaign_load(data=data["campaign"], root=root)
    for e in data["enterprises"]:
        unit = unit_upsert(
            code=e["code"], name=e["name"], level=Level.GRASSROOTS, block="enterprise", parent=district
        )
        override_set(campaign=campaign, unit=unit, targets=e["targets"])
    progress.rebuild(campaign)
    return campaign
