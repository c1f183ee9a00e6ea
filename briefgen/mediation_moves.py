"""The Level II moves a mediator can make behind each side's table.

The rules engine (briefgen.level2) finds moves that help *the other side* with
its constituents. Run on joint_case(a, b), "the other side" is B with its own,
true constituencies, points and conditions: its findings are what can be done
behind B's table; on joint_case(b, a), behind A's. The proposals are the
packages it is given, so no move names an issue the proposals settle alike.
Changes of terms (compensation: the proposals are the mediator's terms, and
they already meet every ratifier's conditions) and questions (the mediator has
both files) are left out. The moves are ranked by the game plan's worth
(level2.plan.worth: power, distance from yes, the share of the win-set its
conditions remove). The rules speak for the party that helps ("we", "our"):
for the mediator that party is named.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from briefgen.case import Case, Constituency
from briefgen.level2.analysis import analyse
from briefgen.level2.plan import ORDER, worth
from briefgen.level2.rules import CATEGORIES, RuleSet
from briefgen.mediation import joint_case

SEBENIUS = "abcdefgh"  # the form, the process, what is said, the frame, the victory speech, the table, pressure, opponents
MOVES = 5  # per side, as many as a game plan holds


@dataclass(frozen=True)
class MediatorMove:
    constituencies: tuple[Constituency, ...]
    category: str
    move: str
    why: str
    details: tuple[tuple[Constituency, str], ...]
    risk: str
    when: str
    worth: float

    @property
    def label(self) -> str:
        return f"{self.category}) {CATEGORIES[self.category]}"


def moves_behind(side: Case, other: Case, rules: RuleSet, proposals: Sequence[Mapping]) -> list[MediatorMove]:
    """The ranked Level II moves behind `side`'s table, for the mediator: at most MOVES, best first."""
    analysis = analyse(joint_case(other, side), rules, list(proposals))
    helper = other.parties.us.name

    def value(c: Constituency) -> float:
        price = analysis.prices.of(c) if analysis.prices else None
        return worth(c, price.removed_share if price is not None else 0.0, None, 1.0)

    found = [f for f in analysis.findings if f.category in SEBENIUS and f.constituencies
             and all(c.side == "them" for c in f.constituencies)]
    ranked = sorted(found, key=lambda f: (-max(value(c) for c in f.constituencies), ORDER.index(f.category)))
    return [MediatorMove(f.constituencies, f.category, in_third_person(f.advice, helper),
                         in_third_person(f.why, helper),
                         tuple((c, in_third_person(text, helper)) for c, text in f.details),
                         in_third_person(f.risk, helper), in_third_person(f.when, helper),
                         max(value(c) for c in f.constituencies))
            for f in ranked[:MOVES] if max(value(c) for c in f.constituencies) > 0]


FIRST_PERSON = [(re.compile(rf"\b{word}\b"), form) for word, form in (
    ("We", "{name}"), ("we", "{name}"), ("Our", "{name}'s"), ("our", "{name}'s"), ("ours", "{name}'s"),
    ("us", "{name}"))]


def in_third_person(text: str, name: str) -> str:
    """A rule's words for the party that helps ('we', 'us', 'our') with that party named."""
    for pattern, form in FIRST_PERSON:
        text = pattern.sub(form.format(name=name).replace("\\", r"\\"), text)
    return text
