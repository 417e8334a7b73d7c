import pytest
from django.db import IntegrityError, transaction

from quotas.models import Block, Level, Phase, Unit


def test_the_seed_lists_63_provinces_under_the_national_federation(seed):
    root = Unit.objects.get(code="TLD")
    assert Unit.objects.get_children(root).filter(level=Level.PROVINCE).count() == 63
    assert Unit.objects.get_parent(Unit.objects.get(code="GLA")).name == "LĐLĐ thành phố Hà Nội"


def test_unit_codes_are_unique(seed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.add_child(
            Unit.objects.get(code="GLA"),
            {"code": "GLA-STANLEY", "name": "x", "level": Level.GRASSROOTS, "block": Block.ENTERPRISE},
        )


def test_only_grassroots_unions_have_a_block(seed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.add_child(
            Unit.objects.get(code="T01"), {"code": "X", "name": "x", "level": Level.SUPERIOR, "block": Block.SCHOOL}
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.add_child(
            Unit.objects.get(code="GLA"), {"code": "Y", "name": "y", "level": Level.GRASSROOTS, "block": ""}
        )


def test_targets_cannot_be_negative(seed):
    from quotas.models import AllocationOverride

    with pytest.raises(IntegrityError), transaction.atomic():
        AllocationOverride.objects.create(
            phase=seed.phases.get(number=1), unit=Unit.objects.get(code="GLA-LIXIL"), target=-1
        )


def test_a_phase_cannot_end_before_it_starts(seed):
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.create(campaign=seed, number=3, starts_on="2024-01-02", ends_on="2024-01-01")


def test_subtree_is_a_prefix_query(seed):
    hanoi = Unit.objects.get(code="T01")
    codes = set(hanoi.subtree().values_list("code", flat=True))
    assert {"T01", "GLA", "GLA-STANLEY"} <= codes
    assert "T79" not in codes


def test_a_unit_is_found_by_its_code_in_one_query(seed, django_assert_num_queries):
    stored = Unit.objects.get(code="GLA-STANLEY")
    with django_assert_num_queries(1):
        found = Unit.by_code("GLA-STANLEY")
        assert (found.pk, found.name, found.path, found.level) == (stored.pk, stored.name, stored.path, Level.GRASSROOTS)
    assert found.search_name == stored.search_name  # the fields not read at first load when asked for
    assert Unit.objects.get_parent(found).code == "GLA"
    with django_assert_num_queries(1):
        assert Unit.by_code("NO-SUCH-UNIT") is None
    assert Unit.by_code("gla-stanley") is None  # codes are matched as stored


def test_search_name_ignores_diacritics_and_case(seed):
    assert Unit.objects.get(code="GLA-SONDONGA").search_name == "cd cong ty cp hang son dong a"
    assert Unit.objects.filter(search_name__contains="gia lam", level=Level.SUPERIOR).get().code == "GLA"
