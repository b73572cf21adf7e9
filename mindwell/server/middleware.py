"""Middleware of the server app."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

WROTE_COOKIE = "mindwell_wrote"
WROTE_SECONDS = 10


class WroteMiddleware:
    """After a write, mark the writer's browser for a few seconds so caches in front step aside.

    nginx's brief cache of visitors' pages (docs/nginx.conf) is bypassed for a
    request carrying this cookie, so whoever just posted sees their post at
    once. The app's own page cache is exact and serves them as usual.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method == "POST" and response.status_code < 400:
            response.set_cookie(WROTE_COOKIE, "1", max_age=WROTE_SECONDS, samesite="Lax")
        return response
