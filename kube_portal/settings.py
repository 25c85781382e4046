"""KUBE Portal settings, read from the environment.

Every variable is read by a typed reader that stops start-up with a message
naming the variable when its value is wrong. Without DATABASE_URL / REDIS_URL
the embedded PostgreSQL and Redis of ``kube_portal.embedded`` are used.
"""

import sys
from pathlib import Path

import pghistory
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kube_portal import embedded
from kube_portal.env import env_bool, env_database, env_int, env_list, env_redis_url, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=True)
# Under pytest: fast password hashing and a separate cache namespace.
TESTING = env_bool("KUBE_TESTING", default="pytest" in sys.modules)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "audit",
    "regions",
    "accounts",
    "beneficiaries",
    "groups",
    "mentors",
    "graduation",
    "dashboards",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kube_portal.middleware.ApiGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kube_portal.db_router.ReadYourWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kube_portal.middleware.ChosenLanguageOnlyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kube_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "kube_portal.wsgi.application"

# --- Database and Redis ---------------------------------------------------------------

# Production (DEBUG off) never starts the embedded servers: a forgotten variable must stop
# start-up, not quietly put the register into a folder of the checkout.
if not DEBUG:
    for variable in ("DATABASE_URL", "REDIS_URL"):
        if not env_str(variable, default="").strip():
            raise ImproperlyConfigured(
                f"{variable} must be set when DJANGO_DEBUG is off: the embedded "
                f"{'PostgreSQL' if variable == 'DATABASE_URL' else 'Redis'} is for development only."
            )

DATABASES = {"default": env_database("DATABASE_URL")}
# seed_demo writes the published demo logins only into the database the app created itself.
EMBEDDED_DATABASE = not DATABASES["default"]
if EMBEDDED_DATABASE:
    DATABASES["default"] = {"ENGINE": "django.db.backends.postgresql", **embedded.postgres_settings()}
DATABASES["default"].update(
    {
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", default=60),
        "CONN_HEALTH_CHECKS": True,
        # Parallel test runs (several checkouts on one server) keep apart by suffix.
        "TEST": {"NAME": "test_kube_portal" + env_str("KUBE_TEST_DB_SUFFIX", default="")},
    }
)

# The read replica (kube_portal.db_router): dashboards, exports and reports read from it in
# the views marked @reads_from_replica; without DATABASE_REPLICA_URL there is none and
# everything reads the primary. Under pytest the variable is not read: the replica tests add
# the alias themselves (conftest `replica`), on the test database, and nothing else routes there.
replica_database = {} if TESTING else env_database("DATABASE_REPLICA_URL")
if replica_database:
    # A replica that is down must cost a request little: libpq's minimum (2 s) unless the URL says.
    replica_database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    DATABASES["replica"] = {
        **replica_database,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        # The router probes the replica at the first read of each request (kube_portal.db_router).
        "CONN_HEALTH_CHECKS": False,
    }
DATABASE_ROUTERS = ["kube_portal.db_router.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", default=30)
DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = env_int("DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS", default=10)

REDIS_URL = env_redis_url("REDIS_URL")
if not REDIS_URL:
    REDIS_URL = f"unix://{embedded.redis_socket()}"
# Short socket timeouts everywhere Redis is used: when it is down or unreachable, a page
# that needs it answers within a second or two instead of hanging a web worker.
REDIS_CONNECT_TIMEOUT = 1
REDIS_SOCKET_TIMEOUT = 2

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "kube" + env_str("KUBE_TEST_DB_SUFFIX", default="") + ("-test" if TESTING else ""),
        "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT},
    }
}
# Sessions stay in PostgreSQL (Django's default engine, said here so nobody moves them to the
# cache): with Redis down, people stay logged in and pages keep working.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Celery speaks kombu URLs: a unix socket is redis+socket://, a TCP server redis://.
CELERY_BROKER_URL = REDIS_URL.replace("unix://", "redis+socket://", 1)
# Results are ignored (no page reads a task's return value): a publish of a task that keeps its
# result also waits for the result store (19 s of reconnecting when Redis was down). The one use
# of the result backend, on the same Redis, is counting the parts of the nightly run's chord
# (graduation.tasks; its header tasks keep their results, a few numbers, for a day).
CELERY_RESULT_BACKEND = CELERY_BROKER_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = 5
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": 5,  # above the consumer's 1 s BRPOP poll
}
# A publish is tried twice within half a second; then kube_portal.queue says "try later".
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# The queue tasks go to and workers read. A test run uses its own (and gives it to the
# workers it starts), so that a worker of `make run` on the same Redis never takes its tasks.
CELERY_TASK_DEFAULT_QUEUE = env_str(
    "CELERY_TASK_DEFAULT_QUEUE",
    default="kube-test" + env_str("KUBE_TEST_DB_SUFFIX", default="") if TESTING else "celery",
)
CELERY_TIMEZONE = "Asia/Jakarta"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Worker processes are replaced after this many tasks, or after a task that took their
# resident memory above the limit; each has a hard ceiling on its address space
# (kube_portal.celery), so a task that asks for more gets a MemoryError and fails alone.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_MB", default=600) * 1024  # KB
WORKER_MEMORY_LIMIT_MB = env_int("CELERY_WORKER_MEMORY_LIMIT_MB", default=2048)

# --- Accounts ---------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Failed logins allowed in the window (accounts.throttling): per username at one address; per
# username from addresses it never logged in from (0: twice the first); per address for
# usernames new to it (0: ten times the first). A successful login makes the pair known.
LOGIN_ATTEMPTS_LIMIT = env_int("LOGIN_ATTEMPTS_LIMIT", default=5)
LOGIN_ATTEMPTS_USER_LIMIT = env_int("LOGIN_ATTEMPTS_USER_LIMIT", default=0)
LOGIN_ATTEMPTS_ADDRESS_LIMIT = env_int("LOGIN_ATTEMPTS_ADDRESS_LIMIT", default=0)
LOGIN_ATTEMPTS_WINDOW_SECONDS = env_int("LOGIN_ATTEMPTS_WINDOW_SECONDS", default=900)
LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", default=30)
# Reverse proxies in front of the app that append to X-Forwarded-For; the throttle counts
# the address the outermost of ours saw, never one a client wrote itself.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)

# --- Language and time ----------------------------------------------------------------------

LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", default=str(BASE_DIR / ".local" / "staticfiles")))
if DEBUG or TESTING:
    # WhiteNoise warns at start-up when the folder is missing; collectstatic makes it in production.
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", default=str(BASE_DIR / ".local" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Audit trail (django-pghistory, see audit/) ---------------------------------------------------

# Event tables are written by triggers and read by the history pages: no foreign key checks and
# only the indexes the pages read by (audit.tracking.tracked declares them), so a 100,000-row import
# pays for as few indexes as possible.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_OBJ_FIELD = pghistory.ObjForeignKey(db_index=False)
# Nobody edits or deletes the trail, not even through SQL: triggers refuse it.
PGHISTORY_APPEND_ONLY = True
# The time of each event, not of its transaction's start: the events of one request (a household and
# its members) are listed in the order they were written.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"
# Resolves the request's user when a write is recorded (audit.context.RequestUser).
PGHISTORY_JSON_ENCODER = "audit.context.ContextEncoder"
PGHISTORY_ADMIN_MODEL = "audit.AuditEvents"
PGHISTORY_ADMIN_CLASS = "audit.admin.AuditEventsAdmin"
# The admin lists events once a filter is chosen: all tables at once is a large union.
PGHISTORY_ADMIN_ALL_EVENTS = False

# --- Security (production) ----------------------------------------------------------------------

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from this site only.
# No inline script and no inline style attribute anywhere (templates load static files; data
# for charts travels in <script type="application/json"> blocks, which are not executed);
# htmx is configured not to eval. `data:` images are Bootstrap's SVG icons in its CSS; `blob:`
# images are the field app's photo thumbnails, shrunk on the phone before they are sent.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- REST API (api/, docs/api.md) ----------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: an unauthenticated request is answered 401 with WWW-Authenticate (api.authentication).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.sync.SyncCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle", "api.throttling.UserRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
}
# Requests per token and per login (all its tokens and its browser together): DRF rates, "600/min".
API_THROTTLE_TOKEN_RATE = env_str("API_THROTTLE_TOKEN_RATE", default="600/min")
API_THROTTLE_USER_RATE = env_str("API_THROTTLE_USER_RATE", default="1200/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "KUBE Portal API",
    "DESCRIPTION": "REST API v1: the registers and workflows of KUBE Portal, scoped like the pages (docs/api.md).",
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.error_responses"],
    "ENUM_NAME_OVERRIDES": {},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
}

# drf-spectacular's W001 names enum-name collisions (two choice sets called "status") and a filter
# whose type it guesses: cosmetic names in the schema, which schemathesis validates against the live
# API in the suite. Open in issue 13's note: ENUM_NAME_OVERRIDES for each choice set, then unsilence.
SILENCED_SYSTEM_CHECKS = ["drf_spectacular.W001"]
