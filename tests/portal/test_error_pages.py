"""The error pages (templates/400.html, 403.html, 403_csrf.html, 404.html, 500.html): with DEBUG
off, Django's own handlers render them by name, so a member sees a Vietnamese page in the site's
look with a way back, never Django's English "Not Found", "Server Error (500)" or "403 Forbidden"."""

import html
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client, override_settings
from django.urls import include, path


# ---------------------------------------------------------------- a URLconf with failing views


def boom(request):
    raise RuntimeError("a bug")


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("a tampered request")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/suspicious/", suspicious),
    path("", include("portal.urls")),
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production():
    """DEBUG off, as in production, with this module's failing views in front of the portal's."""
    with override_settings(DEBUG=False, ROOT_URLCONF=__name__):
        yield

TEMPLATES = Path(settings.BASE_DIR) / "templates"
DJANGO_ENGLISH = ["Not Found", "Server Error", "Forbidden", "Bad Request", "CSRF verification failed"]


def text(response) -> str:
    return html.unescape(response.content.decode())


def assert_no_django_english(body: str) -> None:
    for phrase in DJANGO_ENGLISH:
        assert phrase not in body, phrase


def choose_english(client) -> None:
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302


# ---------------------------------------------------------------- 404


def test_a_missing_page_answers_404_in_vietnamese_with_ways_back(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = text(response)
    assert '<html lang="vi">' in body
    assert "Không tìm thấy trang" in body
    assert 'href="/"' in body and 'href="/submit/"' in body and 'href="/track/"' in body
    assert "Bỏ qua, tới nội dung chính" in body  # the site's own layout
    assert_no_django_english(body)


def test_the_404_page_follows_the_chosen_language(client):
    choose_english(client)
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    body = text(response)
    assert '<html lang="en">' in body and "Page not found" in body
    assert "Không tìm thấy trang" not in body


def test_the_404_page_renders_for_a_logged_in_user(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("canbo_404", password="x"))
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in text(response) and "canbo_404" in text(response)


# ---------------------------------------------------------------- 500


def test_a_failing_view_answers_500_in_vietnamese(django_assert_num_queries):
    client = Client(raise_request_exception=False)
    with django_assert_num_queries(0):  # the page itself must not need the database
        response = client.get("/test-errors/boom/")
    assert response.status_code == 500
    body = text(response)
    assert '<html lang="vi">' in body
    assert "Đã xảy ra lỗi" in body and "Vui lòng đợi một lát rồi thử lại" in body
    assert 'href="/"' in body and 'href="/track/"' in body
    assert_no_django_english(body)


def test_the_500_page_renders_without_any_context():
    """django.views.defaults.server_error renders it with no context and no request."""
    from django.template import loader

    body = loader.get_template("500.html").render()
    assert "Đã xảy ra lỗi" in body and 'href="/"' in body


# ---------------------------------------------------------------- 403


def test_a_post_without_csrf_token_answers_403_in_vietnamese():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/track/", {"code": "K7QM-4XRP-9HTC", "phone": "0912 345 678"})
    assert response.status_code == 403
    body = text(response)
    assert '<html lang="vi">' in body
    assert "Biểu mẫu đã hết hạn" in body
    assert "chặn cookie" in body and "tải lại trang" in body
    assert 'href="/"' in body
    assert_no_django_english(body)


def test_the_csrf_page_follows_the_chosen_language():
    client = Client(enforce_csrf_checks=True)
    client.cookies["django_language"] = "en"
    response = client.post("/track/", {"code": "K7QM-4XRP-9HTC", "phone": "0912 345 678"})
    assert response.status_code == 403
    body = text(response)
    assert '<html lang="en">' in body and "The form has expired" in body


def test_permission_denied_answers_403_in_vietnamese(client):
    response = client.get("/test-errors/forbidden/")
    assert response.status_code == 403
    body = text(response)
    assert "Bạn không có quyền xem trang này" in body
    assert 'href="/"' in body and 'href="/accounts/login/"' in body
    assert_no_django_english(body)


def test_permission_denied_for_a_logged_in_user_points_to_the_administrator(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("nguoingoai_403", password="x"))
    body = text(client.get("/test-errors/forbidden/"))
    assert "Bạn không có quyền xem trang này" in body and "quản trị viên LĐLĐ" in body
    assert 'href="/accounts/login/"' not in body


# ---------------------------------------------------------------- 400


def test_a_suspicious_request_answers_400_in_vietnamese(client):
    response = client.get("/test-errors/suspicious/")
    assert response.status_code == 400
    body = text(response)
    assert "Yêu cầu không hợp lệ" in body and 'href="/"' in body
    assert_no_django_english(body)



def test_a_host_not_allowed_answers_400_in_vietnamese():
    client = Client(raise_request_exception=False)
    with override_settings(ALLOWED_HOSTS=["congsangkien.example"]):
        response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in text(response)

# ---------------------------------------------------------------- the files


@pytest.mark.parametrize("name", ["400.html", "403.html", "403_csrf.html", "404.html", "500.html"])
def test_the_templates_are_nfc_and_phone_ready(name):
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    assert source == unicodedata.normalize("NFC", source)
    if "{% extends" not in source:
        assert 'name="viewport"' in source
