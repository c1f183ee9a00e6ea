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
        # Case text quoted in a message must not act on the terminal or split the line.
        return f"{self.path}:{self.line}:{self.column}: {self.message.translate(CONTROL_CHARACTERS)}"


CONTROL_CHARACTERS = {n: f"\\x{n:02x}" for n in [*range(32), 127]} | {9: "\\t", 10: "\\n", 13: "\\r"}


class BriefgenError(Exception):
    """A problem the user can fix; its message says what to do."""


class UsageError(BriefgenError):
    """A command given wrong arguments (exit status 2); the message says what to type instead."""


class CaseError(BriefgenError):
    """A case file (or rule file) with one or more problems, all reported at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
