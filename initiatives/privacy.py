"""Personal data: what is held about one person, its export, its erasure, and retention.

Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15 and Nghị định 356/2025/NĐ-CP: a person may ask what is
held about them and ask for it to be erased; data is kept no longer than its purpose needs.
Erasure anonymises the initiative rather than deleting it, so that the programme's counts stay
right; the files (which may show the person) are deleted.
"""

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from initiatives.models import Initiative, PersonalDataAccess
from initiatives.services import delete_files

ERASED_NAME = "(đã xoá theo yêu cầu)"
# The evidence link goes too, like the evidence files: a shared Drive file names its owner.
PERSONAL_FIELDS = ["full_name", "phone", "id_number", "email", "workplace", "co_authors", "drive_link"]


def log_access(*, user, initiatives, action: str) -> None:
    PersonalDataAccess.objects.bulk_create(
        PersonalDataAccess(user=user, initiative=i, action=action) for i in initiatives
    )


def person_records(queryset, *, id_number: str = "", phone: str = ""):
    """Initiatives in `queryset` (already scoped) that belong to the person with this ID
    number or phone (normalised as the rules store them)."""
    from django.db.models import Q

    condition = Q(pk__in=[])
    if id_number:
        condition |= Q(id_number=id_number)
    if phone:
        condition |= Q(phone=phone)
    return queryset.filter(condition).select_related("unit", "campaign", "phase")


def several_people(records) -> bool:
    """Whether the records found may belong to more than one person: a phone is often shared
    in a family, so a search by phone (or by ID number and phone) can find someone else's too.
    Erased records carry no name or number and say nothing either way."""
    records = [r for r in records if r.full_name != ERASED_NAME]
    names = {" ".join(r.full_name.split()).casefold() for r in records}
    numbers = {r.id_number for r in records if r.id_number}
    return len(names) > 1 or len(numbers) > 1


def person_export(initiatives) -> dict:
    """Everything held about the person, as plain data (the JSON a request is answered with)."""
    records = []
    for i in initiatives:
        records.append({
            "ma_tra_cuu": i.tracking_code,
            "chuong_trinh": i.campaign.name,
            "ho_va_ten": i.full_name,
            "so_dien_thoai": i.phone,
            "cmnd_cccd": i.id_number,
            "thu_dien_tu": i.email,
            "cong_doan_co_so": i.unit.name,
            "bo_phan": i.workplace,
            "ten_sang_kien": i.title,
            "mo_ta": i.description,
            "dong_tac_gia": i.co_authors,
            "trang_thai": i.get_status_display(),
            "ngay_nop": timezone.localtime(i.submitted_at).isoformat(),
            "dong_y_xu_ly_du_lieu": timezone.localtime(i.consent_at).isoformat(),
            "tep_minh_chung": [a.original_name for a in i.attachments.all()],
            "lich_su": [
                {"trang_thai": h.get_to_status_display(), "luc": timezone.localtime(h.at).isoformat(), "ghi_chu": h.note}
                for h in i.history.all()
            ],
        })
    return {"xuat_luc": timezone.localtime().isoformat(), "so_ho_so": len(records), "ho_so": records}


def initiative_anonymise(*, initiative: Initiative) -> None:
    """Erase the person from one initiative: personal fields blanked, files deleted; the
    initiative, its status and its place in the counts stay."""
    with transaction.atomic():
        names = [a.file.name for a in initiative.attachments.all()]
        initiative.attachments.all().delete()
        for field in PERSONAL_FIELDS:
            setattr(initiative, field, "")
        initiative.full_name = ERASED_NAME
        initiative.save(update_fields=[*PERSONAL_FIELDS, "updated_at"])
        # The history's free-text notes may name the person too (a reviewer's request, the
        # member's reply): they go; the moves themselves (who, when, which status, the reason
        # chosen from the list) stay. The one exception to the history's write-once rule.
        initiative.history.exclude(note="").update(note=ERASED_NAME)
        transaction.on_commit(lambda: delete_files(names))


def person_erase(*, initiatives, by) -> int:
    initiatives = list(initiatives)
    with transaction.atomic():
        log_access(user=by, initiatives=initiatives, action=PersonalDataAccess.Action.ERASE)
        for initiative in initiatives:
            initiative_anonymise(initiative=initiative)
    return len(initiatives)


def expired(*, today: dt.date | None = None):
    """Initiatives of campaigns that closed more than RETENTION_YEARS ago, not yet anonymised."""
    today = today or timezone.localdate()
    cutoff = today - relativedelta(years=settings.RETENTION_YEARS)
    return Initiative.objects.filter(campaign__application_end__lt=cutoff).exclude(full_name=ERASED_NAME)
