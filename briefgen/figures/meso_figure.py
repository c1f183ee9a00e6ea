"""The MESO chart: the packages offered against the space of possible packages
(inside or outside the win-sets), with the efficient frontier, our aspiration
band and our reservation."""
from __future__ import annotations

import itertools
import math
import random
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from markupsafe import Markup

from briefgen.case import Case
from briefgen.figures.labels import clean, ellipsize, label_width
from briefgen.figures.svg import (ACCENT, BAD, INK, MUTED, RULE, WIDTH, Canvas, child, draw_legend,
                                  draw_text, nice_ticks, num, tick_labels)
from briefgen.terms import format_points

ENUMERATE_LIMIT = 20_000  # the MESO chart draws every package of a space up to this size
SAMPLE_SIZE = 3_000  # and a sample of this many (fixed seed) of a larger one
SAMPLE_SEED = 20_040  # any fixed number: the same case always gives the same figure


class PackageLike(Protocol):
    label: str
    score: float
    their_score: float


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
    x_ticks, y_ticks = nice_ticks(min(xs), max(xs), 12), nice_ticks(min(ys), max(ys), 7)
    x_low, x_high, y_low, y_high = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]

    left, right, plot_height = 40.0, WIDTH - 8.0, 190.0

    def px(x: float) -> float:
        return left + (x - x_low) / (x_high - x_low) * (right - left)

    # The labels of the band and the line, above the plot: side by side where they
    # fit, else the reservation's on a line of its own.
    band_left, band_right = px(aspiration - tolerance), px(aspiration + tolerance)
    band_text = f"Aspiration {format_points(aspiration)} \u00b1 {format_points(tolerance)}"
    band_width = label_width(band_text, 6.8, bold=True)
    band_x = min(max((band_left + band_right) / 2, left + band_width / 2), right - band_width / 2)
    band_span = (band_x - band_width / 2 - 3, band_x + band_width / 2 + 3)
    stacked = False
    if reservation is not None:
        rx = px(reservation)
        reservation_text = f"Reservation {format_points(reservation)}"
        width = label_width(reservation_text, 6.8, bold=True)

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

    names = ", ".join(clean(p.label) for p in packages)
    canvas = Canvas(
        "MESO chart: the packages by our score and their estimated score",
        f"Packages {names}. Aspiration {format_points(aspiration)} \u00b1 {format_points(tolerance)}"
        + (f"; reservation {format_points(reservation)}" if reservation is not None else "") + ".",
    )
    root = canvas.root

    # Grid, band, reservation.
    for t, label in zip(y_ticks, tick_labels(y_ticks)):
        child(root, "line", x1=left, x2=right, y1=py(t), y2=py(t), stroke=RULE if t != y_low else MUTED,
            stroke_width=0.5 if t != y_low else 0.7)
        draw_text(root, left - 4, py(t) + 2.4, label, size=6.8, anchor="end", fill=MUTED)
    for t, label in zip(x_ticks, tick_labels(x_ticks)):
        child(root, "line", x1=px(t), x2=px(t), y1=bottom, y2=bottom + 3, stroke=MUTED, stroke_width=0.7)
        draw_text(root, px(t), bottom + 11, label, size=6.8, anchor="middle", fill=MUTED)
    child(root, "rect", x=band_left, y=top, width=max(band_right - band_left, 1.2), height=plot_height,
        fill="#dbe5f3")
    draw_text(root, band_x, top - 5, band_text, size=6.8, anchor="middle", weight=600, fill=ACCENT)
    labels: list[tuple[float, float, float, float]] = []  # boxes taken inside the plot
    if reservation is not None:
        child(root, "line", x1=rx, x2=rx, y1=top, y2=bottom, stroke=BAD, stroke_width=0.9,
            stroke_dasharray="3 2")
        draw_text(root, tx, top - (15 if stacked else 5), reservation_text, size=6.8, anchor="middle",
              weight=600, fill=BAD)

    # The cloud: light dots first, dark on top; one dot per position.
    seen: dict[tuple[float, float], bool] = {}
    for x, y, inside in cloud.points:
        key = (round(px(x) * 2) / 2, round(py(y) * 2) / 2)
        seen[key] = seen.get(key, False) or inside
    for inside, colour in ((False, "#c9ced6"), (True, "#6b7383")):
        dots = [key for key, flag in seen.items() if flag == inside]
        if dots:
            child(root, "path", fill="none", stroke=colour, stroke_width=2.0, stroke_linecap="round",
                d=" ".join(f"M{num(x)} {num(y)}h0.01" for x, y in sorted(dots)))
    feasible = [(x, y) for x, y, inside in cloud.points if inside]
    frontier = _frontier(feasible or [(x, y) for x, y, _ in cloud.points])
    if len(frontier) > 1:
        child(root, "polyline", fill="none", stroke=INK, stroke_width=1.1, stroke_linejoin="round",
            points=" ".join(f"{num(px(x))},{num(py(y))}" for x, y in frontier))

    # The packages: one marker per position; each label next to its marker, or
    # further out with a leader line, clear of the other labels and markers.
    groups: dict[tuple[float, float], list[PackageLike]] = {}
    for p in sorted(packages, key=lambda p: (-p.their_score, p.score)):
        groups.setdefault((round(px(p.score), 1), round(py(p.their_score), 1)), []).append(p)
    radius = 3.3
    markers = [(x - radius - 1, y - radius - 1, x + radius + 1, y + radius + 1) for x, y in groups]
    placed = []
    for (x, y), members in groups.items():
        text = ellipsize(", ".join(clean(p.label) for p in members), 120, 8.5, bold=True)
        width, height = label_width(text, 8.5, bold=True), 6.4  # cap height, not the em
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
            child(root, "line", x1=x + (ex - x) / length * radius, y1=y + (ey - y) / length * radius,
                x2=ex, y2=ey, stroke=INK, stroke_width=0.6)
    for (x, y), members in groups.items():
        child(root, "circle", cx=x, cy=y, r=radius, fill=ACCENT, stroke="white", stroke_width=1.0)
    for x, y, members, text, cx, cy, box, distance in placed:
        details = "; ".join(
            f"{clean(p.label)}: our score {format_points(p.score)}, theirs {format_points(p.their_score)}"
            for p in members)
        group = child(root, "g")
        ET.SubElement(group, "title").text = details
        child(group, "rect", x=box[0] + 0.5, y=box[1] + 0.5, width=box[2] - box[0] - 1, height=box[3] - box[1] - 1,
            rx=1.5, fill="white", fill_opacity=0.85)
        draw_text(group, cx, cy + height / 2, text, size=8.5, anchor="middle", weight=700, fill=INK)

    # Axis titles.
    draw_text(root, (left + right) / 2, bottom + 22, "Our score", size=7.4, anchor="middle", weight=600)
    draw_text(root, 0, 0, "Their score (estimated)", size=7.4, anchor="middle", weight=600,
          transform=f"translate(10 {num((top + bottom) / 2)}) rotate(-90)")

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
    end = draw_legend(root, bottom + 36, entries, x0=left)
    return canvas.done(end - 4)
