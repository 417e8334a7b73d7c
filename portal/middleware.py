import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.template.loader import render_to_string
from django.http import HttpResponse

log = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The client's address. Behind our own proxy (BEHIND_PROXY), the last X-Forwarded-For
    entry is the one the proxy saw; anything before it was written by the client."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


class VietnameseFirstMiddleware:
    """Pages are Vietnamese unless the user picks English in the footer.

    Many Vietnamese phones run in English, so the browser's Accept-Language says little about
    what the reader wants here; only the language cookie (set by the footer's switch) counts.
    Runs before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """While the database is unreachable (a restart, a failover), answer with a friendly
    "hệ thống đang bận" page and 503, so the load balancer and the member know to retry.
    The transaction that failed has rolled back, so nothing is half-saved; Django reconnects
    by itself on the next request (CONN_HEALTH_CHECKS)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        log.warning("database unavailable: %s", exception)
        body = render_to_string("503.html")  # a template that needs no database
        return HttpResponse(body, status=503, headers={"Retry-After": "30"})
