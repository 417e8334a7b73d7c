"""Writes for submissions: a new initiative with its files, and the member's resubmission."""

import logging
import os
import re
import unicodedata
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from initiatives import rules
from initiatives.models import Attachment, Initiative, Status, StatusChange
from initiatives.tracking import new_code
from initiatives.workflow import MEMBER, initiative_move
from quotas import progress
from quotas.models import Campaign, Unit

log = logging.getLogger(__name__)

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def display_name(name: str) -> str:
    """The uploaded file's own name, for display only: no folders, no control or direction
    characters, at most 120 characters (the extension kept). Stored names are made by the app."""
    base = os.path.basename(unicodedata.normalize("NFC", name).replace("\\", "/"))
    base = _UNSAFE_NAME.sub("", base).strip() or "tep"
    stem, ext = os.path.splitext(base)
    return stem[: 120 - len(ext[:10])] + ext[:10]


def _save_files(initiative: Initiative, files: list, saved: list[str]) -> None:
    for upload, kind in files:
        content_type, extension = rules.KINDS[kind]
        attachment = Attachment(
            initiative=initiative,
            original_name=display_name(upload.name),
            content_type=content_type,
            size=upload.size,
        )
        upload.seek(0)
        attachment.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
        saved.append(attachment.file.name)
        attachment.save()


def delete_files(names: list[str]) -> None:
    """Remove stored files whose rows are gone (or never were); a failure is logged."""
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - logged, the row is gone anyway
            log.exception("could not delete orphan upload %s", name)


CODE_ATTEMPTS = 5


def initiative_submit(
    *, campaign: Campaign, unit: Unit, data: dict, files: list, entered_by=None
) -> Initiative:
    """Store a submission and its files together, or nothing: the row, the files and the first
    history row are written in one transaction, and files already written are deleted if it
    fails. The phase is the one the submission date falls in.

    A tracking code has 60 random bits: a clash is all but impossible, so rather than a
    savepoint around every insert (two more round trips at the surge), the rare clash undoes
    the whole transaction and it runs again with a new code."""
    phase = rules.check_campaign_open(campaign)
    for attempt in range(CODE_ATTEMPTS):
        saved: list[str] = []
        try:
            with transaction.atomic():
                now = timezone.now()
                initiative = Initiative(
                    campaign=campaign,
                    phase=phase,
                    unit=unit,
                    status=Status.SUBMITTED,
                    submitted_at=now,
                    consent_at=now,
                    not_ip_protected=True,
                    entered_by=entered_by,
                    tracking_code=new_code(),
                    **data,
                )
                initiative.save()
                _save_files(initiative, files, saved)
                StatusChange.objects.create(initiative=initiative, to_status=Status.SUBMITTED, by=entered_by, at=now)
                progress.record(unit=unit, phase=phase, day=timezone.localdate(now), submitted=1)
            return initiative
        except IntegrityError as error:
            delete_files(saved)
            if attempt == CODE_ATTEMPTS - 1 or "tracking_code" not in str(error):
                raise
        except BaseException:
            delete_files(saved)
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def initiative_resubmit(*, initiative: Initiative, data: dict, files: list) -> Initiative:
    """The member's answer to "cần bổ sung": the edited fields and any new files, moved back
    to review in the same transaction."""
    saved: list[str] = []
    try:
        with transaction.atomic():
            initiative_move(initiative=initiative, to=Status.RESUBMITTED, fields=data, actor=MEMBER)
            _save_files(initiative, files, saved)
    except BaseException:
        delete_files(saved)
        raise
    return initiative
