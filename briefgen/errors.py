"""The one family of exceptions briefgen raises for problems a user can fix.

The CLI prints them without a traceback; library callers get the structured
problems (path, line, column, message) to report however they like.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class BriefgenError(Exception):
    """A problem the user can fix; its message says what to do."""


class CaseError(BriefgenError):
    """A case file (or rule file) with one or more problems, all reported at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
