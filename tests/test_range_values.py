"""A condition window narrower than one step: check, score, the win-sets and MESO agree.

With the default step the range takes a value inside each window no step lands in; with a
step written in the case, a condition only values between its steps could meet is an error
that says where and what to write instead."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.errors import CaseError
from briefgen.level2.winsets import analyse_win_sets
from briefgen.meso import meso
from briefgen.scoring import in_win_set
from conftest import parse, run, write

CASE = """\
---
title: Licence renewal
parties: {us: {name: Vendor}, them: {name: Buyer}}
issues:
  - {id: price, unit: USD, range: {min: 0, max: 1000STEP}, points: {0: 0, 1000: 100}, their_points: {0: 100, 1000: 0}}
  - id: term
    options:
      - {value: 1, points: 0, their_points: 10}
      - {value: 2, points: 5, their_points: 5}
      - {value: 3, points: 10, their_points: 0}
targets: {aspiration: 60}
constituencies:
  - {id: board, side: them, power: ratify, requires: ["CONDITION"]}
meso: {packages: 2, tolerance: 60}
---
"""


def case_text(condition: str, step: str = "") -> str:
    return CASE.replace("CONDITION", condition).replace("STEP", step)


def test_a_window_between_default_steps_gets_its_roundest_value():
    case = parse(case_text("price > 990 and price < 995"))
    price = case.issue("price")
    assert price.range.steps_by == 10
    assert [v for v in price.values() if 980 <= v] == [980, 990, 992, 1000]
    assert in_win_set(case, {"price": 993, "term": 1}, "them")  # what score says
    assert analyse_win_sets(case).meet  # and the win-sets
    built = meso(case)
    assert built.packages and all(p.terms["price"] == 992 for p in built.packages)


def test_conditions_on_the_steps_add_no_value():
    case = parse(case_text("price >= 993 or price == 500"))  # 1000 meets the first; 500 is a step
    assert list(case.issue("price").values()) == list(case.issue("price").step_values())


def test_an_exact_value_off_the_steps_is_taken():
    case = parse(case_text("price == 333 or price in [7, 13]"))
    added = set(case.issue("price").values()) - set(case.issue("price").step_values())
    assert added == {7, 333}  # 7 and 13 meet the same test: one of them serves
    assert meso(case).packages


def test_a_step_written_in_the_case_that_misses_the_window_is_an_error_with_the_fix():
    with pytest.raises(CaseError) as raised:
        parse(case_text("price > 990 and price < 995", ", step: 5"))
    assert str(raised.value).strip() == (
        "case.md:13:55: constituencies.board.requires: no value of 'price' on its step of 5 meets "
        "'price > 990 and price < 995', so no package can, though values between the steps would ($992); give "
        "issues.price.range a step that lands in it, e.g. step: 2, widen the condition, or leave out the step: "
        "the default step adds a value inside such a window")
    fixed = parse(case_text("price > 990 and price < 995", ", step: 2"))  # the fix it names works
    assert meso(fixed).packages


def test_a_step_that_misses_one_way_of_meeting_an_or_is_no_error():
    case = parse(case_text("(price > 990 and price < 995) or term == 3", ", step: 5"))
    assert all(v % 5 == 0 for v in case.issue("price").values())


def test_check_reports_it_and_writes_nothing(here):
    write("cases/renewal.md", case_text("price > 990 and price < 995", ", step: 5"))
    result = run("check", "cases/renewal.md")
    assert result.exit_code == 1
    assert "cases/renewal.md:13:55: constituencies.board.requires: no value of 'price' on its step of 5" in result.output


# --- generated windows: every tool gives the same answer -----------------------------------------

def atom(rng: random.Random, cuts: list[int]) -> str:
    kind = rng.random()
    if kind < 0.5:
        a, b = sorted(rng.sample(cuts, 2))
        return f"(price {rng.choice(['>', '>='])} {a} and price {rng.choice(['<', '<='])} {b})"
    if kind < 0.7:
        return f"price == {rng.choice(cuts)}"
    if kind < 0.85:
        return f"price in [{', '.join(map(str, rng.sample(cuts, 2)))}]"
    a, b = sorted(rng.sample(cuts, 2))
    return f"not (price <= {a} or price >= {b})"


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_generated_windows_agree_across_score_the_win_sets_and_meso(seed):
    rng = random.Random(seed)
    # Thresholds close together, most off the default step of 10.
    base = rng.randrange(0, 990)
    cuts = sorted({base + rng.choice([0, 1, 2, 3, 5, 7, 10, 11]) for _ in range(6)} | {base, base + 3})
    condition = " or ".join(atom(rng, cuts) for _ in range(rng.randint(1, 2)))
    case = parse(case_text(condition))
    price = case.issue("price")
    values = list(price.values())
    test = case.conditions["board"][0]
    # Every real value in the range meets or misses the condition as some value of the issue does.
    reals = [*cuts, *(c + d for c in cuts for d in (-0.5, 0.25, 0.5, 0.75))] + [rng.uniform(0, 1000) for _ in range(50)]
    reals = [v for v in reals if 0 <= v <= 1000]
    met_somewhere = any(test({"price": v, "term": 1}) for v in reals)
    assert met_somewhere == any(test({"price": v, "term": 1}) for v in values), condition
    assert analyse_win_sets(case).meet == met_somewhere
    built = meso(case)
    assert bool(built.packages) == met_somewhere, condition
    assert all(in_win_set(case, p.terms, "them") for p in built.packages)
    assert values == sorted(set(values)) and len(values) <= 101 + 2 * len(cuts) + 1
