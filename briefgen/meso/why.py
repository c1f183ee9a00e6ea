"""Why no package meets criteria 1 and 2: the conditions, the hold or the band.

Each answer is proved by the solver, not sampled: conditions that exclude
every package are narrowed to a set in which every one is needed (drop any
and a package exists), and that set is named with its constituencies and
the lines of the case file that state it.
"""
from __future__ import annotations

from briefgen.case import Case
from briefgen.meso import solver
from briefgen.meso.model import Diagnostic
from briefgen.meso.solver import Budget
from briefgen.meso.space import Market


def why_no_package(case: Case, market: Market, budget: Budget) -> list[Diagnostic]:
    free = Market(case.model_copy(update={"meso": case.meso.model_copy(update={"hold": {}})}))
    if not _exists(free, range(len(free.formulas)), budget):
        needed = _needed(free, budget)
        named = _named(case, free, needed)
        if len(needed) == 1:
            clash = f"{named[0]}, which no package meets"
        elif len(needed) == 2:
            clash = f"{named[0]} but {named[1]}"
        else:
            clash = "; ".join(named) + ": no package meets these together, and each is needed to exclude them all"
        return [Diagnostic("error", "2", f"the win-sets do not meet: {clash}. No package can be offered.",
                           _key(case, free, needed[0]))]
    held = ", ".join(f"{i}={v}" for i, v in case.meso.hold.items())
    if not _exists(market, range(len(market.formulas)), budget):
        needed = _needed(market, budget)
        return [Diagnostic("error", "2", (
            f"no package that respects meso.hold ({held}) is inside both win-sets: "
            f"{'; '.join(_named(case, market, needed)) or 'no condition, so the held values themselves'} exclude it. "
            "Change the hold, or the conditions."), "meso.hold")]
    below = solver.extreme_score(market, budget, below=market.low - market.epsilon)
    above = solver.extreme_score(market, budget, above=market.high + market.epsilon)
    nearest = [f"the nearest below scores {below:,.1f}" for _ in [below] if below is not None]
    nearest += [f"the nearest above scores {above:,.1f}" for _ in [above] if above is not None]
    reservation = case.targets.reservation
    return [Diagnostic("error", "1", (
        f"no package inside both win-sets scores within the band {market.low:g} to {market.high:g} "
        f"(aspiration {case.aspiration:g}, tolerance {case.meso.tolerance:g}"
        f"{', reservation ' + format(reservation, 'g') if reservation is not None else ''}); "
        f"{' and '.join(nearest) or 'none is ratifiable'}. Move targets.aspiration or widen meso.tolerance."),
        "targets.aspiration" if case.line_of("targets.aspiration") else "meso.tolerance")]


def _exists(market: Market, kept, budget: Budget) -> bool:
    return solver.ratifiable(market, [market.formulas[k] for k in kept], budget) != "infeasible"


def _needed(market: Market, budget: Budget) -> list[int]:
    """Conditions that exclude every package together, each of them needed (a deletion filter)."""
    kept = list(range(len(market.formulas)))
    for k in list(kept):
        if budget.spent():  # out of time: what is kept still excludes every package, if not minimally
            break
        if not _exists(market, [m for m in kept if m != k], budget):
            kept.remove(k)
    return kept


def _key(case: Case, market: Market, k: int) -> str:
    constituency, condition = market.blocking[k]
    index = case.constituencies.index(constituency)
    return f"constituencies.{index}.requires.{case.conditions[constituency.id].index(condition)}"


def _named(case: Case, market: Market, needed: list[int]) -> list[str]:
    parts = []
    for k in needed:
        constituency, condition = market.blocking[k]
        line = case.line_of(_key(case, market, k))
        parts.append(f"{constituency.display_name} needs '{condition}'" + (f" (line {line})" if line else ""))
    return parts
