"""The space of packages: what the criteria need to know about a case.

A package is one value index per issue. `Market` holds the band (criterion 1),
the values each issue may take (its options, its range on the step, or its
`meso.hold`), the points of each value for us and for them, and the
conditions of the ratifiers and veto holders (criterion 2), each turned into
a formula over sets of value indexes, which the solver can state as linear
constraints whatever the number of values the conditions tie together.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from briefgen.case import Case, Constituency
from briefgen.conditions import Condition
from briefgen.meso.model import EPSILON

# A formula over value indexes: ("true",), ("false",), ("is", issue index,
# frozenset of value indexes), ("and", *children), ("or", *children).
Formula = tuple
TRUE, FALSE = ("true",), ("false",)


class Market:
    """Everything the criteria need about a case: band, values, points, conditions."""

    def __init__(self, case: Case):
        self.case = case
        self.issues = list(case.issues)
        settings = case.meso
        self.low = case.aspiration - settings.tolerance
        if case.targets.reservation is not None:
            self.low = max(self.low, case.targets.reservation)
        self.high = case.aspiration + settings.tolerance
        self.values = [
            [settings.hold[i.id]] if i.id in settings.hold else list(i.values())
            for i in self.issues
        ]
        self.ours = [[i.our_points(v) for v in values] for i, values in zip(self.issues, self.values)]
        self.theirs = [[i.their_points_for(v) for v in values] for i, values in zip(self.issues, self.values)]
        # How far apart two scores must be to differ: points are a scale the user
        # chooses (dollars or percent), so float noise is measured against it.
        magnitude = max([abs(x) for xs in self.ours + self.theirs for x in xs] + [abs(self.low), abs(self.high), 1.0])
        self.epsilon = EPSILON * magnitude * max(len(self.issues), 1)
        self.blocking: list[tuple[Constituency, Condition]] = case.blocking_conditions()
        self.formulas = [self.formula(condition) for _, condition in self.blocking]

    def order_weight(self, n: int, position: int) -> float:
        """What a value's place in issue n's list weighs in a tie-break toward the case's order.
        Earlier issues weigh more (from about 2 down to 1), so that packages trading places along
        two issues (positions 3+0, 2+1, 1+2) are not left tied, and HiGHS's pick among them,
        which depends on how the points are written, never decides."""
        return position * (1.0 + (len(self.issues) - n) / (len(self.issues) + 1))

    def index(self, issue_id: str) -> int:
        return next(n for n, issue in enumerate(self.issues) if issue.id == issue_id)

    def package(self, choice: Sequence[int]) -> dict:
        return {issue.id: self.values[n][k] for n, (issue, k) in enumerate(zip(self.issues, choice))}

    def score(self, choice) -> float:
        return sum(self.ours[n][k] for n, k in enumerate(choice))

    def their_score(self, choice) -> float:
        return sum(self.theirs[n][k] for n, k in enumerate(choice))

    def in_band(self, score: float) -> bool:
        return self.low - self.epsilon <= score <= self.high + self.epsilon

    def ratifiable(self, package: Mapping) -> bool:
        return all(condition(package) for _, condition in self.blocking)

    def inside(self, choice: Sequence[int]) -> bool:
        """Whether a package (value indexes) is inside both win-sets: the formulas, without the conditions' cost."""
        return all(holds(formula, choice) for formula in self.formulas)

    def levels(self, n: int, domain: Sequence[int] | None = None) -> list[float]:
        """Their distinct points on issue n (over `domain`, value indexes), most generous first."""
        points = sorted({self.theirs[n][k] for k in (range(len(self.values[n])) if domain is None else domain)},
                        reverse=True)
        distinct = points[:1]
        for p in points[1:]:
            if distinct[-1] - p > self.epsilon:
                distinct.append(p)
        return distinct

    # --- conditions as formulas over value indexes -----------------------------------------

    def formula(self, condition: Condition) -> Formula:
        return _simplify(self._formula(condition.formula, True))

    def _formula(self, node: tuple, positive: bool) -> Formula:
        kind = node[0]
        if kind == "not":
            return self._formula(node[1], not positive)
        if kind == "is":
            n = self.index(node[1])
            return ("is", n, frozenset(k for k, v in enumerate(self.values[n]) if bool(node[2](v)) == positive))
        joined = kind if positive else {"and": "or", "or": "and"}[kind]
        return (joined, self._formula(node[1], positive), self._formula(node[2], positive))

    def domains(self, formulas: Sequence[Formula]) -> tuple[list[list[int]], list[Formula]]:
        """The value indexes each issue may take under `formulas`, and the formulas
        still tying two or more issues together (the rest are folded into the domains)."""
        domains = [set(range(len(values))) for values in self.values]
        ties = []
        for formula in formulas:
            parts = formula[1:] if formula[0] == "and" else (formula,)
            for part in parts:
                if part[0] == "is":
                    domains[part[1]] &= part[2]
                elif part == FALSE:
                    domains = [set() for _ in domains]
                elif part != TRUE:
                    ties.append(part)
        ties = [_simplify(_restrict(t, domains)) for t in ties]
        if FALSE in ties:
            domains = [set() for _ in domains]
        return [sorted(d) for d in domains], [t for t in ties if t != TRUE]


def holds(formula: Formula, choice) -> bool:
    """Whether a package (value index per issue) meets a formula."""
    kind = formula[0]
    if kind == "is":
        return choice[formula[1]] in formula[2]
    if kind == "and":
        return all(holds(f, choice) for f in formula[1:])
    if kind == "or":
        return any(holds(f, choice) for f in formula[1:])
    return kind == "true"


def _restrict(formula: Formula, domains) -> Formula:
    if formula[0] == "is":
        ks = formula[2] & domains[formula[1]]
        return TRUE if ks == domains[formula[1]] else ("is", formula[1], ks)
    if formula[0] in ("and", "or"):
        return (formula[0], *(_restrict(f, domains) for f in formula[1:]))
    return formula


def _simplify(formula: Formula) -> Formula:
    """Flatten and/or, fold constants, merge tests of one issue (and: meet; or: union)."""
    kind = formula[0]
    if kind == "is":
        return FALSE if not formula[2] else formula
    if kind not in ("and", "or"):
        return formula
    absorbing, neutral = (FALSE, TRUE) if kind == "and" else (TRUE, FALSE)
    children, tests = [], {}
    for child in (_simplify(f) for f in formula[1:]):
        for part in (child[1:] if child[0] == kind else (child,)):
            if part == absorbing:
                return absorbing
            if part[0] == "is":
                merge = frozenset.__and__ if kind == "and" else frozenset.__or__
                tests[part[1]] = merge(tests[part[1]], part[2]) if part[1] in tests else part[2]
            elif part != neutral:
                children.append(part)
    for n, ks in sorted(tests.items()):
        if kind == "and" and not ks:
            return FALSE
        children.append(("is", n, ks))
    if not children:
        return neutral
    return children[0] if len(children) == 1 else (kind, *children)
