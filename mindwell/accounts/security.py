"""Account security: login throttling with lockout, two-factor authentication (TOTP,
django-otp), and the list of a member's sessions with "log out everywhere".

Login failures are counted in the cache, per account name as typed (so a lockout
says nothing about whether the account exists) and per address (the hourly
`logins` limit of `moderation.limits`). A member with a confirmed authenticator
logs in in two steps: the password, then a code; between the two, only the
member's id waits in the session.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from base64 import b32encode
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from mindwell.accounts.models import MemberSession, User
from mindwell.moderation import limits

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

PENDING = "mindwell_2fa_pending"  # session: (user id, when, where to go next)
PENDING_TTL = 300  # seconds between the password and the code
SEEN = "mindwell_seen"  # session: when last_seen_at was last written
SEEN_EVERY = 300  # seconds


# --- login throttling ---------------------------------------------------------------


def _account_key(name: str) -> str:
    digest = hashlib.sha256(" ".join(name.lower().split()).encode()).hexdigest()
    return f"login:account:{digest}"


def login_refusal(request: HttpRequest, name: str) -> limits.Refusal | None:
    """Why this login may not even be tried now: the account or the address is locked out."""
    locked_until = cache.get(_account_key(name) + ":locked")
    if locked_until is not None and (wait := int(locked_until - time.time())) > 0:
        return limits.Refusal(
            "Too many failed attempts to log in to this account. Please try again "
            f"{limits.in_minutes(wait)}, or reset your password.",
            wait,
        )
    return limits.check(request, "logins")


def login_failed(request: HttpRequest, name: str) -> None:
    key = _account_key(name)
    lockout = settings.MINDWELL_LOGIN_LOCKOUT_MINUTES * 60
    cache.add(key, 0, lockout)
    if cache.incr(key) >= settings.MINDWELL_LOGIN_FAILURES:
        cache.set(key + ":locked", time.time() + lockout, lockout)
        cache.delete(key)
    limits.count(request, "logins")


def login_succeeded(name: str) -> None:
    cache.delete(_account_key(name))


# --- sessions -------------------------------------------------------------------------


def browser_summary(user_agent: str) -> str:
    """ "Firefox on Linux": enough to recognise a session, without storing the whole string."""
    ua = user_agent.lower()
    browsers = [("edg/", "Edge"), ("firefox", "Firefox"), ("chromium", "Chromium"),
                ("chrome", "Chrome"), ("safari", "Safari")]  # fmt: skip
    systems = [("android", "Android"), ("iphone", "iPhone"), ("ipad", "iPad"),
               ("windows", "Windows"), ("mac os", "macOS"), ("linux", "Linux")]  # fmt: skip
    browser = next((name for mark, name in browsers if mark in ua), "A browser")
    system = next((name for mark, name in systems if mark in ua), "")
    return f"{browser} on {system}" if system else browser


def network_summary(request: HttpRequest) -> str:
    """The address with its last part hidden (203.0.113.x): recognisable, not a location."""
    try:
        ip = ipaddress.ip_address(limits.client_ip(request))
    except ValueError:
        return ""
    if ip.version == 4:
        return ".".join(str(ip).split(".")[:3]) + ".x"
    return str(ipaddress.ip_network(f"{ip}/48", strict=False).network_address) + "…"


def record_session(request: HttpRequest, user: User) -> None:
    """Remember this logged-in session for its member's sessions page."""
    if request.session.session_key is None:
        request.session.save()
    MemberSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "last_seen_at": timezone.now(),
            "browser": browser_summary(request.headers.get("User-Agent", "")),
            "network": network_summary(request),
        },
    )
    request.session[SEEN] = int(time.time())


def log_in(request: HttpRequest, user: User) -> None:
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    record_session(request, user)


def sessions_of(user: User) -> list[MemberSession]:
    """The member's live sessions; rows of sessions that ended are dropped on the way."""
    rows = list(user.member_sessions.order_by("-last_seen_at"))
    live = set(
        Session.objects.filter(
            session_key__in=[r.session_key for r in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    ended = [r.pk for r in rows if r.session_key not in live]
    if ended:
        MemberSession.objects.filter(pk__in=ended).delete()
    return [r for r in rows if r.session_key in live]


def log_out_elsewhere(request: HttpRequest, user: User) -> int:
    """End every session of the member but this one; returns how many ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    others = list(
        user.member_sessions.exclude(session_key=request.session.session_key).values_list(
            "session_key", flat=True
        )
    )
    with transaction.atomic():
        for key in others:
            store(session_key=key).delete()
        MemberSession.objects.filter(user=user, session_key__in=others).delete()
    return len(others)


# --- two-factor authentication -----------------------------------------------------------


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def device_to_confirm(user: User) -> TOTPDevice:
    """The member's authenticator being set up: one unconfirmed device, reused until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key as authenticator apps accept it typed: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth URI as an inline SVG QR code: no image request, no inline style."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4, light="#fff"))


def code_problem(device: TOTPDevice, code: str) -> str | None:
    """Why this code is not accepted, or None. Each failure makes the next try wait longer
    (django-otp's throttling per device), so codes cannot be guessed quickly."""
    allowed, why = device.verify_is_allowed()
    if not allowed:
        until = (why or {}).get("locked_until")
        wait = int((until - timezone.now()).total_seconds()) if until else 60
        return f"Too many wrong codes. Please try again in {max(1, wait)} seconds."
    code = "".join(code.split())
    if not (code.isdigit() and device.verify_token(code)):
        return "That code is not right, or has expired: codes change every 30 seconds."
    return None


def turn_on_2fa(request: HttpRequest, device: TOTPDevice) -> None:
    """Confirm the device whose code was just accepted; this session counts as verified."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    django_otp.login(request, device)


def turn_off_2fa(user: User) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def begin_second_step(request: HttpRequest, user: User, next_url: str) -> None:
    request.session[PENDING] = [user.pk, int(time.time()), next_url]


def pending_user(request: HttpRequest) -> tuple[User, str] | None:
    """The member who gave the right password and still owes a code, and where they were going."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending[1] > PENDING_TTL:
        return None
    user = User.objects.filter(pk=pending[0], is_active=True).first()
    return (user, pending[2]) if user is not None else None


def finish_second_step(request: HttpRequest, user: User, device: TOTPDevice) -> None:
    request.session.pop(PENDING, None)
    if not request.user.is_authenticated:
        log_in(request, user)
    django_otp.login(request, device)


def must_use_2fa(user: User | AnonymousUser) -> bool:
    return bool(
        settings.MINDWELL_REQUIRE_2FA_FOR_MODERATORS and user.is_authenticated and user.is_moderator  # type: ignore[union-attr]
    )


class AccountSecurityMiddleware:
    """After django-otp's middleware: keeps sessions' "last seen" and, when the setting
    asks for it, sends moderators without a verified second factor to set one up
    (or to enter a code) before they moderate: any write, and the moderation pages."""

    EXEMPT = ("two_factor", "two_factor_verify", "logout", "login")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            # Only sessions recorded at login carry SEEN: others cost no query here.
            seen = request.session.get(SEEN)
            if seen is not None and time.time() - seen > SEEN_EVERY:
                MemberSession.objects.filter(session_key=request.session.session_key).update(
                    last_seen_at=timezone.now()
                )
                request.session[SEEN] = int(time.time())
            verified = getattr(user, "otp_device", None) is not None  # set by OTPMiddleware
            if must_use_2fa(user) and not verified and self.moderating(request):
                return self.send_to_2fa(request, user)  # type: ignore[arg-type]
        return self.get_response(request)

    def moderating(self, request: HttpRequest) -> bool:
        if request.path in {reverse(name) for name in self.EXEMPT}:
            return False
        return request.method not in ("GET", "HEAD", "OPTIONS") or request.path.startswith(
            "/moderation"
        )

    def send_to_2fa(self, request: HttpRequest, user: User) -> HttpResponse:
        if confirmed_device(user) is None:
            messages.info(
                request, "Moderators must set up two-factor authentication before moderating."
            )
            return redirect("two_factor")
        messages.info(request, "Please enter a code from your authenticator app to go on.")
        return redirect("two_factor_verify")
