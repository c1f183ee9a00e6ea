"""The fast engine for spaces too large for the exact programme to prove in time.

With a threshold on their points for each lead issue, package i must reach
its own lead's threshold and stay below the others', and the packages become
independent: each is the best package for them under those restrictions (the
oracle). The search starts from the single best package, ranks the issues by
what leading with them costs, tries the cheapest lead sets, and then swaps
each package for the best one that keeps the set valid until none improves.

The oracle is a dynamic programme over issues on a grid of our points whose
size is fixed (never grown with the size of the point numbers); every package
it returns is re-checked on its true scores, and where conditions tie issues
together it asks the exact programme instead.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from briefgen.meso import solver
from briefgen.meso.space import Market, holds as _holds

GRID_CELLS = 4_000  # cells of our score in the programme: memory options x cells, whatever the scale
COMBINATIONS = 4_000  # value combinations of issues tied by conditions, taken as one item
LEAD_SETS_TRIED = 12  # lead sets evaluated in full, cheapest estimated first
POLISHED = 3  # of those, the best sets improved by swaps
POLISH_ROUNDS = 6

Allowed = Mapping[int, frozenset[int]]  # issue index -> allowed value indexes


class Oracle:
    """The best package for them inside the band and both win-sets, under per-issue restrictions.

    Issues tied by a condition are one item of the programme (their value combinations
    that meet it) where they have at most COMBINATIONS of them; past that, the exact
    programme answers instead. Once the budget is spent every answer is None and
    `cut_short` says so."""

    def __init__(self, market: Market, budget: solver.Budget):
        self.market = market
        self.budget = budget
        self.domains, self.ties = market.domains(market.formulas)
        self.groups = _groups(len(self.domains), self.ties)
        self.exact = any(math.prod(len(self.domains[n]) for n in g) > COMBINATIONS for g in self.groups)
        self.cut_short = False
        self.cache: dict = {}

    def best(self, allowed: Allowed) -> tuple[int, ...] | None:
        key = tuple(sorted((n, tuple(sorted(ks))) for n, ks in allowed.items()))
        if key not in self.cache:
            if self.budget.spent():
                self.cut_short = True
                return None
            domains = [[k for k in d if n not in allowed or k in allowed[n]] for n, d in enumerate(self.domains)]
            if any(not d for d in domains):
                self.cache[key] = None
            elif self.exact:
                self.cache[key] = solver.best_package(self.market, domains, self.budget)
            else:
                self.cache[key] = self._programme(domains)
        return self.cache[key]

    def _items(self, domains: list[list[int]]) -> list[tuple[list[int], list[tuple[int, ...]]]]:
        """Per group of tied issues: its issues and the value combinations that meet its conditions."""
        items = []
        for group in self.groups:
            ties = [f for f in self.ties if _issues(f) <= set(group)]
            combos = [c for c in itertools.product(*(domains[n] for n in group))
                      if all(_holds(f, dict(zip(group, c))) for f in ties)]
            items.append((group, combos))
        return items

    def _programme(self, domains: list[list[int]]) -> tuple[int, ...] | None:
        """Multiple-choice knapsack over the items: max their points, our points in band."""
        import numpy as np

        market = self.market
        items = self._items(domains)
        if any(not combos for _, combos in items):
            return None
        ours = [np.array([sum(market.ours[n][k] for n, k in zip(g, c)) for c in combos]) for g, combos in items]
        theirs = [np.array([sum(market.theirs[n][k] for n, k in zip(g, c)) for c in combos]) for g, combos in items]
        floor = sum(float(o.min()) for o in ours)
        span = sum(float(o.max() - o.min()) for o in ours)
        widest = max(len(combos) for _, combos in items)
        cells = max(min(GRID_CELLS, 400_000 // widest), 64)
        step = max(span / cells, 1e-12)
        shifts = [np.rint((o - o.min()) / step).astype(np.int64) for o in ours]
        best = np.zeros(1)
        picks = []
        for shift, their in zip(shifts, theirs):
            width = len(best) + int(shift.max())
            rows = np.full((len(shift), width), -np.inf)
            for k in range(len(shift)):
                rows[k, shift[k]:shift[k] + len(best)] = best + their[k]
            pick = rows.argmax(axis=0)
            best = rows[pick, np.arange(width)]
            picks.append(pick)
        # A state's true score is known only to within half a step per item: look in the band
        # widened by that, best for them first, and keep the first whose true score is in it.
        slack = step * len(items) / 2
        states = floor + np.arange(len(best)) * step
        near = np.flatnonzero((states >= market.low - slack) & (states <= market.high + slack) & np.isfinite(best))
        for state in near[np.argsort(-best[near], kind="stable")][:64]:
            choice, at = [0] * len(domains), int(state)
            for m in range(len(items) - 1, -1, -1):
                k = int(picks[m][at])
                for n, value in zip(items[m][0], items[m][1][k]):
                    choice[n] = value
                at -= int(shifts[m][k])
            if market.in_band(market.score(choice)):
                return tuple(choice)
        return None


def _issues(formula) -> set[int]:
    if formula[0] == "is":
        return {formula[1]}
    return set().union(*(_issues(f) for f in formula[1:])) if formula[0] in ("and", "or") else set()


def _groups(count: int, ties) -> list[list[int]]:
    """Issue indexes grouped so that no condition spans two groups."""
    parent = list(range(count))

    def root(n: int) -> int:
        while parent[n] != n:
            n = parent[n]
        return n

    for tie in ties:
        members = sorted(_issues(tie))
        for other in members[1:]:
            parent[root(other)] = root(members[0])
    groups: dict[int, list[int]] = {}
    for n in range(count):
        groups.setdefault(root(n), []).append(n)
    return list(groups.values())


def best_set(market: Market, count: int, budget: solver.Budget, required: Sequence[int] = ()):
    """A valid set of `count` packages good for them, as (leads, packages), or None."""
    oracle = Oracle(market, budget)
    single = oracle.best({})
    if single is None:
        return None
    capable = [n for n, d in enumerate(oracle.domains) if len(market.levels(n, d)) > 1]
    if len(capable) < count or any(n not in capable for n in required):
        return None
    cost = {n: _lead_cost(market, oracle, single, n, count) for n in capable}
    ranked = sorted((n for n in capable if n not in required), key=lambda n: (cost[n], n))
    missing = count - len(required)
    pool = ranked[:missing + 3]
    lead_sets = [tuple(sorted((*required, *extra))) for extra in itertools.combinations(pool, missing)]
    lead_sets.sort(key=lambda leads: (sum(cost[n] for n in leads), leads))
    starts = [c for c in (_with_thresholds(market, oracle, single, leads) for leads in lead_sets[:LEAD_SETS_TRIED]) if c]
    starts.sort(key=lambda c: -_total(market, c))  # stable: ties keep the cheaper lead set first
    polished = [_polish(market, oracle, c) for c in starts[:POLISHED]]
    if not polished:
        return None
    top = max(_total(market, c) for c in polished)
    found = next(c for c in polished if _total(market, c) >= top - market.epsilon)
    return tuple(lead for lead, _ in found), tuple(p for _, p in found)


def _total(market: Market, chosen) -> float:
    return sum(market.their_score(p) for _, p in chosen)


def _lead_cost(market: Market, oracle: Oracle, single, n: int, count: int) -> float:
    """What leading with issue n costs them, estimated from the single best package: the
    leader stays at its level (or rises off the lowest), the others drop below it."""
    levels = market.levels(n, oracle.domains[n])
    level = max(market.theirs[n][single[n]], levels[-2])
    best = market.their_score(single)
    leader = oracle.best({n: _at_least(market, oracle, n, level)})
    follower = oracle.best({n: _below(market, oracle, n, level)})
    if leader is None or follower is None:
        return float("inf")
    return (best - market.their_score(leader)) + (count - 1) * (best - market.their_score(follower))


def _at_least(market: Market, oracle: Oracle, n: int, level: float) -> frozenset[int]:
    return frozenset(k for k in oracle.domains[n] if market.theirs[n][k] >= level - market.epsilon)


def _below(market: Market, oracle: Oracle, n: int, level: float) -> frozenset[int]:
    return frozenset(k for k in oracle.domains[n] if market.theirs[n][k] < level - market.epsilon)


def _with_thresholds(market: Market, oracle: Oracle, single, leads):
    """The packages for these leads at the single best package's levels, each threshold
    lowered a level at a time where a package cannot meet it."""
    thresholds = [max(market.theirs[n][single[n]], market.levels(n, oracle.domains[n])[-2]) for n in leads]
    for _ in range(sum(len(market.levels(n, oracle.domains[n])) for n in leads)):
        chosen = []
        for i, lead in enumerate(leads):
            allowed = {other: (_at_least if i == j else _below)(market, oracle, other, t)
                       for j, (other, t) in enumerate(zip(leads, thresholds))}
            found = oracle.best(allowed)
            if found is None:
                break
            chosen.append((lead, found))
        else:
            return chosen
        i = len(chosen)  # package i cannot reach its lead's threshold: lower it a level, if any is left
        lower = [t for t in market.levels(leads[i], oracle.domains[leads[i]])[:-1] if t < thresholds[i] - market.epsilon]
        if not lower:
            return None
        thresholds[i] = lower[0]
    return None


def _polish(market: Market, oracle: Oracle, chosen):
    """Swap each package for the best one that keeps every lead (generosity left on the
    table); where none is left, try raising a leader a level to free the others."""
    chosen = _swaps(market, oracle, chosen)
    for _ in range(POLISH_ROUNDS):
        pushed = max((_push(market, oracle, chosen, i) for i in range(len(chosen))),
                     key=lambda c: _total(market, c))
        if _total(market, pushed) <= _total(market, chosen) + market.epsilon:
            break
        chosen = pushed
    return chosen


def _swaps(market: Market, oracle: Oracle, chosen):
    chosen = list(chosen)
    for _ in range(POLISH_ROUNDS):
        improved = False
        for i, (lead, current) in enumerate(chosen):
            better = oracle.best(_swap_restrictions(market, oracle, chosen, i))
            if better is not None and market.their_score(better) > market.their_score(current) + market.epsilon:
                chosen[i] = (lead, better)
                improved = True
        if not improved:
            break
    return chosen


def _push(market: Market, oracle: Oracle, chosen, i):
    """The best set with package i one level higher on its lead, the others then swapped."""
    lead, current = chosen[i]
    higher = [t for t in market.levels(lead, oracle.domains[lead]) if t > market.theirs[lead][current[lead]] + market.epsilon]
    if not higher:
        return chosen
    allowed = _swap_restrictions(market, oracle, chosen, i)
    allowed[lead] = _at_least(market, oracle, lead, higher[-1])
    leader = oracle.best(allowed)
    if leader is None:
        return chosen
    return _swaps(market, oracle, [*chosen[:i], (lead, leader), *chosen[i + 1:]])


def _swap_restrictions(market: Market, oracle: Oracle, chosen, i) -> dict[int, frozenset[int]]:
    """What package i may be while every package keeps its lead: strictly the most
    generous on its own, and below each other package on that package's lead."""
    lead = chosen[i][0]
    top_others = max(market.theirs[lead][p[lead]] for j, (_, p) in enumerate(chosen) if j != i)
    allowed = {lead: frozenset(k for k in oracle.domains[lead] if market.theirs[lead][k] > top_others + market.epsilon)}
    for j, (other, p) in enumerate(chosen):
        if j != i:
            allowed[other] = _below(market, oracle, other, market.theirs[other][p[other]])
    return allowed
