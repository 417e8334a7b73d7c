"""Every page's number of queries is pinned, and does not grow with the rows it shows: each page
is measured, then more units and initiatives are added, and it is measured again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from initiatives.models import Initiative
from quotas.models import Block, Level, Unit
from quotas.services import unit_upsert

PAGES = [
    # (user, url, at most)
    (None, "/", 10),
    (None, "/submit/?unit=GLA-STANLEY", 10),
    (None, "/submit/units/?q=cong ty", 8),
    (None, "/track/", 6),
    ("quantri", "/review/", 12),
    ("ldld", "/review/", 14),
    ("xetduyet", "/review/?status=submitted", 14),
    ("ldld", "/progress/", 16),
    ("quantri", "/admin/quotas/unitprogress/", 20),
    ("ldld", "/admin/initiatives/initiative/", 21),  # the page: ids first, then those rows
]


def grow(n: int, start: int = 0) -> None:
    """n more grassroots unions in Gia Lâm, and n more initiatives copied from a sample."""
    district = Unit.objects.get(code="GLA")
    sample = Initiative.objects.filter(unit__code="GLA-STANLEY").first()
    for i in range(start, start + n):
        unit = unit_upsert(code=f"GROW-{i}", name=f"CĐ thêm {i}", level=Level.GRASSROOTS,
                           block=Block.ENTERPRISE, parent=district)
        sample.pk = None
        sample.tracking_code = f"GROW-{i:04d}-0000"
        sample.unit = unit
        sample.save()


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("username, url, most", PAGES)
def test_queries_are_few_and_do_not_grow_with_rows(client, demo, django_user_model, username, url, most):
    if username:
        client.force_login(django_user_model.objects.get(username=username))
    grow(30)  # lists of more than one page from the start (a single page needs one query less)
    client.get(url)  # warm: sessions, caches
    before = count(client, url)
    assert before <= most, f"{url}: {before} queries"
    grow(30, start=30)
    client.get(url)
    assert count(client, url) == before, url


def test_review_detail_queries_are_pinned(client, demo, django_user_model):
    client.force_login(django_user_model.objects.get(username="xetduyet"))
    initiative = Initiative.objects.filter(unit__code="GLA-STANLEY").first()
    client.get(f"/review/{initiative.pk}/")
    assert count(client, f"/review/{initiative.pk}/") <= 14
