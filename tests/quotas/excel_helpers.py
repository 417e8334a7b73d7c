"""Workbooks built in code for the Excel tests (no binary files in the repository)."""

import openpyxl

from quotas.models import Campaign, Phase

# The seed's allocation table as the document prints it, typos included: the second phase
# header also says "Giai đoạn 1", two rows are numbered 4.6, figures are text ("02", "5.342").
SEED_HEADER = [
    "TT",
    "Tên đơn vị",
    "Tổng số sáng kiến/đơn vị",
    "Giai đoạn 1 (Sáng kiến từ 01/9/2021-31/5/2022)",
    "Giai đoạn 1 (Sáng kiến từ 01/6/2022-30/9/2023)",
]
SEED_ROWS = [
    ["1", "Khối xã, thị trấn", "02", "01", "01"],
    ["2", "Khối HCSN", "02", "01", "01"],
    ["3", "Khối trường học", "01 SK/đoàn viên/ phân bố 02 giai đoạn", None, None],
    ["4", "Khối doanh nghiệp", None, None, None],
    ["4.1", "152 CĐCS khối doanh nghiệp", "02", "01", "01"],
    ["4.2", "CĐ Công ty TNHH điện Stanley Việt Nam", "700", "400", "300"],
    ["4.3", "CĐ Công ty TNHH Lixil Việt Nam", "700", "400", "300"],
    ["4.4", "CĐ Công ty TNHH SX, DV, TM sản phẩm da Ladodda", "30", "15", "15"],
    ["4.5", "CĐ Công ty CP Hãng sơn Đông Á", "20", "10", "10"],
    ["4.6", "CĐ Công ty CP Bewin & Coating Việt Nam", "10", "05", "05"],
    ["4.6", "CĐ Công ty CP Bewin & Coating Sài Gòn", "10", "05", "05"],
    ["4.8", "CĐ Công ty CP Môi trường đô thị Gia Lâm", "10", "05", "05"],
    [None, "Tổng cộng", "5.342", "2.771", "2.571"],
]
FIRST_DATA_ROW = 2  # the sheet's row of SEED_ROWS[0] when there is no title above the header


def seed_rows(**replace) -> list[list]:
    """SEED_ROWS with some rows replaced, keyed by their position: seed_rows(r7=[...])."""
    rows = [list(r) for r in SEED_ROWS]
    for key, row in replace.items():
        rows[int(key[1:])] = row
    return rows


def write_sheet(path, *, rows=None, header=None, title=None) -> str:
    """An .xlsx with the seed's table on its first sheet (a normal, not write-only, workbook)."""
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = "Phân bổ"
    for line in title or []:
        ws.append([line])
    ws.append(header or SEED_HEADER)
    for row in SEED_ROWS if rows is None else rows:
        ws.append(row)
    workbook.save(path)
    return str(path)


def empty_copy(source: Campaign, *, slug: str = "nhap-thu") -> Campaign:
    """A campaign with `source`'s root, window and phases, and no rules or overrides."""
    campaign = Campaign.objects.create(
        slug=slug,
        name="Chương trình nhập thử",
        root=source.root,
        application_start=source.application_start,
        application_end=source.application_end,
    )
    for phase in source.phases.all():
        Phase.objects.create(campaign=campaign, number=phase.number, starts_on=phase.starts_on, ends_on=phase.ends_on)
    return campaign


def sheet_rows(path, sheet=None) -> list[tuple]:
    workbook = openpyxl.load_workbook(path)
    ws = workbook[sheet] if sheet else workbook.worksheets[0]
    return list(ws.iter_rows(values_only=True))

