"""Checking hand-written offers (meso.offers) against the five criteria.

Criterion 5 is read as a negotiator needs it: a package leaves generosity on
the table if another, better for them, could take its place with the set
still meeting 1 to 4 and the package still leading with the same issue (the
other packages may then lead with any issue, as long as each leads with one).
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from briefgen.case import Case, package_label
from briefgen.meso import solver
from briefgen.meso.decoding import decoding_key, research_warnings
from briefgen.meso.model import Diagnostic, Meso, MesoPackage
from briefgen.meso.space import Market


def check_offers(case: Case, market: Market) -> Meso:
    diagnostics: list[Diagnostic] = []
    offers = [{**case.meso.hold, **offer} for offer in case.meso.offers]
    choices = [tuple(market.values[n].index(offer[i.id]) if offer[i.id] in market.values[n] else -1
                     for n, i in enumerate(market.issues)) for offer in offers]
    scores = [sum(i.our_points(o[i.id]) for i in market.issues) for o in offers]
    theirs = [sum(i.their_points_for(o[i.id]) for i in market.issues) for o in offers]
    labels = [package_label(n) for n in range(len(offers))]
    at = [f"meso.offers.{n}" for n in range(len(offers))]
    epsilon = market.epsilon
    for n, (label, offer, score) in enumerate(zip(labels, offers, scores)):
        if case.targets.reservation is not None and score < case.targets.reservation - epsilon:
            diagnostics.append(Diagnostic("error", "1", f"package {label} scores {score:.1f}, below our reservation of {case.targets.reservation:g}.", at[n]))
        elif not market.in_band(score):
            diagnostics.append(Diagnostic("error", "1", (
                f"package {label} scores {score:.1f}, outside {market.low:g} to {market.high:g} "
                f"(aspiration {case.aspiration:g} ± {case.meso.tolerance:g}): the packages are not equivalent for us."), at[n]))
        for c in case.constituencies:
            if c.can_block:
                for condition in case.conditions[c.id]:
                    if not condition(offer):
                        diagnostics.append(Diagnostic("error", "2", f"package {label} misses {c.display_name}'s condition '{condition}': it is outside {'our' if c.side == 'us' else 'their'} win-set.", at[n]))
        for issue_id, value in case.meso.hold.items():
            if offer[issue_id] != value:
                diagnostics.append(Diagnostic("error", "2", f"package {label} does not respect meso.hold: {issue_id} is held at {value}.", at[n]))
    per_issue = [[i.their_points_for(o[i.id]) for i in market.issues] for o in offers]
    varying = [n for n in range(len(market.issues)) if len({o[market.issues[n].id] for o in offers}) > 1 or len(market.values[n]) > 1]
    if len(varying) >= 2:
        for a, b in itertools.combinations(range(len(offers)), 2):
            differ = [i.name for i in market.issues if offers[a][i.id] != offers[b][i.id]]
            if not differ:
                diagnostics.append(Diagnostic("warning", "3", f"packages {labels[a]} and {labels[b]} are identical.", at[b]))
            elif len(differ) < 2:
                diagnostics.append(Diagnostic("warning", "3", (
                    f"packages {labels[a]} and {labels[b]} differ only on {differ[0]}: "
                    "their choice between them would reveal little."), at[b]))
    for a, b in itertools.permutations(range(len(offers)), 2):
        at_least = all(x >= y - epsilon for x, y in zip(per_issue[a], per_issue[b]))
        same = all(abs(x - y) <= epsilon for x, y in zip(per_issue[a], per_issue[b]))
        if at_least and (a < b or not same):
            diagnostics.append(Diagnostic("warning", "4", (
                f"package {labels[a]} is at least as good for them as {labels[b]} on every issue: "
                f"they would never choose {labels[b]}, so it reveals nothing."), at[b]))
    leads = [_lead_of(market, per_issue, n, case.meso.lead_with) for n in range(len(offers))]
    for n, lead in enumerate(leads):
        if lead is None:
            diagnostics.append(Diagnostic("warning", "4", (
                f"package {labels[n]} leads with no issue: on no issue is it strictly the most generous "
                "package of the set, so choosing it says little about their priorities."), at[n]))
    for n, issue_id in enumerate(case.meso.lead_with[:len(offers)]):
        if leads[n] is not None and leads[n] != issue_id:
            diagnostics.append(Diagnostic("warning", "4", f"package {labels[n]} leads with {leads[n]}, not {issue_id} as meso.lead_with says.", at[n]))
    if all(c != -1 for choice in choices for c in choice) and all(leads) and not any(d.level == "error" for d in diagnostics):
        budget = solver.Budget()
        asked = {j: market.index(lead) for j, lead in enumerate(leads) if lead in case.meso.lead_with}
        for n, lead in enumerate(leads):
            kept = {j: issue for j, issue in asked.items() if j != n}
            better = solver.better_package(market, choices, n, market.index(lead), budget, kept)
            if better is not None and market.their_score(better) > theirs[n] + epsilon:
                terms = market.package(better)
                shown = ", ".join(f"{i.id}={terms[i.id]}" for i in market.issues if terms[i.id] != offers[n][i.id])
                diagnostics.append(Diagnostic("warning", "5", (
                    f"package {labels[n]} could give them {market.their_score(better) - theirs[n]:g} more points "
                    f"({shown}), still scoring {market.score(better):g} for us, inside the band, and still leading with "
                    f"{case.issue(lead).name}: generosity left on the table."), at[n]))
    terms = [dict(o) for o in offers]
    packages = tuple(
        MesoPackage(labels[n], terms[n], scores[n], theirs[n], leads[n], decoding_key(case, terms, n, leads[n]))
        for n in range(len(offers))
    )
    diagnostics += research_warnings(case, market, packages)
    return Meso(packages, tuple(diagnostics), False)


def lead_issues(case: Case, packages: Sequence[Mapping]) -> list[str | None]:
    """Each package's lead: the issue on which it is strictly the most generous of the set."""
    market = Market(case)
    per_issue = [[i.their_points_for(p[i.id]) for i in market.issues] for p in packages]
    return [_lead_of(market, per_issue, n, case.meso.lead_with) for n in range(len(packages))]


def _lead_of(market, per_issue, n, lead_with) -> str | None:
    """The issue on which package n is strictly the most generous of the set:
    its own entry in meso.lead_with if that holds, else the first that does."""
    order = [market.index(i) for i in lead_with[n:n + 1]] + list(range(len(market.issues)))
    for k in dict.fromkeys(order):
        if all(per_issue[n][k] > per_issue[m][k] + market.epsilon for m in range(len(per_issue)) if m != n):
            return market.issues[k].id
    return None
