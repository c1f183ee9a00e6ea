"""The issue priorities: the points each issue can swing, for us and (by our
estimate) for them."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from markupsafe import Markup

from briefgen.case import Case, Issue
from briefgen.figures.labels import clean, fit_lines
from briefgen.figures.svg import (INK, MUTED, RULE, THEM_COLOUR, US_COLOUR, WIDTH, Canvas, child, draw_legend,
                                  draw_lines, draw_text, nice_ticks, tick_labels)
from briefgen.terms import format_points

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
    ticks = nice_ticks(0, max(max(u, t) for _, u, t in swings) or 1, 7)
    name_width, bar_left, bar_right = 152.0, 162.0, WIDTH - 46.0
    scale = (bar_right - bar_left) / ticks[-1]

    canvas = Canvas(
        "Issue priorities: the points each issue can swing, for us and (estimated) for them",
        "; ".join(f"{clean(i.name)}: {format_points(u)} for us, {format_points(t)} for them"
                  + (" (assumed)" if i.their_points_assumed else "") for i, u, t in swings) + ".",
    )
    root = canvas.root
    any_assumed = any(i.their_points_assumed for i, _, _ in swings)
    entries = [("square", US_COLOUR, f"Us: {clean(case.parties.us.name)}"),
               ("square", THEM_COLOUR, f"Them, our estimate: {clean(case.parties.them.name)}")]
    if any_assumed:
        entries.append(("dashed", THEM_COLOUR, "Them, assumed opposite to ours (no estimate in the case)"))
    y = draw_legend(root, 9, entries)
    draw_text(root, bar_left, y + 5, "Points between the best and the worst value of each issue",
          size=6.6, fill=MUTED)
    axis_top = y + 10
    rows_top = axis_top + 6
    name_size, name_line = 7.4, 8.8
    row_tops = []
    top = rows_top
    for issue, _, _ in swings:
        lines = fit_lines(clean(issue.name), name_width, name_size, lines=2, bold=True)
        row_tops.append((top, lines))
        top += max(len(lines) * name_line + 4, 22.0) + 6
    rows_bottom = top - 2

    for t, label in zip(ticks, tick_labels(ticks)):
        x = bar_left + t * scale
        child(root, "line", x1=x, x2=x, y1=axis_top + 2, y2=rows_bottom, stroke=RULE if t else MUTED,
            stroke_width=0.5 if t else 0.7)
        draw_text(root, x, rows_bottom + 9, label, size=6.8, anchor="middle", fill=MUTED)
    for (issue, ours, theirs), (row_top, lines) in zip(swings, row_tops):
        name = clean(issue.name)
        draw_lines(root, name_width, row_top + 7.5, lines, name_line, name, size=name_size, anchor="end",
               weight=600)
        if issue.their_points_assumed and len(lines) == 1:
            draw_text(root, name_width, row_top + 7.5 + name_line, "their points assumed", size=6.4,
                  anchor="end", fill=MUTED, font_style="italic")
        for n, (value, colour, assumed) in enumerate(
                ((ours, US_COLOUR, False), (theirs, THEM_COLOUR, issue.their_points_assumed))):
            bar_top = row_top + n * 10
            width = value * scale
            who = "us" if n == 0 else "them" + (", assumed" if assumed else ", estimated")
            group = child(root, "g")
            ET.SubElement(group, "title").text = f"{name}: {format_points(value)} points for {who}"
            if assumed:
                child(group, "rect", x=bar_left, y=bar_top + 0.4, width=max(width, 0.8), height=7.2, fill="white",
                    stroke=colour, stroke_width=0.9, stroke_dasharray="2.5 1.5")
            else:
                child(group, "rect", x=bar_left, y=bar_top, width=max(width, 0.8), height=8.0, fill=colour)
            label = format_points(value) + (" assumed" if assumed else "")
            draw_text(group, bar_left + width + 3, bar_top + 6.6, label, size=6.8,
                  fill=MUTED if assumed else INK, weight=None if assumed else 600)
    return canvas.done(rows_bottom + 13)
