"""Load, once in the server's master process, what every worker would otherwise load on its first
requests: the URLconf and the views it imports, every template compiled, the translation
catalogs. gunicorn (deploy/gunicorn.conf.py) calls `warm_up` before it forks the workers and
freezes the master's objects with `gc.freeze()` (Python's advice for forking servers); the
workers then share these pages and their garbage collections never walk them.

Measured on the largest district's progress page (docs/PERFORMANCE.md, 2026-12-03): without
the warm-up, a full collection walked ~98,000 loaded objects for 53-66 ms every fifteen or so
requests; with it, 6-12 ms (bench/run.py, three pairs of runs: p95 120-133 ms against 53-73).
The forms' widget templates, the date formats and the Redis client followed (2026-12-03): a new
worker's first GET /submit/ 84 → 12 ms, and nothing left for its first submission to import.
At the surge gunicorn replaces each worker every thousand requests, every ~25 s."""

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _template_names(directory: Path):
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".txt", ".xml"}:
            yield path.relative_to(directory).as_posix()


def warm_up() -> int:
    """Import the views, compile the templates (and the forms' widget templates), load the
    catalogs and date formats, build the cache client. Returns the number of templates compiled
    (a template that does not compile here is left to fail where it is used)."""
    import _strptime  # noqa: F401 - what the first date typed into a form imports
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import formats, translation
    from django.utils.module_loading import import_string

    resolver = get_resolver()
    resolver.url_patterns  # imports every view module the URLconf names
    resolver.reverse_dict  # and builds the tables reverse() reads
    compiled = 0
    for engine in engines.all():
        engine.engine.template_context_processors  # imports the context processors
        for directory in engine.template_dirs:
            for name in _template_names(Path(directory)):
                try:
                    engine.get_template(name)  # kept by the cached loader
                except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError) as error:
                    # None today; a broken template of ours, or another app's for a package not
                    # installed. Said, not fatal: the page that uses it fails as it would have.
                    log.warning("warm_up: %s not compiled: %s", name, error)
                else:
                    compiled += 1
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Cổng Sáng kiến")  # loads the language's catalogs
            formats.get_format("DATE_INPUT_FORMATS")  # and its date formats
    import_string(settings.MESSAGE_STORAGE), import_string(settings.SESSION_SERIALIZER)
    compiled += _warm_up_widgets()
    for alias in settings.CACHES:
        backend = caches[alias]
        if isinstance(backend, RedisCache):
            backend._cache  # imports redis-py and builds the client (88 ms); it connects on first use
    return compiled


def _warm_up_widgets() -> int:
    """The forms' widget templates (Jinja2, initiatives/forms.py), compiled into the renderer's
    environment: about a tenth of a second of a new worker's first request to /submit/."""
    from initiatives.forms import WIDGET_RENDERER

    environment = WIDGET_RENDERER.engine.env
    names = [name for name in environment.list_templates() if name.startswith("django/forms/")]
    for name in names:
        environment.get_template(name)
    return len(names)
