"""Win-sets: which packages each side's ratifiers would accept, and who binds.

Counting packages is exact and cheap because conditions rarely tie many
issues together: issues are split into components (issues linked by a shared
condition), each component's value combinations are enumerated once, and
counts multiply across components. A component too large to enumerate is
sampled with a fixed seed (the same case always gives the same answer) and
the result is marked as an estimate.
"""
from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from briefgen.case import Case, Constituency
from briefgen.conditions import Condition

ENUMERATION_LIMIT = 200_000  # value combinations per component enumerated exactly


@dataclass(frozen=True)
class Requirement:
    """One condition a ratifier or veto holder imposes."""

    constituency: Constituency
    condition: Condition

    def __str__(self) -> str:
        return f"{self.constituency.display_name}: {self.condition}"


@dataclass(frozen=True)
class Clash:
    """Two requirements, one per side, that no package meets together (or one no package meets)."""

    first: Requirement
    second: Requirement | None = None


@dataclass(frozen=True)
class SideWinSet:
    side: str
    requirements: tuple[Requirement, ...]
    size: float  # packages this side's ratifiers alone accept
    binding: Constituency | None  # whose conditions remove the most otherwise acceptable packages
    removed_by_binding: float


@dataclass(frozen=True)
class WinSets:
    total: float  # every package on the issues' values (ranges on their step)
    us: SideWinSet
    them: SideWinSet
    both: float  # packages inside both win-sets
    clashes: tuple[Clash, ...]
    best_score: float | None  # our best score inside both win-sets
    exact: bool

    @property
    def meet(self) -> bool:
        return self.both > 0

    def side(self, side: str) -> SideWinSet:
        return self.us if side == "us" else self.them


def analyse_win_sets(case: Case) -> WinSets:
    requirements = [Requirement(c, condition) for c, condition in case.blocking_conditions()]
    space = _Space(case, requirements)
    everyone = frozenset(range(len(requirements)))

    def of(side: str) -> frozenset[int]:
        return frozenset(i for i, r in enumerate(requirements) if r.constituency.side == side)

    sides = {}
    for side in ("us", "them"):
        mine = of(side)
        binding, removed = None, 0.0
        all_count = space.count(everyone)
        for constituency in case.side(side):
            theirs = frozenset(i for i in mine if requirements[i].constituency.id == constituency.id)
            if theirs:
                gone = space.count(everyone - theirs) - all_count
                if gone > removed:
                    binding, removed = constituency, gone
        sides[side] = SideWinSet(side, tuple(requirements[i] for i in sorted(mine)), space.count(mine), binding, removed)

    clashes = [Clash(requirements[i]) for i in everyone if space.count(frozenset({i})) == 0]
    alone_ok = [i for i in sorted(everyone) if space.count(frozenset({i})) > 0]
    for i, j in itertools.combinations(alone_ok, 2):
        a, b = requirements[i], requirements[j]
        if a.constituency.side != b.constituency.side and space.count(frozenset({i, j})) == 0:
            first, second = (a, b) if a.constituency.side == "us" else (b, a)
            clashes.append(Clash(first, second))
    return WinSets(
        total=space.count(frozenset()),
        us=sides["us"],
        them=sides["them"],
        both=space.count(everyone),
        clashes=tuple(clashes),
        best_score=space.best_score(everyone),
        exact=space.exact,
    )


TIES_KEPT = 32  # equally good value combinations kept per component and mask, to find the nearest


class _Space:
    """The package space, split into independent components of issues.

    With `hold`, held issues take only their held value (the packages we
    would actually offer); without, every value (what the ratifiers accept).
    """

    def __init__(self, case: Case, requirements: list[Requirement], hold: Mapping | None = None):
        self.case = case
        self.hold = hold or {}
        self.exact = True
        parent = {issue.id: issue.id for issue in case.issues}

        def root(issue_id: str) -> str:
            while parent[issue_id] != issue_id:
                issue_id = parent[issue_id]
            return issue_id

        for requirement in requirements:
            ids = sorted(requirement.condition.issue_ids)
            for other in ids[1:]:
                parent[root(other)] = root(ids[0])
        groups: dict[str, list] = {}
        for issue in case.issues:
            groups.setdefault(root(issue.id), []).append(issue)
        self.components = []
        for issues in groups.values():
            ids = {issue.id for issue in issues}
            members = [i for i, r in enumerate(requirements) if r.condition.issue_ids & ids]
            self.components.append(self._enumerate(issues, [requirements[i] for i in members], members))

    def _enumerate(self, issues, requirements, members):
        """Counter of (failed-requirement mask -> how many combinations, best score)."""
        values = [[self.hold[issue.id]] if issue.id in self.hold else list(issue.values()) for issue in issues]
        size = math.prod(len(v) for v in values)
        if size <= ENUMERATION_LIMIT:
            combos, weight = itertools.product(*values), 1.0
        else:
            self.exact = False
            rng = random.Random(0)
            combos = (tuple(rng.choice(v) for v in values) for _ in range(ENUMERATION_LIMIT))
            weight = size / ENUMERATION_LIMIT
        counts: Counter = Counter()
        best: dict[int, tuple[float, list]] = {}  # mask -> our best score and the combinations reaching it
        for combo in combos:
            package = {issue.id: value for issue, value in zip(issues, combo)}
            mask = 0
            for bit, requirement in zip(members, requirements):
                if not requirement.condition(package):
                    mask |= 1 << bit
            counts[mask] += weight
            score = sum(issue.our_points(value) for issue, value in zip(issues, combo))
            top = best.get(mask)
            if top is None or score > top[0] + 1e-9:
                best[mask] = (score, [combo])
            elif abs(score - top[0]) <= 1e-9 and len(top[1]) < TIES_KEPT:
                top[1].append(combo)
        return issues, counts, best

    def count(self, chosen: frozenset[int]) -> float:
        """Packages meeting every chosen requirement."""
        mask = sum(1 << i for i in chosen)
        return math.prod(sum(n for m, n in counts.items() if not m & mask) for _, counts, _ in self.components)

    def best_score(self, chosen: frozenset[int]) -> float | None:
        mask = sum(1 << i for i in chosen)
        total = 0.0
        for _, _, best in self.components:
            scores = [score for m, (score, _) in best.items() if not m & mask]
            if not scores:
                return None
            total += max(scores)
        return total

    def best_package(self, chosen: frozenset[int], near: Mapping | None = None) -> dict | None:
        """Our best package meeting every chosen requirement; among equals, the
        one that changes fewest terms from `near`."""
        mask = sum(1 << i for i in chosen)
        package: dict = {}
        for issues, _, best in self.components:
            allowed = [entry for m, entry in best.items() if not m & mask]
            if not allowed:
                return None
            top = max(score for score, _ in allowed)
            combos = [combo for score, tied in allowed if score >= top - 1e-9 for combo in tied]
            if near is not None:
                combos.sort(key=lambda combo: sum(near.get(i.id) != v for i, v in zip(issues, combo)))
            package.update({issue.id: value for issue, value in zip(issues, combos[0])})
        return package
