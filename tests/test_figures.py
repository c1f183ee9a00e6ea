"""The brief's figures: valid SVG holding the names and values they should,
escaped, graceful on empty input, deterministic, and rendered by WeasyPrint
without a warning."""
from __future__ import annotations

import io
import itertools
import logging
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import pypdf
import pytest
from markupsafe import Markup

from briefgen import figures
from briefgen.figures import bidi, labels, meso_figure
from briefgen.case import load_case
from briefgen.figures import constituency_map, issue_priorities, meso_chart
from briefgen.meso import meso
from briefgen.scoring import in_win_set
from conftest import EXAMPLE_CASES, HIRING, hiring_with, parse, replace

EXAMPLES = EXAMPLE_CASES
NS = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> & "x"'
HOSTILE_YAML = '"<script>alert(1)</script> & \\"x\\""'


def tree(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("viewBox", "").startswith("0 0 480 ")
    assert root.get("width") == "100%"
    return root


def texts(svg: str) -> list[str]:
    return [t.text or "" for t in tree(svg).iter(f"{NS}text")]


def titles(svg: str) -> list[str]:
    return [t.text or "" for t in tree(svg).iter(f"{NS}title")]


@pytest.fixture(scope="module")
def examples():
    return [load_case(path) for path in EXAMPLES]


@pytest.fixture(scope="module")
def hiring():
    return parse(HIRING)


def with_constituencies(*lines: str):
    """HIRING with its constituencies replaced by the given YAML flow mappings."""
    start = HIRING.index("constituencies:")
    end = HIRING.index("meso:")
    block = "constituencies:\n" + "".join(f"  - {line}\n" for line in lines) + "\n"
    return parse(HIRING[:start] + block + HIRING[end:])


# --- the constituency map -------------------------------------------------------------

def test_map_places_every_constituency_of_both_sides(examples):
    for case in examples:
        svg = constituency_map(case)
        assert isinstance(svg, Markup)
        shown = texts(svg)
        for c in case.constituencies:
            # The full name, side, power and stance in the marker's <title> ...
            assert any(t.startswith(f"{c.display_name} (") and f"power: {c.power}; stance: {c.stance}" in t
                       for t in titles(svg)), c.display_name
            # ... and its first words on the map.
            assert any(c.display_name.startswith(t.rstrip("\u2026")) for t in shown), c.display_name
        assert any(t.startswith(f"Their side: {case.parties.them.name}") for t in shown)
        assert any(t.startswith(f"Our side: {case.parties.us.name}") for t in shown)
        for heading in ("Opposed", "Skeptical", "Neutral", "Supportive", "Champion", "Stance unknown",
                        "Veto", "Ratify", "Implement", "Influence", "None"):
            assert heading in shown


def test_map_without_constituencies_is_empty():
    case = parse(replace(HIRING, (HIRING[HIRING.index("constituencies:"):HIRING.index("meso:")], "")))
    assert case.constituencies == ()
    assert constituency_map(case) == ""


def test_map_says_when_a_side_has_no_constituency(hiring):
    shown = texts(constituency_map(hiring))
    assert "Our side: Acme Robotics (none mapped)" in shown
    assert "Their side: Jordan Rivera" in shown


def _label_boxes(svg: str) -> list[tuple[str, float, float]]:
    """(title, top, bottom) of each constituency's label, from its text baselines."""
    boxes = []
    for group in tree(svg).iter(f"{NS}g"):
        title = group.find(f"{NS}title")
        lines = group.findall(f"{NS}text")
        if title is None or not lines or "stance:" not in (title.text or ""):
            continue
        ys = [float(t.get("y")) for t in lines]
        boxes.append((title.text, min(ys) - 7, max(ys) + 2))
    return boxes


def test_map_stacks_constituencies_that_share_a_cell():
    names = ["Works council", "Shop stewards of the night shift at the Davenport plant", "Z", "Our board"]
    case = with_constituencies(
        *(f'{{id: c{n}, name: "{name}", side: them, power: veto, stance: opposed}}' for n, name in enumerate(names[:3])),
        '{id: c9, name: "Our board", side: us, power: veto, stance: opposed}',
    )
    boxes = _label_boxes(constituency_map(case))
    assert len(boxes) == 4
    for (a, top_a, bottom_a), (b, top_b, bottom_b) in itertools.combinations(boxes, 2):
        assert bottom_a <= top_b or bottom_b <= top_a, f"{a} overlaps {b}"
    # Their side first, then ours.
    assert [title.split(" (")[0] for title, _, _ in sorted(boxes, key=lambda b: b[1])] == names


def test_map_shortens_long_names_and_keeps_them_whole_in_a_title():
    long_name = "The Honourable Standing Committee for the Oversight of Everything That Matters, " * 2  # under the 200 allowed
    word = "Supercalifragilisticexpialidocious" * 4
    case = with_constituencies(
        f'{{id: long, name: "{long_name.strip()}", side: them, power: ratify, stance: neutral}}',
        f'{{id: word, name: "{word}", side: us, power: none, stance: unknown}}',
    )
    svg = constituency_map(case)
    shown = texts(svg)
    assert any(t.startswith(long_name.strip()) for t in titles(svg))
    assert any(t.startswith(word) for t in titles(svg))
    assert long_name.strip() not in shown and word not in shown
    assert sum(t.endswith("\u2026") for t in shown) == 2
    column = (480 - 50 - 7) / 6
    assert all(labels.label_width(t, 6.8) <= column - 15 for t in shown if t.endswith("\u2026"))


def test_map_escapes_hostile_names():
    case = parse(hiring_with(
        ("name: \"Rivera's partner\"", f"name: {HOSTILE_YAML}"),
        ("    name: Jordan Rivera\n    negotiator", f"    name: {HOSTILE_YAML}\n    negotiator"),
    ))
    svg = constituency_map(case)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert any(t.startswith(HOSTILE) for t in titles(svg))  # parsed back: the text itself
    assert f"Their side: {HOSTILE}" in texts(svg)


def test_map_strips_characters_xml_forbids():
    case = parse(hiring_with(("name: \"Rivera's partner\"", 'name: "Bell\\x07 and\\x1b co\\u202e"')))
    svg = constituency_map(case)
    assert any(t.startswith("Bell and co (") for t in titles(svg))


def test_right_to_left_labels_are_written_in_visual_order():
    name = "ועד 2024"
    case = with_constituencies(f'{{id: union, name: "{name}", side: them, power: veto, stance: opposed}}')
    root = tree(constituency_map(case))
    label = next(t for t in root.iter(f"{NS}text") if "2024" in (t.text or ""))
    assert label.text == "2024 דעו"
    assert label.get("unicode-bidi") == "bidi-override" and label.get("direction") == "ltr"
    assert any(t.startswith(name) for t in titles(ET.tostring(root, encoding="unicode")))


@pytest.mark.parametrize("logical, visual", [
    ("Plain text (1)", "Plain text (1)"),
    ("אבג", "גבא"),
    ("abc אבג 123 דהו def", "abc והד 123 גבא def"),
    ("(מחלקת) 5,000", "5,000 (תקלחמ)"),
    ("Their side: אבג דהו", "Their side: והד גבא"),
    ("e\u0301 \u05d0", "e\u0301 \u05d0"),
    # Arabic: joined (initial, medial, final forms; lam-alef as one), then in visual order.
    ("\u0639\u0646 \u0628\u0639\u062f", "\ufeaa\ufecc\ufe91 \ufee6\ufecb"),  # "ʿan buʿd"
    ("\u0627\u0644\u0639\u0645\u0644 2", "2 \ufede\ufee4\ufecc\ufedf\ufe8d"),
    ("\u0644\u0627", "\ufefb"),
])
def test_visual_order(logical, visual):
    assert bidi.visual_order(logical) == visual


# --- the MESO chart -------------------------------------------------------------------

def test_meso_chart_shows_packages_targets_and_axes(hiring):
    packages = meso(hiring).packages
    svg = meso_chart(hiring, packages)
    shown = texts(svg)
    for label in ("A", "B", "C"):
        assert label in shown
    for wanted in ("Our score", "Their score (estimated)", "Aspiration 70 \u00b1 1", "Reservation 40",
                   "MESO packages (A, B, C)", "Possible packages (189)", "Efficient frontier"):
        assert wanted in shown
    for tick in ("0", "20", "40", "60", "80"):
        assert tick in shown
    root = tree(svg)
    assert len(root.findall(f"{NS}polyline")) == 1  # the frontier
    assert root.find(f"{NS}path") is not None  # the cloud
    assert any("A: our score 70, theirs 20" in t for t in titles(svg))


def test_meso_chart_cloud_and_frontier_follow_the_win_sets(examples):
    case = next(c for c in examples if c.id == "reunification-talks")
    cloud = meso_figure._package_space(case, None)
    values = [list(issue.values()) for issue in case.issues]
    expected = []
    for combo in itertools.product(*values):
        package = {issue.id: v for issue, v in zip(case.issues, combo)}
        expected.append(in_win_set(case, package, "us") and in_win_set(case, package, "them"))
    assert [inside for _, _, inside in cloud.points] == expected
    assert not cloud.sampled and cloud.total == len(expected)
    shown = texts(meso_chart(case, meso(case).packages))
    inside = sum(expected)
    assert 0 < inside < len(expected)
    assert f"Possible packages inside both win-sets ({inside:,})" in shown
    assert f"outside a win-set ({len(expected) - inside:,})" in shown
    assert "Efficient frontier of those inside both win-sets" in shown


def test_frontier_keeps_only_packages_no_other_beats_on_both():
    points = [(1, 1), (2, 0), (0, 2), (1, 0.5), (2, 0), (0.5, 0.5), (1.5, 0.2)]
    assert meso_figure._frontier(points) == [(0, 2), (1, 1), (1.5, 0.2), (2, 0)]


def test_meso_chart_takes_any_objects_and_a_single_package(hiring):
    only = SimpleNamespace(label="A", score=70.0, their_score=20.0)
    svg = meso_chart(hiring, [only])
    assert "A" in texts(svg) and "MESO packages (A)" in texts(svg)


def test_meso_chart_groups_packages_at_the_same_point(hiring):
    twins = [SimpleNamespace(label=label, score=70.0, their_score=20.0) for label in "BC"]
    shown = texts(meso_chart(hiring, twins))
    assert "B, C" in shown


def test_meso_chart_draws_a_given_space(hiring):
    space = [{"salary": s, "remote_days": 2, "term": 2} for s in (90000, 100000, 110000)]
    svg = meso_chart(hiring, meso(hiring).packages, space=space)
    assert "Possible packages (3)" in texts(svg)


def test_meso_chart_with_nothing_to_plot_is_empty():
    case = parse("---\ntitle: Nothing yet\nparties:\n  us: {name: Us}\n  them: {name: Them}\n---\n")
    assert meso_chart(case, []) == ""
    assert issue_priorities(case) == ""
    assert constituency_map(case) == ""


def test_meso_chart_samples_a_huge_space_the_same_way_every_time():
    options = "[" + ", ".join(f"{{value: {v}, points: {v}}}" for v in range(10)) + "]"
    issues = "".join(f"  - {{id: i{n}, options: {options}}}\n" for n in range(6))
    case = parse(f"---\ntitle: Big\nparties:\n  us: {{name: Us}}\n  them: {{name: Them}}\n"
                 f"issues:\n{issues}targets: {{reservation: 20, aspiration: 40}}\n---\n")
    packages = [SimpleNamespace(label="A", score=40.0, their_score=14.0)]
    first, second = meso_chart(case, packages), meso_chart(case, packages)
    assert first == second
    assert f"Possible packages ({figures.SAMPLE_SIZE:,})" in texts(first)
    assert f"Dots: a fixed sample of {figures.SAMPLE_SIZE:,} of the 1,000,000 possible packages" in texts(first)
    assert "Reservation 20" in texts(first) and "Aspiration 40 \u00b1 1" in texts(first)


def test_meso_chart_escapes_hostile_labels(hiring):
    svg = meso_chart(hiring, [SimpleNamespace(label=HOSTILE, score=70.0, their_score=20.0)])
    assert "<script>" not in svg
    assert any(t.startswith("<script>") for t in texts(svg))


# --- issue priorities -----------------------------------------------------------------

def test_issue_priorities_shows_each_issue_and_its_points(hiring):
    svg = issue_priorities(hiring)
    shown = texts(svg)
    for name in ("Base salary", "Remote workdays per week", "Contract length"):
        assert name in shown
    # Salary swings 40 for each side, remote days 35 for us and 30 for them, term 15 and 15.
    assert shown.count("40") >= 2 and "35" in shown and "30" in shown and shown.count("15") >= 2
    assert "assumed" not in svg
    assert any(t == "Base salary: 40 points for us" for t in titles(svg))
    assert any(t == "Remote workdays per week: 30 points for them, estimated" for t in titles(svg))


def test_issue_priorities_marks_assumed_points():
    case = parse(hiring_with(
        ("    their_points: {90000: 0, 110000: 40}           # our estimate of theirs (optional)\n", ""),
        ('points: 35, their_points: 0}', 'points: 35}'),
    ))
    assert case.issue("salary").their_points_assumed and case.issue("remote_days").their_points_assumed
    svg = issue_priorities(case)
    shown = texts(svg)
    assert "40 assumed" in shown  # mirrored from ours
    assert "their points assumed" in shown
    assert any(t.startswith("Them, assumed opposite to ours") for t in shown)
    assert any(t == "Base salary: 40 points for them, assumed" for t in titles(svg))


def test_issue_priorities_escapes_hostile_issue_names():
    svg = issue_priorities(parse(hiring_with(("label: Base salary", f"label: {HOSTILE_YAML}"))))
    assert "<script>" not in svg
    assert any(t.startswith(HOSTILE) for t in titles(svg))
    assert any(t.startswith("<script>") for t in texts(svg))


# --- rendering --------------------------------------------------------------------------

def test_figures_render_in_weasyprint_without_warnings(examples, caplog):
    import weasyprint

    hostile = parse(hiring_with(("name: \"Rivera's partner\"", f"name: {HOSTILE_YAML}"),
                                ("label: Base salary", f"label: {HOSTILE_YAML}")))
    body = []
    for case in [*examples, hostile]:
        packages = meso(case).packages
        for svg in (constituency_map(case), meso_chart(case, packages), issue_priorities(case)):
            assert svg
            body.append(f"<figure>{svg}</figure>")
    html = ("<html><head><style>@page { size: A4; margin: 20mm } figure { margin: 0 0 8mm }</style></head>"
            f"<body>{''.join(body)}</body></html>")
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf.startswith(b"%PDF")
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING]
    assert problems == []
    assert not re.search(rb"<script>", pdf)
    # The figures' <title>s are for screen readers: none becomes the PDF's title.
    assert pypdf.PdfReader(io.BytesIO(pdf)).metadata.get("/Title") is None


def test_the_brief_and_the_write_up_carry_all_three_figures():
    import datetime

    from briefgen.archive import render_writeup
    from briefgen.build import render_case
    from briefgen.level2.rules import load_rules

    raw = HIRING.encode()
    case, rules = parse(HIRING), load_rules()
    documents = {"brief": render_case(case, rules, datetime.date(2026, 11, 24))["brief.pdf"],
                 "write-up": render_writeup(case, raw, "hiring.md", 1, rules)}
    for name, pdf in documents.items():
        text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        for label in ("Points between the best and the worst value of each issue",  # issue priorities
                      "Stance toward the deal", "Rivera's partner",  # the constituency map
                      "Their score (estimated)", "Reservation 40", "Aspiration 70"):  # the MESO chart
            assert label in text, (name, label)
