"""A case as tidy spreadsheet tables, and a colleague's edits back into the case file.

`export` writes one sheet per table (issues, options, ranges, our points,
their points, targets, constituencies), one row per thing and one column
per field, with the columns that identify a row shaded: those say which
issue, option or constituency a row is about and are not to be changed.
A `.csv` file holds the issues table alone.

`import_sheet` reads such a file back (sheet_read.py reads the cells,
sheet_changes.py checks them) and writes only the values that differ from the case into the case
file, in place (edits.py), so its comments, layout and everything the sheet
does not hold stay as they were. Rows left out change nothing; an emptied
cell removes an optional value.

Every text goes into a cell as text, never as a formula: a label that
starts with `=` stays a label in Excel and LibreOffice (and, in a CSV,
starts with a `'`, which the import removes again).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from briefgen.case import Case
from briefgen.errors import BriefgenError

KEY, SHOWN = "key", "shown"  # columns that identify a row; columns shown for reading only


@dataclass(frozen=True)
class Column:
    name: str
    field: str  # the case file's key for this value ('' for a shown-only column)
    kind: str  # "text", "number", "value", "lines", "bool", or KEY / SHOWN
    width: int = 14


TABLES: dict[str, tuple[Column, ...]] = {
    "issues": (Column("id", "id", KEY, 16), Column("label", "label", "text", 28), Column("unit", "unit", "text", 8),
               Column("kind", "", SHOWN, 9), Column("rank", "rank", "number", 7), Column("weight", "weight", "number", 8),
               Column("their rank", "their_rank", "number", 11), Column("their weight", "their_weight", "number", 12)),
    "options": (Column("issue", "", KEY, 16), Column("value", "value", KEY, 12), Column("label", "label", "text", 24),
                Column("rating", "rating", "number", 8), Column("their rating", "their_rating", "number", 12)),
    "ranges": (Column("issue", "", KEY, 16), Column("min", "min", "number", 10), Column("max", "max", "number", 10),
               Column("step", "step", "number", 8), Column("best", "best", "number", 10),
               Column("worst", "worst", "number", 10), Column("their best", "their_best", "number", 11),
               Column("their worst", "their_worst", "number", 11)),
    "our points": (Column("issue", "", KEY, 16), Column("value", "", KEY, 12), Column("label", "", SHOWN, 24),
                   Column("points", "points", "number", 9)),
    "their points": (Column("issue", "", KEY, 16), Column("value", "", KEY, 12), Column("label", "", SHOWN, 24),
                     Column("their points", "their_points", "number", 12)),
    "targets": (Column("target", "", KEY, 18), Column("value", "", "number", 10)),
    "constituencies": (Column("id", "id", KEY, 16), Column("name", "name", "text", 24), Column("side", "side", "text", 7),
                       Column("power", "power", "text", 10), Column("stance", "stance", "text", 11),
                       Column("audience", "audience", "bool", 10), Column("requires", "requires", "lines", 34),
                       Column("notes", "notes", "text", 40)),
}
CSV_TABLE = "issues"


def rows(case: Case, table: str) -> list[list]:
    """The table's rows for this case, in the case's order, as cell values (None: empty)."""
    if table == "issues":
        return [[i.id, i.label, i.unit, "range" if i.range else "options", i.rank, i.weight, i.their_rank, i.their_weight]
                for i in case.issues]
    if table == "options":
        return [[i.id, o.value, o.label, o.rating, o.their_rating] for i in case.issues for o in i.options or ()]
    if table == "ranges":
        return [[i.id, i.range.min, i.range.max, i.range.step, i.best, i.worst, i.their_best, i.their_worst]
                for i in case.issues if i.range]
    if table in ("our points", "their points"):
        key = "points" if table == "our points" else "their_points"
        table_rows = []
        for issue in case.issues:
            if issue.options is not None:
                table_rows += [[issue.id, o.value, o.label, getattr(o, key)] for o in issue.options]
            else:
                table_rows += [[issue.id, anchor, None, points] for anchor, points in sorted((getattr(issue, key) or {}).items())]
        return table_rows
    if table == "targets":
        return [[name, getattr(case.targets, name)] for name in type(case.targets).model_fields]
    if table == "constituencies":
        return [[c.id, c.name, c.side, c.power, c.stance, c.audience, "\n".join(c.requires), c.notes]
                for c in case.constituencies]
    raise ValueError(table)


def export(case: Case, target: Path) -> Path:
    """Write the case's tables to `target`: an .xlsx workbook, or the issues table as .csv."""
    from briefgen.build import write_atomically

    if target.suffix.lower() == ".csv":
        return write_atomically(target, _csv(case).encode("utf-8-sig"))  # the BOM tells Excel it is UTF-8
    if target.suffix.lower() != ".xlsx":
        raise BriefgenError(f"{target}: write an .xlsx workbook, or the issues table as .csv")
    return write_atomically(target, _workbook(case))


def _workbook(case: Case) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    book.remove(book.active)
    shaded = PatternFill("solid", fgColor="E8EBF0")
    for table, columns in TABLES.items():
        sheet = book.create_sheet(table)
        sheet.append([column.name for column in columns])
        for n, column in enumerate(columns, start=1):
            sheet.cell(1, n).font = Font(bold=True)
            sheet.column_dimensions[sheet.cell(1, n).column_letter].width = column.width
        for r, values in enumerate(rows(case, table), start=2):
            for n, (column, value) in enumerate(zip(columns, values), start=1):
                cell = sheet.cell(r, n)
                cell.value = _cell_value(value)
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula, whatever it starts with
                if column.kind in (KEY, SHOWN):
                    cell.fill = shaded
                if column.kind == "lines":
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    book.properties.creator = "briefgen"
    book.properties.title = case.title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_value(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as the start of a formula


def _csv(case: Case) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in TABLES[CSV_TABLE]])
    for values in rows(case, CSV_TABLE):
        writer.writerow(["" if v is None else ("'" + v if isinstance(v, str) and v.startswith(CSV_RISKY) else _cell_value(v))
                         for v in values])
    return out.getvalue()


def import_sheet(source: Path, case_path: Path) -> str:
    """Write the values `source` changes into the case file; return what was done."""
    from briefgen.edits import edit_case_file
    from briefgen.sheet_changes import changes_from
    from briefgen.sheet_read import read_tables

    tables = read_tables(source)

    def changes_for(case: Case, tree):
        changes = changes_from(case, tree, tables, str(source))
        if not changes:
            return {}, f"no changes: every value in {source} is as {case_path} has it"
        count = len(changes)
        return changes, f"wrote {count} change{'s' if count != 1 else ''} from {source} into {case_path}"

    return edit_case_file(case_path, changes_for)
