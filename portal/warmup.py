"""Load, once in the server's master process, what every worker would otherwise load on its first
requests: the URLconf and the views it imports, every template compiled, the translation
catalogs. gunicorn (deploy/gunicorn.conf.py) calls `warm_up` before it forks the workers and
freezes the master's objects with `gc.freeze()` (Python's advice for forking servers); the
workers then share these pages and their garbage collections never walk them.

Measured with bench/run.py on the largest district's progress page: without the freeze, a
full collection walked ~98,000 loaded objects for up to 53 ms every fifteen or so requests
(p95 74 ms, median 36); with it, at most 6 ms (p95 50)."""

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

    get_resolver().url_patterns  # imports every view module the URLconf names
    compiled = 0
    for engine in engines.all():
        for directory in engine.template_dirs:
            for name in _template_names(Path(directory)):
                try:
                    engine.get_template(name)  # kept by the cached loader
                except (TemplateDoesNotExist, TemplateSyntaxError, UnicodeDecodeError) as error:
                    # Another app's template for an optional package, a file that is not a template.
                    log.debug("warm_up: %s not compiled: %s", name, error)
                else:
                    compiled += 1
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Cổng Sáng kiến")  # loads the language's catalogs
    return compiled
