"""Test data for submissions, built in code."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def submission(**overrides) -> dict:
    """A valid POST for the demo's open campaign (window starts 01/09 of this programme year)."""
    from quotas.models import Campaign

    campaign = Campaign.objects.get(is_open=True)
    start = campaign.application_start
    today = timezone.localdate()
    data = {
        "full_name": "Nguyễn Văn An",
        "phone": "0912 345 678",
        "id_number": "001090000001",
        "email": "",
        "sector": "enterprise",
        "province": "T01",
        "superior": "GLA",
        "unit": "GLA-STANLEY",
        "unit_query": "",
        "workplace": "Phân xưởng 2",
        "target_group": "worker",
        "title": "Cải tiến đồ gá lắp ráp",
        "solution_type": "technical",
        "description": "Hiện trạng, giải pháp và kết quả áp dụng.",
        "benefit_value": "5.000.000",
        "co_authors": "",
        "recognised_by": "council",
        "decision_number": "12/QĐ-SK",
        "decision_date": min(start + timezone.timedelta(days=3), today).strftime("%d/%m/%Y"),
        "applied_on": min(start + timezone.timedelta(days=5), today).strftime("%d/%m/%Y"),
        "drive_link": "",
        "not_ip_protected": "on",
        "consent": "on",
        "files": [upload("bao-cao.pdf", PDF)],
    }
    data.update(overrides)
    return data
