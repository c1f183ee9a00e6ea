"""The same question gets the same answer everywhere: a range without `step` (check, score,
the win-sets and MESO agree), and a counteroffer outside our range or options (accepted by
score and respond, flagged, scored conservatively)."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.case_model import ValueRange
from briefgen.level2.winsets import analyse_win_sets
from briefgen.meso import meso
from briefgen.scoring import assess, in_win_set, our_points, outside, their_points
from conftest import HIRING, hiring_with, parse, run, write

SEATS = """\
---
title: Licences
parties:
  us: {name: Vendor}
  them: {name: Buyer}
issues:
  - id: price_per_seat
    unit: USD
    range: {min: 900, max: 1200}
    points: {900: 0, 1200: 60}
    their_points: {900: 60, 1200: 0}
  - id: seats
    options:
      - {value: 100, points: 0, their_points: 20}
      - {value: 200, points: 20, their_points: 0}
targets: {reservation: 10, aspiration: 40}
constituencies:
  - {id: finance, side: us, power: ratify, requires: ["price_per_seat <= 1100"]}
  - {id: procurement, side: them, power: ratify, requires: ["price_per_seat >= 950"]}
---
"""


def test_a_range_without_step_is_seen_between_its_ends():
    """The new user's case: check said the win-sets do not meet, score said 1000 is inside both."""
    case = parse(SEATS)
    price = case.issue("price_per_seat")
    assert price.range.steps_by == 5  # 300 in at most 100 steps of 1, 2 or 5 times a power of ten
    assert list(price.values())[:3] == [900, 905, 910] and list(price.values())[-1] == 1200
    package = {"price_per_seat": 1000, "seats": 200}
    assert in_win_set(case, package, "us") and in_win_set(case, package, "them")
    analysis = analyse_win_sets(case)
    assert analysis.meet
    offers = meso(case)
    assert offers.packages and not offers.errors
    for p in offers.packages:
        assert in_win_set(case, p.terms, "us") and in_win_set(case, p.terms, "them")


@pytest.mark.parametrize("low, high, step", [
    (900, 1200, 5), (90000, 110000, 200), (0, 10, 1), (0, 1, 0.01), (0.5, 2.5, 0.02), (4_000_000, 5_000_000, 10_000),
])
def test_the_default_step(low, high, step):
    assert ValueRange(min=low, max=high).steps_by == step


@settings(max_examples=60, deadline=None)
@given(st.integers(-10**6, 10**6), st.integers(1, 10**7), st.booleans())
def test_every_default_step_gives_2_to_101_values_that_include_both_ends(low, width, fractional):
    # Quarters: fractional ends the money (USD, to the cent) can still be written in.
    low, high = (low / 4, (low + width) / 4) if fractional else (low, low + width)
    issue = parse(SEATS.replace("range: {min: 900, max: 1200}", f"range: {{min: {low}, max: {high}}}")
                  .replace("points: {900: 0, 1200: 60}", f"points: {{{low}: 0, {high}: 60}}")
                  .replace("their_points: {900: 60, 1200: 0}", f"their_points: {{{low}: 60, {high}: 0}}")
                  .replace('price_per_seat <= 1100', f'price_per_seat <= {high}')
                  .replace('price_per_seat >= 950', f'price_per_seat >= {low}')).issue("price_per_seat")
    values = list(issue.values())
    assert 2 <= len(values) <= 102
    assert values[0] == low and values[-1] == high and values == sorted(set(values))


# --- counteroffers outside our range or options -------------------------------------------------

def test_a_value_outside_is_flagged_and_scored_conservatively():
    case = parse(HIRING)
    salary, remote = case.issue("salary"), case.issue("remote_days")  # salary: ours 40 at 90,000, 0 at 110,000
    assert outside(salary, 100000) is None
    assert outside(salary, 120000) == ("$120,000 is outside your range for salary: $90,000 to $110,000; "
                                       "scored conservatively")
    assert our_points(salary, 120000) == -20  # worse for us past the end: the last stretch carries on
    assert their_points(salary, 120000) == 60  # and better for them
    assert our_points(salary, 80000) == 40  # better for us past the end: never credited beyond it
    assert their_points(salary, 80000) == 0
    assert outside(remote, 4) == "4 is not one of your options for remote_days (1, 2, 3); scored conservatively"
    assert (our_points(remote, 4), their_points(remote, 4)) == (0, 30)  # our worst option, their best
    assessment = assess(case, {"salary": 120000, "remote_days": 4, "term": 2})
    assert (assessment.score, assessment.their_score) == (-20 + 0 + 5, 60 + 30 + 8)
    assert len(assessment.outside) == 2


def test_score_accepts_and_flags_a_counteroffer_outside_the_range(here):
    write("cases/hiring.md", HIRING)
    result = run("score", "cases/hiring.md", "salary=120000", "remote_days=2", "term=2")
    assert result.exit_code == 0
    assert "  OUTSIDE: $120,000 is outside your range for salary: $90,000 to $110,000; scored conservatively" \
        in result.stdout.splitlines()
    data = json.loads(run("score", "cases/hiring.md", "salary=120000", "remote_days=2", "term=2", "--json").stdout)
    assert data["outside"] == ["$120,000 is outside your range for salary: $90,000 to $110,000; scored conservatively"]
    assert data["score"] == -20 + 30 + 5


def test_respond_records_a_counter_outside_the_options_and_the_case_still_loads(here):
    path = write("cases/hiring.md", HIRING)
    result = run("respond", "cases/hiring.md", "--chose", "B", "--counter", "remote_days=4", "--counter", "salary=125000")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "  OUTSIDE: 4 is not one of your options for remote_days (1, 2, 3); scored conservatively",
        "  OUTSIDE: $125,000 is outside your range for salary: $90,000 to $110,000; scored conservatively"]
    assert "counter: {remote_days: 4, salary: 125000}" in path.read_text()
    assert run("check", "cases/hiring.md").exit_code == 0
    assert run("build", "cases/hiring.md").exit_code == 0  # the brief shows the round


def test_a_counter_of_the_wrong_kind_is_still_refused():
    text = hiring_with(("outcome:", "rounds:\n  - {counter: {salary: lots}}\noutcome:"))
    with pytest.raises(Exception, match="rounds\\[1\\].counter: 'lots' is text, but 'salary' takes a number"):
        parse(text)
