"""Settings for the LIMS, read from the environment; safe for production unless DJANGO_DEBUG=1."""

import os
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from lims.environment import env_bool, env_int, env_list, env_match, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# Without debug the key must come from the environment. It is left empty here so that tooling
# (makemigrations, shell) still runs; serving refuses to start without it (lims.checks E004,
# and lims.wsgi / lims.asgi at import).
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or (
    "django-insecure-local-development-only-never-use-in-production" if DEBUG else ""
)

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Specimen IDs are this prefix, 7 digits and a check character (ARCHITECTURE §4).
LIMS_ID_PREFIX = env_match("LIMS_ID_PREFIX", "BX", r"[A-Z]{2}", "two capital letters A-Z")

INSTALLED_APPS = [
    "lims",
    "barcode_printing",
    "scanner_drivers",
    "specimens",
    "shipments",
    "freezers",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after security: gunicorn serves the admin's CSS and the API docs'
    # assets without a web server in front (compressed, cached forever under hashed names).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: NUL bytes and oversized bodies are refused here.
    "lims.middleware.RequestGuardMiddleware",
    # A browser's middleware, which an API call with a token goes past (lims.middleware).
    "lims.middleware.BrowserCSPMiddleware",
    "lims.middleware.BrowserSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "lims.middleware.BrowserAuthenticationMiddleware",
    "lims.middleware.BrowserMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the lockout flag set by any login path below it.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "lims.urls"
WSGI_APPLICATION = "lims.wsgi.application"
AUTH_USER_MODEL = "lims.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lims.web.context.workbench",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
# Persistent, health-checked connections on a server database: a new PostgreSQL connection per
# request costs more than most requests.
_PERSISTENT = 0 if DATABASE_URL.startswith("sqlite") else 60
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", _PERSISTENT),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "LIMS_DB_PREPARED", True
):
    # Server-side binding lets psycopg prepare a statement met twice on a connection, so that
    # PostgreSQL plans it once per connection rather than on every scan (the scan paths'
    # compiled reads send the same SQL every time). Off behind a transaction-mode pooler.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 2}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, and the busy timeout makes a second writer
        # wait for it instead of failing with "database is locked" halfway through.
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("LIMS_SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # File-backed so that tests racing two writers on threads share one database; one file per
    # test process so that two suites running at once never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"lims-test-{os.getpid()}.sqlite3")
    }

# The owner role that migrations run as (lims.database.as_owner), when the app connects as a role
# that owns no table (manage.py db_roles): same database, other credentials.
MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL") or ""
MIGRATE_DATABASE = dj_database_url.parse(MIGRATE_DATABASE_URL) if MIGRATE_DATABASE_URL else None

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# A cache every app server shares: login throttles must count across processes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "lims_cache",
    }
}

# --- Authentication -------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Proxies in front whose X-Forwarded-For is believed: the lockout, the throttles and the logs
# count the client behind them, never an address a client wrote itself.
LIMS_TRUSTED_PROXIES = env_int("LIMS_TRUSTED_PROXIES", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "lims.security.client_address"
AXES_FAILURE_LIMIT = env_int("LIMS_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LIMS_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "lims.security.lockout_response"
AXES_ENABLE_ADMIN = True

LIMS_LOGIN_THROTTLE_RATE = env_match(
    "LIMS_LOGIN_THROTTLE_RATE", "10/min", r"\d+/(s|sec|m|min|h|hour|d|day)", "N/min, N/hour, ..."
)

REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("LIMS_TOKEN_TTL_HOURS", 12, minimum=1)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": None,
}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lims.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["lims.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "lims.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lims.api.problems.exception_handler",
    # Clients are told apart by the socket address; X-Forwarded-For counts only behind the
    # number of trusted proxies given here, or a client could spoof its way past throttles.
    "NUM_PROXIES": LIMS_TRUSTED_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# The schema and its docs page are for signed-in users unless opened (a public API portal).
LIMS_PUBLIC_API_DOCS = env_bool("LIMS_PUBLIC_API_DOCS", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Biospecimen LIMS API",
    "DESCRIPTION": "Collection, shipment, storage and custody of biospecimens. "
    "Errors are application/problem+json (RFC 9457) with a stable `code`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models have a "status"; each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "SpecimenStatusEnum": "specimens.choices.SpecimenStatus",
        "OrderStatusEnum": "specimens.choices.OrderStatus",
        "ShipmentStatusEnum": "shipments.choices.ShipmentStatus",
        "PrintStatusEnum": "barcode_printing.choices.PrintStatus",
        "FreezerStatusEnum": "freezers.choices.FreezerStatus",
        "SampleKindEnum": "specimens.choices.SampleKind",
        "CustodyKindEnum": "specimens.choices.CustodyKind",
        "SiteKindEnum": "lims.choices.SiteKind",
        "DiscrepancyKindEnum": "shipments.choices.DiscrepancyKind",
        "FreezerKindEnum": "freezers.choices.FreezerKind",
        "RackKindEnum": "freezers.choices.RackKind",
        "TemperatureClassEnum": "specimens.choices.TemperatureClass",
    },
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "lims.api.openapi.document_problems",
    ],
    # Swagger UI from the installed sidecar package: the docs work without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
LIMS_IDEMPOTENCY_TTL = timedelta(hours=24)
# A tube checked out of its freezer slot for longer is listed for follow-up.
LIMS_CHECKOUT_FOLLOW_UP_HOURS = env_int("LIMS_CHECKOUT_FOLLOW_UP_HOURS", 24, minimum=1)

# --- Audit ----------------------------------------------------------------------------------
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# Signed custody checkpoints (docs/custody.md): the Ed25519 private key never enters the
# database; it comes from a PEM file or from the environment (hex seed). Verification trusts the
# public key given here, or the one derived from the private key.
LIMS_CHECKPOINT_KEY_FILE = env_str("LIMS_CHECKPOINT_KEY_FILE", "")
LIMS_CHECKPOINT_KEY = env_str("LIMS_CHECKPOINT_KEY", "")
LIMS_CHECKPOINT_PUBLIC_KEY = env_str("LIMS_CHECKPOINT_PUBLIC_KEY", "")
LIMS_CHECKPOINT_DIR = env_str("LIMS_CHECKPOINT_DIR", "")
# A witness that each new checkpoint is POSTed to (its signed JSON), e.g. a transparency log.
LIMS_CHECKPOINT_PUSH_URL = env_str("LIMS_CHECKPOINT_PUSH_URL", "")

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "var" / "static")
# In production `manage.py collectstatic` writes hashed, compressed copies that WhiteNoise
# serves; development serves the apps' files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Development serves the apps' static folders as they are (no collectstatic before a first run);
# until collectstatic has run STATIC_ROOT does not exist, which WhiteNoise would warn about.
WHITENOISE_USE_FINDERS = DEBUG
warnings.filterwarnings("ignore", message="No directory at: ")
DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"

# No inline script or handler anywhere: every script is a static file of this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Security (production defaults; DJANGO_DEBUG=1 relaxes the HTTPS-only ones) -------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer's health probe talks plain HTTP to the app server, past the TLS proxy.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "lims": {"level": "INFO"},
        "axes": {"level": "WARNING"},
    },
}
