import os
import shutil

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in the test thread; Django must still allow the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _have_browser() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which("chromium") is not None


def pytest_collection_modifyitems(config, items):
    browser_items = [i for i in items if "page" in getattr(i, "fixturenames", ())]
    for item in browser_items:
        item.add_marker(pytest.mark.browser)
    if browser_items and not _have_browser():
        if os.environ.get("REQUIRE_BROWSER"):
            raise pytest.UsageError(f"REQUIRE_BROWSER is set but there is no Chromium at {CHROMIUM}")
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (set REQUIRE_BROWSER=1 to fail instead)")
        for item in browser_items:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: every test starts with none, nor with a
    campaign another test's (rolled back) rows left in the cache or a process's hold."""
    from django.core.cache import cache

    from quotas import selectors

    cache.clear()
    selectors._held.clear()
    yield
    cache.clear()
    selectors._held.clear()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def seed(db):
    """The seed's data: the tree's top, Gia Lâm, its named enterprises, the 2022 campaign."""
    call_command("load_seed", stdout=open(os.devnull, "w"))
    from quotas.models import Campaign

    return Campaign.objects.get(slug="01-trieu-sang-kien-2022")


@pytest.fixture
def demo(db):
    """Seed plus demo data, as `make run` loads them."""
    call_command("load_demo", stdout=open(os.devnull, "w"))


@pytest.fixture
def users(demo, django_user_model):
    """One user per role, from the demo, plus a reviewer of another unit and an outsider."""
    from quotas.models import Membership, Role, Unit

    by_name = {u.username: u for u in django_user_model.objects.all()}
    other = django_user_model.objects.create_user("xetduyet_lixil", password="x")
    Membership.objects.create(user=other, unit=Unit.objects.get(code="GLA-LIXIL"), role=Role.REVIEWER)
    return {
        "anonymous": None,
        "outsider": django_user_model.objects.create_user("nguoingoai", password="x"),
        "other_reviewer": other,
        "officer": by_name["canbo"],
        "reviewer": by_name["xetduyet"],
        "district": by_name["ldld"],
        "admin": by_name["quantri"],
    }
