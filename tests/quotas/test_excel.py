"""The seed's allocation table in and out of Excel, and the progress export."""

import datetime as dt

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from quotas import excel, progress
from quotas.allocation import subtree_targets, targets_by_unit
from quotas.excel import (
    AllocationImportError,
    apply_import,
    block_of,
    header_dates,
    parse_count,
    per_member_of,
    plan_import,
    read_allocation_table,
    write_allocation_workbook,
)
from quotas.models import AllocationOverride, AllocationRule, Campaign, Level, RuleTarget, Unit
from quotas.services import unit_upsert
from tests.quotas.excel_helpers import FIRST_DATA_ROW, empty_copy, seed_rows, sheet_rows, write_sheet

SEED_SLUG = "01-trieu-sang-kien-2022"


def gia_lam():
    return Unit.objects.get(code="GLA")


def seed_campaign():
    return Campaign.objects.get(slug=SEED_SLUG)


def grassroots():
    return list(Unit.objects.filter(level=Level.GRASSROOTS))


def plan_for(path, campaign):
    return plan_import(campaign=campaign, parsed=read_allocation_table(path))


def allocation_state(campaign):
    """Everything an import may write, to compare before and after."""
    return (
        sorted(AllocationRule.objects.filter(campaign=campaign).values_list("block", "basis", "per_member")),
        sorted(RuleTarget.objects.filter(rule__campaign=campaign).values_list("rule__block", "phase__number", "target")),
        sorted(AllocationOverride.objects.filter(phase__campaign=campaign).values_list("unit__code", "phase__number", "target")),
    )


# ---------------------------------------------------------------- reading rules


@pytest.mark.parametrize(
    "value, expected",
    [(None, None), ("", None), ("  ", None), (2, 2), (2.0, 2), ("02", 2), ("05", 5), ("700", 700),
     ("5.342", 5342), ("5,342", 5342), ("1.234.567", 1234567), (" 2.771 ", 2771)],
)
def test_figures_are_read_as_the_seed_writes_them(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize("value", ["abc", "1.5", "5.34", "-3", -3, 2.5, "12,5", True])
def test_anything_else_is_not_a_figure(value):
    with pytest.raises(ValueError):
        parse_count(value)


def test_header_dates_are_day_first():
    assert header_dates("Giai đoạn 1 (Sáng kiến từ 01/9/2021-31/5/2022)") == (dt.date(2021, 9, 1), dt.date(2022, 5, 31))
    assert header_dates("Giai đoạn 1 (Sáng kiến từ 01/6/2022-30/9/2023)") == (dt.date(2022, 6, 1), dt.date(2023, 9, 30))
    assert header_dates("Giai đoạn 2") is None
    assert header_dates("từ 31/02/2022-01/03/2022") is None


def test_block_rows_and_the_per_member_rule_are_recognised():
    assert block_of("Khối xã, thị trấn") == ("commune", None)
    assert block_of("KHỐI XÃ,THỊ TRẤN") == ("commune", None)
    assert block_of("Khối HCSN") == ("public_service", None)
    assert block_of("Khối trường học") == ("school", None)
    assert block_of("Khối doanh nghiệp") == ("enterprise", None)
    assert block_of("152 CĐCS khối doanh nghiệp") == ("enterprise", 152)
    assert block_of("CĐ Công ty TNHH Lixil Việt Nam") is None
    assert per_member_of("01 SK/đoàn viên/ phân bố 02 giai đoạn") == (1, 2)
    assert per_member_of("01 SK/đoàn viên/ phân bổ 02 giai đoạn") == (1, 2)
    assert per_member_of("2 sáng kiến/đoàn viên") == (2, None)
    assert per_member_of("02") is None


# ---------------------------------------------------------------- importing


def test_the_seed_sheet_with_its_typos_imports_into_an_empty_campaign(demo, tmp_path):
    source = seed_campaign()
    target = empty_copy(source)
    plan = plan_for(write_sheet(tmp_path / "seed.xlsx"), target)
    assert plan.errors == []
    assert plan.scope == gia_lam()  # found from the named units: all of them are Gia Lâm's
    assert plan.warnings == []  # dates agree, 152 enterprise unions have no override
    assert plan.computed_total == {1: 2771, 2: 2571}
    assert len(plan.rules) == 4 and len(plan.overrides) == 7
    apply_import(plan=plan)
    assert subtree_targets(gia_lam(), target) == {1: 2771, 2: 2571}
    assert sum(subtree_targets(gia_lam(), target).values()) == 5342
    units = grassroots()
    assert targets_by_unit(target, units) == targets_by_unit(source, units)
    school = AllocationRule.objects.get(campaign=target, block="school")
    assert (school.basis, school.per_member) == ("per_member", 1)
    # The maintained progress targets were rebuilt.
    _groups, total = progress.table(gia_lam(), target)
    assert (total.phases[1].target, total.phases[2].target) == (2771, 2571)


def test_the_allocation_workbook_reproduces_the_targets_in_an_empty_campaign(demo, tmp_path):
    source = seed_campaign()
    path = tmp_path / "phan-bo.xlsx"
    write_allocation_workbook(campaign=source, unit=gia_lam(), out=path)
    rows = sheet_rows(path)
    header = next(r for r in rows if r[0] == "TT")
    assert header[:3] == ("TT", "Tên đơn vị", "Tổng số sáng kiến/đơn vị")
    assert header[3] == "Giai đoạn 1 (Sáng kiến từ 01/09/2021-31/05/2022)"
    assert header[4] == "Giai đoạn 2 (Sáng kiến từ 01/06/2022-30/09/2023)"
    by_name = {r[1]: r for r in rows if r[1]}
    assert by_name["Khối xã, thị trấn"][2:5] == (2, 1, 1)
    assert by_name["Khối trường học"][2] == "01 SK/đoàn viên/ phân bổ 02 giai đoạn"
    assert by_name["Khối doanh nghiệp"][2:5] == (None, None, None)
    assert by_name["152 CĐCS khối doanh nghiệp"][:5] == ("4.1", "152 CĐCS khối doanh nghiệp", 2, 1, 1)
    assert by_name["CĐ Công ty TNHH điện Stanley Việt Nam"][:5] == ("4.2", "CĐ Công ty TNHH điện Stanley Việt Nam", 700, 400, 300)
    assert by_name["Tổng cộng"][2:5] == (5342, 2771, 2571)

    target = empty_copy(source)
    plan = plan_for(path, target)
    assert plan.errors == [] and plan.warnings == []
    apply_import(plan=plan)
    assert subtree_targets(gia_lam(), target) == {1: 2771, 2: 2571}
    units = grassroots()
    assert targets_by_unit(target, units) == targets_by_unit(source, units)


def test_export_then_import_into_the_same_campaign_changes_nothing(demo, tmp_path):
    campaign = seed_campaign()
    path = tmp_path / "phan-bo.xlsx"
    call_command("export_progress", "--campaign", SEED_SLUG, "--unit", "GLA", "-o", str(path), "--allocations",
                 stdout=open(tmp_path / "out.txt", "w"))
    plan = plan_for(path, campaign)
    assert plan.errors == [] and plan.warnings == []
    assert not plan.has_changes
    assert all(not c.changed for c in [*plan.rules, *plan.overrides])
    assert len(plan.overrides) == 7


@pytest.mark.parametrize(
    "name",
    ["cd cong ty cp hang son dong a", "Công đoàn Công ty CP Hãng Sơn  Đông Á", "CĐCS CÔNG TY CP HÃNG SƠN ĐÔNG Á",
     "Công ty CP Hãng sơn Đông Á"],
)
def test_unit_names_match_ignoring_case_diacritics_spacing_and_prefix(demo, tmp_path, name):
    rows = seed_rows(r8=["4.5", name, "20", "10", "10"])
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), seed_campaign())
    assert plan.errors == []
    assert plan.overrides[3].unit.code == "GLA-SONDONGA"
    assert not plan.has_changes


def test_punctuation_spacing_does_not_matter(demo, tmp_path):
    rows = seed_rows(r7=["4.4", "CĐ Công ty TNHH SX,DV,TM sản phẩm da Ladodda", "30", "15", "15"])
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), seed_campaign())
    assert plan.errors == []
    assert plan.overrides[2].unit.code == "GLA-LADODDA"


def test_an_unknown_unit_is_an_error_with_its_row_and_nothing_is_written(demo, tmp_path):
    campaign = seed_campaign()
    rows = seed_rows(r8=["4.5", "CĐ Công ty không có thật", "20", "10", "10"])
    before = allocation_state(campaign)
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), campaign)
    assert [e.row for e in plan.errors] == [FIRST_DATA_ROW + 8]
    assert "Không tìm thấy" in str(plan.errors[0]) and "Công ty không có thật" in str(plan.errors[0])
    assert str(plan.errors[0]).startswith(f"Dòng {FIRST_DATA_ROW + 8}:")
    with pytest.raises(AllocationImportError):
        apply_import(plan=plan)
    assert allocation_state(campaign) == before


def test_a_row_whose_total_is_not_the_sum_of_its_phases_is_an_error(demo, tmp_path):
    rows = seed_rows(r8=["4.5", "CĐ Công ty CP Hãng sơn Đông Á", "20", "10", "15"])
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), seed_campaign())
    assert len(plan.errors) == 1
    assert plan.errors[0].row == FIRST_DATA_ROW + 8
    assert "Tổng 20 khác 10 + 15" in str(plan.errors[0])


def test_a_phase_figure_that_is_not_a_number_is_an_error(demo, tmp_path):
    rows = seed_rows(r5=["4.2", "CĐ Công ty TNHH điện Stanley Việt Nam", "700", "bốn trăm", "300"])
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), seed_campaign())
    assert [e.row for e in plan.errors] == [FIRST_DATA_ROW + 5]
    assert "bốn trăm" in str(plan.errors[0])


def test_a_total_row_that_disagrees_with_the_engine_is_an_error(demo, tmp_path):
    campaign = seed_campaign()
    before = allocation_state(campaign)
    rows = seed_rows(r12=[None, "Tổng cộng", "5.352", "2.781", "2.571"])
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), campaign)
    assert [e.row for e in plan.errors] == [FIRST_DATA_ROW + 12]
    assert "5.342" in str(plan.errors[0]) and "2.771" in str(plan.errors[0])
    # The check ran with the plan applied in a savepoint, which was rolled back.
    assert allocation_state(campaign) == before


def test_an_ambiguous_name_is_an_error(demo, tmp_path):
    unit_upsert(code="GLA-SONDONGA-2", name="CĐ Công ty CP Hãng Sơn Đông Á", level=Level.GRASSROOTS,
                block="enterprise", parent=gia_lam())
    plan = plan_for(write_sheet(tmp_path / "t.xlsx"), seed_campaign())
    assert [e.row for e in plan.errors] == [FIRST_DATA_ROW + 8]
    assert "GLA-SONDONGA" in str(plan.errors[0]) and "GLA-SONDONGA-2" in str(plan.errors[0])


def test_the_preview_lists_a_changed_override_and_the_unchanged_rows(demo, tmp_path):
    campaign = seed_campaign()
    rows = seed_rows(
        r5=["4.2", "CĐ Công ty TNHH điện Stanley Việt Nam", "750", "450", "300"],
        r12=[None, "Tổng cộng", "5.392", "2.821", "2.571"],
    )
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), campaign)
    assert plan.errors == []
    assert [c.unit.code for c in plan.changes] == ["GLA-STANLEY"]
    stanley = plan.changes[0]
    assert (stanley.old[1], stanley.targets[1]) == (400, 450)
    lines = plan.preview_lines()
    changed = [line for line in lines if "Stanley" in line]
    assert len(changed) == 1 and "[thay đổi]" in changed[0] and "400 → 450" in changed[0]
    unchanged = [line for line in lines if "[giữ nguyên]" in line]
    assert len(unchanged) == 4 + 6  # four rules, six other enterprises
    assert any("Lixil" in line for line in unchanged)
    assert "Số thay đổi: 1" in lines
    apply_import(plan=plan)
    assert subtree_targets(gia_lam(), campaign) == {1: 2821, 2: 2571}
    assert AllocationOverride.objects.get(phase__campaign=campaign, phase__number=1, unit__code="GLA-STANLEY").target == 450


def test_a_failure_while_applying_rolls_everything_back(demo, tmp_path, monkeypatch):
    source = seed_campaign()
    target = empty_copy(source)
    plan = plan_for(write_sheet(tmp_path / "seed.xlsx"), target)
    assert plan.errors == []
    written = []
    real = excel._write_override

    def fail_midway(*, change, phases):
        if written:
            raise RuntimeError("mất kết nối giữa chừng")
        real(change=change, phases=phases)
        written.append(change)

    monkeypatch.setattr(excel, "_write_override", fail_midway)
    with pytest.raises(RuntimeError):
        apply_import(plan=plan)
    assert written  # the rules and one override had been written …
    assert allocation_state(target) == ([], [], [])  # … and were rolled back


def test_phase_dates_that_differ_are_a_warning_not_an_error(demo, tmp_path):
    header = ["TT", "Tên đơn vị", "Tổng số sáng kiến/đơn vị",
              "Giai đoạn 1 (Sáng kiến từ 01/9/2021-30/6/2022)", "Giai đoạn 2 (Sáng kiến từ 01/7/2022-30/9/2023)"]
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", header=header), seed_campaign())
    assert plan.errors == []
    assert len(plan.warnings) == 2
    assert "30/06/2022" in str(plan.warnings[0]) and "31/05/2022" in str(plan.warnings[0])


def test_the_enterprise_count_is_checked_as_a_warning(demo, tmp_path):
    rows = seed_rows(r4=["4.1", "150 CĐCS khối doanh nghiệp", "02", "01", "01"])
    plan = plan_for(write_sheet(tmp_path / "t.xlsx", rows=rows), seed_campaign())
    assert plan.errors == []
    assert [w.row for w in plan.warnings] == [FIRST_DATA_ROW + 4]
    assert "150" in str(plan.warnings[0]) and "152" in str(plan.warnings[0])


def test_a_unit_named_in_the_title_sets_the_scope(demo, tmp_path):
    path = write_sheet(tmp_path / "t.xlsx", title=["LIÊN ĐOÀN LAO ĐỘNG HUYỆN GIA LÂM", "Danh sách phân bổ chỉ tiêu"])
    # "Liên đoàn Lao động" is not how the tree names it; the named units still give Gia Lâm.
    assert plan_for(path, seed_campaign()).scope == gia_lam()
    path = write_sheet(tmp_path / "t2.xlsx", title=["LĐLĐ huyện Gia Lâm", "Danh sách phân bổ chỉ tiêu"])
    parsed = read_allocation_table(path)
    assert parsed.header_row == 3
    assert parsed.title == ["LĐLĐ huyện Gia Lâm", "Danh sách phân bổ chỉ tiêu"]
    assert plan_import(campaign=seed_campaign(), parsed=parsed).scope == gia_lam()


def test_a_file_that_is_not_a_workbook_is_an_error(demo, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"not a zip")
    parsed = read_allocation_table(str(path))
    assert parsed.errors and "Không đọc được tệp" in str(parsed.errors[0])
    assert plan_import(campaign=seed_campaign(), parsed=parsed).errors


def test_a_file_that_unzips_to_too_much_is_refused(demo, tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_UNPACKED_BYTES", 1000)
    parsed = read_allocation_table(write_sheet(tmp_path / "seed.xlsx"))
    assert [str(e) for e in parsed.errors] == ["Tệp quá lớn so với một bảng phân bổ."]


def test_the_upload_token_round_trips_and_refuses_tampering(tmp_path):
    from django.core.signing import BadSignature

    data = b"PK\x03\x04 some bytes"
    token = excel.sign_upload(data)
    assert excel.unsign_upload(token) == data
    with pytest.raises(BadSignature):
        excel.unsign_upload(token[:-2] + "xx")


# ---------------------------------------------------------------- the import command


def test_the_import_command_previews_applies_and_refuses_errors(demo, tmp_path):
    source = seed_campaign()
    target = empty_copy(source)
    path = write_sheet(tmp_path / "seed.xlsx")
    out = tmp_path / "out.txt"
    with open(out, "w") as stdout:
        call_command("import_allocations", path, "--campaign", target.slug, "--dry-run", stdout=stdout)
    text = out.read_text()
    assert "Chạy thử" in text and "Số thay đổi: 11" in text
    assert allocation_state(target) == ([], [], [])

    bad = write_sheet(tmp_path / "bad.xlsx", rows=seed_rows(r8=["4.5", "CĐ Không có", "20", "10", "10"]))
    with open(out, "w") as stdout, pytest.raises(CommandError, match="lỗi"):
        call_command("import_allocations", bad, "--campaign", target.slug, stdout=stdout)
    assert f"Dòng {FIRST_DATA_ROW + 8}" in out.read_text()
    assert allocation_state(target) == ([], [], [])

    with open(out, "w") as stdout:
        call_command("import_allocations", path, "--campaign", target.slug, stdout=stdout)
    assert "Đã nhập 11 thay đổi" in out.read_text()
    assert subtree_targets(gia_lam(), target) == {1: 2771, 2: 2571}

    with pytest.raises(CommandError):
        call_command("import_allocations", path, "--campaign", "khong-co", stdout=open(out, "w"))


# ---------------------------------------------------------------- exporting progress


def _export(tmp_path, campaign, **options):
    path = tmp_path / "tien-do.xlsx"
    with open(tmp_path / "out.txt", "w") as stdout:
        call_command("export_progress", "--campaign", campaign.slug, "-o", str(path), stdout=stdout, **options)
    return path


def test_the_progress_export_reproduces_the_pages_figures(demo, tmp_path):
    campaign = Campaign.objects.get(is_open=True)  # the demo's initiatives are in it
    path = _export(tmp_path, campaign)  # HOME_UNIT_CODE: Gia Lâm
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Phân bổ và tiến độ", "Tóm tắt giai đoạn", "Đơn vị chậm tiến độ"]
    ws = workbook["Phân bổ và tiến độ"]
    assert ws["A1"].value == "LĐLĐ huyện Gia Lâm"
    assert ws["A2"].value == campaign.name
    assert ws["A3"].value.startswith("Ngày xuất: ")
    assert ws["A5"].value == "TT" and ws["A5"].font.bold and ws["B5"].font.bold
    assert ws["C5"].value == "Tổng số sáng kiến/đơn vị"
    assert ws.freeze_panes == "C6"
    assert ws.auto_filter.ref.startswith("A5:")
    assert ws.column_dimensions["B"].width >= 30

    headers = [c.value for c in ws[5]]
    rows = list(ws.iter_rows(min_row=6, values_only=True))
    total = dict(zip(headers, rows[-1]))
    assert total["Tên đơn vị"] == "Tổng cộng"
    p1, p2 = headers[3], headers[4]
    assert (total["Tổng số sáng kiến/đơn vị"], total[p1], total[p2]) == (5342, 2771, 2571)
    _groups, expected = progress.table(gia_lam(), campaign)
    for n in (1, 2):
        assert total[f"Đã nộp GĐ{n}"] == expected.phases[n].submitted
        assert total[f"Được công nhận GĐ{n}"] == expected.phases[n].approved
    assert total["Đã nộp (tổng)"] == expected.total.submitted > 0
    assert total["Được công nhận (tổng)"] == expected.total.approved > 0
    assert total["Tỷ lệ (tổng)"] == pytest.approx(expected.total.approved / 5342)
    ratio_col = headers.index("Tỷ lệ GĐ1") + 1
    assert ws.cell(row=6 + len(rows) - 1, column=ratio_col).number_format == "0.0%"
    assert ws.cell(row=6 + len(rows) - 1, column=3).number_format == "#,##0"

    # Grouped by block like the seed: headings 1–4 carrying their subtotals, units 4.1, 4.2, …
    blocks = [r for r in rows if r[0] and "." not in r[0]]
    assert [r[:2] for r in blocks] == [("1", "Khối xã, thị trấn"), ("2", "Khối HCSN"), ("3", "Khối trường học"),
                                       ("4", "Khối doanh nghiệp")]
    assert [r[2] for r in blocks] == [44, 70, 3444, 1784]
    assert sum(r[2] for r in blocks) == 5342
    assert sum(1 for r in rows if r[0] and r[0].startswith("4.")) == 159

    summary = list(workbook["Tóm tắt giai đoạn"].iter_rows(min_row=6, values_only=True))
    assert [r[3] for r in summary] == [2771, 2571]
    assert summary[0][1] == dt.datetime.combine(campaign.phases.get(number=1).starts_on, dt.time())

    lagging = workbook["Đơn vị chậm tiến độ"]
    assert lagging["A5"].value == "TT" and lagging["B5"].value == "Đơn vị"


def test_the_lagging_sheet_lists_progress_lagging_for_the_current_phase(demo, tmp_path):
    campaign = Campaign.objects.get(is_open=True)
    phase = campaign.phases.get(number=1)
    today = phase.ends_on  # the whole phase has gone by: every unit short of its target lags
    path = tmp_path / "t.xlsx"
    excel.write_progress_workbook(unit=gia_lam(), campaign=campaign, out=path, today=today)
    rows = list(openpyxl.load_workbook(path)["Đơn vị chậm tiến độ"].iter_rows(min_row=6, values_only=True))
    groups, _total = progress.table(gia_lam(), campaign)
    expected = progress.lagging([r for g in groups for r in g.rows], phase, today)
    assert len(rows) == len(expected) > 0
    assert [r[1] for r in rows] == [row.unit.name for row, _due in expected]
    assert [r[4] for r in rows] == [round(due, 1) for _row, due in expected]


def test_a_unit_name_that_looks_like_a_formula_is_written_as_text(demo, tmp_path):
    campaign = Campaign.objects.get(is_open=True)
    unit = Unit.objects.get(code="GLA-XA-01")
    unit.name = '=HYPERLINK("x")'
    unit.save()
    Unit.objects.filter(code="GLA-XA-02").update(name="+84 912 000 000")
    Unit.objects.filter(code="GLA-XA-03").update(name="@SUM(A1)")
    path = _export(tmp_path, campaign)
    ws = openpyxl.load_workbook(path)["Phân bổ và tiến độ"]
    cells = {c.value: c for row in ws.iter_rows(min_col=2, max_col=2) for c in row}
    for text in ('=HYPERLINK("x")', "+84 912 000 000", "@SUM(A1)"):
        assert text in cells
        assert cells[text].data_type == "s"  # a string, not a formula ("f")
    # Also in the raw XML: an inline string, no <f> element.
    import zipfile

    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "HYPERLINK" in xml


def test_the_export_of_a_province_lists_its_children(demo, tmp_path):
    campaign = Campaign.objects.get(is_open=True)
    path = _export(tmp_path, campaign, unit="T01")
    rows = list(openpyxl.load_workbook(path)["Phân bổ và tiến độ"].iter_rows(min_row=6, values_only=True))
    assert [r[:3] for r in rows] == [("1", "LĐLĐ huyện Gia Lâm", 5342), (None, "Tổng cộng", 5342)]


def test_the_export_command_refuses_an_unknown_unit(demo, tmp_path):
    with pytest.raises(CommandError):
        _export(tmp_path, seed_campaign(), unit="KHONG-CO")
