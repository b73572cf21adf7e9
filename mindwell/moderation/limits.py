"""Rate limits per member and per IP address per hour (settings.MINDWELL_LIMITS, as changed
on the site settings page: `hourly()`).

Counts live in Django's cache in fixed hourly windows keyed by the window's
start, so a refusal can say when the window ends. Every counter of a request
moves at once: on Redis in one MULTI/EXEC round trip (SET NX EX, INCRBY), on
the local-memory cache by `add` then `incr` (a lock); both are atomic, so two
app processes sharing Redis never both take the last slot. With the default local
cache every process counts on its own: fine for one process, not for several.

What is counted: an attempt that passed validation, reserved just before the
write and given back if a spam check, or for votes and flags a permission,
refuses it. Invalid forms cost nothing (a person fixing a typo is not abusing
anything), and reserving before writing (rather than counting after) keeps the
limit exact when requests race. A post the action itself refuses after all
checks (its question closed a moment before) keeps its slot: rare, and harmless.
Failed logins are the exception: they are counted after the failure, since the
failure is what is being limited.
"""

from __future__ import annotations

import ipaddress
import json
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.http import HttpRequest, HttpResponse

from mindwell.server.cache import RedisCache

WINDOW = 3600  # seconds

NOUNS = {
    "questions": "questions",
    "answers": "answers",
    "comments": "comments",
    "votes": "votes",
    "flags": "flags",
    "logins": "failed logins",
    "registrations": "registrations",
}


@dataclass(frozen=True)
class Refusal:
    message: str
    retry_after: int  # seconds until the window ends


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry MINDWELL_PROXY_COUNT proxies vouch for."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.MINDWELL_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            address = forwarded[-proxies]
    return address


def ip_key(request: HttpRequest) -> str:
    """Who to count for an address: an IPv6 client owns a whole /64, so count the /64."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def in_minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "in 1 minute" if minutes == 1 else f"in {minutes} minutes"


def _noun(action: str, n: int) -> str:
    return NOUNS[action] if n != 1 else NOUNS[action].removesuffix("s")


def hourly() -> dict[str, dict[str, int]]:
    """The limits per scope ("user", "ip") and action, from the cached site settings."""
    from mindwell.moderation import sitesettings

    return sitesettings.limits()


def _counters(request: HttpRequest, action: str) -> list[tuple[str, int, str]]:
    """(cache key, limit, refusal wording) for each scope that applies to this request."""
    window = int(time.time()) // WINDOW * WINDOW
    found = []
    user = getattr(request, "user", None)
    limits = hourly()
    user_limit = limits.get("user", {}).get(action)
    if user is not None and user.is_authenticated and user_limit is not None:
        found.append(
            (
                f"limit:{action}:user:{user.pk}:{window}",
                user_limit,
                f"You have reached the limit of {user_limit} {_noun(action, user_limit)} an hour.",
            )
        )
    ip_limit = limits.get("ip", {}).get(action)
    if ip_limit is not None:
        found.append(
            (
                f"limit:{action}:ip:{ip_key(request)}:{window}",
                ip_limit,
                f"Too many {NOUNS[action]} have come from your network this hour "
                f"(the limit is {ip_limit}).",
            )
        )
    return found


def _retry_after() -> int:
    return WINDOW - int(time.time()) % WINDOW


def _refusal(wording: str) -> Refusal:
    retry = _retry_after()
    return Refusal(f"{wording} Please try again {in_minutes(retry)}.", retry)


def _incr(keys: list[str], delta: int) -> list[int]:
    """Add `delta` to each counter: one round trip on Redis, `add` then `incr` elsewhere."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        return backend.incr_many(keys, delta, WINDOW + 60)
    counted = []
    for key in keys:
        cache.add(key, 0, WINDOW + 60)
        try:
            counted.append(cache.incr(key, delta))
        except ValueError:  # expired between add and incr: the window is over, start again
            cache.add(key, 0, WINDOW + 60)
            counted.append(cache.incr(key, delta))
    return counted


def reserve(request: HttpRequest, action: str) -> Refusal | None:
    """Take one slot of `action` for this member and address, or say why not (taking nothing)."""
    counters = _counters(request, action)
    keys = [key for key, _, _ in counters]
    for (_, limit, wording), counted in zip(counters, _incr(keys, 1), strict=True):
        if counted > limit:
            _incr(keys, -1)
            return _refusal(wording)
    return None


def release(request: HttpRequest, action: str) -> None:
    """Give back a slot taken by `reserve` when the write it was for did not happen."""
    _incr([key for key, _, _ in _counters(request, action)], -1)


def check(request: HttpRequest, action: str) -> Refusal | None:
    """Whether `action` is over its limit, without counting anything (see `count`)."""
    for key, limit, wording in _counters(request, action):
        if (cache.get(key) or 0) >= limit:
            return _refusal(wording)
    return None


def count(request: HttpRequest, action: str) -> None:
    """Count one `action` that already happened (failed logins)."""
    _incr([key for key, _, _ in _counters(request, action)], 1)


def wants_html(request: HttpRequest) -> bool:
    return "text/html" in request.headers.get("Accept", "") and not request.headers.get(
        "HX-Request"
    )


def too_many(
    request: HttpRequest, refusal: Refusal, page: HttpResponse | None = None
) -> HttpResponse:
    """429 Too Many Requests: `page` (the form again, with the message) for browsers,
    the message as JSON with Retry-After for htmx and scripts."""
    if page is not None and wants_html(request):
        response = page
        response.status_code = 429
    else:
        body = {"error": refusal.message, "retry_after": refusal.retry_after}
        response = HttpResponse(json.dumps(body), status=429, content_type="application/json")
    response["Retry-After"] = str(refusal.retry_after)
    return response
