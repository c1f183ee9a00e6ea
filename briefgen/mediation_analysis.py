"""The mediator's analysis: both true scores, both win-sets, the zone, the frontier, the proposals.

Computed on the joint case (briefgen.mediation): A's true points against B's,
each side's own ratifiers. The frontier and the fair points of it are
briefgen.pareto's; this module picks the proposals, says from the numbers why
each is fair, and, where there is no zone of possible agreement, what blocks it.
"""
from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from briefgen.case import Case, package_label
from briefgen.level2.winsets import WinSets, analyse_win_sets
from briefgen.mediation import joint_case
from briefgen.meso.solver import Budget
from briefgen.meso.space import Market
from briefgen.pareto import Floors, Frontier, Point, disagreement, equal_gains, frontier, nash
from briefgen.reading import offers_now
from briefgen.terms import format_points as pts

EVERY_PACKAGE = 40  # a space of at most this many packages is listed whole, with both true scores
COUNTED = 20_000  # the packages of the zone are counted one by one in a space of at most this many
SAMPLE, SEED = 3_000, 20_040  # a larger space is drawn as a fixed sample of this many (the same figure every build)


@dataclass(frozen=True)
class Scored:
    """A package with both true scores: A's (`score`) and B's (`their_score`)."""

    label: str
    terms: Mapping
    score: float
    their_score: float
    inside: bool = True  # inside both win-sets

    def scores(self, a: Case, b: Case) -> dict:
        return {a.id: self.score, b.id: self.their_score}


@dataclass(frozen=True)
class Proposal:
    """A package the mediator proposes: efficient, inside both win-sets, above both reservations."""

    label: str
    terms: Mapping
    score: float
    their_score: float
    gains: tuple[float, float]  # over each side's reservation (or its least on the frontier)
    shares: tuple[float, float]  # each gain as a share of the most that side can gain on the frontier
    rules: tuple[str, ...]  # "Nash bargaining solution", "equal gains"
    why: str


@dataclass(frozen=True)
class Weight:
    """What an issue can swing for each side: its best value's points minus its worst's, and that
    swing's share of all the side's swings (where the two shares differ, there is a trade)."""

    issue: object
    swings: tuple[float, float]
    shares: tuple[float, float]


@dataclass(frozen=True)
class Mediation:
    a: Case
    b: Case
    joint: Case
    market: Market
    win_sets: WinSets
    front: tuple[Scored, ...]  # the efficient frontier above both reservations, best for A first
    complete: bool  # False: the frontier was cut (pareto.FRONTIER_LIMIT, or the time budget)
    proposals: tuple[Proposal, ...]
    base: tuple[float, float] | None  # what gains are measured from
    room: tuple[float, float] | None  # the most each side can gain on the frontier
    zone_size: int | None  # packages inside both win-sets and above both reservations (None: too many to count)
    every: tuple[Scored, ...] | None  # every package, for a small space
    own: tuple[tuple[Scored, ...], tuple[Scored, ...]]  # each side's own MESO packages, scored both ways
    blocks: tuple[str, ...]  # what stands in the way where there is no zone
    cloud: tuple[Scored, ...]  # every package (for the figure), or a fixed sample of a large space
    sampled_from: int | None  # the size of the space the cloud is a sample of
    weights: tuple[Weight, ...]  # per issue, what it can swing for each side

    @property
    def packages(self) -> int:
        """How many packages there are (ranges on their step)."""
        return self.sampled_from or len(self.cloud)

    @property
    def zone(self) -> bool:
        return bool(self.front)

    def to_json(self) -> dict:
        a, b = self.a, self.b
        return {
            "frontier": [{"terms": dict(p.terms), "scores": p.scores(a, b)} for p in self.front],
            "complete": self.complete,
            "proposals": [{"label": p.label, "terms": dict(p.terms), "scores": {a.id: p.score, b.id: p.their_score},
                           "gains": {a.id: p.gains[0], b.id: p.gains[1]},
                           "shares": {a.id: p.shares[0], b.id: p.shares[1]}, "rules": list(p.rules), "why": p.why}
                          for p in self.proposals],
            "zone": {"exists": self.zone, "packages": self.zone_size, "blocked_by": list(self.blocks)},
        }


def mediate(a: Case, b: Case, budget: Budget | None = None) -> Mediation:
    budget = budget or Budget()
    joint = joint_case(a, b)
    market = Market(joint)
    floors = Floors(a.targets.reservation, b.targets.reservation)
    front = frontier(market, floors, budget)
    base = disagreement(front, floors)
    room = (max(p.score for p in front.points) - base[0], max(p.their_score for p in front.points) - base[1]) \
        if front.points else None
    win_sets = analyse_win_sets(joint)
    size = math.prod(len(values) for values in market.values)
    listed = _every(market) if size <= COUNTED else None
    return Mediation(
        a=a, b=b, joint=joint, market=market, win_sets=win_sets,
        front=tuple(_scored(market, p) for p in front.points), complete=front.complete,
        proposals=_proposals(a, b, market, front, floors, base, room),
        base=base, room=room,
        zone_size=None if listed is None else sum(p.inside and _above(market, p, floors) for p in listed),
        every=tuple(listed) if listed is not None and size <= EVERY_PACKAGE else None,
        own=(_own(joint, a), _own(joint, b)),
        blocks=() if front.points else _blocks(a, b, market, floors, win_sets, budget),
        cloud=tuple(listed if listed is not None else _sample(market)),
        sampled_from=None if listed is not None else size,
        weights=_weights(market),
    )


def _scored(market: Market, point: Point, label: str = "") -> Scored:
    return Scored(label, market.package(point.choice), point.score, point.their_score)


def _every(market: Market) -> list[Scored]:
    return [_package(market, choice) for choice in itertools.product(*(range(len(values)) for values in market.values))]


def _sample(market: Market) -> list[Scored]:
    rng = random.Random(SEED)
    return [_package(market, [int(rng.random() * len(values)) for values in market.values]) for _ in range(SAMPLE)]


def _package(market: Market, choice) -> Scored:
    return Scored("", market.package(choice), market.score(choice), market.their_score(choice), market.inside(choice))


def _weights(market: Market) -> tuple[Weight, ...]:
    swings = [(max(o) - min(o), max(t) - min(t)) for o, t in zip(market.ours, market.theirs)]
    totals = [sum(s[n] for s in swings) or 1.0 for n in (0, 1)]
    return tuple(Weight(issue, swing, (swing[0] / totals[0], swing[1] / totals[1]))
                 for issue, swing in zip(market.issues, swings))


def _above(market: Market, p: Scored, floors: Floors) -> bool:
    e = market.epsilon
    return (floors.ours is None or p.score >= floors.ours - e) and (floors.theirs is None or p.their_score >= floors.theirs - e)


def _own(joint: Case, side: Case) -> tuple[Scored, ...]:
    """A side's own MESO packages (built on its estimate of the other), scored on both true scores."""
    from briefgen.scoring import in_win_set, our_score, their_score

    return tuple(Scored(p.label, p.terms, our_score(joint, p.terms), their_score(joint, p.terms),
                        in_win_set(joint, p.terms, "us") and in_win_set(joint, p.terms, "them"))
                 for p in offers_now(side).packages)


# --- the proposals ----------------------------------------------------------------------------

NASH, EQUAL = "Nash bargaining solution", "equal gains"


def _proposals(a: Case, b: Case, market: Market, front: Frontier, floors: Floors, base, room) -> tuple[Proposal, ...]:
    """The Nash bargaining solution and the equal-gains package (one proposal where they coincide),
    labelled in an order drawn from their terms alone (issue ids in alphabetical order, then values),
    so that neither the order nor the labels tell a side which package the other prefers."""
    chosen: dict[tuple, list[str]] = {}
    for rule, point in ((NASH, nash(front, floors)), (EQUAL, equal_gains(front, floors))):
        if point is not None:
            chosen.setdefault(point.choice, []).append(rule)
    by_terms = sorted(chosen, key=lambda choice: _neutral_key(market, choice))
    points = {p.choice: p for p in front.points}
    proposals, choices = [], {}
    for n, choice in enumerate(by_terms):
        p = points[choice]
        gains = (p.score - base[0], p.their_score - base[1])
        shares = tuple(g / r if r > market.epsilon else 1.0 for g, r in zip(gains, room))
        proposals.append(Proposal(package_label(n), market.package(choice), p.score, p.their_score, gains, shares,
                                  tuple(chosen[choice]), ""))
        choices[proposals[-1].label] = choice
    return tuple(_with_why(p, choices[p.label], a, b, front, floors, base, room) for p in proposals)


def _neutral_key(market: Market, choice) -> tuple:
    package = market.package(choice)
    return tuple((isinstance(package[i], str), package[i]) for i in sorted(package))


def _with_why(p: Proposal, choice, a: Case, b: Case, front: Frontier, floors, base, room) -> Proposal:
    names = (a.parties.us.name, b.parties.us.name)
    start = [f"over its reservation ({pts(floor)})" if floor is not None else
             f"over the least it gets on the frontier ({pts(low)})" for floor, low in zip(floors, base)]
    gains = (f"{names[0]} gains {pts(p.gains[0])} points {start[0]}, {_percent(p.shares[0])} of the "
             f"{pts(room[0])} it could gain on the frontier; {names[1]} gains {pts(p.gains[1])} {start[1]}, "
             f"{_percent(p.shares[1])} of its {pts(room[1])}")
    count = len(front.points)
    said = [f"It is efficient (no package is better for both), inside both win-sets and above both reservations. {gains}."]
    if NASH in p.rules:
        others = [q for q in front.points if q.choice != choice]
        product = p.gains[0] * p.gains[1]
        runner = max((max(q.score - base[0], 0) * max(q.their_score - base[1], 0) for q in others), default=None)
        said.append(
            f"Nash bargaining solution: of the {count} efficient package{'s' if count != 1 else ''} in the zone it makes "
            f"the product of the two gains largest ({pts(p.gains[0])} × {pts(p.gains[1])} = {pts(product)}"
            + (f"; the next best gives {pts(runner)}" if runner is not None else "") + "). Fair in Nash's sense: any "
            "other efficient package that multiplies one side's gain by some factor divides the other's by at least as much.")
    if EQUAL in p.rules:
        low = min((0, 1), key=lambda n: p.shares[n])
        said.append(
            f"Equal gains: of what each side could gain on the frontier, {names[0]} gets {_percent(p.shares[0])} and "
            f"{names[1]} {_percent(p.shares[1])}; no efficient package gives the side that gains less "
            f"({names[low]} here) a larger share. Fair as equal shares: each side's gain is measured on its own "
            f"scale, so neither side's points have to be weighed against the other's.")
    return dataclasses.replace(p, why=" ".join(said))


def _percent(share: float) -> str:
    return f"{round(share * 100):.0f}%"


# --- no zone: what blocks it -----------------------------------------------------------------

def _blocks(a: Case, b: Case, market: Market, floors: Floors, win_sets: WinSets, budget: Budget) -> tuple[str, ...]:
    """Why no package is inside both win-sets and above both reservations: the conditions that
    clash, the reservation out of reach and by how much, and whose conditions, dropped, would open a zone."""
    names = {"us": a.parties.us.name, "them": b.parties.us.name}
    if not win_sets.meet:
        found = []
        for clash in win_sets.clashes:
            first = clash.first
            if clash.second is None:
                found.append(f"{first.constituency.display_name} ({names[first.constituency.side]}) requires "
                             f"'{first.condition}', which no package meets")
            else:
                second = clash.second
                found.append(f"{first.constituency.display_name} ({names['us']}) requires '{first.condition}' and "
                             f"{second.constituency.display_name} ({names['them']}) requires '{second.condition}': "
                             "no package meets both")
        return tuple(found) or ("the win-sets do not meet: the conditions of both sides together leave no package",)
    open_front = frontier(market, Floors(), budget)
    best = (max(p.score for p in open_front.points), max(p.their_score for p in open_front.points))
    found = []
    for n, (floor, name) in enumerate(zip(floors, (names["us"], names["them"]))):
        if floor is not None and best[n] < floor - market.epsilon:
            found.append(f"no package inside both win-sets reaches {name}'s reservation ({pts(floor)}): the best gives "
                         f"{name} {pts(best[n])}, {pts(floor - best[n])} short")
    if not found:  # each reservation can be met, but not both at once
        with_b = [p.score for p in open_front.points if p.their_score >= floors.theirs - market.epsilon]
        gap = floors.ours - max(with_b)
        found.append(f"with {names['them']} at its reservation ({pts(floors.theirs)}) or above, the most {names['us']} "
                     f"can get inside both win-sets is {pts(max(with_b))}, {pts(gap)} short of its reservation "
                     f"({pts(floors.ours)})")
    for constituency in {c.id: c for c, _ in market.blocking}.values():
        without = copy.copy(market)
        without.blocking = [(c, k) for c, k in market.blocking if c.id != constituency.id]
        without.formulas = [f for (c, _), f in zip(market.blocking, market.formulas) if c.id != constituency.id]
        if frontier(without, floors, budget, limit=1).points:
            conditions = "; ".join(f"'{k}'" for c, k in market.blocking if c.id == constituency.id)
            found.append(f"without the conditions of {constituency.display_name} ({names[constituency.side]}: "
                         f"{conditions}) there would be a zone")
    return tuple(found)
