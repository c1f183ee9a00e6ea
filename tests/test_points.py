"""briefgen points: ranks or weights and ratings become points, written in place after approval."""
from __future__ import annotations

import difflib
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.case import load_case
from briefgen.errors import CaseError
from briefgen.meso import meso
from briefgen.points import centroid_weights, compute, rounded_shares, work_out
from conftest import run

LEASE = """\
---
title: Office lease renewal   # a case with no points yet
parties:
  us: {name: Brightline Studio}
  them: {name: Harbour Properties}
issues:
  - id: rent            # per month, before service charges
    label: Monthly rent
    unit: EUR
    range: {min: 4000, max: 5200, step: 100}
    rank: 1
    their_rank: 2
    best: 4000
    worst: 5200
  - id: term
    label: Lease length
    rank: 2
    their_rank: 1
    options:
      - {value: 3, label: "3 years", rating: 100}   # flexible
      - {value: 5, label: "5 years", rating: 60}
      - {value: 10, label: "10 years", rating: 0}
  - id: fitout
    label: Fit-out contribution
    rank: 3
    their_rank: 3
    options:
      - value: none
        rating: 0
        their_rating: 100
      - value: half
        rating: 70
        their_rating: 50
      - value: full
        rating: 100
        their_rating: 0
targets:
  reservation: 40
  aspiration: 65
---
Body stays.
"""


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    diff = list(difflib.ndiff(before.splitlines(), after.splitlines()))
    return [line[2:] for line in diff if line.startswith("- ")], [line[2:] for line in diff if line.startswith("+ ")]


def test_rank_order_centroid_weights_of_three_issues():
    assert [round(w, 4) for w in centroid_weights([1, 2, 3])] == [0.6111, 0.2778, 0.1111]
    # Two issues tied for first share the mean of places 1 and 2.
    tied = centroid_weights([1, 1, 3])
    assert tied[0] == tied[1] == pytest.approx((0.6111 + 0.2778) / 2, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 8), min_size=1, max_size=12))
def test_centroid_weights_add_up_to_one_and_follow_the_ranks(ranks):
    weights = centroid_weights(ranks)
    assert math.isclose(sum(weights), 1)
    for a, b in zip(ranks, weights):
        for c, d in zip(ranks, weights):
            if a < c:
                assert b > d


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0.01, 1e6), min_size=1, max_size=30))
def test_rounded_shares_add_up_exactly(raw):
    shares = rounded_shares(raw, 100)
    assert round(sum(shares) * 10) == 1000
    assert all(abs(s - w / sum(raw) * 100) <= 0.1 + 1e-9 for s, w in zip(shares, raw))


def test_points_are_written_in_place_and_nothing_else_changes(tmp_path):
    path = tmp_path / "lease.md"
    path.write_text(LEASE)
    result = run("points", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert "Our points, by rank-order centroid weights:" in result.output
    assert "Monthly rent: weight 61.1 of 100" in result.output
    after = path.read_text()
    removed, added = changed_lines(LEASE, after)
    assert removed == [
        '      - {value: 3, label: "3 years", rating: 100}   # flexible',
        '      - {value: 5, label: "5 years", rating: 60}',
        '      - {value: 10, label: "10 years", rating: 0}',
    ]
    assert added == [
        "    points: {4000: 61.1, 5200: 0}",
        "    their_points: {4000: 0, 5200: 27.8}",
        '      - {value: 3, label: "3 years", rating: 100, points: 27.8, their_points: 0}   # flexible',
        '      - {value: 5, label: "5 years", rating: 60, points: 16.7, their_points: 24.4}',
        '      - {value: 10, label: "10 years", rating: 0, points: 0, their_points: 61.1}',
        "        points: 0", "        their_points: 11.1",
        "        points: 7.8", "        their_points: 5.6",
        "        points: 11.1", "        their_points: 0",
    ]
    case = load_case(path)
    assert case.best_score() == pytest.approx(100)
    assert [i.id for i in case.issues if i.their_points_assumed] == []
    assert meso(case).packages  # the case now builds packages


def test_their_values_missing_are_assumed_opposite_and_said(tmp_path):
    path = tmp_path / "lease.md"
    path.write_text(LEASE)
    case = load_case_with_placeholders(path)
    theirs = next(side for side in compute(case) if side.side == "theirs")
    assert theirs.assumed == ("rent", "term")
    assert theirs.points["term"] == {3: 0, 5: 24.4, 10: 61.1}


def load_case_with_placeholders(path):
    from briefgen.edits import apply_changes, frontmatter_tree
    from briefgen.case import parse_case
    from briefgen.points import _placeholder_points

    text = path.read_text()
    return parse_case(apply_changes(text, _placeholder_points(frontmatter_tree(text))).encode(), str(path), "lease")


def test_without_approval_nothing_is_written(tmp_path):
    path = tmp_path / "lease.md"
    path.write_text(LEASE)
    from click.testing import CliRunner

    from briefgen.cli import main

    result = CliRunner().invoke(main, ["points", str(path)], input="n\n")
    assert "Write these points into" in result.output and "Fit-out contribution" in result.output
    assert path.read_text() == LEASE
    assert CliRunner().invoke(main, ["points", str(path)], input="y\n").exit_code == 0
    assert path.read_text() != LEASE


@pytest.mark.parametrize("change, message", [
    (("    rank: 2\n    their_rank: 1\n", "    their_rank: 1\n"), ":16:1: issues.term has no rank; give every issue one"),
    (("    rank: 3\n", "    weight: 20\n"), "issues are weighed either by weight or by rank, not both"),
    (("      - value: half\n        rating: 70\n", "      - value: half\n"), "option 'half' has no rating"),
    (("    best: 4000\n", "    best: 3000\n"), ":13:1: issues.rent: best 3000 is outside the range 4000 to 5200"),
    (("    worst: 5200\n", ""), "a range issue needs best and worst"),
])
def test_inputs_that_do_not_add_up_are_refused_at_their_line(tmp_path, change, message):
    path = tmp_path / "lease.md"
    text = LEASE.replace(*change)
    assert text != LEASE
    path.write_text(text)
    result = run("points", str(path), "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert path.read_text() == text


def test_a_case_with_nothing_to_work_out_says_how(tmp_path):
    path = tmp_path / "plain.md"
    path.write_text("---\ntitle: T\nparties: {us: {name: A}, them: {name: B}}\nissues:\n"
                    "  - id: x\n    options: [{value: 1}, {value: 2}]\n---\n")
    with pytest.raises(CaseError, match="give each issue `rank: 1`"):
        work_out(path, lambda shown: True)


def test_swing_weights_are_normalised(tmp_path):
    path = tmp_path / "lease.md"
    path.write_text(LEASE.replace("    rank: 1\n", "    weight: 100\n").replace("    rank: 2\n", "    weight: 50\n")
                    .replace("    rank: 3\n", "    weight: 50\n"))
    messages = []
    work_out(path, lambda shown: messages.append(shown) or True)
    assert "Our points, by swing weights:" in messages[0]
    case = load_case(path)
    assert case.issue("rent").points == {4000: 50, 5200: 0}
    assert [o.points for o in case.issue("term").options] == [25, 15, 0]


@st.composite
def unpointed_cases(draw):
    """A case with no points: ranks or weights, ratings or best and worst, for us and perhaps for them."""
    count = draw(st.integers(1, 6))
    by_weight = draw(st.booleans())
    theirs = draw(st.booleans())
    lines = ["---", "title: Generated", "parties: {us: {name: A}, them: {name: B}}", "issues:"]
    for k in range(count):
        lines.append(f"  - id: issue{k}")
        lines.append(f"    {'weight' if by_weight else 'rank'}: {draw(st.integers(1, 50)) if by_weight else draw(st.integers(1, count))}")
        if theirs:
            lines.append(f"    their_rank: {draw(st.integers(1, count))}")
        if draw(st.booleans()):
            low = draw(st.integers(0, 1000))
            high = low + draw(st.integers(1, 500))
            best, worst = draw(st.permutations([low, high]))
            lines += [f"    range: {{min: {low}, max: {high}}}", f"    best: {best}", f"    worst: {worst}"]
        else:
            ratings = draw(st.lists(st.integers(0, 100), min_size=1, max_size=5))
            ratings[draw(st.integers(0, len(ratings) - 1))] = 100  # the best option is rated 100
            lines.append("    options:")
            lines += [f"      - {{value: {n}, rating: {r}}}" for n, r in enumerate(ratings)]
    return "\n".join(lines + ["---", ""])


@settings(max_examples=30, deadline=None)
@given(text=unpointed_cases())
def test_any_ranked_case_gets_points_whose_best_package_scores_100(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("gen") / "case.md"
    path.write_text(text)
    work_out(path, lambda shown: True)
    case = load_case(path)
    assert case.best_score() == pytest.approx(100, abs=1e-6)
    assert all(o.points >= 0 for i in case.issues for o in i.options or ())
    assert all(not i.their_points_assumed for i in case.issues) == ("their_rank" in text)
