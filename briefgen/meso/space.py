"""The space of packages: the band and conditions of a case (Market), and the best
package for them under per-issue restrictions (Oracle).

The oracle enumerates exactly where the space is small enough, and otherwise
runs a dynamic programme over issues on scaled integer scores; every package
it returns is checked on its true real-valued score.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from briefgen.case import Case
from briefgen.meso.model import EPSILON

EXACT_LIMIT = 200_000  # packages enumerated exactly


class Market:
    """Everything the criteria need about a case: band, conditions, points per value."""

    def __init__(self, case: Case):
        self.case = case
        self.issues = list(case.issues)
        meso_settings = case.meso
        self.low = case.aspiration - meso_settings.tolerance
        if case.targets.reservation is not None:
            self.low = max(self.low, case.targets.reservation)
        self.high = case.aspiration + meso_settings.tolerance
        self.values = [
            [meso_settings.hold[i.id]] if i.id in meso_settings.hold else list(i.values())
            for i in self.issues
        ]
        self.ours = [[i.our_points(v) for v in values] for i, values in zip(self.issues, self.values)]
        self.theirs = [[i.their_points_for(v) for v in values] for i, values in zip(self.issues, self.values)]
        self.requirements = [condition for _, condition in case.blocking_conditions()]

    def index(self, issue_id: str) -> int:
        return next(n for n, issue in enumerate(self.issues) if issue.id == issue_id)

    def package(self, choice: Sequence[int]) -> dict:
        return {issue.id: self.values[n][k] for n, (issue, k) in enumerate(zip(self.issues, choice))}

    def score(self, choice) -> float:
        return sum(self.ours[n][k] for n, k in enumerate(choice))

    def their_score(self, choice) -> float:
        return sum(self.theirs[n][k] for n, k in enumerate(choice))

    def in_band(self, score: float) -> bool:
        return self.low - EPSILON <= score <= self.high + EPSILON

    def ratifiable(self, package: Mapping) -> bool:
        return all(condition(package) for condition in self.requirements)

    def lead_levels(self, n: int) -> list[float]:
        """Their distinct points on issue n, most generous first."""
        return sorted(set(self.theirs[n]), reverse=True)

    def components(self) -> list[list[int]]:
        """Issue indexes grouped so that no condition spans two groups."""
        parent = list(range(len(self.issues)))

        def root(n: int) -> int:
            while parent[n] != n:
                n = parent[n]
            return n

        ids = {issue.id: n for n, issue in enumerate(self.issues)}
        for condition in self.requirements:
            members = sorted(ids[i] for i in condition.issue_ids)
            for other in members[1:]:
                parent[root(other)] = root(members[0])
        groups: dict[int, list[int]] = {}
        for n in range(len(self.issues)):
            groups.setdefault(root(n), []).append(n)
        return list(groups.values())


Allowed = Mapping[int, frozenset[int]]  # issue index -> allowed value indexes


class Oracle:
    """The best package for them meeting criteria 1 and 2 and per-issue restrictions."""

    def __init__(self, market: Market):
        self.market = market
        self.blocks = []  # per component: its issue indexes and ratifiable value combinations
        for issues in market.components():
            combos = []
            for combo in itertools.product(*(range(len(market.values[n])) for n in issues)):
                partial = {market.issues[n].id: market.values[n][k] for n, k in zip(issues, combo)}
                if all(c(partial) for c in market.requirements if c.issue_ids <= partial.keys()):
                    combos.append(combo)
            self.blocks.append((issues, combos))
        self.size = math.prod(len(combos) for _, combos in self.blocks)
        self.exact = self.size <= EXACT_LIMIT
        if self.exact:
            self._enumerate()

    def _enumerate(self) -> None:
        market = self.market
        feasible = []
        for parts in itertools.product(*(combos for _, combos in self.blocks)):
            choice = [0] * len(market.issues)
            for (issues, _), combo in zip(self.blocks, parts):
                for n, k in zip(issues, combo):
                    choice[n] = k
            score = market.score(choice)
            if market.in_band(score):
                feasible.append((tuple(choice), score, market.their_score(choice)))
        # Best for them first; then closest to our aspiration; then file order of values.
        feasible.sort(key=lambda f: (-f[2], abs(f[1] - market.case.aspiration), f[0]))
        self.feasible = feasible

    def best(self, allowed: Allowed) -> tuple[tuple[int, ...], float, float] | None:
        if self.exact:
            for candidate in self.feasible:
                choice = candidate[0]
                if all(choice[n] in ks for n, ks in allowed.items()):
                    return candidate
            return None
        return self._programme(allowed)

    def _programme(self, allowed: Allowed):
        """Multiple-choice knapsack over components: max their points, our points in band."""
        import numpy as np

        market = self.market
        options = []
        for issues, combos in self.blocks:
            kept = [c for c in combos if all(c[i] in allowed[n] for i, n in enumerate(issues) if n in allowed)]
            if not kept:
                return None
            ours = [sum(market.ours[n][k] for n, k in zip(issues, c)) for c in kept]
            theirs = [sum(market.theirs[n][k] for n, k in zip(issues, c)) for c in kept]
            options.append((issues, kept, ours, theirs))
        resolution, exact = _resolution([o[2] for o in options], market.high - market.low)
        slack = 0 if exact else len(options) * resolution / 2
        floors = [min(round(x / resolution) for x in o[2]) for o in options]
        spans = [max(round(x / resolution) for x in o[2]) - f for o, f in zip(options, floors)]
        best = np.zeros(1)  # their best points for each reachable (scaled) score so far
        choices = []
        for (issues, kept, ours, theirs), floor, span in zip(options, floors, spans):
            # One row per option: the previous states shifted by its points; the
            # column-wise max is the new best, and argmax (first on ties) the choice.
            rows = np.full((len(kept), len(best) + span), -np.inf)
            for k, (our, their) in enumerate(zip(ours, theirs)):
                shift = round(our / resolution) - floor
                rows[k, shift:shift + len(best)] = best + their
            pick = rows.argmax(axis=0)
            best = rows[pick, np.arange(rows.shape[1])]
            choices.append(pick)
        base = sum(floors) * resolution
        states = np.arange(len(best)) * resolution + base
        # Off the grid, a state's score is only known to within `slack`: look
        # in the band widened by it, best for them first, and keep the first
        # package whose true score is in the band.
        band = (states >= market.low - slack - EPSILON) & (states <= market.high + slack + EPSILON) & ~np.isneginf(best)
        if not band.any():
            return None
        masked = np.where(band, best, -np.inf)
        ties = np.flatnonzero(masked >= masked.max() - EPSILON)
        first = ties[np.argmin(np.abs(states[ties] - market.case.aspiration))]

        def states_to_try():
            yield first  # almost always in the band; sorting the rest is the slow part
            candidates = np.flatnonzero(band)
            yield from candidates[np.lexsort((np.abs(states[candidates] - market.case.aspiration), -best[candidates]))][:64]

        for state in states_to_try():
            choice = self._walk_back(options, floors, choices, resolution, int(state))
            score = market.score(choice)
            if market.in_band(score):
                return tuple(choice), score, market.their_score(choice)
        return None

    def _walk_back(self, options, floors, choices, resolution, state) -> list[int]:
        """The package behind a final state of the programme."""
        choice = [0] * len(self.market.issues)
        for (issues, kept, ours, theirs), floor, pick in zip(reversed(options), reversed(floors), reversed(choices)):
            k = int(pick[state])
            for n, value in zip(issues, kept[k]):
                choice[n] = value
            state -= round(ours[k] / resolution) - floor
        return choice


def _resolution(points: list[list[float]], band: float) -> tuple[float, bool]:
    """A grid for the programme: exact where all points sit on it, else fine enough."""
    flat = [x for xs in points for x in xs]
    for step in (1, 0.5, 0.25, 0.1, 0.05, 0.01):
        if all(abs(x / step - round(x / step)) < 1e-9 for x in flat):
            return step, True
    return min(0.01, max(band, 0.01) / (4 * max(len(points), 1))), False
