"""Reading the rounds: what each answer shows, the estimate it updates, and the next offer.

Every round becomes comparisons (revealed.py): the package they chose is worth
at least as much to them as each other package offered, and their counter more
than every package offered. The reading says what each comparison shows,
issue against issue; flags counters that cherry-pick the best of several
packages or lie outside our range; updates the estimate of their points; and
builds the next MESO set from it, beside the last one.

Two things are never read into an answer: "no interest" in an issue that was
the same in every package offered (nothing was asked about it), and a move to
recover value on an issue that one of their ratifiers or veto holders needs.
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from briefgen.case import Case, Issue, package_label
from briefgen.meso import Meso, lead_issues, meso
from briefgen.next_moves import issue_names, next_moves
from briefgen.revealed import (EPSILON, Comparison, Estimate, estimate, joined, pair_sentence, readable, their_base,
                               their_points_json)
from briefgen.scoring import Assessment, assess
from briefgen.terms import format_points, format_value, in_sentence

COUNTER = "their counter"


@dataclass(frozen=True)
class RoundView:
    number: int
    date: datetime.date | None
    offered: tuple[Assessment, ...]  # by the case's own estimate, as it stood when they were sent
    labels: tuple[str, ...]
    chose: str | None
    readings: tuple[str, ...]  # what the choice shows, pair by pair, then what it cannot show
    counter: Mapping  # only the issues they changed, as they said them
    countered: Assessment | None  # the package they asked for, read within our range
    counter_readings: tuple[str, ...]
    cherry_picked: tuple[tuple[Issue, str], ...]  # (issue, label of the package it was taken from)
    outside_range: tuple[str, ...]  # issue ids whose countered value is outside our range or options
    note: str | None

    def to_json(self) -> dict:
        return {"date": self.date.isoformat() if self.date else None, "chose": self.chose,
                "counter": dict(self.counter), "cherry_picked": bool(self.cherry_picked),
                "outside_range": list(self.outside_range), "reading": [*self.readings, *self.counter_readings]}


@dataclass(frozen=True)
class History:
    rounds: tuple[RoundView, ...]
    estimate: Estimate
    next: Meso  # the next MESO set, built from the updated estimate
    last: tuple[Assessment, ...]  # the packages of the last round by the updated estimate, beside the next
    changes: tuple[str, ...]  # what changed from the last set to the next, and why
    next_moves: tuple[str, ...]

    def to_json(self) -> dict:
        return {"rounds": [r.to_json() for r in self.rounds],
                "estimate": {"their_points": their_points_json(self.estimate), "consistent": self.estimate.consistent},
                "next": self.next.to_json()}


def history(case: Case) -> History | None:
    if not case.rounds:
        return None
    views = [_read_round(case, number, round_) for number, round_ in enumerate(case.rounds, start=1)]
    updated = estimate(case, comparisons(case))
    last = offered_packages(case, case.rounds[-1])
    following = next_offers(case, updated)
    return History(tuple(views), updated, following, tuple(assess(updated.case, p) for p in last),
                   tuple(_changes(case, updated, last, following)), tuple(next_moves(case, views, updated)))


def comparisons(case: Case) -> list[Comparison]:
    """Every comparison the rounds make, in order."""
    said = []
    for number, round_ in enumerate(case.rounds, start=1):
        offered = offered_packages(case, round_)
        labels = [package_label(k) for k in range(len(offered))]
        base = offered[labels.index(round_.chose)] if round_.chose in labels else {}
        asked = {**base, **round_.counter} if round_.counter else None
        complete = asked is not None and all(issue.id in asked for issue in case.issues)
        said += round_comparisons(case, number, offered, round_.chose if base else None, asked if complete else None)
    return said


def offered_packages(case: Case, round_) -> list[dict]:
    return [{**case.meso.hold, **p} for p in round_.offered]


def round_comparisons(case: Case, number: int, offered: Sequence[Mapping], chose: str | None,
                      countered: Mapping | None) -> list[Comparison]:
    """What one answer says: the choice over each other package, the counter over every package."""
    labels = [package_label(k) for k in range(len(offered))]
    said = []
    if chose in labels:
        x = labels.index(chose)
        said += [Comparison(number, offered[x], offered[k], chose, labels[k]) for k in range(len(offered)) if k != x]
    if countered is not None:
        said += [Comparison(number, countered, offered[k], COUNTER, labels[k])
                 for k in range(len(offered)) if dict(offered[k]) != dict(countered)]
    return said


def _read_round(case: Case, number: int, round_) -> RoundView:
    offered = offered_packages(case, round_)
    labels = tuple(package_label(k) for k in range(len(offered)))
    chosen = labels.index(round_.chose) if round_.chose in labels else None
    readings = []
    if chosen is not None:
        readings += [f"Choosing {round_.chose} over {labels[k]}: "
                     + pair_sentence(case, offered[chosen], offered[k], round_.chose, labels[k]) + "."
                     for k in range(len(offered)) if k != chosen]
    fixed = [issue for issue in case.issues if len({p[issue.id] for p in offered}) == 1]
    if chosen is not None and fixed:
        readings.append(f"{issue_names(fixed, capital=True)} {'was' if len(fixed) == 1 else 'were'} the same in every package "
                        "offered: this choice says nothing about how much "
                        f"{'it matters' if len(fixed) == 1 else 'they matter'} to them.")
    base = offered[chosen] if chosen is not None else None
    asked = None
    if round_.counter:
        full = {**(base or {}), **round_.counter}
        asked = full if all(issue.id in full for issue in case.issues) else None
    outside = tuple(i for i, v in round_.counter.items() if case.issue(i).value_problem(v) is not None)
    picked = _cherry_picked(case, offered, labels, asked) if asked is not None else ()
    countered = None
    if asked is not None and all(readable(case.issue(i), v) is not None for i, v in asked.items()):
        countered = assess(case, {i: readable(case.issue(i), v) for i, v in asked.items()})
    return RoundView(number, round_.date, tuple(assess(case, p) for p in offered), labels, round_.chose,
                     tuple(readings), dict(round_.counter), countered,
                     tuple(_counter_readings(case, base, round_.counter, outside, picked, countered, labels, offered)),
                     picked, outside, round_.note)


def _cherry_picked(case: Case, offered, labels, asked) -> tuple[tuple[Issue, str], ...]:
    """The issues on which their counter takes the most generous value offered, each from the
    package that offered it, when those come from more than one package."""
    takes = []
    for issue in case.issues:
        points = [issue.their_points_for(p[issue.id]) for p in offered]
        best = max(points)
        mine = their_base(issue, asked[issue.id])
        if best - min(points) > EPSILON and mine is not None and mine >= best - EPSILON:
            takes.append((issue, [labels[k] for k, x in enumerate(points) if x >= best - EPSILON]))
    if len(takes) < 2 or set.intersection(*(set(sources) for _, sources in takes)):
        return ()
    return tuple((issue, sources[0]) for issue, sources in takes)


def _counter_readings(case, base, counter, outside, picked, countered, labels, offered) -> list[str]:
    locale = case.locale
    lines = []
    for issue_id, value in counter.items():
        issue = case.issue(issue_id)
        asked = format_value(issue, value, locale)
        if issue_id in outside:
            nearest = readable(issue, value)
            lines.append(f"Their counter asks for {in_sentence(issue.name)} of {asked}, outside our "
                         f"{_our_range(issue, locale)}: recorded as they said it, and "
                         + (f"read as {format_value(issue, nearest, locale)}, the nearest we have." if nearest is not None
                            else "left out of the estimate, which has no points for it."))
        shared = {p[issue_id] for p in offered}
        if base is not None:
            was_value, was_where = base[issue_id], ""
        elif len(shared) == 1:
            was_value, was_where = shared.pop(), ", as in every package offered"
        else:
            continue
        before, after = their_base(issue, was_value), their_base(issue, value)
        if after is None or before is None or abs(after - before) <= EPSILON:
            continue
        was = format_value(issue, was_value, locale) + was_where
        if after > before:
            lines.append(f"They asked for {in_sentence(issue.name)} of {asked} instead of {was}: more of it is worth "
                         f"more to them than what was offered (by our estimate {format_points(after - before)} "
                         "points more to them).")
        else:
            lines.append(f"They asked for {in_sentence(issue.name)} of {asked} instead of {was}, which our estimate "
                         f"says is worth less to them: our estimate of which way they lean on {in_sentence(issue.name)} "
                         "is wrong.")
    if picked:
        taken = joined([f"{in_sentence(issue.name)} from {label} ({_offered_and_asked(case, issue, offered[labels.index(label)], counter)})"
                        for issue, label in picked])
        lines.append(f"Cherry-picking: their counter combines the best of several packages, {taken}. "
                     + _cherry_reply(case, picked, countered, offered))
    return lines


def _offered_and_asked(case: Case, issue: Issue, package: Mapping, counter: Mapping) -> str:
    offered = format_value(issue, package[issue.id], case.locale)
    if issue.id in counter and counter[issue.id] != package[issue.id]:
        return f"{offered}, and they ask {format_value(issue, counter[issue.id], case.locale)}"
    return offered


def _cherry_reply(case: Case, picked, countered: Assessment | None, offered) -> str:
    """The answer to a counter that takes the best of each package: the packages are wholes."""
    band = format_points(case.aspiration)
    sources = list(dict.fromkeys(label for _, label in picked))
    reply = "Reply that each package is offered whole, and each is worth the same to us"
    if countered is not None:
        floor = case.targets.reservation
        reply += (f": this combination scores {format_points(countered.score)} for us against {band} for each package"
                  + (f", below our reservation of {format_points(floor)}" if countered.below_reservation else ""))
    first, second = picked[0], next(p for p in picked if p[1] != picked[0][1])
    return (reply + f". Ask which matters more to them, {in_sentence(first[0].name)} as in {first[1]} or "
            f"{in_sentence(second[0].name)} as in {second[1]}: the answer is the trade the next packages offer"
            + ("." if len(sources) == 2 else f"; {', '.join(sources)} each offered one of these."))


def _our_range(issue: Issue, locale: str) -> str:
    if issue.range is not None:
        return (f"range for {in_sentence(issue.name)}, {format_value(issue, issue.range.min, locale)} to "
                f"{format_value(issue, issue.range.max, locale)}")
    return f"options for {in_sentence(issue.name)} ({', '.join(o.name for o in issue.options)})"


# --- the next offer -------------------------------------------------------------------------------

def next_offers(case: Case, updated: Estimate) -> Meso:
    """The next MESO set: built from the updated estimate. The case's own meso.offers are
    checked instead only when they are new, not a set already sent in a round."""
    sent = [_as_set(offered_packages(case, round_)) for round_ in case.rounds]
    written = [{**case.meso.hold, **offer} for offer in case.meso.offers]
    settings = updated.case.meso
    if _as_set(written) in sent:
        settings = settings.model_copy(update={"offers": ()})
    built = meso(updated.case.model_copy(update={"meso": settings}))
    if settings.offers or _as_set(p.terms for p in built.packages) not in sent:
        return built
    # The same set again would ask the same question: lead with an issue it does not, the
    # one least varied so far first, in place of the lead worth least to them.
    leads = [p.lead for p in built.packages if p.lead]
    varied = {i.id: sum(len({p[i.id] for p in offered_packages(case, r)}) > 1 for r in case.rounds) for i in case.issues}
    others = sorted((i.id for i in case.issues if i.id not in leads and i.id not in settings.hold),
                    key=lambda i: (varied[i], -updated.span(i)))
    kept = sorted(leads, key=lambda i: -updated.span(i))[:max(len(leads) - 1, 1)]
    for issue_id in others:
        retry = meso(updated.case.model_copy(update={"meso": settings.model_copy(update={"lead_with": (issue_id, *kept)})}))
        if retry.packages and _as_set(p.terms for p in retry.packages) not in sent:
            return retry
    return built


def _as_set(packages) -> frozenset:
    return frozenset(tuple(sorted(dict(p).items())) for p in packages)


def offers_now(case: Case) -> Meso:
    """The packages to send now: the case's MESO set, or once rounds exist the next one."""
    if not case.rounds:
        return meso(case)
    return history(case).next


def _changes(case: Case, updated: Estimate, last: Sequence[Mapping], following: Meso) -> list[str]:
    """What the next set changes from the last one, package by package, and why."""
    locale = case.locale
    if not following.packages:
        return ["No next set could be built: " + ("; ".join(d.message for d in following.errors) or "see the diagnostics.")]
    lines = []
    for p in following.packages:
        nearest = min(range(len(last)), key=lambda k: sum(last[k][i.id] != p.terms[i.id] for i in case.issues)) if last else None
        if nearest is None:
            continue
        moved = [issue for issue in case.issues if last[nearest][issue.id] != p.terms[issue.id]]
        label = package_label(nearest)
        if not moved:
            lines.append(f"{p.label} is last round's {label}, unchanged.")
        else:
            lines.append(f"{p.label} is last round's {label} with " + joined(
                [f"{in_sentence(i.name)} of {format_value(i, p.terms[i.id], locale)} instead of "
                 f"{format_value(i, last[nearest][i.id], locale)}" for i in moved]) + ".")
    same = _as_set(p.terms for p in following.packages) == _as_set(last)
    new_leads = [p.lead for p in following.packages if p.lead and p.lead not in set(lead_issues(case, last))]
    if new_leads and not same:
        lines.append(f"It leads with {issue_names([case.issue(i) for i in new_leads])}, which the last set did not: "
                     "their choice asks a new question.")
    if not updated.consistent:
        why = "their answers contradict each other, so the estimate stays the case's own"
    elif not updated.changed:
        why = "their answers agree with the case's own estimate, which is left as it was"
    else:
        why = "it is built from the updated estimate: " + _shifts(case, updated)
    lines.append(("The next set is the same as the last: " if same else "Why: ") + why + ".")
    return lines


def _shifts(case: Case, updated: Estimate) -> str:
    moved = [(issue, updated.span(issue.id, updated=False), updated.span(issue.id)) for issue in case.issues]
    moved = [m for m in moved if abs(m[2] - m[1]) > 0.05]
    return joined([f"{in_sentence(issue.name)} now worth up to {format_points(after)} points to them "
                    f"(was {format_points(before)})" for issue, before, after in moved])


def rounds_text(case: Case, found: History) -> str:
    """The history and its reading, as `briefgen rounds` prints it."""
    locale = case.locale
    lines = []
    for r in found.rounds:
        lines.append(f"Round {r.number}" + (f", {r.date.isoformat()}" if r.date else ""))
        for label, a in zip(r.labels, r.offered):
            terms = "; ".join(format_value(i, a.package[i.id], locale) for i in case.issues)
            lines.append(f"  {label}{' (chosen)' if label == r.chose else ''}: {terms}")
        if r.counter:
            lines.append("  Counter: " + "; ".join(f"{case.issue(i).name} {format_value(case.issue(i), v, locale)}"
                                                    for i, v in r.counter.items()))
        lines += [f"  - {line}" for line in (*r.readings, *r.counter_readings)]
        if r.note:
            lines.append(f"  Noted: {r.note}")
        lines.append("")
    e = found.estimate
    lines.append("Their points, updated: " + ("agrees with every answer" if e.consistent else "NO ESTIMATE AGREES"))
    if not e.consistent:
        lines.append(f"  {e.conflict}")
    for issue in case.issues:
        lines.append(f"  {issue.name}: up to {format_points(e.span(issue.id))} (was {format_points(e.span(issue.id, updated=False))})")
    lines += ["", "Next packages:"]
    for p in found.next.packages:
        lead = case.issue(p.lead).name if p.lead else "no issue"
        terms = "; ".join(format_value(i, p.terms[i.id], locale) for i in case.issues)
        lines.append(f"  {p.label}: {terms} (leads with {lead}; us {format_points(p.score)}, them {format_points(p.their_score)})")
    lines += [f"  {line}" for line in found.changes]
    lines += [f"  {d.level}: {d.message}" for d in found.next.diagnostics]
    lines += ["", "Next moves:"] + [f"  - {move}" for move in found.next_moves]
    return "\n".join(lines)
