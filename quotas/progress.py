"""Progress: targets against initiatives submitted and approved, per unit and phase.

One definition, used by every page, export and admin view:
- an initiative counts in the phase in which it was submitted (DESIGN §2);
- **submitted** = initiatives of that phase, whatever their status, except those withdrawn;
- **approved** = those recognised by the reviewer (status "approved");
- **percent** = approved ÷ target (the share of the target actually met).

The counts are maintained, not recomputed: `record()` moves them for a unit and every unit
above it in the same transaction as the submission or decision that changes them, so a
district, a province or the nation is read from a handful of rows. `rebuild()` recomputes
everything from the initiatives (after a bulk load, or to check) through one selector.
"""

import datetime as dt
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from quotas.allocation import targets_by_unit
from quotas.models import Block, Campaign, Level, Phase, ProgressCount, ProgressWeek, Unit
from quotas.text import in_vietnamese_order

log = logging.getLogger(__name__)


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _lineage(unit: Unit) -> list[str]:
    """The paths of the unit and all its ancestors (every ancestor's path is a prefix)."""
    steplen = Unit.steplen
    return [unit.path[:n] for n in range(steplen, len(unit.path) + 1, steplen)]


def _upsert(model, lineage: list[str], keys: dict, **deltas: int) -> tuple[str, list]:
    """The statement that adds the non-negative `deltas` to the `model` rows at `keys` (phase,
    week) of every unit whose path is in `lineage`, creating them as needed; the units' ids are
    looked up inside it (INSERT … SELECT … ON CONFLICT, SQLite and PostgreSQL). On PostgreSQL
    the lineage is one array parameter: the submission's statement then stays within the
    50 parameters whose conversion psycopg caches (above them it re-parses the text each time)."""
    table, units = model._meta.db_table, Unit._meta.db_table
    key_columns = ["unit_id", *keys]
    columns = key_columns + list(deltas)
    values = [*keys.values(), *deltas.values()]
    if connection.vendor == "postgresql":
        in_lineage, lineage_params = "path = ANY(%s)", [lineage]
    else:
        in_lineage, lineage_params = f"path IN ({', '.join(['%s'] * len(lineage))})", lineage
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "
        f"SELECT id, {', '.join(['%s'] * len(values))} FROM {units} WHERE {in_lineage} "
        f"ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET "
        + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in deltas)
    )
    return sql, [*values, *lineage_params]


def _add(model, lineage: list[str], keys: dict, **deltas: int) -> None:
    """Add `deltas` to the `model` rows at `keys` of every unit whose path is in `lineage`, in
    one statement. Taking away, the rows exist (they hold what is taken), and an upsert's
    candidate row would trip the non-negative check before the conflict is seen (SQLite), so it
    is an UPDATE."""
    deltas = {column: value for column, value in deltas.items() if value}
    if not deltas:
        return
    if any(value < 0 for value in deltas.values()):
        model.objects.filter(unit__path__in=lineage, **keys).update(
            **{column: F(column) + value for column, value in deltas.items()}
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(*_upsert(model, lineage, keys, **deltas))


def record(*, unit: Unit, phase: Phase, day: dt.date, submitted: int = 0, approved: int = 0) -> None:
    """Move the counts of `unit`'s lineage. Call inside the transaction that changes the initiative."""
    lineage = _lineage(unit)
    _add(ProgressCount, lineage, {"phase_id": phase.pk}, submitted=submitted, approved=approved)
    _add(ProgressWeek, lineage, {"phase_id": phase.pk, "week": week_of(day)}, submitted=submitted)


def submission_statements(*, unit: Unit, phase: Phase, day: dt.date) -> list[tuple[str, list]]:
    """What record(submitted=1) runs, as statements for the caller to run with its own (the
    submission's single statement on PostgreSQL)."""
    lineage = _lineage(unit)
    return [
        _upsert(ProgressCount, lineage, {"phase_id": phase.pk}, submitted=1),
        _upsert(ProgressWeek, lineage, {"phase_id": phase.pk, "week": week_of(day)}, submitted=1),
    ]


def retarget(*, unit: Unit, campaign: Campaign, removed: bool = False) -> None:
    """One grassroots union's allocation changed (its members, its block, an override), or it is
    about to be deleted: move its own and its lineage's targets by the difference, instead of
    rebuilding the whole campaign (which takes minutes at national scale)."""
    new = {} if removed else targets_by_unit(campaign, [unit]).get(unit.pk, {})
    rows = ProgressCount.objects.filter(unit=unit, phase__campaign=campaign).select_related("phase")
    old = {pc.phase.number: pc.target for pc in rows}
    lineage = _lineage(unit)
    for phase in campaign.phases.all():
        _add(ProgressCount, lineage, {"phase_id": phase.pk}, target=new.get(phase.number, 0) - old.get(phase.number, 0))


def _roll_up(per_unit: dict[int, dict], units: dict[int, Unit]) -> dict[int, dict]:
    """Sum grassroots figures into every ancestor, by path prefix."""
    by_path = {u.path: pk for pk, u in units.items()}
    steplen = Unit.steplen
    totals: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for pk, figures in per_unit.items():
        path = units[pk].path
        for n in range(steplen, len(path) + 1, steplen):
            ancestor = by_path.get(path[:n])
            if ancestor is not None:
                for key, value in figures.items():
                    totals[ancestor][key] += value
    return totals


REBUILD_LOCK = 72_011  # pg_advisory_xact_lock's first key: one rebuild of a campaign at a time


def rebuild_in_background(campaign: Campaign) -> threading.Thread | None:
    """rebuild() in a thread of its own, with its own database connection, so that the admin
    whose change calls for it does not wait (about 20 s for a national campaign); the pages show
    the previous targets until it commits. Submissions meanwhile are counted exactly: their
    upserts wait for the rebuild's rows. PROGRESS_REBUILD_IN_BACKGROUND=false runs it here."""
    from django.conf import settings

    if not settings.PROGRESS_REBUILD_IN_BACKGROUND:
        rebuild(campaign)
        return None
    thread = threading.Thread(target=_rebuild_by_pk, args=(campaign.pk,), name=f"progress-rebuild-{campaign.pk}")
    thread.start()
    return thread


def _rebuild_by_pk(pk: int) -> None:
    try:
        campaign = Campaign.objects.select_related("root").filter(pk=pk).first()
        if campaign is not None:
            rebuild(campaign)
    except Exception:  # noqa: BLE001 - a thread's failure is logged; the next rebuild mends it
        log.exception("rebuilding the progress of campaign %s failed", pk)
    finally:
        connection.close()  # this thread's own connection


@transaction.atomic
def rebuild(campaign: Campaign, *, set_based: bool | None = None) -> None:
    """Recompute every target and count of `campaign` from the allocation and the initiatives:
    after a bulk load, a change of the campaign's rules, or to check the maintained rows.

    On PostgreSQL it is set-based SQL (a national campaign of 135,000 unions and a million
    initiatives: about 20 s, in the database's memory), elsewhere Python over the units (95 s and
    1.1 GB at that size); a test holds the two to the same rows."""
    if connection.vendor == "postgresql":  # two rebuilds of one campaign would trip on each other's rows
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [REBUILD_LOCK, campaign.pk])
    if set_based is None:
        set_based = connection.vendor == "postgresql"
    if set_based:
        _rebuild_in_sql(campaign)
    else:
        _rebuild_in_python(campaign)


def _rebuild_in_python(campaign: Campaign) -> None:
    """rebuild() one unit at a time in Python: any database (SQLite), and the reference the
    set-based version is tested against."""
    from initiatives.selectors import progress_source  # the one place reports read initiatives

    phases = {p.pk: p for p in campaign.phases.all()}
    units = {u.pk: u for u in Unit.objects.filter(path__startswith=campaign.root.path).only("pk", "path", "level", "block", "member_count")}
    grassroots = [u for u in units.values() if u.level == Level.GRASSROOTS]
    number_to_phase = {p.number: pk for pk, p in phases.items()}

    figures: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for unit_pk, targets in targets_by_unit(campaign, grassroots).items():
        for number, target in targets.items():
            figures[unit_pk][("target", number_to_phase[number])] += target
    counts, weeks = progress_source(campaign)
    for (unit_pk, phase_pk), (submitted, approved) in counts.items():
        figures[unit_pk][("submitted", phase_pk)] += submitted
        figures[unit_pk][("approved", phase_pk)] += approved
    week_figures: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for (unit_pk, phase_pk, week), submitted in weeks.items():
        week_figures[unit_pk][(phase_pk, week)] += submitted

    ProgressCount.objects.filter(phase__campaign=campaign).delete()
    ProgressWeek.objects.filter(phase__campaign=campaign).delete()
    rows = []
    for unit_pk, values in _roll_up(figures, units).items():
        for phase_pk in phases:
            t, s, a = values.get(("target", phase_pk), 0), values.get(("submitted", phase_pk), 0), values.get(("approved", phase_pk), 0)
            if t or s or a:
                rows.append(ProgressCount(unit_id=unit_pk, phase_id=phase_pk, target=t, submitted=s, approved=a))
    ProgressCount.objects.bulk_create(rows, batch_size=2000)
    ProgressWeek.objects.bulk_create(
        [
            ProgressWeek(unit_id=unit_pk, phase_id=phase_pk, week=week, submitted=n)
            for unit_pk, values in _roll_up(week_figures, units).items()
            for (phase_pk, week), n in values.items()
        ],
        batch_size=2000,
    )


def _rebuild_in_sql(campaign: Campaign) -> None:
    """rebuild() in three statements (PostgreSQL). Targets as quotas.allocation defines them:
    the unit's override, else its block's rule — per unit, the rule's target for the phase; per
    member, members × rate split over the phases, the earlier phases taking the remainder
    (45 → 23 + 22). Submitted = not withdrawn, approved = approved; each grassroots figure is
    summed into every ancestor by path prefix; weeks start on Monday in the site's time zone."""
    from django.conf import settings

    from initiatives.models import Initiative, Status
    from quotas.models import AllocationOverride, AllocationRule, Basis, RuleTarget

    unit_t, phase_t = Unit._meta.db_table, Phase._meta.db_table
    pc_t, pw_t = ProgressCount._meta.db_table, ProgressWeek._meta.db_table
    ini_t = Initiative._meta.db_table
    rule_t, rt_t, ov_t = AllocationRule._meta.db_table, RuleTarget._meta.db_table, AllocationOverride._meta.db_table
    ancestors = f"""
        JOIN {unit_t} u ON u.id = leaf.unit_id
        CROSS JOIN LATERAL generate_series(1, u.depth) AS d(n)
        JOIN {unit_t} a ON a.path = substr(u.path, 1, d.n * {Unit.steplen})
        WHERE u.path LIKE %(root)s AND a.path LIKE %(root)s
    """
    params = {"campaign": campaign.pk, "root": campaign.root.path + "%", "tz": settings.TIME_ZONE,
              "grassroots": Level.GRASSROOTS, "per_member": Basis.PER_MEMBER, "per_unit": Basis.PER_UNIT,
              "withdrawn": Status.WITHDRAWN, "approved": Status.APPROVED}
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {pc_t} WHERE phase_id IN (SELECT id FROM {phase_t} WHERE campaign_id = %s)", [campaign.pk])
        c.execute(f"DELETE FROM {pw_t} WHERE phase_id IN (SELECT id FROM {phase_t} WHERE campaign_id = %s)", [campaign.pk])
        c.execute(f"""
            WITH ph AS (
                SELECT id, (row_number() OVER (ORDER BY number) - 1) AS i, count(*) OVER () AS n
                FROM {phase_t} WHERE campaign_id = %(campaign)s
            ),
            targets AS (
                SELECT g.id AS unit_id, ph.id AS phase_id,
                       COALESCE(o.target, CASE
                           WHEN r.basis = %(per_member)s THEN (g.member_count * r.per_member + ph.n - 1 - ph.i) / ph.n
                           WHEN r.basis = %(per_unit)s THEN COALESCE(rt.target, 0)
                           ELSE 0 END) AS target,
                       0 AS submitted, 0 AS approved
                FROM {unit_t} g CROSS JOIN ph
                LEFT JOIN {rule_t} r ON r.campaign_id = %(campaign)s AND r.block = g.block
                LEFT JOIN {rt_t} rt ON rt.rule_id = r.id AND rt.phase_id = ph.id
                LEFT JOIN {ov_t} o ON o.unit_id = g.id AND o.phase_id = ph.id
                WHERE g.level = %(grassroots)s AND g.path LIKE %(root)s
            ),
            counted AS (
                SELECT unit_id, phase_id, 0 AS target,
                       count(*) FILTER (WHERE status <> %(withdrawn)s) AS submitted,
                       count(*) FILTER (WHERE status = %(approved)s) AS approved
                FROM {ini_t} WHERE campaign_id = %(campaign)s
                GROUP BY unit_id, phase_id
            ),
            leaf AS (
                SELECT unit_id, phase_id, sum(target) AS target, sum(submitted) AS submitted, sum(approved) AS approved
                FROM (SELECT * FROM targets UNION ALL SELECT * FROM counted) x
                GROUP BY unit_id, phase_id
            )
            INSERT INTO {pc_t} (unit_id, phase_id, target, submitted, approved)
            SELECT a.id, leaf.phase_id, sum(leaf.target), sum(leaf.submitted), sum(leaf.approved)
            FROM leaf {ancestors}
            GROUP BY a.id, leaf.phase_id
            HAVING sum(leaf.target) <> 0 OR sum(leaf.submitted) <> 0 OR sum(leaf.approved) <> 0
        """, params)
        c.execute(f"""
            WITH leaf AS (
                SELECT unit_id, phase_id,
                       date_trunc('week', submitted_at AT TIME ZONE %(tz)s)::date AS week, count(*) AS n
                FROM {ini_t}
                WHERE campaign_id = %(campaign)s AND status <> %(withdrawn)s
                GROUP BY 1, 2, 3
            )
            INSERT INTO {pw_t} (unit_id, phase_id, week, submitted)
            SELECT a.id, leaf.phase_id, leaf.week, sum(leaf.n)
            FROM leaf {ancestors}
            GROUP BY a.id, leaf.phase_id, leaf.week
        """, params)


# ---------------------------------------------------------------- reading


@dataclass
class Cell:
    target: int = 0
    submitted: int = 0
    approved: int = 0

    @property
    def percent(self) -> float | None:
        return 100 * self.approved / self.target if self.target else None

    def __iadd__(self, other: "Cell"):
        self.target += other.target
        self.submitted += other.submitted
        self.approved += other.approved
        return self


@dataclass(frozen=True, slots=True)
class UnitRef:
    """What a table row shows of its unit: a district lists a thousand, read as plain tuples
    rather than model instances (a third of the table's time)."""

    pk: int
    code: str
    name: str
    level: str
    block: str

    def __str__(self):
        return self.name


@dataclass
class Row:
    unit: "Unit | UnitRef"
    phases: dict[int, Cell] = field(default_factory=dict)  # phase number → cell

    @property
    def total(self) -> Cell:
        total = Cell()
        for cell in self.phases.values():
            total += cell
        return total

    @property
    def cells(self) -> list[Cell]:
        """The phases in order, then the whole programme: one table row's figures."""
        return [self.phases[n] for n in sorted(self.phases)] + [self.total]


@dataclass
class Group:
    """A block's units and their subtotal (or, above the district, all children)."""

    block: str
    label: str
    rows: list[Row]
    subtotal: Row


def _cells(unit_ids, phases, *, subtree: Unit | None = None) -> dict[int, dict[int, Cell]]:
    """Each unit's figures per phase number. `subtree`: the units all lie in that unit's subtree
    (a district and its unions), which the database then finds by its path range instead of being
    sent a thousand ids to parse (the largest district's table: 24 → 4 ms of SQL)."""
    from quotas.selectors import subtree_range

    result = {pk: {p.number: Cell() for p in phases} for pk in unit_ids}
    numbers = {p.pk: p.number for p in phases}
    among = Unit.objects.filter(subtree_range(subtree.path)).values("pk") if subtree is not None else unit_ids
    rows = ProgressCount.objects.filter(unit_id__in=among, phase_id__in=list(numbers)).values_list(
        "unit_id", "phase_id", "target", "submitted", "approved"
    )
    for unit_id, phase_id, target, submitted, approved in rows:  # plain tuples: a district has thousands
        if unit_id in result:
            result[unit_id][numbers[phase_id]] = Cell(target, submitted, approved)
    return result


def unit_total(unit: Unit, campaign: Campaign) -> Row:
    """One unit's own figures per phase (its whole subtree), from its maintained rows."""
    phases = list(campaign.phases.order_by("number"))
    return Row(unit, _cells([unit.pk], phases)[unit.pk])


def lists_subtree(unit: Unit) -> bool:
    """A district's table lists its whole subtree (its grassroots unions, grouped by block);
    any other unit's, its direct children."""
    return unit.level == Level.SUPERIOR


def children_of(unit: Unit):
    """The rows a unit's table lists (see lists_subtree)."""
    if lists_subtree(unit):
        return Unit.objects.filter(path__startswith=unit.path, level=Level.GRASSROOTS)
    return Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)


def table(unit: Unit, campaign: Campaign) -> tuple[list[Group], Row]:
    """The unit's progress table: its children grouped by block (for a district) with
    subtotals, and the unit's own total, all from maintained counts."""
    phases = list(campaign.phases.order_by("number"))
    # In Vietnamese alphabetical order (Đ after D, Ư after U…), which the database's order by
    # the folded name is not: sorted here, the whole table being read anyway (a page is a slice
    # of it). Read in tree order (the path index's), so that namesakes keep a steady order.
    found = children_of(unit).order_by("path").values_list("pk", "code", "name", "level", "block")
    children = in_vietnamese_order(UnitRef(*values) for values in found)
    whole_subtree = lists_subtree(unit)
    cells = _cells([u.pk for u in children] + [unit.pk], phases, subtree=unit if whole_subtree else None)
    total = Row(unit, cells[unit.pk])
    rows = [Row(u, cells[u.pk]) for u in children]
    if not whole_subtree:
        return [Group("", "", rows, total)], total
    groups = []
    for block, label in Block.choices:
        block_rows = [r for r in rows if r.unit.block == block]
        if not block_rows:
            continue
        subtotal = Row(unit, {p.number: Cell() for p in phases})
        for r in block_rows:
            for number, cell in r.phases.items():
                subtotal.phases[number] += cell
        groups.append(Group(block, label, block_rows, subtotal))
    return groups, total


def phase_pace(phase: Phase, today: dt.date) -> float:
    """How much of the phase has gone by, 0 to 1: the share of the target due by now."""
    if today <= phase.starts_on:
        return 0.0
    if today >= phase.ends_on:
        return 1.0
    return (today - phase.starts_on).days / ((phase.ends_on - phase.starts_on).days + 1)


def lagging(rows: list[Row], phase: Phase, today: dt.date) -> list[tuple[Row, float]]:
    """Units behind the pace needed to reach their target by the phase's deadline by one
    initiative or more: approved + 1 ≤ target × the share of the phase gone by (early in a phase
    every unit is a fraction of one behind, and a list of them all tells staff nothing). Worst
    first, with what was due: by the share of the target approved, then by how many are
    missing, then in the order of `rows` (the table's: by block, then Vietnamese alphabetical)."""
    pace = phase_pace(phase, today)
    result = []
    for row in rows:
        cell = row.phases.get(phase.number)
        if cell and cell.target and cell.approved + 1 <= cell.target * pace:
            result.append((row, cell.target * pace))
    result.sort(key=lambda item: (
        item[0].phases[phase.number].approved / item[0].phases[phase.number].target,
        item[0].phases[phase.number].approved - item[1],
    ))
    return result


def weekly(unit: Unit, phase: Phase) -> list[tuple[dt.date, int]]:
    """Submissions per week of the phase, every week present (zeros included)."""
    found = dict(ProgressWeek.objects.filter(unit=unit, phase=phase).values_list("week", "submitted"))
    weeks, day = [], week_of(phase.starts_on)
    last = week_of(min(phase.ends_on, max([timezone.localdate(), *found])))
    while day <= last:
        weeks.append((day, found.get(day, 0)))
        day += dt.timedelta(days=7)
    return weeks
