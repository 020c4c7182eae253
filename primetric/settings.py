"""Settings, read from the environment (django-environ); every variable is listed in .env.example.

Development defaults need no server installed: without DATABASE_URL and REDIS_URL, PostgreSQL and Redis from
wheels are started under var/ (primetric/devservers.py). Production requires both variables.
With PRIMETRIC_ENV=production the site refuses to start without SECRET_KEY and turns on every
protection that `manage.py check --deploy` looks for.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from primetric import devservers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def literal(name, default=environ.Env.NOTSET):
    """A variable exactly as written. `env.str` reads a value that starts with "$" as the name of another
    variable, and Django's own key generator can start a SECRET_KEY with "$"."""
    if name in os.environ:
        return os.environ[name]
    if default is environ.Env.NOTSET:
        raise ImproperlyConfigured(f"Set the {name} environment variable")
    return default


PRIMETRIC_ENV = env.str("PRIMETRIC_ENV", default="development")
if PRIMETRIC_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PRIMETRIC_ENV must be 'development' or 'production'")
PRODUCTION = PRIMETRIC_ENV == "production"

if PRODUCTION:
    SECRET_KEY = literal("SECRET_KEY")  # no default: refuse to start without it
    DEBUG = env.bool("DEBUG", default=False)
else:
    SECRET_KEY = literal("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789")
    DEBUG = env.bool("DEBUG", default=True)

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Public address of this site, used for absolute URLs given to others (the OAuth redirect URL).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "people",
    "projects",
    "worklogs",
    "capacity",
    "integrations",
    "planning",
    "api",
    "primetric",
]

MIDDLEWARE = [
    "primetric.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "primetric.middleware.ContentSecurityPolicyMiddleware",
]

if PRODUCTION or not DEBUG:
    # Static files served by the app itself (gunicorn, or runserver without DEBUG as `make run` starts it); with
    # DEBUG on, runserver serves them. Outside production straight from the static folders, no collectstatic.
    MIDDLEWARE.insert(2, "whitenoise.middleware.WhiteNoiseMiddleware")
    WHITENOISE_USE_FINDERS = not PRODUCTION

ROOT_URLCONF = "primetric.urls"
WSGI_APPLICATION = "primetric.wsgi.application"

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
                "people.context_processors.tenant",
            ],
            # `|bdi` and `|plain` for names and notes (people/templatetags/display.py), in every template.
            "builtins": ["people.templatetags.display"],
        },
    },
]

if os.environ.get("DATABASE_URL") or PRODUCTION:
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    # PostgreSQL from a wheel, started on first use and shared by every process (primetric/devservers.py).
    DATABASES = {"default": devservers.postgres()}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL") or PRODUCTION:
    REDIS_URL = env.str("REDIS_URL")
else:
    REDIS_URL = devservers.redis_url()
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["people.auth.EmailBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "root"
LOGOUT_REDIRECT_URL = "login"
# Failed sign-ins allowed per account, and per client address, within the window before a pause (people/auth.py).
# The address limit is higher: many people may share one office address.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=30)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=300)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic puts the files gunicorn serves in production (the image's build step; scripts/redteam).
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------------------------
# EMAIL_URL (django-environ): smtp+tls://user:password@host:587 in production. Unset in development, every
# message is written to a file under var/mail/ and listed at /dev/mail/: `make run` never sends a real e-mail.
if "EMAIL_URL" in os.environ or PRODUCTION:
    _email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
    if _email.get("EMAIL_FILE_PATH"):
        _email["EMAIL_FILE_PATH"] = str(BASE_DIR / _email["EMAIL_FILE_PATH"])
else:
    _email = {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(VAR_DIR / "mail"),
    }
vars().update({key: value for key, value in _email.items() if value not in (None, "")})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Primetric <primetric@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
# The development mailbox page (/dev/mail/) lists the files of the file-based backend. Only where the environment
# says development in so many words (`make run` does): an instance started without PRIMETRIC_ENV has none.
DEV_MAILBOX = os.environ.get("PRIMETRIC_ENV") == "development" and env.bool("DEV_MAILBOX", default=True)
# How long the links in e-mails work: confirming a sign-up, accepting an invitation, resetting a password.
SIGNUP_LINK_MAX_AGE = env.int("SIGNUP_LINK_MAX_AGE", default=2 * 24 * 3600)
INVITATION_MAX_AGE = env.int("INVITATION_MAX_AGE", default=7 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=24 * 3600)
# Sign-ups and password-reset requests allowed per client address (and per e-mail) in ACCOUNT_REQUEST_WINDOW.
ACCOUNT_REQUEST_LIMIT = env.int("ACCOUNT_REQUEST_LIMIT", default=5)
ACCOUNT_REQUEST_WINDOW = env.int("ACCOUNT_REQUEST_WINDOW", default=3600)

# --- Security -------------------------------------------------------------------------------------------
# Error reports (the DEBUG page, error e-mails) hide our secrets: settings, tokens, the OAuth code and verifier.
DEFAULT_EXCEPTION_REPORTER_FILTER = "primetric.error_reports.SecretsFilter"
DEFAULT_EXCEPTION_REPORTER = "primetric.error_reports.SecretsReporter"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_NAME = "primetric_session"
CSRF_COOKIE_NAME = "primetric_csrftoken"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' {hubstaff}; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

# Key(s) that encrypt secrets at rest (Fernet keys, newest first; see docs/operations.md for rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production")
    # Development: a stable key derived from SECRET_KEY, so that a restarted dev server still reads its data.
    import base64
    import hashlib

    FIELD_ENCRYPTION_KEYS = [base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()]

# --- Hubstaff ---------------------------------------------------------------------------------------------
# Every Hubstaff address is a setting, so that the same code talks to the real Hubstaff or to the sandbox.
HUBSTAFF_ACCOUNT_URL = env.str("HUBSTAFF_ACCOUNT_URL", default="http://127.0.0.1:8001").rstrip("/")
HUBSTAFF_API_URL = env.str("HUBSTAFF_API_URL", default="http://127.0.0.1:8001/v2").rstrip("/")
HUBSTAFF_DEVELOPER_URL = env.str("HUBSTAFF_DEVELOPER_URL", default="http://127.0.0.1:8001").rstrip("/")
HUBSTAFF_REQUEST_TIMEOUT = env.float("HUBSTAFF_REQUEST_TIMEOUT", default=30.0)
HUBSTAFF_MAX_RETRIES = env.int("HUBSTAFF_MAX_RETRIES", default=5)
HUBSTAFF_RETRY_BASE_DELAY = env.float("HUBSTAFF_RETRY_BASE_DELAY", default=1.0)
HUBSTAFF_MAX_RETRY_AFTER = env.float("HUBSTAFF_MAX_RETRY_AFTER", default=120.0)
# Days re-read on every incremental sync so that edits and deletions at Hubstaff reach us.
HUBSTAFF_TRAILING_DAYS = env.int("HUBSTAFF_TRAILING_DAYS", default=7)
# The reconciliation sweep (integrations/services/reconcile.py): every day of the last RECONCILE_RECENT_DAYS is
# re-read at least every RECONCILE_RECENT_EVERY_DAYS, every older day (to Hubstaff's 3 years) at least every
# RECONCILE_OLD_EVERY_DAYS, a slice a day per project, whatever Hubstaff's change listings record.
RECONCILE_RECENT_DAYS = max(1, env.int("RECONCILE_RECENT_DAYS", default=90))
RECONCILE_RECENT_EVERY_DAYS = max(3, env.int("RECONCILE_RECENT_EVERY_DAYS", default=7))
RECONCILE_OLD_EVERY_DAYS = max(3, env.int("RECONCILE_OLD_EVERY_DAYS", default=30))
# Date windows a sync fetches at once (each a sequence of pages; the number of requests does not change).
HUBSTAFF_FETCH_STREAMS = max(1, env.int("HUBSTAFF_FETCH_STREAMS", default=2))
# Plan and write each fetched window while later ones are fetched, in the sync's one transaction
# (integrations/services/early.py). Off: the apply starts after the last page.
HUBSTAFF_APPLY_WHILE_FETCHING = env.bool("HUBSTAFF_APPLY_WHILE_FETCHING", default=True)
# Hubstaff's request budget per OAuth app (1000 an hour), shared by every sync of an installation
# (integrations/hubstaff/budget.py): requests per window, and the window's length in seconds.
HUBSTAFF_RATE_BUDGET = max(2, env.int("HUBSTAFF_RATE_BUDGET", default=1000))
HUBSTAFF_RATE_WINDOW_SECONDS = env.float("HUBSTAFF_RATE_WINDOW_SECONDS", default=3600.0)
# The share of each window a large sync (a reset, a preview, a first sync) leaves to the others even when it runs
# alone, so that a click or a daily sync arriving later starts at once.
HUBSTAFF_RATE_RESERVE = min(0.5, max(0.0, env.float("HUBSTAFF_RATE_RESERVE", default=0.2)))
# A run paced by Hubstaff (429s, the budget) fails only after reading nothing for this long.
HUBSTAFF_NO_PROGRESS_SECONDS = env.float("HUBSTAFF_NO_PROGRESS_SECONDS", default=3 * 3600.0)
# Live updates (integrations/services/live.py): Hubstaff's events arriving within this many seconds of the first
# join one sync of the days they name; a webhook's verification POST is awaited this long; deliveries beyond the
# rate (per installation and minute) are refused with a 429.
HUBSTAFF_EVENT_COALESCE_SECONDS = env.float("HUBSTAFF_EVENT_COALESCE_SECONDS", default=20.0)
# The share of the installation's request budget its event batches may take: once they spent it (and 10 minutes'
# worth more), the next batch waits longer than the coalescing delay (services/batch.py).
HUBSTAFF_EVENT_BUDGET_SHARE = min(0.5, max(0.01, env.float("HUBSTAFF_EVENT_BUDGET_SHARE", default=0.15)))
HUBSTAFF_HOOK_VERIFY_SECONDS = env.float("HUBSTAFF_HOOK_VERIFY_SECONDS", default=30.0)
HUBSTAFF_EVENT_RATE_PER_MINUTE = env.int("HUBSTAFF_EVENT_RATE_PER_MINUTE", default=600)
# The hourly fallback (integrations.services.live.check_hourly) asks Hubstaff what changed this far back (twice its
# period, so that a change a busy sync skipped is seen once more), and calls events stopped after as long without.
HUBSTAFF_FALLBACK_LOOKBACK_HOURS = env.float("HUBSTAFF_FALLBACK_LOOKBACK_HOURS", default=2.0)
CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.format(hubstaff=HUBSTAFF_ACCOUNT_URL)

# --- Celery -------------------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
# Redis hands an unacknowledged task out again after this many seconds (acks_late below). It must exceed the
# longest countdown a task waits with (integrations.hubstaff.retries.MAX_RETRY_AFTER), or a waiting task is
# handed out twice; a dead worker's run comes back sooner through its lease (integrations.services.runs).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "enqueue-due-syncs": {
        "task": "integrations.tasks.enqueue_due_syncs",
        "schedule": timedelta(minutes=env.int("SYNC_BEAT_MINUTES", default=15)),
    },
    # Queues the reconciliations whose daily slot has come (integrations.services.schedule).
    "enqueue-due-reconciliations": {
        "task": "integrations.tasks.enqueue_due_reconciliations",
        "schedule": timedelta(minutes=env.int("SYNC_BEAT_MINUTES", default=15)),
    },
    "recover-sync-runs": {
        "task": "integrations.tasks.recover_sync_runs",
        "schedule": timedelta(seconds=env.int("SYNC_RECOVER_SECONDS", default=60)),
    },
    # As often as a preview's fetch is kept (integrations.services.checkpoint.KEEP_PREVIEW), so that it goes
    # within twice that even when the project never syncs again.
    "sweep-fetch-checkpoints": {
        "task": "integrations.tasks.sweep_fetch_checkpoints",
        "schedule": timedelta(minutes=10),
    },
    "purge-expired-links": {"task": "people.tasks.purge_expired_links", "schedule": timedelta(hours=1)},
    # Hubstaff event ids seen more than a few days ago (integrations.services.live.KEEP_EVENTS).
    "purge-hubstaff-events": {
        "task": "integrations.tasks.purge_hubstaff_events",
        "schedule": timedelta(hours=6),
    },
    # Where Hubstaff's events do not come: the projects whose time changed, synced (integrations.services.live).
    "check-live-updates-hourly": {
        "task": "integrations.tasks.check_live_updates_hourly",
        "schedule": timedelta(hours=1),
    },
    # The ledgers of runs older than SYNC_LEDGER_RETENTION_DAYS (integrations.services.ledger).
    "purge-sync-ledger": {
        "task": "integrations.tasks.purge_sync_ledger",
        "schedule": timedelta(hours=24),
    },
    # Time off, holidays and expected weekly hours from Hubstaff into capacity (integrations.services.availability).
    "import-availability-daily": {
        "task": "integrations.tasks.import_availability_daily",
        "schedule": timedelta(hours=24),
    },
}
# A sync run's lease: a run whose worker has not renewed it for this long is taken over (services.runs).
SYNC_LEASE_SECONDS = env.int("SYNC_LEASE_SECONDS", default=90)
# A run can be undone this long; its ledger is purged after (integrations.services.ledger).
SYNC_LEDGER_RETENTION_DAYS = env.int("SYNC_LEDGER_RETENTION_DAYS", default=90)

# --- Celery queues: a person's work ahead of the schedule's (integrations/services/queues.py) -----------------
# A worker serves the queues it is given with -Q (all of these without -Q), polling them in that order: "priority"
# keeps the order in each BRPOP, so a worker serving both takes an interactive message first whenever one waits.
CELERY_TASK_QUEUES = (Queue("interactive"), Queue("scheduled"))
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_BROKER_TRANSPORT_OPTIONS["queue_order_strategy"] = "priority"
# A worker takes a message only when a process is free to run it. Otherwise each message it holds for a countdown
# (a run sent back by fairness, the budget or a lease) lets it reserve one more, and a person's run reserved by a
# busy worker would wait there while another worker's process is free.
CELERY_WORKER_DISABLE_PREFETCH = True
# A sync run's message names its queue when it is sent (queues.send_task_options); the other tasks by name. What
# is not listed (e-mails, the recovery, the webhooks' events and batches, subscriptions) is interactive: short,
# and waited for.
CELERY_TASK_ROUTES = {
    "integrations.tasks.enqueue_due_syncs": {"queue": "scheduled"},
    "integrations.tasks.enqueue_due_reconciliations": {"queue": "scheduled"},
    "integrations.tasks.send_runs_task": {"queue": "scheduled"},
    "integrations.tasks.check_live_updates_hourly": {"queue": "scheduled"},
    "integrations.tasks.check_live_updates_task": {"queue": "scheduled"},
    "integrations.tasks.import_availability_daily": {"queue": "scheduled"},
    "integrations.tasks.import_availability_task": {"queue": "scheduled"},
    "integrations.tasks.purge_sync_ledger": {"queue": "scheduled"},
}
# At most this many sync runs of one installation run at once (integrations/services/fairness.py); the others
# wait on the broker, holding no worker.
HUBSTAFF_RUNS_PER_INSTALLATION = env.int("HUBSTAFF_RUNS_PER_INSTALLATION", default=2)

# --- Connections through PgBouncer (transaction pooling; docker-compose.yml, docs/operations.md) ------------------
# A server-side cursor (QuerySet.iterator() on PostgreSQL) lives in one server connection across statements; behind
# a transaction pooler the next fetch may reach another one. Set where the pooler is: iterator() reads client-side.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)

# --- Operators' figures (primetric/metrics.py) ---------------------------------------------------------------
# Prometheus scrapes /metrics with `Authorization: Bearer <METRICS_TOKEN>`; unset, there is no such page (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# --- REST framework ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.HashedTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Primetric API",
    "DESCRIPTION": "Resource planning with Hubstaff work-log sync.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Two "source" choice sets with the same values (a work log's, a capacity row's): each its own name.
    "ENUM_NAME_OVERRIDES": {
        "WorkLogSourceEnum": "worklogs.models.WorkLog.Source",
        "CapacitySourceEnum": "capacity.models.Source",
    },
}

# --- Logging: one line per event to stderr; secrets never reach it (integrations.hubstaff.transport) --------
# The access logs drop OAuth codes and `state` from URLs, and the secret from an e-mailed link's path
# (primetric/access_log.py, primetric/gunicorn.conf.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_query_strings": {"()": "primetric.access_log.RedactQueryStrings"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        # Django's request warnings name the path ("Not Found: /accounts/invitation/..."): redacted too.
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact_query_strings"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_query_strings"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's request warnings through our console alone (not also its DEBUG-only one, which would print
        # the path unredacted). No ADMINS are set, so its mail_admins handler had nothing to send.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}

# --- Logs as JSON in production (primetric/logs.py) ------------------------------------------------------------
# One JSON object a line, each line of a sync run with its run id and organization (bound by primetric/celery.py
# while a task runs). LOG_FORMAT=json or plain overrides the choice.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured("LOG_FORMAT must be 'json' or 'plain'")
_logging = cast(dict[str, dict[str, Any]], LOGGING)
_logging["filters"]["run_context"] = {"()": "primetric.logs.RunContext"}
_logging["formatters"]["json"] = {"()": "primetric.logs.JsonFormatter"}
for _handler in ("console", "django.server"):
    _logging["handlers"][_handler]["filters"].append("run_context")
    if LOG_FORMAT == "json":
        _logging["handlers"][_handler]["formatter"] = "json"
# A worker keeps these handlers rather than Celery's own (which would print its plain lines instead).
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
