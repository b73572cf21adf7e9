from __future__ import annotations

from django.http import HttpRequest

from mindwell.moderation import sitesettings
from mindwell.moderation.actions import pending_warnings
from mindwell.moderation.views import queue_size


def moderation(request: HttpRequest) -> dict[str, object]:
    """The site name and welcome text admins set; the queue size for moderators; warnings.

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
    return context
