from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from portal.limits import TOO_MANY, too_many
from quotas.selectors import home_summary


def home(request):
    return render(request, "portal/home.html", home_summary())


@never_cache
def healthz(request):
    """200 when the database answers a query, 503 otherwise (for the load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_required
def start(request):
    """Where a login without a `next` lands: the page the person's work is on. Reviewers (and
    admins) the review queue, district staff the progress of their units, officers the queue
    of their units; anyone else the home page."""
    from initiatives.selectors import has_review_access
    from quotas.models import Role
    from quotas.selectors import scope_paths

    if scope_paths(request.user, [Role.REVIEWER]) != set():  # None: an admin, everywhere
        return redirect("initiatives:review")
    if scope_paths(request.user, [Role.DISTRICT_STAFF]):
        return redirect("quotas:progress")
    if has_review_access(request.user):
        return redirect("initiatives:review")
    return redirect("home")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, with limits: each request mails whoever owns the address. From one
    place, past PASSWORD_RESET_RATE, the form says to wait. For one address, past
    PASSWORD_RESET_RATE_PER_EMAIL, the page answers as always ("check your inbox") and sends
    nothing more: a stranger asking for someone's address can neither flood their inbox nor
    stop them asking themselves, nor learn whether the address has an account."""

    def post(self, request, *args, **kwargs):
        if too_many(request, [("reset-ip", "ip", settings.PASSWORD_RESET_RATE)]):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, TOO_MANY)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        if too_many(request, [("reset-email", _email_key, settings.PASSWORD_RESET_RATE_PER_EMAIL)]):
            if self.get_form().is_valid():
                return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)


def _email_key(group, request):
    return request.POST.get("email", "").strip().casefold()[:254]
