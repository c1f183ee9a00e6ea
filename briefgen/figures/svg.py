"""The SVG tree the figures are drawn on: palette, canvas, text, markers,
legends and axis ticks.

Built with `xml.etree.ElementTree`, which escapes every text and attribute
value itself and cannot produce unbalanced tags (see the package docstring for
why no plotting library). All sizes are in points at 170 mm (viewBox WIDTH
wide); the SVG scales to the width of its container (`width="100%"`).
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from briefgen.figures.bidi import visual_order
from briefgen.figures.labels import clean, ellipsize, label_width

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

SVG_NS = "http://www.w3.org/2000/svg"


def num(value: float) -> str:
    """A coordinate as SVG text: two decimals at most, so the markup stays small."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def attributes(attrs: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in attrs.items():
        if value is None:
            continue
        key = key.rstrip("_").replace("_", "-")
        out[key] = num(value) if isinstance(value, float) else str(value)
    return out


def child(parent: ET.Element, tag: str, **attrs) -> ET.Element:
    """A new element under `parent`; `stroke_width=0.5` is written `stroke-width="0.5"`."""
    return ET.SubElement(parent, tag, attributes(attrs))


class Canvas:
    """An SVG figure under construction; `done(height)` serialises it."""

    def __init__(self, title: str, description: str = ""):
        self.root = ET.Element("svg", attributes({
            "xmlns": SVG_NS, "width": "100%", "role": "img",
            "font_family": FONT, "font_size": 7.5, "fill": INK,
        }))
        ET.SubElement(self.root, "title").text = clean(title)
        if description:
            ET.SubElement(self.root, "desc").text = clean(description)

    def done(self, height: float) -> Markup:
        self.root.set("viewBox", f"0 0 {WIDTH} {num(math.ceil(height))}")
        return Markup(ET.tostring(self.root, encoding="unicode"))


def draw_text(parent: ET.Element, x: float, y: float, text: str, *, size: float | None = None,
          anchor: str | None = None, weight: int | None = None, fill: str | None = None,
          full: str | None = None, **attrs) -> ET.Element:
    """One line of text at (x, y) (its baseline); `full`, when given, goes in a <title>."""
    host = parent
    if full is not None:
        host = child(parent, "g")
        ET.SubElement(host, "title").text = clean(full)
    shown = visual_order(text)
    element = child(host, "text", x=float(x), y=float(y), font_size=size, text_anchor=anchor,
                  font_weight=weight, fill=fill, **attrs)
    if shown != text:
        element.set("direction", "ltr")
        element.set("unicode-bidi", "bidi-override")
    element.text = shown
    return element


def draw_lines(parent: ET.Element, x: float, y: float, lines: Sequence[str], line_height: float,
           full: str, **style) -> None:
    """Lines of one label; the full text in a <title> when the lines shorten it."""
    shown = " ".join(lines)
    host = parent
    if shown != full or any(visual_order(line) != line for line in lines):
        host = child(parent, "g")
        ET.SubElement(host, "title").text = full
    for n, line in enumerate(lines):
        draw_text(host, x, y + n * line_height, line, **style)


def draw_marker(parent: ET.Element, kind: str, x: float, y: float, colour: str, size: float = 3.2):
    """A marker centred on (x, y): circle, diamond, dot, line, square or dashed square."""
    if kind == "circle":
        child(parent, "circle", cx=float(x), cy=float(y), r=size, fill=colour)
    elif kind == "diamond":
        s = size * 1.25
        child(parent, "polygon", fill=colour,
            points=f"{num(x)},{num(y - s)} {num(x + s)},{num(y)} {num(x)},{num(y + s)} {num(x - s)},{num(y)}")
    elif kind == "dot":
        child(parent, "circle", cx=float(x), cy=float(y), r=1.5, fill=colour)
    elif kind == "line":
        child(parent, "line", x1=float(x - 4.5), x2=float(x + 4.5), y1=float(y), y2=float(y),
            stroke=colour, stroke_width=1.4)
    elif kind == "square":
        child(parent, "rect", x=float(x - 3.5), y=float(y - 3.5), width=7.0, height=7.0, fill=colour)
    elif kind == "dashed":
        child(parent, "rect", x=float(x - 3.5), y=float(y - 3.5), width=7.0, height=7.0, fill="white",
            stroke=colour, stroke_width=0.9, stroke_dasharray="2 1.2")


def draw_legend(parent: ET.Element, y: float, entries: Sequence[tuple[str, str, str]],
            x0: float = 0.0, size: float = 7.2, right: float = WIDTH) -> float:
    """Legend entries (marker kind or "" for a note, colour, text) flowed across lines;
    returns the y below."""
    x = x0
    line_height = size * 1.6
    for kind, colour, label in entries:
        room = right - x0 - 14
        text = ellipsize(clean(label), room, size)
        width = 14 + label_width(text, size) + 14
        if x > x0 and x + width - 14 > right:
            x, y = x0, y + line_height
        full = label if text != label or visual_order(text) != text else None
        if kind:
            draw_marker(parent, kind, x + 4, y - size * 0.35, colour)
            draw_text(parent, x + 11, y, text, size=size, full=full)
        else:  # a note, without a marker
            draw_text(parent, x, y, text, size=size, fill=MUTED, full=full)
            width -= 11
        x += width
    return y + line_height



# --- axes --------------------------------------------------------------------------------

def nice_ticks(low: float, high: float, most: int) -> list[float]:
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


def tick_labels(ticks: Sequence[float]) -> list[str]:
    """Tick values with as many decimals as their step needs (and no more)."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = next(d for d in range(6) if abs(round(step, d) - step) < 1e-9 or d == 5)
    return [f"{t if abs(t) > 1e-12 else 0.0:.{decimals}f}" for t in ticks]
