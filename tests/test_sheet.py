"""briefgen sheet: tidy tables out, a colleague's edits back in, nothing else touched."""
from __future__ import annotations

import difflib
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from briefgen.case import load_case
from briefgen.sheet import TABLES
from conftest import EXAMPLE_CASES, HIRING, run

ROOT = Path(__file__).parent.parent
EXAMPLES = EXAMPLE_CASES  # named: a user's own cases in cases/ are not part of the suite


def changed(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [d[2:] for d in diff if d.startswith("- ")], [d[2:] for d in diff if d.startswith("+ ")]


@pytest.fixture
def hiring(tmp_path):
    case = tmp_path / "hiring.md"
    case.write_text(HIRING)
    book = tmp_path / "hiring.xlsx"
    assert run("sheet", "export", str(case), "-o", str(book)).exit_code == 0
    return case, book


def edit(book: Path, sheet: str, cells: dict[str, object]) -> None:
    workbook = load_workbook(book)
    for ref, value in cells.items():
        workbook[sheet][ref] = value
    workbook.save(book)


def sheet_rows(book: Path, sheet: str) -> list[list]:
    return [list(row) for row in load_workbook(book)[sheet].iter_rows(values_only=True)]


def test_the_workbook_holds_every_table_as_tidy_rows(hiring):
    _, book = hiring
    workbook = load_workbook(book)
    assert workbook.sheetnames == list(TABLES)
    assert sheet_rows(book, "issues")[:2] == [
        ["id", "label", "unit", "kind", "rank", "weight", "their rank", "their weight"],
        ["salary", "Base salary", "USD", "range", None, None, None, None]]
    assert sheet_rows(book, "options")[1] == ["remote_days", 1, "1 day", None, None]
    assert sheet_rows(book, "ranges")[1] == ["salary", 90000, 110000, 1000, None, None, None, None]
    assert sheet_rows(book, "our points")[1:3] == [["salary", 90000, None, 40], ["salary", 110000, None, 0]]
    assert sheet_rows(book, "their points")[3] == ["remote_days", 1, "1 day", 0]
    assert sheet_rows(book, "targets")[1:3] == [["reservation", 40], ["aspiration", 70]]
    assert sheet_rows(book, "constituencies")[1][:7] == ["partner", "Rivera's partner", "them", "influence", "skeptical",
                                                          False, "remote_days >= 2"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_an_unedited_sheet_changes_nothing(example, tmp_path):
    case = tmp_path / example.name
    case.write_bytes(example.read_bytes())
    for suffix in (".xlsx", ".csv"):
        book = tmp_path / f"tables{suffix}"
        assert run("sheet", "export", str(case), "-o", str(book)).exit_code == 0
        result = run("sheet", "import", str(book), str(case))
        assert (result.exit_code, result.output.startswith("no changes")) == (0, True), result.output
    assert case.read_bytes() == example.read_bytes()


def test_edits_come_back_exactly_and_keep_the_comments(hiring):
    case, book = hiring
    edit(book, "options", {"C3": "Two days", "D2": 90})
    edit(book, "our points", {"D3": 5, "A12": "salary", "B12": 100000, "D12": 20})  # 110000 -> 5, and a new anchor
    edit(book, "their points", {"D5": 14.5})
    edit(book, "targets", {"B3": 68})
    edit(book, "issues", {"E3": 1})
    edit(book, "constituencies", {"E2": "neutral", "G2": "remote_days >= 2\nterm <= 2"})
    result = run("sheet", "import", str(book), str(case))
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote 8 changes from {book} into {case}\n"
    removed, added = changed(HIRING, case.read_text())
    assert removed == [
        "    points: {90000: 40, 110000: 0}                 # ours: piecewise-linear between anchors",
        '      - {value: 1, label: "1 day",  points: 35, their_points: 0}',
        '      - {value: 2, label: "2 days", points: 30, their_points: 15}',
        "  aspiration: 70               # the score MESO packages are built at (default: 75% of the best possible score)",
        "    stance: skeptical          # champion | supportive | neutral | skeptical | opposed | unknown",
        '    requires: ["remote_days >= 2"]     # conditions this constituency needs to accept (its win-set)',
    ]
    assert added == [
        "    points: {90000: 40, 100000: 20, 110000: 5}                 # ours: piecewise-linear between anchors",
        '      - {value: 1, label: "1 day",  points: 35, their_points: 0, rating: 90}',
        '      - {value: 2, label: "Two days", points: 30, their_points: 14.5}',
        "    rank: 1",  # after the issue's last line
        "  aspiration: 68               # the score MESO packages are built at (default: 75% of the best possible score)",
        "    stance: neutral            # champion | supportive | neutral | skeptical | opposed | unknown",
        '    requires: ["remote_days >= 2", "term <= 2"]     # conditions this constituency needs to accept (its win-set)',
    ]
    loaded = load_case(case)
    assert loaded.issue("remote_days").options[1].label == "Two days"
    assert loaded.constituencies[0].requires == ("remote_days >= 2", "term <= 2")


def test_an_emptied_cell_removes_an_optional_value(hiring):
    case, book = hiring
    edit(book, "their points", {"D3": None, "D2": None})  # salary's estimate: no anchors left
    edit(book, "issues", {"C2": None})
    assert run("sheet", "import", str(book), str(case)).exit_code == 0
    removed, added = changed(HIRING, case.read_text())
    assert [line.split("#")[0].strip() for line in removed] == ["unit: USD", "their_points: {90000: 0, 110000: 40}"]
    assert added == []
    assert load_case(case).issue("salary").their_points_assumed


def test_a_label_that_looks_like_a_formula_stays_text(hiring, tmp_path):
    case, book = hiring
    edit(book, "options", {"C2": "'=1+1"})
    wb = load_workbook(book)
    cell = wb["options"]["C2"]
    cell.value, cell.data_type = "=HYPERLINK(\"http://x\")", "s"
    wb.save(book)
    assert run("sheet", "import", str(book), str(case)).exit_code == 0
    assert load_case(case).issue("remote_days").options[0].label == '=HYPERLINK("http://x")'
    again = tmp_path / "again.xlsx"
    assert run("sheet", "export", str(case), "-o", str(again)).exit_code == 0
    with zipfile.ZipFile(again) as z:
        sheets = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets and "HYPERLINK" in sheets
    assert load_workbook(again)["options"]["C2"].data_type == "s"
    csv_file = tmp_path / "issues.csv"
    text = HIRING.replace("label: Base salary", 'label: "=cmd|\' /C calc\'!A0"')
    case.write_text(text)
    assert run("sheet", "export", str(case), "-o", str(csv_file)).exit_code == 0
    assert "salary,'=cmd|' /C calc'!A0,USD" in csv_file.read_text(encoding="utf-8-sig")
    assert run("sheet", "import", str(csv_file), str(case)).output.startswith("no changes")


@pytest.mark.parametrize("sheet, cells, message", [
    ("options", {"D2": "lots"}, "sheet 'options', row 2, column D (rating): 'lots' is not a number"),
    ("options", {"D2": 120}, "sheet 'options', row 2, column D (rating): Input should be less than or equal to 100"),
    ("options", {"B2": 7}, "sheet 'options', row 2, column B (value): 7 is not an option of 'remote_days'"),
    ("our points", {"D5": "=D4*2"}, "sheet 'our points', row 5, column D: a formula; type the value itself"),
    ("our points", {"C4": "One day"}, "sheet 'our points', row 4, column C (label): this column only shows '1 day'"),
    ("constituencies", {"D2": "vetoes"}, "sheet 'constituencies', row 2, column D (power): Input should be 'ratify'"),
    ("issues", {"A3": "remote"}, "sheet 'issues', row 3, column A (id): 'remote' is not an issue of the case"),
    ("issues", {"I1": "owner"}, "sheet 'issues', row 1, column I: 'owner' is not a column of this sheet"),
    ("targets", {"A4": "walkaway"}, "sheet 'targets', row 4, column A (target): 'walkaway' is not a target"),
])
def test_a_cell_that_cannot_be_read_is_named_and_nothing_is_written(hiring, sheet, cells, message):
    case, book = hiring
    edit(book, sheet, cells)
    edit(book, "targets", {"B3": 69})  # a good edit beside the bad one is not written either
    result = run("sheet", "import", str(book), str(case))
    assert result.exit_code == 1
    assert message in result.output
    assert case.read_text() == HIRING


def test_values_the_case_refuses_are_reported_at_the_case_line_and_not_written(hiring):
    case, book = hiring
    edit(book, "targets", {"B2": 80})  # reservation above aspiration
    result = run("sheet", "import", str(book), str(case))
    assert result.exit_code == 1
    assert "nothing was written: with the new values, targets: reservation 80 is above aspiration 70" in result.output
    assert case.read_text() == HIRING


def test_hostile_files_are_refused_before_they_are_unpacked(hiring, tmp_path):
    case, _ = hiring
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * 60_000_000)
    assert bomb.stat().st_size < 1_000_000
    assert "unpacks to more than 50 MB" in run("sheet", "import", str(bomb), str(case)).output
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    assert "not a readable .xlsx workbook" in run("sheet", "import", str(junk), str(case)).output
    entity = tmp_path / "entity.xlsx"
    _, book = hiring
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(entity, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                        + data.replace(b"Base salary", b"&b;"))
            target.writestr(name, data)
    result = run("sheet", "import", str(entity), str(case))
    assert result.exit_code == 1 and "it declares XML entities or a DTD, which briefgen refuses" in result.output
    assert case.read_text() == HIRING


def test_the_issues_table_as_csv(hiring, tmp_path):
    case, _ = hiring
    table = tmp_path / "issues.csv"
    assert run("sheet", "export", str(case), "-o", str(table)).exit_code == 0
    text = table.read_text(encoding="utf-8-sig")
    table.write_text(text.replace("Base salary,USD,range,", "Annual base salary,USD,range,2").replace(
        "Contract length,,options,", "Contract length,,options,1"), encoding="utf-8")
    result = run("sheet", "import", str(table), str(case))
    assert result.exit_code == 0, result.output
    loaded = load_case(case)
    assert (loaded.issue("salary").label, loaded.issue("salary").rank, loaded.issue("term").rank) == (
        "Annual base salary", 2, 1)
    table.write_text(text.replace("Base salary,USD,range,", "Base salary,USD,options,"), encoding="utf-8")
    assert "sheet 'issues', row 2, column D (kind): this column only shows 'range'" in run(
        "sheet", "import", str(table), str(case)).output


# --- many edits, generated -------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LABELS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda t: t == t.strip() and t.strip())


@st.composite
def edits(draw):
    """An example case and some of its option labels, ratings and points changed."""
    example = draw(st.sampled_from(EXAMPLES))
    case = load_case(example)
    options = [(i, n) for i, issue in enumerate(case.issues) for n in range(len(issue.options or ()))]
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=6, unique=True))
    changes = []
    for i, n in chosen:
        field = draw(st.sampled_from(["label", "rating", "points"]))
        value = (draw(LABELS) if field == "label" else draw(st.integers(0, 100)) if field == "rating"
                 else round(case.issues[i].options[n].points + draw(st.floats(0.5, 20)), 2))
        changes.append((i, n, field, value))
    return example, changes


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edit_set=edits())
def test_generated_edits_change_exactly_those_values(tmp_path_factory, edit_set):
    example, changes = edit_set
    folder = tmp_path_factory.mktemp("edits")
    case, book = folder / example.name, folder / "tables.xlsx"
    case.write_bytes(example.read_bytes())
    before = load_case(case)
    assert run("sheet", "export", str(case), "-o", str(book)).exit_code == 0
    workbook = load_workbook(book)
    option_rows = {(r[0], r[1]): k for k, r in enumerate(workbook["options"].iter_rows(values_only=True), start=1)}
    point_rows = {(r[0], r[1]): k for k, r in enumerate(workbook["our points"].iter_rows(values_only=True), start=1)}
    expected = before.model_dump(by_alias=True)
    for i, n, field, value in changes:
        issue = before.issues[i]
        key = (issue.id, issue.options[n].value)
        sheet, row, column = (("our points", point_rows[key], 4) if field == "points"
                              else ("options", option_rows[key], 3 if field == "label" else 4))
        cell = workbook[sheet].cell(row, column)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"
        expected["issues"][i]["options"][n][field] = value
    workbook.save(book)
    result = run("sheet", "import", str(book), str(case))
    assert result.exit_code == 0, result.output
    after = load_case(case)
    assert after.model_dump(by_alias=True) == expected
    comments = [line for line in example.read_text().splitlines() if line.lstrip().startswith("#")]
    assert all(line in case.read_text().splitlines() for line in comments)
    assert after.body == before.body
