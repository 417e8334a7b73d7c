"""The initiative's states and the only legal moves between them (DESIGN §2).

Every move is a conditional UPDATE (`WHERE status = <from>`), so two people acting on the same
initiative at once cannot both move it: the second finds the row already moved and is told so.
Each move writes one StatusChange row, never edited afterwards. The member is told by e-mail,
if they left an address, once the transaction has committed.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from initiatives.models import Initiative, RejectionReason, Status, StatusChange
from quotas import progress

log = logging.getLogger(__name__)

REVIEWER, MEMBER = "reviewer", "member"

# (from, to) → who makes the move. A reviewer records a withdrawal the member asked for.
TRANSITIONS = {
    (Status.SUBMITTED, Status.APPROVED): REVIEWER,
    (Status.SUBMITTED, Status.REJECTED): REVIEWER,
    (Status.SUBMITTED, Status.RETURNED): REVIEWER,
    (Status.SUBMITTED, Status.WITHDRAWN): REVIEWER,
    (Status.RESUBMITTED, Status.APPROVED): REVIEWER,
    (Status.RESUBMITTED, Status.REJECTED): REVIEWER,
    (Status.RESUBMITTED, Status.RETURNED): REVIEWER,
    (Status.RESUBMITTED, Status.WITHDRAWN): REVIEWER,
    (Status.RETURNED, Status.WITHDRAWN): REVIEWER,
    (Status.RETURNED, Status.RESUBMITTED): MEMBER,
}
DECISIONS = [Status.APPROVED, Status.REJECTED, Status.RETURNED, Status.WITHDRAWN]


class IllegalMove(Exception):
    """The move is not in TRANSITIONS, or someone else moved the initiative first."""


def is_legal(from_status: str, to_status: str, actor: str | None = None) -> bool:
    who = TRANSITIONS.get((from_status, to_status))
    return who is not None and (actor is None or who == actor)


def decisions_from(status: str) -> list[str]:
    """What a reviewer may do to an initiative in `status`."""
    return [to for to in DECISIONS if is_legal(status, to, REVIEWER)]


def check_decision(*, to: str, reason: str, note: str) -> None:
    """A rejection names its reason from the seed's list ("other" needs a note); a return for
    more information says what is missing."""
    if to == Status.REJECTED:
        if reason not in RejectionReason.values:
            raise ValidationError({"reason": _("Vui lòng chọn lý do không công nhận.")})
        if reason == RejectionReason.OTHER and not note.strip():
            raise ValidationError({"note": _("Lý do khác: vui lòng ghi rõ lý do trong phần ghi chú.")})
    elif reason:
        raise ValidationError({"reason": _("Chỉ ghi lý do khi không công nhận sáng kiến.")})
    if to == Status.RETURNED and not note.strip():
        raise ValidationError({"note": _("Vui lòng ghi rõ thông tin cần bổ sung để đoàn viên biết.")})


@transaction.atomic
def initiative_move(
    *, initiative: Initiative, to: str, by=None, reason: str = "", note: str = "", fields: dict | None = None,
    actor: str | None = None,
) -> Initiative:
    """Move `initiative` to `to` (updating `fields` with it) and record the move."""
    from_status = initiative.status
    if not is_legal(from_status, to, actor):
        raise IllegalMove(
            _("Không thể chuyển sáng kiến từ trạng thái “%(from)s” sang “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to).label}
        )
    now = timezone.now()
    changes = {"status": to, "updated_at": now, **(fields or {})}
    if to == Status.REJECTED:
        changes["rejection_reason"] = reason
    for name, value in changes.items():
        setattr(initiative, name, value)
    if fields:
        changes["search_text"] = initiative.search_text = initiative.folded_search_text()
    moved = Initiative.objects.filter(pk=initiative.pk, status=from_status).update(**changes)
    if not moved:
        initiative.status = from_status
        raise IllegalMove(_("Sáng kiến vừa được người khác xử lý; vui lòng tải lại trang để xem trạng thái mới."))
    if to in (Status.APPROVED, Status.WITHDRAWN):
        progress.record(
            unit=initiative.unit, phase=initiative.phase, day=timezone.localdate(initiative.submitted_at),
            submitted=-1 if to == Status.WITHDRAWN else 0, approved=1 if to == Status.APPROVED else 0,
        )
    change = StatusChange.objects.create(
        initiative=initiative, from_status=from_status, to_status=to, reason=reason, note=note, by=by, at=now
    )
    if initiative.email and to in DECISIONS:
        transaction.on_commit(lambda: _notify(initiative, change))
    return initiative


def initiative_decide(*, initiative: Initiative, by, to: str, reason: str = "", note: str = "") -> Initiative:
    """A reviewer's decision: approve, reject with a reason, return for more, or record a withdrawal."""
    check_decision(to=to, reason=reason, note=note)
    return initiative_move(initiative=initiative, to=to, by=by, reason=reason, note=note.strip(), actor=REVIEWER)


def _notify(initiative: Initiative, change: StatusChange) -> None:
    """The member is written to in Vietnamese, whatever language the reviewer reads in."""
    with translation.override("vi"):
        _send_notice(initiative, change)


def _send_notice(initiative: Initiative, change: StatusChange) -> None:
    lines = [
        _("Sáng kiến “%(title)s” (mã tra cứu %(code)s) có kết quả mới: %(status)s.")
        % {"title": initiative.title, "code": initiative.tracking_code, "status": change.get_to_status_display()},
    ]
    if change.reason:
        lines.append(_("Lý do: %(reason)s") % {"reason": change.get_reason_display()})
    if change.note:
        lines.append(_("Ý kiến của người xét duyệt: %(note)s") % {"note": change.note})
    lines.append(_("Xem chi tiết tại mục Tra cứu của Cổng Sáng kiến, với mã tra cứu và số điện thoại của bạn."))
    try:
        send_mail(
            _("[Cổng Sáng kiến] Kết quả xét duyệt sáng kiến %(code)s") % {"code": initiative.tracking_code},
            "\n\n".join(lines),
            settings.DEFAULT_FROM_EMAIL,
            [initiative.email],
        )
    except Exception:  # the decision stands; a mail server outage must not undo it
        log.exception("could not e-mail initiative %s", initiative.pk)
