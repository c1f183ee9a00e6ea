"""MESO: multiple equivalent simultaneous offers, built or checked.

The contract is "What a good MESO set is" in the case format: packages
(1) within tolerance of our aspiration and never below reservation,
(2) inside both win-sets and respecting `hold`, (3) distinct, (4) informative:
each strictly the most generous of the set on its own lead issue, and
(5) efficient: none could be swapped for one better for them.

With distinct leads, (4) implies (3) and the non-domination half of (4). The
construction rests on one observation: fix, for each lead issue, a threshold
on their points; then package i must be at or above the threshold on its own
lead and below it on every other lead, and the packages become independent.
Each is simply the best package for them under its restrictions (an
"oracle"), and the best set over all thresholds is the best valid set with
those leads, which is also efficient. Small spaces are searched completely
(every lead combination, every threshold); large ones start from the most
generous thresholds and improve by efficiency swaps until none is left.

The oracle enumerates exactly where the space is small enough, and otherwise
runs a dynamic programme over issues on scaled integer scores; every package
it returns is checked on its true real-valued score.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from briefgen.case import Case, package_label
from briefgen.level2.winsets import analyse_win_sets

EXACT_LIMIT = 200_000  # packages enumerated exactly
THRESHOLD_SEARCH_LIMIT = 2_000  # threshold combinations searched completely
EPSILON = 1e-9


@dataclass(frozen=True)
class Diagnostic:
    level: str  # "error" or "warning"
    criterion: str  # "1".."5", or "overload", "anchoring"
    message: str

    def to_json(self) -> dict:
        return {"level": self.level, "criterion": self.criterion, "message": self.message}


@dataclass(frozen=True)
class MesoPackage:
    label: str
    terms: Mapping[str, int | float | str]
    score: float
    their_score: float
    lead: str | None
    decoding: str

    def to_json(self) -> dict:
        return {"label": self.label, "terms": dict(self.terms), "score": self.score,
                "their_score": self.their_score, "lead": self.lead}


@dataclass(frozen=True)
class Meso:
    packages: tuple[MesoPackage, ...]
    diagnostics: tuple[Diagnostic, ...]
    constructed: bool  # False: the case's own meso.offers, checked

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def sendable(self) -> bool:
        """Whether the packages may go to the other side: none misses criterion 1 or 2."""
        return bool(self.packages) and not self.errors

    def to_json(self) -> dict:
        return {"packages": [p.to_json() for p in self.packages],
                "diagnostics": [d.to_json() for d in self.diagnostics]}


def meso(case: Case) -> Meso:
    """The case's MESO set: its hand-written offers checked, or packages built."""
    market = _Market(case)
    if case.meso.offers:
        return _check_offers(case, market)
    return _construct(case, market)


# --- the space of packages ------------------------------------------------------------

class _Market:
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


class _Oracle:
    """The best package for them meeting criteria 1 and 2 and per-issue restrictions."""

    def __init__(self, market: _Market):
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


# --- construction -----------------------------------------------------------------------

def _construct(case: Case, market: _Market) -> Meso:
    if not case.issues:
        return Meso((), (), True)  # nothing on the table yet: nothing to build or to say
    oracle = _Oracle(market)
    diagnostics: list[Diagnostic] = []
    if oracle.best({}) is None:
        return Meso((), tuple(_why_no_package(case, market)), True)
    wanted = case.meso.packages
    capable = [n for n in range(len(market.issues)) if len(market.lead_levels(n)) > 1]
    best_set = None
    for count in range(min(wanted, len(capable)), 1, -1):
        best_set = _best_set(case, market, oracle, capable, count, case.meso.lead_with)
        if best_set is None and case.meso.lead_with:
            best_set = _best_set(case, market, oracle, capable, count, ())
            if best_set is not None:
                diagnostics.append(Diagnostic("warning", "4", (
                    f"no {count} packages can lead with {', '.join(case.meso.lead_with)} as meso.lead_with asks; "
                    "built the best set with other leads.")))
        if best_set is not None:
            break
    if best_set is None:
        single = oracle.best({})
        diagnostics.append(Diagnostic("warning", "4", _few_leads_message(market, capable, oracle.exact)))
        chosen = [(None, single)]
    else:
        chosen = best_set
        if len(chosen) < wanted:
            diagnostics.append(Diagnostic("warning", "4", (
                f"{wanted} packages were asked for, but only {len(chosen)} can each lead with a different issue "
                f"inside the band and both win-sets ({_lead_names(market, capable)} can vary); built {len(chosen)}.")))
    packages = _packages(case, market, chosen)
    diagnostics += _research_warnings(case, market, packages)
    return Meso(packages, tuple(diagnostics), True)


def _best_set(case, market, oracle, capable, count, lead_with):
    """The best valid set of `count` packages, as (lead index, (choice, score, theirs)) pairs."""
    preferred = [market.index(i) for i in lead_with if market.index(i) in capable]
    if len(preferred) >= count:
        combos = [tuple(preferred[:count])]
    else:
        # Every combination of leads where the space is small; else the few
        # issues worth most to them per point they cost us.
        rest = [n for n in capable if n not in preferred]
        missing = count - len(preferred)
        if math.comb(len(rest), missing) > (40 if oracle.exact else 20):
            rest = _promising(market, rest, missing + (2 if oracle.exact else 1))
        combos = [tuple(preferred) + extra for extra in itertools.combinations(rest, missing)]
    best, best_key = None, None
    for leads in combos:
        found = _best_for_leads(market, oracle, leads)
        if found is None:
            continue
        key = (sum(p[2] for _, p in found), -sum(abs(p[1] - case.aspiration) for _, p in found))
        if best_key is None or key > best_key + (0,) and key[0] > best_key[0] + EPSILON or (abs(key[0] - best_key[0]) <= EPSILON and key[1] > best_key[1] + EPSILON):
            best, best_key = found, key
    return best


def _promising(market: _Market, candidates: list[int], keep: int) -> list[int]:
    """Issues worth most to them per point they cost us: the natural leads."""
    def ratio(n: int) -> float:
        their_span = max(market.theirs[n]) - min(market.theirs[n])
        our_span = max(market.ours[n]) - min(market.ours[n])
        return their_span / (our_span + 1e-6)

    return sorted(candidates, key=lambda n: (-ratio(n), n))[:keep]


def _best_for_leads(market, oracle, leads):
    levels = [market.lead_levels(n)[:-1] for n in leads]  # the lowest level cannot lead
    if math.prod(len(ls) for ls in levels) <= THRESHOLD_SEARCH_LIMIT and oracle.exact:
        candidates = (_with_thresholds(market, oracle, leads, t) for t in itertools.product(*levels))
        valid = [c for c in candidates if c is not None]
        if not valid:
            return None
        return max(valid, key=lambda s: (sum(p[2] for _, p in s) - 0, -sum(abs(p[1] - market.case.aspiration) for _, p in s)))
    # Large spaces: start at the most generous thresholds that work, then swap to efficiency.
    thresholds = [ls[0] for ls in levels]
    for i in range(len(leads)):
        while _with_thresholds(market, oracle, leads, thresholds) is None:
            options = [t for t in levels[i] if t < thresholds[i]]
            if not options:
                break
            thresholds[i] = options[0]
    found = _with_thresholds(market, oracle, leads, thresholds)
    if found is None:
        return None
    return _polish(market, oracle, found)


def _with_thresholds(market, oracle, leads, thresholds):
    chosen = []
    for i, lead in enumerate(leads):
        allowed = {}
        for j, (other, t) in enumerate(zip(leads, thresholds)):
            ks = range(len(market.values[other]))
            if i == j:
                allowed[other] = frozenset(k for k in ks if market.theirs[other][k] >= t - EPSILON)
            else:
                allowed[other] = frozenset(k for k in ks if market.theirs[other][k] < t - EPSILON)
        found = oracle.best(allowed)
        if found is None:
            return None
        chosen.append((lead, found))
    return chosen


def _polish(market, oracle, chosen, rounds: int = 20):
    """Swap each package for the best one that keeps the others' leads: criterion 5."""
    chosen = list(chosen)
    for _ in range(rounds):
        improved = False
        for i, (lead, current) in enumerate(chosen):
            better = oracle.best(_swap_restrictions(market, chosen, i))
            if better is not None and better[2] > current[2] + EPSILON:
                chosen[i] = (lead, better)
                improved = True
        if not improved:
            break
    return chosen


def _swap_restrictions(market, chosen, i) -> dict[int, frozenset[int]]:
    """What package i may be while the set stays informative: strictly the most
    generous on its lead, and below each other package on that package's lead."""
    lead = chosen[i][0]
    allowed = {}
    top_others = max(market.theirs[lead][p[0][lead]] for j, (_, p) in enumerate(chosen) if j != i)
    allowed[lead] = frozenset(k for k, t in enumerate(market.theirs[lead]) if t > top_others + EPSILON)
    for j, (other, p) in enumerate(chosen):
        if j != i and other is not None:
            level = market.theirs[other][p[0][other]]
            allowed[other] = frozenset(k for k, t in enumerate(market.theirs[other]) if t < level - EPSILON)
    return allowed


def _packages(case, market, chosen) -> tuple[MesoPackage, ...]:
    order = {market.index(i): n for n, i in enumerate(case.meso.lead_with) if i in {x.id for x in case.issues}}
    chosen = sorted(chosen, key=lambda c: (c[0] is None, order.get(c[0], len(order)), c[0] or 0))
    terms = [market.package(p[0]) for _, p in chosen]
    leads = [market.issues[lead].id if lead is not None else None for lead, _ in chosen]
    return tuple(
        MesoPackage(package_label(n), terms[n], p[1], p[2], leads[n], decoding_key(case, terms, n, leads[n]))
        for n, (_, p) in enumerate(chosen)
    )


def _lead_names(market, capable) -> str:
    names = [market.issues[n].name for n in capable]
    return ", ".join(names) if names else "no issue"


def _few_leads_message(market, capable, searched_all: bool) -> str:
    if len(capable) < 2:
        return (f"only {len(capable)} issue can vary in a way that matters to them ({_lead_names(market, capable)}), "
                "so no two packages can each lead with a different issue; built one package, not a MESO set. "
                "Add an issue, or free one from meso.hold.")
    if not searched_all:
        return ("found no two packages inside the band and both win-sets that each lead with a different issue (the "
                "space is too large to search completely); built the single best package for them. Set meso.lead_with "
                "or widen meso.tolerance.")
    return ("no two packages inside the band and both win-sets can each be the most generous on a different issue; "
            "built the single best package for them. Widen meso.tolerance or review the conditions.")


def _why_no_package(case: Case, market: _Market) -> list[Diagnostic]:
    """No package meets criteria 1 and 2: say which, and why."""
    win_sets = analyse_win_sets(case)
    if not win_sets.meet:
        clashes = "; ".join(
            f"{k.first.constituency.display_name} needs '{k.first.condition}'"
            + (f" but {k.second.constituency.display_name} needs '{k.second.condition}'" if k.second else " (no package meets it)")
            for k in win_sets.clashes
        ) or "their conditions together exclude every package"
        return [Diagnostic("error", "2", f"the win-sets do not meet: {clashes}. No package can be offered.")]
    held = [i for i in market.case.meso.hold]
    if held and not any(True for _ in _ratifiable_scores(market)):
        blockers = [
            f"{c.display_name} needs '{condition}'" for c, condition in case.blocking_conditions()
            if not any(condition(market.package(choice))
                       for choice in itertools.islice(itertools.product(*(range(len(v)) for v in market.values)), EXACT_LIMIT))
        ]
        return [Diagnostic("error", "2", (
            f"no package that respects meso.hold ({', '.join(f'{i}={v}' for i, v in market.case.meso.hold.items())}) is "
            f"inside both win-sets: {'; '.join(blockers) or 'their conditions together exclude it'}. Change the hold, "
            "or the conditions."))]
    scores = sorted(_ratifiable_scores(market))
    below = [s for s in scores if s < market.low - EPSILON]
    above = [s for s in scores if s > market.high + EPSILON]
    band = f"{market.low:g} to {market.high:g}"
    nearest = []
    if below:
        nearest.append(f"the nearest below scores {max(below):.1f}")
    if above:
        nearest.append(f"the nearest above scores {min(above):.1f}")
    return [Diagnostic("error", "1", (
        f"no package inside both win-sets scores within the band {band} (aspiration {case.aspiration:g}, "
        f"tolerance {case.meso.tolerance:g}{', reservation ' + format(case.targets.reservation, 'g') if case.targets.reservation is not None else ''}); "
        f"{' and '.join(nearest) or 'none is ratifiable'}. Move targets.aspiration or widen meso.tolerance."))]


def _ratifiable_scores(market: _Market, limit: int = EXACT_LIMIT):
    """Our scores of ratifiable packages (a bounded sample on huge spaces)."""
    for count, choice in enumerate(itertools.product(*(range(len(v)) for v in market.values))):
        if count >= limit:
            return
        if market.ratifiable(market.package(choice)):
            yield market.score(choice)


# --- checking hand-written offers ------------------------------------------------------------

def _check_offers(case: Case, market: _Market) -> Meso:
    diagnostics: list[Diagnostic] = []
    offers = [{**case.meso.hold, **offer} for offer in case.meso.offers]
    choices = [tuple(market.values[n].index(offer[i.id]) if offer[i.id] in market.values[n] else -1
                     for n, i in enumerate(market.issues)) for offer in offers]
    scores = [sum(i.our_points(o[i.id]) for i in market.issues) for o in offers]
    theirs = [sum(i.their_points_for(o[i.id]) for i in market.issues) for o in offers]
    labels = [package_label(n) for n in range(len(offers))]
    for label, offer, score in zip(labels, offers, scores):
        if case.targets.reservation is not None and score < case.targets.reservation - EPSILON:
            diagnostics.append(Diagnostic("error", "1", f"package {label} scores {score:.1f}, below our reservation of {case.targets.reservation:g}."))
        elif not market.in_band(score):
            diagnostics.append(Diagnostic("error", "1", (
                f"package {label} scores {score:.1f}, outside {market.low:g} to {market.high:g} "
                f"(aspiration {case.aspiration:g} ± {case.meso.tolerance:g}): the packages are not equivalent for us.")))
        for c in case.constituencies:
            if c.can_block:
                for condition in case.conditions[c.id]:
                    if not condition(offer):
                        diagnostics.append(Diagnostic("error", "2", f"package {label} misses {c.display_name}'s condition '{condition}': it is outside {'our' if c.side == 'us' else 'their'} win-set."))
        for issue_id, value in case.meso.hold.items():
            if offer[issue_id] != value:
                diagnostics.append(Diagnostic("error", "2", f"package {label} does not respect meso.hold: {issue_id} is held at {value}."))
    per_issue = [[i.their_points_for(o[i.id]) for i in market.issues] for o in offers]
    varying = [n for n in range(len(market.issues)) if len({o[market.issues[n].id] for o in offers}) > 1 or len(market.values[n]) > 1]
    if len(varying) >= 2:
        for a, b in itertools.combinations(range(len(offers)), 2):
            differ = [i.name for i in market.issues if offers[a][i.id] != offers[b][i.id]]
            if not differ:
                diagnostics.append(Diagnostic("warning", "3", f"packages {labels[a]} and {labels[b]} are identical."))
            elif len(differ) < 2:
                diagnostics.append(Diagnostic("warning", "3", (
                    f"packages {labels[a]} and {labels[b]} differ only on {differ[0]}: "
                    "their choice between them would reveal little.")))
    for a, b in itertools.permutations(range(len(offers)), 2):
        if all(x >= y - EPSILON for x, y in zip(per_issue[a], per_issue[b])) and a < b or (
                all(x >= y - EPSILON for x, y in zip(per_issue[a], per_issue[b])) and a > b and not all(abs(x - y) <= EPSILON for x, y in zip(per_issue[a], per_issue[b]))):
            diagnostics.append(Diagnostic("warning", "4", (
                f"package {labels[a]} is at least as good for them as {labels[b]} on every issue: "
                f"they would never choose {labels[b]}, so it reveals nothing.")))
    leads = [_lead_of(market, per_issue, n, case.meso.lead_with) for n in range(len(offers))]
    for n, lead in enumerate(leads):
        if lead is None:
            diagnostics.append(Diagnostic("warning", "4", (
                f"package {labels[n]} leads with no issue: on no issue is it strictly the most generous "
                "package of the set, so choosing it says little about their priorities.")))
    for n, issue_id in enumerate(case.meso.lead_with[:len(offers)]):
        if leads[n] is not None and leads[n] != issue_id:
            diagnostics.append(Diagnostic("warning", "4", f"package {labels[n]} leads with {leads[n]}, not {issue_id} as meso.lead_with says."))
    if all(c != -1 for choice in choices for c in choice):
        oracle = _Oracle(market)
        chosen = [(market.index(lead) if lead else None, (choice, s, t)) for lead, choice, s, t in zip(leads, choices, scores, theirs)]
        if oracle.exact and all(lead is not None for lead, _ in chosen) and not [d for d in diagnostics if d.level == "error"]:
            for n, (lead, current) in enumerate(chosen):
                better = oracle.best(_swap_restrictions(market, chosen, n))
                if better is not None and better[2] > current[2] + EPSILON:
                    terms = market.package(better[0])
                    shown = ", ".join(f"{i.id}={terms[i.id]}" for i in market.issues if terms[i.id] != offers[n][i.id])
                    diagnostics.append(Diagnostic("warning", "5", (
                        f"package {labels[n]} could give them {better[2] - current[2]:g} more points ({shown}), still "
                        f"scoring {better[1]:g} for us, inside the band, and still leading with {market.issues[lead].name}: "
                        "generosity left on the table.")))
    terms = [dict(o) for o in offers]
    packages = tuple(
        MesoPackage(labels[n], terms[n], scores[n], theirs[n], leads[n], decoding_key(case, terms, n, leads[n]))
        for n in range(len(offers))
    )
    diagnostics += _research_warnings(case, market, packages)
    return Meso(packages, tuple(diagnostics), False)


def lead_issues(case: Case, packages: Sequence[Mapping]) -> list[str | None]:
    """Each package's lead: the issue on which it is strictly the most generous of the set."""
    market = _Market(case)
    per_issue = [[i.their_points_for(p[i.id]) for i in market.issues] for p in packages]
    return [_lead_of(market, per_issue, n, case.meso.lead_with) for n in range(len(packages))]


def _lead_of(market, per_issue, n, lead_with) -> str | None:
    """The issue on which package n is strictly the most generous of the set:
    its own entry in meso.lead_with if that holds, else the first that does."""
    order = [market.index(i) for i in lead_with[n:n + 1]] + list(range(len(market.issues)))
    for k in dict.fromkeys(order):
        if all(per_issue[n][k] > per_issue[m][k] + EPSILON for m in range(len(per_issue)) if m != n):
            return market.issues[k].id
    return None


# --- what the research says, and what a choice reveals ---------------------------------------

def _research_warnings(case: Case, market: _Market, packages) -> list[Diagnostic]:
    notes = []
    if len(packages) > 3:
        notes.append(Diagnostic("warning", "overload", (
            f"{len(packages)} packages: beyond three, choice overload sets in and MESOs lose their benefit; "
            "two or three work about equally well.")))
    best = case.best_score()
    their_best = sum(max(issue.their_points_for(v) for v in issue.values()) for issue in case.issues)
    for p in packages:
        extreme_for_us = best > 0 and p.score >= 0.9 * best
        extreme_for_them = their_best > 0 and p.their_score <= 0.15 * their_best
        if extreme_for_us or extreme_for_them:
            notes.append(Diagnostic("warning", "anchoring", (
                f"package {p.label} is extreme ({p.score:.1f} of our best {best:.1f}; an estimated {p.their_score:.1f} of "
                f"their best {their_best:.1f}): MESOs anchor recipients more strongly, and most of all with extreme "
                "offers; be ready to justify it, or it may read as bad faith.")))
    return notes


def decoding_key(case: Case, packages: Sequence[Mapping], n: int, lead: str | None) -> str:
    """What their choosing package n would suggest, and what to probe next."""
    label = package_label(n)
    them = case.parties.them.name
    by_id = {issue.id: issue for issue in case.issues}
    points = [[by_id[i].their_points_for(p[i]) for i in by_id] for p in packages]
    ids = list(by_id)
    least = [ids[k] for k in range(len(ids))
             if len(packages) > 1 and all(points[n][k] < points[m][k] - EPSILON for m in range(len(packages)) if m != n)]
    if lead is None:
        return (f"If {them} chooses {label}, no single issue explains it: {label} is not the most generous on any issue. "
                f"Probe what made it attractive: ask them to rank the issues.")
    from briefgen.terms import format_value, in_sentence

    issue = by_id[lead]
    value = format_value(issue, packages[n][lead], case.offer_sheet.locale)
    sentence = f"If {them} chooses {label}, {in_sentence(issue.name)} likely matters most to them: {label} is the most generous on it ({value})"
    if least:
        given = by_id[least[0]]
        sentence += f", while giving least on {in_sentence(given.name)}"
        others = [m for m in range(len(packages)) if m != n]
        richest = max(others, key=lambda m: points[m][ids.index(least[0])])
        probe = (f" Probe next: would they give up some {in_sentence(issue.name)} "
                 f"for {format_value(given, packages[richest][least[0]], case.offer_sheet.locale)} "
                 f"({in_sentence(given.name)} as in {package_label(richest)})?")
    else:
        probe = " Probe next: which issue comes second for them, and by how much."
    return sentence + "." + probe
