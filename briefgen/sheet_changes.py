"""From the cells of an edited workbook to changes of the case file.

Each row is found by the columns that identify it (an issue id, an option's
value, a constituency id); each cell is checked against the case format's
own field type (pydantic's adapter for that field), and a value becomes a
change only where it differs from what the case says, so an unedited sheet
changes nothing and an edited one changes exactly the edited values.
"""
from __future__ import annotations

import functools

from briefgen.case import Case
from briefgen.edits import DELETE
from briefgen.errors import CaseError, Problem
from briefgen.sheet import KEY, SHOWN, TABLES, Column, rows
from briefgen.sheet_read import Cell, Table


def changes_from(case: Case, tree, tables: dict[str, Table], source: str) -> dict:
    """The case-file changes the tables ask for: only values that differ from the case."""
    reading = _Reading(case, tree, source)
    for table, table_rows in tables.items():
        getattr(reading, "_" + table.replace(" ", "_"))(table_rows)
    if reading.problems:
        raise CaseError(reading.problems)
    return reading.changes


MISSING = object()


@functools.lru_cache(maxsize=None)
def _adapter(model, field: str):
    from pydantic import TypeAdapter

    return TypeAdapter(model.model_fields[field].annotation)


class _Reading:
    def __init__(self, case: Case, tree, source: str):
        self.case, self.tree, self.source = case, tree, source
        self.changes: dict = {}
        self.problems: list[Problem] = []
        self.exported = {table: rows(case, table) for table in TABLES}

    # -- cells --
    def problem(self, cell: Cell, message: str) -> None:
        self.problems.append(Problem(self.source, cell.row, cell.column, f"{cell.where}: {message}"))

    def parse(self, cell: Cell, column: Column, model=None, field: str | None = None):
        """The cell's value as the case format types it; MISSING (reported) if it cannot be read."""
        value = cell.value
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if model is not None and model.model_fields[field].is_required():
                self.problem(cell, f"{column.name} needs a value")
                return MISSING
            return None
        if column.kind == "number":
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    self.problem(cell, f"'{value}' is not a number")
                    return MISSING
            if isinstance(value, bool):
                self.problem(cell, "a true/false value where a number goes")
                return MISSING
            if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
                value = int(value)
        elif column.kind == "bool":
            words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
            value = value if isinstance(value, bool) else words.get(str(value).strip().lower(), MISSING)
            if value is MISSING:
                self.problem(cell, "write TRUE or FALSE")
                return MISSING
        elif column.kind == "lines":
            value = [line.strip() for line in str(value).splitlines() if line.strip()]
        elif not isinstance(value, str):
            value = str(int(value) if isinstance(value, float) and value.is_integer() else value)
        if model is not None:
            try:
                value = _adapter(model, field).validate_python(value)
            except Exception as error:  # pydantic's ValidationError: say what it says
                message = error.errors()[0]["msg"] if hasattr(error, "errors") else str(error)
                self.problem(cell, f"{message.removeprefix('Value error, ')} (was {value!r})")
                return MISSING
        return list(value) if isinstance(value, tuple) else value

    def set(self, path: tuple, old, new) -> None:
        """Change the file's value at `path` from `old` (as exported) to `new` (None: removed)."""
        if new is MISSING or _same(old, new):
            return
        self.changes[path] = DELETE if new is None else new

    # -- keys --
    def issue_index(self, cell: Cell) -> int | None:
        ids = [issue.id for issue in self.case.issues]
        key = str(cell.value).strip() if cell.value is not None else ""
        if key not in ids:
            self.problem(cell, f"'{key}' is not an issue of the case ({', '.join(ids)}); the sheet edits values, "
                               "add or rename issues in the case file")
            return None
        return ids.index(key)

    def option_index(self, issue_at: int, cell: Cell) -> int | None:
        issue = self.case.issues[issue_at]
        for n, option in enumerate(issue.options or ()):
            if _same_value(option.value, cell.value):
                return n
        self.problem(cell, f"{cell.value!r} is not an option of '{issue.id}'; the sheet edits values, "
                           "add or rename options in the case file")
        return None

    def check_shown(self, cell: Cell, shown) -> None:
        if not _same(shown, None if cell.value in (None, "") else cell.value):
            self.problem(cell, f"this column only shows {shown!r}; change it on the sheet or in the case file where it is set")

    def once(self, seen: set, key, cell: Cell) -> bool:
        if key in seen:
            self.problem(cell, "a second row for the same thing; keep one")
            return False
        seen.add(key)
        return True

    # -- the tables --
    def _issues(self, table: Table) -> None:
        from briefgen.case_model import Issue

        seen = set()
        for row in table:
            at = self.issue_index(row["id"])
            if at is None or not self.once(seen, at, row["id"]):
                continue
            old = dict(zip((c.name for c in TABLES["issues"]), self.exported["issues"][at]))
            for column in TABLES["issues"]:
                if column.name not in row or column.kind == KEY:
                    continue
                if column.kind == SHOWN:
                    self.check_shown(row[column.name], old[column.name])
                    continue
                self.set(("issues", at, column.field), old[column.name], self.parse(row[column.name], column, Issue, column.field))

    def _options(self, table: Table) -> None:
        from briefgen.case_model import Option

        seen = set()
        for row in table:
            at = self.issue_index(row["issue"])
            if at is None:
                continue
            if self.case.issues[at].options is None:
                self.problem(row["issue"], f"'{self.case.issues[at].id}' is a range issue; it is on the ranges sheet")
                continue
            n = self.option_index(at, row["value"])
            if n is None or not self.once(seen, (at, n), row["value"]):
                continue
            option = self.case.issues[at].options[n]
            for column in TABLES["options"][2:]:
                if column.name in row:
                    self.set(("issues", at, "options", n, column.field), getattr(option, column.field),
                             self.parse(row[column.name], column, Option, column.field))

    def _ranges(self, table: Table) -> None:
        from briefgen.case_model import Issue, ValueRange

        seen = set()
        for row in table:
            at = self.issue_index(row["issue"])
            if at is None or not self.once(seen, at, row["issue"]):
                continue
            issue = self.case.issues[at]
            if issue.range is None:
                self.problem(row["issue"], f"'{issue.id}' has options, not a range; it is on the options sheet")
                continue
            for column in TABLES["ranges"][1:]:
                if column.name not in row:
                    continue
                if column.field in ValueRange.model_fields:
                    self.set(("issues", at, "range", column.field), getattr(issue.range, column.field),
                             self.parse(row[column.name], column, ValueRange, column.field))
                else:
                    self.set(("issues", at, column.field), getattr(issue, column.field),
                             self.parse(row[column.name], column, Issue, column.field))

    def _our_points(self, table: Table) -> None:
        self._points(table, "our points", "points")

    def _their_points(self, table: Table) -> None:
        self._points(table, "their points", "their_points")

    def _points(self, table: Table, name: str, key: str) -> None:
        from briefgen.case_model import Option

        column = TABLES[name][3]
        anchors: dict[int, dict] = {}
        seen = set()
        for row in table:
            if column.name not in row:
                break
            at = self.issue_index(row["issue"])
            if at is None:
                continue
            issue = self.case.issues[at]
            if issue.options is not None:
                n = self.option_index(at, row["value"])
                if n is None or not self.once(seen, (at, n), row["value"]):
                    continue
                option = issue.options[n]
                if "label" in row:
                    self.check_shown(row["label"], option.label)
                self.set(("issues", at, "options", n, key), getattr(option, key),
                         self.parse(row[column.name], column, Option, key))
                continue
            anchor = self.parse(row["value"], Column("value", "", "number"))
            points = self.parse(row[column.name], column)
            if anchor is None:
                self.problem(row["value"], "a range's points need the value they are for")
            if anchor in (None, MISSING) or points is MISSING or not self.once(seen, (at, anchor), row["value"]):
                continue
            current = anchors.setdefault(at, dict(getattr(issue, key) or {}))
            if points is None:
                current.pop(anchor, None)
            else:
                current[anchor] = points
        for at, current in anchors.items():
            old = dict(getattr(self.case.issues[at], key) or {})
            self.set(("issues", at, key), old, {k: current[k] for k in sorted(current)} or None)

    def _targets(self, table: Table) -> None:
        targets = type(self.case.targets)
        seen = set()
        for row in table:
            name = str(row["target"].value or "").strip()
            if name not in targets.model_fields:
                self.problem(row["target"], f"'{name}' is not a target; the targets are {', '.join(targets.model_fields)}")
                continue
            if "value" not in row or not self.once(seen, name, row["target"]):
                continue
            new = self.parse(row["value"], TABLES["targets"][1], targets, name)
            old = getattr(self.case.targets, name)
            if "targets" not in self.tree and new not in (None, MISSING) and not _same(old, new):
                self.changes[("targets",)] = {**self.changes.get(("targets",), {}), name: new}
            else:
                self.set(("targets", name), old, new)

    def _constituencies(self, table: Table) -> None:
        from briefgen.case_model import Constituency

        ids = [c.id for c in self.case.constituencies]
        seen = set()
        for row in table:
            key = str(row["id"].value or "").strip()
            if key not in ids:
                self.problem(row["id"], f"'{key}' is not a constituency of the case; the sheet edits values, "
                                        "add or rename constituencies in the case file")
                continue
            at = ids.index(key)
            if not self.once(seen, at, row["id"]):
                continue
            for column, old in zip(TABLES["constituencies"][1:], self.exported["constituencies"][at][1:]):
                if column.name in row:
                    new = self.parse(row[column.name], column, Constituency, column.field)
                    if column.kind == "lines":
                        old, new = old.splitlines(), (new or None)
                    self.set(("constituencies", at, column.field), old or None if column.kind == "lines" else old, new)


def _same(old, new) -> bool:
    if isinstance(old, bool) or isinstance(new, bool):
        return old is new or old == new and type(old) is type(new)
    if isinstance(old, (int, float)) and isinstance(new, (int, float)):
        return float(old) == float(new)
    return old == new


def _same_value(option_value, cell_value) -> bool:
    """An option's value against a cell: 2 matches 2, 2.0 and '2'; texts match without surrounding spaces."""
    if isinstance(option_value, str):
        return isinstance(cell_value, (str, int, float)) and str(cell_value).strip() == option_value
    if isinstance(cell_value, str):
        try:
            cell_value = float(cell_value)
        except ValueError:
            return False
    return isinstance(cell_value, (int, float)) and not isinstance(cell_value, bool) and float(cell_value) == option_value
