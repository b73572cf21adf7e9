"""Anti-spam without third parties: a honeypot, a proof-of-work challenge, a link limit for
new members and a duplicate-post guard.

The challenge is ALTCHA's (the `altcha` package, protocol v1): when someone starts
filling a form, `static/mindwell/altcha.js` fetches a signed challenge, finds the
number whose SHA-256 with the salt matches (about a second of the browser's work)
and puts the solution in the form; the server checks the signature and spends the
solution once. A browser without JavaScript (or without WebCrypto, on plain HTTP)
sends the signed "wait" token the form carries instead, valid NOSCRIPT_WAIT
seconds after the form was shown: proof of time rather than of work. A person
typing a post takes longer than that anyway, so the form just works; a bot pays
with time, and the hourly limits cap what time can buy.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from altcha import ChallengeOptionsV1, create_challenge_v1, verify_solution_v1
from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from mindwell.moderation import limits
from mindwell.moderation.limits import in_minutes, ip_key
from mindwell.qa.markdown import render_markdown

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest, HttpResponse

    from mindwell.accounts.models import User

HONEYPOT = "website"  # a name form-filling bots like to fill
CHALLENGE = "altcha"
CHALLENGE_TTL = 2 * 3600  # seconds a challenge stays valid: long enough to write an answer
MAX_NUMBER = 50_000  # the work: on average 25,000 SHA-256 hashes in the browser
NOSCRIPT_WAIT = 15  # seconds


def _hmac_key() -> str:
    return salted_hmac("mindwell.antispam.altcha", "hmac key", algorithm="sha256").hexdigest()


def _wait_signer() -> signing.Signer:
    return signing.Signer(salt="mindwell.antispam.wait")


def _wait_age(value: str) -> float | None:
    """Seconds since a wait token was issued, or None if it is not one of ours."""
    if not value.startswith("wait:"):
        return None
    try:
        issued = _wait_signer().unsign(value[5:]).rsplit(".", 1)[-1]
        return time.time() - int(issued)
    except (signing.BadSignature, ValueError):
        return None


def new_challenge() -> dict[str, Any]:
    expires = timezone.now() + timedelta(seconds=CHALLENGE_TTL)
    options = ChallengeOptionsV1(hmac_key=_hmac_key(), max_number=MAX_NUMBER, expires=expires)
    challenge = create_challenge_v1(options)
    return dict(challenge.to_dict())


def new_wait_token() -> str:
    return "wait:" + _wait_signer().sign(f"{secrets.token_urlsafe(12)}.{int(time.time())}")


def _spent_key(token: str, request: HttpRequest | None = None) -> str:
    # A wait token is spent per address: a cached page hands the same one to every visitor.
    where = ip_key(request) if request is not None and token.startswith("wait:") else ""
    return "antispam:spent:" + hashlib.sha256(f"{where} {token}".encode()).hexdigest()


def _is_unspent_wait_token(value: str) -> bool:
    age = _wait_age(value)
    return age is not None and age < CHALLENGE_TTL


def challenge_problem(value: str) -> str | None:
    """Why this solution or wait token does not pass, or None. Spends nothing (see `spend`)."""
    if value.startswith("wait:"):
        age = _wait_age(value)
        if age is None:
            return "Our spam check did not recognise this form. Please send it again."
        if age > CHALLENGE_TTL:
            return "This form was open for too long. Please send it again."
        if age < NOSCRIPT_WAIT:
            wait = max(1, math.ceil(NOSCRIPT_WAIT - age))
            return (
                "Without JavaScript, our spam check asks for a short pause: "
                f"please press the button again in {wait} seconds."
            )
        return None
    try:
        ok, _ = verify_solution_v1(value, _hmac_key(), check_expires=True)
    except (ValueError, TypeError, KeyError, AttributeError):
        ok = False
    if not ok:
        return "Our spam check did not finish or has expired. Please send the form again."
    return None


def spend(request: HttpRequest, value: str) -> bool:
    """Use a solution or wait token up: True the first time, False for a replay."""
    return bool(cache.add(_spent_key(value, request), 1, CHALLENGE_TTL + 60))


class ChallengeInput(forms.HiddenInput):
    """A hidden input holding a wait token, which the script replaces with a solution.

    The script fetches its challenge from `challenge` rather than finding it in the
    page: a visitor's question page may be served from the page cache, and a
    challenge shared by everyone who got that page could be solved only once.
    """

    template_name = "accounts/security/challenge_input.html"

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        if not (isinstance(value, str) and _is_unspent_wait_token(value)):
            value = new_wait_token()
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-altcha-url"] = reverse("antispam_challenge")
        return context


def challenge(request: HttpRequest) -> HttpResponse:
    """A fresh challenge for the script, never cached."""
    response = JsonResponse(new_challenge())
    response["Cache-Control"] = "no-store"
    return response


def add_fields(form: forms.BaseForm) -> None:
    """Add the honeypot and (when on) the challenge to a form a visitor fills in."""
    honeypot = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    # Hidden by CSS (a class, not a style attribute: the CSP allows no inline styles)
    # and from screen readers; people never see it, bots fill it in.
    honeypot.template_name = "accounts/security/honeypot_field.html"  # type: ignore[attr-defined]
    form.fields[HONEYPOT] = honeypot
    if settings.MINDWELL_SPAM_CHALLENGE:
        form.fields[CHALLENGE] = forms.CharField(required=False, widget=ChallengeInput)


def clean(form: forms.BaseForm) -> None:
    """Form-level checks for a form with `add_fields`: errors shown above the form."""
    data = form.cleaned_data
    if data.get(HONEYPOT):
        form.add_error(None, "Please leave the field “Leave this field empty” empty.")
    if CHALLENGE in form.fields:
        if problem := challenge_problem(data.get(CHALLENGE) or ""):
            form.add_error(None, problem)


def link_count(body: str) -> int:
    """Links as they will be rendered (markdown links, autolinks, images shown as links)."""
    return render_markdown(body).count("<a ")


def is_new_member(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return True
    joined = user.date_joined  # type: ignore[union-attr]
    return bool(joined > timezone.now() - timedelta(days=settings.MINDWELL_NEW_MEMBER_DAYS))


def link_refusal(user: User | AnonymousUser, body: str) -> str | None:
    limit = settings.MINDWELL_NEW_MEMBER_LINKS
    if not is_new_member(user) or (found := link_count(body)) <= limit:
        return None
    links = "link" if limit == 1 else "links"
    return (
        f"Posts by visitors and new members can have at most {limit} {links} "
        f"(this one has {found}). Please remove some."
    )


def _duplicate_key(request: HttpRequest, body: str) -> str:
    who = f"user:{request.user.pk}" if request.user.is_authenticated else f"ip:{ip_key(request)}"
    text = " ".join(body.lower().split())
    return f"antispam:dup:{who}:{hashlib.sha256(text.encode()).hexdigest()}"


def claim_text(request: HttpRequest, body: str) -> str | None:
    """Claim this text for this author for MINDWELL_DUPLICATE_MINUTES, or say it was just posted.

    `cache.add` is atomic, so a double-clicked submit posts once.
    """
    minutes = settings.MINDWELL_DUPLICATE_MINUTES
    if not minutes:
        return None
    key = _duplicate_key(request, body)
    now = time.time()
    if cache.add(key, now, minutes * 60):
        return None
    since = now - float(cache.get(key) or now)
    again = in_minutes(int(minutes * 60 - since))
    return (
        "You posted this same text a moment ago"
        if since < 60
        else f"You posted this same text {int(since // 60)} minutes ago"
    ) + f". To post it again, please wait and try {again}."


def release_text(request: HttpRequest, body: str) -> None:
    """Forget a claim whose post was not written."""
    cache.delete(_duplicate_key(request, body))


def refusal(request: HttpRequest, form: forms.BaseForm, body: str | None) -> str | None:
    """The last checks before a post (body) or a registration (None) is written: the link
    limit, the duplicate guard, and spending the challenge once. Each holds only if all pass."""
    if body is not None:
        if problem := link_refusal(request.user, body):
            return problem
        if problem := claim_text(request, body):
            return problem
    token = form.cleaned_data.get(CHALLENGE)
    if CHALLENGE in form.fields and token and not spend(request, token):
        if body is not None:
            release_text(request, body)
        return "This form was already sent once. Please send it again."
    return None


def before_posting(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    body: str | None,
    action: str,
    page: Callable[[], HttpResponse],
) -> HttpResponse | None:
    """The checks between a valid form and its write (a post, or a registration with no
    body): None to go on, else the form again with the reason (429 over the hourly limit,
    400 for spam), having written nothing."""
    if refused := limits.reserve(request, action):
        form.add_error(None, refused.message)
        return limits.too_many(request, refused, page())
    if problem := refusal(request, form, body):
        limits.release(request, action)
        form.add_error(None, problem)
        response = page()
        response.status_code = 400
        return response
    return None
