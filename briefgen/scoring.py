"""The value model: what a package is worth to us and (estimated) to them,
and whose conditions it meets.

All pure functions of a Case and a package (issue id -> value).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from briefgen.case import Case, Constituency, Issue, Package


def our_score(case: Case, package: Package) -> float:
    return sum(our_points(issue, package[issue.id]) for issue in case.issues)


def their_score(case: Case, package: Package) -> float:
    return sum(their_points(issue, package[issue.id]) for issue in case.issues)


# --- terms outside what we listed: a counteroffer beyond our range or options --------------------

def outside(issue: Issue, value: object) -> str | None:
    """How `value` lies outside the range or options we listed for the issue (None if inside), as
    `score` and the brief flag it: '$120,000 is outside your range for salary: $90,000 to $110,000'."""
    if issue.value_problem(value) is None:
        return None
    if issue.range is not None:
        return (f"{issue.show(value)} is outside your range for {issue.id}: {issue.show(issue.range.min)} to "
                f"{issue.show(issue.range.max)}; scored conservatively")
    listed = ", ".join(issue.show(option.value) for option in issue.options)
    return f"{issue.show(value)} is not one of your options for {issue.id} ({listed}); scored conservatively"


def our_points(issue: Issue, value: object) -> float:
    """Our points for a value; conservatively outside what we listed: never more than the
    nearest end of the range (less where our points fall toward it: that stretch carries on
    past the end), and for a value that is not one of the options, our worst option's."""
    if issue.value_problem(value) is None:
        return issue.our_points(value)
    if issue.range is None:
        return min(option.points for option in issue.options)
    end = _nearest_end(issue, value)
    return min(issue.our_points(end), _carried_on(issue.our_points, issue.points, end, value))


def their_points(issue: Issue, value: object) -> float:
    """Our estimate of their points for a value; conservatively outside what we listed: never
    less than at the nearest end of the range (more where theirs rise toward it), and for a
    value that is not one of the options, their best option's."""
    if issue.value_problem(value) is None:
        return issue.their_points_for(value)
    if issue.range is None:
        return max(issue.their_points_for(option.value) for option in issue.options)
    end = _nearest_end(issue, value)
    return max(issue.their_points_for(end), _carried_on(issue.their_points_for, issue.their_points or issue.points,
                                                         end, value))


def _nearest_end(issue: Issue, value: float) -> float:
    return issue.range.max if value > issue.range.max else issue.range.min


def _carried_on(points_at, anchors, end: float, value: float) -> float:
    """The points at `end`, carried on to `value` beyond it along the stretch between `end` and the anchor next to it."""
    inner = max(a for a in anchors if a < end) if value > end else min(a for a in anchors if a > end)
    slope = (points_at(end) - points_at(inner)) / (end - inner)
    return points_at(end) + slope * (value - end)


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
    outside: tuple[str, ...] = ()  # the terms beyond our range or options, flagged (see `outside`)

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
            "outside": list(self.outside),
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
        outside=tuple(flag for issue in case.issues if (flag := outside(issue, package[issue.id]))),
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
    """`["salary=97000"]` -> {"salary": 97000}, each value read as its issue's kind (number or text).

    A value outside the issue's range or options is what the other side said: it is
    kept, and `outside` flags it."""
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
        read[issue_id] = _value_from_text(issue, text)  # outside our range or options: flagged, not refused
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
    lines += [f"  OUTSIDE: {flag}" for flag in assessment.outside]
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
