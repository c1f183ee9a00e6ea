"""What the research says about a set, and what their choice of a package reveals."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from briefgen.case import Case, package_label
from briefgen.meso.model import EPSILON, Diagnostic


def research_warnings(case: Case, market: Market, packages) -> list[Diagnostic]:
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
    return notes + batna_warnings(case, packages)


def batna_warnings(case: Case, packages) -> list[Diagnostic]:
    """A package below targets.their_reservation is one they would rather refuse:
    by our estimate, their best alternative is worth more to them."""
    floor = case.targets.their_reservation
    if floor is None:
        return []
    return [Diagnostic("warning", "batna", (
        f"package {p.label} gives them an estimated {p.their_score:.1f}, below the {floor:g} we estimate their "
        "best alternative is worth to them (targets.their_reservation): they would rather walk away; give more "
        "on what they value, or check the estimate."))
        for p in packages if p.their_score < floor - EPSILON]


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
        return (f"If {them} chooses {label}, no single issue explains it: {label} is not the most generous on any issue."
                + _pair_by_pair(case, packages, n))
    from briefgen.terms import format_value, in_sentence

    issue = by_id[lead]
    value = format_value(issue, packages[n][lead], case.locale)
    sentence = f"If {them} chooses {label}, {in_sentence(issue.name)} likely matters most to them: {label} is the most generous on it ({value})"
    if least:
        given = by_id[least[0]]
        sentence += f", while giving least on {in_sentence(given.name)}"
        others = [m for m in range(len(packages)) if m != n]
        richest = max(others, key=lambda m: points[m][ids.index(least[0])])
        probe = (f" Probe next: would they give up some {in_sentence(issue.name)} "
                 f"for {format_value(given, packages[richest][least[0]], case.locale)} "
                 f"({in_sentence(given.name)} as in {package_label(richest)})?")
    else:
        probe = " Probe next: which issue comes second for them, and by how much."
    return sentence + "." + probe + _pair_by_pair(case, packages, n)


def _pair_by_pair(case: Case, packages: Sequence[Mapping], n: int) -> str:
    """What the choice would say against each other package, so that a package with no lead still reads."""
    from briefgen.revealed import pair_sentence

    label = package_label(n)
    pairs = [f"over {package_label(m)}, " + pair_sentence(case, packages[n], packages[m], label, package_label(m), "would be")
             for m in range(len(packages)) if m != n]
    return f" Pair by pair: {'; '.join(pairs)}." if pairs else ""
