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
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django.forms",  # Django's widget templates, for FORM_RENDERER below
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Answers visitors' cached pages before the rest (mindwell/qa/pagecache.py).
    "mindwell.qa.pagecache.PageCacheMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "mindwell.accounts.security.AccountSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mindwell.server.middleware.WroteMiddleware",
]

ROOT_URLCONF = "mindwell.urls"
# Forms render with the site's templates, so a field can have a template of ours
# (the anti-spam honeypot and challenge, in templates/accounts/security/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
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
                "mindwell.moderation.context_processors.moderation",
            ],
            "builtins": [
                "django.contrib.humanize.templatetags.humanize",
                "mindwell.qa.templatetags.qa",
                "mindwell.professionals.templatetags.professionals",
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
            "ENGINE": "mindwell.server.sqlite",  # Django's, with writers queued on a file lock
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
            # Kept open between requests, as PostgreSQL's: opening one costs a
            # millisecond of CPU (its PRAGMAs), more than the rest of a vote's SQL.
            "CONN_MAX_AGE": 60,
            # Tests run against a real file too, not an in-memory database.
            "TEST": {"NAME": str(DATA_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
CACHES: dict[str, dict[str, object]]
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, keeping one client per connection pool (see the module).
            "BACKEND": "mindwell.server.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("MINDWELL_CACHE_PREFIX", "mindwell"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
# Whole pages for visitors, kept under versions that every write bumps
# (mindwell/qa/pagecache.py). The cache must be shared by every process that
# serves or writes, so it is on by default only with Redis.
MINDWELL_PAGE_CACHE = env_bool("MINDWELL_PAGE_CACHE", bool(REDIS_URL))

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

# Background work (notification emails) through Django's tasks framework. The
# database backend keeps tasks in the database itself, so a task is written in
# the same transaction as the post that causes it and survives restarts.
# MINDWELL_TASKS_BACKEND=redis queues them in Redis instead (for larger sites,
# mindwell/notify/redis_backend.py); any other value names a backend class.
_tasks_backends = {
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "mindwell.notify.redis_backend.RedisBackend",
}
_tasks_backend = env_str("MINDWELL_TASKS_BACKEND", "database")
if _tasks_backend == "redis" and not REDIS_URL:
    raise ImproperlyConfigured(
        "MINDWELL_TASKS_BACKEND=redis needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)"
    )
TASKS = {
    "default": {
        "BACKEND": _tasks_backends.get(_tasks_backend, _tasks_backend),
        "OPTIONS": {"URL": REDIS_URL, "KEY": "mindwell:tasks"} if _tasks_backend == "redis" else {},
    }
}
# Links in emails need the site's public address.
SITE_URL = env_str("MINDWELL_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Notification emails: attempts before a delivery is marked failed, the first
# retry delay (doubled each time), and how long a worker may hold a delivery
# before another worker takes it over (a worker that died mid-send).
MINDWELL_NOTIFY_ATTEMPTS = env_int("MINDWELL_NOTIFY_ATTEMPTS", 6, minimum=1)
MINDWELL_NOTIFY_RETRY_SECONDS = env_int("MINDWELL_NOTIFY_RETRY_SECONDS", 30, minimum=0)
MINDWELL_NOTIFY_LEASE_SECONDS = env_int("MINDWELL_NOTIFY_LEASE_SECONDS", 300, minimum=1)
# `mindwell serve` starts a task worker beside the web server.
MINDWELL_SERVE_WORKER = env_bool("MINDWELL_SERVE_WORKER", True)

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
# Answers that name medication doses or diagnose the asker are always marked
# with a note; with this on they also wait for a moderator, unless written by a
# verified professional.
MINDWELL_HOLD_MEDICAL_ADVICE = env_bool("MINDWELL_HOLD_MEDICAL_ADVICE", False)

# Moderation. These are defaults: admins can change them on the site settings
# page (stored in moderation.SiteSetting), which then wins.
MINDWELL_WELCOME = env_str(
    "MINDWELL_WELCOME",
    "Welcome to Mindwell, where you can ask questions about relationships and mental health",
)
MINDWELL_FLAGS_TO_HIDE = env_int("MINDWELL_FLAGS_TO_HIDE", 3, minimum=1)
# Hold new posts for approval: by visitors who are not logged in; by members
# under N points (0: off); with more than N links (empty: off).
MINDWELL_HOLD_ANONYMOUS = env_bool("MINDWELL_HOLD_ANONYMOUS", False)
MINDWELL_HOLD_UNDER_POINTS = env_int("MINDWELL_HOLD_UNDER_POINTS", 0)
MINDWELL_HOLD_OVER_LINKS = (
    env_int("MINDWELL_HOLD_OVER_LINKS", 0) if os.environ.get("MINDWELL_HOLD_OVER_LINKS") else None
)
# Deleted posts are removed for good by `mindwell purge-deleted` after this many days.
MINDWELL_PURGE_AFTER_DAYS = env_int("MINDWELL_PURGE_AFTER_DAYS", 30, minimum=1)
# Crisis care: moderators are alerted at once when someone may be at risk; if none
# responds within this many minutes, `mindwell safety_escalate` alerts every moderator
# and admin. A risk question that nobody but its writer has replied to within
# MINDWELL_CRISIS_UNANSWERED_MINUTES is escalated the same way (once).
MINDWELL_CRISIS_RESPONSE_MINUTES = env_int("MINDWELL_CRISIS_RESPONSE_MINUTES", 15, minimum=1)
MINDWELL_CRISIS_UNANSWERED_MINUTES = env_int("MINDWELL_CRISIS_UNANSWERED_MINUTES", 120, minimum=1)
# "I'm worried about this person": reports per reporter (member, else address) an hour.
MINDWELL_WORRIED_PER_HOUR = env_int("MINDWELL_WORRIED_PER_HOUR", 5, minimum=1)

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

# --- Anti-abuse and account security (docs/design.md, "Anti-abuse and account security")
# Rate limits per hour, Question2Answer 1.8's defaults. Set each with
# MINDWELL_LIMIT_USER_<NAME> or MINDWELL_LIMIT_IP_<NAME>, e.g. MINDWELL_LIMIT_IP_LOGINS=50.
# They hold across app processes only with a shared cache (REDIS_URL).
MINDWELL_LIMITS = {
    scope: {
        name: env_int(f"MINDWELL_LIMIT_{scope.upper()}_{name.upper()}", default)
        for name, default in defaults.items()
    }
    for scope, defaults in {
        "user": {"questions": 10, "answers": 25, "comments": 20, "votes": 300, "flags": 5},
        "ip": {"questions": 20, "answers": 50, "comments": 40, "votes": 600, "flags": 10,
               "logins": 20, "registrations": 5},
    }.items()
}  # fmt: skip
# How many reverse proxies in front of the app append to X-Forwarded-For; 0 trusts
# only the connection's address (REMOTE_ADDR).
MINDWELL_PROXY_COUNT = env_int("MINDWELL_PROXY_COUNT", 0)
# Failed logins for one account before it is locked for MINDWELL_LOGIN_LOCKOUT_MINUTES.
MINDWELL_LOGIN_FAILURES = env_int("MINDWELL_LOGIN_FAILURES", 5, minimum=1)
MINDWELL_LOGIN_LOCKOUT_MINUTES = env_int("MINDWELL_LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
# Anti-spam: a proof-of-work challenge (ALTCHA) on visitors' posts and registration,
# at most MINDWELL_NEW_MEMBER_LINKS links per post from visitors and from members who
# joined less than MINDWELL_NEW_MEMBER_DAYS ago, and the same text refused twice within
# MINDWELL_DUPLICATE_MINUTES.
MINDWELL_SPAM_CHALLENGE = env_bool("MINDWELL_SPAM_CHALLENGE", True)
MINDWELL_NEW_MEMBER_DAYS = env_int("MINDWELL_NEW_MEMBER_DAYS", 7)
MINDWELL_NEW_MEMBER_LINKS = env_int("MINDWELL_NEW_MEMBER_LINKS", 2)
MINDWELL_DUPLICATE_MINUTES = env_int("MINDWELL_DUPLICATE_MINUTES", 10)
# Moderators and admins must set up two-factor authentication before moderating.
MINDWELL_REQUIRE_2FA_FOR_MODERATORS = env_bool("MINDWELL_REQUIRE_2FA_FOR_MODERATORS", False)
OTP_TOTP_ISSUER = SITE_NAME
