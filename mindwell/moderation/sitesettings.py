"""Settings admins change on the site settings page, over the defaults from settings.py.

Read on every page (the site name), so the stored rows are cached: one query
when the cache is cold, none after. A change deletes the cached copy at once and
again after commit, so a reader between the two cannot keep the old value.
With the local (per-process) cache other processes see a change within
CACHE_SECONDS; with Redis at once.

The points scheme, the permissions and the hourly limits are here too, one flat
key per number (`points_answer_upvote`, `perm_vote_down_level`,
`limit_user_votes`), so a change stores and audits only the numbers that moved;
`points()`, `permissions()` and `limits()` give them in the shape of
MINDWELL_POINTS, MINDWELL_PERMISSIONS and MINDWELL_LIMITS. The base points stay
an environment setting: `points == base + sum(ledger)` is defined over it.
A change of the scheme enqueues `recount_points_task`, which brings every
member's points to what the facts say under the new scheme.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.expressions import JSONNull
from django.tasks import task, task_backends
from django.utils import timezone

from mindwell.moderation.models import SiteSetting
from mindwell.qa import pagecache

CACHE_KEY = "moderation:site-settings"
CACHE_SECONDS = 30


def defaults() -> dict[str, Any]:
    return {
        "site_name": settings.SITE_NAME,
        "welcome": settings.MINDWELL_WELCOME,
        "flags_to_hide": settings.MINDWELL_FLAGS_TO_HIDE,
        "hold_anonymous": settings.MINDWELL_HOLD_ANONYMOUS,
        "hold_under_points": settings.MINDWELL_HOLD_UNDER_POINTS,
        "hold_over_links": settings.MINDWELL_HOLD_OVER_LINKS,
        "purge_after_days": settings.MINDWELL_PURGE_AFTER_DAYS,
        **{
            f"points_{name}": value
            for name, value in settings.MINDWELL_POINTS.items()
            if name != "base"
        },
        **{
            f"perm_{name}_{part}": rule[part]
            for name, rule in settings.MINDWELL_PERMISSIONS.items()
            for part in ("level", "points")
        },
        **{
            f"limit_{scope}_{name}": value
            for scope, limits_ in settings.MINDWELL_LIMITS.items()
            for name, value in limits_.items()
        },
    }


# The values read during the current request: a page asks for them several times
# (site name, permissions, limits), so they are read and built once per request.
# Each request starts with none remembered, so a change is seen on the next one;
# outside a request (worker, commands) nothing is remembered.
_request_values: ContextVar[dict[str, Any] | None] = ContextVar("sitesettings", default=None)


def _start_request(**kwargs: Any) -> None:
    _request_values.set({})


def _end_request(**kwargs: Any) -> None:
    _request_values.set(None)


request_started.connect(_start_request, dispatch_uid="sitesettings-start")
request_finished.connect(_end_request, dispatch_uid="sitesettings-end")


def current() -> dict[str, Any]:
    remembered = _request_values.get()
    if remembered:
        return dict(remembered)
    stored = cache.get(CACHE_KEY)
    if stored is None:
        stored = dict(SiteSetting.objects.values_list("key", "value"))
        cache.set(CACHE_KEY, stored, CACHE_SECONDS)
    values = defaults()
    values.update((key, value) for key, value in stored.items() if key in values)
    if remembered is not None:
        remembered.update(values)
    return dict(values)


def forget() -> None:
    """Drop the cached values (here and in this request): the next read is the stored rows."""
    cache.delete(CACHE_KEY)
    if _request_values.get() is not None:
        _request_values.set({})


def get(name: str) -> Any:
    return current()[name]


def points() -> dict[str, int]:
    """The points scheme: MINDWELL_POINTS with the site's changes (never the base)."""
    values = current()
    return {
        name: default if name == "base" else values[f"points_{name}"]
        for name, default in settings.MINDWELL_POINTS.items()
    }


def permissions() -> dict[str, dict[str, int | None]]:
    """MINDWELL_PERMISSIONS with the site's changes: {name: {"level": …, "points": …}}."""
    values = current()
    return {
        name: {part: values[f"perm_{name}_{part}"] for part in ("level", "points")}
        for name in settings.MINDWELL_PERMISSIONS
    }


def limits() -> dict[str, dict[str, int]]:
    """MINDWELL_LIMITS with the site's changes: {"user": {action: n}, "ip": {...}}."""
    values = current()
    return {
        scope: {name: values[f"limit_{scope}_{name}"] for name in limits_}
        for scope, limits_ in settings.MINDWELL_LIMITS.items()
    }


def store(changes: dict[str, Any]) -> None:
    """Save changed values, in the caller's transaction."""
    for key, value in changes.items():
        stored = JSONNull() if value is None else value  # None alone would be SQL NULL
        SiteSetting.objects.update_or_create(key=key, defaults={"value": stored})
    forget()
    transaction.on_commit(forget)
    pagecache.retire_all()  # every page shows the site name


@task
def recount_points_task() -> str:
    """Every member's points from the facts, under the scheme just stored (run by the worker)."""
    from mindwell.qa.counters import recount

    forget()  # this process may hold the old scheme: read the stored one
    corrected = recount().users
    pagecache.retire_all()  # pages show members' points
    return f"{corrected} members' points corrected"


def schedule_recount() -> None:
    """Enqueue the recount, in the caller's transaction (database backend) or after commit.

    With the local cache another app process can keep the old scheme for up to
    CACHE_SECONDS and count a vote by it; a second recount after that window
    corrects such a vote. With Redis every process reads the new scheme at once.
    """
    backend = task_backends["default"]
    shared = "LocMemCache" not in str(settings.CACHES["default"]["BACKEND"])

    def enqueue() -> None:
        recount_points_task.enqueue()
        if not shared and backend.supports_defer:
            later = timezone.now() + timedelta(seconds=CACHE_SECONDS + 5)
            recount_points_task.using(run_after=later).enqueue()

    if backend.__class__.__module__.startswith("django_tasks_db"):
        enqueue()
    else:
        transaction.on_commit(enqueue)
