"""The case model: what a case file says, as immutable, validated types.

Only what types and their methods can express lives here; reading a file is
briefgen.case, and the checks across fields are briefgen.case_check.
"""
from __future__ import annotations

import bisect
import datetime
import heapq
import math
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    StrictInt,
    model_validator,
)

from briefgen.conditions import Condition, compile_condition
from briefgen.source import kind

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Slug = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=80)]
# Limits far above any real negotiation that keep every document printable and
# every analysis fast (2,000 constituencies took 47 s to analyse).
Label = Annotated[str, Field(max_length=200)]
MAX_ISSUES, MAX_OPTIONS, MAX_CONSTITUENCIES = 30, 100, 200
# Far above a real negotiation, and each builds in seconds: 1,387 rounds took 74 s, 20,000 tags 63 s.
MAX_ROUNDS, MAX_TAGS = 100, 50
Rating = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]
Weight = Annotated[float, Field(strict=True, gt=0, le=1e6, allow_inf_nan=False)]
Rank = Annotated[StrictInt, Field(ge=1, le=MAX_ISSUES)]
MAX_OFFERS = 26  # hand-written meso.offers: A to Z, far beyond the three or so that work


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
    locale: str | None = None  # the party's own language: of what a mediator writes to it (briefgen mediate)


class Parties(Model):
    us: Party
    them: Party


class Option(Model):
    value: TermValue
    label: Label | None = None
    points: Number = 0
    their_points: Number | None = None
    # Inputs of `briefgen points` (points.py): how good this option is, 0 (worst) to 100 (best).
    rating: Rating | None = None
    their_rating: Rating | None = None

    @property
    def name(self) -> str:
        return self.label or str(self.value)


class ValueRange(Model):
    min: Number
    max: Number
    step: Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)] | None = None

    @property
    def steps_by(self) -> float:
        """The step given, or the default: the range in at most 100 steps of 1, 2 or 5 times a
        power of ten (at least 1 where both ends are whole numbers at least 10 apart), so that
        every analysis (check, score, the win-sets, MESO) sees the values in between, not just the ends."""
        if self.step is not None:
            return self.step
        raw = (self.max - self.min) / 100
        power = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
        step = next(round(m * power, 12) for m in (1, 2, 5, 10) if round(m * power, 12) >= raw)
        whole = float(self.min).is_integer() and float(self.max).is_integer() and self.max - self.min >= 10
        return max(step, 1) if whole else step


class Issue(Model):
    id: Slug
    label: Label | None = None
    unit: str | None = None
    options: Annotated[tuple[Option, ...], Field(max_length=MAX_OPTIONS)] | None = None
    range: ValueRange | None = None
    points: Anchors | None = None
    their_points: Anchors | None = None
    # Inputs of `briefgen points` (points.py): the issue's swing weight or rank (1 = matters
    # most), and for a range its best and worst values; the same for our estimate of theirs.
    weight: Weight | None = None
    rank: Rank | None = None
    best: Number | None = None
    worst: Number | None = None
    their_weight: Weight | None = None
    their_rank: Rank | None = None
    their_best: Number | None = None
    their_worst: Number | None = None
    # Values between the default steps that the case's conditions need (range_values.py).
    _between: tuple[float, ...] = PrivateAttr(default=())

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

    def show(self, value: object) -> str:
        """A value as a message quotes it: text in quotes, a number in the issue's own format
        (money as money, in full: '$4,200,000', never '4.2e+06')."""
        if isinstance(value, str):
            return repr(value)
        from briefgen.terms import format_amount

        return format_amount(value, self.unit, "en_US", cents=not float(value).is_integer()).replace("\u00a0", " ")

    def kind_problem(self, value: object) -> str | None:
        """Why `value` cannot be a term of this issue at all (text, where it takes a number), or None."""
        if self.is_numeric and isinstance(value, str):
            return f"{self.show(value)} is text, but '{self.id}' takes a number"
        return None

    def value_problem(self, value: object) -> str | None:
        """Why `value` is not a possible value of this issue, or None."""
        shown = self.show(value)
        if self.range is not None:
            if isinstance(value, str):
                return self.kind_problem(value)
            if not self.range.min <= value <= self.range.max:
                return f"{shown} is outside the range of '{self.id}' ({self.show(self.range.min)} to {self.show(self.range.max)})"
            return None
        if self.option_for(value) is None:
            choices = ", ".join(self.show(o.value) for o in self.options or ())
            return f"{shown} is not an option of '{self.id}' (options: {choices})"
        return None

    def values(self) -> Iterator[int | float | str]:
        """Every value a package may take on this issue (ranges on their step, and the values
        between default steps that the conditions need)."""
        if self.options is not None:
            yield from (option.value for option in self.options)
            return
        yield from heapq.merge(self.step_values(), self._between)

    @property
    def step(self) -> float:
        """The range's step: the one written, or the default, never finer than the smallest
        amount of the issue's currency (1 yen, 1 won, 1 cent), so that every value can be
        written as money."""
        step = self.range.steps_by
        if self.range.step is None:
            from briefgen.terms import smallest_amount

            step = max(step, smallest_amount(self.unit) or 0.0)
        return step

    def step_values(self) -> Iterator[int | float]:
        """A range's values on its step, both ends included."""
        low, high, step = self.range.min, self.range.max, self.step
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


class Influencer(Model):
    """An outside actor who can press a constituency, with its stance toward the deal."""

    name: Label
    stance: Stance = "unknown"


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
    # A constituency's id (its stance is then known), an outside actor, or plain text (stance unknown).
    influenced_by: tuple[Influencer | str, ...] = ()
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
    their_reservation: Number | None = None  # our estimate, in their points, of their best alternative


class Setting(Model):
    """How the talks are held: decides which forms and channels the counsel may advise."""

    public: bool | None = None  # None: public when a constituency is an audience
    written: bool = True  # the agreement is a written text, signed or formally approved


class Meso(Model):
    packages: Annotated[StrictInt, Field(ge=2, le=5)] = 3
    tolerance: Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)] = 1
    lead_with: tuple[str, ...] = ()
    hold: Terms = FrozenDict()
    offers: Annotated[tuple[Terms, ...], Field(max_length=MAX_OFFERS)] = ()


class OfferSheetSettings(Model):
    to: str | None = None
    sender: str | None = Field(default=None, alias="from")
    valid_until: datetime.date | None = None
    intro: str | None = None  # intro, closing and reply are Markdown, the body's safe subset
    closing: str | None = None
    locale: str = "en_US"
    reference: str | None = None  # our reference for their answer; default: a code made from the case's id
    reply: str | None = None  # how to answer: to whom, how, by when
    signature: str | None = None  # the signature block, a line each: name, position, organisation, contact


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


MAX_COMMENTS = 500  # far above a real text's history; each builds in milliseconds
MAX_AGREEMENT_CHARS = 50_000  # a long contract of some thirty pages
Side = Literal["us", "them"]


class Comment(Model):
    """A remark on one line of one version of the agreement text (briefgen comment).

    Shared with the other side by nature: the next draft prints it, with who said it.
    """

    version: Annotated[StrictInt, Field(ge=1)]
    line: Annotated[StrictInt, Field(ge=1)]
    side: Side = Field(alias="from")
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    date: datetime.date | None = None


class Case(Model):
    """One negotiation, as its case file describes it."""

    id: str = Field(exclude=True)
    path: str = Field(exclude=True)
    body: str = Field(default="", exclude=True)
    body_line: int = Field(default=1, exclude=True)
    source_lines: Annotated[dict[str, int], AfterValidator(FrozenDict)] = Field(default_factory=FrozenDict, exclude=True)
    locale: str = Field(default="en_US", exclude=True)  # the team's (briefgen.toml): the brief's and write-up's

    format: Literal[1] = 1
    title: Label
    date: datetime.date | None = None
    status: Literal["preparing", "offered", "countered", "agreed", "closed", "abandoned"] = "preparing"
    tags: Annotated[tuple[Annotated[str, Field(max_length=80)], ...], Field(max_length=MAX_TAGS)] = ()
    parties: Parties
    issues: Annotated[tuple[Issue, ...], Field(max_length=MAX_ISSUES)] = ()
    targets: Targets = Targets()
    setting: Setting = Setting()
    constituencies: Annotated[tuple[Constituency, ...], Field(max_length=MAX_CONSTITUENCIES)] = ()
    meso: Meso = Meso()
    offer_sheet: OfferSheetSettings = OfferSheetSettings()
    rounds: Annotated[tuple[Round, ...], Field(max_length=MAX_ROUNDS)] = ()
    outcome: Outcome | None = None
    # The single negotiating text: the draft agreement in Markdown, `{issue}` where each value goes
    # (agreement.py), and the comments on its versions from either side.
    agreement: Annotated[str, Field(max_length=MAX_AGREEMENT_CHARS)] | None = None
    comments: Annotated[tuple[Comment, ...], Field(max_length=MAX_COMMENTS)] = ()

    @model_validator(mode="after")
    def _values_inside_windows(self) -> Case:
        """Ranges on the default step also take a value inside each window of the conditions
        that no step value lies in, so that every analysis sees what `score` accepts."""
        from briefgen.range_values import conditions_of, window_values

        defaults = {id(i) for i in self.issues if i.range is not None and i.range.step is None and i.range.min < i.range.max}
        conditions = conditions_of(self) if defaults else []
        issues = []
        for issue in self.issues:
            between = window_values(issue, conditions) if id(issue) in defaults else ()
            if between != issue._between:
                issue = issue.model_copy()  # a copy of its own: the issue may be another case's too
                issue._between = between
            issues.append(issue)
        object.__setattr__(self, "issues", tuple(issues))  # still being built: nothing else holds it yet
        return self

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

    def their_best_score(self) -> float:
        return sum(max(issue.their_points_for(v) for v in issue.values()) for issue in self.issues)

    @property
    def public(self) -> bool:
        """Whether the talks or their results are followed publicly (setting.public, else: an audience exists)."""
        if self.setting.public is not None:
            return self.setting.public
        return any(c.audience for c in self.constituencies)

    def influencers(self, c: Constituency) -> list[Influencer]:
        """Who can press `c`, each with a stance: a constituency named by id brings its own."""
        by_id = {other.id: other for other in self.constituencies}
        found = []
        for entry in c.influenced_by:
            if isinstance(entry, Influencer):
                found.append(entry)
            elif entry in by_id and entry != c.id:
                found.append(Influencer(name=by_id[entry].display_name, stance=by_id[entry].stance))
            else:
                found.append(Influencer(name=entry))
        return found

    @property
    def aspiration(self) -> float:
        """The score offers are built at: given, or 75% of the best possible."""
        if self.targets.aspiration is not None:
            return self.targets.aspiration
        return 0.75 * self.best_score()

def package_label(n: int) -> str:
    """Packages are named A, B, C, ... Z, AA, AB, ... in the order they are offered: on the
    sheet, in rounds, in the brief (as spreadsheet columns are, so a label never repeats)."""
    label = ""
    n += 1
    while n:
        n, letter = divmod(n - 1, 26)
        label = chr(ord("A") + letter) + label
    return label
