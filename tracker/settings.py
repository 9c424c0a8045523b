"""Settings for Debate Tracker, read from the environment.

With no environment at all the project runs in development mode: DEBUG on, a SQLite file in the
project folder, a throwaway secret key. ``DJANGO_DEBUG=0`` selects production mode, which refuses
to start without ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` rather than fall back to a
silent default. ``.env.example`` documents every variable.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value; unset and empty both mean the default (as .env.example leaves them)."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    if value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1 (got {value!r}).")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_whole_number(name: str, default: str) -> int:
    value = env(name, default)
    if not (value.isascii() and value.isdigit()):
        raise ImproperlyConfigured(f"{name} must be a whole number, 0 or more (got {value!r}).")
    return int(value)


def env_required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} must be set when DJANGO_DEBUG=0 (production mode). See .env.example."
        )
    return value


DEBUG = env_bool("DJANGO_DEBUG", True)

if DEBUG:
    # Development only: a fixed, clearly-marked key so sessions survive restarts.
    SECRET_KEY = env("DJANGO_SECRET_KEY") or "django-insecure-development-only-key"
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or ["127.0.0.1", "localhost", "[::1]"]
else:
    SECRET_KEY = env_required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        env_required("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_filters",
    "django_htmx",
    # Member State names in the six languages (its translations, keyed by ISO code).
    "django_countries",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "recommendations",
]

MIDDLEWARE = [
    # First, so that the garbage collector waits for the whole response (tracker/middleware.py).
    "tracker.middleware.CollectBetweenRequestsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "tracker.middleware.RejectNulBytesMiddleware",
    # Each request reads the data version anew (recommendations/caching.py).
    "recommendations.caching.DataVersionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The path's language (/fr/...), else English; see tracker/languages.py.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # An unprefixed page for a reader who chose another language: redirect to its prefix.
    "tracker.languages.PreferredLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves the collected static files itself (runserver does it in development).
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

AUTHENTICATION_BACKENDS = [
    # First: refuses authentication for a locked-out username and address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "tracker.urls"

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
                "recommendations.context_processors.may",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

# DATABASE_URL picks the database; SQLite in the project folder by default.
_database_url = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        # PostgreSQL keeps each worker thread's connection between requests (checked before
        # reuse): opening one costs several milliseconds a request, more than most pages'
        # queries (bench/NOTES.md, issue 18). DJANGO_CONN_MAX_AGE=0 closes it after each request.
        conn_max_age=int(
            env("DJANGO_CONN_MAX_AGE", "0" if _database_url.startswith("sqlite") else "60")
        ),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, plus the planner's statistics kept current (tracker/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "tracker.sqlite"
    # IMMEDIATE transactions take the write lock up front, so concurrent writers queue on the
    # busy timeout instead of failing with "database is locked" halfway through a transaction.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# DATABASE_REPLICA_URL: a PostgreSQL read replica of DATABASE_URL. Anonymous readers' pages read
# from it, everyone else from the primary (tracker/routers.py; README, "Deploy"); the tests use
# the one database.
if env("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        env("DATABASE_REPLICA_URL"),
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["tracker.routers.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "tracker.routers.ReplicaMiddleware",
    )
# Seconds a person who has just written reads from the primary (their own write), signed in or
# not; keep it above the replica's lag.
TRACKER_REPLICA_PIN_SECONDS = env_whole_number("DJANGO_REPLICA_PIN_SECONDS", "10")
if TRACKER_REPLICA_PIN_SECONDS < 1:
    raise ImproperlyConfigured("DJANGO_REPLICA_PIN_SECONDS must be a whole number, 1 or more.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def cache_settings(url: str) -> dict[str, object]:
    """Django's cache from CACHE_URL (or REDIS_URL): Redis through Django's own RedisCache, as
    production runs it with more than one app server; unset, memory local to each process."""
    if not url:
        # Nothing to install. Each worker keeps its own entries; the page cache stays correct
        # across workers because its key is the data version, read from the database.
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(
            f"CACHE_URL (or REDIS_URL) must be a redis://, rediss:// or unix:// address, e.g. "
            f"redis://127.0.0.1:6379/0 (got a {scheme or 'schemeless'} address)."
        )
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


CACHES = {"default": cache_settings(env("CACHE_URL") or env("REDIS_URL"))}
# The shared page cache (recommendations/caching.py): public pages for anonymous readers, keyed
# by the data version. DJANGO_PAGE_CACHE=0 turns it off (the load test compares).
TRACKER_PAGE_CACHE = env_bool("DJANGO_PAGE_CACHE", True)
TRACKER_PAGE_CACHE_SECONDS = env_whole_number("DJANGO_PAGE_CACHE_SECONDS", "3600")
# The release whose pages are cached: a deploy starts with new keys. Empty: a digest of the
# code, templates and translations, the same on every server that runs the same files.
TRACKER_RELEASE = env("DJANGO_RELEASE")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
# Named, so that signing in or out on /fr/ lands on the French home page.
LOGIN_REDIRECT_URL = "recommendations:home"
LOGOUT_REDIRECT_URL = "recommendations:home"

# The six official languages of the United Nations. English is the source language and keeps
# unprefixed URLs; the others live under /fr/, /es/, /ar/, /ru/ and /zh-hans/ (tracker/urls.py).
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("ar", "العربية"),
    ("zh-hans", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Where the project's date formats differ from Django's (UN English writes "3 June 2008").
FORMAT_MODULE_PATH = ["tracker.formats"]
# The language menu's choice is kept for a year (Django's default lasts the browser session, so a
# reader whose browser asks for French and who chose English would be sent to French again).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves hashed, compressed files through WhiteNoise after collectstatic;
    # development and tests serve the source files directly.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Front-end libraries come from npm at install time (package-lock.json pins them); they are
# served from node_modules under a vendor/ prefix and never copied into git.
# The world map's shapes: Natural Earth countries as TopoJSON (npm world-atlas), read by
# recommendations/maps.py and projected once per process.
TRACKER_WORLD_ATLAS = Path(
    env("TRACKER_WORLD_ATLAS", str(BASE_DIR / "node_modules" / "world-atlas"))
)

STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]

# History pages are for reading; reverting would bypass the workflow services.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
# A mail server that drops packets must not hold a reviewer's request for long.
EMAIL_TIMEOUT = int(env("DJANGO_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "Debate Tracker <tracker@localhost>")

# Absolute links in e-mails (no request to take the host from): the site's public address.
TRACKER_SITE_URL = env("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Reviewers hear of a submitted update: "each" (a mail per update, on submission), "daily" (in
# the daily digest, manage.py send_digests) or "off".
TRACKER_REVIEW_MAIL = env("DJANGO_REVIEW_MAIL", "each").lower()
if TRACKER_REVIEW_MAIL not in ("each", "daily", "off"):
    raise ImproperlyConfigured(
        f"DJANGO_REVIEW_MAIL must be each, daily or off (got {TRACKER_REVIEW_MAIL!r})."
    )
# A cell has gone stale when its latest approved update took effect more than this many months
# ago: the dashboard's list and the editors' digest.
TRACKER_STALE_MONTHS = env_whole_number("DJANGO_STALE_MONTHS", "24")
if TRACKER_STALE_MONTHS < 1:
    raise ImproperlyConfigured("DJANGO_STALE_MONTHS must be a whole number, 1 or more (got 0).")

# Background work (an import too large for one request) through Django's tasks API: queued in the
# database, run by `manage.py db_worker` (make run starts one beside the server). DJANGO_TASKS=
# immediate runs each task inside the request that asks for it (the tests, a machine without a
# worker).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }.get(env("DJANGO_TASKS", "database").lower(), "invalid"),
        "QUEUES": ["default"],
    }
}
if TASKS["default"]["BACKEND"] == "invalid":
    raise ImproperlyConfigured("DJANGO_TASKS must be database or immediate.")
# Spreadsheet import: the largest file (bytes) and number of rows one import takes; an import of
# more rows than TRACKER_IMPORT_INLINE_ROWS is read and written by the worker, not the request.
TRACKER_IMPORT_MAX_BYTES = env_whole_number("DJANGO_IMPORT_MAX_BYTES", str(10 * 1024 * 1024))
TRACKER_IMPORT_MAX_ROWS = env_whole_number("DJANGO_IMPORT_MAX_ROWS", "50000")
TRACKER_IMPORT_INLINE_ROWS = env_whole_number("DJANGO_IMPORT_INLINE_ROWS", "1000")

# --------------------------------------------------------------------------------------------
# The JSON API (/api/v1/, recommendations/api/)
# --------------------------------------------------------------------------------------------

# Programs sign in with a token a person makes on their Tokens page (knox keeps only its hash).
KNOX_TOKEN_MODEL = "recommendations.ApiToken"
# knox's own migrations predate its swappable model and would create a table for the token
# model ApiToken replaces: unused, and on PostgreSQL its key to auth_user stops the tests' flush
# (TRUNCATE). The app stays installed for its code; its swapped model gets no table.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": None,  # each token has the expiry its owner chose (recommendations/api/tokens.py)
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_PREFIX": "dt_",  # recognisable in a leaked configuration file
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "recommendations.api.authentication.TokenAuthentication",  # knox, malformed -> 401
        "rest_framework.authentication.SessionAuthentication",  # the browsable API, with CSRF
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["recommendations.api.parsers.JSONParser"],  # deep nesting -> 400
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "recommendations.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    # Requests a client may make, per address when anonymous, per person with a token or a
    # session; past it the API answers 429 with Retry-After.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("DJANGO_API_THROTTLE_ANON", "120/minute"),
        "user": env("DJANGO_API_THROTTLE_USER", "600/minute"),
    },
    # 0: the connection's address alone (DRF reads None as "trust all of X-Forwarded-For",
    # which a client could then rotate to escape the anonymous rate).
    "NUM_PROXIES": env_whole_number("DJANGO_PROXY_COUNT", "0"),
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Debate Tracker API",
    "DESCRIPTION": (
        "Follow-up of the recommendations of the UN General Assembly's thematic debate on human "
        "trafficking (3 June 2008), Member State by Member State. Reading is open to anyone and "
        "shows approved updates only, as the public pages do; editors and reviewers write with "
        "a token from their Tokens page (`Authorization: Token ...`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # The docstrings are for the code's readers; the docs say the operations' summaries, which
    # are translated (?lang=fr), and the fields' help texts.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "recommendations.models.choices.Status",
        # The updates' and the changes' source, one enum (two components name it "source").
        "AssessmentSourceEnum": "recommendations.models.choices.AssessmentSource",
        "ReportedStatusEnum": "recommendations.api.serializers.REPORTED_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",  # the default, kept
        "recommendations.api.schema.empty_values_allowed",
    ],
}

# Where the seed command reads the catalogue and the list of Member States.
TRACKER_DATA_DIR = Path(env("TRACKER_DATA_DIR") or BASE_DIR / "recommendations" / "data")
# Where the development logins are written (gitignored), so `make run` can print them every
# time: one file per database, so a second one (a scratch demo.sqlite3) keeps its own.
_database = Path(str(DATABASES["default"]["NAME"])).stem
TRACKER_DEV_LOGIN_FILE = BASE_DIR / (
    ".dev-login.txt" if _database == "db" else f".dev-login-{_database}.txt"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "INFO")},
    # Django's own "django" logger would print every line a second time through its handler.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        # Failed sign-ins are recorded in the database (Admin > Axes); log only lockouts.
        "axes": {"level": "WARNING"},
    },
}

# --------------------------------------------------------------------------------------------
# Security
# --------------------------------------------------------------------------------------------

# Sign-in protection (django-axes): after 5 failed sign-ins for a username from one address,
# both login pages refuse it for the cool-off period.
AXES_FAILURE_LIMIT = int(env("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(env("DJANGO_LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_VERBOSE = False


def axes_ip_settings(proxy_count: int) -> dict[str, object]:
    """How django-axes (through django-ipware) finds the client's address behind proxy_count
    proxies that each append the address they received from to X-Forwarded-For.

    With no proxy only the connection's address counts: X-Forwarded-For is then whatever the
    client chose to send. Behind proxies the client is the proxy_count-th address from the right
    of X-Forwarded-For; everything left of it is the client's own, forgeable, text. ipware counts
    only the proxies listed in the header after the client, one fewer than proxy_count (the
    nearest proxy is REMOTE_ADDR, not in the header), and its strict mode would drop a header a
    client had prepended addresses to and fall back to the proxy's own address.
    """
    if proxy_count == 0:
        return {
            "AXES_IPWARE_PROXY_ORDER": "left-most",
            "AXES_IPWARE_PROXY_COUNT": None,
            "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",),
            "IPWARE_STRICT": False,
        }
    return {
        "AXES_IPWARE_PROXY_ORDER": "left-most",
        "AXES_IPWARE_PROXY_COUNT": proxy_count - 1,
        "AXES_IPWARE_META_PRECEDENCE_ORDER": ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"),
        "IPWARE_STRICT": False,
    }


# The sign-in lockout counts failures per client address: behind a proxy, the one it forwards.
_client_address = axes_ip_settings(env_whole_number("DJANGO_PROXY_COUNT", "0"))
AXES_IPWARE_PROXY_ORDER = _client_address["AXES_IPWARE_PROXY_ORDER"]
AXES_IPWARE_PROXY_COUNT = _client_address["AXES_IPWARE_PROXY_COUNT"]
AXES_IPWARE_META_PRECEDENCE_ORDER = _client_address["AXES_IPWARE_META_PRECEDENCE_ORDER"]
IPWARE_STRICT = _client_address["IPWARE_STRICT"]

# Content-Security-Policy (django-csp): our own files only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions live in the database, so any app server answers any request; with a shared cache
# (Redis) they are read from it first. Never from memory local to a process: a sign-out on one
# worker would leave the session alive in the others'.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    else "django.contrib.sessions.backends.db"
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
_proxy_header = env("DJANGO_SECURE_PROXY_SSL_HEADER")  # e.g. HTTP_X_FORWARDED_PROTO
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")

if not DEBUG:
    # HTTPS everywhere in production. DJANGO_SECURE_SSL_REDIRECT=0 only for a local check
    # (`make serve`); a real deployment keeps it on.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
    SECURE_HSTS_SECONDS = int(env("DJANGO_SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # "preload" only marks the header as eligible; nothing is listed until someone submits
    # the domain to the browsers' preload list.
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
