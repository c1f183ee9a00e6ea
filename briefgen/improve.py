"""The post-settlement settlement: after an agreement, the packages both sides prefer to it.

`settlement(case)` looks, among every package inside both win-sets, for those at least as
good for both sides as `outcome.agreed` and better for at least one (briefgen.pareto): by our
points and our estimate of theirs, or, for a mediated case (`mediation.joint_case`), by both
true scores. The search considers every value the case lists, the values in `meso.hold`
too (a hold shapes the offers we make, not what an agreement may become), and the agreed
value itself where it lies between a range's steps.
"""
from __future__ import annotations

from dataclasses import dataclass

from briefgen import pareto
from briefgen.case import Case
from briefgen.case_model import FrozenDict
from briefgen.errors import CaseError, Problem
from briefgen.meso.solver import Budget
from briefgen.meso.space import Market


@dataclass(frozen=True)
class Terms:
    """A package with both scores, and each side's gain over the agreement (0 for the agreement)."""

    terms: dict
    score: float
    their_score: float
    gain: float = 0.0
    their_gain: float = 0.0

    def to_json(self) -> dict:
        return {"terms": self.terms, "score": self.score, "their_score": self.their_score}


@dataclass(frozen=True)
class Settlement:
    agreed: Terms
    improvements: tuple[Terms, ...]
    complete: bool  # every improvement there is is listed: none listed proves the agreement efficient
    reason: str | None  # why not complete: "limit" (there may be more) or "time"
    mediated: bool  # both true scores (two files), not our estimate of theirs
    in_win_sets: bool  # the agreement itself meets every blocking condition

    @property
    def efficient(self) -> bool:
        return self.complete and not self.improvements

    def to_json(self) -> dict:
        return {"agreed": self.agreed.to_json(), "improvements": [i.to_json() for i in self.improvements]}


def settlement(case: Case, limit: int = pareto.IMPROVEMENT_LIMIT, mediated: bool = False,
               budget: Budget | None = None) -> Settlement:
    """The improvements on the case's agreement, best first (see pareto.improvements for the order)."""
    agreed = agreed_terms(case)
    market = _market(case, agreed)
    choice = tuple(market.values[n].index(agreed[issue.id]) for n, issue in enumerate(market.issues))
    found = pareto.improvements(market, choice, budget or Budget(), limit)
    return Settlement(
        agreed=Terms(market.package(choice), market.score(choice), market.their_score(choice)),
        improvements=tuple(Terms(market.package(i.choice), i.score, i.their_score, i.gain, i.their_gain)
                           for i in found),
        complete=found.complete, reason=found.reason, mediated=mediated,
        in_win_sets=market.ratifiable(agreed))


def settled(case: Case) -> bool:
    """Whether the talks are over with an agreement: the brief and the build then look for improvements."""
    return bool(case.outcome and case.outcome.agreed) and case.status in ("agreed", "closed")


def agreed_terms(case: Case) -> dict:
    """The agreed package; a located CaseError when the case has none. (Its values were checked
    when the case was loaded: every issue given, each value one of the issue's.)"""
    if case.outcome is None or not case.outcome.agreed:
        line = case.line_of("outcome") or 1
        raise CaseError([Problem(case.path, line, 1, (
            "the case has no outcome.agreed, so there is no agreement to improve on; once the talks are "
            "agreed, add `outcome: {agreed: {<issue>: <value>, ...}}` with the agreed value of every issue"))])
    return dict(case.outcome.agreed)


def _market(case: Case, agreed: dict) -> Market:
    """The case's market without its hold, with each agreed value among its issue's values."""
    market = Market(case.model_copy(update={"meso": case.meso.model_copy(update={"hold": FrozenDict()})}))
    added = False
    for n, issue in enumerate(market.issues):
        value = agreed[issue.id]
        if value not in market.values[n]:  # a range's value between its steps
            at = sum(1 for v in market.values[n] if v < value)
            market.values[n].insert(at, value)
            market.ours[n].insert(at, issue.our_points(value))
            market.theirs[n].insert(at, issue.their_points_for(value))
            added = True
    if added:  # the conditions, as formulas over value indexes, must see the new values
        market.formulas = [market.formula(condition) for _, condition in market.blocking]
    return market


def joint(a_path, b_path) -> Case:
    """A mediated case from the two sides' files, the agreement checked to be the same in both."""
    from briefgen.case import load_case
    from briefgen.mediation import joint_case

    a, b = load_case(a_path), load_case(b_path)
    mine, theirs = agreed_terms(a), agreed_terms(b)
    if mine != theirs:
        line = b.line_of("outcome.agreed") or b.line_of("outcome") or 1
        raise CaseError([Problem(b.path, line, 1, (
            f"outcome.agreed differs from {a.path}'s: both sides' files must record the same agreed terms; "
            f"copy the agreed terms from one file to the other"))])
    return joint_case(a, b)


def describe(case: Case, found: Settlement) -> str:
    """The summary `briefgen improve` prints: the agreement, then each improvement's changes and gains."""
    from briefgen.terms import format_points, format_value

    whose = "both sides' own points" if found.mediated else "our points and our estimate of theirs"
    theirs = "theirs" if found.mediated else "theirs (est.)"

    def terms(package: dict, against: dict | None = None) -> str:
        shown = [f"{issue.name}: {format_value(issue, package[issue.id], case.locale)}" for issue in case.issues
                 if against is None or package[issue.id] != against[issue.id]]
        return "; ".join(shown)

    def signed(points: float) -> str:
        return ("+" if points > 0 else "") + format_points(points)

    agreed = found.agreed
    lines = [f"Agreed: {terms(agreed.terms)}",
             f"  ours {format_points(agreed.score)}, {theirs} {format_points(agreed.their_score)}"]
    if not found.in_win_sets:
        lines.append("  (the agreement itself misses a condition of a ratifier or veto holder; "
                     "every improvement below meets them all)")
    if found.efficient:
        lines.append(f"The agreement is efficient by {whose}: no package inside both win-sets is at least "
                     "as good for both sides and better for one.")
        return "\n".join(lines)
    if not found.improvements:
        lines.append("No improvement was found before the time limit; the agreement may still be improvable.")
        return "\n".join(lines)
    count = len(found.improvements)
    lines.append(f"{count} package{'s' if count > 1 else ''} both sides prefer to it, by {whose}, best first "
                 "(by the sum of both gains, each as a share of that side's range of scores):")
    for n, better in enumerate(found.improvements, start=1):
        lines.append(f"  {n}. change {terms(better.terms, agreed.terms)}")
        lines.append(f"     ours {format_points(better.score)} ({signed(better.gain)}), "
                     f"{theirs} {format_points(better.their_score)} ({signed(better.their_gain)})")
    if found.reason == "limit":
        lines.append(f"There may be more: only the {count} best are listed (--limit).")
    elif found.reason == "time":
        lines.append("The search stopped at its time limit: there may be more.")
    return "\n".join(lines)
