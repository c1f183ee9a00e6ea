"""Building a MESO set: the best valid set of packages for them, or why there is none.

The set of `meso.packages` packages best for them (their estimated points,
summed) among all that meet criteria 1 to 4 is found by the solver; being the
best, it also meets 5. Fewer packages are built only where the solver proves
that no valid set of more exists; where a search is cut short by its limit,
the result says so and gives the solver's bound on how much better a set
could be.
"""
from __future__ import annotations

from briefgen.case import Case, package_label
from briefgen.meso import search, solver
from briefgen.meso.decoding import decoding_key, research_warnings
from briefgen.meso.model import Diagnostic, Meso, MesoPackage
from briefgen.meso.solver import Budget, Outcome
from briefgen.meso.space import Market
from briefgen.meso.why import why_no_package

EXACT_SIZE = 120  # binaries of the set programme (packages x values) below which it is solved exactly


def construct(case: Case, market: Market) -> Meso:
    if not case.issues:
        return Meso((), (), True)  # nothing on the table yet: nothing to build or to say
    budget = Budget()
    single = _single(market, budget)
    if not single.found:
        if single.status == "infeasible":
            return Meso((), tuple(why_no_package(case, market, budget)), True)
        return Meso((), (Diagnostic("error", "1", (
            "the search for a package inside the band and both win-sets was cut short by its limit before it found "
            "one; simplify the conditions that tie several issues together, or use coarser range steps."),
            "meso"),), True)
    diagnostics: list[Diagnostic] = []
    wanted = case.meso.packages
    required = list(dict.fromkeys(market.index(i) for i in case.meso.lead_with))
    cut_short = []  # set sizes whose search ended without a proof either way
    outcome = None
    single_bound = single.bound
    for count in range(wanted, 1, -1):
        outcome = _best_set(market, count, budget, required[:count], single_bound)
        if not outcome.found and required:
            if outcome.status == "cut short":
                cut_short.append(count)
            outcome = _best_set(market, count, budget, (), single_bound)
            if outcome.found:
                diagnostics.append(Diagnostic("warning", "4", (
                    f"no {count} packages can lead with {', '.join(case.meso.lead_with[:count])} as meso.lead_with "
                    "asks" + (" (the search for them was cut short by its limit)" if cut_short[-1:] == [count] else "")
                    + "; built the best set with other leads."), "meso.lead_with"))
        if outcome.found:
            break
        if outcome.status == "cut short":
            cut_short.append(count)
    if outcome is None or not outcome.found:
        diagnostics.append(Diagnostic("warning", "4", _few_leads_message(market, cut_short), "meso.packages"))
        outcome = single
    elif len(outcome.packages) < wanted:
        diagnostics.append(Diagnostic("warning", "4", _fewer_message(market, wanted, len(outcome.packages), cut_short),
                                      "meso.packages"))
    packages = _packages(case, market, outcome)
    total = sum(p.their_score for p in packages)
    bound = total if outcome.status == "optimal" else max(outcome.bound or total, total)
    if bound > total + market.epsilon and outcome.status == "cut short":
        diagnostics.append(Diagnostic("warning", "5", (
            f"the search was cut short by its limit: this set gives them {total:,.1f} points in all, and no valid set "
            f"of {len(packages)} gives them more than {bound:,.1f} ({_gap(total, bound)} more at most)."),
            "meso.packages"))
    diagnostics += research_warnings(case, market, packages)
    return Meso(packages, tuple(diagnostics), True, bound)


def _single(market: Market, budget: Budget) -> Outcome:
    """The best package for them: exact on small spaces; else the search's, with the
    programme's relaxation as its bound (and the programme itself where the search finds none)."""
    if solver.size(market, market.case.meso.packages) > EXACT_SIZE:
        found = search.Oracle(market, budget).best({})
        if found is not None:
            return Outcome("searched", (found,), (None,), solver.relaxed_best(market, budget))
    single = solver.best_set(market, 1, budget)
    if single.status == "optimal":
        return Outcome("optimal", single.packages, single.leads, market.their_score(single.packages[0]))
    return single


def _best_set(market: Market, count: int, budget: Budget, required, single_bound) -> Outcome:
    """The exact programme where it is small enough to prove quickly; else the search,
    bounded by `count` times the best single package (no package of a set can beat it)."""
    if solver.size(market, count) <= EXACT_SIZE:
        return solver.best_set(market, count, budget, required)
    found = search.best_set(market, count, budget, required)
    if found is None:  # no set found: let the programme prove that none exists, or find one
        return solver.best_set(market, count, budget, required)
    leads, packages = _swapped(market, *found, budget, required)
    return Outcome("searched", packages, leads, None if single_bound is None else count * single_bound)


def _swapped(market: Market, leads, packages, budget: Budget, required):
    """Criterion 5 on a searched set: swap each package for the best that keeps its lead and
    leaves every other package a lead (the asked-for ones their own), until none improves."""
    packages, leads = list(packages), list(leads)
    for _ in range(len(packages) * 2):
        improved = False
        for i in range(len(packages)):
            kept = {j: other for j, other in enumerate(leads) if j != i and other in required}
            better = solver.better_package(market, packages, i, leads[i], budget, kept)
            if better is not None and market.their_score(better) > market.their_score(packages[i]) + market.epsilon:
                packages[i], improved = better, True
                # The others keep a lead, not necessarily the one they had: name each anew.
                leads = [_lead(market, packages, j, lead) for j, lead in enumerate(leads)]
        if not improved:
            break
    return tuple(leads), tuple(packages)


def _lead(market: Market, packages, i: int, lead: int) -> int:
    def beats(n: int) -> bool:
        return all(market.theirs[n][packages[i][n]] > market.theirs[n][q[n]] + market.epsilon
                   for j, q in enumerate(packages) if j != i)
    return lead if beats(lead) else next(n for n in range(len(market.issues)) if beats(n))


def _gap(total: float, bound: float) -> str:
    return f"{(bound - total) / abs(bound):.1%}" if bound else f"{bound - total:,.1f} points"


def _packages(case: Case, market: Market, outcome: Outcome) -> tuple[MesoPackage, ...]:
    """The packages in the order of meso.lead_with, then of their lead issues."""
    order = {market.index(i): n for n, i in reversed(list(enumerate(case.meso.lead_with)))}
    chosen = sorted(zip(outcome.leads if len(outcome.packages) > 1 else [None], outcome.packages),
                    key=lambda c: (c[0] is None, order.get(c[0], len(order)), c[0] or 0))
    terms = [market.package(choice) for _, choice in chosen]
    leads = [market.issues[lead].id if lead is not None else None for lead, _ in chosen]
    return tuple(
        MesoPackage(package_label(n), terms[n], market.score(choice), market.their_score(choice), leads[n],
                    decoding_key(case, terms, n, leads[n]))
        for n, (_, choice) in enumerate(chosen)
    )


def _capable(market: Market) -> list[int]:
    domains, _ = market.domains(market.formulas)
    return [n for n, d in enumerate(domains) if len(market.levels(n, d)) > 1]


def _lead_names(market: Market) -> str:
    names = [market.issues[n].name for n in _capable(market)]
    return ", ".join(names) if names else "no issue"


def _fewer_message(market: Market, wanted: int, built: int, cut_short: list[int]) -> str:
    if cut_short:
        return (f"{wanted} packages were asked for; the search for {', '.join(map(str, sorted(cut_short)))} was cut "
                f"short by its limit without finding a valid set, so {built} were built. Set meso.lead_with to guide it, "
                "or ask for fewer packages.")
    return (f"{wanted} packages were asked for, but only {built} can each lead with a different issue inside the band "
            f"and both win-sets ({_lead_names(market)} can vary); built {built}.")


def _few_leads_message(market: Market, cut_short: list[int]) -> str:
    capable = _capable(market)
    if len(capable) < 2:
        return (f"only {len(capable)} issue can vary in a way that matters to them ({_lead_names(market)}), "
                "so no two packages can each lead with a different issue; built one package, not a MESO set. "
                "Add an issue, or free one from meso.hold.")
    if cut_short:
        return ("the search for two packages inside the band and both win-sets that each lead with a different issue "
                "was cut short by its limit; built the single best package for them. Set meso.lead_with or widen "
                "meso.tolerance.")
    return ("no two packages inside the band and both win-sets can each be the most generous on a different issue; "
            "built the single best package for them. Widen meso.tolerance or review the conditions.")
