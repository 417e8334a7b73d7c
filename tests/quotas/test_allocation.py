import pytest

from quotas.allocation import split_evenly, subtree_targets, targets_by_unit
from quotas.models import AllocationOverride, Block, Campaign, Level, Unit
from quotas.services import unit_upsert


def gia_lam():
    return Unit.objects.get(code="GLA")


@pytest.mark.parametrize("slug", ["01-trieu-sang-kien-2022", None])
def test_district_totals_reproduce_the_seed_table(demo, slug):
    # The seed's campaign and the demo's copy for this year both give 5.342 = 2.771 + 2.571.
    campaign = Campaign.objects.get(slug=slug) if slug else Campaign.objects.get(is_open=True)
    targets = subtree_targets(gia_lam(), campaign)
    assert targets == {1: 2771, 2: 2571}
    assert sum(targets.values()) == 5342


def test_named_enterprises_and_152_enterprise_unions_make_1784(demo):
    campaign = Campaign.objects.get(slug="01-trieu-sang-kien-2022")
    enterprises = Unit.objects.filter(level=Level.GRASSROOTS, block=Block.ENTERPRISE)
    assert enterprises.count() == 152 + 7
    targets = targets_by_unit(campaign, enterprises)
    assert sum(t[1] for t in targets.values()) == 992
    assert sum(t[2] for t in targets.values()) == 792


def test_named_override_wins_over_the_block_rule(seed):
    stanley = Unit.objects.get(code="GLA-STANLEY")
    assert targets_by_unit(seed, [stanley])[stanley.pk] == {1: 400, 2: 300}
    assert subtree_targets(stanley, seed) == {1: 400, 2: 300}


def test_odd_member_count_gives_phase_1_the_extra_initiative(seed):
    school = unit_upsert(
        code="T-SCHOOL", name="CĐ Trường thử", level=Level.GRASSROOTS, block=Block.SCHOOL,
        member_count=45, parent=gia_lam(),
    )
    assert targets_by_unit(seed, [school])[school.pk] == {1: 23, 2: 22}
    # The SQL aggregate agrees with the per-unit computation.
    assert subtree_targets(school, seed) == {1: 23, 2: 22}


def test_split_evenly_loses_nothing_to_rounding():
    for total in range(0, 50):
        for parts in (1, 2, 3, 4):
            shares = split_evenly(total, parts)
            assert sum(shares) == total
            assert max(shares) - min(shares) <= 1
            assert shares == sorted(shares, reverse=True)


def test_subtree_total_is_the_sum_of_its_units(demo):
    campaign = Campaign.objects.get(is_open=True)
    units = list(Unit.objects.get_descendants(gia_lam()))
    per_unit = targets_by_unit(campaign, units)
    for phase in (1, 2):
        assert subtree_targets(gia_lam(), campaign)[phase] == sum(t[phase] for t in per_unit.values())
    # Hà Nội holds only Gia Lâm here; a province with no units has no target.
    assert subtree_targets(Unit.objects.get(code="T01"), campaign) == {1: 2771, 2: 2571}
    assert subtree_targets(Unit.objects.get(code="T79"), campaign) == {1: 0, 2: 0}


def test_a_partial_override_keeps_the_rule_for_the_other_phase(demo):
    campaign = Campaign.objects.get(slug="01-trieu-sang-kien-2022")
    commune = Unit.objects.get(code="GLA-XA-01")
    AllocationOverride.objects.create(phase=campaign.phases.get(number=2), unit=commune, target=7)
    assert targets_by_unit(campaign, [commune])[commune.pk] == {1: 1, 2: 7}
    assert subtree_targets(gia_lam(), campaign) == {1: 2771, 2: 2571 - 1 + 7}
