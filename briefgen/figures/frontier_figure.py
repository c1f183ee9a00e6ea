"""The mediator's figure: every package by both sides' true scores, the two reservations,
the efficient frontier, the mediator's proposals and each side's own MESO packages."""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup

from briefgen.figures.labels import clean, label_width
from briefgen.figures.svg import (ACCENT, BAD, INK, MUTED, RULE, THEM_COLOUR, US_COLOUR, WIDTH, Canvas, child,
                                  draw_legend, draw_marker, draw_text, nice_ticks, num, tick_labels)
from briefgen.terms import format_points

Cloud = Sequence[tuple[float, float, bool]]  # A's score, B's score, inside both win-sets
Marked = Sequence[tuple[str, float, float]]  # label, A's score, B's score


def frontier_chart(names: tuple[str, str], cloud: Cloud, frontier: Sequence[tuple[float, float]],
                   reservations: tuple[float | None, float | None], proposals: Marked,
                   own: tuple[Marked, Marked] = ((), ()), sampled_from: int | None = None) -> Markup:
    """A's score across, B's up. Dark dots: packages inside both win-sets, light: the rest; the
    dashed lines are the reservations (the zone is the shaded corner above both); the line is the
    efficient frontier of the zone; the proposals are labelled discs; each side's own MESO packages
    small squares (A) and diamonds (B). `sampled_from`: the number of packages the cloud is a sample of."""
    if not cloud and not frontier and not proposals:
        return Markup("")
    xs = [x for x, _, _ in cloud] + [x for x, _ in frontier] + [x for _, x, _ in (*proposals, *own[0], *own[1])]
    ys = [y for _, y, _ in cloud] + [y for _, y in frontier] + [y for _, _, y in (*proposals, *own[0], *own[1])]
    xs += [r for r in reservations[:1] if r is not None]
    ys += [r for r in reservations[1:] if r is not None]
    x_ticks, y_ticks = nice_ticks(min(xs), max(xs), 12), nice_ticks(min(ys), max(ys), 7)
    left, right, top, height = 40.0, WIDTH - 8.0, 12.0, 200.0
    bottom = top + height

    def px(x: float) -> float:
        return left + (x - x_ticks[0]) / (x_ticks[-1] - x_ticks[0]) * (right - left)

    def py(y: float) -> float:
        return bottom - (y - y_ticks[0]) / (y_ticks[-1] - y_ticks[0]) * height

    a, b = (clean(n) for n in names)
    canvas = Canvas(f"The packages by the true scores of {a} (across) and {b} (up)",
                    "; ".join(f"Proposal {label}: {a} {format_points(x)}, {b} {format_points(y)}"
                              for label, x, y in proposals) or "No proposal: there is no zone of possible agreement.")
    root = canvas.root
    for t, label in zip(y_ticks, tick_labels(y_ticks)):
        child(root, "line", x1=left, x2=right, y1=py(t), y2=py(t), stroke=RULE if t != y_ticks[0] else MUTED,
              stroke_width=0.5 if t != y_ticks[0] else 0.7)
        draw_text(root, left - 4, py(t) + 2.4, label, size=6.8, anchor="end", fill=MUTED)
    for t, label in zip(x_ticks, tick_labels(x_ticks)):
        child(root, "line", x1=px(t), x2=px(t), y1=bottom, y2=bottom + 3, stroke=MUTED, stroke_width=0.7)
        draw_text(root, px(t), bottom + 11, label, size=6.8, anchor="middle", fill=MUTED)
    ra, rb = reservations
    zone_left, zone_top = px(ra) if ra is not None else left, py(rb) if rb is not None else top
    child(root, "rect", x=zone_left, y=top, width=max(right - zone_left, 0.0), height=max(zone_top - top, 0.0),
          fill="#e6efe9")
    if ra is not None:
        child(root, "line", x1=px(ra), x2=px(ra), y1=top, y2=bottom, stroke=BAD, stroke_width=0.9, stroke_dasharray="3 2")
    if rb is not None:
        child(root, "line", x1=left, x2=right, y1=py(rb), y2=py(rb), stroke=BAD, stroke_width=0.9,
              stroke_dasharray="3 2")

    seen: dict[tuple[float, float], bool] = {}
    for x, y, inside in cloud:
        key = (round(px(x) * 2) / 2, round(py(y) * 2) / 2)
        seen[key] = seen.get(key, False) or inside
    for inside, colour in ((False, "#c9ced6"), (True, "#6b7383")):
        dots = sorted(key for key, flag in seen.items() if flag == inside)
        if dots:
            child(root, "path", fill="none", stroke=colour, stroke_width=2.0, stroke_linecap="round",
                  d=" ".join(f"M{num(x)} {num(y)}h0.01" for x, y in dots))
    line = sorted(frontier)
    if len(line) > 1:
        child(root, "polyline", fill="none", stroke=INK, stroke_width=1.1, stroke_linejoin="round",
              points=" ".join(f"{num(px(x))},{num(py(y))}" for x, y in line))
    for marks, kind, colour in ((own[0], "square", US_COLOUR), (own[1], "diamond", THEM_COLOUR)):
        for label, x, y in marks:
            draw_marker(root, kind, px(x), py(y), colour, size=2.6)
    taken: list[tuple[float, float, float, float]] = []
    for label, x, y in proposals:
        cx, cy = px(x), py(y)
        child(root, "circle", cx=cx, cy=cy, r=5.2, fill=ACCENT, stroke="white", stroke_width=1.0)
        draw_text(root, cx, cy + 2.6, clean(label), size=7.4, anchor="middle", weight=700, fill="white")
        text = f"{format_points(x)} / {format_points(y)}"
        width = label_width(text, 6.8)
        for tx, ty in ((cx + 8, cy - 6), (cx - 8 - width, cy - 6), (cx + 8, cy + 12), (cx - 8 - width, cy + 12)):
            box = (tx - 1, ty - 7, tx + width + 1, ty + 2)
            if box[0] >= left and box[2] <= right and box[1] >= top and box[3] <= bottom and \
                    not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in taken):
                break
        taken.append(box)
        child(root, "rect", x=box[0], y=box[1], width=box[2] - box[0], height=box[3] - box[1], rx=1.5, fill="white",
              fill_opacity=0.85)
        draw_text(root, tx, ty, text, size=6.8, fill=INK)

    draw_text(root, (left + right) / 2, bottom + 22, f"{a}: its own score", size=7.4, anchor="middle", weight=600)
    draw_text(root, 0, 0, f"{b}: its own score", size=7.4, anchor="middle", weight=600,
              transform=f"translate(10 {num((top + bottom) / 2)}) rotate(-90)")
    entries = [("circle", ACCENT, f"The mediator's proposals ({', '.join(label for label, _, _ in proposals)}), "
                                  f"scores {a} / {b}")] if proposals else [("", INK, "No proposal: no zone of agreement")]
    entries.append(("dot", "#6b7383", "Inside both win-sets"))
    entries.append(("dot", "#c9ced6", "Outside a win-set"))
    if len(line) > 1:
        entries.append(("line", INK, "Efficient frontier of the zone"))
    if ra is not None or rb is not None:
        entries.append(("line", BAD, "Reservations; the zone is the shaded corner above both"))
    if own[0]:
        entries.append(("square", US_COLOUR, f"{a}'s own MESO packages"))
    if own[1]:
        entries.append(("diamond", THEM_COLOUR, f"{b}'s own MESO packages"))
    if sampled_from:
        entries.append(("", INK, f"Dots: a fixed sample of {len(cloud):,} of the {sampled_from:,} packages"))
    end = draw_legend(root, bottom + 36, entries, x0=left)
    return canvas.done(end - 4)
