"""Settings for Cổng Sáng kiến, read from the environment.

Every value that differs between a laptop and production comes from an environment variable,
parsed by a small strict helper that fails fast on a bad value.
"""

import importlib.util
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def envint(name: str, default: str) -> int:
    value = os.environ.get(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from None


def envnumber(name: str, default: str, kind=float) -> int | float | None:
    """A number ≥ 0 (`kind`: int or float), or None when the variable is empty."""
    value = os.environ.get(name, default).strip()
    if not value:
        return None
    try:
        number = kind(value)
    except ValueError:
        number = -1
    if not 0 <= number < float("inf"):
        raise ImproperlyConfigured(f"{name} must be a number ≥ 0, not {value!r}")
    return number


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "treebeard",
    "axes",
    "csp",
    "portal",
    "quotas",
    "initiatives",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

# DATABASE_URL selects the database; unset, a SQLite file in the project folder (the demo).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", "60"),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Prepared statements, for the cursors that ask for them (the submission's one statement,
    # initiatives.services): prepared on a connection's first use. Django's own queries bind
    # their parameters on the client and are never prepared. Behind a transaction-mode pooler
    # (PgBouncer without prepared-statement support), set DB_PREPARED_STATEMENTS=false.
    prepared = envbool("DB_PREPARED_STATEMENTS", "true")
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0 if prepared else None
    # No parallel query for the portal's own queries: its pages read a few thousand index
    # entries, where starting workers costs more than it saves, and the planner's parallel plans
    # for a province's review queue walked every unit (bench/run.py: the queue's status counts,
    # 26-36 ms in parallel, 8 ms not). Sent as a startup option, added to any DATABASE_URL gives.
    # A transaction-mode pooler (the DB_PREPARED_STATEMENTS=false case) refuses startup options:
    # there it is left out unless asked for, and set on the database role instead (DEPLOY.md).
    #
    # Random page reads costed as what they are on an SSD with the working set cached, 1.1 (the
    # default 4 prices a disk seek): otherwise the planner read a whole campaign's progress rows
    # and hashed them against a district's thousand unions rather than look up each union's two
    # rows (bench/run.py: the largest district's /progress/ table, 52 → 5 ms of SQL; the plan
    # flipped between the two with each ANALYZE).
    # A setting DATABASE_URL's own `options` already names is left as the address has it.
    options = DATABASES["default"]["OPTIONS"]
    startup = {
        "max_parallel_workers_per_gather": envnumber("DB_PARALLEL_WORKERS_PER_GATHER", "0" if prepared else "", int),
        "random_page_cost": envnumber("DB_RANDOM_PAGE_COST", "1.1" if prepared else ""),
    }
    flags = [
        f"-c {name}={number:g}" for name, number in startup.items()
        if number is not None and f"{name}=" not in options.get("options", "")
    ]
    if flags:
        options["options"] = " ".join([options.get("options", ""), *flags]).strip()
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The review queue's covering index (INCLUDE) is PostgreSQL's; SQLite builds it without the
    # extra columns, which is all the demo needs: not worth a warning on every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Shared by every worker process: Redis when REDIS_URL is set (Django's backend, keeping its client:
# portal/cache.py), else the database cache table.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }

AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "start"  # portal.views.start: the page the person works on
LOGOUT_REDIRECT_URL = "/"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 would need another package; PBKDF2 at Django's current iteration count meets ASVS L2.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["portal.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Bootstrap comes from a Python package, served by whitenoise: the portal works offline, no CDN.
_bootstrap_dir = importlib.util.find_spec("bootstrap").submodule_search_locations[0]
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", _bootstrap_dir)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if envbool("STATIC_MANIFEST", "false" if DEBUG else "true")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploaded evidence lives outside the web root and is never served as a static file.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "congsangkien@localhost")

# Behind a TLS-terminating proxy, trust its X-Forwarded-Proto so absolute URLs (QR codes) say https.
BEHIND_PROXY = envbool("BEHIND_PROXY", "false")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false" if DEBUG else "true")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", str(8 * 60 * 60))  # a working day
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false" if DEBUG else "true")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 60 * 60))
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# Content-Security-Policy (django-csp): no inline script anywhere; styles from our files only,
# except the admin, whose own templates set a few inline styles.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

# Login throttling (django-axes): five failures for one username from one address lock that
# pair out for an hour; the count lives in the database, shared by every worker.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "portal.middleware.client_ip"

# Rate limits (django-ratelimit) live in the default cache, which every worker shares
# (the database cache, or Redis when REDIS_URL is set). Off only for load tests.
RATELIMIT_ENABLE = envbool("RATELIMIT_ENABLE", "true")
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "portal.middleware.client_ip"
# An admin's change of a campaign's rules or tree recomputes its maintained targets and counts
# in a thread of its own (about 20 s for a national campaign); false: in the request.
PROGRESS_REBUILD_IN_BACKGROUND = envbool("PROGRESS_REBUILD_IN_BACKGROUND", "true")

SUBMIT_RATE = os.environ.get("SUBMIT_RATE", "20/h")
SUBMIT_RATE_PER_PHONE = os.environ.get("SUBMIT_RATE_PER_PHONE", "10/h")
TRACK_RATE = os.environ.get("TRACK_RATE", "30/h")
TRACK_RATE_PER_CODE = os.environ.get("TRACK_RATE_PER_CODE", "10/h")
PASSWORD_RESET_RATE = os.environ.get("PASSWORD_RESET_RATE", "10/h")
PASSWORD_RESET_RATE_PER_EMAIL = os.environ.get("PASSWORD_RESET_RATE_PER_EMAIL", "3/h")

# Personal data (Luật 91/2025/QH15): kept for this many years after a campaign closes.
RETENTION_YEARS = envint("RETENTION_YEARS", "5")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The unit whose targets the home page shows: the federation that runs this portal
# (the seed's LĐLĐ huyện Gia Lâm). Falls back to the campaign's whole tree if absent.
HOME_UNIT_CODE = os.environ.get("HOME_UNIT_CODE", "GLA")
