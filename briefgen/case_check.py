"""Cross-checks of a loaded case: what the types alone cannot say.

Unique ids, anchors that cover their range, conditions that compile, values
that exist, targets that can be reached: each problem located in the file.
"""
from __future__ import annotations

import difflib

from briefgen.case_model import Case, Issue, OfferSheetSettings, package_label
from briefgen.conditions import ConditionError, compile_condition
from briefgen.errors import Problem
from briefgen.range_values import between_steps
from briefgen.terms import amount_problem
from briefgen.source import Locator

# How many values a range issue may step through.
MAX_RANGE_VALUES = 1_000


def cross_check(case: Case, where: Locator) -> list[Problem]:
    """What the types alone cannot say: unique ids, anchors, conditions, values.

    Runs on a salvaged case too; anything naming an issue that is itself
    broken is left alone, so one mistake is not reported three times.
    """
    problems = []
    problems += _unique_ids(where, "issues", "issue")
    problems += _unique_ids(where, "constituencies", "constituency")
    sound = []
    seen = set()
    for index, issue in enumerate(case.issues):
        issue_problems = _check_issue(issue, ("issues", index), where)
        problems += issue_problems
        if not issue_problems and issue.id not in seen:
            sound.append(issue)
        seen.add(issue.id)
    defined = list(dict.fromkeys(_raw_ids(where.tree, "issues")))
    by_id = {issue.id: issue for issue in sound}
    all_sound = len(sound) == len(_raw_items(where.tree, "issues"))

    for index, constituency in enumerate(case.constituencies):
        for n, text in enumerate(constituency.requires):
            loc = ("constituencies", index, "requires", n)
            try:
                condition = compile_condition(text, sound)
            except ConditionError as error:
                if error.unknown_issue not in defined:
                    problems.append(where.problem(loc, f"{where.name(loc[:3])}: {error}"))
                continue
            if trouble := between_steps(condition, by_id, MAX_RANGE_VALUES):
                problems.append(where.problem(loc, f"{where.name(loc[:3])}: {trouble}"))

    best = case.best_score() if all_sound else None
    targets = case.targets
    if targets.reservation is not None and targets.aspiration is not None and targets.reservation > targets.aspiration:
        problems.append(where.problem(("targets", "reservation"),
            f"targets: reservation {targets.reservation:g} is above aspiration {targets.aspiration:g}; the walk-away score must be the lower one"))
    for name in ("reservation", "aspiration"):
        value = getattr(targets, name)
        if value is not None and best is not None and case.issues and value > best + 1e-9:  # float sums
            problems.append(where.problem(("targets", name),
                f"targets.{name}: {value:g} is more than the best possible score, {best:g}; no package can reach it"))

    if targets.their_reservation is not None and all_sound and case.issues and targets.their_reservation > case.their_best_score() + 1e-9:
        problems.append(where.problem(("targets", "their_reservation"),
            f"targets.their_reservation: {targets.their_reservation:g} is more than their best possible score, "
            f"{case.their_best_score():g} (by their estimated points); no package could ever beat their alternative"))

    problems += _check_locale(case.offer_sheet.locale, where)
    for side in ("us", "them"):
        if (locale := getattr(case.parties, side).locale) is not None:
            problems += _check_locale(locale, where, ("parties", side, "locale"))
    problems += _check_sheet_markdown(case.offer_sheet, where)

    terms = [(case.meso.hold, ("meso", "hold"), "meso.hold")]
    terms += [(offer, ("meso", "offers", n), f"meso.offers[{n + 1}]") for n, offer in enumerate(case.meso.offers)]
    for n, round_ in enumerate(case.rounds):
        loc = ("rounds", n)
        terms += [(offer, (*loc, "offered", k), f"rounds[{n + 1}].offered[{k + 1}]") for k, offer in enumerate(round_.offered)]
        terms.append((round_.counter, (*loc, "counter"), f"rounds[{n + 1}].counter"))
        labels = [package_label(k) for k in range(len(round_.offered))]
        if round_.chose is not None and round_.chose not in labels:
            problems.append(where.problem((*loc, "chose"), f"rounds[{n + 1}].chose: '{round_.chose}' is not one of the packages offered in that round ({', '.join(labels) or 'none'})"))
    if case.outcome is not None and case.outcome.agreed:  # none agreed: talks ended without a deal
        terms.append((case.outcome.agreed, ("outcome", "agreed"), "outcome.agreed"))
    for n, issue_id in enumerate(case.meso.lead_with):
        if issue_id not in defined:
            problems.append(_unknown_issue(issue_id, ("meso", "lead_with", n), "meso.lead_with", defined, where))
    for package, loc, name in terms:
        typo_fixes = set()
        for issue_id, value in package.items():
            if issue_id not in defined:
                problems.append(_unknown_issue(issue_id, (*loc, issue_id), name, defined, where, at_key=True))
                typo_fixes.update(difflib.get_close_matches(str(issue_id), defined, n=1))
            elif issue_id in by_id and (why := by_id[issue_id].value_problem(value)):
                # A counter outside our range or options is what they said: recorded, and flagged when read.
                if not (name.endswith(".counter") and by_id[issue_id].is_numeric != isinstance(value, str)):
                    problems.append(where.problem((*loc, issue_id), f"{name}: {why}"))
        if package is case.meso.hold or name.endswith(".counter"):
            continue  # a hold fixes some issues, and a counter changes some, not all
        agreed = name == "outcome.agreed"
        given = package if agreed else {**case.meso.hold, **package}
        fix = "give the agreed value of every issue" if agreed else "give one, or fix it for every package in meso.hold"
        for issue_id in defined:
            if issue_id not in given and issue_id not in typo_fixes:
                problems.append(where.problem(loc, f"{name} has no value for '{issue_id}'; {fix}"))
    return problems


def _check_locale(locale: str, where: Locator, loc: tuple = ("offer_sheet", "locale")) -> list[Problem]:
    try:
        known_locale(locale)
    except ValueError as error:
        return [where.problem(loc, f"{'.'.join(loc)}: {error}")]
    return []


def _check_sheet_markdown(settings: OfferSheetSettings, where: Locator) -> list[Problem]:
    from briefgen.body import too_deep

    return [where.problem(("offer_sheet", name), trouble) for name in ("intro", "closing", "reply")
            if (trouble := too_deep(getattr(settings, name) or "", f"offer_sheet.{name}"))]


def known_locale(locale: str) -> str:
    """The locale as Babel spells it; ValueError, saying what to write, if Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        return str(Locale.parse(locale))
    except (UnknownLocaleError, ValueError):
        raise ValueError(f"unknown locale '{locale}'; use a code such as en_US, en_GB, de_DE or fr_FR") from None


def _raw_items(tree, section: str) -> list:
    items = tree.get(section)
    return items if isinstance(items, list) else []


def _raw_ids(tree, section: str) -> list[str]:
    return [item["id"] for item in _raw_items(tree, section) if isinstance(item, dict) and isinstance(item.get("id"), str)]


def _unique_ids(where: Locator, section: str, noun: str) -> list[Problem]:
    """Checked on the file itself, so a broken duplicate is still caught."""
    problems, first = [], {}
    items = _raw_items(where.tree, section)
    for index, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str):
            continue
        if ident in first:
            line = item.lc.value("id")[0]
            first_line = items[first[ident]].lc.value("id")[0] + 1
            problems.append(Problem(where.path, line + 1, item.lc.value("id")[1] + 1,
                f"duplicate {noun} id '{ident}' (first used on line {first_line}); ids must be unique"))
        else:
            first[ident] = index
    return problems


def _check_issue(issue: Issue, loc: tuple, where: Locator) -> list[Problem]:
    name = f"issues.{issue.id}"
    if (issue.options is None) == (issue.range is None):
        return [where.problem(loc, f"{name}: give either 'options' (a discrete issue) or 'range' (a continuous one), not {'both' if issue.options else 'neither'}")]
    if issue.options is not None:
        problems = []
        if not issue.options:
            problems.append(where.problem((*loc, "options"), f"{name}: options is empty; list at least one"))
        for key in ("points", "their_points"):
            if getattr(issue, key) is not None:
                problems.append(where.problem((*loc, key), f"{name}: a discrete issue gives {key} on each option, not on the issue"))
        kinds = {isinstance(option.value, str) for option in issue.options}
        if len(kinds) > 1:
            problems.append(where.problem((*loc, "options"), f"{name}: option values mix numbers and text; use one kind"))
        seen = set()
        for n, option in enumerate(issue.options):
            if option.value in seen:
                problems.append(where.problem((*loc, "options", n, "value"), f"{name}: option value {option.value!r} appears twice"))
            seen.add(option.value)
            if not isinstance(option.value, str) and (why := amount_problem(option.value, issue.unit)):
                problems.append(where.problem((*loc, "options", n, "value"), f"{name}: {why}"))
        return problems
    low, high = issue.range.min, issue.range.max
    if low >= high:
        return [where.problem((*loc, "range"), f"{name}: range min {low:g} must be below max {high:g}")]
    if issue.range.step is not None and issue.range.step > high - low:
        return [where.problem((*loc, "range", "step"), f"{name}: step {issue.range.step:g} is wider than the range")]
    if issue.range.step is not None and (high - low) / issue.range.step > MAX_RANGE_VALUES:
        return [where.problem((*loc, "range", "step"), (
            f"{name}: step {issue.range.step:g} gives more than {MAX_RANGE_VALUES:,} values between {low:g} and "
            f"{high:g}; use a coarser step"))]
    if issue.points is None:
        return [where.problem(loc, f"{name}: a range issue needs points, e.g. {{{low:g}: 40, {high:g}: 0}}")]
    problems = [where.problem((*loc, "range", key), f"{name}: range {key}: {why}")
                for key in ("min", "max", "step") if (value := getattr(issue.range, key)) is not None
                and (why := amount_problem(value, issue.unit))]
    for key in ("points", "their_points"):
        anchors = getattr(issue, key)
        if anchors is None:
            continue
        for anchor in anchors:
            if not low <= anchor <= high:
                problems.append(where.problem((*loc, key, _raw_key(where, (*loc, key), anchor)),
                    f"{name}: {key} anchor {anchor:g} is outside the range {low:g} to {high:g}"))
        for end in (low, high):
            if end not in anchors:
                problems.append(where.problem((*loc, key),
                    f"{name}: {key} has no anchor at {end:g}; anchors must cover the range {low:g} to {high:g}"))
    return problems


def _raw_key(where: Locator, loc: tuple, anchor: float):
    """The YAML key (int or float) for a numeric anchor, for locating it."""
    node = where.tree
    for part in where._original(loc):
        node = node[part]
    return next((key for key in node if key == anchor), anchor)


def _unknown_issue(issue_id, loc, name, known, where, at_key=False) -> Problem:
    hint = difflib.get_close_matches(str(issue_id), list(known), n=1)
    advice = f"did you mean '{hint[0]}'?" if hint else f"known issues: {', '.join(known) or 'none'}"
    return where.problem(loc, f"{name}: unknown issue '{issue_id}'; {advice}", at_key=at_key)
