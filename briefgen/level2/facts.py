"""What a rule may test about a constituency or the case: its own fields, and the facts
derived from the whole case (the issues it is tied to, who on its side backs or blocks
the deal, whether its conditions bind its side's win-set or can be met inside the other
side's, the h configuration). Pure functions of a Case and its win-sets."""
from __future__ import annotations

import re
from dataclasses import dataclass

from briefgen.case import Case, Constituency
from briefgen.level2.prices import Prices, movable_issues, prices
from briefgen.level2.winsets import WinSets

SUPPORT = ("champion", "supportive")
OPPOSITION = ("opposed",)
STOPPING = ("ratify", "veto", "implement")  # can block the deal, or sink it in practice
STOPWORDS = {"with", "from", "that", "this", "their", "them", "your", "more", "less", "than", "each", "days", "year", "years", "week", "about"}


@dataclass(frozen=True)
class Context:
    """What every constituency's facts draw on: computed once per case."""

    case: Case
    win_sets: WinSets
    prices: Prices
    movable: list  # the issues a move may name
    packages: tuple = ()  # the MESO set, when known


def constituency_facts(case: Case, c: Constituency, win_sets: WinSets, context: Context | None = None) -> dict:
    if context is None:
        context = Context(case, win_sets, prices(case), movable_issues(case, list(case.meso.offers)))
    side = case.side(c.side)
    party = case.parties.us if c.side == "us" else case.parties.them
    other = case.parties.them if c.side == "us" else case.parties.us
    influencers = case.influencers(c)
    price = context.prices.of(c)
    movable = {issue.id for issue in context.movable}
    unmeetable = [o.display_name for o in side if o.power in STOPPING and o.stance in OPPOSITION
                  and (p := context.prices.of(o)) is not None and not p.compatible]
    return {
        "id": c.id, "name": c.display_name, "side": c.side, "power": c.power, "stance": c.stance,
        "audience": c.audience, "can_block": c.can_block,
        "binding": _same(win_sets.side(c.side).binding, c),
        "clashes": any(_same(k.first.constituency, c) or _same(k.second and k.second.constituency, c) for k in win_sets.clashes),
        "interests": list(c.interests), "concerns": list(c.concerns), "sensitivities": list(c.sensitivities),
        "influenced_by": [i.name for i in influencers], "requires": list(c.requires),
        "linked_issues": [i for i in linked_issues(case, c) if i in movable],
        "allies": [i.name for i in influencers if i.stance in SUPPORT],
        "adversaries": [i.name for i in influencers if i.stance in OPPOSITION + ("skeptical",)],
        "unknown_influencers": [i.name for i in influencers if i.stance in ("unknown", "neutral")],
        "public": case.public, "written": case.setting.written,
        "unmeetable": price is not None and not price.compatible,
        "priced": price is not None and price.meetable and not price.free,
        "champions": [o.display_name for o in side if o.id != c.id and o.can_block and o.stance == "champion"],
        "unmeetable_blockers": [name for name in unmeetable if name != c.display_name],
        "backers": [o.display_name for o in side if o.id != c.id and o.can_block and o.stance in SUPPORT],
        "blockers": [o.display_name for o in side if o.id != c.id and o.can_block and o.stance in OPPOSITION],
        "party": party.name, "other_party": other.name,
        "negotiator": party.negotiator or party.name,
        "other_negotiator": other.negotiator or other.name,
    }


def _same(a: Constituency | None, b: Constituency) -> bool:
    """Identity by id: comparing whole models field by field is slow."""
    return a is not None and a.id == b.id


def case_facts(case: Case, win_sets: WinSets) -> dict:
    reservation = case.targets.reservation
    return {
        "issues": [issue.id for issue in case.issues],
        "win_sets_meet": win_sets.meet,
        "clashes": [_clash_text(k) for k in win_sets.clashes],
        "binding_us": win_sets.us.binding.display_name if win_sets.us.binding else "",
        "binding_them": win_sets.them.binding.display_name if win_sets.them.binding else "",
        "them_count": float(len(case.side("them"))),
        "us_count": float(len(case.side("us"))),
        "unknown_them": [c.display_name for c in case.side("them") if c.stance == "unknown"],
        "has_packages": bool(case.meso.offers),
        "public": case.public, "written": case.setting.written,
        "their_reservation_known": case.targets.their_reservation is not None,
        "has_issues": bool(case.issues),
        "reservation_reachable": win_sets.best_score is not None and (reservation is None or win_sets.best_score >= reservation),
        "us": case.parties.us.name, "them": case.parties.them.name,
        "our_negotiator": case.parties.us.negotiator or case.parties.us.name,
        "their_negotiator": case.parties.them.negotiator or case.parties.them.name,
    }


def linked_issues(case: Case, c: Constituency) -> list[str]:
    """The issues a constituency cares about: those its conditions name, then
    those whose name shares a word with its interests or concerns."""
    named = [issue.id for issue in case.issues if any(issue.id in k.issue_ids for k in case.conditions[c.id])]
    said = tokens(" ".join(c.interests + c.concerns))
    words = {issue.id: tokens(f"{issue.id} {issue.name}") for issue in case.issues}
    # A word in many labels ('Germany' in three of five) ties a concern to no issue in particular.
    common = {w for w in set().union(*words.values()) if len(case.issues) >= 3 and
              sum(w in ws for ws in words.values()) * 3 > len(case.issues)}
    mentioned = [issue.id for issue in case.issues if issue.id not in named and (words[issue.id] - common) & said]
    return named + mentioned


def tokens(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z]{4,}", text.lower().replace("_", " ")) if word not in STOPWORDS}


def _clash_text(clash) -> str:
    if clash.second is None:
        return f"{clash.first.constituency.display_name}'s '{clash.first.condition}' (no package meets it)"
    return (f"{clash.first.constituency.display_name}'s '{clash.first.condition}' against "
            f"{clash.second.constituency.display_name}'s '{clash.second.condition}'")
