"""generate_scale_data at a small size: what it builds, that the maintained counts agree with the
initiatives, and that a seed always gives the same data. (No timings here: see bench/run.py.)"""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from initiatives.models import Initiative, Status, StatusChange
from initiatives.tracking import normalise_code
from quotas.models import Campaign, Level, ProgressCount, Unit

GENERATED = r"^ST[0-9]{2}-[0-9]{3}"


def generate(**options):
    call_command("generate_scale_data", units=300, initiatives=2000, seed=1, stdout=io.StringIO(), **options)


def generated_units():
    return Unit.objects.filter(is_sample=True, code__regex=GENERATED)


def generated_initiatives():
    return Initiative.objects.filter(unit__in=generated_units(), is_sample=True)


def fingerprint():
    return list(
        generated_initiatives().order_by("tracking_code").values_list("tracking_code", "unit__code", "status", "phone")
    )


@pytest.fixture
def scale(db):
    generate()
    return Campaign.objects.get(slug="01-trieu-sang-kien-2022")


def test_it_builds_the_requested_tree_and_initiatives(scale):
    assert generated_units().filter(level=Level.GRASSROOTS).count() == 300
    districts = generated_units().filter(level=Level.SUPERIOR)
    assert districts.count() == 63  # one per province at this size
    assert generated_initiatives().count() == 2000
    assert set(generated_initiatives().values_list("campaign__slug", flat=True)) == {scale.slug}
    assert set(generated_initiatives().values_list("phase__number", flat=True)) == {1, 2}
    # Every grassroots unit hangs under a generated district, and the tree's bookkeeping holds.
    for district in districts[:10]:
        children = Unit.objects.filter(path__startswith=district.path, depth=district.depth + 1)
        assert children.count() == district.numchild
        assert set(children.values_list("level", flat=True)) <= {Level.GRASSROOTS}
    for province in Unit.objects.filter(level=Level.PROVINCE):
        assert Unit.objects.filter(path__startswith=province.path, depth=province.depth + 1).count() == province.numchild
    assert set(generated_units().filter(level=Level.GRASSROOTS).values_list("block", flat=True)) == {
        "commune", "public_service", "school", "enterprise"
    }


def test_every_status_with_its_history_and_unique_codes(scale):
    assert set(generated_initiatives().values_list("status", flat=True)) == set(Status.values)
    codes = list(generated_initiatives().values_list("tracking_code", flat=True))
    assert len(codes) == len(set(codes))
    assert all(normalise_code(code) == code for code in codes[:200])
    for initiative in generated_initiatives().order_by("pk")[:50]:
        history = list(StatusChange.objects.filter(initiative=initiative).order_by("at", "id"))
        assert history[0].to_status == Status.SUBMITTED and history[-1].to_status == initiative.status
        phase = initiative.phase
        assert phase.starts_on <= initiative.submitted_at.date() <= phase.ends_on
        assert initiative.search_text == initiative.folded_search_text()


def test_maintained_counts_of_the_nation_equal_a_direct_count(scale):
    nation = Unit.objects.get(level=Level.NATIONAL)
    for phase in scale.phases.all():
        direct = Initiative.objects.filter(campaign=scale, phase=phase).aggregate(
            submitted=Count("pk", filter=~Q(status=Status.WITHDRAWN)),
            approved=Count("pk", filter=Q(status=Status.APPROVED)),
        )
        maintained = ProgressCount.objects.get(unit=nation, phase=phase)
        assert (maintained.submitted, maintained.approved) == (direct["submitted"], direct["approved"])


def test_the_same_seed_gives_the_same_data_and_a_second_run_needs_reset_or_keep(scale):
    first = fingerprint()
    with pytest.raises(CommandError):
        generate()
    generate(keep=True)  # leaves it as it is
    assert fingerprint() == first
    generate(reset=True)
    assert fingerprint() == first
    assert generated_units().filter(level=Level.GRASSROOTS).count() == 300
