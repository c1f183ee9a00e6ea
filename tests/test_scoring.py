"""The value model: scores for both sides, win-sets, assessments, packages from the command line."""
from __future__ import annotations

import pytest

from briefgen.scoring import assess, in_win_set, our_score, outside, parse_package, their_score
from conftest import HIRING, hiring_with, parse

A, B, C = ({"salary": 100000, "remote_days": 1, "term": 3},
           {"salary": 95000, "remote_days": 1, "term": 2},
           {"salary": 90000, "remote_days": 2, "term": 1})
# A salary curve with a knee: 40 points at 90k, 30 at 100k, 0 at 110k.
THREE_ANCHORS = ("points: {90000: 40, 110000: 0}", "points: {90000: 40, 100000: 30, 110000: 0}")
NO_THEIR_SALARY = ("their_points: {90000: 0, 110000: 40}", "")
NO_THEIR_REMOTE_2 = ('"2 days", points: 30, their_points: 15}', '"2 days", points: 30}')


@pytest.fixture(scope="module")
def hiring():
    return parse(HIRING)


def test_the_seeds_packages_all_score_70_for_us(hiring):
    assert hiring.meso.offers == (A, B, C)
    assert [our_score(hiring, p) for p in (A, B, C)] == [70, 70, 70]


def test_their_estimated_scores(hiring):
    assert [their_score(hiring, p) for p in (A, B, C)] == [20, 18, 30]


def test_range_points_interpolate_between_the_two_anchors(hiring):
    salary = hiring.issue("salary")
    assert [salary.our_points(v) for v in (90000, 95000, 97000, 100000, 110000)] == [40, 30, 26, 20, 0]
    assert salary.our_points(90500.5) == pytest.approx(38.999)
    assert [salary.their_points_for(v) for v in (90000, 97000, 110000)] == [0, 14, 40]


def test_a_three_anchor_curve_is_piecewise_linear():
    salary = parse(hiring_with(THREE_ANCHORS)).issue("salary")
    points = {v: salary.our_points(v) for v in (90000, 92500, 95000, 99000, 100000, 101000, 105000, 107500, 110000)}
    assert points == {90000: 40, 92500: 37.5, 95000: 35, 99000: 31, 100000: 30,
                      101000: 27, 105000: 15, 107500: 7.5, 110000: 0}


def test_anchors_given_in_any_order():
    salary = parse(hiring_with(("points: {90000: 40, 110000: 0}", "points: {110000: 0, 100000: 30, 90000: 40}"))).issue("salary")
    assert [salary.our_points(v) for v in (95000, 105000)] == [35, 15]


def test_their_points_are_assumed_opposite_to_ours_on_a_range():
    case = parse(hiring_with(THREE_ANCHORS, NO_THEIR_SALARY))
    salary = case.issue("salary")
    assert salary.their_points_assumed is True
    # Mirrored within our own span (max 40 + min 0): theirs = 40 - ours.
    assert [salary.their_points_for(v) for v in (90000, 95000, 100000, 105000, 110000)] == [0, 5, 10, 25, 40]
    assert their_score(case, B) == 5 + 0 + 8


def test_their_points_are_assumed_opposite_to_ours_on_a_discrete_issue():
    case = parse(hiring_with(NO_THEIR_REMOTE_2))
    remote = case.issue("remote_days")
    assert remote.their_points_assumed is True
    # Given where given (0 and 30); the missing one mirrors ours: 35 + 0 - 30 = 5.
    assert [remote.their_points_for(v) for v in (1, 2, 3)] == [0, 5, 30]
    assert their_score(case, C) == 0 + 5 + 15


def test_their_points_are_assumed_for_every_option_when_none_is_given():
    text = hiring_with(
        ('"1 year",  points: 0,  their_points: 15}', '"1 year",  points: 0}'),
        ('"2 years", points: 5,  their_points: 8}', '"2 years", points: 5}'),
        ('"3 years", points: 15, their_points: 0}', '"3 years", points: 15}'),
    )
    term = parse(text).issue("term")
    assert term.their_points_assumed is True
    assert [term.their_points_for(v) for v in (1, 2, 3)] == [15, 10, 0]


def test_their_points_assumed_is_false_where_all_are_given(hiring):
    assert [issue.their_points_assumed for issue in hiring.issues] == [False, False, False]


# --- win-sets ----------------------------------------------------------------------


def with_partner(power: str, side: str = "them", requires: str = "remote_days >= 2"):
    return parse(hiring_with(
        ("power: influence", f"power: {power}"),
        ("side: them", f"side: {side}"),
        ('requires: ["remote_days >= 2"]', f'requires: ["{requires}"]'),
    ))


@pytest.mark.parametrize("power, blocks", [
    ("ratify", True), ("veto", True), ("implement", False), ("influence", False), ("none", False),
])
@pytest.mark.parametrize("side", ["us", "them"])
def test_only_ratifiers_and_veto_holders_shape_their_sides_win_set(power, blocks, side):
    case = with_partner(power, side)
    other = "them" if side == "us" else "us"
    # A and B have one remote day: they miss `remote_days >= 2`; C meets it.
    assert [in_win_set(case, p, side) for p in (A, B, C)] == ([False, False, True] if blocks else [True] * 3)
    assert [in_win_set(case, p, other) for p in (A, B, C)] == [True] * 3


def test_every_condition_of_every_blocking_constituency_must_hold():
    case = parse(hiring_with(
        ("power: influence", "power: ratify"),
        ('requires: ["remote_days >= 2"]', 'requires: ["remote_days >= 2", "term <= 2"]'),
        ("\nmeso:", "  - id: union\n    side: them\n    power: veto\n    requires: ['salary >= 95000']\n\nmeso:"),
    ))
    package = {"salary": 95000, "remote_days": 2, "term": 1}
    assert in_win_set(case, package, "them") is True
    assert in_win_set(case, {**package, "term": 3}, "them") is False
    assert in_win_set(case, {**package, "salary": 94000}, "them") is False


# --- assess ---------------------------------------------------------------------------


def test_assess_a_package_that_a_preference_misses(hiring):
    a = assess(hiring, A)
    assert (a.score, a.their_score, a.reservation, a.aspiration) == (70, 20, 40, 70)
    assert a.below_reservation is False and a.to_aspiration == 0
    [verdict] = a.verdicts
    assert verdict.constituency.id == "partner"
    assert (verdict.met, verdict.missed) == ((), ("remote_days >= 2",))
    assert verdict.blocks is False  # influence only: flagged, not excluded
    assert a.in_win_set("them") is True and a.in_win_set("us") is True


def test_assess_a_package_a_ratifier_blocks():
    case = with_partner("ratify")
    a = assess(case, A)
    assert a.verdicts[0].blocks is True
    assert a.in_win_set("them") is False and a.in_win_set("us") is True
    c = assess(case, C)
    assert (c.verdicts[0].met, c.verdicts[0].missed) == (("remote_days >= 2",), ())
    assert c.verdicts[0].blocks is False and c.in_win_set("them") is True


def test_assess_below_reservation(hiring):
    low = {"salary": 110000, "remote_days": 3, "term": 1}
    a = assess(hiring, low)
    assert (a.score, a.below_reservation, a.to_aspiration) == (0, True, -70)
    high = assess(hiring, {"salary": 90000, "remote_days": 1, "term": 3})
    assert (high.score, high.below_reservation, high.to_aspiration) == (90, False, 20)


def test_assess_without_targets_or_conditions():
    case = parse(hiring_with(
        ("\ntargets:", "\n# targets:"),
        ("  reservation: 40 ", "  # reservation: 40 "), ("  aspiration: 70 ", "  # aspiration: 70 "),
        ('requires: ["remote_days >= 2"]', "requires: []"),
    ))
    a = assess(case, B)
    assert a.reservation is None and a.below_reservation is False
    assert a.aspiration == 67.5 and a.to_aspiration == 2.5
    assert a.verdicts == ()  # a constituency with no conditions has no verdict


def test_assessment_to_json(hiring):
    data = assess(hiring, {"salary": 97000, "remote_days": 2, "term": 2}).to_json()
    assert data == {
        "package": {"salary": 97000, "remote_days": 2, "term": 2},
        "score": 61.0,
        "their_score": 37.0,
        "reservation": 40.0,
        "aspiration": 70.0,
        "below_reservation": False,
        "to_aspiration": -9.0,
        "in_win_set": {"us": True, "them": True},
        "outside": [],
        "constituencies": [{
            "id": "partner", "name": "Rivera's partner", "side": "them", "power": "influence",
            "can_block": False, "met": ["remote_days >= 2"], "missed": [],
        }],
    }


# --- the default aspiration ------------------------------------------------------------


def test_the_default_aspiration_is_three_quarters_of_the_best_score():
    case = parse(hiring_with(("  aspiration: 70 ", "  # aspiration: 70 ")))
    assert case.targets.aspiration is None
    assert case.best_score() == 40 + 35 + 15
    assert case.aspiration == 67.5


def test_a_given_aspiration_is_used_as_it_is(hiring):
    assert hiring.aspiration == 70


# --- parse_package ----------------------------------------------------------------------


def test_parse_package(hiring):
    assert parse_package(hiring, ["salary=97000", "remote_days=2", "term=2"]) == {
        "salary": 97000, "remote_days": 2, "term": 2}
    assert parse_package(hiring, ["term=1", "salary=97,000", "remote_days=2.0"]) == {
        "salary": 97000, "remote_days": 2, "term": 1}
    assert parse_package(hiring, ["salary=97_500.5", "remote_days=2", "term=2"])["salary"] == 97500.5
    assert type(parse_package(hiring, ["salary=97000.0", "remote_days=2", "term=2"])["salary"]) is int


def test_held_values_fill_the_gaps():
    case = parse(hiring_with(("hold: {}", "hold: {term: 2}")))
    assert parse_package(case, ["salary=97000", "remote_days=2"]) == {"salary": 97000, "remote_days": 2, "term": 2}
    # A counteroffer may still name a held issue.
    assert parse_package(case, ["salary=97000", "remote_days=2", "term=3"])["term"] == 3


def test_a_text_issue_takes_the_text_as_it_is():
    case = parse(hiring_with(
        ("\ntargets:", "\n  - id: city\n    options: [{value: Berlin}, {value: '2024'}]\n\ntargets:"),
        ("hold: {}", "hold: {city: Berlin}"),
        ("agreed: {", "agreed: {city: Berlin, "),
    ))
    base = ["salary=97000", "remote_days=2", "term=2"]
    assert parse_package(case, base + ["city=2024"])["city"] == "2024"
    package = parse_package(case, base + ["city=Rome"])  # what they asked for, flagged rather than refused
    assert outside(case.issue("city"), package["city"]) == (
        "'Rome' is not one of your options for city ('Berlin', '2024'); scored conservatively")


@pytest.mark.parametrize("terms, message", [
    (["salary=97000", "term=2"], "give a value for every issue; missing: remote_days"),
    ([], "give a value for every issue; missing: salary, remote_days, term"),
    (["salry=97000"], "unknown issue 'salry'; this case's issues: salary, remote_days, term"),
    (["salary"], "'salary' is not issue=value, e.g. salary=..."),
    (["salary=lots", "remote_days=2", "term=2"], "salary=lots: 'salary' takes a number"),
    (["salary=", "remote_days=2", "term=2"], "salary=: 'salary' takes a number"),
    (["salary=97000", "remote_days=two", "term=2"], "remote_days=two: 'remote_days' takes a number"),
])
def test_parse_package_refusals(hiring, terms, message):
    with pytest.raises(ValueError) as error:
        parse_package(hiring, terms)
    assert str(error.value) == message
