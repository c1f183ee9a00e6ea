"""The values a range issue takes between its steps, where the conditions need them.

`score` takes any value of a range, while check, the win-sets, MESO and the brief see
only the values on its step. A condition can leave a window narrower than one step
(`price > 990 and price < 995` on a step of 10): some value meets it, yet no step value
does, and the tools would disagree about whether a package can. So that they agree,
every way a value can meet or miss the case's comparisons on an issue must be met by
some value the analyses see:
- With the default step (the case writes none), the values adapt: each window the step
  misses gets its roundest value (992 in the window above) as a value of its own.
- A step written in the case says how the term moves ("prices in fives"): a condition
  that only values between those steps could meet is a mistake in the case, reported
  by `off_step` with its fix, as other conditions that can never be met are.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from briefgen.conditions import Condition, ConditionError, compile_condition

if TYPE_CHECKING:
    from briefgen.case_model import Case, Issue

LADDER = (1.0, 0.5, 0.2)  # round steps within a power of ten: 10, 5, 2 times the next power down
MAX_COMBINATIONS = 20_000  # values tried together for a condition on several issues


def window_values(issue: Issue, conditions: Iterable[Condition]) -> tuple[float, ...]:
    """The values to add to the steps of a range issue: one inside each window of the
    conditions' comparisons that no step value lies in."""
    tests = [test for c in conditions for test in _tests(c.formula, issue.id)]
    if not tests:
        return ()
    seen = {_signature(tests, v) for v in issue.step_values()}
    added = []
    for value in _representatives(issue, conditions):
        signature = _signature(tests, value)
        if signature not in seen:
            seen.add(signature)
            added.append(value)
    return tuple(sorted(added))


def conditions_of(case: Case) -> list[Condition]:
    """Every `requires` of the case that compiles (the others are reported by the check)."""
    found = []
    for constituency in case.constituencies:
        for text in constituency.requires:
            try:
                found.append(compile_condition(text, case.issues))
            except ConditionError:
                continue
    return found


def off_step(condition: Condition, issues: Mapping[str, Issue]) -> tuple[Issue, float] | None:
    """The range issue, with a step written in the case, whose step values cannot meet
    `condition` though values between its steps could, and one such value; else None."""
    used = [issues[i] for i in sorted(condition.issue_ids) if i in issues]
    choices = {issue.id: _choices(issue, [condition]) for issue in used}
    if math.prod(len(c) for c in choices.values()) > MAX_COMBINATIONS:
        return None  # too many to try; the win-set analysis still reports an empty win-set
    if not _satisfiable(condition, choices):
        return None  # no value meets it: not a matter of steps
    for issue in used:
        if issue.range is None or issue.range.step is None:
            continue
        on_step = set(issue.values())
        if not _satisfiable(condition, {**choices, issue.id: [v for v in choices[issue.id] if v in on_step]}):
            between = next(v for v in choices[issue.id] if v not in on_step and
                           _satisfiable(condition, {**choices, issue.id: [v]}))
            return issue, between
    return None


def between_steps(condition: Condition, issues: Mapping[str, Issue], most: int) -> str | None:
    """Why only values between the steps written in the case could meet `condition`, and
    what to write instead; None where its step values can meet it (or no value can)."""
    missed = off_step(condition, issues)
    if missed is None:
        return None
    issue, between = missed
    finer = finer_step(issue, condition, issues, most)
    fix = f"give issues.{issue.id}.range a step that lands in it, e.g. step: {finer:g}, " if finer else ""
    return (f"no value of '{issue.id}' on its step of {issue.range.step:g} meets '{condition.text}', so no package "
            f"can, though values between the steps would ({issue.show(between)}); {fix}widen the condition, or leave "
            "out the step: the default step adds a value inside such a window")


def finer_step(issue: Issue, condition: Condition, issues: Mapping[str, Issue], most: int) -> float | None:
    """The coarsest round step (1, 2 or 5 times a power of ten) finer than the issue's own
    whose values can meet `condition`, within `most` values; None if there is none."""
    low, high, step = issue.range.min, issue.range.max, issue.step
    tests = _tests(condition.formula, issue.id)
    choices = {i: _choices(issues[i], [condition]) for i in condition.issue_ids if i in issues}
    power = 10.0 ** math.floor(math.log10(step))
    while True:
        for size in (5 * power, 2 * power, power):
            if size >= step * (1 - 1e-9):
                continue
            if (high - low) / size > most:
                return None
            count = int(math.floor((high - low) / size + 1e-9))
            values = _distinct(tests, (round(low + k * size, 9) for k in range(count + 1)))
            if _satisfiable(condition, {**choices, issue.id: values}):
                return round(size, 12)
        power /= 10


def _tests(formula: tuple, issue_id: str) -> list:
    """The tests of one value in a condition's formula that are about `issue_id`."""
    if not formula:
        return []
    if formula[0] == "is":
        return [formula[2]] if formula[1] == issue_id else []
    return [test for child in formula[1:] for test in _tests(child, issue_id)]


def _signature(tests: Sequence, value: float) -> tuple[bool, ...]:
    return tuple(bool(test(value)) for test in tests)


def _distinct(tests: Sequence, values: Iterable) -> list:
    """The first value of each way of meeting and missing the tests."""
    kept, seen = [], set()
    for value in values:
        signature = _signature(tests, value)
        if signature not in seen:
            seen.add(signature)
            kept.append(value)
    return kept


def _representatives(issue: Issue, conditions: Iterable[Condition]) -> list[float]:
    """A value for each window the comparisons cut the range into: each value compared
    with, and the roundest value strictly between two neighbouring ones."""
    low, high = issue.range.min, issue.range.max
    cuts = sorted({float(v) for c in conditions for i, v in c.compared
                   if i == issue.id and not isinstance(v, str) and low <= v <= high} | {low, high})
    found = []
    for left, right in zip(cuts, cuts[1:]):
        found.append(left)
        inside = _roundest(left, right)
        if inside is not None:
            found.append(inside)
    found.append(high)
    return [int(v) if float(v).is_integer() else v for v in found]


def _roundest(left: float, right: float) -> float | None:
    """The roundest number strictly between `left` and `right` (a multiple of the largest
    1, 2 or 5 times a power of ten that has one there), nearest their middle."""
    span, middle = right - left, (left + right) / 2
    if not span > 1e-9 * max(abs(left), abs(right), 1.0):
        return None
    power = 10.0 ** math.ceil(math.log10(span))
    for _ in range(12):  # a multiple of a size under half the span always lies inside
        for size in (power * m for m in LADDER):
            value = round(round(middle / size) * size, 12)
            value = min(max(value, math.floor(left / size) * size + size), math.ceil(right / size) * size - size)
            value = round(value, 12)
            if left < value < right:
                return value
        power /= 10
    return middle


def _choices(issue: Issue, conditions: Sequence[Condition]) -> list:
    """The values of an issue the conditions can tell apart, one of each kind: for a range,
    one of each window of the comparisons (step values first); for options, every option."""
    if issue.range is None:
        return list(issue.values())
    tests = [test for c in conditions for test in _tests(c.formula, issue.id)]
    return _distinct(tests, [*issue.values(), *_representatives(issue, conditions)])


def _satisfiable(condition: Condition, choices: Mapping[str, Sequence]) -> bool:
    """Whether some combination of the choices meets the condition."""
    import itertools

    ids = list(choices)
    return any(condition(dict(zip(ids, combo))) for combo in itertools.product(*(choices[i] for i in ids)))
