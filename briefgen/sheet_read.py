"""Reading an edited workbook (or the issues CSV) back, cell by cell, as untrusted input.

The file is bounded before anything is unpacked (its size, its zip entries and
their unpacked size, then rows, columns and characters per cell), formulas,
error cells and dates are refused, and every cell keeps where it was, so a
problem (here or in sheet_changes.py) names the sheet, the row and the column.
openpyxl parses the workbook's XML through defusedxml where it is installed
(briefgen depends on it): no entity expansion, no external entities.
"""
from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import CaseError, Problem
from briefgen.sheet import CSV_TABLE, KEY, TABLES

MAX_FILE_BYTES = 5_000_000
MAX_UNPACKED_BYTES = 50_000_000  # a zip bomb unpacks to far more
MAX_ENTRIES = 500
MAX_ROWS = 5_000  # 30 issues x 100 options is 3,000 rows
MAX_COLUMNS = 30
MAX_CELL_CHARS = 5_000


@dataclass(frozen=True)
class Cell:
    value: object  # str, int, float, bool or None (empty)
    where: str  # "sheet 'options', row 4, column D (rating)"
    row: int
    column: int


Table = list[dict[str, Cell]]  # one dict per row, by column name


def read_tables(source: Path) -> dict[str, Table]:
    """The known tables in `source` (.xlsx, or .csv for the issues table), their cells located."""
    shown = str(source)
    if not source.is_file():
        raise CaseError([Problem(shown, 1, 1, "no such file; give the .xlsx (or .csv) that briefgen sheet export wrote")])
    if source.stat().st_size > MAX_FILE_BYTES:
        raise CaseError([Problem(shown, 1, 1, f"the file is larger than {MAX_FILE_BYTES // 1_000_000} MB; "
                                              "a case's tables fit in far less")])
    problems: list[Problem] = []
    if source.suffix.lower() == ".csv":
        tables = {CSV_TABLE: _csv_table(source, problems)}
    elif source.suffix.lower() == ".xlsx":
        tables = _workbook_tables(source, problems)
    else:
        raise CaseError([Problem(shown, 1, 1, "not an .xlsx or .csv file")])
    if problems:
        raise CaseError(problems)
    return tables


def _workbook_tables(source: Path, problems: list[Problem]) -> dict[str, Table]:
    from openpyxl import load_workbook

    shown = str(source)
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise CaseError([Problem(shown, 1, 1, "not a readable .xlsx workbook (an .xlsx file is a zip archive); "
                                              "save it again as Excel Workbook (.xlsx)")]) from None
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise CaseError([Problem(shown, 1, 1, f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // 1_000_000} MB "
                                              f"or {MAX_ENTRIES} parts; briefgen does not open it")])
    try:
        book = load_workbook(source, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        from defusedxml import DefusedXmlException

        cause = error.__cause__ or error.__context__
        why = ("it declares XML entities or a DTD, which briefgen refuses (they can expand without bound)"
               if isinstance(cause, DefusedXmlException) else str(error).splitlines()[0])
        raise CaseError([Problem(shown, 1, 1, f"the workbook cannot be read: {why}; "
                                              "save it again as Excel Workbook (.xlsx)")]) from None
    try:
        tables = {}
        names = {name.strip().lower(): name for name in book.sheetnames}
        for table in TABLES:
            if table in names:
                grid = _grid(book[names[table]], table, shown, problems)
                tables[table] = _rows(grid, table, shown, problems)
        if not tables:
            problems.append(Problem(shown, 1, 1, f"no sheet briefgen knows; the sheets are {', '.join(TABLES)}"))
        return tables
    finally:
        book.close()


def _grid(sheet, table: str, shown: str, problems: list[Problem]) -> list[list]:
    """The sheet's cell values, row by row, with formulas and errors refused."""
    grid = []
    for r, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
        if r > MAX_ROWS + 1:
            problems.append(Problem(shown, r, 1, f"sheet '{table}' has more than {MAX_ROWS:,} rows; a case has far fewer"))
            break
        values = []
        for c, cell in enumerate(cells, start=1):
            value = getattr(cell, "value", None)
            kind = getattr(cell, "data_type", "n")
            if value is not None and c > MAX_COLUMNS:
                problems.append(Problem(shown, r, c, f"sheet '{table}', row {r}: more than {MAX_COLUMNS} columns"))
            elif kind == "f" or (isinstance(value, str) and kind != "s" and value.startswith("=")):
                problems.append(Problem(shown, r, c, f"{_where(table, r, c)}: a formula; type the value itself"))
                value = None
            elif kind == "e":
                problems.append(Problem(shown, r, c, f"{_where(table, r, c)}: an error value ({value}); type the value itself"))
                value = None
            elif isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
                problems.append(Problem(shown, r, c, f"{_where(table, r, c)}: a date or time, which no column here holds; "
                                                     "format the cell as a number or text"))
                value = None
            values.append(value)
        grid.append(values)
    return grid


def _csv_table(source: Path, problems: list[Problem]) -> Table:
    shown = str(source)
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseError([Problem(shown, 1, 1, "not UTF-8 text; save the CSV as CSV UTF-8")]) from None
    grid = []
    try:
        for r, values in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if r > MAX_ROWS + 1:
                problems.append(Problem(shown, r, 1, f"more than {MAX_ROWS:,} rows; a case has far fewer"))
                break
            grid.append([_from_csv(v) for v in values[:MAX_COLUMNS + 1]])
    except csv.Error as error:
        raise CaseError([Problem(shown, 1, 1, f"the CSV cannot be read: {error}")]) from None
    return _rows(grid, CSV_TABLE, shown, problems)


def _from_csv(value: str):
    """A CSV cell: empty is None; a `'` that export put before a formula-like text is taken off again."""
    if value == "":
        return None
    from briefgen.sheet import CSV_RISKY

    return value[1:] if value.startswith("'") and value[1:].startswith(CSV_RISKY) else value


def _rows(grid: list[list], table: str, shown: str, problems: list[Problem]) -> Table:
    """The grid's rows by column name, with the header checked."""
    if not grid:
        return []
    columns = {column.name: column for column in TABLES[table]}
    header = {}
    for c, name in enumerate(grid[0], start=1):
        key = str(name).strip().lower() if name is not None else ""
        if key in columns:
            header[c] = key
        elif key or any(len(row) >= c and row[c - 1] is not None for row in grid[1:]):
            known = ", ".join(columns)
            problems.append(Problem(shown, 1, c, f"{_where(table, 1, c)}: '{name or ''}' is not a column of this sheet; "
                                                 f"its columns are {known}"))
    for column in TABLES[table]:
        if column.kind == KEY and column.name not in header.values():
            problems.append(Problem(shown, 1, 1, f"sheet '{table}' has no column '{column.name}', which says what each row is"))
    table_rows = []
    for r, values in enumerate(grid[1:], start=2):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue  # a blank row
        for c, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                problems.append(Problem(shown, r, c, f"{_where(table, r, c)}: more than {MAX_CELL_CHARS:,} characters"))
        table_rows.append({name: Cell(values[c - 1] if c <= len(values) else None, _where(table, r, c, name), r, c)
                           for c, name in header.items()})
    return table_rows


def _where(table: str, row: int, column: int, name: str | None = None) -> str:
    from openpyxl.utils import get_column_letter

    return f"sheet '{table}', row {row}, column {get_column_letter(column)}" + (f" ({name})" if name else "")
