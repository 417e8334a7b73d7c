"""Load, once in the server's master process, what every worker would otherwise load on its first
requests: the URLconf and the views it imports, every template compiled, the translation
catalogs. gunicorn (deploy/gunicorn.conf.py) calls `warm_up` before it forks the workers and
freezes the master's objects with `gc.freeze()` (Python's advice for forking servers); the
workers then share these pages and their garbage collections never walk them.

Measured on the largest district's progress page (docs/PERFORMANCE.md, 2026-12-03): without
the warm-up, a full collection walked ~98,000 loaded objects for 53-66 ms every fifteen or so
requests; with it, 6-12 ms (bench/run.py, three pairs of runs: p95 120-133 ms against 53-73)."""

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _template_names(directory: Path):
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix in {".html", ".txt", ".xml"}:
            yield path.relative_to(directory).as_posix()


def warm_up() -> int:
    """Import the views, compile the templates, load the catalogs. Returns the number of
    templates compiled (a template that does not compile here is left to fail where it is used)."""
    from django.conf import settings
    from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    resolver.url_patterns  # imports every view module the URLconf names
    resolver.reverse_dict  # and builds the tables reverse() reads
    compiled = 0
    for engine in engines.all():
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
    return compiled
