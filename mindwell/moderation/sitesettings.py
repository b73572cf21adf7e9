"""Settings admins change on the site settings page, over the defaults from settings.py.

Read on every page (the site name), so the stored rows are cached: one query
when the cache is cold, none after. A change deletes the cached copy at once and
again after commit, so a reader between the two cannot keep the old value.
With the local (per-process) cache other processes see a change within
CACHE_SECONDS; with Redis at once.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

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
    }


def current() -> dict[str, Any]:
    stored = cache.get(CACHE_KEY)
    if stored is None:
        stored = dict(SiteSetting.objects.values_list("key", "value"))
        cache.set(CACHE_KEY, stored, CACHE_SECONDS)
    values = defaults()
    values.update((key, value) for key, value in stored.items() if key in values)
    return values


def get(name: str) -> Any:
    return current()[name]


def store(changes: dict[str, Any]) -> None:
    """Save changed values, in the caller's transaction."""
    for key, value in changes.items():
        SiteSetting.objects.update_or_create(key=key, defaults={"value": value})
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))
    pagecache.retire_all()  # every page shows the site name
