"""Building a MESO set: the best valid set of packages for them, or why there is none."""
from __future__ import annotations

import itertools
import math

from briefgen.case import Case, package_label
from briefgen.level2.winsets import analyse_win_sets
from briefgen.meso import space
from briefgen.meso.decoding import decoding_key, research_warnings
from briefgen.meso.model import EPSILON, Diagnostic, Meso, MesoPackage
from briefgen.meso.space import Market, Oracle

THRESHOLD_SEARCH_LIMIT = 2_000  # threshold combinations searched completely


def construct(case: Case, market: Market) -> Meso:
    if not case.issues:
        return Meso((), (), True)  # nothing on the table yet: nothing to build or to say
    oracle = Oracle(market)
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
    diagnostics += research_warnings(case, market, packages)
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


def _promising(market: Market, candidates: list[int], keep: int) -> list[int]:
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
            better = oracle.best(swap_restrictions(market, chosen, i))
            if better is not None and better[2] > current[2] + EPSILON:
                chosen[i] = (lead, better)
                improved = True
        if not improved:
            break
    return chosen


def swap_restrictions(market, chosen, i) -> dict[int, frozenset[int]]:
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


def _why_no_package(case: Case, market: Market) -> list[Diagnostic]:
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
                       for choice in itertools.islice(itertools.product(*(range(len(v)) for v in market.values)), space.EXACT_LIMIT))
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


def _ratifiable_scores(market: Market):
    """Our scores of ratifiable packages (a bounded sample on huge spaces)."""
    limit = space.EXACT_LIMIT
    for count, choice in enumerate(itertools.product(*(range(len(v)) for v in market.values))):
        if count >= limit:
            return
        if market.ratifiable(market.package(choice)):
            yield market.score(choice)
