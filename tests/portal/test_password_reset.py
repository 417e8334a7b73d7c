"""Forgotten passwords: the login page links to the reset page; the reset pages are the site's
own, in Vietnamese; the email is Vietnamese and carries a one-time link; the link sets a new
password (and only a matching, valid one); a used or tampered link says so in Vietnamese; an
unknown address gets the same page and no mail."""

import html
import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail

PASSWORD = "sangkien-demo-2026"
NEW_PASSWORD = "Hoa-sen-tren-ho-2026"
EMAIL = "xetduyet@example.vn"

ENGLISH = ["Django", "Password reset", "password reset", "Forgotten your password", "Email address",
           "Enter a new password", "New password", "didn’t match", "didn't match", "Log in",
           "This password is too short", "Please enter", "This field"]


@pytest.fixture
def reviewer(demo, django_user_model):
    user = django_user_model.objects.get(username="xetduyet")
    user.email = EMAIL
    user.save(update_fields=["email"])
    return user


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def visible(page: str) -> str:
    """The page's text as a reader sees it (tags dropped, white space collapsed)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def in_site_layout(page: str) -> None:
    assert '<html lang="vi">' in page
    assert 'class="site-header"' in page and "Cổng Sáng kiến" in page and "Nộp sáng kiến" in page
    assert "Bỏ qua, tới nội dung chính" in page
    assert "Django" not in page and "Quản trị Django" not in page and 'id="site-name"' not in page


def no_english(page: str) -> None:
    seen = visible(page)
    assert not [phrase for phrase in ENGLISH if phrase in seen], [p for p in ENGLISH if p in seen]


def can_log_in(client_class, username: str, password: str) -> bool:
    client = client_class()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


def ask_for_link(client, email: str = EMAIL):
    return client.post("/accounts/password_reset/", {"email": email}, follow=True)


def link_in(message) -> str:
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def open_link(client, path: str):
    """Open the emailed link as a browser does: it redirects to the set-password address."""
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].endswith("/set-password/")
    return client.get(response["Location"])


# ---------------------------------------------------------------- the pages


def test_the_login_page_links_to_the_reset_page(client, demo):
    page = text_of(client.get("/accounts/login/"))
    assert re.search(r'<a href="/accounts/password_reset/"[^>]*>Quên mật khẩu\?</a>', page)


def test_the_lockout_page_links_to_the_reset_page(client, reviewer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "xetduyet", "password": "sai"})
    page = text_of(client.post("/accounts/login/", {"username": "xetduyet", "password": PASSWORD}))
    assert "Tạm khoá đăng nhập" in page
    assert '<a href="/accounts/password_reset/">đặt lại mật khẩu tại đây</a>' in page
    assert "liên hệ quản trị viên LĐLĐ" in visible(page)


def test_a_reset_does_not_lift_a_lockout(client, reviewer):
    """The lockout page says so: a new password does not end the hour's lock early."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "xetduyet", "password": "sai"})
    ask_for_link(client)
    form_url = open_link(client, link_in(mail.outbox[0])).request["PATH_INFO"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    page = text_of(client.post("/accounts/login/", {"username": "xetduyet", "password": NEW_PASSWORD}))
    assert "Tạm khoá đăng nhập" in page and "_auth_user_id" not in client.session
    assert "Đặt lại mật khẩu không rút ngắn thời gian tạm khoá" in visible(page)


def test_the_reset_page_is_the_sites_own_and_vietnamese(client, demo):
    response = client.get("/accounts/password_reset/")
    assert response.status_code == 200
    page = text_of(response)
    in_site_layout(page)
    no_english(page)
    seen = visible(page)
    assert "<title>Quên mật khẩu — Cổng Sáng kiến</title>" in page
    assert "Quên mật khẩu" in seen and "Gửi đường dẫn đặt lại mật khẩu" in seen
    # Where the mail goes, and what to do when none comes.
    assert "địa chỉ email đã lưu trong tài khoản" in seen and "liên hệ quản trị viên LĐLĐ" in seen
    assert "novalidate" in page and 'name="email"' in page and "btn btn-danger" in page


def test_a_known_address_gets_one_vietnamese_mail_with_a_link(client, reviewer):
    response = ask_for_link(client)
    assert response.redirect_chain[-1][0] == "/accounts/password_reset/done/"
    page = text_of(response)
    in_site_layout(page)
    no_english(page)
    assert "Kiểm tra hộp thư của bạn" in visible(page)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [EMAIL] and message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "Đặt lại mật khẩu — Cổng Sáng kiến"
    body = message.body
    assert body.startswith("Xin chào Trần Văn Xét Duyệt,")
    assert f"địa chỉ email {EMAIL}" in body and "Cổng Sáng kiến (testserver)" in body
    assert "Tên đăng nhập của bạn: xetduyet" in body
    assert "chỉ dùng được một lần và hết hạn sau 3 ngày" in body
    assert "Nếu bạn không yêu cầu đặt lại mật khẩu, hãy bỏ qua thư này" in body
    assert link_in(message)
    assert "&#x27;" not in body and "&amp;" not in body  # plain text, not HTML-escaped
    for phrase in ["Password reset", "You're receiving", "Thanks for using", "username", "The testserver team"]:
        assert phrase not in body, phrase


def test_the_email_says_three_days_because_the_link_lasts_three_days():
    """The email promises 3 days: if PASSWORD_RESET_TIMEOUT changes, change the email too
    (templates/registration/password_reset_email.html)."""
    assert settings.PASSWORD_RESET_TIMEOUT == timedelta(days=3).total_seconds()


def test_an_unknown_address_gets_the_same_page_and_no_mail(client, reviewer):
    known = visible(text_of(ask_for_link(client)))
    mail.outbox.clear()
    response = ask_for_link(client, "khongco@example.vn")
    assert response.redirect_chain[-1][0] == "/accounts/password_reset/done/"
    assert visible(text_of(response)) == known  # nothing tells whether the address exists
    assert mail.outbox == []


def test_an_empty_address_is_refused_in_vietnamese(client, demo):
    response = ask_for_link(client, "")
    page = text_of(response)
    assert response.status_code == 200 and "Trường này là bắt buộc." in page
    no_english(page)
    assert mail.outbox == []


def test_the_link_opens_the_set_password_form(client, reviewer):
    ask_for_link(client)
    response = open_link(client, link_in(mail.outbox[0]))
    assert response.status_code == 200
    page = text_of(response)
    in_site_layout(page)
    no_english(page)
    seen = visible(page)
    assert "<title>Đặt mật khẩu mới — Cổng Sáng kiến</title>" in page
    assert "Đặt mật khẩu mới" in seen and "Tài khoản: xetduyet" in seen
    assert "Mật khẩu mới" in seen and "Xác nhận mật khẩu mới" in seen and "Lưu mật khẩu mới" in seen
    assert 'name="new_password1"' in page and 'name="new_password2"' in page and "novalidate" in page


def test_mismatched_passwords_are_refused_in_vietnamese_and_change_nothing(client, reviewer):
    ask_for_link(client)
    form_url = open_link(client, link_in(mail.outbox[0])).request["PATH_INFO"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert response.status_code == 200
    page = text_of(response)
    no_english(page)
    assert "Hai trường mật khẩu không giống nhau." in visible(page)
    assert 'name="new_password1"' in page  # the form again
    assert can_log_in(type(client), "xetduyet", PASSWORD)
    assert not can_log_in(type(client), "xetduyet", NEW_PASSWORD)


def test_a_common_password_is_refused_in_vietnamese(client, reviewer):
    ask_for_link(client)
    form_url = open_link(client, link_in(mail.outbox[0])).request["PATH_INFO"]
    response = client.post(form_url, {"new_password1": "password123", "new_password2": "password123"})
    page = text_of(response)
    assert "Mật khẩu này quá phổ biến." in visible(page)
    no_english(page)
    assert can_log_in(type(client), "xetduyet", PASSWORD)


def test_a_short_password_is_refused_in_vietnamese(client, reviewer):
    ask_for_link(client)
    form_url = open_link(client, link_in(mail.outbox[0])).request["PATH_INFO"]
    response = client.post(form_url, {"new_password1": "Hs-2026", "new_password2": "Hs-2026"})
    page = text_of(response)
    assert 'name="new_password1"' in page
    # Django 5.2's own vi catalogue lacks this message; locale/vi supplies it.
    assert "Mật khẩu này quá ngắn." in visible(page)
    no_english(page)
    assert can_log_in(type(client), "xetduyet", PASSWORD)


def test_a_good_new_password_is_set_and_works(client, reviewer):
    ask_for_link(client)
    link = link_in(mail.outbox[0])
    form_url = open_link(client, link).request["PATH_INFO"]
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/reset/done/"
    page = text_of(response)
    in_site_layout(page)
    no_english(page)
    assert "Đã đặt mật khẩu mới" in visible(page)
    assert '<a class="btn btn-danger" href="/accounts/login/">Đăng nhập</a>' in page
    assert can_log_in(type(client), "xetduyet", NEW_PASSWORD)
    assert not can_log_in(type(client), "xetduyet", PASSWORD)

    # The link works once.
    response = type(client)().get(link, follow=True)
    assert "Đường dẫn không còn hiệu lực" in visible(text_of(response))


@pytest.mark.parametrize("mangle", [
    lambda path, other: path[:-3] + "zzz/",  # a wrong token
    lambda path, other: path.replace(path.split("/")[3], other),  # the token on someone else's account
    lambda path, other: "/accounts/reset/" + path.split("/")[3] + "/set-password/",  # no token at all
], ids=["token", "uid", "no-token"])
def test_a_tampered_link_says_it_is_no_longer_valid(client, reviewer, django_user_model, mangle):
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    other = urlsafe_base64_encode(force_bytes(django_user_model.objects.get(username="canbo").pk))
    ask_for_link(client)
    link = link_in(mail.outbox[0])
    assert mangle(link, other) != link
    response = client.get(mangle(link, other), follow=True)
    assert response.status_code == 200
    page = text_of(response)
    in_site_layout(page)
    no_english(page)
    seen = visible(page)
    assert "<title>Đường dẫn không còn hiệu lực — Cổng Sáng kiến</title>" in page
    assert "Đường dẫn không còn hiệu lực" in seen
    assert '<a class="btn btn-danger" href="/accounts/password_reset/">Yêu cầu đường dẫn mới</a>' in page
    assert 'name="new_password1"' not in page


# ---------------------------------------------------------------- changing a known password


def test_changing_a_password_is_the_sites_own_page_in_vietnamese(client, reviewer):
    client.post("/accounts/login/", {"username": "xetduyet", "password": PASSWORD})
    page = text_of(client.get("/accounts/password_change/"))
    in_site_layout(page)
    no_english(page)
    seen = visible(page)
    assert "Đổi mật khẩu" in seen and "Mật khẩu cũ" in seen and "Xác nhận mật khẩu mới" in seen

    wrong = text_of(client.post("/accounts/password_change/", {
        "old_password": "sai", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}))
    assert "Mật khẩu cũ không chính xác." in visible(wrong)
    no_english(wrong)

    response = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password_change/done/"
    page = text_of(response)
    in_site_layout(page)
    assert "Đã đổi mật khẩu" in visible(page)
    assert can_log_in(type(client), "xetduyet", NEW_PASSWORD)


def test_the_admins_change_password_page_uses_the_same_page(client, demo):
    client.post("/accounts/login/", {"username": "quantri", "password": PASSWORD})
    response = client.get("/admin/password_change/")
    assert response.status_code == 200
    page = text_of(response)
    in_site_layout(page)
    assert "Đổi mật khẩu" in visible(page)


def test_one_address_is_not_flooded_with_reset_mails(client, reviewer, settings):
    """Each request mails the address's owner: past the limit for one address the page answers
    as always and sends nothing more (so a stranger cannot block the owner's own request with
    a "too many" page, nor flood their inbox); past the limit for one place, the form says to
    wait, in Vietnamese, the address kept."""
    settings.PASSWORD_RESET_RATE_PER_EMAIL, settings.PASSWORD_RESET_RATE = "3/h", "5/h"
    for _ in range(3):
        ask_for_link(client, EMAIL.upper())  # the same address however it is typed
    assert len(mail.outbox) == 3
    response = ask_for_link(client, EMAIL)
    assert response.redirect_chain[-1][0] == "/accounts/password_reset/done/"
    assert "Kiểm tra hộp thư của bạn" in visible(text_of(response))
    assert len(mail.outbox) == 3

    ask_for_link(client, "khac@example.vn")  # the fifth from this place
    response = client.post("/accounts/password_reset/", {"email": "khac@example.vn"})
    page = text_of(response)
    assert response.status_code == 429 and "quá nhiều lần" in page and 'value="khac@example.vn"' in page
