from unittest import mock

from django.db import OperationalError


def test_home_shows_the_open_campaign_rules_phases_and_targets(client, demo):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Đang nhận sáng kiến" in html
    assert "01 triệu sáng kiến" in html
    assert "5.342" in html and "2.771" in html and "2.571" in html
    assert "2.000 ký tự" in html
    assert "LĐLĐ huyện Gia Lâm" in html
    assert "Giai đoạn 1" in html and "Giai đoạn 2" in html


def test_home_shows_the_seed_window_when_only_the_seed_is_loaded(client, seed):
    html = client.get("/").content.decode()
    assert "01/09/2021" in html and "01/09/2022" in html
    assert "31/05/2022" in html and "30/09/2023" in html
    assert "Đã kết thúc nhận sáng kiến" in html


def test_home_without_any_campaign_says_so(client, db):
    assert "Chưa có chương trình nào" in client.get("/").content.decode()


def test_healthz_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200


def test_healthz_answers_503_when_the_database_does_not(client, db):
    with mock.patch("portal.views.connection") as conn:
        conn.cursor.side_effect = OperationalError("server closed the connection")
        response = client.get("/healthz")
    assert response.status_code == 503


def test_admin_lists_effective_targets(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="quantri"))
    response = client.get("/admin/quotas/unittarget/?q=stanley")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stanley" in html and ">400<" in html and ">300<" in html and ">700<" in html


def test_admin_pages_open(client, demo):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="quantri"))
    for url in ["/admin/", "/admin/quotas/unit/", "/admin/quotas/campaign/", "/admin/quotas/allocationrule/",
                "/admin/quotas/allocationoverride/", "/admin/initiatives/initiative/", "/admin/quotas/membership/"]:
        assert client.get(url).status_code == 200, url


def test_pages_are_vietnamese_even_for_an_english_browser(client, demo):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in html and "Tên đăng nhập" in html


def test_english_is_available_from_the_language_switch(client, demo):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html and "Username" in html
