import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError

from initiatives.models import Initiative
from tests.initiatives.factories import submission

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_with_production_settings_prints_no_warning():
    env = {
        "PATH": os.environ["PATH"],
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "sangkien.example.vn",
        "DATABASE_URL": "sqlite:///:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {"PATH": os.environ["PATH"], "DEBUG": "false", "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, demo):
    response = client.get("/submit/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in response.content.decode()  # every script is a file of ours
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_submitting_too_often_from_one_address_is_refused_kindly(client, demo, settings):
    settings.SUBMIT_RATE = "3/h"
    for i in range(3):
        assert client.post("/submit/", submission(phone=f"09123450{i:02d}")).status_code == 302
    response = client.post("/submit/", submission(phone="0912345099", title="Lần thứ tư"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "quá nhiều lần" in html and 'value="Lần thứ tư"' in html
    # No field is wrong: the page does not ask to correct marked fields.
    assert "vui lòng sửa các mục được đánh dấu" not in html and "Chưa nộp được." in html
    assert Initiative.objects.filter(is_sample=False).count() == 3


def test_an_officer_entering_paper_forms_for_members_is_not_limited(client, demo, settings):
    """A union officer types in a pile of paper forms in one sitting: logged in, known and kept
    to their own units, they are not stopped at the public form's hourly limit."""
    from django.contrib.auth import get_user_model

    settings.SUBMIT_RATE = "3/h"
    client.force_login(get_user_model().objects.get(username="canbo"))
    for i in range(5):
        assert client.post("/submit/", submission(phone=f"09123460{i:02d}")).status_code == 302, i
    assert Initiative.objects.filter(is_sample=False, entered_by__username="canbo").count() == 5


def test_forms_refused_for_a_mistake_do_not_count_against_the_limit(client, demo, settings):
    """A member correcting mistakes, or a factory's members behind one address at the surge,
    are limited by what they stored, not by what the form sent back to be corrected."""
    settings.SUBMIT_RATE = "3/h"
    for i in range(5):
        response = client.post("/submit/", submission(phone=f"09123451{i:02d}", title=""))
        assert response.status_code == 200 and "title" in response.context["form"].errors
    for i in range(3):
        assert client.post("/submit/", submission(phone=f"09123452{i:02d}")).status_code == 302
    assert client.post("/submit/", submission(phone="0912345399")).status_code == 429
    assert Initiative.objects.filter(is_sample=False).count() == 3


def test_submitting_too_often_with_one_phone_is_refused(client, demo, settings):
    settings.SUBMIT_RATE_PER_PHONE = "2/h"
    for _ in range(2):
        client.post("/submit/", submission(phone="0912 345 678"))
    response = client.post("/submit/", submission(phone="+84912345678"), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429


def test_guessing_phones_for_one_code_is_limited(client, demo, settings):
    settings.TRACK_RATE_PER_CODE = "3/h"
    code = Initiative.objects.first().tracking_code
    statuses = [client.post("/track/", {"code": code, "phone": f"09000000{i:02d}"}).status_code for i in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "quá nhiều lần" in client.post("/track/", {"code": code, "phone": "0900000000"}).content.decode()


def test_the_honeypot_stores_nothing_and_a_person_never_sees_it(client, demo):
    html = client.get("/submit/").content.decode()
    assert 'aria-hidden="true"><label for="id_website">' in html
    response = client.post("/submit/", submission(website="http://spam.example"))
    assert response.status_code == 200
    assert not Initiative.objects.filter(is_sample=False).exists()


def test_login_is_locked_after_five_failures(client, demo):
    for _ in range(5):
        client.post("/accounts/login/", {"username": "xetduyet", "password": "sai"})
    response = client.post("/accounts/login/", {"username": "xetduyet", "password": "sangkien-demo-2026"})
    assert "Tạm khoá đăng nhập" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_pbkdf2_in_production():
    from portal import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("PBKDF2PasswordHasher")


def test_a_database_outage_gets_a_friendly_503(client, demo, monkeypatch):
    from initiatives import views

    def down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(views, "current_campaign", down)
    response = client.get("/submit/")
    assert response.status_code == 503
    assert "Hệ thống đang bận" in response.content.decode()
    assert response["Retry-After"] == "30"


def test_uploaded_files_are_not_served_from_the_web_root(client, demo):
    assert client.get(f"{settings.MEDIA_URL}evidence/anything.pdf").status_code == 404
