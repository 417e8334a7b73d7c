import datetime as dt
import io
import unicodedata
import zipfile

import pytest
from django.core.exceptions import ValidationError

from initiatives import rules
from initiatives.tracking import ALPHABET, new_code, normalise_code
from tests.initiatives.factories import JPEG, PDF, PNG, docx_bytes, upload


class Window:
    """A campaign stand-in with the seed's window."""

    application_start = dt.date(2021, 9, 1)
    application_end = dt.date(2022, 9, 1)


# ------------------------------------------------------------ description


def test_it_accepts_2000_characters():
    assert len(rules.check_description("a" * 2000, limit=2000)) == 2000


def test_it_rejects_2001_characters_with_the_count():
    with pytest.raises(ValidationError) as error:
        rules.check_description("a" * 2001, limit=2000)
    assert "2.001" in error.value.messages[0] and "2.000" in error.value.messages[0]


def test_2000_vietnamese_characters_pasted_in_nfd_count_as_2000():
    text = unicodedata.normalize("NFD", "ệ" * 2000)
    assert len(text) == 6000  # e + two combining marks each
    assert rules.count_characters(text) == 2000
    assert rules.check_description(text, limit=2000) == "ệ" * 2000


def test_a_crlf_line_break_counts_as_one_character():
    assert rules.count_characters("ab\r\ncd") == rules.count_characters("ab\ncd") == 5
    assert rules.check_description("a" * 999 + "\r\n" + "b" * 1000, limit=2000).count("\n") == 1


def test_leading_and_trailing_white_space_does_not_count():
    assert rules.count_characters("  \r\n\u3000 text \n\t ") == 4


def test_an_empty_description_is_refused():
    with pytest.raises(ValidationError):
        rules.check_description(" \r\n ", limit=2000)


# ------------------------------------------------------------ dates


@pytest.mark.parametrize(
    "day, ok",
    [
        (dt.date(2021, 8, 31), False),
        (dt.date(2021, 9, 1), True),
        (dt.date(2022, 9, 1), True),
        (dt.date(2022, 9, 2), False),
    ],
)
def test_put_into_use_inside_the_window_inclusive(day, ok):
    if ok:
        assert rules.check_applied_on(day, campaign=Window) == day
    else:
        with pytest.raises(ValidationError) as error:
            rules.check_applied_on(day, campaign=Window)
        assert "01/09/2021" in error.value.messages[0] and "01/09/2022" in error.value.messages[0]


def test_decision_before_the_window_or_in_the_future_is_refused():
    with pytest.raises(ValidationError):
        rules.check_decision_date(dt.date(2021, 8, 31), campaign=Window)
    assert rules.check_decision_date(dt.date(2021, 9, 1), campaign=Window)
    with pytest.raises(ValidationError):
        rules.check_decision_date(dt.date.today() + dt.timedelta(days=2), campaign=Window)


def test_decision_number_is_required():
    with pytest.raises(ValidationError):
        rules.check_decision_number("   ")
    assert rules.check_decision_number(" 12/QĐ  -SK ") == "12/QĐ -SK"


# ------------------------------------------------------------ phone and ID


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("0912345678", "0912345678"),
        ("0912 345 678", "0912345678"),
        ("0912.345.678", "0912345678"),
        ("091-234-5678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("+84912345678", "0912345678"),
        ("0312345678", "0312345678"),
        ("０９１２３４５６７８", "0912345678"),  # full-width digits, from some keyboards
        ("09١٢٣٤٥٦٧٨", "0912345678"),  # another script's digits: stored in ASCII all the same
    ],
)
def test_mobile_numbers_are_stored_normalised(typed, stored):
    assert rules.normalise_phone(typed) == stored


@pytest.mark.parametrize("typed", ["0212345678", "091234567", "09123456789", "84912345678", "09a2345678", "", "+84 0912 345 678"])
def test_other_numbers_are_refused(typed):
    with pytest.raises(ValidationError):
        rules.normalise_phone(typed)


@pytest.mark.parametrize("typed", ["280111111", "001090000001", "096 123 456 789", "001.090.000.001"])
def test_9_and_12_digit_ids_are_accepted(typed):
    assert rules.normalise_id_number(typed).isdigit()


def test_an_id_typed_in_full_width_digits_is_stored_in_ascii():
    assert rules.normalise_id_number("２８０１１１１１１") == "280111111"


@pytest.mark.parametrize("typed", ["12345678901", "12345678", "1234567890123", "000123456789", "097123456789", "28011111a", "２８０１１１１１a"])
def test_11_digits_bad_province_codes_and_letters_are_refused(typed):
    with pytest.raises(ValidationError):
        rules.normalise_id_number(typed)


# ------------------------------------------------------------ files


@pytest.mark.parametrize(
    "name, data, kind",
    [("a.pdf", PDF, "pdf"), ("a.png", PNG, "png"), ("a.jpg", JPEG, "jpeg"), ("a.docx", docx_bytes(), "docx"),
     ("a.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32, "doc"), ("photo.pdf", PNG, "png")],
)
def test_file_kind_is_decided_by_content(name, data, kind):
    assert rules.check_file(upload(name, data)) == kind


def test_a_pdf_renamed_docx_is_taken_as_a_pdf():
    assert rules.check_file(upload("bao-cao.docx", PDF)) == "pdf"


@pytest.mark.parametrize(
    "name, data",
    [("notes.pdf", b"just some text, not a pdf"), ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 60),
     ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
     ("archive.docx", b"PK\x03\x04" + b"\x00" * 40)],
)
def test_a_file_of_another_kind_is_refused_whatever_its_name(name, data):
    with pytest.raises(ValidationError) as error:
        rules.check_file(upload(name, data))
    assert name in error.value.messages[0]


def test_a_docx_that_unpacks_to_a_huge_size_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"0" * (rules.MAX_UNPACKED_SIZE + 1))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(ValidationError):
        rules.check_file(upload("bomb.docx", buffer.getvalue()))


def test_empty_and_oversized_files_are_refused():
    with pytest.raises(ValidationError):
        rules.check_file(upload("empty.pdf", b""))
    assert rules.check_file(upload("max.pdf", PDF + b"0" * (rules.MAX_FILE_SIZE - len(PDF)))) == "pdf"
    with pytest.raises(ValidationError) as error:
        rules.check_file(upload("big.pdf", PDF + b"0" * (rules.MAX_FILE_SIZE + 1 - len(PDF))))
    assert "10 MB" in error.value.messages[0]


def test_at_most_five_files():
    assert len(rules.check_files([upload(f"{i}.pdf", PDF) for i in range(5)])) == 5
    with pytest.raises(ValidationError):
        rules.check_files([upload(f"{i}.pdf", PDF) for i in range(6)])


# ------------------------------------------------------------ link and evidence


@pytest.mark.parametrize(
    "url, ok",
    [("https://drive.google.com/drive/folders/abc", True), ("https://docs.google.com/document/d/x", True),
     ("http://drive.google.com/x", False), ("https://drive.google.com.evil.example/x", False),
     ("https://evil.example/drive.google.com", False), ("javascript:alert(1)", False)],
)
def test_only_google_drive_links(url, ok):
    if ok:
        assert rules.check_drive_link(url) == url
    else:
        with pytest.raises(ValidationError):
            rules.check_drive_link(url)


def test_evidence_is_required():
    with pytest.raises(ValidationError):
        rules.check_evidence(files=[], drive_link="")
    rules.check_evidence(files=[], drive_link="https://drive.google.com/x")


# ------------------------------------------------------------ tracking codes


def test_tracking_codes_have_60_bits_in_groups_without_look_alikes():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(ALPHABET)
    assert len(ALPHABET) ** 12 >= 2**60
    assert not set("ILOU") & set(ALPHABET)


def test_typed_codes_are_forgiving():
    assert normalise_code(" k7qm 4xrp 9htc ") == "K7QM-4XRP-9HTC"
    assert normalise_code("O1IL-0000-0000") == "0111-0000-0000"
    assert normalise_code("K7QM-4XRP") is None
