from __future__ import annotations

from django.http import HttpRequest

from mindwell.moderation import sitesettings
from mindwell.moderation.actions import pending_warnings
from mindwell.moderation.views import queue_size
from mindwell.safety.models import Screening


def moderation(request: HttpRequest) -> dict[str, object]:
    """The site name and welcome text admins set; the queue and at-risk sizes for moderators;
    warnings.

    Runs after qa's context processor, so the stored site name wins over the default.
    """
    values = sitesettings.current()
    context: dict[str, object] = {
        "site_name": values["site_name"],
        "welcome_text": values["welcome"],
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["pending_warnings"] = pending_warnings(user)
        if user.is_moderator:
            context["queue_size"] = queue_size()
            # The in-app alert that someone may be at risk: on every page a moderator
            # opens, beside the queue, until someone records a response.
            context["at_risk_size"] = Screening.objects.awaiting_response().count()
    return context
