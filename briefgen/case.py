"""Load a case file into an immutable, validated Case.

Reading goes: bytes -> text -> frontmatter split by hand (so line numbers stay
true) -> YAML with positions (ruamel.yaml) -> typed model (pydantic) ->
cross-checks the types cannot express (ids, anchors, conditions, values).
Every problem is collected with its line and column and raised at once.
"""
from __future__ import annotations

import bisect
import datetime
import math
import difflib
import re
from collections.abc import Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictInt,
    ValidationError,
)

from briefgen.conditions import Condition, ConditionError, compile_condition
from briefgen.errors import CaseError, Problem
from briefgen.source import Locator, decode, key_lines, kind, parse_yaml

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=80)]
# Limits far above any real negotiation that keep every document printable and
# every analysis fast (2,000 constituencies took 47 s to analyse).
Label = Annotated[str, Field(max_length=200)]
MAX_ISSUES, MAX_OPTIONS, MAX_CONSTITUENCIES = 30, 100, 200


def _term_value(value: object) -> int | float | str:
    """An issue's value: a number or a text (never a boolean, list or NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"expected a number or a text, got {kind(value)}")
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueError("expected a finite number")
    return value


TermValue = Annotated[int | float | str, PlainValidator(_term_value)]
Package = Mapping[str, int | float | str]


class FrozenDict(dict):
    """A dict that cannot change once made, so a Case is immutable all the way down."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("a Case is immutable; build a new one instead")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self):  # pickling must not go through __setitem__
        return FrozenDict, (dict(self),)


Anchors = Annotated[dict[Number, Number], AfterValidator(FrozenDict)]
Terms = Annotated[dict[str, TermValue], AfterValidator(FrozenDict)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(Model):
    name: Label
    negotiator: str | None = None
    batna: str | None = None
    interests: tuple[str, ...] = ()


class Parties(Model):
    us: Party
    them: Party


class Option(Model):
    value: TermValue
    label: Label | None = None
    points: Number = 0
    their_points: Number | None = None

    @property
    def name(self) -> str:
        return self.label or str(self.value)


class ValueRange(Model):
    min: Number
    max: Number
    step: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)] | None = None


class Issue(Model):
    id: Slug
    label: Label | None = None
    unit: str | None = None
    options: Annotated[tuple[Option, ...], Field(max_length=MAX_OPTIONS)] | None = None
    range: ValueRange | None = None
    points: Anchors | None = None
    their_points: Anchors | None = None

    @property
    def name(self) -> str:
        return self.label or self.id.replace("_", " ").capitalize()

    @property
    def is_numeric(self) -> bool:
        return self.range is not None or all(
            not isinstance(option.value, str) for option in self.options or ()
        )

    @property
    def their_points_assumed(self) -> bool:
        """True where the case gives no estimate of their points for this issue."""
        if self.range is not None:
            return self.their_points is None
        return any(option.their_points is None for option in self.options or ())

    def bounds(self) -> tuple[float, float] | None:
        if self.range is not None:
            return self.range.min, self.range.max
        if not self.is_numeric or not self.options:
            return None
        values = [option.value for option in self.options]
        return min(values), max(values)

    def option_for(self, value: object) -> Option | None:
        return next((option for option in self.options or () if option.value == value), None)

    def value_problem(self, value: object) -> str | None:
        """Why `value` is not a possible value of this issue, or None."""
        shown = repr(value) if isinstance(value, str) else f"{value:g}"
        if self.range is not None:
            if isinstance(value, str):
                return f"{shown} is text, but '{self.id}' takes a number"
            if not self.range.min <= value <= self.range.max:
                return f"{shown} is outside the range of '{self.id}' ({self.range.min:g} to {self.range.max:g})"
            return None
        if self.option_for(value) is None:
            choices = ", ".join(repr(o.value) if isinstance(o.value, str) else f"{o.value:g}" for o in self.options or ())
            return f"{shown} is not an option of '{self.id}' (options: {choices})"
        return None

    def values(self) -> Iterator[int | float | str]:
        """Every value a package may take on this issue (ranges on their step)."""
        if self.options is not None:
            yield from (option.value for option in self.options)
            return
        low, high, step = self.range.min, self.range.max, self.range.step or (self.range.max - self.range.min)
        count = int(math.floor((high - low) / step + 1e-9))
        for i in range(count + 1):
            value = round(low + i * step, 9)  # no 0.30000000000000004
            yield int(value) if value.is_integer() else value
        if low + count * step < high - 1e-9:
            yield int(high) if float(high).is_integer() else high

    def our_points(self, value: object) -> float:
        if self.range is not None:
            return _interpolate(self.points, value)
        return self.option_for(value).points

    def their_points_for(self, value: object) -> float:
        """Our estimate of their points; where missing, assumed opposite to ours."""
        if self.range is not None:
            if self.their_points is not None:
                return _interpolate(self.their_points, value)
            mirror = max(self.points.values()) + min(self.points.values())
            return mirror - _interpolate(self.points, value)
        option = self.option_for(value)
        if option.their_points is not None:
            return option.their_points
        ours = [o.points for o in self.options]
        return max(ours) + min(ours) - option.points

    def best_points(self) -> float:
        if self.range is not None:
            return max(self.points.values())
        return max(option.points for option in self.options)


def _interpolate(anchors: Mapping[float, float], value: float) -> float:
    """Piecewise-linear points between the nearest anchors (checked to cover the range)."""
    xs = sorted(anchors)
    i = bisect.bisect_left(xs, value)
    if xs[i] == value:
        return anchors[xs[i]]
    x0, x1 = xs[i - 1], xs[i]
    y0, y1 = anchors[x0], anchors[x1]
    return y0 + (y1 - y0) * (value - x0) / (x1 - x0)


Power = Literal["ratify", "veto", "implement", "influence", "none"]
Stance = Literal["champion", "supportive", "neutral", "skeptical", "opposed", "unknown"]


class Constituency(Model):
    id: Slug
    name: Label | None = None
    side: Literal["us", "them"]
    power: Power = "influence"
    stance: Stance = "unknown"
    interests: tuple[str, ...] = ()
    concerns: tuple[str, ...] = ()
    sensitivities: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    audience: bool = False
    influenced_by: tuple[str, ...] = ()
    notes: str | None = None

    @property
    def display_name(self) -> str:
        return self.name or self.id.replace("_", " ").capitalize()

    @property
    def can_block(self) -> bool:
        """Ratifiers and veto holders define a win-set; the rest only prefer."""
        return self.power in ("ratify", "veto")


class Targets(Model):
    reservation: Number | None = None
    aspiration: Number | None = None


class Meso(Model):
    packages: Annotated[StrictInt, Field(ge=2, le=5)] = 3
    tolerance: Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)] = 1
    lead_with: tuple[str, ...] = ()
    hold: Terms = FrozenDict()
    offers: tuple[Terms, ...] = ()


class OfferSheetSettings(Model):
    to: str | None = None
    sender: str | None = Field(default=None, alias="from")
    valid_until: datetime.date | None = None
    intro: str | None = None
    closing: str | None = None
    locale: str = "en_US"


class Round(Model):
    """One exchange: the packages we offered and how they answered (briefgen respond)."""

    date: datetime.date | None = None
    offered: tuple[Terms, ...] = ()
    chose: Annotated[str, Field(pattern=r"^[A-Z]$")] | None = None
    counter: Terms = FrozenDict()
    note: str | None = None


class Outcome(Model):
    date: datetime.date | None = None
    agreed: Terms = FrozenDict()
    summary: str | None = None


class Case(Model):
    """One negotiation, as its case file describes it."""

    id: str = Field(exclude=True)
    path: str = Field(exclude=True)
    body: str = Field(default="", exclude=True)
    body_line: int = Field(default=1, exclude=True)
    source_lines: Annotated[dict[str, int], AfterValidator(FrozenDict)] = Field(default_factory=FrozenDict, exclude=True)

    format: Literal[1] = 1
    title: Label
    date: datetime.date | None = None
    status: Literal["preparing", "offered", "countered", "agreed", "closed", "abandoned"] = "preparing"
    tags: tuple[str, ...] = ()
    parties: Parties
    issues: Annotated[tuple[Issue, ...], Field(max_length=MAX_ISSUES)] = ()
    targets: Targets = Targets()
    constituencies: Annotated[tuple[Constituency, ...], Field(max_length=MAX_CONSTITUENCIES)] = ()
    meso: Meso = Meso()
    offer_sheet: OfferSheetSettings = OfferSheetSettings()
    rounds: tuple[Round, ...] = ()
    outcome: Outcome | None = None

    def line_of(self, path: str) -> int | None:
        """The case-file line of a key, by dotted path: 'constituencies.2.power'."""
        return self.source_lines.get(path)

    def issue(self, issue_id: str) -> Issue:
        return next(issue for issue in self.issues if issue.id == issue_id)

    def side(self, side: str) -> tuple[Constituency, ...]:
        return tuple(c for c in self.constituencies if c.side == side)

    def has_win_set(self, side: str) -> bool:
        """Whether any ratifier or veto holder of `side` states a condition."""
        return any(c.can_block and c.requires for c in self.side(side))

    @cached_property
    def conditions(self) -> dict[str, tuple[Condition, ...]]:
        """Each constituency's `requires`, compiled (all were checked at load)."""
        return {
            c.id: tuple(compile_condition(text, self.issues) for text in c.requires)
            for c in self.constituencies
        }

    def blocking_conditions(self, side: str | None = None) -> list[tuple[Constituency, Condition]]:
        """Every condition a ratifier or veto holder sets (of one side, or of both): what bounds the win-sets."""
        return [(c, condition) for c in self.constituencies if c.can_block and side in (None, c.side)
                for condition in self.conditions[c.id]]

    def best_score(self) -> float:
        return sum(issue.best_points() for issue in self.issues)

    @property
    def aspiration(self) -> float:
        """The score offers are built at: given, or 75% of the best possible."""
        if self.targets.aspiration is not None:
            return self.targets.aspiration
        return 0.75 * self.best_score()


# Limits: a case file's size, and how many values a range issue may step through.
MAX_CASE_BYTES = 1_000_000
MAX_FRONTMATTER_BYTES = 256_000
MAX_BODY_BYTES = 200_000
MAX_RANGE_VALUES = 1_000

# Fields a case file may set; the loader fills in the rest.
FILE_FIELDS = [name for name, field in Case.model_fields.items() if not field.exclude]
LOADER_FIELDS = [name for name in Case.model_fields if name not in FILE_FIELDS]


def load_case(path: str | Path, locale: str | None = None) -> Case:
    """Read and validate one case file; raise CaseError with every problem in it.

    `locale` (the project's) applies where the case's offer_sheet sets none.
    """
    path = Path(path)
    shown = str(path)
    try:
        if path.exists() and not path.is_file():  # a device, a FIFO, a folder: never read those
            raise CaseError([Problem(shown, 1, 1, "not a regular file; a case is a Markdown file")])
        with path.open("rb") as file:
            raw = file.read(MAX_CASE_BYTES + 1)
    except OSError as error:
        raise CaseError([Problem(shown, 1, 1, f"cannot read the file: {error.strerror}")]) from None
    if len(raw) > MAX_CASE_BYTES:
        raise CaseError([Problem(shown, 1, 1, (
            f"the file is larger than {MAX_CASE_BYTES // 1_000_000} MB, the most a case file may be; "
            "keep long material outside the case and refer to it"))])
    return parse_case(raw, shown, case_id_for(path), locale)


def package_label(n: int) -> str:
    """Packages are named A, B, C, ... in the order they are offered: on the sheet, in rounds, in the brief."""
    return chr(ord("A") + n)


def case_id_for(path: Path) -> str:
    """The output folder name: the file name without .md, made safe for a path."""
    return re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-") or "case"


def parse_case(raw: bytes, path: str, case_id: str, locale: str | None = None) -> Case:
    text = decode(raw, path)
    frontmatter, body, body_line = _split(text, path)
    _check_limits(frontmatter, body, body_line, path)
    tree = parse_yaml(frontmatter, path)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in body):
        raise CaseError([Problem(path, body_line, 1, "the body contains an unpaired surrogate character; save it as valid UTF-8 text")])
    if tree is None:
        raise CaseError([Problem(path, 1, 1, "the frontmatter is empty; it needs at least a title and parties")])
    if not isinstance(tree, dict):
        raise CaseError(
            [Problem(path, 2, 1, f"the frontmatter is {kind(tree)}; it must be keys and values, like 'title: ...'")]
        )
    where = Locator(tree, path, Case)
    # Keys the loader fills in may not come from the file: report them as unknown.
    problems = [where.pydantic({"type": "extra_forbidden", "loc": (key,), "msg": ""})
                for key in tree if key in LOADER_FIELDS]
    fields = {key: value for key, value in tree.items() if key not in LOADER_FIELDS}
    case = None
    try:
        case = Case.model_validate(
            {**fields, "id": case_id, "path": path, "body": body, "body_line": body_line,
             "source_lines": key_lines(tree)}
        )
    except ValidationError as error:
        errors = error.errors()
        # A misspelt key is one mistake: report the typo, not also the key it lacks.
        typos = {(e["loc"][:-1], where.suggestion(e["loc"])) for e in errors if e["type"] == "extra_forbidden"}
        problems += [where.pydantic(e) for e in errors
                     if not (e["type"] == "missing" and (e["loc"][:-1], e["loc"][-1]) in typos)]
        case, renumbered = _salvage(tree, error, case_id, path)
        where = where.with_renumbering(renumbered)
    if case is not None:
        problems += _cross_check(case, where)
    if problems:
        raise CaseError(problems)
    if locale and case.line_of("offer_sheet.locale") is None:
        case = case.model_copy(update={"offer_sheet": case.offer_sheet.model_copy(update={"locale": locale})})
    return case


def _check_limits(frontmatter: str, body: str, body_line: int, path: str) -> None:
    """Limits far above any real case, below what makes parsing or layout crawl or crash."""
    if len(frontmatter.encode()) > MAX_FRONTMATTER_BYTES:
        raise CaseError([Problem(path, 1, 1, (
            f"the frontmatter is larger than {MAX_FRONTMATTER_BYTES // 1000} KB, the most it may be; "
            "keep long material in the body or outside the case"))])
    if len(body.encode()) > MAX_BODY_BYTES:
        raise CaseError([Problem(path, body_line, 1, (
            f"the body is larger than {MAX_BODY_BYTES // 1000} KB, the most it may be; "
            "keep long material outside the case and refer to it"))])
    from briefgen.body import too_deep

    if trouble := too_deep(body):
        raise CaseError([Problem(path, body_line, 1, trouble)])


def _split(text: str, path: str) -> tuple[str, str, int]:
    """Frontmatter (with the opening line blanked, so YAML lines match file lines) and body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        raise CaseError(
            [Problem(path, 1, 1, "no frontmatter: a case file starts with a line '---', then YAML, then a line '---'")]
        )
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            frontmatter = "\n" + "".join(lines[1:number])
            return frontmatter, "".join(lines[number + 1 :]), number + 2
    raise CaseError(
        [Problem(path, 1, 1, "the frontmatter opened on this line is never closed; add a line '---' after the YAML")]
    )


def _salvage(tree, error: ValidationError, case_id: str, path: str):
    """The case without its broken parts, so cross-checks still run on the rest.

    Returns the salvaged Case (or None) and, for the list sections, the original
    index of each item kept.
    """
    broken_items: dict[str, set[int]] = {"issues": set(), "constituencies": set()}
    broken_sections = set()
    for e in error.errors():
        loc = e["loc"]
        if loc and loc[0] in broken_items and len(loc) > 1 and isinstance(loc[1], int):
            broken_items[loc[0]].add(loc[1])
        elif loc:
            broken_sections.add(loc[0])
    salvaged = {key: value for key, value in tree.items() if key not in broken_sections and key not in LOADER_FIELDS}
    salvaged.setdefault("title", "")
    salvaged.setdefault("parties", {"us": {"name": ""}, "them": {"name": ""}})
    renumbered = {}
    for section, broken in broken_items.items():
        if isinstance(tree.get(section), list) and section not in broken_sections:
            kept = [i for i in range(len(tree[section])) if i not in broken]
            salvaged[section] = [tree[section][i] for i in kept]
            renumbered[section] = kept
    try:
        case = Case.model_validate({**salvaged, "id": case_id, "path": path})
    except ValidationError:
        return None, {}
    return case, renumbered


def _cross_check(case: Case, where: Locator) -> list[Problem]:
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
            try:
                compile_condition(text, sound)
            except ConditionError as error:
                if error.unknown_issue not in defined:
                    loc = ("constituencies", index, "requires", n)
                    problems.append(where.problem(loc, f"{where.name(loc[:3])}: {error}"))

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

    problems += _check_locale(case.offer_sheet.locale, where)

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


def _check_locale(locale: str, where: Locator) -> list[Problem]:
    try:
        known_locale(locale)
    except ValueError as error:
        return [where.problem(("offer_sheet", "locale"), f"offer_sheet.locale: {error}")]
    return []


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
    problems = []
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
