"""After logging in without a page to return to, each person lands where their work is."""

import pytest

PASSWORD = "sangkien-demo-2026"


@pytest.mark.parametrize(
    "username, lands_on",
    [("xetduyet", "/review/"), ("quantri", "/review/"), ("ldld", "/progress/"), ("canbo", "/review/")],
)
def test_a_login_without_next_lands_on_the_persons_work(client, demo, username, lands_on):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == lands_on
    assert response.status_code == 200


def test_someone_without_a_role_lands_on_the_home_page(client, demo, django_user_model):
    django_user_model.objects.create_user("khach", password="mat-khau-dai-2026")
    response = client.post("/accounts/login/", {"username": "khach", "password": "mat-khau-dai-2026"}, follow=True)
    assert response.redirect_chain[-1][0] == "/" and response.status_code == 200


def test_a_login_with_next_still_goes_there(client, demo):
    response = client.post("/accounts/login/?next=/track/", {"username": "xetduyet", "password": PASSWORD})
    assert response["Location"] == "/track/"
