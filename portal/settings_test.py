"""Settings for the test suite: production settings with a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-key")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")

from portal.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Static files come straight from the finders: no collectstatic before a test run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Rebuilds run in the request, so that a test sees their result at once (one test runs the
# background thread on purpose).
PROGRESS_REBUILD_IN_BACKGROUND = False
