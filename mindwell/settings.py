"""Mindwell's one settings module.

Every value comes from an environment variable with an embedded default, read
through the typed helpers below, which refuse a bad value instead of guessing.
docs/configuration.md lists every variable.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DATA_DIR = Path(env_str("MINDWELL_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    try:
        # O_EXCL: two processes starting at once must agree on one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = env_str("MINDWELL_SITE_NAME", "Mindwell")

INSTALLED_APPS = [
    "mindwell.accounts",
    "mindwell.qa",
    "mindwell.safety",
    "mindwell.search",
    "mindwell.server",
    "mindwell.moderation",
    "mindwell.notify",
    "mindwell.professionals",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mindwell.urls"
WSGI_APPLICATION = "mindwell.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mindwell" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "mindwell.qa.context_processors.site",
            ],
            "builtins": [
                "django.contrib.humanize.templatetags.humanize",
                "mindwell.qa.templatetags.qa",
            ],
        },
    },
]

# Databases. SQLite is the embedded default: WAL lets readers run beside a
# writer, IMMEDIATE transactions take the write lock at BEGIN (so a transaction
# never fails half-way on upgrading a read lock), and the busy timeout makes a
# second writer wait for the first instead of failing with "database is locked".
SQLITE_PATH = DATA_DIR / "mindwell.sqlite3"
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-20000;"
                ),
            },
            # Tests run against a real file too, not an in-memory database.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("MINDWELL_CACHE_PREFIX", "mindwell"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["mindwell.accounts.backends.EmailOrNameBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Email: SMTP when EMAIL_HOST is set, otherwise each message is written as a
# file under the data dir, so nothing is lost and nothing leaves the machine.
_email_host = env_str("EMAIL_HOST", "")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 25, minimum=1),
                "username": env_str("EMAIL_HOST_USER", "") or None,
                "password": env_str("EMAIL_HOST_PASSWORD", "") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mindwell <noreply@localhost>")

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "mindwell" / "static"]
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without collected files (tests, `runserver`), whitenoise serves from the apps.
WHITENOISE_USE_FINDERS = True

# Nothing on any page may be fetched from another host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("MINDWELL_HTTPS", False)
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_HSTS_SECONDS = 31536000 if SECURE_SSL_REDIRECT else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE_SSL_REDIRECT else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Mindwell's own settings -------------------------------------------------
# Visitors who are not logged in may ask, answer and comment, as on Question2Answer.
MINDWELL_ANONYMOUS_POSTING = env_bool("MINDWELL_ANONYMOUS_POSTING", True)
MINDWELL_PAGE_SIZE = env_int("MINDWELL_PAGE_SIZE", 20, minimum=1)

# Points, with Question2Answer's scheme and defaults: points = base + multiple x
# (the sum below). Each number can be set with MINDWELL_POINTS_<NAME>, e.g.
# MINDWELL_POINTS_BASE=0. docs/points-and-permissions.md explains them.
MINDWELL_POINTS = {
    name: env_int(f"MINDWELL_POINTS_{name.upper()}", default, minimum=0)
    for name, default in {
        "base": 100,
        "multiple": 10,
        "post_question": 2,
        "post_answer": 4,
        "select_answer": 3,  # the asker selecting a best answer (not their own)
        "answer_selected": 30,  # your answer selected as best
        "question_upvote": 1,
        "question_upvote_max": 10,
        "question_downvote": 1,
        "question_downvote_max": 3,
        "answer_upvote": 2,
        "answer_upvote_max": 20,
        "answer_downvote": 2,
        "answer_downvote_max": 5,
        "vote_cast": 1,
    }.items()
}

# Permissions: each is allowed from a user level (Question2Answer's levels: basic,
# approved, expert, editor, moderator, admin, super) OR from a number of points
# (Stack Exchange's earned privileges, x10 for Question2Answer's point scale);
# points = 0 means "any member", no points value means "by level only". Set with
# MINDWELL_PERM_<NAME>_LEVEL and MINDWELL_PERM_<NAME>_POINTS (empty: level only).
# docs/points-and-permissions.md has the table.
_LEVELS = {"basic": 0, "approved": 10, "expert": 20, "editor": 50, "moderator": 80,
           "admin": 100, "super": 120}  # fmt: skip


def _permission(name: str, level: str, points: int | None) -> dict[str, int | None]:
    level_name = env_str(f"MINDWELL_PERM_{name.upper()}_LEVEL", level)
    if level_name not in _LEVELS:
        raise ImproperlyConfigured(
            f"MINDWELL_PERM_{name.upper()}_LEVEL must be one of {', '.join(_LEVELS)}"
        )
    raw_points = os.environ.get(f"MINDWELL_PERM_{name.upper()}_POINTS")
    if raw_points is not None:
        points = env_int(f"MINDWELL_PERM_{name.upper()}_POINTS", 0) if raw_points else None
    return {"level": _LEVELS[level_name], "points": points}


MINDWELL_PERMISSIONS = {
    "vote_up": _permission("vote_up", "basic", 0),
    "vote_down": _permission("vote_down", "expert", 1250),
    "comment": _permission("comment", "basic", 0),
    "flag": _permission("flag", "approved", 150),
    "edit_others": _permission("edit_others", "editor", 20000),
    "retag": _permission("retag", "editor", 5000),
    "close": _permission("close", "moderator", 30000),
    "hide": _permission("hide", "moderator", None),
    "select_others": _permission("select_others", "expert", None),
    "moderate": _permission("moderate", "moderator", None),
}

# The display name is unique case-insensitively (a functional unique constraint
# on Lower(display_name)), which Django's check cannot see.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
