"""What the server's master loads before it forks the workers (portal/warmup.py, deploy/gunicorn.conf.py)."""

import runpy
import types
from pathlib import Path

from django.template import engines

from portal import warmup

BASE = Path(__file__).resolve().parents[2]


def cached_names():
    loader = engines["django"].engine.template_loaders[0]  # Django's cached loader
    return loader, {key.split(":")[0] for key in loader.get_template_cache}


def test_warm_up_compiles_every_template_without_touching_the_database():
    # No `db` fixture: pytest-django refuses any query, so a warm-up that opened a connection
    # in the master (to be shared by the forked workers) would fail here.
    loader, _ = cached_names()
    loader.reset()
    compiled = warmup.warm_up()
    _, names = cached_names()
    ours = {p.relative_to(BASE / "templates").as_posix() for p in (BASE / "templates").rglob("*.html")}
    assert ours <= names, ours - names
    assert {"admin/change_list.html", "admin/base_site.html"} <= names  # the admin's too
    assert compiled >= len(ours) + 50


def fake_server(logged: list):
    """What when_ready uses of gunicorn's arbiter: its settings and its log."""
    log = types.SimpleNamespace(info=lambda *a: logged.append(a),
                                exception=lambda *a: logged.append(("exception", *a)))
    return types.SimpleNamespace(cfg=types.SimpleNamespace(preload_app=True), log=log)


def test_gunicorn_warms_up_a_preloaded_app_before_forking(monkeypatch):
    conf = runpy.run_path(str(BASE / "deploy" / "gunicorn.conf.py"))
    calls = []
    monkeypatch.setattr(warmup, "warm_up", lambda: calls.append("warm_up") or 7)
    logged = []
    server = fake_server(logged)
    conf["when_ready"](server)
    assert calls == ["warm_up"] and logged and logged[0][1] == 7
    server.cfg.preload_app = False  # each worker loads the app itself: nothing to share
    conf["when_ready"](server)
    assert calls == ["warm_up"]
    assert conf["preload_app"] is True and "pre_fork" in conf


def test_a_failed_warm_up_is_logged_and_the_server_starts_anyway(monkeypatch):
    conf = runpy.run_path(str(BASE / "deploy" / "gunicorn.conf.py"))

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(warmup, "warm_up", broken)
    logged = []
    server = fake_server(logged)
    conf["when_ready"](server)  # does not raise
    assert logged and logged[0][0] == "exception"


def test_warm_up_compiles_the_form_widgets_and_builds_the_cache_client_without_connecting(settings):
    from django.core.cache import caches

    from initiatives.forms import WIDGET_RENDERER

    # A Redis nobody listens on: building the client must not connect (no socket may be shared
    # by the forked workers), and the warm-up must not fail for it.
    settings.CACHES = {"default": {"BACKEND": "portal.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    environment = WIDGET_RENDERER.engine.env
    environment.cache.clear()
    warmup.warm_up()
    compiled = {name for (_loader, name) in environment.cache.keys()}
    assert {"django/forms/widgets/select.html", "django/forms/widgets/radio.html", "django/forms/widgets/input.html"} <= compiled
    backend = caches["default"]
    assert "_cache" in vars(backend)  # the client, built
    assert backend._cache._pools == {}  # no connection pool yet, so no connection
