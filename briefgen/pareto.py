"""Both sides at once: the efficient frontier, the packages that improve on an agreement,
and the fair points of the frontier a mediator proposes.

Everything works on a `Market` (briefgen.meso.space): the two score functions are
`market.ours` and `market.theirs` (in a mediated case both true scores; otherwise ours and
our estimate of theirs), the win-sets are `market.formulas` (the blocking conditions of both
sides). A package is a choice of one value index per issue.

"Better" is measured with the market's epsilon (points may be written in dollars or in
percent: a difference is real when it exceeds a billionth of the largest number of the case,
per issue): a package *dominates* another when it is at least as good for both (within
epsilon) and better for at least one (by more than epsilon). A package is *efficient* when
no package inside both win-sets dominates it.

Every question is a mixed-integer programme built with the MESO solver's constraint
machinery (`Programme`, `Packages`: the win-set conditions as linear rows), solved by HiGHS:
its size grows with the number of values, never with the size of the point numbers. HiGHS
accepts a row violated by up to its feasibility tolerance, which on points in dollars can
exceed epsilon, so every answer is checked in Python on the true scores; an answer that fails
is excluded and the margin for "better" in the programme widened tenfold, at most
`MARGIN_STEPS` times (after which the margin is above the tolerance and no such answer
can come back). The number of programmes is bounded by the limits below, and the processor
time by the `Budget`.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from briefgen.meso.solver import Budget, Packages, Programme
from briefgen.meso.space import Market

FRONTIER_LIMIT = 60  # points of the frontier listed; a longer frontier is cut (and says so)
IMPROVEMENT_LIMIT = 3  # improvements listed by default: as with MESOs, more than three risks choice overload
MARGIN_STEPS = 4  # epsilon, then tenfold each time: 1e-9 to 1e-5 of the largest point, above HiGHS's tolerance
DOMINANCE_ROUNDS = 10  # replacing a frontier candidate by a package that dominates it: 1 or 2 in practice
# A space of at most this many packages is enumerated for the frontier (about 40 ms at 20,000, against
# one or two HiGHS programmes per frontier point, about 2 s for a frontier of 20 on a busy machine).
ENUMERATED = 20_000


class Floors(NamedTuple):
    """Our reservation and theirs (each in its own side's points), either None."""

    ours: float | None = None
    theirs: float | None = None


@dataclass(frozen=True)
class Point:
    """A package with its two scores."""

    choice: tuple[int, ...]
    score: float  # ours
    their_score: float


@dataclass(frozen=True)
class Frontier:
    """The efficient packages inside both win-sets and at or above both floors, one per
    pair of scores, from the best for us to the best for them."""

    points: tuple[Point, ...]
    complete: bool  # False: cut at FRONTIER_LIMIT points or by the budget; `reason` says which
    reason: str | None = None  # "limit" or "time"


@dataclass(frozen=True)
class Improvement:
    """A package that dominates the agreement, with how much each side gains by it."""

    choice: tuple[int, ...]
    score: float
    their_score: float
    gain: float  # our points over the agreement's
    their_gain: float


class Improvements(list):
    """The improvements, best first. `complete` is True when every improvement there is
    is listed (so an empty complete list proves the agreement efficient); False when the list
    stopped at its limit (there may be more) or the budget ran out (`reason`: "limit" or "time")."""

    def __init__(self, items=(), complete: bool = True, reason: str | None = None):
        super().__init__(items)
        self.complete, self.reason = complete, reason


# --- the programme ---------------------------------------------------------------------------

class _Programme:
    """One package inside both win-sets, with rows on its two scores (in the solver's scale)."""

    def __init__(self, market: Market):
        self.market = market
        self.programme = Programme()
        self.packages = Packages(self.programme, market, 1, market.formulas, band=None, objective=None)
        self.empty = self.packages.empty
        if not self.empty:
            self.ours = self.packages.linear(0, market.ours)
            self.theirs = self.packages.linear(0, market.theirs)

    def at_least(self, side, value: float) -> None:
        terms, constant = side
        self.programme.row(terms, lower=(value - constant) / self.packages.scale)

    def exclude(self, choice: Sequence[int]) -> None:
        """A no-good cut: any package but this one."""
        cols = [self.packages.columns[0][n][k] for n, k in enumerate(choice) if self.packages.columns[0][n]]
        if cols:
            self.programme.row({c: 1.0 for c in cols}, upper=len(cols) - 1.0)
        else:
            self.programme.row({}, lower=1.0)  # the only package there is: nothing is left

    def objective(self, costs: Sequence[Sequence[float]], maximize: bool = True) -> None:
        cost = [0.0] * len(self.programme.cost)
        for cols, points in zip(self.packages.columns[0], costs):
            for k, c in cols.items():
                cost[c] = points[k]
        self.programme.cost = cost
        self.maximize = maximize

    def solve(self, budget: Budget) -> tuple[tuple[int, ...] | None, str]:
        """(the package or None, HiGHS's status)."""
        if budget.spent():
            return None, "cut short"
        if not self.programme.lower:  # every issue has one value left: HiGHS calls the model empty
            holds = all(lower <= 1e-9 and upper >= -1e-9 for lower, upper, _, _ in self.programme.rows)
            return (self.packages.choices([])[0], "optimal") if holds else (None, "infeasible")
        # Without presolve: HiGHS 1.16's presolve called a feasible programme infeasible and
        # returned a worse package as optimal (test_highs_presolve_*); about 10 ms a programme.
        status, values, _ = self.programme.solve(budget, maximize=self.maximize, presolve=False)
        return (self.packages.choices(values)[0] if values is not None else None), status


def _point(market: Market, choice: Sequence[int]) -> Point:
    return Point(tuple(choice), market.score(choice), market.their_score(choice))


def _spans(market: Market) -> tuple[float, float]:
    """Each side's best minus worst possible score over the listed values (1 where a side is
    indifferent): gains divided by these weigh alike in dollars and in points."""
    def span(points):
        total = sum(max(p) - min(p) for p in points)
        return total if total > market.epsilon else 1.0

    return span(market.ours), span(market.theirs)


def _positions(market: Market) -> list[list[float]]:
    """Each value's place in its issue's list, weighed: the tie-break is the package whose values come first."""
    return [[market.order_weight(n, k) for k in range(len(values))] for n, values in enumerate(market.values)]


def _dominates(market: Market, a: Point, b: Point) -> bool:
    e = market.epsilon
    return (a.score >= b.score - e and a.their_score >= b.their_score - e
            and (a.score > b.score + e or a.their_score > b.their_score + e))


def _above(market: Market, point: Point, floors: Floors) -> bool:
    e = market.epsilon
    return ((floors.ours is None or point.score >= floors.ours - e)
            and (floors.theirs is None or point.their_score >= floors.theirs - e))


# --- dominance: the improvements of a package ---------------------------------------------------

def _weights(market: Market) -> list[list[float]]:
    """Each value's part in the sum of both gains, each gain as a share of its side's span."""
    span, their_span = _spans(market)
    return [[o / span + t / their_span for o, t in zip(os, ts)] for os, ts in zip(market.ours, market.theirs)]


def _worth(weights, choice: Sequence[int]) -> float:
    return sum(weights[n][k] for n, k in enumerate(choice))


def _best_dominating(market: Market, over: Point, budget: Budget, excluded: Sequence[tuple[int, ...]] = (),
                     floors: Floors = Floors(), order: bool = True,
                     sides: tuple[str, ...] = ("ours", "theirs")) -> tuple[Point | None, bool]:
    """The package best by the sum of both gains (`_weights`) among those that dominate `over`
    (and are not `excluded`), with, among equals, the values that come first (`order`).
    (point or None, whether the search finished: False when the budget ran out.)

    "Better for us or better for them" is two programmes, one per side, rather than one with a
    binary and a big-M row: HiGHS 1.16's presolve called such a programme infeasible when it was
    not (test_highs_presolve_and_a_big_m_row)."""
    weights = _weights(market)
    found, finished = [], True
    for better in sides:
        point, done = _best_better_for(market, over, better, weights, excluded, floors, budget)
        finished = finished and done
        if point is not None:
            found.append(point)
    if not found:
        return None, finished
    best = max(found, key=lambda p: _worth(weights, p.choice))
    if order:
        value = _worth(weights, best.choice)
        equals = [_first_of_equal(market, over, better, weights, value, excluded, floors, budget) or best
                  for better in sides]
        best = min(equals, key=lambda p: (sum(p.choice), p.choice))
    return best, finished


def _dominance_programme(market: Market, over: Point, better: str, margin: float, excluded,
                         floors: Floors) -> _Programme | None:
    """Packages at least as good as `over` for both, within epsilon, at or above both floors,
    and better by `margin` for the side `better`."""
    programme = _Programme(market)
    if programme.empty:
        return None
    e = market.epsilon
    for side, score, floor, name in ((programme.ours, over.score, floors.ours, "ours"),
                                     (programme.theirs, over.their_score, floors.theirs, "theirs")):
        least = score + margin if name == better else score - e
        programme.at_least(side, least if floor is None else max(least, floor - e))
    for choice in excluded:
        programme.exclude(choice)
    return programme


def _best_better_for(market: Market, over: Point, better: str, weights, excluded, floors: Floors,
                     budget: Budget) -> tuple[Point | None, bool]:
    margin = market.epsilon
    bad: list[tuple[int, ...]] = []
    for _ in range(MARGIN_STEPS + 1):
        programme = _dominance_programme(market, over, better, margin, [*excluded, *bad], floors)
        if programme is None:
            return None, True
        programme.objective(weights)
        choice, status = programme.solve(budget)
        if choice is None:
            return None, status == "infeasible"
        point = _point(market, choice)
        if _dominates(market, point, over) and _above(market, point, floors) and choice not in excluded:
            return point, True
        bad.append(choice)  # within HiGHS's tolerance of the rows, not truly better: widen the margin
        margin *= 10
    return None, True


def _first_of_equal(market: Market, over: Point, better: str, weights, value: float, excluded,
                    floors: Floors, budget: Budget) -> Point | None:
    """Among the dominating packages (better for `better`) as good by the sum of gains as
    `value`, the one whose values come first in the case's lists (least sum of positions):
    which of several equal packages HiGHS lands on depends on how the points are written, the
    case's order does not."""
    programme = _dominance_programme(market, over, better, market.epsilon, excluded, floors)
    if programme is None:
        return None
    tolerance = 1e-9 * max(1.0, abs(value))
    columns, domains = programme.packages.columns[0], programme.packages.domains
    terms = {c: weights[n][k] for n, cols in enumerate(columns) for k, c in cols.items()}
    constant = sum(weights[n][domains[n][0]] for n, cols in enumerate(columns) if not cols)
    programme.programme.row(terms, lower=value - constant - tolerance)
    programme.objective(_positions(market), maximize=False)
    choice, _ = programme.solve(budget)
    if choice is None:
        return None
    point = _point(market, choice)
    good = (_dominates(market, point, over) and _above(market, point, floors) and choice not in excluded
            and _worth(weights, choice) >= value - tolerance)
    return point if good else None


def improvements(market: Market, agreed_choice: Sequence[int], budget: Budget | None = None,
                 limit: int = IMPROVEMENT_LIMIT) -> Improvements:
    """The packages inside both win-sets that dominate the agreement, best first: by the sum of
    both sides' gains, each as a share of its side's span (`_spans`), so that a side whose points
    are written in dollars does not outweigh one written out of 100; among equal sums, the
    package whose values come first in the case's lists. Each next one is found with a no-good
    cut on those before it."""
    budget = budget or Budget()
    agreement = _point(market, agreed_choice)
    found: list[Point] = []
    while len(found) < limit:
        point, finished = _best_dominating(market, agreement, budget, [p.choice for p in found])
        if point is None:
            return Improvements(_gains(found, agreement), finished, None if finished else "time")
        found.append(point)
    return Improvements(_gains(found, agreement), False, "limit")


def _gains(points: Sequence[Point], agreement: Point) -> list[Improvement]:
    return [Improvement(p.choice, p.score, p.their_score, p.score - agreement.score,
                        p.their_score - agreement.their_score) for p in points]


# --- the frontier ---------------------------------------------------------------------------------

def frontier(market: Market, floors: Floors | tuple = Floors(), budget: Budget | None = None,
             limit: int = FRONTIER_LIMIT, enumerated: int = ENUMERATED) -> Frontier:
    """The efficient packages inside both win-sets and at or above both floors, best for us first.

    A space of at most `enumerated` packages is enumerated (`_swept`). A larger one by the
    epsilon-constraint method: the package best for us among those better for them than the
    last point found (its score for them more than epsilon above), made efficient by replacing
    it with a package that dominates it while there is one; then the next, until none is left
    (the frontier is complete) or `limit` points are listed."""
    floors = Floors(*floors)
    if math.prod(len(values) for values in market.values) <= enumerated:
        points = _swept(market, floors)
        return Frontier(tuple(points[:limit]), len(points) <= limit, None if len(points) <= limit else "limit")
    budget = budget or Budget()
    points: list[Point] = []
    while True:
        last = points[-1].their_score if points else None
        if len(points) >= limit:
            return Frontier(tuple(points), False, "limit")
        point, finished = _next_best_for_us(market, floors, last, budget)
        if point is None:
            return Frontier(tuple(points), finished, None if finished else "time")
        for _ in range(DOMINANCE_ROUNDS):
            # Nothing better for us can be better for them than the last point too: this one is the
            # best for us among those, so only a package better for them (and as good for us) can dominate it.
            better, finished = _best_dominating(market, point, budget, floors=floors, order=False, sides=("theirs",))
            if not finished:
                return Frontier(tuple(points), False, "time")
            if better is None:
                break
            point = better
        points.append(point)


def _swept(market: Market, floors: Floors) -> list[Point]:
    """The frontier of a small space by enumeration: the packages inside both win-sets and above
    both floors, best for us first (among equal scores, best for them, then the values that come
    first), each kept when it is better for them than every one before it; one that only ties
    the last kept on our score (within epsilon) replaces it, as it dominates it."""
    e = market.epsilon
    inside = (_point(market, choice) for choice in itertools.product(*(range(len(v)) for v in market.values))
              if market.inside(choice))
    ranked = sorted((p for p in inside if _above(market, p, floors)), key=lambda p: (-p.score, -p.their_score, p.choice))
    kept: list[Point] = []
    for point in ranked:
        if kept and point.their_score <= kept[-1].their_score + e:
            continue
        if kept and point.score >= kept[-1].score - e:
            kept[-1] = point
        else:
            kept.append(point)
    return kept


def _next_best_for_us(market: Market, floors: Floors, above: float | None, budget: Budget) -> tuple[Point | None, bool]:
    """The package best for us at or above both floors and, unless `above` is None, better for
    them than `above`."""
    e = market.epsilon
    margin = e
    bad: list[tuple[int, ...]] = []
    for _ in range(MARGIN_STEPS + 1):
        programme = _Programme(market)
        if programme.empty:
            return None, True
        if floors.ours is not None:
            programme.at_least(programme.ours, floors.ours - e)
        their_floor = -math.inf if floors.theirs is None else floors.theirs - e
        if above is not None:
            their_floor = max(their_floor, above + margin)
        if math.isfinite(their_floor):
            programme.at_least(programme.theirs, their_floor)
        for choice in bad:
            programme.exclude(choice)
        programme.objective([[p / programme.packages.scale for p in points] for points in market.ours])
        choice, status = programme.solve(budget)
        if choice is None:
            return None, status == "infeasible"
        point = _point(market, choice)
        if _above(market, point, floors) and (above is None or point.their_score > above + e):
            return point, True
        bad.append(choice)
        margin *= 10
    return None, True


# --- fair points of the frontier ---------------------------------------------------------------------

def disagreement(front: Frontier, floors: Floors | tuple = Floors()) -> tuple[float, float] | None:
    """What each side's gains are measured from: its reservation, or, where that is None, the
    lowest score it gets on the frontier (the frontier's worst point for it: nothing efficient
    gives it less). None for an empty frontier."""
    floors = Floors(*floors)
    if not front.points:
        return None
    ours = floors.ours if floors.ours is not None else min(p.score for p in front.points)
    theirs = floors.theirs if floors.theirs is not None else min(p.their_score for p in front.points)
    return ours, theirs


def nash(front: Frontier, floors: Floors | tuple = Floors()) -> Point | None:
    """The Nash bargaining solution: the frontier point with the largest product of both gains
    over `disagreement` (the frontier is efficient, so the product's maximum lies on it; it is
    exact when `front.complete`). Ties: the point best for us first."""
    base = disagreement(front, floors)
    if base is None:
        return None
    return max(front.points, key=lambda p: max(p.score - base[0], 0.0) * max(p.their_score - base[1], 0.0))


def equal_gains(front: Frontier, floors: Floors | tuple = Floors()) -> Point | None:
    """The frontier point whose smaller gain is largest, each side's gain over `disagreement`
    taken as a share of the most it can gain on the frontier (so that points written on two
    scales compare; with both sides on one scale and the same room to gain it is the plain
    difference); among equals, the one whose two shares are closest, then the one best for us."""
    base = disagreement(front, floors)
    if base is None:
        return None
    room = (max(p.score for p in front.points) - base[0], max(p.their_score for p in front.points) - base[1])

    def shares(p: Point) -> tuple[float, float]:
        return ((p.score - base[0]) / room[0] if room[0] > 0 else 1.0,
                (p.their_score - base[1]) / room[1] if room[1] > 0 else 1.0)

    return max(front.points, key=lambda p: (min(shares(p)), -abs(shares(p)[0] - shares(p)[1])))
