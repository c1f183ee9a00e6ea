"""Points without arithmetic: weights or ranks and ratings, turned into points.

A negotiator who has no points yet says, per issue, how much it matters and,
per value, how good it is; `briefgen points` does the arithmetic of an
additive value model, as decision-analysis texts teach it:

- **Issue weights.** Either swing weights (`weight`): what moving the issue
  from its worst to its best value is worth, compared with the other issues'
  swings (any positive numbers: 100 for the swing that matters most, the
  others as a share of it); each is divided by their sum. Or ranks (`rank`,
  1 = matters most): rank-order centroid weights, w_r = (1/n) * sum_{k=r..n} 1/k
  for n issues (Barron and Barrett, 1996); issues ranked the same share
  the mean of the centroid weights of the places they span. One side uses
  one of the two for all its issues.
- **Values.** An option's `rating` from 0 (the worst) to 100 (the best); a
  range issue's `best` and `worst` values, linear between them (and as good
  as the nearer of the two beyond them).
- **Points** = 100 x weight x value: the best possible package scores 100.
  Issue weights are rounded to 0.1 so that they add up to exactly 100
  (largest remainders), each point to 0.1.

Our estimate of their points (`their_weight` or `their_rank`,
`their_rating`, `their_best` and `their_worst`) works the same; where their
ratings or best and worst are missing they are assumed opposite to ours
(100 - our rating; best and worst swapped), and the result says so.
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from dataclasses import dataclass, field

from briefgen.case import Case, Issue
from briefgen.errors import CaseError, Problem

TOTAL = 100


@dataclass(frozen=True)
class SidePoints:
    """The points worked out for one side: 'ours' or 'theirs'."""

    side: str
    method: str  # "swing weights" or "rank-order centroid weights"
    weights: dict[str, float]  # issue id -> its share of TOTAL
    points: dict[str, dict]  # issue id -> {value: points}: every option, or the range's anchors
    assumed: tuple[str, ...] = field(default=())  # issue ids whose values were assumed opposite to ours


def compute(case: Case) -> list[SidePoints]:
    """Our points and our estimate of theirs, for each side the case gives weights or ranks for.

    Raises CaseError, each problem at its line, when an input is missing or mixed.
    """
    problems: list[Problem] = []
    sides = []
    for side, prefix in (("ours", ""), ("theirs", "their_")):
        given = [issue for issue in case.issues
                 if getattr(issue, prefix + "weight") is not None or getattr(issue, prefix + "rank") is not None]
        if not given:
            continue
        result = _side(case, side, prefix, problems)
        if result is not None:
            sides.append(result)
    if problems:
        raise CaseError(problems)
    if not sides:
        raise CaseError([Problem(case.path, case.line_of("issues") or 1, 1, (
            "no issue has a weight or a rank, so there is nothing to work out; give each issue `rank: 1`, "
            "`rank: 2`, ... (1 = matters most) or a `weight`, and each option a `rating` from 0 to 100 "
            "(a range issue: `best` and `worst` values); see the README's section on briefgen points"))])
    return sides


def _side(case: Case, side: str, prefix: str, problems: list[Problem]) -> SidePoints | None:
    def problem(index: int, key: str, message: str) -> None:
        line = case.line_of(f"issues.{index}.{key}") or case.line_of(f"issues.{index}") or 1
        problems.append(Problem(case.path, line, 1, message))

    before = len(problems)
    weights_given = {i.id: getattr(i, prefix + "weight") for i in case.issues if getattr(i, prefix + "weight") is not None}
    ranks_given = {i.id: getattr(i, prefix + "rank") for i in case.issues if getattr(i, prefix + "rank") is not None}
    for index, issue in enumerate(case.issues):
        both = issue.id in weights_given and issue.id in ranks_given
        if both or (weights_given and ranks_given):
            problem(index, prefix + ("rank" if issue.id in ranks_given else "weight"),
                    f"issues.{issue.id}: {side} issues are weighed either by {prefix}weight or by {prefix}rank, "
                    "not both; use one for every issue")
            break
    for index, issue in enumerate(case.issues):
        if issue.id not in weights_given and issue.id not in ranks_given:
            kind = prefix + ("weight" if weights_given else "rank")
            problem(index, "id", f"issues.{issue.id} has no {kind}; give every issue one once any has one")
    if len(problems) > before:
        return None
    if weights_given:
        method, raw = "swing weights", [weights_given[i.id] for i in case.issues]
    else:
        method, raw = "rank-order centroid weights", centroid_weights([ranks_given[i.id] for i in case.issues])
    shares = dict(zip((i.id for i in case.issues), rounded_shares(raw, TOTAL)))
    points, assumed = {}, []
    for index, issue in enumerate(case.issues):
        values, was_assumed = _values(issue, index, prefix, problem)
        if values is None:
            continue
        if was_assumed:
            assumed.append(issue.id)
        points[issue.id] = {value: _tenth(shares[issue.id] * v) for value, v in values.items()}
    if len(problems) > before:
        return None
    return SidePoints(side, method, shares, points, tuple(assumed))


def _values(issue: Issue, index: int, prefix: str, problem) -> tuple[dict | None, bool]:
    """Each value's worth on this issue from 0 to 1: the options', or the range anchors'."""
    if issue.options is not None:
        ratings = [getattr(option, prefix + "rating") for option in issue.options]
        if prefix and all(r is None for r in ratings) and all(o.rating is not None for o in issue.options):
            return {o.value: (100 - o.rating) / 100 for o in issue.options}, True
        missing = [o for o, r in zip(issue.options, ratings) if r is None]
        if missing:
            n = issue.options.index(missing[0])
            problem(index, f"options.{n}", f"issues.{issue.id}: option {missing[0].name!r} has no {prefix}rating; "
                    "rate every option from 0 (the worst) to 100 (the best)")
            return None, False
        return {o.value: r / 100 for o, r in zip(issue.options, ratings)}, False
    best, worst = getattr(issue, prefix + "best"), getattr(issue, prefix + "worst")
    assumed = False
    if prefix and best is None and worst is None and issue.best is not None and issue.worst is not None:
        best, worst, assumed = issue.worst, issue.best, True
    if best is None or worst is None:
        problem(index, "range", f"issues.{issue.id}: a range issue needs {prefix}best and {prefix}worst, "
                f"the values that are worth all and none of its weight (e.g. {prefix}best: {issue.range.min:g}, "
                f"{prefix}worst: {issue.range.max:g})")
        return None, False
    for key, value in ((prefix + "best", best), (prefix + "worst", worst)):
        if not assumed and not issue.range.min <= value <= issue.range.max:
            problem(index, key, f"issues.{issue.id}: {key} {value:g} is outside the range "
                    f"{issue.range.min:g} to {issue.range.max:g}")
            return None, False
    if best == worst:
        problem(index, prefix + "best", f"issues.{issue.id}: {prefix}best and {prefix}worst are both {best:g}; "
                "they must differ")
        return None, False
    anchors = sorted({issue.range.min, issue.range.max, best, worst})
    return {_number(x): min(max((x - worst) / (best - worst), 0.0), 1.0) for x in anchors}, assumed


def _tenth(x: float) -> float:
    """Rounded to 0.1, halves up as people round (5.55 -> 5.6, where float rounding gives 5.5); never -0."""
    return float(Decimal(repr(x)).quantize(Decimal("0.1"), ROUND_HALF_UP)) + 0.0


def _number(x: float):
    return int(x) if float(x).is_integer() else x


def centroid_weights(ranks: list[int]) -> list[float]:
    """Rank-order centroid weights for these ranks (1 = matters most); tied ranks share their places' mean."""
    n = len(ranks)
    by_place = [sum(1 / k for k in range(place, n + 1)) / n for place in range(1, n + 1)]
    order = sorted(range(n), key=lambda i: ranks[i])
    weights = [0.0] * n
    place = 0
    while place < n:
        tied = [i for i in order[place:] if ranks[i] == ranks[order[place]]]
        share = sum(by_place[place:place + len(tied)]) / len(tied)
        for i in tied:
            weights[i] = share
        place += len(tied)
    return weights


def rounded_shares(raw: list[float], total: int) -> list[float]:
    """`raw` scaled to add up to `total`, each to 0.1, by largest remainders (so the sum is exact)."""
    tenths = [w / sum(raw) * total * 10 for w in raw]
    floors = [math.floor(t) for t in tenths]
    short = total * 10 - sum(floors)
    for i in sorted(range(len(raw)), key=lambda i: floors[i] - tenths[i])[:short]:
        floors[i] += 1
    return [f / 10 for f in floors]


def changes(case: Case, sides: list[SidePoints]) -> dict[tuple, object]:
    """The values to write into the case file: points on each option, anchors on each range."""
    written = {}
    for result in sides:
        key = "points" if result.side == "ours" else "their_points"
        for index, issue in enumerate(case.issues):
            if issue.options is not None:
                for n, option in enumerate(issue.options):
                    written[("issues", index, "options", n, key)] = result.points[issue.id][option.value]
            else:
                written[("issues", index, key)] = dict(result.points[issue.id])
    return written


def describe(case: Case, sides: list[SidePoints]) -> str:
    """The result for approval: each issue's weight and each value's points."""
    from briefgen.terms import format_points, format_value

    lines = []
    for result in sides:
        whose = "Our points" if result.side == "ours" else "Their points (our estimate)"
        lines.append(f"{whose}, by {result.method}:")
        for issue in case.issues:
            note = "  (values assumed opposite to ours)" if issue.id in result.assumed else ""
            lines.append(f"  {issue.name}: weight {format_points(result.weights[issue.id])} of {TOTAL}{note}")
            for value, points in result.points[issue.id].items():
                shown = format_value(issue, value, case.locale)
                lines.append(f"    {shown}: {format_points(points)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def work_out(path, approve) -> str:
    """Work out the points of the case file at `path`, show them to `approve(text) -> bool`, and write them if approved."""
    from briefgen.edits import edit_case_file

    def changes_for(case: Case, tree):
        sides = compute(case)
        if not approve(describe(case, sides)):
            return {}, f"nothing written: {path} is as it was"
        whose = " and ".join("ours" if s.side == "ours" else "our estimate of theirs" for s in sides)
        return changes(case, sides), f"wrote the points ({whose}) into {path}"

    return edit_case_file(path, changes_for, provisional=_placeholder_points)


def _placeholder_points(tree) -> dict:
    """Points for the range issues that have none yet, so the case loads to be worked out (never written)."""
    placeholders = {}
    issues = tree.get("issues") if isinstance(tree, dict) else None
    for index, issue in enumerate(issues if isinstance(issues, list) else ()):
        if isinstance(issue, dict) and isinstance(issue.get("range"), dict) and "points" not in issue:
            low, high = issue["range"].get("min"), issue["range"].get("max")
            if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (low, high)):
                placeholders[("issues", index, "points")] = {low: TOTAL, high: TOTAL}
    return placeholders
