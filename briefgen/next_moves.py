"""What to do next after a round: how to answer their counter, where to give and where to
recover value by what their answers showed, and what is still unknown.

Read from the rounds (reading.py), never from a guess: an issue that was the same in every
package offered says nothing yet, and value is never recovered on an issue one of their
ratifiers or veto holders needs.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from briefgen.case import Case, Issue
from briefgen.revealed import Estimate, joined
from briefgen.scoring import Assessment
from briefgen.terms import format_points, in_sentence

if TYPE_CHECKING:
    from briefgen.reading import RoundView


def next_moves(case: Case, views: Sequence[RoundView], updated: Estimate) -> list[str]:
    """What to do next, from the last answer and the estimate all the answers updated."""
    last = views[-1]
    moves = _counter_moves(case, last.countered) if last.countered is not None else []
    if not updated.consistent:
        moves.append(f"No weighting of the issues agrees with every answer: {updated.conflict}. The next packages are "
                     "built on the case's own estimate; before sending them, ask which issue matters most to them.")
        return moves
    total = sum(updated.span(i.id, updated=False) for i in case.issues) or 1
    change = {i.id: updated.span(i.id) - updated.span(i.id, updated=False) for i in case.issues}
    varied = {i.id for i in case.issues for view in views if len({a.package[i.id] for a in view.offered}) > 1}
    needed = _needed_by_their_ratifiers(case)
    up = sorted((i for i in case.issues if change[i.id] > 0.02 * total), key=lambda i: -change[i.id])
    down = sorted((i for i in case.issues if change[i.id] < -0.02 * total and i.id in varied), key=lambda i: change[i.id])
    if up:
        moves.append(f"Give on {issue_names(up)} in the next packages: their answers put "
                     + joined([f"{in_sentence(i.name)} at up to {format_points(updated.span(i.id))} points to them "
                                f"(we had {format_points(updated.span(i.id, updated=False))})" for i in up]) + ".")
    recover = [i for i in down if i.id not in needed]
    if recover:
        moves.append(f"Recover value on {issue_names(recover)}: their answers put "
                     + joined([f"{in_sentence(i.name)} at up to {format_points(updated.span(i.id))} points to them "
                                f"(we had {format_points(updated.span(i.id, updated=False))})" for i in recover]) + ".")
    for issue in (i for i in down if i.id in needed):
        who, condition = needed[issue.id]
        moves.append(f"Do not try to recover value on {in_sentence(issue.name)}, though their answers weigh it less: "
                     f"{who.display_name} ({who.power}) needs '{condition}' to accept.")
    unknown = [i for i in case.issues if i.id not in varied and i.id not in case.meso.hold]
    if unknown:
        moves.append(f"Nothing is known yet of how much {issue_names(unknown)} {'matters' if len(unknown) == 1 else 'matter'} "
                     "to them: it was the same in every package offered. Vary it in the next set before reading "
                     "anything into it." if len(unknown) == 1 else
                     f"Nothing is known yet of how much {issue_names(unknown)} matter to them: they were the same in every "
                     "package offered. Vary them in the next set before reading anything into them.")
    if not up and not recover and last.chose is None and last.countered is None:
        moves.append("Their answer revealed no priority yet: ask them to rank the issues, or send packages that differ more.")
    return moves


def _counter_moves(case: Case, a: Assessment) -> list[str]:
    score = format_points(a.score)
    moves = []
    if a.below_reservation:
        moves.append(f"Their counter scores {score} for us, below our reservation of {format_points(a.reservation)}: "
                     "do not accept it. Say why, and answer with new packages rather than a single number.")
    elif a.score > a.aspiration + case.meso.tolerance:
        moves.append(f"Their counter scores {score} for us, above our aspiration of {format_points(a.aspiration)}: "
                     "it can be accepted as it stands; ask what would make it better for them as well.")
    elif a.score >= a.aspiration - case.meso.tolerance:
        moves.append(f"Their counter scores {score} for us, within our band around {format_points(a.aspiration)}: "
                     "it can be accepted; first check whether a small trade would make it better for both.")
    else:
        moves.append(f"Their counter scores {score} for us: above our reservation, {format_points(a.aspiration - a.score)} "
                     "below our aspiration. Answer with packages that move toward it, not by splitting the difference.")
    blocked = [v.constituency.display_name for v in a.verdicts if v.blocks]
    if blocked:
        moves.append(f"As countered, the package misses the conditions of {', '.join(blocked)}: it cannot be ratified as it stands.")
    return moves


def _needed_by_their_ratifiers(case: Case) -> dict[str, tuple]:
    """Issue id -> (constituency, condition) for each issue a ratifier or veto holder of theirs sets a condition on."""
    needed = {}
    for constituency, condition in case.blocking_conditions("them"):
        for issue_id in sorted(condition.issue_ids):
            needed.setdefault(issue_id, (constituency, condition))
    return needed


def issue_names(issues: Sequence[Issue], capital: bool = False) -> str:
    """'salary and contract length': issue names joined inside a sentence."""
    text = joined([in_sentence(i.name) for i in issues])
    return text[:1].upper() + text[1:] if capital else text
