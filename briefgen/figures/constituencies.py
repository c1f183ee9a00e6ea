"""The constituency map: every constituency of both sides by stance and power."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from markupsafe import Markup

from briefgen.case import Case, Constituency
from briefgen.figures.labels import clean, fit_lines
from briefgen.figures.svg import (BAD, GOOD, INK, MUTED, RULE, THEM_COLOUR, US_COLOUR, WIDTH, Canvas,
                                  child, draw_legend, draw_marker, draw_text, num)

STANCES = ("opposed", "skeptical", "neutral", "supportive", "champion")
POWERS = ("veto", "ratify", "implement", "influence", "none")  # top to bottom
_STANCE_WASH = {
    "opposed": "#fbeeee", "skeptical": "#fdf6e7", "neutral": "#f5f6f8",
    "supportive": "#eef7f2", "champion": "#e2f1e8",
}
_STANCE_INK = {"opposed": BAD, "skeptical": "#7d5600", "neutral": MUTED, "supportive": GOOD,
               "champion": "#14583a", "unknown": MUTED}


def constituency_map(case: Case, sides: tuple[str, str] = ("Their side", "Our side")) -> Markup:
    """Every constituency placed by stance (x) and power (y), both sides, labelled.

    Stances run from opposed to champion; constituencies of unknown stance sit in a
    separate, dashed column at the right. Power runs from none (bottom) to veto
    (top). Their side is drawn as amber diamonds, ours as blue circles; names are
    shortened with an ellipsis where needed, the full name in each label's
    <title>. Constituencies in the same cell are stacked. Returns "" when the
    case maps no constituencies. `sides` names the two sides in the legend (a mediator
    has no "our side").
    """
    constituencies = list(case.constituencies)
    if not constituencies:
        return Markup("")
    label_size, line_height, max_lines = 6.8, 8.1, 3
    left, gap = 50.0, 7.0
    column = (WIDTH - left - gap) / 6
    text_width = column - 15

    canvas = Canvas(
        "Constituency map: each side's constituencies by stance and power",
        f"{sides[0]}: {case.parties.them.name}. {sides[1]}: {case.parties.us.name}. "
        "Horizontal: stance, from opposed to champion, unknown apart. Vertical: power, from none to veto.",
    )
    root = canvas.root

    def mapped(side: str) -> str:
        return "" if case.side(side) else " (none mapped)"

    y = draw_legend(root, 9, [
        ("diamond", THEM_COLOUR, f"{sides[0]}: {clean(case.parties.them.name)}{mapped('them')}"),
        ("circle", US_COLOUR, f"{sides[1]}: {clean(case.parties.us.name)}{mapped('us')}"),
    ])

    # Column headers.
    header_y = y + 8
    xs = {stance: left + i * column for i, stance in enumerate(STANCES)}
    xs["unknown"] = left + 5 * column + gap
    for stance, x in xs.items():
        title = "Stance unknown" if stance == "unknown" else stance.capitalize()
        draw_text(root, x + column / 2, header_y, title, size=7, anchor="middle", weight=600,
              fill=_STANCE_INK[stance])
    draw_text(root, left - 6, header_y, "Power", size=7, anchor="end", weight=600, fill=MUTED)

    # Cells: their side first, then ours, each in file order.
    cells: dict[tuple[str, str], list[tuple[Constituency, list[str]]]] = {}
    for c in sorted(constituencies, key=lambda c: c.side != "them"):
        name = clean(c.display_name) or c.id
        cells.setdefault((c.power, c.stance), []).append(
            (c, fit_lines(name, text_width, label_size, lines=max_lines)))

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
        child(root, "rect", x=xs[stance] + 0.5, y=grid_top, width=column - 1, height=grid_bottom - grid_top,
            fill=_STANCE_WASH[stance])
    child(root, "rect", x=xs["unknown"] + 0.5, y=grid_top, width=column - 1, height=grid_bottom - grid_top,
        fill="white", stroke="#8a93a3", stroke_width=0.7, stroke_dasharray="3 2")
    for power, row_top, height in rows:
        blocking = power in ("veto", "ratify")
        draw_text(root, left - 6, row_top + height / 2 + 2.5, power.capitalize(), size=7.2, anchor="end",
              weight=600 if blocking else None, fill=INK if blocking else MUTED)
        child(root, "line", x1=left, x2=xs["champion"] + column, y1=row_top, y2=row_top,
            stroke=RULE, stroke_width=0.6)
    child(root, "line", x1=left, x2=xs["champion"] + column, y1=grid_bottom, y2=grid_bottom,
        stroke=RULE, stroke_width=0.6)
    # Ratify and veto can block the deal: a bracket says so.
    block_bottom = rows[1][1] + rows[1][2]
    child(root, "line", x1=3.0, x2=3.0, y1=grid_top + 2, y2=block_bottom - 2, stroke=INK, stroke_width=0.8)
    draw_text(root, 0, 0, "can block", size=6.2, anchor="middle", fill=MUTED,
          transform=f"translate(10 {num((grid_top + block_bottom) / 2)}) rotate(-90)")

    # The constituencies.
    for power, row_top, _height in rows:
        for stance, x in xs.items():
            item_top = row_top + 5
            for c, lines in cells.get((power, stance), []):
                colour = THEM_COLOUR if c.side == "them" else US_COLOUR
                group = child(root, "g")
                ET.SubElement(group, "title").text = (
                    f"{clean(c.display_name) or c.id} ({'their' if c.side == 'them' else 'our'} side; "
                    f"power: {c.power}; stance: {c.stance})")
                draw_marker(group, "diamond" if c.side == "them" else "circle",
                               x + 7, item_top + 3.4, colour, size=2.8)
                for n, line in enumerate(lines):
                    draw_text(group, x + 12.5, item_top + 5.8 + n * line_height, line, size=label_size)
                item_top += len(lines) * line_height + 4

    draw_text(root, left + 5 * column / 2, grid_bottom + 11,
          "Stance toward the deal \u2192", size=7, anchor="middle", fill=MUTED)
    return canvas.done(grid_bottom + 15)
