"""A bare Django view that inserts one row: the floor a submission's throughput is compared
with (bench/load.py). GET /submit/ hands out a CSRF token as the real form does, POST /submit/
inserts one row and redirects as the real form does; nothing else."""

from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.urls import path

TABLE = "bench_bare_insert"


def ensure_table() -> None:
    with connection.cursor() as cursor:
        key = "bigserial" if connection.vendor == "postgresql" else "integer"
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (id {key} PRIMARY KEY, size integer)")


def bare(request):
    if request.method == "POST":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE} (size) VALUES (%s)", [len(request.POST)])
        return HttpResponseRedirect("/submit/done/")
    return HttpResponse(f'<input type="hidden" name="csrfmiddlewaretoken" value="{get_token(request)}">')


def done(request):
    return HttpResponse("0000-0000-0000")


urlpatterns = [path("submit/", bare), path("submit/done/", done)]
