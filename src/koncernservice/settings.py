"""Settings for the Koncernservice platform.

Everything comes from environment variables with safe defaults, so the platform runs with
no configuration at all on an embedded SQLite database under ``var/``. Production sets
``KS_ENV=production``, which makes ``SECRET_KEY`` and ``ALLOWED_HOSTS`` mandatory.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("KS_HOME", PACKAGE_DIR.parent.parent)).resolve()
VAR_DIR = Path(os.environ.get("KS_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("KS_ENV", "development") == "production"
DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, or (outside production) a key kept in var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when KS_ENV=production.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when KS_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "django_tasks_db",
    "koncernservice.core",
    "koncernservice.portal",
    "koncernservice.worktime",
    "koncernservice.procurement",
    "koncernservice.finance",
    "koncernservice.hr",
    "koncernservice.paygap",
    "koncernservice.insights",
    "koncernservice.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "koncernservice.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "koncernservice.core.auth.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "koncernservice.core.middleware.AuditActorMiddleware",
]

ROOT_URLCONF = "koncernservice.urls"
WSGI_APPLICATION = "koncernservice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "OPTIONS": {
            # Django's cached loader, per language, with constant {% translate %} tags
            # translated at load time (core.template_loader).
            "loaders": [
                (
                    "koncernservice.core.template_loader.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "koncernservice.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'koncernservice.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_SQLITE))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while a writer commits; IMMEDIATE avoids lock upgrades that
        # fail with "database is locked"; the timeout waits instead of failing at once.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # dj_database_url always sets CONN_MAX_AGE (0: a new connection per request), so set it.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if os.environ.get("KS_DB_SERVER_SIDE_BINDING", "0") == "1":
        # Parameters bound on the server and statements prepared after a few uses on the
        # connection (psycopg 3). Off by default: it saves PostgreSQL CPU on repeated simple
        # statements (a portal case creation 3.3 → 3.0 ms), but the generic plans of prepared
        # statements made the portal's read mix cost 5× the PostgreSQL CPU (load test: 6 →
        # 29 ms a request; docs/portal-peer.md, run 13).
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
# Django's ModelBackend, taking the user read with the session (core.auth, core.sessions).
AUTHENTICATION_BACKENDS = ["koncernservice.core.auth.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins (see core.security).
LOGIN_MAX_FAILURES = int(os.environ.get("KS_LOGIN_MAX_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("KS_LOGIN_LOCKOUT_MINUTES", "15"))

# --- OpenID Connect single sign-on (off unless OIDC_RP_CLIENT_ID is set) ----------------------
OIDC_ENABLED = bool(os.environ.get("OIDC_RP_CLIENT_ID"))
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.insert(0, "koncernservice.core.oidc.KsOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = os.environ["OIDC_OP_TOKEN_ENDPOINT"]
    OIDC_OP_USER_ENDPOINT = os.environ["OIDC_OP_USER_ENDPOINT"]
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
    OIDC_CREATE_USER = env_bool("OIDC_CREATE_USER", False)
    LOGIN_REDIRECT_URL_FAILURE = "login"

# --- Security -------------------------------------------------------------------------------
SECURE_COOKIES = env_bool("KS_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
# Django's database sessions in core.UserSession, read with their user in one statement
# (core.sessions).
SESSION_ENGINE = "koncernservice.core.sessions"
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("KS_SESSION_SECONDS", str(8 * 3600)))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("KS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("KS_HSTS_SECONDS", "31536000"))

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = Path(os.environ.get("KS_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
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
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- Background tasks -------------------------------------------------------------------------
# Background tasks (notifications; the scheduled jobs): in production the database backend
# with ``ks db_worker``; elsewhere they run at once, so nothing waits for a worker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "KS_TASKS_BACKEND",
            "django_tasks_db.DatabaseBackend"
            if PRODUCTION
            else "django.tasks.backends.immediate.ImmediateBackend",
        )
    }
}

# --- Logging: never log personal data (CPR numbers are masked by a filter) -------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_cpr": {"()": "koncernservice.core.logging.MaskCprFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["mask_cpr"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("KS_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # one INFO line per task run (every notification) is noise; failures still show
        "django.tasks": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
    },
}

# --- E-mail: SMTP in production (EMAIL_HOST ...), printed to the console otherwise -----------
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": int(os.environ.get("EMAIL_PORT", "25")),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Koncernservice <noreply@localhost>")
# Links in e-mails (e.g. https://ks.kk.dk); empty: the path only.
KS_PUBLIC_URL = os.environ.get("KS_PUBLIC_URL", "").rstrip("/")

# --- Service portal: inbound e-mail from an IMAP mailbox (`ks portal mail-import --imap`) ------
KS_MAIL_IMAP_HOST = os.environ.get("KS_MAIL_IMAP_HOST", "")  # empty: no IMAP polling
KS_MAIL_IMAP_PORT = int(os.environ.get("KS_MAIL_IMAP_PORT", "0"))  # 0: 993 (ssl) or 143
KS_MAIL_IMAP_SECURITY = os.environ.get("KS_MAIL_IMAP_SECURITY", "ssl")  # ssl | starttls | plain
KS_MAIL_IMAP_USER = os.environ.get("KS_MAIL_IMAP_USER", "")
KS_MAIL_IMAP_PASSWORD = os.environ.get("KS_MAIL_IMAP_PASSWORD", "")
KS_MAIL_IMAP_FOLDER = os.environ.get("KS_MAIL_IMAP_FOLDER", "INBOX")
# Both set: handled messages are moved there; both empty: marked \Seen (failed also \Flagged).
KS_MAIL_IMAP_DONE_FOLDER = os.environ.get("KS_MAIL_IMAP_DONE_FOLDER", "")
KS_MAIL_IMAP_FAILED_FOLDER = os.environ.get("KS_MAIL_IMAP_FAILED_FOLDER", "")
KS_MAIL_IMAP_CA_FILE = os.environ.get("KS_MAIL_IMAP_CA_FILE", "")  # a private CA (PEM)
# Login: password (IMAP LOGIN) | xoauth2 (SASL XOAUTH2 with an OAuth 2.0 access token from the
# client-credentials grant: Microsoft 365 / Exchange Online, which refuses passwords).
KS_MAIL_IMAP_AUTH = os.environ.get("KS_MAIL_IMAP_AUTH", "password")
# e.g. https://login.microsoftonline.com/<tenant id>/oauth2/v2.0/token (http only to localhost)
KS_MAIL_IMAP_OAUTH_TOKEN_URL = os.environ.get("KS_MAIL_IMAP_OAUTH_TOKEN_URL", "")
KS_MAIL_IMAP_OAUTH_CLIENT_ID = os.environ.get("KS_MAIL_IMAP_OAUTH_CLIENT_ID", "")
KS_MAIL_IMAP_OAUTH_CLIENT_SECRET = os.environ.get("KS_MAIL_IMAP_OAUTH_CLIENT_SECRET", "")
# empty: https://outlook.office365.com/.default, or https://mail.google.com/ with jwt_bearer
KS_MAIL_IMAP_OAUTH_SCOPE = os.environ.get("KS_MAIL_IMAP_OAUTH_SCOPE", "")
# client_credentials (Entra ID) | jwt_bearer (a service account's JSON key signs an assertion
# for the mailbox user: Google Workspace with domain-wide delegation; RFC 7523)
KS_MAIL_IMAP_OAUTH_GRANT = os.environ.get("KS_MAIL_IMAP_OAUTH_GRANT", "client_credentials")
KS_MAIL_IMAP_OAUTH_KEY_FILE = os.environ.get("KS_MAIL_IMAP_OAUTH_KEY_FILE", "")
KS_MAIL_MAX_BYTES = int(os.environ.get("KS_MAIL_MAX_BYTES", str(25 * 1024 * 1024)))

# --- Platform -------------------------------------------------------------------------------
KS_PAGE_SIZE = 50
KS_IMPORT_MAX_ROWS = 200_000

# --- Accounts payable (finance) -----------------------------------------------------------------
# Folder of the official validation artefacts (stylesheets); when set, "strict mode" runs them
# after our own validator. Inbox: the access point's drop; outbox: responses to senders.
EINVOICE_OFFICIAL_RULES_DIR = os.environ.get("KS_EINVOICE_OFFICIAL_RULES", "")
EINVOICE_MAX_BYTES = int(os.environ.get("KS_EINVOICE_MAX_BYTES", str(20 * 1024 * 1024)))
EINVOICE_INBOX_DIR = Path(os.environ.get("KS_EINVOICE_INBOX", VAR_DIR / "einvoice" / "inbox"))
EINVOICE_OUTBOX_DIR = Path(os.environ.get("KS_EINVOICE_OUTBOX", VAR_DIR / "einvoice" / "outbox"))

# --- HR: the placement assistant's OpenAI-compatible chat endpoint (none: rule-based only) -------
KS_AI_BASE_URL = os.environ.get("KS_AI_BASE_URL", "")
KS_AI_MODEL = os.environ.get("KS_AI_MODEL", "")
KS_AI_API_KEY = os.environ.get("KS_AI_API_KEY", "")
KS_AI_TIMEOUT = os.environ.get("KS_AI_TIMEOUT", "60")  # seconds
# Applicants' data is deleted this many days after the posting closes (`ks hr retention`).
KS_HR_APPLICANT_RETENTION_DAYS = int(os.environ.get("KS_HR_APPLICANT_RETENTION_DAYS", "183"))

# --- Pay transparency: groups smaller than this (of each sex) are not shown ---------------------
PAYGAP_MIN_GROUP = int(os.environ.get("KS_PAYGAP_MIN_GROUP", "5"))
