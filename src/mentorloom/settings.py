"""Mentorloom settings: one module, every value from the environment with an embedded default.

Embedded defaults give a complete single-process instance (SQLite in WAL mode, in-memory
channel layer, local cache, console e-mail, local media). Setting DATABASE_URL / REDIS_URL /
EMAIL_URL scales the same code out. See the configuration table in README.md.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


MENTORLOOM_ENV = env_str("MENTORLOOM_ENV", "development")
PRODUCTION = MENTORLOOM_ENV == "production"
DATA_DIR = Path(env_str("MENTORLOOM_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else generated once and kept in the data directory."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        # O_EXCL so that two processes starting together cannot both write a key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Mentorloom"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "mentorloom.core",
    "mentorloom.accounts",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "mentorloom.mfa",
    "mentorloom.audit",
    "mentorloom.profiles",
    "mentorloom.safety",
    "mentorloom.notifications",
    "mentorloom.discovery",
    "mentorloom.matching",
    "mentorloom.mentorships",
    "mentorloom.scheduling",
    "mentorloom.messaging",
    "mentorloom.calls",
    "mentorloom.sessions",
    "mentorloom.communities",
    "mentorloom.workshops",
    "mentorloom.programs",
    "mentorloom.privacy",
    "mentorloom.home",
    "mentorloom.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mentorloom.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mentorloom.accounts.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Opening the page a notification is about marks it read.
    "mentorloom.notifications.middleware.MarkSeenMiddleware",
    "mentorloom.mfa.middleware.StaffEnrolmentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "mentorloom.core.middleware.UserTimezoneMiddleware",
    # During the deletion grace period a signed-in person only sees "cancel deletion".
    "mentorloom.privacy.middleware.PendingDeletionMiddleware",
    "mentorloom.core.middleware.ApiNulCharactersMiddleware",
]

ROOT_URLCONF = "mentorloom.urls"
ASGI_APPLICATION = "mentorloom.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentorloom.core.context_processors.site",
                "mentorloom.notifications.context_processors.unread",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "mentorloom.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    # No persistent connections: under ASGI each request runs its sync code in a fresh thread,
    # so a kept-open connection is never reused and leaks until garbage collection (Django's
    # docs say to disable them under ASGI and pool in the database layer instead). Instead a
    # psycopg pool per process: a new PostgreSQL connection per request costs a backend
    # process start, more than the queries of a typical page.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "MENTORLOOM_DB_POOL", True
    ):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("MENTORLOOM_DB_POOL_MAX", 32),
            "timeout": 10,
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue on the busy
            # timeout instead of failing with "database is locked" when upgrading a read lock.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            # A file (not :memory:) so the ASGI server thread in browser tests shares it.
            "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATABASE_VENDOR = "postgresql" if DATABASE_URL.startswith("postgres") else "sqlite"

# --- Cache and channel layer ----------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("MENTORLOOM_CACHE_PREFIX", "mentorloom"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "mentorloom.core.realtime.layers.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env_str("MENTORLOOM_CHANNEL_PREFIX", "mentorloom"),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "mentorloom.core.realtime.layers.InMemoryChannelLayer"}
    }

# --- Background tasks -----------------------------------------------------------------------
# Two queues, each with a worker of its own (runstack; docs/deployment.md). Busy-calendar
# fetches read calendars other people wrote, and one can take seconds (a 5 MB file) to a minute
# (a slow CalDAV server): on their own queue they never hold up e-mail, session reminders or a
# workshop's breakout timer.
MENTORLOOM_TASK_QUEUES = ["default", "calendars"]
TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": MENTORLOOM_TASK_QUEUES}
}

# Periodic tasks enqueued by `manage.py run_scheduler` (started by `make run`): (task, seconds).
MENTORLOOM_PERIODIC_TASKS = [
    ("mentorloom.mentorships.tasks.run_periodic_task", 300),  # request expiry and reminders
    ("mentorloom.scheduling.tasks.send_due_reminders", 60),  # 24 h / 1 h session reminders
    ("mentorloom.scheduling.tasks.complete_past_sessions", 300),
    ("mentorloom.scheduling.tasks.refresh_external_calendars", 300),  # ICS / CalDAV busy times
    ("mentorloom.sessions.tasks.send_feedback_prompts", 300),  # once per ended session
    ("mentorloom.messaging.tasks.send_message_digests", 60),  # unread for 15 min, quiet hours
    ("mentorloom.communities.tasks.post_due_prompts", 60),  # weekly discussions, once each
    ("mentorloom.communities.tasks.send_weekly_digests", 3600),  # busiest unread threads
    ("mentorloom.sessions.tasks.send_agenda_prep_reminders", 300),  # empty agenda, 24 h before
    ("mentorloom.sessions.tasks.release_feedback", 3600),  # checks hourly, releases once a week
    ("mentorloom.privacy.tasks.purge_expired_exports", 3600),  # data exports past their link
    ("mentorloom.privacy.tasks.erase_due_accounts", 3600),  # deletions past the grace period
    ("mentorloom.calls.tasks.prune_janus_tokens", 600),  # expired workshop media tokens
    ("mentorloom.calls.tasks.end_abandoned_calls", 15),  # calls left by a closed tab
    ("mentorloom.notifications.tasks.send_notification_digests", 86400),  # daily digest
    ("mentorloom.workshops.tasks.close_due_breakouts", 5),  # recall countdowns and timers
    ("mentorloom.workshops.tasks.send_due_reminders", 60),  # one hour before
    ("mentorloom.workshops.tasks.close_open_attendance", 300),  # stays past the end
    ("mentorloom.programs.tasks.send_due_checkins", 3600),  # program pulses every N weeks
    ("mentorloom.programs.tasks.release_answers", 3600),  # outcomes, check-ins in batches of k
]

# --- Data rights (privacy app) ----------------------------------------------------------------
# Zips of people's data: a private directory, never under MEDIA_ROOT (never publicly served).
MENTORLOOM_EXPORT_DIR = Path(env_str("MENTORLOOM_EXPORT_DIR", str(DATA_DIR / "exports")))
MENTORLOOM_EXPORT_TTL_DAYS = env_int("MENTORLOOM_EXPORT_TTL_DAYS", 7)
MENTORLOOM_EXPORTS_PER_DAY = env_int("MENTORLOOM_EXPORTS_PER_DAY", 3)
MENTORLOOM_DELETION_GRACE_DAYS = env_int("MENTORLOOM_DELETION_GRACE_DAYS", 14)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    # Lets a deactivated account with a pending deletion sign in, only to cancel it.
    "mentorloom.privacy.backends.PendingDeletionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24
EMAIL_VERIFICATION_MAX_AGE = 60 * 60 * 24 * 3
# Login throttling: this many failures for one account or one IP within the window lock it.
LOGIN_FAILURE_LIMIT = env_int("MENTORLOOM_LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("MENTORLOOM_LOGIN_FAILURE_WINDOW", 15 * 60)
# Multi-factor authentication (mentorloom.mfa). Staff must enrol unless relaxed for dev.
MFA_REQUIRED_FOR_STAFF = env_bool("MENTORLOOM_MFA_REQUIRED_FOR_STAFF", True)
MFA_FAILURE_LIMIT = env_int("MENTORLOOM_MFA_FAILURE_LIMIT", 5)
MFA_FAILURE_WINDOW_SECONDS = env_int("MENTORLOOM_MFA_FAILURE_WINDOW", 15 * 60)
MFA_PENDING_MAX_AGE = 10 * 60  # seconds between the password step and the second factor
MFA_TRUSTED_DEVICE_DAYS = 30
# WebAuthn relying party: the host of SITE_URL unless set (browsers refuse IP addresses).
MFA_WEBAUTHN_RP_ID = env_str("MENTORLOOM_WEBAUTHN_RP_ID", "")
OTP_TOTP_ISSUER = "Mentorloom"
# Our own atomic counter throttles second-factor attempts (mfa.throttle), not django-otp's.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# Staff can remove a locked-out person's devices in the admin, never read secrets or codes.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mentorloom <no-reply@mentorloom.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _email_settings(url: str) -> dict[str, object]:
    """EMAIL_URL: console://, file:///path, smtp://user:pass@host:port, smtps://..."""
    if not url or url.startswith("console:"):
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parsed.path or str(DATA_DIR / "mail"),
        }
    if parsed.scheme in {"smtp", "smtps", "submission"}:
        query = parse_qs(parsed.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 587),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": parsed.scheme != "smtps" and query.get("tls", ["1"])[0] != "0",
        }
    raise ValueError(f"EMAIL_URL scheme not supported: {parsed.scheme!r}")


globals().update(_email_settings(env_str("EMAIL_URL", "")))

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
# The shared assets live in the package, not in an app, so the app-directories finder misses them.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on a missing root
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Uploads larger than this are refused before they reach a form (the photo limit is 5 MB).
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024
# Uploaded images decoded at once per process (core.images); each may take ~100 MB.
MENTORLOOM_IMAGE_WORKERS = env_int("MENTORLOOM_IMAGE_WORKERS", 2)

# --- Internationalisation and time ----------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
# A sign-in lasts at most this long (absolute), and ends after this long without a request
# (idle; accounts.middleware.SessionActivityMiddleware).
SESSION_COOKIE_AGE = env_int("MENTORLOOM_SESSION_MAX_AGE", 14 * 24 * 3600)
SESSION_IDLE_TIMEOUT = env_int("MENTORLOOM_SESSION_IDLE_TIMEOUT", 24 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # HSTS preload commits the operator's whole domain, subdomains included, to HTTPS in every
    # browser and is slow to undo, so it stays opt-in (SECURE_HSTS_PRELOAD=1) and the deploy
    # check's reminder about it (W021) is silenced while it is off.
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Content-Security-Policy sent by core.middleware.SecurityHeadersMiddleware. connect-src 'self'
# also covers same-origin ws:/wss: (CSP3); `ws: wss:` would let injected script talk to any host.
CONTENT_SECURITY_POLICY = env_str(
    "MENTORLOOM_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)

# --- Logging: structured (one JSON object per line) to stdout --------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "mentorloom.core.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": LOG_LEVEL},
    },
}

# --- Product settings -----------------------------------------------------------------------
MENTORLOOM_WS_ALLOWED_ORIGINS = env_list("MENTORLOOM_WS_ALLOWED_ORIGINS", [])
# Discovery: sentence embeddings when the `semantic` extra is installed (lexical otherwise);
# MENTORLOOM_MATCH_WEIGHTS is a JSON object overriding the ranking blend (docs/matching.md).
MENTORLOOM_SEMANTIC = env_bool("MENTORLOOM_SEMANTIC", True)
MENTORLOOM_MATCH_WEIGHTS = json.loads(env_str("MENTORLOOM_MATCH_WEIGHTS", "") or "{}")
# Scheduling: cancelling closer than this to the start is recorded as a late cancellation.
MENTORLOOM_LATE_CANCEL_HOURS = env_int("MENTORLOOM_LATE_CANCEL_HOURS", 24)
# External busy calendars: refuse URLs resolving to private/loopback addresses (SSRF guard)
# unless this is on (a self-hosted CalDAV server on the same network).
MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS = env_bool("MENTORLOOM_ALLOW_PRIVATE_CALENDAR_URLS", False)
# Connection requests expire after this many days without an answer.
MENTORLOOM_REQUEST_EXPIRY_DAYS = env_int("MENTORLOOM_REQUEST_EXPIRY_DAYS", 7)
# Trait feedback is shown to a mentor only as averages over at least this many mentees.
MENTORLOOM_FEEDBACK_K = env_int("MENTORLOOM_FEEDBACK_K", 3)
# Workshop feedback is taken for this many days after the end (at least 1); its average is
# shown to the facilitator only after that, and only from MENTORLOOM_FEEDBACK_K ratings up.
MENTORLOOM_WORKSHOP_FEEDBACK_DAYS = env_int("MENTORLOOM_WORKSHOP_FEEDBACK_DAYS", 3)
# Video calls: STUN/TURN servers for the browser as JSON ([{"urls": "stun:stun.example.org"}]).
# With a TURN shared secret (coturn "use-auth-secret"), short-lived credentials are minted per call.
MENTORLOOM_ICE_SERVERS = env_str("MENTORLOOM_ICE_SERVERS", "")
MENTORLOOM_TURN_SECRET = env_str("MENTORLOOM_TURN_SECRET", "")
MENTORLOOM_TURN_URLS = env_list("MENTORLOOM_TURN_URLS", [])
MENTORLOOM_TURN_TTL = env_int("MENTORLOOM_TURN_TTL", 3600)


# Live workshops' media runs on Janus (docs/deployment.md, "Media: Janus"). Empty URLs mean the
# embedded Janus that runstack starts on 127.0.0.1 with a config written into DATA_DIR/janus;
# comma-separated URLs (API and admin in the same order) spread rooms over several hosts.
def _generated_secret(env_name: str, file_name: str) -> str:
    """A secret from the environment, else generated once into the data directory (O_EXCL, as
    for SECRET_KEY, so two processes starting together agree)."""
    from_env = os.environ.get(env_name)
    if from_env:
        return from_env
    path = DATA_DIR / file_name
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


MENTORLOOM_JANUS_HTTP_PORT = env_int("MENTORLOOM_JANUS_HTTP_PORT", 8088)
MENTORLOOM_JANUS_ADMIN_PORT = env_int("MENTORLOOM_JANUS_ADMIN_PORT", 7088)
MENTORLOOM_JANUS_WS_PORT = env_int("MENTORLOOM_JANUS_WS_PORT", 8188)
MENTORLOOM_JANUS_RTP_PORTS = env_str("MENTORLOOM_JANUS_RTP_PORTS", "20000-20999")
MENTORLOOM_JANUS_URL = env_list(
    "MENTORLOOM_JANUS_URL", [f"http://127.0.0.1:{MENTORLOOM_JANUS_HTTP_PORT}/janus"]
)
MENTORLOOM_JANUS_ADMIN_URL = env_list(
    "MENTORLOOM_JANUS_ADMIN_URL", [f"http://127.0.0.1:{MENTORLOOM_JANUS_ADMIN_PORT}/admin"]
)
# runstack starts Janus itself unless the URLs point elsewhere or this is off.
MENTORLOOM_JANUS_EMBEDDED = env_bool(
    "MENTORLOOM_JANUS_EMBEDDED", "MENTORLOOM_JANUS_URL" not in os.environ
)
MENTORLOOM_JANUS_API_SECRET = _generated_secret("MENTORLOOM_JANUS_API_SECRET", "janus_api_secret")
MENTORLOOM_JANUS_ADMIN_SECRET = _generated_secret(
    "MENTORLOOM_JANUS_ADMIN_SECRET", "janus_admin_secret"
)
# What the browser's janus.js connects to, one per host in the same order: a path our reverse
# proxy passes to Janus's WebSocket (or HTTP) API, never the admin API. The embedded default is
# Janus's WebSocket port on this machine; core.middleware names each origin in connect-src.
MENTORLOOM_JANUS_PUBLIC_URL = env_list(
    "MENTORLOOM_JANUS_PUBLIC_URL", [f"ws://127.0.0.1:{MENTORLOOM_JANUS_WS_PORT}/"]
)
# Participant tokens live this long; the controller's prune_tokens() drops expired ones.
MENTORLOOM_JANUS_TOKEN_TTL = env_int("MENTORLOOM_JANUS_TOKEN_TTL", 4 * 3600)
MENTORLOOM_JANUS_TIMEOUT = float(env_str("MENTORLOOM_JANUS_TIMEOUT", "3"))
# Janus gathers ICE candidates on these interfaces/addresses only (e.g. "eth0"); empty = all.
MENTORLOOM_JANUS_ICE_ENFORCE_LIST = env_str("MENTORLOOM_JANUS_ICE_ENFORCE_LIST", "")
# Public IP Janus announces in its ICE candidates when the host is behind 1:1 NAT.
MENTORLOOM_JANUS_PUBLIC_IP = env_str("MENTORLOOM_JANUS_PUBLIC_IP", "")
