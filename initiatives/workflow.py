"""The initiative's states and the only legal moves between them (DESIGN §2).

Every move is a conditional UPDATE (`WHERE status = <from>`), so two people acting on the same
initiative at once cannot both move it: the second finds the row already moved and is told so.
Each move writes one StatusChange row, never edited afterwards.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from initiatives.models import Initiative, Status, StatusChange

# (from, to) → who may make the move
TRANSITIONS = {
    (Status.SUBMITTED, Status.APPROVED): "reviewer",
    (Status.SUBMITTED, Status.REJECTED): "reviewer",
    (Status.SUBMITTED, Status.RETURNED): "reviewer",
    (Status.RESUBMITTED, Status.APPROVED): "reviewer",
    (Status.RESUBMITTED, Status.REJECTED): "reviewer",
    (Status.RESUBMITTED, Status.RETURNED): "reviewer",
    (Status.RETURNED, Status.RESUBMITTED): "member",
    (Status.SUBMITTED, Status.WITHDRAWN): "member",
    (Status.RETURNED, Status.WITHDRAWN): "member",
    (Status.RESUBMITTED, Status.WITHDRAWN): "member",
}


class IllegalMove(Exception):
    """The move is not in TRANSITIONS, or someone else moved the initiative first."""


def is_legal(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in TRANSITIONS


@transaction.atomic
def initiative_move(
    *, initiative: Initiative, to: str, by=None, reason: str = "", note: str = "", fields: dict | None = None
) -> Initiative:
    """Move `initiative` to `to`, updating `fields` with it, and record the move."""
    from_status = initiative.status
    if not is_legal(from_status, to):
        raise IllegalMove(
            _("Không thể chuyển sáng kiến từ trạng thái “%(from)s” sang “%(to)s”.")
            % {"from": Status(from_status).label, "to": Status(to).label}
        )
    now = timezone.now()
    changes = {"status": to, "updated_at": now, **(fields or {})}
    if to == Status.REJECTED:
        changes["rejection_reason"] = reason
    moved = Initiative.objects.filter(pk=initiative.pk, status=from_status).update(**changes)
    if not moved:
        raise IllegalMove(_("Sáng kiến vừa được người khác xử lý; vui lòng tải lại trang để xem trạng thái mới."))
    for name, value in changes.items():
        setattr(initiative, name, value)
    StatusChange.objects.create(
        initiative=initiative, from_status=from_status, to_status=to, reason=reason, note=note, by=by, at=now
    )
    return initiative
