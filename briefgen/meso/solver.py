"""The exact engine: MESO questions as mixed-integer programmes, solved by HiGHS.

One binary per package, issue and value says which value the package takes;
criterion 1 is a row on our points, criterion 2 a few rows per condition
(each condition is a formula over sets of values: "this issue takes one of
these values", joined by and/or, stated with continuous indicators that are
exact once the values are whole), and criterion 4 one binary per package and
issue, "package i leads with issue n", with rows saying that its points for
them on n exceed every other package's. The size of the programme grows
with the number of values, never with the size of the point numbers, and
HiGHS proves the set optimal or reports a bound on how far it can be from it.

Every answer is re-checked in Python on the true scores before it is used.
HiGHS's branch and bound is deterministic and runs with a node limit, so the same
case always gives the same programme, the same search and the same packages; the time limit is a
safety net that only a case far beyond anything measured would reach.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from briefgen.meso.space import Formula, Market

NODE_LIMIT = 20_000  # branch-and-bound nodes per programme: deterministic, unlike a time limit
PRESOLVE_LIMIT = 2_000  # columns beyond which HiGHS solves without presolve
TIME_LIMIT = 6.0  # seconds for one MESO construction, all its programmes together


@dataclass
class Budget:
    """The processor time left for one construction or check (a safety net, see the module
    docstring): processor time, so that other work on a shared machine does not cut it short."""

    deadline: float = field(default_factory=lambda: time.process_time() + TIME_LIMIT)

    def spent(self) -> bool:
        return time.process_time() >= self.deadline

    def left(self) -> float:
        return max(self.deadline - time.process_time(), 0.05)


@dataclass(frozen=True)
class Outcome:
    status: str  # "optimal", "infeasible", or "cut short" (the limit was reached)
    packages: tuple[tuple[int, ...], ...] = ()  # value indexes per issue, per package
    leads: tuple[int | None, ...] = ()  # each package's lead issue index
    bound: float | None = None  # upper bound on the objective over every solution

    @property
    def found(self) -> bool:
        return bool(self.packages)


def _highs():
    """A silent HiGHS: highspy's `Highs` class prints a banner to standard output on
    creation (which would corrupt `briefgen meso --json`) before any option can be set;
    its core class `_Highs` does not, and has every method used here."""
    import highspy

    return highspy._Highs()


class Programme:
    """Columns and rows collected in Python, handed to HiGHS in one go."""

    def __init__(self):
        self.lower, self.upper, self.cost, self.integer = [], [], [], []
        self.rows: list[tuple[float, float, list[int], list[float]]] = []

    def column(self, lower: float = 0.0, upper: float = 1.0, cost: float = 0.0, integer: bool = True) -> int:
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(cost)
        self.integer.append(integer)
        return len(self.lower) - 1

    def row(self, terms: dict[int, float] | Sequence[tuple[int, float]], lower: float = -math.inf,
            upper: float = math.inf) -> None:
        items = list(terms.items()) if isinstance(terms, dict) else list(terms)
        self.rows.append((lower, upper, [c for c, _ in items], [v for _, v in items]))

    def solve(self, budget: Budget, maximize: bool = True, relaxed: bool = False, presolve: bool = True):
        """(status, column values or None, dual bound of the objective). `presolve=False`: HiGHS
        1.16's presolve returned a wrong optimum and a wrong infeasible on two small programmes of
        briefgen.pareto (tests/test_pareto.py, test_highs_presolve_*)."""
        import highspy
        import numpy as np

        h = _highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 1e-7)
        h.setOptionValue("mip_feasibility_tolerance", 1e-7)
        h.setOptionValue("primal_feasibility_tolerance", 1e-8)
        h.setOptionValue("mip_max_nodes", NODE_LIMIT)
        h.setOptionValue("time_limit", budget.left())
        if len(self.lower) > PRESOLVE_LIMIT or not presolve:
            h.setOptionValue("presolve", "off")  # HiGHS's presolve ignores the time limit, and grows fast with values
        n = len(self.lower)
        inf = highspy.kHighsInf
        h.addVars(n, np.array(self.lower, dtype=float), np.array(self.upper, dtype=float))
        h.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(self.cost, dtype=float))
        integer = [k for k in range(n) if self.integer[k] and not relaxed]
        if integer:
            h.changeColsIntegrality(len(integer), np.array(integer, dtype=np.int32),
                                    np.array([highspy.HighsVarType.kInteger] * len(integer)))
        if self.rows:
            starts, indices, values = [], [], []
            for _, _, cols, coefs in self.rows:
                starts.append(len(indices))
                indices += cols
                values += coefs
            h.addRows(len(self.rows),
                      np.array([max(r[0], -inf) for r in self.rows], dtype=float),
                      np.array([min(r[1], inf) for r in self.rows], dtype=float),
                      len(indices), np.array(starts, dtype=np.int32), np.array(indices, dtype=np.int32),
                      np.array(values, dtype=float))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize)
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        values = list(h.getSolution().col_value) if has_solution else None
        if status == highspy.HighsModelStatus.kOptimal:
            return "optimal", values, h.getObjectiveValue()
        if status == highspy.HighsModelStatus.kInfeasible:
            return "infeasible", None, None
        bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
        return "cut short", values, bound


class Packages:
    """The columns of `count` packages meeting criteria 1 and 2 (band and conditions)."""

    def __init__(self, programme: Programme, market: Market, count: int, formulas: Sequence[Formula],
                 band: tuple[float, float] | None = (), objective: str | None = "theirs",
                 domains: Sequence[Sequence[int]] | None = None):
        self.market = market
        self.domains, ties = market.domains(formulas)
        if domains is not None:
            self.domains = [[k for k in mine if k in set(given)] for mine, given in zip(self.domains, domains)]
        self.empty = any(not d for d in self.domains)
        # Points on a scale of about one: dollars and percent alike keep HiGHS's tolerances meaningful.
        self.scale = 2.0 ** round(math.log2(max([abs(x) for xs in market.ours + market.theirs for x in xs] + [1e-9])))
        self.columns: list[list[dict[int, int]]] = []
        if self.empty:
            return
        for _ in range(count):
            columns = []
            for n, domain in enumerate(self.domains):
                if len(domain) == 1:
                    columns.append({})
                    continue
                points = market.ours[n] if objective == "ours" else market.theirs[n]
                cols = {k: programme.column(cost=points[k] / self.scale if objective else 0.0) for k in domain}
                programme.row({c: 1.0 for c in cols.values()}, 1.0, 1.0)
                columns.append(cols)
            self.columns.append(columns)
            low, high = (market.low - market.epsilon, market.high + market.epsilon) if band == () else band or (
                -math.inf, math.inf)
            if math.isfinite(low) or math.isfinite(high):
                terms, constant = self.linear(len(self.columns) - 1, market.ours)
                programme.row(terms, (low - constant) / self.scale, (high - constant) / self.scale)
            for tie in ties:
                self._require(programme, len(self.columns) - 1, tie)

    def linear(self, i: int, points: list[list[float]], issues: Sequence[int] | None = None):
        """Package i's points (ours or theirs), scaled, as terms and an unscaled constant."""
        terms, constant = {}, 0.0
        for n in range(len(self.domains)) if issues is None else issues:
            if self.columns[i][n]:
                for k, c in self.columns[i][n].items():
                    terms[c] = points[n][k] / self.scale
            else:
                constant += points[n][self.domains[n][0]]
        return terms, constant

    def _require(self, programme: Programme, i: int, formula: Formula) -> None:
        programme.row({self._indicator(programme, i, formula): 1.0}, 1.0, 1.0)

    def _indicator(self, programme: Programme, i: int, formula: Formula) -> int:
        """A continuous column that can be 1 only where `formula` holds for package i."""
        y = programme.column(integer=False)
        kind = formula[0]
        if kind == "is":
            n, ks, cols = formula[1], formula[2], self.columns[i][formula[1]]
            if cols:
                programme.row({y: 1.0, **{cols[k]: -1.0 for k in ks if k in cols}}, upper=0.0)
            elif self.domains[n][0] not in ks:  # the issue has one value left, and the test fails on it
                programme.row({y: 1.0}, upper=0.0)
        elif kind == "and":
            for child in formula[1:]:
                programme.row({y: 1.0, self._indicator(programme, i, child): -1.0}, upper=0.0)
        else:  # "or"
            children = [self._indicator(programme, i, child) for child in formula[1:]]
            programme.row({y: 1.0, **{c: -1.0 for c in children}}, upper=0.0)
        return y

    def choices(self, values: list[float]) -> list[tuple[int, ...]]:
        return [tuple(max(cols, key=lambda k: values[cols[k]]) if cols else self.domains[n][0]
                      for n, cols in enumerate(package)) for package in self.columns]


def best_set(market: Market, count: int, budget: Budget, required: Sequence[int] = ()) -> Outcome:
    """The valid set of `count` packages best for them (criteria 1 to 4; so 5), leading
    with every issue in `required`."""
    if budget.spent():
        return Outcome("cut short")
    programme = Programme()
    packages = Packages(programme, market, count, market.formulas)
    if packages.empty:
        return Outcome("infeasible")
    if count == 1:
        status, values, bound = programme.solve(budget)
        found = tuple(packages.choices(values)) if values is not None else ()
        return Outcome(status, found, (None,) * len(found), _unscale(bound, packages, market, 1))
    capable = [n for n, d in enumerate(packages.domains) if len(market.levels(n, d)) > 1]
    if len(capable) < count or any(n not in capable for n in required):
        return Outcome("infeasible")
    leads = [{n: programme.column() for n in capable} for _ in range(count)]
    their = {}
    for i in range(count):
        programme.row({leads[i][n]: 1.0 for n in capable}, 1.0, 1.0)  # one lead each
        for n in capable:
            levels = market.levels(n, packages.domains[n])
            top, second, low = levels[0] / packages.scale, levels[-2] / packages.scale, levels[-1] / packages.scale
            their[i, n] = programme.column(lower=low, upper=top, integer=False)
            terms, _ = packages.linear(i, market.theirs, [n])
            programme.row({their[i, n]: 1.0, **{c: -v for c, v in terms.items()}}, 0.0, 0.0)
            programme.row({their[i, n]: 1.0, leads[i][n]: low - second}, lower=low)  # a lead is above the lowest level
    for n in capable:
        levels = market.levels(n, packages.domains[n])
        top, low = levels[0] / packages.scale, levels[-1] / packages.scale
        gap = min(a - b for a, b in zip(levels, levels[1:])) / packages.scale
        big = top - low + gap
        programme.row({leads[i][n]: 1.0 for i in range(count)}, lower=1.0 if n in required else 0.0, upper=1.0)
        for i in range(count):
            for j in range(count):
                if i != j:  # if i leads with n, j stays strictly below it on n
                    programme.row({their[i, n]: 1.0, their[j, n]: -1.0, leads[i][n]: -big}, lower=gap - big)
    for i in range(count - 1):  # packages in the order of their leads: one programme per set, not count! copies
        programme.row({**{leads[i][n]: float(n) for n in capable}, **{leads[i + 1][n]: -float(n) for n in capable}},
                      upper=-1.0)
    status, values, bound = programme.solve(budget)
    if values is None:
        return Outcome(status, bound=_unscale(bound, packages, market, count))
    if status == "optimal":
        values = _first_of_equals(programme, packages, leads, values, budget)
    choices = packages.choices(values)
    chosen_leads = tuple(max(capable, key=lambda n: values[leads[i][n]]) for i in range(count))
    return Outcome(status, tuple(choices), chosen_leads, _unscale(bound, packages, market, count))


def _first_of_equals(programme: Programme, packages: Packages, leads: list[dict[int, int]], values: list[float],
                     budget: Budget) -> list[float]:
    """Among the sets as good for them as the one found, the one whose values and leads come
    first in the case's order: which of several equal optima HiGHS lands on depends on how the points
    are written (a case in dollars and the same in thousands), the case's order does not."""
    best = sum(c * v for c, v in zip(programme.cost, values))
    programme.row({c: cost for c, cost in enumerate(programme.cost) if cost}, lower=best - 1e-7 * max(1.0, abs(best)))
    programme.cost = [0.0] * len(programme.cost)
    for columns in packages.columns:
        for n, cols in enumerate(columns):
            for rank, col in enumerate(cols.values()):
                programme.cost[col] = -packages.market.order_weight(n, rank)
    for columns in leads:  # and leads on the issues that come first
        for n, col in columns.items():
            programme.cost[col] = -float(n)
    status, again, _ = programme.solve(budget)
    return again if status == "optimal" and again is not None else values


def _unscale(bound, packages: Packages, market: Market, count: int) -> float | None:
    if bound is None or packages.empty:
        return None
    constant = sum(market.theirs[n][d[0]] for n, d in enumerate(packages.domains) if len(d) == 1)
    return bound * packages.scale + count * constant


def ratifiable(market: Market, formulas: Sequence[Formula], budget: Budget) -> str:
    """Whether some package meets these conditions (and the hold), whatever its score."""
    if budget.spent():
        return "cut short"
    programme = Programme()
    packages = Packages(programme, market, 1, formulas, band=None, objective=None)
    return "infeasible" if packages.empty else programme.solve(budget)[0]


def extreme_score(market: Market, budget: Budget, below: float = math.inf, above: float = -math.inf) -> float | None:
    """Our best score under `below`, or our lowest over `above`, of a ratifiable package."""
    if budget.spent():
        return None
    programme = Programme()
    packages = Packages(programme, market, 1, market.formulas, band=(above, below), objective="ours")
    if packages.empty:
        return None
    status, values, _ = programme.solve(budget, maximize=math.isfinite(below))
    return market.score(packages.choices(values)[0]) if values is not None else None


def better_package(market: Market, choices: Sequence[Sequence[int]], i: int, lead: int,
                   budget: Budget, kept: dict[int, int] | None = None) -> tuple[int, ...] | None:
    """The package best for them that could replace package i (criterion 5): inside the
    band and both win-sets, strictly the most generous of the set on `lead`, and every
    other package still strictly the most generous on some issue (on its own in `kept`,
    package index -> lead issue: the leads meso.lead_with asks for)."""
    kept = kept or {}
    if budget.spent():
        return None
    programme = Programme()
    packages = Packages(programme, market, 1, market.formulas)
    if packages.empty:
        return None
    others = [c for j, c in enumerate(choices) if j != i]

    def below(n: int, level: float) -> dict[int, float]:
        """Terms that are 1 where the new package gives them less than `level` on issue n."""
        domain = packages.domains[n]
        if not packages.columns[0][n]:
            return {None: 1.0} if market.theirs[n][domain[0]] < level - market.epsilon else {}
        return {c: 1.0 for k, c in packages.columns[0][n].items() if market.theirs[n][k] < level - market.epsilon}

    above = max(market.theirs[lead][c[lead]] for c in others)
    stay = {c: 1.0 for k, c in packages.columns[0][lead].items() if market.theirs[lead][k] > above + market.epsilon} \
        if packages.columns[0][lead] else ({None: 1.0} if market.theirs[lead][packages.domains[lead][0]] > above + market.epsilon else {})
    if not stay:
        return None
    if None not in stay:
        programme.row(stay, 1.0, 1.0)
    indexes = [j for j in range(len(choices)) if j != i]
    for j, mine in zip(indexes, others):
        # The issues where j beats every other fixed package: it keeps a lead if the new one is below it on one.
        rest = [c for m, c in zip(indexes, others) if m != j]
        wins = [n for n in ([kept[j]] if j in kept else range(len(market.issues)))
                if all(market.theirs[n][mine[n]] > market.theirs[n][c[n]] + market.epsilon for c in rest)]
        options = [below(n, market.theirs[n][mine[n]]) for n in wins]
        if any(None in o for o in options):
            continue  # j keeps a lead whatever the new package is
        indicators = []
        for terms in options:
            if terms:
                u = programme.column(integer=False)
                programme.row({u: 1.0, **{c: -1.0 for c in terms}}, upper=0.0)
                indicators.append(u)
        if not indicators:
            return None
        programme.row({u: 1.0 for u in indicators}, lower=1.0)
    status, values, _ = programme.solve(budget)
    return packages.choices(values)[0] if values is not None else None


def best_package(market: Market, domains: Sequence[Sequence[int]], budget: Budget) -> tuple[int, ...] | None:
    """The package best for them inside the band and both win-sets, its values within `domains`."""
    if budget.spent():
        return None
    programme = Programme()
    packages = Packages(programme, market, 1, market.formulas, domains=domains)
    if packages.empty:
        return None
    status, values, _ = programme.solve(budget)
    return packages.choices(values)[0] if values is not None else None


def size(market: Market, count: int) -> int:
    """The binaries of the set programme: what decides whether it is solved exactly."""
    domains, _ = market.domains(market.formulas)
    return count * sum(len(d) for d in domains if len(d) > 1)


def relaxed_best(market: Market, budget: Budget) -> float | None:
    """An upper bound on their points in one package: the programme with fractional values allowed."""
    if budget.spent():
        return None
    programme = Programme()
    packages = Packages(programme, market, 1, market.formulas)
    if packages.empty:
        return None
    status, values, bound = programme.solve(budget, relaxed=True)
    if status != "optimal":
        return None
    return _unscale(bound, packages, market, 1)
