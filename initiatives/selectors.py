"""Scoped reads of initiatives: every private view looks initiatives up through these, so an
initiative outside the user's units answers 404."""

from initiatives.models import Initiative
from quotas.models import Role
from quotas.selectors import path_condition, scope_paths

REVIEW_ROLES = [Role.REVIEWER, Role.OFFICER, Role.DISTRICT_STAFF]


UNITS_FIRST_LIMIT = 5000


def initiatives_visible_to(user):
    """Reviewers, officers and district staff see their units' subtrees; admins see all.

    A scope of up to a few thousand units is read first and given as a list of unit ids, so the
    database starts from those units' initiatives instead of walking the whole table in date
    order and probing each row's unit (measured at national scale: 342 ms → 22 ms)."""
    from quotas.models import Unit

    paths = scope_paths(user, REVIEW_ROLES)
    if paths is None:
        return Initiative.objects.all()
    unit_ids = list(Unit.objects.filter(path_condition(paths)).values_list("pk", flat=True)[: UNITS_FIRST_LIMIT + 1])
    if len(unit_ids) <= UNITS_FIRST_LIMIT:
        return Initiative.objects.filter(unit_id__in=unit_ids)
    return Initiative.objects.filter(path_condition(paths, "unit__path"))


def has_review_access(user) -> bool:
    paths = scope_paths(user, REVIEW_ROLES)
    return paths is None or bool(paths)


def can_decide(user, initiative: Initiative) -> bool:
    """Only a reviewer of a unit above (or at) the initiative's unit, or an admin, decides."""
    paths = scope_paths(user, [Role.REVIEWER])
    return paths is None or any(initiative.unit.path.startswith(p) for p in paths)


def reviews_anything(user) -> bool:
    paths = scope_paths(user, [Role.REVIEWER])
    return paths is None or bool(paths)


def progress_source(campaign):
    """What progress counts, straight from the initiatives (quotas/progress.py's definition):
    ({(unit id, phase id): (submitted, approved)}, {(unit id, phase id, week): submitted}).
    Withdrawn initiatives are not counted."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncWeek

    from initiatives.models import Status

    counted = Initiative.objects.filter(campaign=campaign).exclude(status=Status.WITHDRAWN)
    counts = {
        (row["unit_id"], row["phase_id"]): (row["n"], row["ok"])
        for row in counted.values("unit_id", "phase_id").annotate(
            n=Count("pk"), ok=Count("pk", filter=Q(status=Status.APPROVED))
        ).order_by()
    }
    weeks = {
        (row["unit_id"], row["phase_id"], row["week"].date() if hasattr(row["week"], "date") else row["week"]): row["n"]
        for row in counted.annotate(week=TruncWeek("submitted_at")).values("unit_id", "phase_id", "week")
        .annotate(n=Count("pk")).order_by()
    }
    return counts, weeks
