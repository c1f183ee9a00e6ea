"""What MESO construction and checking return: packages and diagnostics."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

EPSILON = 1e-9


@dataclass(frozen=True)
class Diagnostic:
    level: str  # "error" or "warning"
    criterion: str  # "1".."5", or "overload", "anchoring"
    message: str
    at: str | None = None  # the case-file key it concerns, dotted: "meso.offers.1", "constituencies.2.requires.0"

    def to_json(self) -> dict:
        return {"level": self.level, "criterion": self.criterion, "message": self.message}

    def position(self, case) -> tuple[int, int]:
        """Its line and column in the case file: at its key, else at the meso section, else the top."""
        for key in (self.at, "meso", "targets"):
            if key and (found := key_position(case, key)):
                return found
        return 1, 1


@dataclass(frozen=True)
class MesoPackage:
    label: str
    terms: Mapping[str, int | float | str]
    score: float
    their_score: float
    lead: str | None
    decoding: str

    def to_json(self) -> dict:
        return {"label": self.label, "terms": dict(self.terms), "score": self.score,
                "their_score": self.their_score, "lead": self.lead}


@dataclass(frozen=True)
class Meso:
    packages: tuple[MesoPackage, ...]
    diagnostics: tuple[Diagnostic, ...]
    constructed: bool  # False: the case's own meso.offers, checked
    bound: float | None = None  # built sets: no valid set gives them more points in all (their score summed)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def sendable(self) -> bool:
        """Whether the packages may go to the other side: none misses criterion 1 or 2."""
        return bool(self.packages) and not self.errors

    def to_json(self) -> dict:
        return {"packages": [p.to_json() for p in self.packages],
                "diagnostics": [d.to_json() for d in self.diagnostics], "bound": self.bound}


def key_position(case, key: str) -> tuple[int, int] | None:
    """The line and column of a key (dotted: 'issues.2.range.min') in the case file, or None."""
    line = case.line_of(key)
    return (line, _column(case, line, key)) if line else None


def _column(case, line: int, key: str) -> int:
    """Where on its line the key (or list item) starts: case files are indented YAML."""
    try:
        text = case.path and open(case.path, encoding="utf-8").read().splitlines()[line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return 1
    name = key.rsplit(".", 1)[-1]
    if not name.isdigit() and f"{name}:" in text:
        return text.index(f"{name}:") + 1
    stripped = text.lstrip(" ")
    return len(text) - len(stripped.removeprefix("- ").lstrip(" ")) + 1
