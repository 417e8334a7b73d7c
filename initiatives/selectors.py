"""Scoped reads of initiatives: every private view looks initiatives up through these, so an
initiative outside the user's units answers 404."""

from django.db.models import Q

from initiatives.models import Initiative
from quotas.models import Role
from quotas.selectors import path_condition, scope_paths

REVIEW_ROLES = [Role.REVIEWER, Role.OFFICER, Role.DISTRICT_STAFF]


def initiatives_visible_to(user, units: Q | None = None, roles=REVIEW_ROLES):
    """Reviewers, officers and district staff see their units' subtrees; admins see all.
    `units`, a condition on the units (a block, say), narrows the scope further; `roles`, the
    roles whose subtrees count (the personal-data pages: district staff's only).

    The scope is a subquery on the units (`unit_id IN (SELECT id FROM unit WHERE path in
    range)`): the database walks the scope's units and, for each, its initiatives in the
    (unit, phase, status) index, which carries the submission time too. A district of a
    thousand unions is counted and paged from the index alone (measured: 60 → 37 ms a page),
    and no list of a thousand ids travels three times per page. A condition on the units goes
    into that one subquery: as a join of its own, the planner merged the province's units with
    every union of the block by primary key (the province's schools: 84 → 5 ms)."""
    from quotas.models import Unit

    paths = scope_paths(user, roles)
    if paths is None and units is None:
        return Initiative.objects.all()
    condition = path_condition(paths) & (units or Q())
    return Initiative.objects.filter(unit_id__in=Unit.objects.filter(condition).values("pk"))


NARROW_DEPTH = 3  # a district (or anything below): its initiatives are found through its units


def scope_is_narrow(user) -> bool:
    """A scope of districts or grassroots unions holds a small slice of the table: the database
    should fetch it through its units and sort it. A province's or the nation's is a large share:
    walking the campaign's newest-first index and keeping the rows in scope finds a page sooner
    (a province of 23,000 unions, measured: 110 → 20 ms a page, a search 550 → 30 ms)."""
    from quotas.models import Unit

    paths = scope_paths(user, REVIEW_ROLES)
    return paths is not None and all(len(path) // Unit.steplen >= NARROW_DEPTH for path in paths)


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
