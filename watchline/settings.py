"""Watchline settings. Every deployment knob comes from the environment (see .env.example)."""

import re
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Required to serve with DEBUG off: watchline/asgi.py refuses to start without it. Commands
# that sign nothing (makemigrations, check, migrate) run without it.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-watchline-development-only"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "watchline.admin_site.WatchlineAdminConfig",  # django.contrib.admin, branded Watchline
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "channels",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "phonenumber_field",
    "watchline",
    "cwg",
    "reports",
    "joc",
    "alerts",
    "reports.whatsapp",
    "exercises",
]

MIDDLEWARE = [
    "watchline.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "watchline.middleware.RejectNulBytesMiddleware",
    "watchline.middleware.RetryAfterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files are served precompressed by it and never reach this one.
    "watchline.middleware.CompressTextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "watchline.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "watchline.security.IdleTimeoutMiddleware",
    "watchline.security.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "watchline.middleware.AdminBadFilterMiddleware",
    "watchline.middleware.PrivatePagesMiddleware",
    "watchline.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "watchline.urls"
# Django's form renderer, remembering each widget's HTML (watchline/renderers.py).
FORM_RENDERER = "watchline.renderers.MemoizingRenderer"
ASGI_APPLICATION = "watchline.asgi.application"
WSGI_APPLICATION = None

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
                "watchline.context_processors.roles",
            ],
        },
    },
]

# Database: a SQLite file unless DATABASE_URL says otherwise.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    # The browser tests run the server in a forked process: the test database must be a file.
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_DB_NAME", default=str(BASE_DIR / "test-db.sqlite3"))
    }
else:
    # PostgreSQL: each server process keeps a pool of connections (psycopg's, through Django),
    # so a request borrows one instead of opening its own. Django hands it back at the end of
    # every request and around every database_sync_to_async call of the consumers.
    if env.bool("DATABASE_POOL", default=True):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            "max_size": env.int("DATABASE_POOL_MAX", default=10),
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django requires 0
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DB_NAME", default="test_watchline")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Channel layer: in-memory (one process) unless REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Redis pub/sub ignores database numbers: the prefix keeps deployments apart.
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": env.str("CHANNEL_PREFIX", default="watchline"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Every this many seconds each server process sends one message through the channel layer and
# back; when that fails, its live sockets are closed so their pages reconnect and resync
# (watchline.sockets). 0 turns the check off. Not done for the in-memory layer.
LIVE_CHECK_SECONDS = env.float("LIVE_CHECK_SECONDS", default=2.0)

# Background work: Django's Tasks API on the database, immediate when TASKS_IMMEDIATE is set.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env.bool("TASKS_IMMEDIATE", default=False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username or address before the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login lockout (django-axes): 5 failures for one username, or from one address, lock that
# username or address for 15 minutes; a city admin unlocks it sooner by deleting its
# "access attempt" in the admin. Addresses are read as the rate limits read them.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "watchline.security.client_ip"
AXES_LOCKOUT_CALLABLE = "watchline.security.locked_out"
AXES_USERNAME_CALLABLE = "watchline.security.login_username"
AXES_VERBOSE = False
# Password reset requests per address, and emails per address asked for (count/period).
PASSWORD_RESET_RATE_LIMIT = env.str("PASSWORD_RESET_RATE_LIMIT", default="5/h")
# Operators', supervisors' and city admins' sessions end after this long without a request.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
# Two-factor authentication (django-otp, TOTP): the issuer shown in authenticator apps.
OTP_TOTP_ISSUER = "Watchline"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-za"
# The representatives' pages, emails and WhatsApp messages; each representative chooses theirs
# (cwg.Representative.language). The Afrikaans and isiXhosa catalogues await a native speaker's
# review (README).
LANGUAGES = [("en", "English"), ("af", "Afrikaans"), ("xh", "isiXhosa")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Johannesburg"
USE_I18N = True
USE_TZ = True

PHONENUMBER_DEFAULT_REGION = "ZA"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet's own files as django-leaflet ships them (its app needs GDAL, so only its files are used).
LEAFLET_STATIC = Path(find_spec("leaflet").submodule_search_locations[0]) / "static" / "leaflet"
STATICFILES_DIRS = [BASE_DIR / "static", ("leaflet", LEAFLET_STATIC)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded media is never served directly: views check permission and stream it.
MEDIA_URL = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Watchline <watchline@localhost>")

# Alerts as CAP 1.2 documents for other agencies: the sender (no spaces, commas, < or &) and
# its human-readable name. Both are stable: agencies tell alerts apart by sender + identifier.
CAP_SENDER = env.str("CAP_SENDER", default="joc@watchline.example")
CAP_SENDER_NAME = env.str("CAP_SENDER_NAME", default="Joint Operations Centre")
if re.search(r"[\s,<&]", CAP_SENDER):
    raise ImproperlyConfigured("CAP_SENDER must not contain spaces, commas, < or &.")

# Map tiles; empty means no tiles (the maps still show the wards' outlines and the pins).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="")
MAP_CENTER = (-33.93, 18.55)

# The dashboard's queue shows at most this many incidents (highest priority, newest first);
# the rest are a filter away.
DASHBOARD_QUEUE_LIMIT = env.int("DASHBOARD_QUEUE_LIMIT", default=200)

# Open WebSockets re-check their user's access at least this often (seconds), besides the
# immediate re-check when a service ends access (logout, deactivation, a seat ended, ...).
WEBSOCKET_RECHECK_SECONDS = env.float("WEBSOCKET_RECHECK_SECONDS", default=60)

# Triage tuning (joc.services.triage_report).
TRIAGE_DISTANCE_KM = env.float("TRIAGE_DISTANCE_KM", default=1.0)
TRIAGE_WINDOW_MINUTES = env.int("TRIAGE_WINDOW_MINUTES", default=120)

# How often the worker sweeps for stale incidents and delivers due exercise injects (seconds).
ESCALATION_SWEEP_SECONDS = env.int("ESCALATION_SWEEP_SECONDS", default=30)

# Rate limits (requests per window, per client address or per user).
# How many load balancers in front of the servers append to X-Forwarded-For (0: none, use the
# connection's address). Rate limits per client address read it.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
REGISTRATION_RATE_LIMIT = env.str("REGISTRATION_RATE_LIMIT", default="5/h")
REPORT_RATE_LIMIT = env.str("REPORT_RATE_LIMIT", default="30/m")
# Load shedding (watchline/shedding.py): intake requests (/reports/...) in flight per server
# process before new ones get a static "busy" 503 with Retry-After (0: never shed).
INTAKE_MAX_IN_FLIGHT = env.int("INTAKE_MAX_IN_FLIGHT", default=8)
BUSY_RETRY_AFTER_SECONDS = env.int("BUSY_RETRY_AFTER_SECONDS", default=2)

# The WhatsApp line (reports.whatsapp): off unless the phone number id, access token, app
# secret and verify token are all set. WHATSAPP_API_URL is the Graph API base with its version.
WHATSAPP_API_URL = env.str("WHATSAPP_API_URL", default="https://graph.facebook.com/v23.0")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
# Approved message templates, for messages outside WhatsApp's 24-hour customer service window.
WHATSAPP_ALERT_TEMPLATE = env.str("WHATSAPP_ALERT_TEMPLATE", default="watchline_alert")
WHATSAPP_NOTICE_TEMPLATE = env.str("WHATSAPP_NOTICE_TEMPLATE", default="watchline_notice")
WHATSAPP_TEMPLATE_LANGUAGE = env.str("WHATSAPP_TEMPLATE_LANGUAGE", default="en")
# Messages from one representative within this many minutes join the report they opened.
WHATSAPP_REPORT_WINDOW_MINUTES = env.int("WHATSAPP_REPORT_WINDOW_MINUTES", default=10)
# Messages per sender before the line asks them to slow down (count/period with s, m, h or d).
WHATSAPP_RATE_LIMIT = env.str("WHATSAPP_RATE_LIMIT", default="20/m")
WHATSAPP_TIMEOUT_SECONDS = env.float("WHATSAPP_TIMEOUT_SECONDS", default=10.0)
# Alert notifications: email, and WhatsApp once the line is configured.
ALERT_NOTIFICATION_BACKENDS = ["alerts.notify.EmailBackend", "alerts.whatsapp.WhatsAppBackend"]

CACHES = {
    "default": (
        env.cache_url("CACHE_URL")
        if "CACHE_URL" in env
        else (
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
            if REDIS_URL
            else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        )
    )
}

# The ward and category choices kept in the cache (watchline/options.py): only with a cache that
# every process shares, so a change any process makes (the admin, import_wards) reaches all.
CATALOGUE_CACHE = env.bool("CATALOGUE_CACHE", default="CACHE_URL" in env or bool(REDIS_URL))

# Security: strict by default, relaxed only for local HTTP development.
SECURE_HTTPS = env.bool("SECURE_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# `{websocket}` is filled per request with this site's own WebSocket origin (ws:// or wss://
# and the request's host), so pages may open live sockets to this site and nowhere else.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:{tiles}; "
    "connect-src 'self'{{websocket}}; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
).format(tiles=" https:" if MAP_TILE_URL else "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # django-axes logs every login at INFO; failures and lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}
