"""The check-in before a post that reads as if its writer may be at risk.

A composer view calls `check_in(...)` after its form is valid and before its
action: when screening says `risk` and the person has not yet confirmed, the
answer is a calm page with helplines and a form that posts everything again with
`safety_confirmed=1`. Nothing is blocked: confirming posts it.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mindwell.safety.actions import screened_text
from mindwell.safety.helplines import (
    Helpline,
    directory,
    emergency_number,
    helplines_for,
    resolve_country,
)
from mindwell.safety.screening import screen

CONFIRMED = "safety_confirmed"
NOT_RESENT = frozenset({"csrfmiddlewaretoken", CONFIRMED, "check_similar"})


def helpline_context(request: HttpRequest) -> dict[str, object]:
    """The helplines for the person's country (from the browser's language, for now)."""
    accept_language = request.headers.get("Accept-Language")
    country = resolve_country(None, accept_language)
    lines: list[Helpline] = helplines_for(None, accept_language)
    return {
        "helplines": lines,
        "helpline_country": directory().countries[country].name if country else "",
        "emergency_number": emergency_number(country),
    }


def check_in(
    request: HttpRequest, *, kind: str, title: str = "", body: str, back_url: str
) -> HttpResponse | None:
    """The check-in page if the text reads as risk and was not confirmed, else None (post it)."""
    if request.POST.get(CONFIRMED) == "1":
        return None
    if screen(screened_text(title, body)).label != "risk":
        return None
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_RESENT
        for value in values
    ]
    context = {
        "kind": kind,
        "fields": fields,
        "action": request.path,
        "back_url": back_url,
        **helpline_context(request),
    }
    return render(request, "safety/check_in.html", context)
