"""The Level II moves a mediator can make behind each side's table.

The rules engine (briefgen.level2) finds moves that help *the other side* with
its constituents. Run on joint_case(a, b), "the other side" is B with its own,
true constituencies, points and conditions: its moves are what can be done
behind B's table; on joint_case(b, a), behind A's. The proposals are the
packages it is given, so no move names an issue the proposals settle alike,
and changes of terms (the proposals are the mediator's terms) and questions
(the mediator has both files) are left out. The rules speak for the party
that helps ("we", "our"): for the mediator that party is named.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from briefgen.case import Case
from briefgen.level2.analysis import analyse
from briefgen.level2.plan import Move
from briefgen.level2.rules import RuleSet
from briefgen.mediation import joint_case

SEBENIUS = "abcdefgh"  # the categories of moves: the form, the process, what is said, ..., thwarting opponents


def moves_behind(side: Case, other: Case, rules: RuleSet, proposals: Sequence[Mapping]) -> list[Move]:
    """The ranked Level II moves behind `side`'s table (at most the game plan's five), for the mediator."""
    plan = analyse(joint_case(other, side), rules, list(proposals)).plan
    helper = other.parties.us.name
    return [_for_mediator(move, helper) for move in plan
            if move.category in SEBENIUS and all(c.side == "them" for c in move.constituencies)]


FIRST_PERSON = [(re.compile(rf"\b{word}\b"), form) for word, form in (
    ("We", "{name}"), ("we", "{name}"), ("Our", "{name}'s"), ("our", "{name}'s"), ("ours", "{name}'s"),
    ("us", "{name}"))]


def in_third_person(text: str, name: str) -> str:
    """A rule's words for the party that helps ('we', 'us', 'our') with that party named."""
    for pattern, form in FIRST_PERSON:
        text = pattern.sub(form.format(name=name).replace("\\", r"\\"), text)
    return text


def _for_mediator(move: Move, helper: str) -> Move:
    from dataclasses import replace

    return replace(move, move=in_third_person(move.move, helper), risk=in_third_person(move.risk, helper),
                   when=in_third_person(move.when, helper),
                   details=tuple((c, in_third_person(text, helper)) for c, text in move.details))
