"""The value model: what a package is worth to us and (estimated) to them,
and whose conditions it meets.

All pure functions of a Case and a package (issue id -> value).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from briefgen.case import Case, Constituency, Package


def our_score(case: Case, package: Package) -> float:
    return sum(issue.our_points(package[issue.id]) for issue in case.issues)


def their_score(case: Case, package: Package) -> float:
    return sum(issue.their_points_for(package[issue.id]) for issue in case.issues)


def in_win_set(case: Case, package: Package, side: str) -> bool:
    """Would every ratifier and veto holder of `side` accept the package?"""
    return all(condition(package) for _, condition in case.blocking_conditions(side))


@dataclass(frozen=True)
class Verdict:
    """One constituency's view of a package: the conditions it meets and misses."""

    constituency: Constituency
    met: tuple[str, ...]
    missed: tuple[str, ...]

    @property
    def blocks(self) -> bool:
        return bool(self.missed) and self.constituency.can_block


@dataclass(frozen=True)
class Assessment:
    """A package scored for both sides and checked against every constituency."""

    package: Mapping[str, int | float | str]
    score: float
    their_score: float
    reservation: float | None
    aspiration: float
    verdicts: tuple[Verdict, ...]

    @property
    def below_reservation(self) -> bool:
        return self.reservation is not None and self.score < self.reservation

    @property
    def to_aspiration(self) -> float:
        """Points short of (negative) or beyond (positive) our aspiration."""
        return self.score - self.aspiration

    def in_win_set(self, side: str) -> bool:
        return not any(v.blocks for v in self.verdicts if v.constituency.side == side)

    def to_json(self) -> dict:
        return {
            "package": dict(self.package),
            "score": self.score,
            "their_score": self.their_score,
            "reservation": self.reservation,
            "aspiration": self.aspiration,
            "below_reservation": self.below_reservation,
            "to_aspiration": self.to_aspiration,
            "in_win_set": {"us": self.in_win_set("us"), "them": self.in_win_set("them")},
            "constituencies": [
                {
                    "id": v.constituency.id,
                    "name": v.constituency.display_name,
                    "side": v.constituency.side,
                    "power": v.constituency.power,
                    "can_block": v.constituency.can_block,
                    "met": list(v.met),
                    "missed": list(v.missed),
                }
                for v in self.verdicts
            ],
        }


def assess(case: Case, package: Package) -> Assessment:
    verdicts = []
    for constituency in case.constituencies:
        conditions = case.conditions[constituency.id]
        if conditions:
            verdicts.append(Verdict(
                constituency,
                met=tuple(str(c) for c in conditions if c(package)),
                missed=tuple(str(c) for c in conditions if not c(package)),
            ))
    return Assessment(
        package=dict(package),
        score=our_score(case, package),
        their_score=their_score(case, package),
        reservation=case.targets.reservation,
        aspiration=case.aspiration,
        verdicts=tuple(verdicts),
    )


def parse_package(case: Case, terms: list[str]) -> dict[str, int | float | str]:
    """`["salary=97000", "term=2"]` -> a complete package, held values filling gaps.

    Raises ValueError with a message that says what to type instead.
    """
    package = {**case.meso.hold, **read_terms(case, terms)}
    missing = [issue.id for issue in case.issues if issue.id not in package]
    if missing:
        raise ValueError(f"give a value for every issue; missing: {', '.join(missing)}")
    return package


def read_terms(case: Case, terms: list[str]) -> dict[str, int | float | str]:
    """`["salary=97000"]` -> {"salary": 97000}, each value checked against its issue."""
    by_id = {issue.id: issue for issue in case.issues}
    read: dict[str, int | float | str] = {}
    for term in terms:
        issue_id, sep, text = term.partition("=")
        if not sep:
            example = f", e.g. {case.issues[0].id}=..." if case.issues else ""
            raise ValueError(f"'{term}' is not issue=value{example}")
        issue = by_id.get(issue_id)
        if issue is None:
            raise ValueError(f"unknown issue '{issue_id}'; this case's issues: {', '.join(by_id)}")
        value = _value_from_text(issue, text)
        if (why := issue.value_problem(value)):
            raise ValueError(f"{term}: {why}")
        read[issue_id] = value
    return read


def _value_from_text(issue, text: str):
    """Read a command-line value as the issue's own kind (number or text)."""
    if not issue.is_numeric:
        return text
    try:
        number = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise ValueError(f"{issue.id}={text}: '{issue.id}' takes a number") from None
    return int(number) if number.is_integer() else number


def describe(case: Case, assessment: Assessment) -> str:
    """The assessment as the `score` command prints it."""
    from briefgen.terms import format_points as pts
    from briefgen.terms import format_value

    locale = case.locale
    lines = ["Package:"]
    lines += [f"  {issue.name}: {format_value(issue, assessment.package[issue.id], locale)}" for issue in case.issues]
    standing = []
    if assessment.reservation is not None:
        gap = assessment.score - assessment.reservation
        standing.append(f"{pts(abs(gap))} {'above' if gap >= 0 else 'BELOW'} our reservation ({pts(assessment.reservation)})")
    gap = assessment.to_aspiration
    standing.append(f"{pts(abs(gap))} {'above' if gap >= 0 else 'below'} our aspiration ({pts(assessment.aspiration)})")
    lines += ["", f"For us:   {pts(assessment.score)} points: {', '.join(standing)}"]
    assumed = [issue.name for issue in case.issues if issue.their_points_assumed]
    lines.append(f"For them: {pts(assessment.their_score)} points, our estimate"
                 + (f" (assumed opposite to ours for {', '.join(assumed)})" if assumed else ""))
    for side, who in (("us", "Our"), ("them", "Their")):
        if case.has_win_set(side):
            lines.append(f"{who} win-set: {'inside' if assessment.in_win_set(side) else 'OUTSIDE'}")
    if assessment.verdicts:
        lines += ["", "Constituencies:"]
        for v in assessment.verdicts:
            c = v.constituency
            role = f"{c.side}, {c.power}" + ("" if c.can_block else ", a preference")
            if v.missed:
                lines.append(f"  {'BLOCKS' if v.blocks else 'misses'}  {c.display_name} ({role}): {'; '.join(v.missed)}")
            else:
                lines.append(f"  meets   {c.display_name} ({role}): {'; '.join(v.met)}")
    return "\n".join(lines)
