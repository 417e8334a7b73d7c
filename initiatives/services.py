"""Writes for submissions: a new initiative with its files, and the member's resubmission."""

import functools
import logging
import os
import re
import unicodedata
import uuid
from contextlib import nullcontext

from django.db import IntegrityError, connection, transaction
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


def _write_files(initiative: Initiative, files: list, saved: list[str]) -> list[Attachment]:
    """Write each upload to storage under a name of the app's making (`saved` lists them, for
    deletion if the transaction fails) and return its Attachment, not yet saved."""
    attachments = []
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
        attachments.append(attachment)
    return attachments


def _save_files(initiative: Initiative, files: list, saved: list[str]) -> None:
    for attachment in _write_files(initiative, files, saved):
        attachment.save()


@functools.cache
def _insert_statement(model, initiative_column: str | None) -> tuple[str, tuple]:
    """The INSERT of a new `model` row as Django's save() writes it, built once: every concrete
    field but the automatic key, and the fields whose values it takes, in order.
    `initiative_column` takes the id of the initiative inserted by the same statement."""
    meta, quote = model._meta, connection.ops.quote_name
    columns, values, fields = [], [], []
    for model_field in meta.local_concrete_fields:
        if model_field is meta.auto_field:
            continue
        columns.append(quote(model_field.column))
        if model_field.column == initiative_column:
            values.append("(SELECT id FROM new)")
        else:
            values.append("%s")
            fields.append(model_field)
    return f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(values)})", tuple(fields)


def _insert(obj, *, initiative_column: str | None = None) -> tuple[str, list]:
    """The INSERT of the new `obj`, each value prepared by its own field (defaults, auto_now,
    the file's name)."""
    sql, fields = _insert_statement(type(obj), initiative_column)
    return sql, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _store(initiative: Initiative, attachments: list[Attachment], history: StatusChange, counts: list) -> None:
    """Write the initiative, its attachments, its first history row and the counts it moves
    (`counts`: statements from quotas.progress). On PostgreSQL in one statement, elsewhere
    with Django's save() a row at a time; a PostgreSQL test holds the two to the same rows."""
    if connection.vendor == "postgresql":
        _store_at_once(initiative, attachments, history, counts)
    else:
        with transaction.atomic():
            _store_row_by_row(initiative, attachments, history, counts)


def _store_row_by_row(initiative, attachments, history, counts) -> None:
    initiative.save()
    for attachment in attachments:  # each takes the initiative's new id as it saves
        attachment.save()
    history.save()
    with connection.cursor() as cursor:
        for sql, params in counts:
            cursor.execute(sql, params)


def _prepared_cursor():
    """A cursor that sends its parameters apart from the statement (psycopg's server-side
    binding), so that the statement is prepared on a connection's first submission and later
    ones skip PostgreSQL's parsing and planning: a quarter of the database's work per submission
    (bench/load.py). Django's own queries keep binding on the client and are never prepared.

    psycopg keeps no text of a prepared statement for Django's query log, so while queries are
    logged (DEBUG, a test counting them) the statement goes through Django's own cursor instead
    and is logged like any other: the same SQL and parameters, unprepared."""
    if connection.queries_logged:
        return connection.cursor()
    import psycopg

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    return connection.make_cursor(psycopg.Cursor(connection.connection))


def _store_at_once(initiative, attachments, history, counts) -> None:
    """One statement (PostgreSQL's data-modifying WITH): at the submission surge, the five to
    seven inserts and upserts, each built by the ORM, sent and answered on its own, were a third
    of a worker's time (bench/load.py). Alone, the statement is its own transaction: no BEGIN
    and COMMIT to send and wait for. Inside a caller's transaction it takes a savepoint, so that
    a tracking-code clash leaves that transaction usable for the retry."""
    initiative.search_text = initiative.folded_search_text()  # as Initiative.save() does
    first, params = _insert(initiative)
    parts = [_insert(row, initiative_column="initiative_id") for row in [*attachments, history]] + counts
    sql = f"WITH new AS ({first} RETURNING id)" + "".join(f", w{n} AS ({part})" for n, (part, _p) in enumerate(parts))
    for _part, part_params in parts:
        params += part_params
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), _prepared_cursor() as cursor:
        cursor.execute(f"{sql} SELECT id FROM new", params)
        initiative.pk = cursor.fetchone()[0]
    initiative._state.adding, initiative._state.db = False, connection.alias


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
            _store(
                initiative,
                _write_files(initiative, files, saved),
                StatusChange(initiative=initiative, to_status=Status.SUBMITTED, by=entered_by, at=now),
                progress.submission_statements(unit=unit, phase=phase, day=timezone.localdate(now)),
            )
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
