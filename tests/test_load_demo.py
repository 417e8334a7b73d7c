import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from initiatives.models import Initiative, Status, StatusChange
from quotas.models import AllocationOverride, Campaign, Membership, RuleTarget, Unit


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Unit, Campaign, RuleTarget, AllocationOverride, Membership, Initiative, StatusChange, get_user_model())
    }


def test_load_demo_twice_duplicates_nothing(db):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = counts()
    call_command("load_demo", stdout=io.StringIO())
    assert counts() == first
    assert first["Campaign"] == 2


def test_load_demo_prints_one_account_per_role(db):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for username, role in [("canbo", "officer"), ("xetduyet", "reviewer"), ("ldld", "district_staff"), ("quantri", "admin")]:
        assert username in text and role in text
    assert "sangkien-demo-2026" in text
    assert get_user_model().objects.get(username="quantri").is_superuser
    assert get_user_model().objects.get(username="ldld").check_password("sangkien-demo-2026")


def test_demo_has_an_open_campaign_taking_submissions_today(demo):
    from django.utils import timezone

    campaign = Campaign.objects.get(is_open=True)
    assert campaign.phase_on(timezone.localdate()) is not None


def test_sample_initiatives_cover_every_status_with_history(demo):
    assert set(Initiative.objects.values_list("status", flat=True)) == set(Status.values)
    for initiative in Initiative.objects.all():
        history = list(initiative.history.all())
        assert history[0].to_status == Status.SUBMITTED
        assert history[-1].to_status == initiative.status
    assert not Initiative.objects.filter(is_sample=False).exists()


def test_demo_units_are_labelled_as_sample_data(demo):
    assert Unit.objects.filter(code__startswith="GLA-DN-", is_sample=True).count() == 152
    assert not Unit.objects.get(code="GLA-STANLEY").is_sample
