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

WeasyPrint's SVG renderer (version 70) shapes the rest; the modules say how:
- `bidi`: right-to-left labels in visual order (no bidi algorithm in its SVG text);
- `labels`: cleaning, measuring (no text measuring for us) and fitting label text;
- `svg`: the palette, the canvas, text, markers, legends and ticks every figure uses
  (a new figure builds on these);
- `constituencies`, `meso_figure`, `priorities`: the three figures of the brief.
"""
from briefgen.figures.constituencies import constituency_map
from briefgen.figures.meso_figure import ENUMERATE_LIMIT, SAMPLE_SIZE, meso_chart
from briefgen.figures.priorities import issue_priorities

__all__ = ["constituency_map", "meso_chart", "issue_priorities", "ENUMERATE_LIMIT", "SAMPLE_SIZE"]
