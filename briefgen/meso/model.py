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

    def to_json(self) -> dict:
        return {"level": self.level, "criterion": self.criterion, "message": self.message}


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

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def sendable(self) -> bool:
        """Whether the packages may go to the other side: none misses criterion 1 or 2."""
        return bool(self.packages) and not self.errors

    def to_json(self) -> dict:
        return {"packages": [p.to_json() for p in self.packages],
                "diagnostics": [d.to_json() for d in self.diagnostics]}
