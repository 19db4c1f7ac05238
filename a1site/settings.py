"""A1 Studio settings: one module, every value from the environment.

A malformed value stops start-up with ImproperlyConfigured naming the variable,
because a portal that spends paid points must not run on a half-understood setting.
"""

import ipaddress
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from a1site.environment import BASE_DIR, env, env_bool, env_float, env_http_url, env_int
from a1site.storage import s3_from_environment, s3_storage

VAR_DIR = BASE_DIR / "var"

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env_bool("DEBUG", True)
LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=LOOPBACK_HOSTS)
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if set(ALLOWED_HOSTS) - set(LOOPBACK_HOSTS):
        # The fallback key is public: signed links and sessions would be forgeable by
        # anyone who can reach a portal that forgot DEBUG=0.
        raise ImproperlyConfigured(
            f"SECRET_KEY must be set when the portal answers beyond loopback "
            f"(ALLOWED_HOSTS={ALLOWED_HOSTS!r}), whatever DEBUG says."
        )
    # Development only: a fixed key keeps sessions alive across restarts of `make run`.
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "axes",
    # Only for its bundled Swagger UI files and template (the REST API's docs).
    "ninja",
    # The core that spends and holds points, then the domains that stand on it.
    "generator",
    "library",
    "lifecycle",
    "accounts",
    "ops",
    "sandbox",
]

MIDDLEWARE = [
    "common.logging.RequestIdMiddleware",
    "common.metrics.RequestMetricsMiddleware",
    # The database dropped the connection or is away: the 503 page, not a 500.
    "common.outage.DatabaseAwayMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compress about 7x; Django pads compressed responses against BREACH, and
    # CSRF tokens are masked per response.
    "common.compression.GZipPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who acted and from where, for the audit log (after authentication).
    "generator.audit.origin.AuditOriginMiddleware",
    # After the log-in is known: a person's own language and time zone beat the browser's.
    "accounts.middleware.ProfileMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: it turns a refused log-in into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "a1site.urls"
WSGI_APPLICATION = "a1site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "generator.context_processors.studio",
            ],
        },
    },
]

# SQLite by default. WAL, a busy timeout and IMMEDIATE transactions let the web
# process and the worker share one file without "database is locked" errors.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # A file, not memory, so tests can share it with a worker in another process.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# Connections are kept between requests (a new one per request costs more than a kept
# page), and checked before reuse.
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://a1studio")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    # Gallery cards are kept one by one (50 a page, per language): Django's default of
    # 300 entries would push kept pages out as soon as two people page through history.
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20_000)
# Redis is optional at run time: while it is away, reads miss, writes are dropped and
# rate limits let requests in (common/cache.py); a stalled Redis costs CACHE_TIMEOUT.
CACHE_TIMEOUT = env_float("CACHE_TIMEOUT", 0.5)
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "common.cache.OptionalRedisCache"
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": CACHE_TIMEOUT, "socket_timeout": CACHE_TIMEOUT}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Tests only: full-cost hashing is most of their set-up time. Never with DEBUG off.
if env_bool("FAST_PASSWORD_HASHER_FOR_TESTS", False):
    if not DEBUG:
        raise ImproperlyConfigured("FAST_PASSWORD_HASHER_FOR_TESTS is for tests (DEBUG=1) only.")
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/apps/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
    ("ja", _("Japanese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language, never month-first numbers (a1site/formats/).
FORMAT_MODULE_PATH = ["a1site.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = BASE_DIR / env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# --- Storage: S3-compatible object storage ------------------------------------------
# With a bucket, photos and results live in S3 (AWS, MinIO, R2...) instead of under
# MEDIA_ROOT (a1site/storage.py reads and checks the S3_* variables).
_s3 = s3_from_environment()
S3_BUCKET, S3_ENDPOINT_URL, S3_REGION = _s3.bucket, _s3.endpoint_url, _s3.region
S3_ACCESS_KEY, S3_SECRET_KEY = _s3.access_key, _s3.secret_key
S3_LINK_SECONDS, S3_TIMEOUT = _s3.link_seconds, _s3.timeout
if S3_BUCKET:
    STORAGES["default"] = s3_storage(_s3)
# No MEDIA_URL route is served: every stored image goes through a view that checks access.
MEDIA_URL = "/media-not-public/"

# Content-Security-Policy without inline script (Django 6 built-in support).
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # App covers and style thumbnails are shown from A1's image hosts (an unknown CDN
    # set), so any https image is allowed; images cannot run code.
    "img-src": [CSP.SELF, "data:", "blob:", "https:"],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token travels in hx-headers.

# Production hardening: on whenever DEBUG is off (each can be turned off explicitly,
# e.g. for the local production profile over plain http).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# Probes inside a cluster or from a load balancer speak plain http to the process: a
# redirect would count as healthy (any 3xx passes a Kubernetes probe) without checking.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Preloading is a lasting commitment to browsers' lists: an operator's choice, not a
    # default, so the deploy check's reminder about it is silenced until it is opted in.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind a TLS-terminating reverse proxy: trust its X-Forwarded-Proto, and take the
# client's address for log-in throttling from the last X-Forwarded-For entry (the one
# the proxy itself wrote; anything to its left came from the client).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- A1 -------------------------------------------------------------------------
# With no key the portal talks to the bundled sandbox. The two are told apart only
# by their base URL; the key itself is never rendered, logged or put in errors.
SANDBOX_PORT = env_int("SANDBOX_PORT", 8001, minimum=1)
A1_API_KEY = env.str("A1_API_KEY", default="")
A1_USES_SANDBOX = not A1_API_KEY
if A1_USES_SANDBOX:
    A1_API_KEY = "sandbox"  # the sandbox's default key (SANDBOX_API_KEYS)
A1_BASE_URL = env_http_url(
    "A1_BASE_URL",
    f"http://127.0.0.1:{SANDBOX_PORT}" if A1_USES_SANDBOX else "https://a1.art",
)
A1_SECTION = env.str("A1_SECTION", default="").strip().lower()
if A1_SECTION not in {"", "cn"}:
    raise ImproperlyConfigured(f"A1_SECTION={A1_SECTION!r} must be 'cn' or empty.")
A1_TIMEOUT = env_float("A1_TIMEOUT", 30.0)
A1_CONNECT_TIMEOUT = min(5.0, A1_TIMEOUT)
# First backoff step of the retries of calls that spend nothing (doubling, full jitter).
# Tests set 0: they prove the retries happen, not that time passes.
A1_RETRY_BASE_DELAY = env_float("A1_RETRY_BASE_DELAY", 0.5, zero_ok=True)
# Total seconds one attempt at copying a result image may take, however slowly A1's
# storage trickles it (A1_TIMEOUT only bounds each wait for the next bytes).
A1_DOWNLOAD_DEADLINE = env_float("A1_DOWNLOAD_DEADLINE", 60.0)
# Seconds between task queries while a task is young; longer tasks are asked less often.
A1_POLL_INTERVAL = env_float("A1_POLL_INTERVAL", 3.0)
# A task unfinished this many seconds after submission is shown as stalled (and kept).
A1_STALL_AFTER = env_float("A1_STALL_AFTER", 900.0)
# How often each worker looks for runs whose poll job was lost.
WORKER_SWEEP_SECONDS = env_float("WORKER_SWEEP_SECONDS", 15.0)
# How overdue a poll must be before a sweep decides its job was lost and queues another.
WORKER_RESUME_GRACE = env_float("WORKER_RESUME_GRACE", 30.0)
# A claimed poll that never reports back (its worker died mid-poll) is retried after
# this: longer than a poll can take with its retries, so no task is polled twice.
WORKER_POLL_LEASE = env_float("WORKER_POLL_LEASE", 90.0)
# Batches: items sent to A1 per second across all workers, and batch runs at A1 at once.
# A1 documents no rate; 2/s with 20 in flight stays far from its 20000 in practice, and a
# 20000 pauses every batch for BATCH_BACKOFF_SECONDS.
BATCH_SEND_RATE = env_float("BATCH_SEND_RATE", 2.0)
BATCH_MAX_IN_FLIGHT = env_int("BATCH_MAX_IN_FLIGHT", 20, minimum=1)
# One person's share of those while someone else's batch items wait (alone, a person
# may use them all): people take turns (generator/batches/fairness.py).
BATCH_MAX_IN_FLIGHT_PER_PERSON = env_int("BATCH_MAX_IN_FLIGHT_PER_PERSON", 10, minimum=1)
BATCH_BACKOFF_SECONDS = env_int("BATCH_BACKOFF_SECONDS", 30, minimum=1)
# Sends overlap on this many threads per worker (an upload, then generate, each): the
# pace above stays the limit, the threads only keep one slow send from holding the next.
BATCH_SEND_THREADS = env_int("BATCH_SEND_THREADS", 4, minimum=1)
# Spending alerts (generator/money/alerts.py): the soft limit, in percent of every
# monthly budget (100% is always told too), and the share of the A1 account's last
# entered balance left at which staff are warned.
SPEND_ALERT_PERCENT = env_int("SPEND_ALERT_PERCENT", 80, minimum=1)
ACCOUNT_ALERT_PERCENT = env_int("ACCOUNT_ALERT_PERCENT", 20, minimum=1)
# Approvals (generator/approvals/): a request nobody answers expires after this many
# hours and its held points are released (a chore every minute).
APPROVAL_HOURS = env_int("APPROVAL_HOURS", 72, minimum=1)
BATCH_MAX_ITEMS = env_int("BATCH_MAX_ITEMS", 1000, minimum=1)
# A batch's photos come in one request (or a ZIP): allow that many files in it.
DATA_UPLOAD_MAX_NUMBER_FILES = BATCH_MAX_ITEMS + 10
# A submission (uploads, then the one generate call) that has not reported back in this
# many seconds died with its process: the sweep releases it if nothing was sent, or marks
# it "unknown" if the call may have gone out. Longer than a call can take.
SUBMIT_LEASE = env_float("SUBMIT_LEASE", 120.0)
if SUBMIT_LEASE <= A1_TIMEOUT + A1_CONNECT_TIMEOUT:
    raise ImproperlyConfigured(
        f"SUBMIT_LEASE={SUBMIT_LEASE!r} must be longer than A1_TIMEOUT plus the connect timeout."
    )
# Results of one run (and of runs finishing together) are copied this many at a time,
# and this many runs are copied at once per worker.
RESULT_COPY_THREADS = env_int("RESULT_COPY_THREADS", 4, minimum=1)
# A worker's poll job hands a finished run's copy to a copying thread and goes on to the
# next due poll (generator/runs/copying.py); 0 copies inside the job, one after another.
RESULT_COPY_APART = env_bool("RESULT_COPY_APART", True)
if urlsplit(A1_BASE_URL).scheme == "http":  # the sandbox serves its images over http
    SECURE_CSP["img-src"].append(A1_BASE_URL)
if S3_BUCKET and urlsplit(S3_ENDPOINT_URL).scheme == "http":
    # Pages show stored images through signed links on the endpoint (https is allowed).
    _s3_origin = urlsplit(S3_ENDPOINT_URL)
    SECURE_CSP["img-src"].append(f"{_s3_origin.scheme}://{_s3_origin.netloc}")

# --- Sandbox (only read by `manage.py runsandbox`) ---------------------------------
SANDBOX_API_KEYS = env.list("SANDBOX_API_KEYS", default=["sandbox"])
SANDBOX_DATA_DIR = Path(env.str("SANDBOX_DATA_DIR", default=str(VAR_DIR / "sandbox")))

# Logs go to stdout: JSON lines with the request id (LOG_FORMAT=plain for a terminal).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if DEBUG else "json")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} must be 'plain' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "common.logging.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "common.logging.PlainFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {"()": "common.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own handlers for "django" and "django.server" are dropped (they print
    # each line a second time, unformatted and unredacted, when DEBUG is on): every
    # line goes through the one handler above, once.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
        "axes": {"level": "WARNING"},
    },
}

# Metrics (/metrics, ops/metrics.py): a bearer token, or the addresses (IPs or networks)
# allowed to scrape without one; with neither, /metrics answers 404. METRICS_ENABLED=0
# takes the request counting out altogether (bench/metrics_overhead.py compares).
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
if not METRICS_ENABLED:
    MIDDLEWARE.remove("common.metrics.RequestMetricsMiddleware")
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
try:
    METRICS_ALLOWED_ADDRESSES = [
        ipaddress.ip_network(item, strict=False)
        for item in env.list("METRICS_ALLOWED_ADDRESSES", default=[])
    ]
except ValueError as exc:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_ADDRESSES: {exc}") from None
# host:port where a worker serves /metrics itself: only on machines with no web process
# (which would report the same files). Empty: the workers' counts reach the web's /metrics.
WORKER_METRICS_BIND = env.str("WORKER_METRICS_BIND", default="").strip()
# Teams named in the points metrics (those that spend most); the rest add up as "other".
METRICS_TEAMS = env_int("METRICS_TEAMS", 20, minimum=1)
# Seconds the database figures in /metrics are reused between scrapes.
METRICS_DB_SECONDS = env_float("METRICS_DB_SECONDS", 5.0, zero_ok=True)
# Several processes (gunicorn's, the workers') count into files here, summed by /metrics.
# Empty it when the machine or container starts, never while processes run.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

# Image links given by users are fetched by the portal; private addresses are refused
# unless this is on (tests and the sandbox serve images from loopback).
IMAGE_URL_ALLOW_PRIVATE = env_bool("IMAGE_URL_ALLOW_PRIVATE", False)
# Total seconds fetching one image link may take (connecting, redirects, download): a
# user waits for it, and a slow server must not hold a web thread longer.
IMAGE_LINK_DEADLINE = env_float("IMAGE_LINK_DEADLINE", 15.0)
# Image links fetched at once per web process: half its threads (WEB_THREADS, read by
# gunicorn.conf.py), so slow outside servers never hold every thread; a link given while
# all are busy is refused at once with a message to try again or upload the file.
IMAGE_LINK_FETCHES = env_int(
    "IMAGE_LINK_FETCHES", max(1, env_int("WEB_THREADS", 4, minimum=1) // 2), minimum=1
)
# Where app definitions are trusted without asking A1 again (a 324013 refetches at once).
APP_CACHE_SECONDS = env_int("APP_CACHE_SECONDS", 600)
# Let users open any app id, or only apps staff marked as allowed in the admin.
APPS_ALLOW_ANY = env_bool("APPS_ALLOW_ANY", True)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Anyone may create an account at /accounts/signup/ (otherwise only through team invites).
OPEN_SIGNUP = env_bool("OPEN_SIGNUP", False)
# Cards per page in history and the team gallery.
HISTORY_PAGE_SIZE = env_int("HISTORY_PAGE_SIZE", 24, minimum=1)
# Failed log-ins allowed per account and per address in 15 minutes before refusing.
LOGIN_FAILURES_PER_ACCOUNT = env_int("LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
LOGIN_FAILURES_PER_ADDRESS = env_int("LOGIN_FAILURES_PER_ADDRESS", 50, minimum=1)
# Failures count for this long, and a locked account or address waits this long.
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)

# django-axes does the counting (accounts/throttle.py), in the database, for the
# portal's log-in and the admin's alike. Staff unlock in the admin (Axes > Access
# attempts: delete the rows).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.throttle.LoginThrottle"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = "accounts.throttle.failure_limit"
AXES_COOLOFF_TIME = "accounts.throttle.cool_off"
AXES_CLIENT_IP_CALLABLE = "common.addresses.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.views.auth.locked_out"
# Attempts during a lockout are refused without being counted, so the time the page
# gives is the time it ends; and a success does not wipe the address's other failures.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
# Successful log-ins are not logged (last_login keeps the date): one write less each.
AXES_DISABLE_ACCESS_LOG = True

# --- Single sign-on (OpenID Connect) ------------------------------------------------
# Set SSO_ISSUER and the client registered there to offer "Log in with SSO_NAME"; the
# provider's endpoints and keys come from its discovery document, fetched when first
# needed (start-up never waits on the provider). A person's first log-in creates their
# account (matched by email afterwards) and puts them in SSO_TEAM; SSO_STAFF_CLAIM and
# SSO_STAFF_VALUES let the provider decide who is staff at every log-in.
# LOCAL_ACCOUNTS=0 turns passwords off everywhere: single sign-on is then the only way in.
SSO_ISSUER = env.str("SSO_ISSUER", default="").strip().rstrip("/")
SSO_ENABLED = bool(SSO_ISSUER)
SSO_CLIENT_ID = env.str("SSO_CLIENT_ID", default="").strip()
SSO_CLIENT_SECRET = env.str("SSO_CLIENT_SECRET", default="")
SSO_NAME = env.str("SSO_NAME", default="").strip() or _("single sign-on")
SSO_SCOPES = env.str("SSO_SCOPES", default="openid email profile").split()
SSO_ALLOWED_DOMAINS = [
    domain.strip().lower().lstrip("@")
    for domain in env.list("SSO_ALLOWED_DOMAINS", default=[])
    if domain.strip()
]
SSO_STAFF_CLAIM = env.str("SSO_STAFF_CLAIM", default="groups").strip()
SSO_STAFF_VALUES = [v.strip() for v in env.list("SSO_STAFF_VALUES", default=[]) if v.strip()]
SSO_TEAM = env.str("SSO_TEAM", default="").strip()
LOCAL_ACCOUNTS = env_bool("LOCAL_ACCOUNTS", True)

# --- Email (password resets) ------------------------------------------------------
# EMAIL_URL names the server, as django-environ reads it: smtp+tls://user:password@host:587,
# smtp+ssl://...:465, smtp://host:25, or consolemail:// (printed to the log: development
# only, a reset link is a key to the account). Unset: no email goes out, and the page to
# reset a password says so (staff set new passwords in the admin).
EMAIL_URL = env.str("EMAIL_URL", default="").strip()
EMAIL_CONFIGURED = bool(EMAIL_URL)
# An outbound call like any other: never wait on a mail server without a limit.
EMAIL_TIMEOUT_SECONDS = env_float("EMAIL_TIMEOUT", 10.0)
# MAILERS is defined only with a server: a placeholder backend would fail the deploy
# check, and nothing sends email without EMAIL_CONFIGURED.
if EMAIL_CONFIGURED:
    try:
        _email = env.email_url("EMAIL_URL")
    except Exception as exc:  # django-environ raises bare errors on odd schemes
        raise ImproperlyConfigured(f"EMAIL_URL is not an email server URL: {exc}") from None
    MAILERS: dict[str, dict[str, Any]] = {"default": {"BACKEND": _email["EMAIL_BACKEND"]}}
    if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
        MAILERS["default"]["OPTIONS"] = {
            "host": _email.get("EMAIL_HOST") or "localhost",
            "port": _email.get("EMAIL_PORT"),
            "username": _email.get("EMAIL_HOST_USER") or "",
            "password": _email.get("EMAIL_HOST_PASSWORD") or "",
            "use_tls": bool(_email.get("EMAIL_USE_TLS")),
            "use_ssl": bool(_email.get("EMAIL_USE_SSL")),
            "timeout": EMAIL_TIMEOUT_SECONDS,
        }
DEFAULT_FROM_EMAIL = env.str("EMAIL_FROM", default="A1 Studio <noreply@localhost>")

_sso_extras = {
    "SSO_CLIENT_ID": SSO_CLIENT_ID,
    "SSO_CLIENT_SECRET": SSO_CLIENT_SECRET,
    "SSO_ALLOWED_DOMAINS": SSO_ALLOWED_DOMAINS,
    "SSO_STAFF_VALUES": SSO_STAFF_VALUES,
    "SSO_TEAM": SSO_TEAM,
}
if not SSO_ENABLED and any(_sso_extras.values()):
    _named = ", ".join(name for name, value in _sso_extras.items() if value)
    raise ImproperlyConfigured(
        f"{_named} set but SSO_ISSUER is not: set the provider's issuer URL."
    )
_issuer = urlsplit(SSO_ISSUER)
if SSO_ENABLED:
    _loopback = _issuer.hostname in {"localhost", "::1"} or (_issuer.hostname or "").startswith(
        "127."
    )
    if (
        not _issuer.hostname
        or _issuer.query
        or _issuer.fragment
        or not (_issuer.scheme == "https" or (_issuer.scheme == "http" and _loopback))
    ):
        raise ImproperlyConfigured(
            f"SSO_ISSUER={SSO_ISSUER!r} is not an https URL (plain http only on loopback, for tests)."
        )
    for _name in ("SSO_CLIENT_ID", "SSO_CLIENT_SECRET"):
        if not _sso_extras[_name]:
            raise ImproperlyConfigured(f"{_name} is required when SSO_ISSUER is set.")
    if "openid" not in SSO_SCOPES:
        raise ImproperlyConfigured(f"SSO_SCOPES={' '.join(SSO_SCOPES)!r} must include 'openid'.")
    for _domain in SSO_ALLOWED_DOMAINS:
        if not re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", _domain):
            raise ImproperlyConfigured(
                f"SSO_ALLOWED_DOMAINS: {_domain!r} is not a domain like example.com."
            )
    if SSO_STAFF_VALUES and not SSO_STAFF_CLAIM:
        raise ImproperlyConfigured("SSO_STAFF_VALUES is set but SSO_STAFF_CLAIM is empty.")
    if len(SSO_TEAM) > 100:
        raise ImproperlyConfigured("SSO_TEAM is longer than 100 characters (a team's name).")
if not LOCAL_ACCOUNTS and not SSO_ENABLED:
    raise ImproperlyConfigured("LOCAL_ACCOUNTS=0 needs single sign-on: set SSO_ISSUER.")
if not LOCAL_ACCOUNTS and OPEN_SIGNUP:
    raise ImproperlyConfigured(
        "OPEN_SIGNUP=1 creates password accounts: not with LOCAL_ACCOUNTS=0."
    )

if SSO_ENABLED:
    # Logging out of an SSO session posts our form, then redirects to the provider.
    SECURE_CSP["form-action"].append(f"{_issuer.scheme}://{_issuer.netloc}")

# Builds on whatever backends are configured above (for example a log-in lock-out): drops
# password log-ins when local accounts are off, adds the provider's when SSO is on.
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
AUTHENTICATION_BACKENDS = [
    backend
    for backend in globals().get("AUTHENTICATION_BACKENDS", [_MODEL_BACKEND])
    if LOCAL_ACCOUNTS or backend != _MODEL_BACKEND
] + (["accounts.sso.SsoBackend"] if SSO_ENABLED else [])

# --- Programmatic access (personal API keys, /api/v1/, /open-api/v1/a1/) -------------
# Requests per person to the REST API and the gateway, whatever key or browser session
# makes them: this many at once after a quiet spell, then this many a minute.
API_RATE_BURST = env_int("API_RATE_BURST", 20, minimum=1)
API_RATE_PER_MINUTE = env_int("API_RATE_PER_MINUTE", 60, minimum=1)
# Active API keys a person may have at once (a revoked key does not count).
KEYS_PER_PERSON = env_int("KEYS_PER_PERSON", 10, minimum=1)
# How long the gateway's links to our kept images work (A1's own links expire too).
GATEWAY_LINK_SECONDS = env_int("GATEWAY_LINK_SECONDS", 24 * 3600, minimum=60)
# Webhooks: seconds to wait for the receiver, and how many tries before giving up.
WEBHOOK_TIMEOUT = env_float("WEBHOOK_TIMEOUT", 10.0)
WEBHOOK_ATTEMPTS = env_int("WEBHOOK_ATTEMPTS", 8, minimum=1)
# The portal's public address, for absolute links in webhooks (sent by the worker,
# which has no request to take it from). Empty: webhooks carry paths only.
SITE_URL = env_http_url("SITE_URL", "") if env.str("SITE_URL", default="").strip() else ""

# --- Data lifecycle (retention, trash, exports) -------------------------------------
# Days after a run ends before its input photos are removed (0: kept until the run is).
RETAIN_INPUT_DAYS = env_int("RETAIN_INPUT_DAYS", 0)
# Days after a run ends before its result images are removed unless it is a favourite
# (0: kept until the run is).
RETAIN_RESULT_DAYS = env_int("RETAIN_RESULT_DAYS", 0)
# Days a deleted run stays in the trash, restorable, before its rows and files are purged.
TRASH_DAYS = env_int("TRASH_DAYS", 30, minimum=1)
# Hours a person's data export can be downloaded before it is deleted.
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 48, minimum=1)
# Days the audit log keeps an entry (0: forever). Two years by default: long enough for
# a yearly audit of who changed money, access or data, and the year before it.
AUDIT_DAYS = env_int("AUDIT_DAYS", 730)
