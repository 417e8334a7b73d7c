"""Excel in and out: the seed's allocation table ("Danh sách phân bổ chỉ tiêu") and the
progress report.

IMPORT — `read_allocation_table()` reads the first sheet of an .xlsx into rows (no database),
`plan_import()` turns them into an `ImportPlan` against one campaign (old → new for every rule and
override, warnings, errors with the sheet's row numbers) without changing anything, and
`apply_import()` writes a plan without errors in one transaction, then rebuilds the maintained
progress counts. The table's shape is the seed's (Công văn 12/LĐLĐ ngày 25/3/2022, LĐLĐ huyện
Gia Lâm):

    TT | Tên đơn vị | Tổng số sáng kiến/đơn vị | Giai đoạn 1 (Sáng kiến từ …) | Giai đoạn 2 (…)
    1  | Khối xã, thị trấn            | 02 | 01 | 01        → the block's rule, per unit and phase
    3  | Khối trường học              | 01 SK/đoàn viên/ phân bố 02 giai đoạn → per member
    4  | Khối doanh nghiệp            |    |    |           → a heading
    4.1| 152 CĐCS khối doanh nghiệp   | 02 | 01 | 01        → the block's rule (152 is checked)
    4.2| CĐ Công ty TNHH điện Stanley | 700| 400| 300       → that unit's own targets (override)
       | Tổng cộng                    |5.342|2.771|2.571    → checked against the engine

EXPORT — `progress_rows()` / `write_progress_workbook()`: the same table shape with the progress
columns of `quotas.progress.table()` (the one definition of progress) added, a summary per phase
and the units behind pace; `allocation_rows()` / `write_allocation_workbook()`: the allocation
table alone, which `plan_import()` reads back with no changes.

Every text cell is written as a typed string, never as a formula (spreadsheet formula injection).
"""

import base64
import datetime as dt
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field

import openpyxl
from django.core import signing
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from quotas import progress
from quotas.allocation import subtree_targets, targets_by_unit
from quotas.models import (
    AllocationOverride,
    AllocationRule,
    Basis,
    Block,
    Campaign,
    Level,
    Phase,
    RuleTarget,
    Unit,
)
from quotas.text import fold

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 10_000  # an allocation table has tens of rows; anything this long is not one
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
INT_FORMAT = "#,##0"  # Excel shows the reader's own separators: 5.342 in a Vietnamese locale
SMALL_INT_FORMAT = "[<10]00;#,##0"  # the seed writes small targets with two digits: 02, 01
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"

SHEET_PROGRESS = "Phân bổ và tiến độ"
SHEET_SUMMARY = "Tóm tắt giai đoạn"
SHEET_LAGGING = "Đơn vị chậm tiến độ"
SHEET_ALLOCATION = "Phân bổ chỉ tiêu"


# ================================================================ shared text rules


_PUNCT_SPACES = re.compile(r"\s*([,.;:&/()\-–—+])\s*")
_UNIT_PREFIXES = ("cong doan co so ", "cong doan ", "cd co so ", "cdcs ", "cd ")
_LEADING_COUNT = re.compile(r"^0*(\d+)\s+(.*)$")
_PER_MEMBER = re.compile(
    r"0*(\d+)\s*(?:sk|sang kien)\s*/\s*(?:0*1\s*)?doan vien"
    r"(?:\s*/?\s*(?:phan bo|chia)\s*(?:deu\s*)?(?:cho\s*)?0*(\d+)\s*giai doan)?"
)
_DATE = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_THOUSANDS = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")
_TOTAL = re.compile(r"^tong cong(?:\s*[:(\-–].*)?$")  # "Tổng cộng", "Tổng cộng (toàn huyện)"; not "Tổng công ty"
# Other ways the seed's block names get written.
_BLOCK_ALIASES = {
    "khoi hanh chinh su nghiep": Block.PUBLIC_SERVICE,
    "khoi hanh chinh,su nghiep": Block.PUBLIC_SERVICE,
    "khoi xa,phuong,thi tran": Block.COMMUNE,
    "khoi xa-thi tran": Block.COMMUNE,
    "khoi xa": Block.COMMUNE,
    "khoi truong": Block.SCHOOL,
    "khoi giao duc": Block.SCHOOL,
}


def name_key(text) -> str:
    """How two unit names are compared: case, diacritics, runs of spaces, spaces around
    punctuation and the "CĐ" / "CĐCS" / "Công đoàn (cơ sở)" prefix do not count, so
    "cd cong ty cp hang son dong a" and "Công đoàn Công ty CP Hãng Sơn  Đông Á" are the seed's
    "CĐ Công ty CP Hãng sơn Đông Á". (People retype the seed's names; the seed's own spelling
    is not consistent: "SX, DV, TM".)"""
    key = _PUNCT_SPACES.sub(r"\1", fold(str(text or "")))
    for prefix in _UNIT_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    return key.strip()


def _block_keys() -> dict[str, str]:
    with translation.override("vi"):  # the table is Vietnamese whatever the reader's language
        keys = {name_key(label): value for value, label in Block.choices}
    keys.update(_BLOCK_ALIASES)
    return keys


def block_of(name: str) -> tuple[str, int | None] | None:
    """(block, leading count) if `name` names a block of the seed's table, else None:
    "Khối HCSN" → ("public_service", None); "152 CĐCS khối doanh nghiệp" → ("enterprise", 152).
    Source: the seed's rows 1–4 and 4.1."""
    key = name_key(name)
    count = None
    match = _LEADING_COUNT.match(key)
    if match:
        count, key = int(match.group(1)), name_key(match.group(2))
    key = key.removeprefix("thuoc ").strip()
    block = _block_keys().get(key)
    return (block, count) if block else None


def per_member_of(value) -> tuple[int, int | None] | None:
    """(initiatives per member, number of phases named) if `value` is the seed's per-member
    rule, "01 SK/đoàn viên/ phân bố 02 giai đoạn" (the seed's typo "phân bố" and the correct
    "phân bổ" both), else None."""
    if not isinstance(value, str):
        return None
    match = _PER_MEMBER.search(fold(value))
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def parse_count(value) -> int | None:
    """A target as the table writes it, or None for an empty cell: 2, 2.0, "02", "05", "5.342"
    and "5,342" (a dot or comma between groups of three digits separates thousands, as
    Vietnamese documents write them) → 2, 2, 2, 5, 5342, 5342. Anything else (a fraction, a
    negative number, words) raises ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(value)
        return value
    if isinstance(value, float):
        if value < 0 or not value.is_integer():
            raise ValueError(value)
        return int(value)
    if isinstance(value, str):
        text = re.sub(r"[\s\u00a0\u202f]", "", value)
        if not text:
            return None
        if text.isdigit():
            return int(text)
        if _THOUSANDS.match(text):
            return int(re.sub(r"[.,]", "", text))
    raise ValueError(value)


def header_dates(text: str) -> tuple[dt.date, dt.date] | None:
    """The two dates of a phase header, day first as Vietnamese documents write them:
    "Giai đoạn 1 (Sáng kiến từ 01/9/2021-31/5/2022)" → (2021-09-01, 2022-05-31). None if the
    header holds no two valid dates."""
    found = _DATE.findall(str(text or ""))
    if len(found) < 2:
        return None
    try:
        return tuple(dt.date(int(y), int(m), int(d)) for d, m, y in found[:2])
    except ValueError:
        return None


def _d(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _n(value: int | None) -> str:
    """A count as Vietnamese text: 5342 → "5.342"."""
    return "—" if value is None else f"{value:,}".replace(",", ".")


def phase_header(phase: Phase) -> str:
    """The seed's phase column: "Giai đoạn 1 (Sáng kiến từ 01/09/2021-31/05/2022)"."""
    return _("Giai đoạn %(number)s (Sáng kiến từ %(start)s-%(end)s)") % {
        "number": phase.number, "start": _d(phase.starts_on), "end": _d(phase.ends_on),
    }


def per_member_text(*, per_member: int, phases: int) -> str:
    """The seed's per-member rule as it writes it: "01 SK/đoàn viên/ phân bổ 02 giai đoạn"."""
    return _("%(k)02d SK/đoàn viên/ phân bổ %(n)02d giai đoạn") % {"k": per_member, "n": phases}


# ================================================================ import: reading


@dataclass
class Issue:
    """An error or warning, with the sheet's row number when it concerns one row."""

    row: int | None
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        return _("Dòng %(row)d: %(message)s") % {"row": self.row, "message": self.message}


class RowKind:
    BLOCK = "block"  # a block's rule, or a block heading when it has no figures
    UNIT = "unit"  # a named unit: its own targets
    TOTAL = "total"  # "Tổng cộng"
    SUBTOTAL = "subtotal"  # "Cộng khối …" (a report's subtotal; not part of the allocation)


@dataclass
class ParsedRow:
    row: int  # the sheet's row number, 1-based as Excel shows it
    kind: str
    tt: str
    name: str
    total: int | None = None
    phases: list[int | None] = field(default_factory=list)
    block: str = ""  # BLOCK rows: the block; UNIT rows: the block heading above them
    count: int | None = None  # "152 CĐCS khối doanh nghiệp" → 152
    per_member: int | None = None  # "01 SK/đoàn viên/ …" → 1
    per_member_phases: int | None = None  # "… phân bổ 02 giai đoạn" → 2
    valid: bool = True  # False when one of its figures could not be read (an error says why)

    @property
    def has_figures(self) -> bool:
        return self.total is not None or any(v is not None for v in self.phases) or self.per_member is not None


@dataclass
class ParsedTable:
    sheet: str = ""
    header_row: int | None = None
    title: list[str] = field(default_factory=list)  # the lines above the header
    phase_headers: list[str] = field(default_factory=list)
    phase_dates: list[tuple[dt.date, dt.date] | None] = field(default_factory=list)
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _find_header(rows: list[tuple]) -> tuple[int, dict] | None:
    """The header row: the first one with a "TT" cell and a "Tên đơn vị" cell."""
    for index, row in enumerate(rows):
        keys = [name_key(_cell_text(v)) for v in row]
        tt = next((i for i, k in enumerate(keys) if k in ("tt", "stt", "so tt")), None)
        name = next((i for i, k in enumerate(keys) if k.startswith("ten don vi") or k == "don vi"), None)
        if tt is not None and name is not None:
            return index, {"tt": tt, "name": name, "keys": keys}
    return None


def _unpacked_size(file) -> int:
    """The size of the .xlsx's contents once unzipped (a small file may unzip to gigabytes)."""
    with zipfile.ZipFile(file) as archive:
        size = sum(info.file_size for info in archive.infolist())
    if hasattr(file, "seek"):
        file.seek(0)
    return size


def read_allocation_table(file) -> ParsedTable:
    """The first sheet of an .xlsx as the seed's allocation table, without the database.

    Rules (the seed's table and its typos): the header is the row holding "TT" and "Tên đơn vị";
    the phase columns are those after "Tổng số sáng kiến/đơn vị", taken by ORDER (the seed's
    second phase header also says "Giai đoạn 1"), with their dates read day first; TT numbers
    are not trusted (the seed has two rows "4.6"); figures may be numbers or text ("02",
    "5.342"); a row is a block's rule, a heading, a named unit or the total by its name.
    `file` is a path or a binary file object (an upload)."""
    parsed = ParsedTable()
    try:
        if _unpacked_size(file) > MAX_UNPACKED_BYTES:
            parsed.errors.append(Issue(None, _("Tệp quá lớn so với một bảng phân bổ.")))
            return parsed
        workbook = openpyxl.load_workbook(file, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, EOFError):
        parsed.errors.append(Issue(None, _("Không đọc được tệp: cần một tệp Excel .xlsx hợp lệ.")))
        return parsed
    sheet = workbook.worksheets[0]
    parsed.sheet = sheet.title
    if sheet.max_row > MAX_ROWS:
        parsed.errors.append(
            Issue(None, _("Trang tính có %(n)s dòng, quá %(max)s dòng của một bảng phân bổ.")
                  % {"n": _n(sheet.max_row), "max": _n(MAX_ROWS)})
        )
        return parsed
    rows = list(sheet.iter_rows(values_only=True))
    found = _find_header(rows)
    if found is None:
        parsed.errors.append(
            Issue(None, _("Không tìm thấy dòng tiêu đề của bảng (dòng có cột “TT” và “Tên đơn vị”)."))
        )
        return parsed
    header_index, columns = found
    parsed.header_row = header_index + 1
    parsed.title = [
        " ".join(_cell_text(v) for v in row if _cell_text(v)) for row in rows[:header_index]
    ]
    parsed.title = [line for line in parsed.title if line]
    keys = columns["keys"]
    total_col = next(
        (i for i, k in enumerate(keys) if i > columns["name"] and (k.startswith("tong") or k.startswith("chi tieu"))),
        None,
    )
    if total_col is None:
        parsed.errors.append(
            Issue(parsed.header_row, _("Không tìm thấy cột “Tổng số sáng kiến/đơn vị”."))
        )
        return parsed
    header = rows[header_index]
    phase_cols = []
    for i in range(total_col + 1, len(keys)):
        text = _cell_text(header[i])
        is_phase = keys[i].startswith("giai doan") or keys[i].startswith("gd") or header_dates(text)
        if is_phase:
            phase_cols.append(i)
        elif phase_cols or not text:
            break  # the phase columns are contiguous; a report's extra columns follow them
    if not phase_cols:
        parsed.errors.append(Issue(parsed.header_row, _("Không tìm thấy cột giai đoạn nào sau cột tổng số.")))
        return parsed
    parsed.phase_headers = [_cell_text(header[i]) for i in phase_cols]
    parsed.phase_dates = [header_dates(text) for text in parsed.phase_headers]

    heading = ""
    width = max(phase_cols) + 1
    for index in range(header_index + 1, len(rows)):
        values = list(rows[index]) + [None] * width
        number = index + 1
        tt, name = _cell_text(values[columns["tt"]]), _cell_text(values[columns["name"]])
        raw_total, raw_phases = values[total_col], [values[i] for i in phase_cols]
        if not name and raw_total in (None, "") and all(v in (None, "") for v in raw_phases):
            continue
        row = ParsedRow(row=number, kind=RowKind.UNIT, tt=tt, name=name)
        for raw in (raw_total, *raw_phases):
            rule = per_member_of(raw)
            if rule:
                row.per_member, row.per_member_phases = rule
                break
        if row.per_member is None:
            try:
                row.total = parse_count(raw_total)
            except ValueError:
                row.valid = False
                parsed.errors.append(Issue(number, _("Tổng số “%(value)s” không phải là số.") % {"value": raw_total}))
            for position, raw in enumerate(raw_phases, 1):
                try:
                    row.phases.append(parse_count(raw))
                except ValueError:
                    row.valid = False
                    row.phases.append(None)
                    hint = ""
                    if isinstance(raw, float):
                        hint = " " + _("(dấu chấm hàng nghìn bị hiểu là dấu thập phân? Hãy nhập “5.342” dạng văn bản hoặc 5342.)")
                    parsed.errors.append(
                        Issue(number, _("Giai đoạn %(n)d: “%(value)s” không phải là số nguyên không âm.")
                              % {"n": position, "value": raw} + hint)
                    )
        else:
            row.phases = [None] * len(phase_cols)
        key = name_key(name)
        block = block_of(name) if name else None
        if not name:
            row.valid = False
            parsed.errors.append(Issue(number, _("Dòng có số liệu nhưng thiếu tên đơn vị.")))
        elif key in ("tong", "cong", "tong so") or _TOTAL.match(key):
            row.kind = RowKind.TOTAL
        elif key.startswith("cong khoi") or key.startswith("tong khoi"):
            row.kind = RowKind.SUBTOTAL
        elif block:
            row.kind, (row.block, row.count) = RowKind.BLOCK, block
            heading = row.block
        else:
            row.block = heading
        parsed.rows.append(row)
    return parsed


# ================================================================ import: planning


@dataclass
class RuleChange:
    """A block's rule, old → new. Per unit: a target per phase; per member: the figure per
    member (the phases split it, quotas/allocation.py)."""

    row: int
    block: str
    basis: str
    per_member: int = 0
    targets: dict[int, int] = field(default_factory=dict)  # phase number → target (per unit)
    label: str = ""
    exists: bool = False
    old_basis: str = ""
    old_per_member: int = 0
    old_targets: dict[int, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        if not self.exists or self.basis != self.old_basis:
            return True
        if self.basis == Basis.PER_MEMBER:
            return self.per_member != self.old_per_member
        return any(self.old_targets.get(n) != t for n, t in self.targets.items())

    @staticmethod
    def _text(basis, per_member, targets) -> str:
        if basis == Basis.PER_MEMBER:
            return _("%(k)s SK/đoàn viên") % {"k": per_member}
        return " + ".join(_n(targets.get(n)) for n in sorted(targets)) + _(" mỗi CĐCS")

    def describe(self) -> str:
        label = Block(self.block).label
        new = self._text(self.basis, self.per_member, self.targets)
        if not self.exists:
            return _("Quy tắc %(block)s: (chưa có) → %(new)s") % {"block": label, "new": new}
        old = self._text(self.old_basis, self.old_per_member, self.old_targets)
        if not self.changed:
            return _("Quy tắc %(block)s: %(old)s (không đổi)") % {"block": label, "old": old}
        return _("Quy tắc %(block)s: %(old)s → %(new)s") % {"block": label, "old": old, "new": new}


@dataclass
class OverrideChange:
    """A named unit's own targets, old → new, for the phases the row gives (an empty cell
    keeps what the unit has for that phase)."""

    row: int
    unit: Unit
    targets: dict[int, int]  # phase number → new target
    old: dict[int, int | None]  # phase number → its override now, None if it has none
    before: dict[int, int]  # phase number → its effective target now (override or rule)

    @property
    def changed(self) -> bool:
        return any(self.old.get(n) != t for n, t in self.targets.items())

    def describe(self) -> str:
        parts = []
        for n, target in sorted(self.targets.items()):
            old = self.old.get(n)
            if old == target:
                parts.append(_("GĐ%(n)d %(v)s") % {"n": n, "v": _n(target)})
            elif old is None:
                parts.append(_("GĐ%(n)d (theo quy tắc: %(old)s) → %(v)s")
                             % {"n": n, "old": _n(self.before.get(n)), "v": _n(target)})
            else:
                parts.append(_("GĐ%(n)d %(old)s → %(v)s") % {"n": n, "old": _n(old), "v": _n(target)})
        suffix = "" if self.changed else " " + _("(không đổi)")
        return _("Chỉ tiêu riêng %(unit)s: %(parts)s") % {"unit": self.unit.name, "parts": "; ".join(parts)} + suffix


@dataclass
class ImportPlan:
    campaign: Campaign
    scope: Unit  # the unit whose table this is: its subtree is matched and totalled
    phases: list[Phase]
    rules: list[RuleChange] = field(default_factory=list)
    overrides: list[OverrideChange] = field(default_factory=list)
    declared_total: dict[int, int | None] | None = None  # the "Tổng cộng" row
    computed_total: dict[int, int] | None = None  # the engine's, with the plan applied
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> list[RuleChange | OverrideChange]:
        return [c for c in (*self.rules, *self.overrides) if c.changed]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def preview_lines(self) -> list[str]:
        """The plan as text, one line per rule and override, then warnings and errors."""
        lines = [
            _("Chương trình: %(c)s — bảng của %(u)s") % {"c": self.campaign.name, "u": self.scope.name},
        ]
        for change in (*self.rules, *self.overrides):
            mark = _("[thay đổi]") if change.changed else _("[giữ nguyên]")
            lines.append(f"  {mark} " + _("dòng %(row)d: ") % {"row": change.row} + change.describe())
        if self.computed_total is not None:
            lines.append(
                _("Tổng sau khi nhập: %(total)s = %(parts)s")
                % {
                    "total": _n(sum(self.computed_total.values())),
                    "parts": " + ".join(_n(self.computed_total[p.number]) for p in self.phases),
                }
            )
        lines.append(_("Số thay đổi: %(n)d") % {"n": len(self.changes)})
        lines += [_("Cảnh báo: %(w)s") % {"w": w} for w in self.warnings]
        lines += [_("Lỗi: %(e)s") % {"e": e} for e in self.errors]
        return lines


class AllocationImportError(Exception):
    def __init__(self, errors: list[Issue]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class _Rollback(Exception):
    pass


def _scope_from_title(*, campaign: Campaign, title: list[str]) -> Unit | None:
    """The unit named in the lines above the header ("LĐLĐ huyện Gia Lâm"), the deepest one
    if several are, among the units above the grassroots under the campaign's root."""
    def words(text: str) -> str:
        return " " + " ".join(re.findall(r"[a-z0-9]+", fold(text))) + " "

    text = words(" ".join(title))
    if not text.strip():
        return None
    candidates = Unit.objects.filter(path__startswith=campaign.root.path).exclude(level=Level.GRASSROOTS)
    found = [u for u in candidates.only("pk", "name", "path", "depth", "level") if words(u.name) in text]
    return max(found, key=lambda u: (u.depth, len(u.name)), default=None)


def _common_superior(units: list[Unit]) -> Unit | None:
    """The one district (Level.SUPERIOR) all `units` belong to, if there is one."""
    if not units:
        return None
    steplen = Unit.steplen
    prefixes = {u.path[:n] for u in units for n in range(steplen, len(u.path), steplen)}
    superiors = list(Unit.objects.filter(path__in=prefixes, level=Level.SUPERIOR))
    if len(superiors) != 1:
        return None
    district = superiors[0]
    return district if all(u.path.startswith(district.path) for u in units) else None


def match_unit(*, scope: Unit, name: str) -> list[Unit]:
    """The grassroots units under `scope` whose name is `name` by `name_key()`'s rule."""
    key = name_key(name)
    words = re.findall(r"[a-z0-9]+", key)
    if not words:
        return []
    longest = max(words, key=len)
    candidates = Unit.objects.filter(
        path__startswith=scope.path, level=Level.GRASSROOTS, search_name__contains=longest
    ).order_by("path")
    return [u for u in candidates if name_key(u.name) == key]


def rule_label(*, name: str, change: RuleChange) -> str:
    """A new rule's label, as the seed's rules are labelled: "Khối HCSN: 02 sáng kiến/CĐCS
    (01 + 01)", "Khối trường học: 01 SK/đoàn viên/ phân bổ 02 giai đoạn"."""
    if change.basis == Basis.PER_MEMBER:
        text = per_member_text(per_member=change.per_member, phases=len(change.targets) or 2)
    else:
        values = [change.targets[n] for n in sorted(change.targets)]
        text = _("%(total)02d sáng kiến/CĐCS (%(parts)s)") % {
            "total": sum(values), "parts": " + ".join(f"{v:02d}" for v in values),
        }
    return f"{name}: {text}"[:255]


def _sum_contradiction(row: ParsedRow) -> Issue | None:
    """A row whose total is not the sum of its phases (only when every phase is given)."""
    if row.total is None or any(v is None for v in row.phases):
        return None
    if row.total == sum(row.phases):
        return None
    return Issue(
        row.row,
        _("Tổng %(total)s khác %(parts)s") % {"total": _n(row.total), "parts": " + ".join(_n(v) for v in row.phases)},
    )


def _rule_change(*, row: ParsedRow, plan: ImportPlan, existing: AllocationRule | None) -> RuleChange | None:
    """A block row's rule (the seed's rows 1–3 and 4.1): per unit, a target for every phase
    ("02 | 01 | 01"), or per member ("01 SK/đoàn viên/ phân bổ 02 giai đoạn"). None, with an
    error in the plan, if it is incomplete."""
    numbers = [p.number for p in plan.phases]
    if row.per_member is not None:
        if row.per_member_phases and row.per_member_phases != len(numbers):
            plan.warnings.append(
                Issue(row.row, _("Ghi phân bổ %(a)d giai đoạn, chương trình có %(b)d giai đoạn.")
                      % {"a": row.per_member_phases, "b": len(numbers)})
            )
        change = RuleChange(row=row.row, block=row.block, basis=Basis.PER_MEMBER, per_member=row.per_member)
    elif any(v is None for v in row.phases):
        plan.errors.append(Issue(row.row, _("Quy tắc của khối cần chỉ tiêu của từng giai đoạn.")))
        return None
    else:
        change = RuleChange(row=row.row, block=row.block, basis=Basis.PER_UNIT, targets=dict(zip(numbers, row.phases)))
    change.label = rule_label(name=row.name, change=change)
    if existing is not None:
        phase_numbers = {p.pk: p.number for p in plan.phases}
        change.exists, change.old_basis, change.old_per_member = True, existing.basis, existing.per_member
        change.old_targets = {
            phase_numbers[t.phase_id]: t.target for t in existing.targets.all() if t.phase_id in phase_numbers
        }
    return change


def _override_change(*, row: ParsedRow, plan: ImportPlan) -> OverrideChange | None:
    """A named unit's row (the seed's rows 4.2–4.8): its own target for each phase given,
    matched to one grassroots union under the plan's scope by name_key(). None, with an error
    or warning in the plan, if it cannot be."""
    if not row.has_figures:
        plan.warnings.append(Issue(row.row, _("“%(name)s” không có số liệu; bỏ qua.") % {"name": row.name}))
        return None
    if row.per_member is not None:
        plan.errors.append(Issue(row.row, _("Chỉ tiêu theo đoàn viên chỉ áp dụng cho cả khối, không cho một đơn vị.")))
        return None
    if all(v is None for v in row.phases):
        plan.errors.append(
            Issue(row.row, _("“%(name)s” có tổng số nhưng thiếu chỉ tiêu từng giai đoạn.") % {"name": row.name})
        )
        return None
    found = match_unit(scope=plan.scope, name=row.name)
    if not found:
        plan.errors.append(
            Issue(row.row, _("Không tìm thấy công đoàn cơ sở “%(name)s” trong %(scope)s.")
                  % {"name": row.name, "scope": plan.scope.name})
        )
        return None
    if len(found) > 1:
        plan.errors.append(
            Issue(row.row, _("“%(name)s” trùng tên với %(n)d đơn vị: %(codes)s.")
                  % {"name": row.name, "n": len(found), "codes": ", ".join(u.code for u in found)})
        )
        return None
    unit = found[0]
    if row.block and unit.block != row.block:
        plan.warnings.append(
            Issue(row.row, _("“%(name)s” nằm dưới %(heading)s nhưng thuộc %(block)s.")
                  % {"name": unit.name, "heading": Block(row.block).label, "block": unit.get_block_display()})
        )
    targets = {p.number: v for p, v in zip(plan.phases, row.phases) if v is not None}
    return OverrideChange(row=row.row, unit=unit, targets=targets, old={}, before={})


def plan_import(*, campaign: Campaign, parsed: ParsedTable, unit: Unit | None = None) -> ImportPlan:
    """What importing `parsed` into `campaign` would change, without changing anything.

    The table is one unit's (a district's, as the seed's is LĐLĐ huyện Gia Lâm's): `unit`, else
    the unit its title names, else the one district all its named units belong to, else the
    campaign's root. Named units are matched under it. Errors (nothing may then be applied):
    an unknown or ambiguous unit name, a total that is not the sum of its phases, a figure that
    is not a number, a "Tổng cộng" row that differs from what the allocation engine gives with
    the plan applied (computed in a savepoint that is rolled back). Warnings: phase dates that
    differ from the campaign's, a "152 CĐCS" count that differs from the units the rule covers,
    overrides the table does not mention (they are kept)."""
    phases = list(campaign.phases.order_by("number"))
    scope = unit or _scope_from_title(campaign=campaign, title=parsed.title) or campaign.root
    plan = ImportPlan(
        campaign=campaign, scope=scope, phases=phases,
        warnings=list(parsed.warnings), errors=list(parsed.errors),
    )
    if parsed.header_row is None:
        return plan
    if len(parsed.phase_headers) != len(phases):
        plan.errors.append(
            Issue(parsed.header_row,
                  _("Bảng có %(cols)d cột giai đoạn nhưng chương trình có %(phases)d giai đoạn.")
                  % {"cols": len(parsed.phase_headers), "phases": len(phases)})
        )
        return plan
    for phase, header, dates in zip(phases, parsed.phase_headers, parsed.phase_dates):
        if dates and dates != (phase.starts_on, phase.ends_on):
            plan.warnings.append(
                Issue(parsed.header_row,
                      _("Cột “%(header)s” ghi %(s)s-%(e)s, chương trình ghi giai đoạn %(n)d từ %(ps)s đến %(pe)s; "
                        "các cột giai đoạn được lấy theo thứ tự.")
                      % {"header": header, "s": _d(dates[0]), "e": _d(dates[1]), "n": phase.number,
                         "ps": _d(phase.starts_on), "pe": _d(phase.ends_on)})
            )
    numbers = [p.number for p in phases]
    existing_rules = {r.block: r for r in campaign.rules.prefetch_related("targets")}
    phase_numbers = {p.pk: p.number for p in phases}
    rules: dict[str, RuleChange] = {}
    counts: list[ParsedRow] = []
    matched: dict[int, OverrideChange] = {}
    total_row = None

    for row in parsed.rows:
        if not row.valid or row.kind == RowKind.SUBTOTAL:
            continue
        contradiction = _sum_contradiction(row)
        if contradiction:
            plan.errors.append(contradiction)
        elif row.kind == RowKind.TOTAL:
            total_row = row
        elif row.kind == RowKind.BLOCK:
            if not row.has_figures:
                continue  # a heading ("Khối doanh nghiệp"): its named units follow
            change = _rule_change(row=row, plan=plan, existing=existing_rules.get(row.block))
            if change is None:
                continue
            earlier = rules.get(row.block)
            if earlier is None:
                rules[row.block] = change
                if row.count is not None:
                    counts.append(row)
            elif (earlier.basis, earlier.per_member, earlier.targets) != (change.basis, change.per_member, change.targets):
                plan.errors.append(
                    Issue(row.row, _("Khối này đã có quy tắc khác ở dòng %(row)d.") % {"row": earlier.row})
                )
        else:
            change = _override_change(row=row, plan=plan)
            if change is None:
                continue
            if change.unit.pk in matched:
                plan.errors.append(
                    Issue(row.row, _("“%(name)s” đã có ở dòng %(row)d.")
                          % {"name": row.name, "row": matched[change.unit.pk].row})
                )
            else:
                matched[change.unit.pk] = change

    plan.rules = list(rules.values())
    plan.overrides = list(matched.values())
    if plan.overrides:
        units = [c.unit for c in plan.overrides]
        old = defaultdict(dict)
        for o in AllocationOverride.objects.filter(phase__campaign=campaign, unit__in=units):
            old[o.unit_id][phase_numbers[o.phase_id]] = o.target
        before = targets_by_unit(campaign, units)
        for change in plan.overrides:
            change.old = {n: old[change.unit.pk].get(n) for n in numbers}
            change.before = before.get(change.unit.pk, {})
        if unit is None and scope.pk == campaign.root.pk:
            plan.scope = _common_superior(units) or scope

    _check_totals(plan, total_row=total_row, counts=counts)
    return plan


def _check_totals(plan: ImportPlan, *, total_row: ParsedRow | None, counts: list[ParsedRow]) -> None:
    """With the plan applied in a savepoint: the engine's totals for the plan's scope against
    the "Tổng cộng" row, and the units each "152 CĐCS" rule covers against its count."""
    if total_row is not None:
        plan.declared_total = dict(zip([p.number for p in plan.phases], total_row.phases))
    if plan.errors:
        if total_row is not None:
            plan.warnings.append(Issue(total_row.row, _("Chưa đối chiếu dòng Tổng cộng vì bảng còn lỗi.")))
        return
    covered = {}
    try:
        with transaction.atomic():
            _write(plan)
            plan.computed_total = subtree_targets(plan.scope, plan.campaign)
            overridden = AllocationOverride.objects.filter(phase__campaign=plan.campaign).values("unit_id")
            for row in counts:
                covered[row.row] = (
                    Unit.objects.filter(path__startswith=plan.scope.path, level=Level.GRASSROOTS, block=row.block)
                    .exclude(pk__in=overridden)
                    .count()
                )
            raise _Rollback
    except _Rollback:
        pass
    for row in counts:
        if covered[row.row] != row.count:
            plan.warnings.append(
                Issue(row.row, _("Bảng ghi %(count)s CĐCS, %(scope)s có %(n)s CĐCS %(block)s không có chỉ tiêu riêng.")
                      % {"count": _n(row.count), "scope": plan.scope.name, "n": _n(covered[row.row]),
                         "block": Block(row.block).label.lower()})
            )
    mentioned = {c.unit.pk for c in plan.overrides}
    others = (
        Unit.objects.filter(overrides__phase__campaign=plan.campaign, path__startswith=plan.scope.path)
        .exclude(pk__in=mentioned).distinct().order_by("path")
    )
    for other in others:
        plan.warnings.append(
            Issue(None, _("“%(name)s” có chỉ tiêu riêng nhưng không có trong bảng; giữ nguyên.") % {"name": other.name})
        )
    if total_row is None:
        plan.warnings.append(Issue(None, _("Bảng không có dòng “Tổng cộng”; chưa đối chiếu được tổng.")))
        return
    computed = plan.computed_total
    declared = plan.declared_total
    differs = [n for n, v in declared.items() if v is not None and v != computed.get(n, 0)]
    if total_row.total is not None and total_row.total != sum(computed.values()):
        differs.append(None)
    if differs:
        plan.errors.append(
            Issue(total_row.row,
                  _("Dòng Tổng cộng ghi %(declared)s nhưng sau khi nhập, %(scope)s có %(computed)s.")
                  % {"declared": " = ".join([_n(total_row.total)] + [_n(declared[p.number]) for p in plan.phases]),
                     "scope": plan.scope.name,
                     "computed": " = ".join([_n(sum(computed.values()))] + [_n(computed[p.number]) for p in plan.phases])})
        )


# ================================================================ import: applying


def _write_rule(*, campaign: Campaign, change: RuleChange, phases: dict[int, Phase]) -> None:
    rule, _created = AllocationRule.objects.update_or_create(
        campaign=campaign,
        block=change.block,
        defaults={"basis": change.basis, "per_member": change.per_member if change.basis == Basis.PER_MEMBER else 0},
        create_defaults={
            "basis": change.basis,
            "per_member": change.per_member if change.basis == Basis.PER_MEMBER else 0,
            "label": change.label[:255],
        },
    )
    for number, target in change.targets.items():
        RuleTarget.objects.update_or_create(rule=rule, phase=phases[number], defaults={"target": target})


def _write_override(*, change: OverrideChange, phases: dict[int, Phase]) -> None:
    for number, target in change.targets.items():
        AllocationOverride.objects.update_or_create(
            phase=phases[number], unit=change.unit, defaults={"target": target}
        )


def _write(plan: ImportPlan) -> None:
    phases = {p.number: p for p in plan.phases}
    for change in plan.rules:
        if change.changed:
            _write_rule(campaign=plan.campaign, change=change, phases=phases)
    for change in plan.overrides:
        if change.changed:
            _write_override(change=change, phases=phases)


def apply_import(*, plan: ImportPlan) -> int:
    """Write the plan's changes (rules, their phase targets, overrides) and rebuild the
    campaign's maintained progress targets, all in one transaction: either all of it or none.
    A plan with errors is refused. Returns the number of rules and overrides changed. Overrides
    the table does not mention are kept (a warning of the plan lists them)."""
    if plan.errors:
        raise AllocationImportError(plan.errors)
    changes = len(plan.changes)
    with transaction.atomic():
        _write(plan)
        progress.rebuild(plan.campaign)
    return changes


def import_preview(*, campaign: Campaign, data: bytes, unit: Unit | None = None) -> ImportPlan:
    """An uploaded file's plan (for an upload-and-preview page)."""
    return plan_import(campaign=campaign, parsed=read_allocation_table(io.BytesIO(data)), unit=unit)


UPLOAD_SALT = "quotas.excel.upload"


def sign_upload(data: bytes) -> str:
    """The uploaded file, signed, for the preview page's hidden field: the confirmation posts it
    back and is planned again against the database as it is then (never trust a stale plan)."""
    return signing.dumps(base64.b64encode(data).decode("ascii"), salt=UPLOAD_SALT)


def unsign_upload(token: str, *, max_age: int = 3600) -> bytes:
    """The file `sign_upload()` signed; raises django.core.signing.BadSignature if tampered with
    or older than `max_age` seconds."""
    return base64.b64decode(signing.loads(token, salt=UPLOAD_SALT, max_age=max_age))


# ================================================================ export: shared rendering


def safe_text(value) -> str:
    """Text for a cell: characters XML cannot hold are dropped (a name pasted from elsewhere)."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def text_cell(ws, value, *, bold: bool = False) -> Cell | None:
    """A cell that holds `value` as text, whatever it starts with: "=HYPERLINK(…)", "+84…",
    "-", "@…" are never read as a formula (spreadsheet formula injection). openpyxl turns a
    string starting with "=" into a formula, so the type is set back to string after binding."""
    text = safe_text("" if value is None else value)
    if not text:
        return None
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def number_cell(ws, value, *, number_format: str = INT_FORMAT, bold: bool = False) -> Cell | None:
    if value is None:
        return None
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = number_format
    if bold:
        cell.font = Font(bold=True)
    return cell


def date_cell(ws, value: dt.date) -> Cell:
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = DATE_FORMAT
    return cell


def _header_cells(ws, headers: list[str]) -> list[Cell]:
    cells = []
    for text in headers:
        cell = text_cell(ws, text, bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cells.append(cell)
    return cells


def _set_widths(ws, widths: list[float]) -> None:
    """Column widths; a write-only sheet writes them before its first row."""
    for index, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(index)].width = width


def _text_width(texts, *, minimum: float = 6, maximum: float = 60) -> float:
    longest = max((len(str(t)) for t in texts if t is not None), default=0)
    return max(minimum, min(maximum, longest + 2))


def _fraction(cell: progress.Cell) -> float | None:
    """progress.Cell.percent as a fraction, for Excel's '0.0%' format."""
    return None if cell.percent is None else cell.percent / 100


# ================================================================ export: progress


@dataclass
class ProgressRow:
    """One line of the progress sheet. Figures come from quotas.progress.table() only."""

    kind: str  # "block" (a block's heading with its subtotal), "unit", "total"
    tt: str
    name: str
    phases: dict[int, progress.Cell]  # phase number → cell

    @property
    def total(self) -> progress.Cell:
        total = progress.Cell()
        for cell in self.phases.values():
            total += cell
        return total


def progress_rows(*, unit: Unit, campaign: Campaign) -> list[ProgressRow]:
    """The progress table as the seed lays out its allocation table: for a district, each
    block a heading row numbered 1, 2, 3, 4 carrying the block's subtotal, its units numbered
    4.1, 4.2, …; for any other unit, its children numbered 1, 2, …; then "Tổng cộng", which is
    `progress.table()`'s total (the pages' figure)."""
    groups, total = progress.table(unit, campaign)
    rows = []
    if unit.level == Level.SUPERIOR:
        for i, group in enumerate(groups, 1):
            rows.append(ProgressRow("block", str(i), str(group.label), group.subtotal.phases))
            rows += [ProgressRow("unit", f"{i}.{j}", r.unit.name, r.phases) for j, r in enumerate(group.rows, 1)]
    else:
        rows += [
            ProgressRow("unit", str(j), r.unit.name, r.phases)
            for j, r in enumerate((r for g in groups for r in g.rows), 1)
        ]
    rows.append(ProgressRow("total", "", _("Tổng cộng"), total.phases))
    return rows


def progress_headers(phases: list[Phase]) -> list[str]:
    headers = [_("TT"), _("Tên đơn vị"), _("Tổng số sáng kiến/đơn vị")]
    headers += [phase_header(p) for p in phases]
    for p in phases:
        headers += [
            _("Đã nộp GĐ%(n)d") % {"n": p.number},
            _("Được công nhận GĐ%(n)d") % {"n": p.number},
            _("Tỷ lệ GĐ%(n)d") % {"n": p.number},
        ]
    headers += [_("Đã nộp (tổng)"), _("Được công nhận (tổng)"), _("Tỷ lệ (tổng)")]
    return headers


def current_phase(*, campaign: Campaign, today: dt.date) -> Phase | None:
    """The phase containing `today`, else the last phase: the one whose pace is watched."""
    return campaign.phase_on(today) or campaign.phases.order_by("number").last()


def write_progress_workbook(
    *, unit: Unit, campaign: Campaign, out, today: dt.date | None = None, with_personal_data: bool = False
) -> None:
    """The unit's allocation and progress as an .xlsx written to `out` (a path or a binary
    file), streamed (openpyxl write-only). Sheets: "Phân bổ và tiến độ" (the seed's table with
    submitted / approved / percent per phase), "Tóm tắt giai đoạn", "Đơn vị chậm tiến độ"
    (progress.lagging() for the current phase).

    It holds figures per unit only, no personal data (names, phones, ID numbers of members):
    `with_personal_data` is accepted for a later per-initiative sheet and ignored for now."""
    today = today or timezone.localdate()
    phases = list(campaign.phases.order_by("number"))
    rows = progress_rows(unit=unit, campaign=campaign)
    workbook = openpyxl.Workbook(write_only=True)
    _progress_sheet(workbook, unit=unit, campaign=campaign, phases=phases, rows=rows, today=today)
    _summary_sheet(workbook, unit=unit, campaign=campaign, phases=phases, total=rows[-1], today=today)
    _lagging_sheet(workbook, unit=unit, campaign=campaign, today=today)
    workbook.save(out)


def _title(ws, lines: list[str]) -> int:
    """The title block; returns how many rows it took (a blank row included)."""
    for i, line in enumerate(lines):
        ws.append([text_cell(ws, line, bold=i < 2)])
    ws.append([])
    return len(lines) + 1


def _progress_sheet(workbook, *, unit, campaign, phases, rows, today) -> None:
    ws = workbook.create_sheet(SHEET_PROGRESS)
    headers = progress_headers(phases)
    title = [unit.name, campaign.name, _("Ngày xuất: %(d)s") % {"d": _d(today)}]
    header_row = len(title) + 2
    _set_widths(ws, [7, _text_width([r.name for r in rows] + [headers[1]], minimum=20), 14]
                + [22] * len(phases) + [12] * (3 * len(phases) + 3))
    ws.freeze_panes = f"C{header_row + 1}"
    _title(ws, title)
    ws.append(_header_cells(ws, headers))
    for row in rows:
        bold = row.kind != "unit"
        total = row.total
        values = [text_cell(ws, row.tt, bold=bold), text_cell(ws, row.name, bold=bold),
                  number_cell(ws, total.target, bold=bold)]
        values += [number_cell(ws, row.phases[p.number].target, bold=bold) for p in phases]
        for cell in [*(row.phases[p.number] for p in phases), total]:
            values += [
                number_cell(ws, cell.submitted, bold=bold),
                number_cell(ws, cell.approved, bold=bold),
                number_cell(ws, _fraction(cell), number_format=PERCENT_FORMAT, bold=bold),
            ]
        ws.append(values)
    last_data = header_row + len(rows) - 1  # the total row stays out of sorting and filtering
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{max(last_data, header_row)}"


def phase_summary_rows(*, phases: list[Phase], total: ProgressRow, today: dt.date) -> list[dict]:
    """One row per phase: dates, target, submitted, approved, percent, days left to its
    deadline (0 once it has passed) and whether it is ahead, under way or over."""
    result = []
    for phase in phases:
        cell = total.phases[phase.number]
        if today < phase.starts_on:
            state = _("Chưa bắt đầu")
        elif today > phase.ends_on:
            state = _("Đã kết thúc")
        else:
            state = _("Đang diễn ra")
        result.append({
            "phase": phase, "cell": cell, "state": state,
            "days_left": max(0, (phase.ends_on - today).days),
        })
    return result


def _summary_sheet(workbook, *, unit, campaign, phases, total, today) -> None:
    ws = workbook.create_sheet(SHEET_SUMMARY)
    headers = [_("Giai đoạn"), _("Từ ngày"), _("Đến ngày"), _("Chỉ tiêu"), _("Đã nộp"), _("Được công nhận"),
               _("Tỷ lệ"), _("Số ngày còn lại"), _("Trạng thái")]
    _set_widths(ws, [14, 12, 12, 12, 12, 16, 10, 16, 16])
    header_row = 5
    ws.freeze_panes = f"A{header_row + 1}"
    _title(ws, [unit.name, campaign.name, _("Ngày xuất: %(d)s") % {"d": _d(today)}])
    ws.append(_header_cells(ws, headers))
    for item in phase_summary_rows(phases=phases, total=total, today=today):
        phase, cell = item["phase"], item["cell"]
        ws.append([
            text_cell(ws, _("Giai đoạn %(n)d") % {"n": phase.number}),
            date_cell(ws, phase.starts_on), date_cell(ws, phase.ends_on),
            number_cell(ws, cell.target), number_cell(ws, cell.submitted), number_cell(ws, cell.approved),
            number_cell(ws, _fraction(cell), number_format=PERCENT_FORMAT),
            number_cell(ws, item["days_left"]), text_cell(ws, item["state"]),
        ])
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + len(phases)}"


def lagging_rows(*, unit: Unit, campaign: Campaign, today: dt.date) -> tuple[Phase | None, list[tuple]]:
    """(the current phase, [(progress.Row, due by now)]) — progress.lagging() over the units
    the progress table lists, for the phase containing `today`, else the last phase."""
    phase = current_phase(campaign=campaign, today=today)
    if phase is None:
        return None, []
    groups, _total = progress.table(unit, campaign)
    return phase, progress.lagging([r for g in groups for r in g.rows], phase, today)


def _lagging_sheet(workbook, *, unit, campaign, today) -> None:
    ws = workbook.create_sheet(SHEET_LAGGING)
    phase, rows = lagging_rows(unit=unit, campaign=campaign, today=today)
    headers = [_("TT"), _("Đơn vị"), _("Chỉ tiêu"), _("Được công nhận"), _("Cần đạt đến nay"), _("Tỷ lệ")]
    _set_widths(ws, [7, _text_width([r.unit.name for r, _due in rows] + [headers[1]], minimum=30), 12, 16, 16, 10])
    header_row = 5
    ws.freeze_panes = f"A{header_row + 1}"
    if phase is None:
        note = _("Chương trình chưa có giai đoạn nào.")
    else:
        note = _("Giai đoạn %(n)d (%(s)s-%(e)s), tính đến ngày %(d)s: %(count)d đơn vị chậm tiến độ.") % {
            "n": phase.number, "s": _d(phase.starts_on), "e": _d(phase.ends_on), "d": _d(today), "count": len(rows),
        }
    _title(ws, [unit.name, campaign.name, note])
    ws.append(_header_cells(ws, headers))
    for i, (row, due) in enumerate(rows, 1):
        cell = row.phases[phase.number]
        ws.append([
            text_cell(ws, str(i)), text_cell(ws, row.unit.name), number_cell(ws, cell.target),
            number_cell(ws, cell.approved), number_cell(ws, round(due, 1), number_format="#,##0.0"),
            number_cell(ws, _fraction(cell), number_format=PERCENT_FORMAT),
        ])
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{header_row + len(rows)}"


# ================================================================ export: allocation table


@dataclass
class AllocationRow:
    """One line of the seed's table: total and phases are numbers, or the total is the
    per-member text and the phases are empty, or all are empty (a heading)."""

    kind: str  # "block", "heading", "count", "unit", "total"
    tt: str
    name: str
    total: int | str | None = None
    phases: list[int | None] = field(default_factory=list)


def allocation_rows(*, campaign: Campaign, unit: Unit) -> list[AllocationRow]:
    """The allocation of `unit`'s subtree as the seed's table: a row per block rule in the
    order of Block (per unit "02 | 01 | 01", or the per-member text); a block with named units
    is a heading followed by "N CĐCS khối …" (its rule and the number of its units with no
    override, as the seed's "152 CĐCS khối doanh nghiệp") and the named units (their own
    targets; a phase they have no override for is left empty, and the total is what the engine
    gives them); then "Tổng cộng" from the engine. plan_import() reads it back unchanged."""
    phases = list(campaign.phases.order_by("number"))
    numbers = {p.pk: p.number for p in phases}
    rules = {r.block: r for r in campaign.rules.prefetch_related("targets")}
    grassroots = Unit.objects.filter(path__startswith=unit.path, level=Level.GRASSROOTS)
    overrides = defaultdict(dict)
    for o in AllocationOverride.objects.filter(phase__campaign=campaign, unit__in=grassroots):
        overrides[o.unit_id][numbers[o.phase_id]] = o.target
    named = list(grassroots.filter(pk__in=list(overrides)).order_by("path"))
    effective = targets_by_unit(campaign, named)
    rows = []
    tt = 0
    for block, label in Block.choices:
        rule, units = rules.get(block), [u for u in named if u.block == block]
        if rule is None and not units:
            continue
        tt += 1
        if rule is None:
            figures = None
        elif rule.basis == Basis.PER_MEMBER:
            figures = (per_member_text(per_member=rule.per_member, phases=len(phases)), [None] * len(phases))
        else:
            fixed = {numbers[t.phase_id]: t.target for t in rule.targets.all() if t.phase_id in numbers}
            targets = [fixed.get(p.number, 0) for p in phases]
            figures = (sum(targets), targets)
        if not units:
            rows.append(AllocationRow("block", str(tt), str(label), *figures))
            continue
        sub = 0
        if rule is not None and rule.basis == Basis.PER_MEMBER:
            rows.append(AllocationRow("block", str(tt), str(label), *figures))
        else:
            rows.append(AllocationRow("heading", str(tt), str(label), None, [None] * len(phases)))
            if figures is not None:
                plain = grassroots.filter(block=block).exclude(pk__in=list(overrides)).count()
                sub += 1
                name = _("%(n)d CĐCS %(block)s") % {"n": plain, "block": str(label)[:1].lower() + str(label)[1:]}
                rows.append(AllocationRow("count", f"{tt}.{sub}", name, *figures))
        for u in units:
            sub += 1
            rows.append(AllocationRow(
                "unit", f"{tt}.{sub}", u.name, sum(effective[u.pk].values()),
                [overrides[u.pk].get(p.number) for p in phases],
            ))
    totals = subtree_targets(unit, campaign)
    rows.append(AllocationRow("total", "", _("Tổng cộng"), sum(totals.values()), [totals[p.number] for p in phases]))
    return rows


def write_allocation_workbook(*, campaign: Campaign, unit: Unit, out) -> None:
    """The allocation table of `unit` alone, in the seed's shape (allocation_rows()), written
    to `out` (a path or a binary file): the file to edit and import back. It is a format the
    importer reads, so it is always written in the seed's Vietnamese, whatever the reader's
    language."""
    with translation.override("vi"):
        _write_allocation_workbook(campaign=campaign, unit=unit, out=out)


def _write_allocation_workbook(*, campaign: Campaign, unit: Unit, out) -> None:
    phases = list(campaign.phases.order_by("number"))
    rows = allocation_rows(campaign=campaign, unit=unit)
    headers = [_("TT"), _("Tên đơn vị"), _("Tổng số sáng kiến/đơn vị")] + [phase_header(p) for p in phases]
    title = [unit.name, campaign.name, _("Danh sách phân bổ chỉ tiêu sáng kiến")]
    header_row = len(title) + 2
    workbook = openpyxl.Workbook(write_only=True)
    ws = workbook.create_sheet(SHEET_ALLOCATION)
    _set_widths(ws, [7, _text_width([r.name for r in rows] + [headers[1]], minimum=30), 22] + [24] * len(phases))
    ws.freeze_panes = f"A{header_row + 1}"
    _title(ws, title)
    ws.append(_header_cells(ws, headers))
    for row in rows:
        bold = row.kind in ("block", "heading", "total")
        fmt = INT_FORMAT if row.kind == "total" else SMALL_INT_FORMAT
        total = (
            text_cell(ws, row.total, bold=bold) if isinstance(row.total, str)
            else number_cell(ws, row.total, number_format=fmt, bold=bold)
        )
        ws.append([text_cell(ws, row.tt, bold=bold), text_cell(ws, row.name, bold=bold), total]
                  + [number_cell(ws, v, number_format=fmt, bold=bold) for v in row.phases])
    workbook.save(out)


# ================================================================ downloads (for views)


def export_filename(*, unit: Unit, campaign: Campaign, kind: str = "tien-do") -> str:
    return f"{kind}-{unit.code}-{campaign.slug}.xlsx"


def progress_download(*, unit: Unit, campaign: Campaign, today: dt.date | None = None) -> HttpResponse:
    """The progress workbook as a download (for a button on /progress/). The caller checks
    that the user may see `unit`."""
    buffer = io.BytesIO()
    write_progress_workbook(unit=unit, campaign=campaign, out=buffer, today=today)
    return HttpResponse(
        buffer.getvalue(), content_type=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": content_disposition_header(
            as_attachment=True, filename=export_filename(unit=unit, campaign=campaign))},
    )


def allocation_download(*, unit: Unit, campaign: Campaign) -> HttpResponse:
    """The allocation table as a download (the file to edit and upload back)."""
    buffer = io.BytesIO()
    write_allocation_workbook(campaign=campaign, unit=unit, out=buffer)
    return HttpResponse(
        buffer.getvalue(), content_type=XLSX_CONTENT_TYPE,
        headers={"Content-Disposition": content_disposition_header(
            as_attachment=True, filename=export_filename(unit=unit, campaign=campaign, kind="phan-bo"))},
    )
