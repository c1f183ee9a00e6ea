"""What each constituency's yes costs us, in our points.

The reference is our best package inside both win-sets that respects
`meso.hold` (the packages we would really offer). For a constituency that can
block, its conditions are already in that package: their price is what the
package would score without them, less what it scores with them. For one that
only prefers, its price is what meeting its conditions would take off the
reference. Either way the change is the cheapest one, and among equally cheap
ones the one that moves fewest terms; with it come the points it gives them
and the terms it moves. Pure functions of a Case.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from briefgen.case import Case, Constituency, Issue
from briefgen.level2.winsets import Requirement, _Space


@dataclass(frozen=True)
class Change:
    """One term moved: from what the reference (or the package without the conditions) says, to what meets them."""

    issue: Issue
    before: object
    after: object
    cost: float  # our points lost (negative: gained)
    gain: float  # their estimated points won


@dataclass(frozen=True)
class Price:
    constituency: Constituency
    meetable: bool  # some package we would offer, inside both win-sets, meets its conditions
    compatible: bool  # some package inside the other side's win-set (and our hold) meets them
    cost: float | None  # our points; None where not meetable or the win-sets do not meet
    gain: float | None  # their estimated points
    changes: tuple[Change, ...]
    removed_share: float  # of the packages otherwise acceptable, the share its conditions remove

    @property
    def free(self) -> bool:
        return self.cost is not None and self.cost <= 1e-9


@dataclass(frozen=True)
class Prices:
    reference: Mapping | None  # our best package inside both win-sets, with hold
    reference_score: float | None
    by_id: Mapping[str, Price]

    def of(self, c: Constituency) -> Price | None:
        return self.by_id.get(c.id)


def prices(case: Case) -> Prices:
    requirements = [Requirement(c, condition) for c in case.constituencies for condition in case.conditions[c.id]]
    space = _Space(case, requirements, hold=case.meso.hold)
    blocking = frozenset(i for i, r in enumerate(requirements) if r.constituency.can_block)
    reference = space.best_package(blocking)
    score = (lambda p: sum(case.issue(i).our_points(v) for i, v in p.items()))
    by_id = {}
    for c in case.constituencies:
        own = frozenset(i for i, r in enumerate(requirements) if r.constituency.id == c.id)
        if not own:
            continue
        across = frozenset(i for i in blocking if requirements[i].constituency.side != c.side)
        compatible = space.count(across | own) > 0
        if c.can_block:
            without = space.best_package(blocking - own)
            start, end = without, (space.best_package(blocking, near=without) if without is not None else None)
            total = space.count(blocking - own)
            removed = (total - space.count(blocking)) / total if total else 0.0
        else:
            start, end = reference, (space.best_package(blocking | own, near=reference) if reference is not None else None)
            total = space.count(blocking)
            removed = (total - space.count(blocking | own)) / total if total else 0.0
        if start is None or end is None:
            by_id[c.id] = Price(c, False, compatible, None, None, (), removed)
            continue
        changes = tuple(
            Change(issue, start[issue.id], end[issue.id],
                   issue.our_points(start[issue.id]) - issue.our_points(end[issue.id]),
                   issue.their_points_for(end[issue.id]) - issue.their_points_for(start[issue.id]))
            for issue in case.issues if start[issue.id] != end[issue.id]
        )
        by_id[c.id] = Price(c, True, compatible, score(start) - score(end),
                            sum(change.gain for change in changes), changes, removed)
    return Prices(reference, score(reference) if reference is not None else None, by_id)


def movable_issues(case: Case, packages: list[Mapping] | None = None) -> list[Issue]:
    """The issues a move may name: not held, with more than one value, and
    (where there are packages) not the same in all of them."""
    hold = case.meso.hold
    found = []
    for issue in case.issues:
        if issue.id in hold or len(list(issue.values())) < 2:
            continue
        if packages and len(packages) > 1 and len({p.get(issue.id) for p in packages}) < 2:
            continue
        found.append(issue)
    return found
