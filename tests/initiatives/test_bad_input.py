"""A corpus of bad input against the public form and the tracking page: each gets a
Vietnamese message, the form keeps what was typed, and nothing is stored."""

import unicodedata

import pytest

from initiatives.models import Attachment, Initiative
from tests.initiatives.factories import PDF, docx_bytes, submission, upload


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


ENGLISH = ["This field", "Enter a valid", "Ensure this value", "Null characters", "Select a valid"]

CORPUS = [
    ("description", "a" * 2001),
    ("description", unicodedata.normalize("NFD", "ệ") * 2001),
    ("full_name", "Nguyễn\x00Văn A"),
    ("title", "\x00"),
    ("full_name", "\u200b\u200b"),
    ("phone", "+84 12 345 678"),
    ("phone", "0912-345-67a"),
    ("id_number", "001 090 00A 001"),
    ("id_number", "12345678901"),
    ("decision_date", "31/02/2022"),
    ("applied_on", "01/9/2021"),
    ("applied_on", "2099-09-01"),
    ("unit", "KHONG-CO"),
    ("unit", "GLA"),
    ("drive_link", "javascript:alert(1)"),
    ("benefit_value", "năm triệu"),
    ("files", [upload("setup.pdf", b"MZ\x90\x00" + b"\x00" * 64)]),
    ("files", [upload("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")]),
    ("files", [upload("empty.pdf", b"")]),
    ("files", [upload("a.pdf", PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF)))]),
    ("files", [upload(f"{i}.pdf", PDF) for i in range(6)]),
]


@pytest.mark.parametrize("field, value", CORPUS, ids=[f"{f}-{i}" for i, (f, _v) in enumerate(CORPUS)])
def test_bad_input_is_refused_in_vietnamese_and_stores_nothing(client, demo, media, field, value):
    data = submission(**{"title": "Tiêu đề <b>giữ nguyên</b>", field: value})
    response = client.post("/submit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chưa nộp được" in html
    assert not any(phrase in html for phrase in ENGLISH), [p for p in ENGLISH if p in html]
    if field != "title":
        assert "Tiêu đề &lt;b&gt;giữ nguyên&lt;/b&gt;" in html  # kept, and escaped
    assert not Initiative.objects.filter(is_sample=False).exists() and not Attachment.objects.exists()
    assert not (media / "evidence").exists() or not any((media / "evidence").rglob("*.*"))


def test_a_name_with_folders_and_300_characters_is_stored_safely(client, demo):
    name = "../../" + "á" * 300 + ".pdf"
    client.post("/submit/", submission(files=[upload(name, PDF)]))
    attachment = Attachment.objects.get()
    assert "/" not in attachment.original_name and ".." not in attachment.original_name
    assert len(attachment.original_name) <= 120 and attachment.original_name.endswith(".pdf")


def test_html_in_every_text_field_is_shown_escaped_to_the_reviewer(client, users):
    script = "<script>alert('x')</script>"
    client.post("/submit/", submission(full_name=f"An {script}", title=f"Sáng kiến {script}",
                                       description=script, co_authors=script, workplace=script))
    initiative = Initiative.objects.get(is_sample=False)
    client.force_login(users["reviewer"])
    for url in ("/review/", f"/review/{initiative.pk}/"):
        html = client.get(url).content.decode()
        assert script not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("code, phone", [("' OR 1=1 --", "0912345678"), ("\x00" * 12, "0912345678"),
                                         ("ABCD-EFGH-JKMN", "<script>")])
def test_tracking_refuses_odd_input_in_vietnamese(client, demo, code, phone):
    response = client.post("/track/", {"code": code, "phone": phone})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mã tra cứu" in html and not any(phrase in html for phrase in ENGLISH)


def test_a_docx_bomb_is_refused(client, demo):
    import io
    import zipfile

    from initiatives.rules import MAX_UNPACKED_SIZE

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"0" * (MAX_UNPACKED_SIZE + 1))
    response = client.post("/submit/", submission(files=[upload("bomb.docx", buffer.getvalue())]))
    assert "không phải ảnh JPEG/PNG, PDF hoặc Word" in response.content.decode()
    assert docx_bytes()  # a normal DOCX is still accepted elsewhere
