"""Figures for the prep brief, as inline SVG: the constituency map, the MESO
chart and the issue priorities.

Each function returns the figure as `markupsafe.Markup` (a `str`), ready to
go inside a `<figure>` of the brief's HTML, or an empty Markup when the case
has nothing to draw, so the template can omit the figure with `{% if %}`.

How the SVG is built, and why no plotting library: the figures are built as
an `xml.etree.ElementTree` tree and serialised by it. ElementTree escapes
every text and attribute value itself (`<`, `&` and quotes in case text cannot
break the markup) and cannot produce unbalanced tags, which is what a builder
is for; it is in the standard library, so it costs no dependency and no import
time. The candidates weighed (PyPI, November 2026):
- svg.py 1.10 (typed dataclasses, no dependencies): does not escape. Its
  `Text(text=...)` and every attribute are written out verbatim, its
  `escape()` leaves quotes alone, and an element cannot hold both text and a
  `<title>`. Every call site would have to escape by hand: the mistake a
  builder should make impossible.
- drawsvg 2.4: escapes text, but is a drawing and animation kit (Jupyter,
  raster and video back ends) for what is here rectangles, dots and text.
- pygal 3.1: draws its own chart types with its own CSS and JavaScript; a
  constituency grid with stacked labels is not one of them.
- matplotlib: about 0.5 s to import and tens of MB for three small figures on
  a 2-core build machine, and its SVG text is hard to test for names.
- svgwrite: unmaintained since 2022.
The figures are specific layouts (a stance-by-power grid with stacked
labels, a scatter with a band, a frontier and collision-free package labels,
paired bars), so almost all of the code is layout, which no library supplies.

WeasyPrint's SVG renderer (version 70) shapes the facts below:
- It lays out SVG text one code point at a time, left to right, without the
  Unicode bidirectional algorithm (Kozea/WeasyPrint#2909), so Hebrew or
  Arabic would come out mirrored. Visible labels containing right-to-left
  text are therefore written in visual order (`_visual`, a compact version of
  the algorithm for single lines without embeddings), marked
  `unicode-bidi="bidi-override" direction="ltr"` so that a browser shows them
  the same way; each such label keeps its logical text in a `<title>`.
  Arabic letters still come out unjoined (no shaping per code point).
- It has no text measuring for us, so labels are fitted with Inter's own
  advance widths for ASCII (per-code-point layout means no kerning, so the
  sum is the width) and a generous estimate for other characters.
- A character no installed font has (most emoji, without an emoji font) is
  drawn as a box, with a WARNING from WeasyPrint, as in the rest of the brief.
All sizes are in points at 170 mm (viewBox about 480 wide); the SVG scales to
the width of its container (`width="100%"`).
"""
from __future__ import annotations

import itertools
import math
import random
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from markupsafe import Markup

from briefgen.case import Case, Constituency, Issue
from briefgen.terms import format_points

__all__ = ["constituency_map", "meso_chart", "issue_priorities", "ENUMERATE_LIMIT", "SAMPLE_SIZE"]

# The brief's palette (base.css, brief.css).
INK = "#1c2433"
MUTED = "#5b6474"
RULE = "#d5dae2"
WASH = "#f3f5f8"
ACCENT = "#24508f"
GOOD = "#1f7a4d"
WARN = "#9a6a00"
BAD = "#a3262a"
FONT = "Inter, 'DejaVu Sans', sans-serif"

US_COLOUR = ACCENT  # our side: blue circles, blue bars
THEM_COLOUR = WARN  # their side: amber diamonds, amber bars

WIDTH = 480  # viewBox width; about 170 mm in points

ENUMERATE_LIMIT = 20_000  # the MESO chart draws every package of a space up to this size
SAMPLE_SIZE = 3_000  # and a sample of this many (fixed seed) of a larger one
SAMPLE_SEED = 20_040  # any fixed number: the same case always gives the same figure

SVG_NS = "http://www.w3.org/2000/svg"


class PackageLike(Protocol):
    label: str
    score: float
    their_score: float


# --- text: cleaning, measuring, fitting, ordering ---------------------------------------

# Characters XML 1.0 forbids (YAML's "\x01" escapes can put them in a case), and
# explicit bidi controls, which would fight the visual ordering below.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
                     "\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def _clean(text: object) -> str:
    """Text fit for an SVG label: XML-legal, composed (NFC), on one line."""
    text = _UNSAFE.sub("", unicodedata.normalize("NFC", str(text)))
    return _SPACE.sub(" ", text).strip()


# Inter Regular's advance widths, thousandths of an em, for ASCII 32..126.
_ASCII_EM = [int(w) / 1000 for w in (
    "281 278 403 631 638 812 639 222 362 362 500 659 280 460 276 357 625 464 605 636 642 608 "
    "624 571 616 624 276 280 659 659 659 507 936 676 651 727 719 598 587 743 740 264 543 652 "
    "562 889 753 761 635 761 639 638 642 741 676 949 642 665 625 362 357 362 469 452 497 564 "
    "621 558 621 582 361 609 591 237 237 544 237 869 585 597 609 609 372 523 364 581 557 812 "
    "540 557 541 362 327 362 659").split()]
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}  # zero-width joiner, variation selectors


def _char_em(char: str) -> float:
    code = ord(char)
    if 32 <= code < 127:
        return _ASCII_EM[code - 32]
    if unicodedata.combining(char) or char in _JOINERS or 0x1F3FB <= code <= 0x1F3FF:
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.05
    return 0.7  # accented Latin averages 0.61 in Inter; DejaVu Sans runs wider


def _width(text: str, size: float, bold: bool = False) -> float:
    return size * sum(_char_em(c) for c in text) * (1.06 if bold else 1.0)


def _cluster_cut(text: str, k: int) -> int:
    """The largest cut at or before k that splits no character from its marks."""
    while 0 < k < len(text) and (
        unicodedata.combining(text[k]) or text[k] in _JOINERS or text[k - 1] == "\u200d"
        or 0x1F3FB <= ord(text[k]) <= 0x1F3FF
    ):
        k -= 1
    return k


def _prefix_fitting(text: str, width: float, size: float, bold: bool) -> int:
    total, k = 0.0, 0
    for k, char in enumerate(text):
        total += size * _char_em(char) * (1.06 if bold else 1.0)
        if total > width:
            return _cluster_cut(text, k)
    return len(text)


def _ellipsize(text: str, width: float, size: float, bold: bool = False, force: bool = False) -> str:
    """`text` cut to `width` with an ellipsis (also when it fits, if `force`)."""
    if not force and _width(text, size, bold) <= width:
        return text
    room = width - _width("\u2026", size, bold)
    k = _prefix_fitting(text, room, size, bold)
    return text[:k].rstrip(" ,;:-\u2013\u2014([{/") + "\u2026"


def _fit(text: str, width: float, size: float, lines: int = 1, bold: bool = False) -> list[str]:
    """`text` wrapped into at most `lines` lines of `width`; an ellipsis ends a cut."""
    words = text.split(" ")
    out: list[str] = []
    current = ""
    joiner = " "  # how the rest continues the last line: after a space, or mid-word
    while words and len(out) < lines:
        word = words[0]
        candidate = f"{current} {word}" if current else word
        if _width(candidate, size, bold) <= width:
            current = candidate
            words.pop(0)
            continue
        joiner = " "
        if not current:  # one word wider than a line: break it
            k = max(1, _prefix_fitting(word, width, size, bold))
            current, words[0] = word[:k], word[k:]
            joiner = ""
        out.append(current)
        current = ""
    if current:
        out.append(current)
    if words:  # more than fits: the last line takes what it can of the rest, then an ellipsis
        out[-1] = _ellipsize(out[-1] + joiner + " ".join(words), width, size, bold)
        if not out[-1].endswith("\u2026"):
            out[-1] = _ellipsize(out[-1], width, size, bold, force=True)
    return out or [""]


_MIRROR = dict(zip("()[]{}<>\u00ab\u00bb\u2039\u203a", ")(][}{><\u00bb\u00ab\u203a\u2039"))


def _visual(text: str) -> str:
    """A line of text in visual (left-to-right display) order.

    The Unicode bidirectional algorithm (UAX #9) for one line without explicit
    embeddings: paragraph level from the first strong character (like
    dir=auto), weak types (W1-W7), neutrals (N1-N2), implicit levels (I1-I2),
    reversal (L2) and mirrored brackets (L4). Text without right-to-left
    characters is returned unchanged.
    """
    types = [unicodedata.bidirectional(c) or "L" for c in text]
    if not any(t in ("R", "AL") for t in types):
        return text
    n = len(text)
    base = next((0 if t == "L" else 1 for t in types if t in ("L", "R", "AL")), 0)
    sos = "R" if base else "L"
    previous = sos
    for i, t in enumerate(types):  # W1
        if t == "NSM":
            types[i] = previous
        previous = types[i]
    last = sos
    for i, t in enumerate(types):  # W2
        if t in ("L", "R", "AL"):
            last = t
        elif t == "EN" and last == "AL":
            types[i] = "AN"
    types = ["R" if t == "AL" else t for t in types]  # W3
    for i in range(1, n - 1):  # W4
        before, after = types[i - 1], types[i + 1]
        if types[i] == "ES" and before == after == "EN":
            types[i] = "EN"
        elif types[i] == "CS" and before == after and before in ("EN", "AN"):
            types[i] = before
    i = 0
    while i < n:  # W5
        if types[i] == "ET":
            j = i
            while j < n and types[j] == "ET":
                j += 1
            if (i > 0 and types[i - 1] == "EN") or (j < n and types[j] == "EN"):
                types[i:j] = ["EN"] * (j - i)
            i = j
        else:
            i += 1
    types = ["ON" if t in ("ES", "ET", "CS") else t for t in types]  # W6
    last = sos
    for i, t in enumerate(types):  # W7
        if t in ("L", "R"):
            last = t
        elif t == "EN" and last == "L":
            types[i] = "L"

    def strong(t: str) -> str | None:
        return "R" if t in ("R", "EN", "AN") else "L" if t == "L" else None

    i = 0
    while i < n:  # N1, N2
        if strong(types[i]) is None:
            j = i
            while j < n and strong(types[j]) is None:
                j += 1
            before = strong(types[i - 1]) if i > 0 else sos
            after = strong(types[j]) if j < n else sos
            types[i:j] = [before if before == after else sos] * (j - i)
            i = j
        else:
            i += 1
    if base == 0:  # I1, I2
        levels = [1 if t == "R" else 2 if t in ("EN", "AN") else 0 for t in types]
    else:
        levels = [2 if t in ("L", "EN", "AN") else 1 for t in types]
    chars = [_MIRROR.get(c, c) if level % 2 else c for c, level in zip(text, levels)]  # L4
    for level in range(max(levels), 0, -1):  # L2
        i = 0
        while i < n:
            if levels[i] >= level:
                j = i
                while j < n and levels[j] >= level:
                    j += 1
                chars[i:j] = chars[i:j][::-1]
                levels[i:j] = levels[i:j][::-1]
                i = j
            else:
                i += 1
    return "".join(chars)


# --- the SVG tree -----------------------------------------------------------------------

def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attrs(attrs: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in attrs.items():
        if value is None:
            continue
        key = key.rstrip("_").replace("_", "-")
        out[key] = _num(value) if isinstance(value, float) else str(value)
    return out


def _el(parent: ET.Element, tag: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, tag, _attrs(attrs))


class _Canvas:
    """An SVG figure under construction; `done(height)` serialises it."""

    def __init__(self, title: str, description: str = ""):
        self.root = ET.Element("svg", _attrs({
            "xmlns": SVG_NS, "width": "100%", "role": "img",
            "font_family": FONT, "font_size": 7.5, "fill": INK,
        }))
        ET.SubElement(self.root, "title").text = _clean(title)
        if description:
            ET.SubElement(self.root, "desc").text = _clean(description)

    def done(self, height: float) -> Markup:
        self.root.set("viewBox", f"0 0 {WIDTH} {_num(math.ceil(height))}")
        return Markup(ET.tostring(self.root, encoding="unicode"))


def _text(parent: ET.Element, x: float, y: float, text: str, *, size: float | None = None,
          anchor: str | None = None, weight: int | None = None, fill: str | None = None,
          full: str | None = None, **attrs) -> ET.Element:
    """One line of text at (x, y) (its baseline); `full`, when given, goes in a <title>."""
    host = parent
    if full is not None:
        host = _el(parent, "g")
        ET.SubElement(host, "title").text = _clean(full)
    shown = _visual(text)
    element = _el(host, "text", x=float(x), y=float(y), font_size=size, text_anchor=anchor,
                  font_weight=weight, fill=fill, **attrs)
    if shown != text:
        element.set("direction", "ltr")
        element.set("unicode-bidi", "bidi-override")
    element.text = shown
    return element


def _lines(parent: ET.Element, x: float, y: float, lines: Sequence[str], line_height: float,
           full: str, **style) -> None:
    """Lines of one label; the full text in a <title> when the lines shorten it."""
    shown = " ".join(lines)
    host = parent
    if shown != full or any(_visual(line) != line for line in lines):
        host = _el(parent, "g")
        ET.SubElement(host, "title").text = full
    for n, line in enumerate(lines):
        _text(host, x, y + n * line_height, line, **style)


def _legend_marker(parent: ET.Element, kind: str, x: float, y: float, colour: str, size: float = 3.2):
    """A marker centred on (x, y): circle, diamond, dot, line, square or dashed square."""
    if kind == "circle":
        _el(parent, "circle", cx=float(x), cy=float(y), r=size, fill=colour)
    elif kind == "diamond":
        s = size * 1.25
        _el(parent, "polygon", fill=colour,
            points=f"{_num(x)},{_num(y - s)} {_num(x + s)},{_num(y)} {_num(x)},{_num(y + s)} {_num(x - s)},{_num(y)}")
    elif kind == "dot":
        _el(parent, "circle", cx=float(x), cy=float(y), r=1.5, fill=colour)
    elif kind == "line":
        _el(parent, "line", x1=float(x - 4.5), x2=float(x + 4.5), y1=float(y), y2=float(y),
            stroke=colour, stroke_width=1.4)
    elif kind == "square":
        _el(parent, "rect", x=float(x - 3.5), y=float(y - 3.5), width=7.0, height=7.0, fill=colour)
    elif kind == "dashed":
        _el(parent, "rect", x=float(x - 3.5), y=float(y - 3.5), width=7.0, height=7.0, fill="white",
            stroke=colour, stroke_width=0.9, stroke_dasharray="2 1.2")


def _legend(parent: ET.Element, y: float, entries: Sequence[tuple[str, str, str]],
            x0: float = 0.0, size: float = 7.2, right: float = WIDTH) -> float:
    """Legend entries (marker kind or "" for a note, colour, text) flowed across lines;
    returns the y below."""
    x = x0
    line_height = size * 1.6
    for kind, colour, label in entries:
        room = right - x0 - 14
        text = _ellipsize(_clean(label), room, size)
        width = 14 + _width(text, size) + 14
        if x > x0 and x + width - 14 > right:
            x, y = x0, y + line_height
        full = label if text != label or _visual(text) != text else None
        if kind:
            _legend_marker(parent, kind, x + 4, y - size * 0.35, colour)
            _text(parent, x + 11, y, text, size=size, full=full)
        else:  # a note, without a marker
            _text(parent, x, y, text, size=size, fill=MUTED, full=full)
            width -= 11
        x += width
    return y + line_height


# --- 1. the constituency map ------------------------------------------------------------

STANCES = ("opposed", "skeptical", "neutral", "supportive", "champion")
POWERS = ("veto", "ratify", "implement", "influence", "none")  # top to bottom
_STANCE_WASH = {
    "opposed": "#fbeeee", "skeptical": "#fdf6e7", "neutral": "#f5f6f8",
    "supportive": "#eef7f2", "champion": "#e2f1e8",
}
_STANCE_INK = {"opposed": BAD, "skeptical": "#7d5600", "neutral": MUTED, "supportive": GOOD,
               "champion": "#14583a", "unknown": MUTED}


def constituency_map(case: Case) -> Markup:
    """Every constituency placed by stance (x) and power (y), both sides, labelled.

    Stances run from opposed to champion; constituencies of unknown stance sit in a
    separate, dashed column at the right. Power runs from none (bottom) to veto
    (top). Their side is drawn as amber diamonds, ours as blue circles; names are
    shortened with an ellipsis where needed, the full name in each label's
    <title>. Constituencies in the same cell are stacked. Returns "" when the
    case maps no constituencies.
    """
    constituencies = list(case.constituencies)
    if not constituencies:
        return Markup("")
    label_size, line_height, max_lines = 6.8, 8.1, 3
    left, gap = 50.0, 7.0
    column = (WIDTH - left - gap) / 6
    text_width = column - 15

    canvas = _Canvas(
        "Constituency map: each side's constituencies by stance and power",
        f"Their side: {case.parties.them.name}. Our side: {case.parties.us.name}. "
        "Horizontal: stance, from opposed to champion, unknown apart. Vertical: power, from none to veto.",
    )
    root = canvas.root

    def mapped(side: str) -> str:
        return "" if case.side(side) else " (none mapped)"

    y = _legend(root, 9, [
        ("diamond", THEM_COLOUR, f"Their side: {_clean(case.parties.them.name)}{mapped('them')}"),
        ("circle", US_COLOUR, f"Our side: {_clean(case.parties.us.name)}{mapped('us')}"),
    ])

    # Column headers.
    header_y = y + 8
    xs = {stance: left + i * column for i, stance in enumerate(STANCES)}
    xs["unknown"] = left + 5 * column + gap
    for stance, x in xs.items():
        title = "Stance unknown" if stance == "unknown" else stance.capitalize()
        _text(root, x + column / 2, header_y, title, size=7, anchor="middle", weight=600,
              fill=_STANCE_INK[stance])
    _text(root, left - 6, header_y, "Power", size=7, anchor="end", weight=600, fill=MUTED)

    # Cells: their side first, then ours, each in file order.
    cells: dict[tuple[str, str], list[tuple[Constituency, list[str]]]] = {}
    for c in sorted(constituencies, key=lambda c: c.side != "them"):
        name = _clean(c.display_name) or c.id
        cells.setdefault((c.power, c.stance), []).append(
            (c, _fit(name, text_width, label_size, lines=max_lines)))

    grid_top = header_y + 5
    rows: list[tuple[str, float, float]] = []
    top = grid_top
    for power in POWERS:
        needed = max((sum(len(lines) * line_height + 4 for _, lines in cells.get((power, s), []))
                      for s in xs), default=0)
        height = max(22.0, needed + 6)
        rows.append((power, top, height))
        top += height
    grid_bottom = top

    # Backgrounds, then row rules and labels.
    for stance in STANCES:
        _el(root, "rect", x=xs[stance] + 0.5, y=grid_top, width=column - 1, height=grid_bottom - grid_top,
            fill=_STANCE_WASH[stance])
    _el(root, "rect", x=xs["unknown"] + 0.5, y=grid_top, width=column - 1, height=grid_bottom - grid_top,
        fill="white", stroke="#8a93a3", stroke_width=0.7, stroke_dasharray="3 2")
    for power, row_top, height in rows:
        blocking = power in ("veto", "ratify")
        _text(root, left - 6, row_top + height / 2 + 2.5, power.capitalize(), size=7.2, anchor="end",
              weight=600 if blocking else None, fill=INK if blocking else MUTED)
        _el(root, "line", x1=left, x2=xs["champion"] + column, y1=row_top, y2=row_top,
            stroke=RULE, stroke_width=0.6)
    _el(root, "line", x1=left, x2=xs["champion"] + column, y1=grid_bottom, y2=grid_bottom,
        stroke=RULE, stroke_width=0.6)
    # Ratify and veto can block the deal: a bracket says so.
    block_bottom = rows[1][1] + rows[1][2]
    _el(root, "line", x1=3.0, x2=3.0, y1=grid_top + 2, y2=block_bottom - 2, stroke=INK, stroke_width=0.8)
    _text(root, 0, 0, "can block", size=6.2, anchor="middle", fill=MUTED,
          transform=f"translate(10 {_num((grid_top + block_bottom) / 2)}) rotate(-90)")

    # The constituencies.
    for power, row_top, _height in rows:
        for stance, x in xs.items():
            item_top = row_top + 5
            for c, lines in cells.get((power, stance), []):
                colour = THEM_COLOUR if c.side == "them" else US_COLOUR
                group = _el(root, "g")
                ET.SubElement(group, "title").text = (
                    f"{_clean(c.display_name) or c.id} ({'their' if c.side == 'them' else 'our'} side; "
                    f"power: {c.power}; stance: {c.stance})")
                _legend_marker(group, "diamond" if c.side == "them" else "circle",
                               x + 7, item_top + 3.4, colour, size=2.8)
                for n, line in enumerate(lines):
                    _text(group, x + 12.5, item_top + 5.8 + n * line_height, line, size=label_size)
                item_top += len(lines) * line_height + 4

    _text(root, left + 5 * column / 2, grid_bottom + 11,
          "Stance toward the deal \u2192", size=7, anchor="middle", fill=MUTED)
    return canvas.done(grid_bottom + 15)


# --- 2. the MESO chart ------------------------------------------------------------------

class _Cloud:
    """Possible packages as points: our score, their score, inside both win-sets."""

    def __init__(self, points: list[tuple[float, float, bool]], total: int, sampled: bool, has_win_sets: bool):
        self.points = points
        self.total = total
        self.sampled = sampled
        self.has_win_sets = has_win_sets


def _package_space(case: Case, space: Iterable[Mapping] | None) -> _Cloud:
    issues = list(case.issues)
    requirements = [condition for _, condition in case.blocking_conditions()]
    memo: dict[tuple, bool] = {}

    def ratifiable(package: Mapping) -> bool:
        for n, condition in enumerate(requirements):
            key = (n, *(package.get(i) for i in sorted(condition.issue_ids)))
            if key not in memo:
                memo[key] = bool(condition(package))
            if not memo[key]:
                return False
        return True

    if not issues:
        return _Cloud([], 0, False, bool(requirements))
    if space is not None:
        packages = [dict(p) for p in space]
        points = [(sum(i.our_points(p[i.id]) for i in issues),
                   sum(i.their_points_for(p[i.id]) for i in issues), ratifiable(p)) for p in packages]
        return _Cloud(points, len(points), False, bool(requirements))

    values = [list(issue.values()) for issue in issues]
    total = math.prod(len(vs) for vs in values)
    if total <= ENUMERATE_LIMIT:
        choices: Iterable[Sequence[int]] = itertools.product(*(range(len(vs)) for vs in values))
        sampled = False
    else:
        rng = random.Random(SAMPLE_SEED)  # random() is stable across Python versions
        choices = [[int(rng.random() * len(vs)) for vs in values] for _ in range(SAMPLE_SIZE)]
        sampled = True
    # Points per value, worked out once and only for the values drawn.
    ours: list[dict[int, float]] = [{} for _ in issues]
    theirs: list[dict[int, float]] = [{} for _ in issues]
    points = []
    for choice in choices:
        package = {}
        score = their_score = 0.0
        for n, (issue, k) in enumerate(zip(issues, choice)):
            value = package[issue.id] = values[n][k]
            if k not in ours[n]:
                ours[n][k], theirs[n][k] = issue.our_points(value), issue.their_points_for(value)
            score += ours[n][k]
            their_score += theirs[n][k]
        points.append((score, their_score, ratifiable(package)))
    return _Cloud(points, total, sampled, bool(requirements))


def _frontier(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The upper-right Pareto frontier: points no other point beats on both scores."""
    best_theirs = -math.inf
    frontier = []
    for x, y in sorted(set(points), key=lambda p: (-p[0], -p[1])):
        if y > best_theirs + 1e-9:
            frontier.append((x, y))
            best_theirs = y
    return sorted(frontier)


def _ticks(low: float, high: float, most: int) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten) covering low..high:
    the finest such step that needs at most `most` ticks."""
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    power = 10 ** math.floor(math.log10((high - low) / most))
    for step in (m * power for m in (1, 2, 2.5, 5, 10, 20, 25, 50)):
        start = math.floor(low / step + 1e-9) * step
        stop = math.ceil(high / step - 1e-9) * step
        count = int(round((stop - start) / step)) + 1
        if count <= most:
            break
    return [round(start + k * step, 10) for k in range(count)]


def _tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick values with as many decimals as their step needs (and no more)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = next(d for d in range(6) if abs(round(step, d) - step) < 1e-9 or d == 5)
    return [f"{t if abs(t) > 1e-12 else 0.0:.{decimals}f}" for t in ticks]


def _boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def meso_chart(case: Case, packages: Iterable[PackageLike], space: Iterable[Mapping] | None = None) -> Markup:
    """The MESO packages against the space of possible packages.

    `packages`: objects with `.label`, `.score` and `.their_score` (MesoPackage).
    `space`: the possible packages to draw as the cloud (mappings issue id ->
    value); by default every package of the case when there are at most
    ENUMERATE_LIMIT, else SAMPLE_SIZE drawn with a fixed seed, so the figure is
    the same at every build. Packages inside both win-sets are dark grey dots,
    the rest light grey; the line is the efficient frontier of those inside both
    win-sets (of all, when none is). The shaded band is our aspiration +-
    meso.tolerance, the dashed line our reservation. Returns "" when there is
    nothing to plot.
    """
    packages = [p for p in packages if math.isfinite(p.score) and math.isfinite(p.their_score)]
    cloud = _package_space(case, space)
    if not packages and not cloud.points:
        return Markup("")
    aspiration, tolerance = case.aspiration, case.meso.tolerance
    reservation = case.targets.reservation

    xs = [p.score for p in packages] + [x for x, _, _ in cloud.points]
    xs += [aspiration - tolerance, aspiration + tolerance] + ([reservation] if reservation is not None else [])
    ys = [p.their_score for p in packages] + [y for _, y, _ in cloud.points]
    x_ticks, y_ticks = _ticks(min(xs), max(xs), 12), _ticks(min(ys), max(ys), 7)
    x_low, x_high, y_low, y_high = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]

    left, right, plot_height = 40.0, WIDTH - 8.0, 190.0

    def px(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * (right - left)

    # The labels of the band and the line, above the plot: side by side where they
    # fit, else the reservation's on a line of its own.
    band_left, band_right = px(aspiration - tolerance), px(aspiration + tolerance)
    band_text = f"Aspiration {format_points(aspiration)} \u00b1 {format_points(tolerance)}"
    band_width = _width(band_text, 6.8, bold=True)
    band_x = min(max((band_left + band_right) / 2, left + band_width / 2), right - band_width / 2)
    band_span = (band_x - band_width / 2 - 3, band_x + band_width / 2 + 3)
    stacked = False
    if reservation is not None:
        rx = px(reservation)
        reservation_text = f"Reservation {format_points(reservation)}"
        width = _width(reservation_text, 6.8, bold=True)

        def clear(tx: float) -> bool:
            return tx + width / 2 + 3 <= band_span[0] or band_span[1] <= tx - width / 2 - 3

        tx = min(max(rx + width / 2 + 3, left + width / 2), right - width / 2)  # right of its line
        if not clear(tx):
            tx = max(rx - width / 2 - 3, left + width / 2)  # else left of it
        stacked = not clear(tx)
    top = 30.0 if stacked else 20.0
    bottom = top + plot_height

    def py(y: float) -> float:
        return bottom - (y - y_low) / (y_high - y_low) * plot_height

    names = ", ".join(_clean(p.label) for p in packages)
    canvas = _Canvas(
        "MESO chart: the packages by our score and their estimated score",
        f"Packages {names}. Aspiration {format_points(aspiration)} \u00b1 {format_points(tolerance)}"
        + (f"; reservation {format_points(reservation)}" if reservation is not None else "") + ".",
    )
    root = canvas.root

    # Grid, band, reservation.
    for t, label in zip(y_ticks, _tick_labels(y_ticks)):
        _el(root, "line", x1=left, x2=right, y1=py(t), y2=py(t), stroke=RULE if t != y_low else MUTED,
            stroke_width=0.5 if t != y_low else 0.7)
        _text(root, left - 4, py(t) + 2.4, label, size=6.8, anchor="end", fill=MUTED)
    for t, label in zip(x_ticks, _tick_labels(x_ticks)):
        _el(root, "line", x1=px(t), x2=px(t), y1=bottom, y2=bottom + 3, stroke=MUTED, stroke_width=0.7)
        _text(root, px(t), bottom + 11, label, size=6.8, anchor="middle", fill=MUTED)
    _el(root, "rect", x=band_left, y=top, width=max(band_right - band_left, 1.2), height=plot_height,
        fill="#dbe5f3")
    _text(root, band_x, top - 5, band_text, size=6.8, anchor="middle", weight=600, fill=ACCENT)
    labels: list[tuple[float, float, float, float]] = []  # boxes taken inside the plot
    if reservation is not None:
        _el(root, "line", x1=rx, x2=rx, y1=top, y2=bottom, stroke=BAD, stroke_width=0.9,
            stroke_dasharray="3 2")
        _text(root, tx, top - (15 if stacked else 5), reservation_text, size=6.8, anchor="middle",
              weight=600, fill=BAD)

    # The cloud: light dots first, dark on top; one dot per position.
    seen: dict[tuple[float, float], bool] = {}
    for x, y, inside in cloud.points:
        key = (round(px(x) * 2) / 2, round(py(y) * 2) / 2)
        seen[key] = seen.get(key, False) or inside
    for inside, colour in ((False, "#c9ced6"), (True, "#6b7383")):
        dots = [key for key, flag in seen.items() if flag == inside]
        if dots:
            _el(root, "path", fill="none", stroke=colour, stroke_width=2.0, stroke_linecap="round",
                d=" ".join(f"M{_num(x)} {_num(y)}h0.01" for x, y in sorted(dots)))
    feasible = [(x, y) for x, y, inside in cloud.points if inside]
    frontier = _frontier(feasible or [(x, y) for x, y, _ in cloud.points])
    if len(frontier) > 1:
        _el(root, "polyline", fill="none", stroke=INK, stroke_width=1.1, stroke_linejoin="round",
            points=" ".join(f"{_num(px(x))},{_num(py(y))}" for x, y in frontier))

    # The packages: one marker per position; each label next to its marker, or
    # further out with a leader line, clear of the other labels and markers.
    groups: dict[tuple[float, float], list[PackageLike]] = {}
    for p in sorted(packages, key=lambda p: (-p.their_score, p.score)):
        groups.setdefault((round(px(p.score), 1), round(py(p.their_score), 1)), []).append(p)
    radius = 3.3
    markers = [(x - radius - 1, y - radius - 1, x + radius + 1, y + radius + 1) for x, y in groups]
    placed = []
    for (x, y), members in groups.items():
        text = _ellipsize(", ".join(_clean(p.label) for p in members), 120, 8.5, bold=True)
        width, height = _width(text, 8.5, bold=True), 6.4  # cap height, not the em
        spot = None
        # Beside its marker; but where markers overlap, further out on a leader line,
        # so that each label points at its own marker.
        near = [(ox, oy) for ox, oy in groups if math.hypot(x - ox, y - oy) < 2 * radius + 3]
        crowded = len(near) > 1
        angles = [0, -35, 35, -70, 70, 180, -145, 145, -90, 90]
        if crowded:  # away from the middle of the crowd first
            mx, my = sum(ox for ox, _ in near) / len(near), sum(oy for _, oy in near) / len(near)
            away = math.degrees(math.atan2(y - my, x - mx)) if (x, y) != (mx, my) else 0
            angles.sort(key=lambda a: abs((a - away + 180) % 360 - 180))
        for distance in ((14.0,) if crowded else (radius + 3, 14.0)) + (22.0, 32.0, 44.0):
            for angle in angles:
                dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
                # The label's box touches the circle of `distance` around the marker.
                cx = x + dx * distance + (width / 2 if dx > 0.2 else -width / 2 if dx < -0.2 else 0)
                cy = y + dy * distance + (height / 2 if dy > 0.2 else -height / 2 if dy < -0.2 else 0)
                box = (cx - width / 2 - 1.5, cy - height / 2 - 1.5, cx + width / 2 + 1.5, cy + height / 2 + 1.5)
                if box[0] < left or box[2] > right or box[1] < top or box[3] > bottom:
                    continue
                if not any(_boxes_overlap(box, other) for other in labels + markers):
                    spot = (cx, cy, box, distance)
                    break
            if spot:
                break
        if spot is None:
            cx, cy = x + radius + 3 + width / 2, y
            spot = (cx, cy, (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2), 0)
        cx, cy, box, distance = spot
        labels.append(box)
        placed.append((x, y, members, text, cx, cy, box, distance))
    for x, y, members, text, cx, cy, box, distance in placed:
        if distance > radius + 3:  # a leader from the marker's edge to the label's box
            ex = min(max(x, box[0]), box[2])
            ey = min(max(y, box[1]), box[3])
            length = math.hypot(ex - x, ey - y) or 1
            _el(root, "line", x1=x + (ex - x) / length * radius, y1=y + (ey - y) / length * radius,
                x2=ex, y2=ey, stroke=INK, stroke_width=0.6)
    for (x, y), members in groups.items():
        _el(root, "circle", cx=x, cy=y, r=radius, fill=ACCENT, stroke="white", stroke_width=1.0)
    for x, y, members, text, cx, cy, box, distance in placed:
        details = "; ".join(
            f"{_clean(p.label)}: our score {format_points(p.score)}, theirs {format_points(p.their_score)}"
            for p in members)
        group = _el(root, "g")
        ET.SubElement(group, "title").text = details
        _el(group, "rect", x=box[0] + 0.5, y=box[1] + 0.5, width=box[2] - box[0] - 1, height=box[3] - box[1] - 1,
            rx=1.5, fill="white", fill_opacity=0.85)
        _text(group, cx, cy + height / 2, text, size=8.5, anchor="middle", weight=700, fill=INK)

    # Axis titles.
    _text(root, (left + right) / 2, bottom + 22, "Our score", size=7.4, anchor="middle", weight=600)
    _text(root, 0, 0, "Their score (estimated)", size=7.4, anchor="middle", weight=600,
          transform=f"translate(10 {_num((top + bottom) / 2)}) rotate(-90)")

    # Legend.
    entries = [("circle", ACCENT, f"MESO packages ({names})") if packages else ("", INK, "No MESO packages")]
    if cloud.points:
        inside = len(feasible)
        if not cloud.has_win_sets:
            entries.append(("dot", "#6b7383", f"Possible packages ({len(cloud.points):,})"))
        else:
            if inside:
                entries.append(("dot", "#6b7383", f"Possible packages inside both win-sets ({inside:,})"))
            entries.append(("dot", "#c9ced6", f"{'outside' if inside else 'Possible packages outside'} "
                                              f"a win-set ({len(cloud.points) - inside:,})"))
        if len(frontier) > 1:
            whose = ("" if not cloud.has_win_sets else " of those inside both win-sets" if feasible
                     else " of all: none is inside both win-sets")
            entries.append(("line", INK, f"Efficient frontier{whose}"))
        if cloud.sampled:
            entries.append(("", INK, f"Dots: a fixed sample of {len(cloud.points):,} "
                                     f"of the {cloud.total:,} possible packages"))
    end = _legend(root, bottom + 36, entries, x0=left)
    return canvas.done(end - 4)


# --- 3. issue priorities ----------------------------------------------------------------

def _swing(issue: Issue, points) -> float:
    values = [points(v) for v in issue.values()]
    return max(values) - min(values) if values else 0.0


def issue_priorities(case: Case) -> Markup:
    """For each issue, the points it can swing for us and (estimated) for them.

    A pair of bars per issue: our points (best minus worst value) and theirs by
    our estimate; where the case gives no estimate, their bar is dashed and
    marked "assumed" (opposite to ours). Returns "" when the case has no issues.
    """
    issues = list(case.issues)
    if not issues:
        return Markup("")
    swings = [(issue, _swing(issue, issue.our_points), _swing(issue, issue.their_points_for)) for issue in issues]
    ticks = _ticks(0, max(max(u, t) for _, u, t in swings) or 1, 7)
    name_width, bar_left, bar_right = 152.0, 162.0, WIDTH - 46.0
    scale = (bar_right - bar_left) / ticks[-1]

    canvas = _Canvas(
        "Issue priorities: the points each issue can swing, for us and (estimated) for them",
        "; ".join(f"{_clean(i.name)}: {format_points(u)} for us, {format_points(t)} for them"
                  + (" (assumed)" if i.their_points_assumed else "") for i, u, t in swings) + ".",
    )
    root = canvas.root
    any_assumed = any(i.their_points_assumed for i, _, _ in swings)
    entries = [("square", US_COLOUR, f"Us: {_clean(case.parties.us.name)}"),
               ("square", THEM_COLOUR, f"Them, our estimate: {_clean(case.parties.them.name)}")]
    if any_assumed:
        entries.append(("dashed", THEM_COLOUR, "Them, assumed opposite to ours (no estimate in the case)"))
    y = _legend(root, 9, entries)
    _text(root, bar_left, y + 5, "Points between the best and the worst value of each issue",
          size=6.6, fill=MUTED)
    axis_top = y + 10
    rows_top = axis_top + 6
    name_size, name_line = 7.4, 8.8
    row_tops = []
    top = rows_top
    for issue, _, _ in swings:
        lines = _fit(_clean(issue.name), name_width, name_size, lines=2, bold=True)
        row_tops.append((top, lines))
        top += max(len(lines) * name_line + 4, 22.0) + 6
    rows_bottom = top - 2

    for t, label in zip(ticks, _tick_labels(ticks)):
        x = bar_left + t * scale
        _el(root, "line", x1=x, x2=x, y1=axis_top + 2, y2=rows_bottom, stroke=RULE if t else MUTED,
            stroke_width=0.5 if t else 0.7)
        _text(root, x, rows_bottom + 9, label, size=6.8, anchor="middle", fill=MUTED)
    for (issue, ours, theirs), (row_top, lines) in zip(swings, row_tops):
        name = _clean(issue.name)
        _lines(root, name_width, row_top + 7.5, lines, name_line, name, size=name_size, anchor="end",
               weight=600)
        if issue.their_points_assumed and len(lines) == 1:
            _text(root, name_width, row_top + 7.5 + name_line, "their points assumed", size=6.4,
                  anchor="end", fill=MUTED, font_style="italic")
        for n, (value, colour, assumed) in enumerate(
                ((ours, US_COLOUR, False), (theirs, THEM_COLOUR, issue.their_points_assumed))):
            bar_top = row_top + n * 10
            width = value * scale
            who = "us" if n == 0 else "them" + (", assumed" if assumed else ", estimated")
            group = _el(root, "g")
            ET.SubElement(group, "title").text = f"{name}: {format_points(value)} points for {who}"
            if assumed:
                _el(group, "rect", x=bar_left, y=bar_top + 0.4, width=max(width, 0.8), height=7.2, fill="white",
                    stroke=colour, stroke_width=0.9, stroke_dasharray="2.5 1.5")
            else:
                _el(group, "rect", x=bar_left, y=bar_top, width=max(width, 0.8), height=8.0, fill=colour)
            label = format_points(value) + (" assumed" if assumed else "")
            _text(group, bar_left + width + 3, bar_top + 6.6, label, size=6.8,
                  fill=MUTED if assumed else INK, weight=None if assumed else 600)
    return canvas.done(rows_bottom + 13)
