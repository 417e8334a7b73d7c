"""The load benchmark's baseline: the project's own settings (middleware, database, cache),
with a URLconf whose only page is a bare view that inserts one row. `bench/load.py` serves it
with the same gunicorn configuration as the portal and posts the same bodies to it."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.bare_urls"
