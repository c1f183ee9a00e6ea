"""Revealed preference: what their answers say about their points, and the estimate that agrees.

A choice of package X from an offered set says that, for them, X is worth at
least as much as every other package offered; a counter Q says Q is worth more
to them than every package offered. Each such statement is a `Comparison`.

The estimate keeps the shape of the case's own `their_points` on each issue
and changes only how much each issue weighs: issue i's points become
low_i + w_i * (points_i - low_i), with w = 1 the case's own estimate. The
weights are found by two linear programmes (HiGHS), with the issues' total
points to them held fixed so that no estimate can agree by making everything
worth nothing:
  1. the widest margin by which every comparison can hold; if none is
     positive, no reweighting agrees with their answers, and we say so;
  2. the weights nearest the case's own (least total change in points) that
     make every comparison hold by min(half that margin, 1% of the total).
The case file's own `their_points` is never edited: this is computed from
the rounds each time.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from briefgen.case import Case, Issue
from briefgen.case_model import FrozenDict

EPSILON = 1e-9


def readable(issue: Issue, value):
    """The value as our points can read it: itself, or, outside our range or options, the
    nearest value we have (None for a text that is not one of the options)."""
    if issue.value_problem(value) is None:
        return value
    if isinstance(value, str) or not issue.is_numeric:
        return None
    if issue.range is not None:
        return min(max(value, issue.range.min), issue.range.max)
    return min((option.value for option in issue.options), key=lambda v: abs(v - value))


def their_base(issue: Issue, value) -> float | None:
    """The case's estimate of their points for `value`, read as `readable` reads it."""
    value = readable(issue, value)
    return None if value is None else issue.their_points_for(value)


def differences(case: Case, better: Mapping, worse: Mapping) -> np.ndarray | None:
    """Per issue, how many more of the case's estimated points `better` gives them; None if unreadable."""
    out = []
    for issue in case.issues:
        a, b = their_base(issue, better[issue.id]), their_base(issue, worse[issue.id])
        if a is None or b is None:
            return None
        out.append(a - b)
    return np.array(out)


@dataclass(frozen=True)
class Comparison:
    """For them, `better` is worth at least as much as `worse` (said by round `round`)."""

    round: int
    better: Mapping
    worse: Mapping
    better_name: str  # "B", or "their counter"
    worse_name: str


def informative(case: Case, comparisons: Sequence[Comparison]) -> list[tuple[Comparison, np.ndarray]]:
    """The comparisons our model can read: scorable, and differing for them on some issue."""
    kept = []
    for comparison in comparisons:
        diff = differences(case, comparison.better, comparison.worse)
        if diff is not None and np.abs(diff).max(initial=0) > EPSILON:
            kept.append((comparison, diff))
    return kept


# --- the estimate --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """Our estimate of their points, updated by their answers (or the case's own, unchanged)."""

    before: Case  # the case as written
    case: Case  # the case with the updated their_points (the case itself when unchanged)
    weights: Mapping[str, float]  # issue id -> weight; 1 is the case's own
    consistent: bool
    conflict: str | None  # why no estimate agrees, when none does
    compared: int  # how many informative comparisons it agrees with

    @cached_property
    def changed(self) -> bool:
        return any(abs(w - 1) > 1e-6 for w in self.weights.values())

    def span(self, issue_id: str, updated: bool = True) -> float:
        """How many points the issue can be worth to them, best value against worst."""
        low, high = _their_bounds((self.case if updated else self.before).issue(issue_id))
        return high - low


def _their_bounds(issue: Issue) -> tuple[float, float]:
    points = [issue.their_points_for(v) for v in _anchor_values(issue)]
    return min(points), max(points)


def _anchor_values(issue: Issue) -> list:
    """The values that define an issue's points: its options, or its range's anchors."""
    if issue.options is not None:
        return [option.value for option in issue.options]
    anchors = issue.their_points if issue.their_points is not None else issue.points
    return sorted(anchors)


def spans(case: Case) -> np.ndarray:
    """Per issue, the points its best value is worth to them over its worst (the case's estimate)."""
    return np.array([high - low for low, high in map(_their_bounds, case.issues)])


def estimate(case: Case, comparisons: Sequence[Comparison]) -> Estimate:
    """The estimate nearest the case's own that agrees with every comparison, or the case's own and why none does."""
    rows = informative(case, comparisons)
    unchanged = {issue.id: 1.0 for issue in case.issues}
    if not rows:
        return Estimate(case, case, unchanged, True, None, 0)
    span = spans(case)
    matrix = np.array([diff for _, diff in rows])
    margin = _widest_margin(matrix, span)
    if margin is None or margin <= 1e-7 * max(span.sum(), 1):
        return Estimate(case, case, unchanged, False, _conflict(case, rows, span), len(rows))
    weights = _nearest_weights(matrix, span, min(margin / 2, 0.01 * span.sum()))
    weights = {issue.id: (1.0 if abs(w - 1) < 1e-7 else float(w)) for issue, w in zip(case.issues, weights)}
    return Estimate(case, reweighted(case, weights) if any(w != 1 for w in weights.values()) else case,
                    weights, True, None, len(rows))


def _widest_margin(matrix: np.ndarray, span: np.ndarray) -> float | None:
    """max t such that matrix @ w >= t, span @ w = span.sum(), w >= 0 (w = 1 where span is 0)."""
    n = len(span)
    # Columns: w_1..w_n, t. Maximise t.
    cost = np.r_[np.zeros(n), -1.0]
    lower = np.r_[np.zeros(n), -np.inf]
    upper = np.r_[np.where(span > 0, np.inf, 1.0), span.sum()]
    lower[:n] = np.where(span > 0, 0.0, 1.0)
    rows = [np.r_[row, -1.0] for row in matrix] + [np.r_[span, 0.0]]
    row_lower = np.r_[np.zeros(len(matrix)), span.sum()]
    row_upper = np.r_[np.full(len(matrix), np.inf), span.sum()]
    solution = _solve(cost, lower, upper, np.array(rows), row_lower, row_upper)
    return None if solution is None else float(solution[-1])


def _nearest_weights(matrix: np.ndarray, span: np.ndarray, margin: float) -> np.ndarray:
    """min sum span_i |w_i - 1| such that matrix @ w >= margin, span @ w = span.sum(), w >= 0."""
    n = len(span)
    # Columns: w_1..w_n, d_1..d_n with d_i >= |w_i - 1|.
    cost = np.r_[np.zeros(n), span]
    lower = np.r_[np.where(span > 0, 0.0, 1.0), np.zeros(n)]
    upper = np.r_[np.where(span > 0, np.inf, 1.0), np.full(n, np.inf)]
    eye = np.eye(n)
    rows = np.vstack([
        np.c_[matrix, np.zeros((len(matrix), n))],
        np.r_[span, np.zeros(n)][None, :],
        np.c_[eye, eye],   # w + d >= 1
        np.c_[-eye, eye],  # d - w >= -1
    ])
    row_lower = np.r_[np.full(len(matrix), margin), span.sum(), np.ones(n), -np.ones(n)]
    row_upper = np.r_[np.full(len(matrix), np.inf), span.sum(), np.full(2 * n, np.inf)]
    solution = _solve(cost, lower, upper, rows, row_lower, row_upper)
    if solution is None:  # cannot happen after a positive widest margin; keep the case's own
        return np.ones(n)
    return np.maximum(solution[:n], 0)


def _solve(cost, lower, upper, rows, row_lower, row_upper) -> np.ndarray | None:
    """Minimise cost @ x within the bounds; None where infeasible.

    highspy's `Highs` class prints a banner on creation (before any option can
    silence it), which would corrupt `--json` output: the core class is used.
    """
    import highspy

    lp = highspy.HighsLp()  # its infinity is the float's own
    lp.num_col_, lp.num_row_ = len(cost), len(rows)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost.astype(float), lower, upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    dense = np.asarray(rows, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.r_[0, np.cumsum((dense != 0).sum(axis=1))].astype(np.int32)
    lp.a_matrix_.index_ = np.nonzero(dense)[1].astype(np.int32)
    lp.a_matrix_.value_ = dense[dense != 0]
    solver = highspy._Highs()
    solver.setOptionValue("output_flag", False)
    solver.passModel(lp)
    solver.run()
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.array(solver.getSolution().col_value)


def _conflict(case: Case, rows, span) -> str:
    """Which answer no reweighting can square with the ones before it, in words."""
    from briefgen.terms import in_sentence

    for comparison, diff in rows:
        if diff.max() <= EPSILON:  # worse for them on every issue where they differ
            worse = [in_sentence(case.issues[k].name) for k in range(len(diff)) if diff[k] < -EPSILON]
            return (f"in round {comparison.round}, {comparison.better_name} over {comparison.worse_name}: by our estimate "
                    f"{comparison.better_name} is worse for them on every issue where the two differ "
                    f"({', '.join(worse)}), so our estimate of which way they lean on {'it' if len(worse) == 1 else 'them'} "
                    "is wrong, not just its weights")
    matrix = np.array([diff for _, diff in rows])
    for end in range(1, len(rows) + 1):
        margin = _widest_margin(matrix[:end], span)
        if margin is None or margin <= 1e-7 * max(span.sum(), 1):
            comparison = rows[end - 1][0]
            earlier = sorted({c.round for c, _ in rows[:end - 1]} - {comparison.round})
            said = ("the rest of that round's answer" if not earlier else f"what they said in round {earlier[0]}"
                    if len(earlier) == 1 else f"what they said in rounds {', '.join(map(str, earlier[:-1]))} and {earlier[-1]}")
            return (f"in round {comparison.round}, {comparison.better_name} over {comparison.worse_name} contradicts "
                    f"{said}: no weighting of the issues makes both true")
    return "their answers contradict each other"


def reweighted(case: Case, weights: Mapping[str, float]) -> Case:
    """The case with each issue's estimate of their points scaled by its weight above its lowest value."""
    issues = []
    for issue in case.issues:
        w = weights[issue.id]
        low, _ = _their_bounds(issue)
        scale = lambda points: low + w * (points - low)  # noqa: E731
        if issue.options is not None:
            options = tuple(o.model_copy(update={"their_points": scale(issue.their_points_for(o.value))})
                            for o in issue.options)
            issues.append(issue.model_copy(update={"options": options}))
        else:
            anchors = FrozenDict({x: scale(issue.their_points_for(x)) for x in _anchor_values(issue)})
            issues.append(issue.model_copy(update={"their_points": anchors}))
    return case.model_copy(update={"issues": tuple(issues)})


def their_points_json(estimate_: Estimate) -> dict:
    """{issue id: {value: points}}, values written as in the case file."""
    def key(value) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return {issue.id: {key(v): round(issue.their_points_for(v), 6) for v in _anchor_values(issue)}
            for issue in estimate_.case.issues}


# --- in words ------------------------------------------------------------------------------------

def pair_sentence(case: Case, better: Mapping, worse: Mapping, better_name: str, worse_name: str,
                  verb: str = "is") -> str:
    """What preferring `better` to `worse` says, issue against issue, hedged by how far apart
    our estimate puts them: `verb` is "is" for an answer given, "would be" for one foreseen."""
    diff = differences(case, better, worse)
    if diff is None:
        return f"{better_name} over {worse_name} cannot be read: a value in it is not one of our options"
    gains = [k for k in range(len(diff)) if diff[k] > EPSILON]
    losses = [k for k in range(len(diff)) if diff[k] < -EPSILON]
    if not gains and not losses:
        return f"{better_name} and {worse_name} are worth the same to them by our estimate: the choice between them says nothing"
    if not losses:
        return (f"{better_name} is at least as good for them as {worse_name} on every issue by our estimate, "
                "so preferring it tells little")
    if not gains:
        return (f"by our estimate {better_name} is worse for them than {worse_name} on every issue where they differ "
                f"({joined(_trade(case, worse, better, losses))}): preferring it means our estimate is wrong there")
    ahead = float(diff.sum())
    stake = float(np.abs(diff).sum())
    return (f"{joined(_trade(case, better, worse, gains))} {verb if len(gains) == 1 else _plural(verb)} worth more to "
            f"them than {joined(_trade(case, worse, better, losses))} ({_hedge(ahead, stake, better_name, worse_name)})")


def _hedge(ahead: float, stake: float, better_name: str, worse_name: str) -> str:
    """How much a preference teaches, by how far apart our estimate put the two."""
    if ahead >= 0.25 * stake:
        return f"our estimate already puts {better_name} {_points(ahead)} ahead: a weak signal"
    if ahead <= -0.25 * stake:
        return f"our estimate puts {worse_name} {_points(-ahead)} ahead: a strong signal"
    if _points(abs(ahead)) == "0 points":
        return "our estimate puts the two level: a clear signal"
    return f"our estimate puts the two within {_points(abs(ahead))}: a clear signal"


def _points(points: float) -> str:
    from briefgen.terms import format_points

    shown = format_points(points)
    return f"{shown} point{'' if shown == '1' else 's'}"


def _trade(case: Case, gets: Mapping, instead: Mapping, issues: list[int]) -> list[str]:
    from briefgen.terms import format_value, in_sentence

    locale = case.locale
    return [f"{in_sentence(case.issues[k].name)} of {format_value(case.issues[k], gets[case.issues[k].id], locale)} "
            f"instead of {format_value(case.issues[k], instead[case.issues[k].id], locale)}" for k in issues]


def joined(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _plural(verb: str) -> str:
    return {"is": "are"}.get(verb, verb)
