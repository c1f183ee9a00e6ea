"""Mediation: the two sides' own case files joined into one case the mediator can trust.

Each side gives the mediator its own file, in confidence: its own points and
conditions (`points`, its `us` constituencies) and its estimate of the other.
The mediator needs neither estimate: `joint_case(a, b)` is A's case with B's
true points in place of A's estimate of them and B's own constituencies as the
`them` side, so that `Market(joint_case(a, b))` has both true scores and both
real win-sets. The files must describe the same issues and values; every
difference is a located problem in the file where it is written.
"""
from __future__ import annotations

import math
from fractions import Fraction

from briefgen.case import Case, Constituency, Issue
from briefgen.case_check import MAX_RANGE_VALUES
from briefgen.case_model import Meso, Parties, Setting, Targets, ValueRange
from briefgen.errors import CaseError, Problem
from briefgen.meso.model import key_position


def joint_case(a: Case, b: Case) -> Case:
    """A's case with B's true points and B's own constituencies as the other side.

    Kept from A: its issues (order, labels, units), its points, reservation and
    aspiration, its own constituencies, title, body, offer sheet and outcome.
    From B: its points (as `their_points`), its reservation (as
    `targets.their_reservation`), its party (as `parties.them`) and its own
    constituencies (as side `them`, an id A uses too renamed `<id>_2`).
    Dropped: both sides' estimates of each other (their points, constituencies
    and reservation), the `meso.hold` and `meso.offers` each side chose for
    its own offers, and A's rounds (answers read against A's estimate).
    A range both files step differently takes the finest step on which every
    value of either lies. Raises CaseError listing every mismatch.
    """
    problems = mismatches(a, b)
    if problems:
        raise CaseError(problems)
    issues = tuple(_joint_issue(issue, b.issue(issue.id)) for issue in a.issues)
    ours = tuple(c for c in a.constituencies if c.side == "us")
    theirs = _as_them(b.side("us"), {c.id for c in ours})
    kept = {path: line for path, line in a.source_lines.items() if not path.startswith(("constituencies", "rounds"))}
    for n, c in enumerate(ours):  # A's own constituencies keep their lines in A's file
        index = a.constituencies.index(c)
        kept.update({f"constituencies.{n}{path[len(f'constituencies.{index}'):]}": line
                     for path, line in a.source_lines.items()
                     if path == f"constituencies.{index}" or path.startswith(f"constituencies.{index}.")})
    return Case.model_validate({
        **{name: getattr(a, name) for name in ("path", "body", "body_line", "locale", "title", "date", "status",
                                               "tags", "offer_sheet", "outcome")},
        "id": f"{a.id}+{b.id}",
        "source_lines": kept,
        "parties": Parties(us=a.parties.us, them=b.parties.us),
        "issues": issues,
        "targets": Targets(reservation=a.targets.reservation, aspiration=a.targets.aspiration,
                           their_reservation=b.targets.reservation),
        "setting": Setting(public=a.public or b.public, written=a.setting.written or b.setting.written),
        "constituencies": ours + theirs,
        "meso": Meso(packages=a.meso.packages, tolerance=a.meso.tolerance, lead_with=a.meso.lead_with),
    })


def _joint_issue(ours: Issue, theirs: Issue) -> Issue:
    """Our issue with their true points instead of our estimate of them."""
    cleared = {"their_weight": None, "their_rank": None, "their_best": None, "their_worst": None}
    if ours.options is not None:
        options = tuple(o.model_copy(update={"their_points": theirs.option_for(o.value).points, "their_rating": None})
                        for o in ours.options)
        return ours.model_copy(update={**cleared, "options": options})
    step = common_step(ours.range, theirs.range)
    return ours.model_copy(update={**cleared, "their_points": theirs.points,
                                   "range": ValueRange(min=ours.range.min, max=ours.range.max, step=step)})


def _as_them(constituencies, taken: set[str]) -> tuple[Constituency, ...]:
    """B's own constituencies as the other side, an id A already uses renamed (and the
    references to it among B's `influenced_by`)."""
    renamed = {}
    for c in constituencies:
        new, n = c.id, 1
        while new in taken or new in renamed.values():
            n += 1
            new = f"{c.id[:76]}_{n}"
        renamed[c.id] = new
    return tuple(c.model_copy(update={
        "id": renamed[c.id], "side": "them", "name": c.display_name,
        "influenced_by": tuple(renamed.get(i, i) if isinstance(i, str) else i for i in c.influenced_by),
    }) for c in constituencies)


def common_step(one: ValueRange, other: ValueRange) -> float:
    """The finest step on which every value of both ranges' steps lies (they share `min`):
    the greatest common divisor of the two steps."""
    a, b = (Fraction(r.steps_by).limit_denominator(10**9) for r in (one, other))
    step = Fraction(math.gcd(a.numerator * b.denominator, b.numerator * a.denominator), a.denominator * b.denominator)
    return float(step)


# --- the files must describe the same issues and values ---------------------------------------

def mismatches(a: Case, b: Case) -> list[Problem]:
    """Every way the two files describe different issues or values, located where it is written."""
    problems = []
    for case, other in ((a, b), (b, a)):
        ids = {issue.id for issue in other.issues}
        for n, issue in enumerate(case.issues):
            if issue.id not in ids:
                problems.append(_at(case, f"issues.{n}.id", (
                    f"issue '{issue.id}' is not in {other.path}: the two sides' files must describe the same issues; "
                    f"add it to {other.path} with that side's points, or remove it here")))
    for n, ours in enumerate(a.issues):
        theirs = next((issue for issue in b.issues if issue.id == ours.id), None)
        if theirs is not None:
            problems += _issue_mismatches(a, n, ours, b, b.issues.index(theirs), theirs)
    return sorted(problems)


def _issue_mismatches(a: Case, n: int, ours: Issue, b: Case, m: int, theirs: Issue) -> list[Problem]:
    here = {a.path: f"issues.{n}", b.path: f"issues.{m}"}
    sides = ((a, ours, b, theirs), (b, theirs, a, ours))
    name = f"issues.{ours.id}"
    problems = []
    if ours.unit and theirs.unit and ours.unit.upper() != theirs.unit.upper():
        problems += [_at(case, f"{here[case.path]}.unit", (
            f"{name}: unit '{issue.unit}' here but '{other_issue.unit}' in {other.path}: the two files must count "
            f"the issue in one unit (one currency); convert one file's values and points"))
            for case, issue, other, other_issue in sides]
    if (ours.range is None) != (theirs.range is None):
        return problems + [_at(case, f"{here[case.path]}.{'range' if issue.range else 'options'}", (
            f"{name}: {'a range' if issue.range else 'options'} here but {'a range' if other_issue.range else 'options'} "
            f"in {other.path}: both files must describe the issue the same way; use the same "
            f"{'options' if other_issue.options else 'range'} in both"))
            for case, issue, other, other_issue in sides]
    if ours.range is not None:
        for end in ("min", "max"):
            if getattr(ours.range, end) != getattr(theirs.range, end):
                problems += [_at(case, f"{here[case.path]}.range.{end}", (
                    f"{name}: the range {'starts' if end == 'min' else 'ends'} at "
                    f"{issue.show(getattr(issue.range, end))} here but at "
                    f"{issue.show(getattr(other_issue.range, end))} in {other.path}: both files must give the same "
                    f"range ends; change one of them (and its points' anchors)"))
                    for case, issue, other, other_issue in sides]
        if not problems and _grid_size(ours, common_step(ours.range, theirs.range)) > MAX_RANGE_VALUES:
            problems += [_at(case, f"{here[case.path]}.range", (
                f"{name}: step {issue.range.steps_by:g} here and {other_issue.range.steps_by:g} in {other.path} "
                f"share no step that gives at most {MAX_RANGE_VALUES:,} values; give both files the same step"))
                for case, issue, other, other_issue in sides]
        return problems
    for case, issue, other, other_issue in sides:
        for k, option in enumerate(issue.options):
            if other_issue.option_for(option.value) is None:
                like = next((o for o in other_issue.options if str(o.value) == str(option.value)), None)
                hint = (f" ({other.path} writes it as {other_issue.show(like.value)}: write it the same way in both)"
                        if like is not None else
                        f"; add it to {other.path}, or remove it here")
                listed = ", ".join(other_issue.show(o.value) for o in other_issue.options)
                problems.append(_at(case, f"{here[case.path]}.options.{k}", (
                    f"{name}: option {issue.show(option.value)} is not among the options of {other.path} "
                    f"({listed}){hint}")))
    return problems


def _grid_size(issue: Issue, step: float) -> float:
    return (issue.range.max - issue.range.min) / step


def _at(case: Case, key: str, message: str) -> Problem:
    line, column = key_position(case, key) or key_position(case, key.rsplit(".", 1)[0]) or (1, 1)
    return Problem(case.path, line, column, message)

