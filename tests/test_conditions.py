"""The `requires` condition language: what it accepts, what it means, what it refuses."""
from __future__ import annotations

import pytest

from briefgen.conditions import Condition, ConditionError, compile_condition
from briefgen.scoring import in_win_set
from conftest import HIRING, hiring_with, parse

# The hiring issues (salary: range 90000..110000; remote_days and term: options 1, 2, 3)
# plus a text issue, city.
CITY = hiring_with(
    ("\ntargets:", "\n  - id: city\n    options: [{value: Berlin, points: 5}, {value: Paris}]\n\ntargets:"),
    ("hold: {}", "hold: {city: Berlin}"),
    ("agreed: {", "agreed: {city: Paris, "),
)
ISSUES = parse(CITY).issues
SYNTAX = "write comparisons such as 'remote_days >= 2' joined by and, or, not"
NOT_A_COMPARISON = ("is not a comparison; use only ==, !=, <, <=, >, >=, 'in [...]', and, or, not "
                    "with an issue id on one side and a value on the other")


def package(salary=100000, remote_days=2, term=2, city="Berlin"):
    return {"salary": salary, "remote_days": remote_days, "term": term, "city": city}


def holds(text: str, **terms) -> bool:
    return compile_condition(text, ISSUES)(package(**terms))


def refusal(text: str) -> str:
    with pytest.raises(ConditionError) as error:
        compile_condition(text, ISSUES)
    return str(error.value)


@pytest.mark.parametrize("text, true_for, false_for", [
    ("remote_days == 2", [2], [1, 3]),
    ("remote_days != 2", [1, 3], [2]),
    ("remote_days < 2", [1], [2, 3]),
    ("remote_days <= 2", [1, 2], [3]),
    ("remote_days > 2", [3], [1, 2]),
    ("remote_days >= 2", [2, 3], [1]),
    ("remote_days in [1, 3]", [1, 3], [2]),
    ("not remote_days == 2", [1, 3], [2]),
    ("not (remote_days == 1 or remote_days == 3)", [2], [1, 3]),
    # Reversed operands mean the same comparison, mirrored.
    ("2 <= remote_days", [2, 3], [1]),
    ("2 < remote_days", [3], [1, 2]),
    ("2 >= remote_days", [1, 2], [3]),
    ("2 > remote_days", [1], [2, 3]),
    ("2 == remote_days", [2], [1, 3]),
    ("2 != remote_days", [1, 3], [2]),
    ("remote_days == 2.0", [2], [1, 3]),
])
def test_each_operator_on_a_discrete_issue(text, true_for, false_for):
    assert [holds(text, remote_days=days) for days in true_for] == [True] * len(true_for)
    assert [holds(text, remote_days=days) for days in false_for] == [False] * len(false_for)


@pytest.mark.parametrize("text, true_for, false_for", [
    ("salary <= 100000", [90000, 100000], [100001, 110000]),
    ("salary > 95000.5", [95001, 110000], [95000, 95000.5]),
    ("salary >= 9e4", [90000], []),
    ("salary == 97000", [97000, 97000.0], [96999]),
    ("100000 > salary", [99999.5], [100000]),
])
def test_comparisons_on_a_range_issue(text, true_for, false_for):
    assert all(holds(text, salary=s) for s in true_for)
    assert not any(holds(text, salary=s) for s in false_for)


def test_and_binds_tighter_than_or_and_parentheses_change_it():
    loose = "remote_days == 1 or remote_days == 3 and term == 3"
    tight = "(remote_days == 1 or remote_days == 3) and term == 3"
    assert holds(loose, remote_days=1, term=1) is True
    assert holds(tight, remote_days=1, term=1) is False
    assert holds(tight, remote_days=3, term=3) is True
    assert holds("remote_days >= 2 and term <= 2", remote_days=2, term=2) is True
    assert holds("remote_days >= 2 and term <= 2", remote_days=2, term=3) is False
    assert holds("remote_days >= 2 or term <= 2", remote_days=1, term=2) is True
    assert holds("remote_days >= 2 or term <= 2", remote_days=1, term=3) is False


def test_text_issues():
    assert holds('city == "Berlin"', city="Berlin") and not holds('city == "Berlin"', city="Paris")
    assert holds("city != 'Berlin'", city="Paris")
    assert holds('"Paris" == city', city="Paris")
    assert holds('city in ["Berlin"]', city="Berlin") and not holds('city in ["Berlin"]', city="Paris")


def test_a_compiled_condition_knows_its_text_and_issues():
    condition = compile_condition('remote_days >= 2 and (term == 1 or city == "Paris")', ISSUES)
    assert isinstance(condition, Condition)
    assert str(condition) == 'remote_days >= 2 and (term == 1 or city == "Paris")'
    assert condition.issue_ids == {"remote_days", "term", "city"}
    assert compile_condition("2 <= remote_days", ISSUES).issue_ids == {"remote_days"}


# --- refusals --------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("remote_dayz >= 2", "names an unknown issue 'remote_dayz'; did you mean 'remote_days'?"),
    ("bonus > 1", "names an unknown issue 'bonus'; known issues: salary, remote_days, term, city"),
    ("__class__ == 1", "names an unknown issue '__class__'; known issues: salary, remote_days, term, city"),
])
def test_unknown_issues(text, message):
    with pytest.raises(ConditionError) as error:
        compile_condition(text, ISSUES)
    assert str(error.value) == f"condition '{text}' {message}"
    assert error.value.unknown_issue == message.split("'")[1]


@pytest.mark.parametrize("text, message", [
    ("remote_days == 5", ": 5 is not an option of 'remote_days' (options: 1, 2, 3)"),
    ("remote_days == 2.5", ": 2.5 is not an option of 'remote_days' (options: 1, 2, 3)"),
    ("remote_days != -1", ": -1 is not an option of 'remote_days' (options: 1, 2, 3)"),
    ("remote_days in [1, 4]", ": 4 is not an option of 'remote_days' (options: 1, 2, 3)"),
    ('remote_days == "two"', ": 'two' is not an option of 'remote_days' (options: 1, 2, 3)"),
    ("remote_days >= 5", " compares 'remote_days' with 5, outside its values (1 to 3)"),
    ("remote_days > 0.5", " compares 'remote_days' with 0.5, outside its values (1 to 3)"),
    ("5 > remote_days", " compares 'remote_days' with 5, outside its values (1 to 3)"),
    ("salary <= 200000", " compares 'salary' with $200,000, outside its values ($90,000 to $110,000)"),
    ("salary == 200000", ": $200,000 is outside the range of 'salary' ($90,000 to $110,000)"),
    ('city == "Rome"', ": 'Rome' is not an option of 'city' (options: 'Berlin', 'Paris')"),
    ('city in ["Berlin", "Rome"]', ": 'Rome' is not an option of 'city' (options: 'Berlin', 'Paris')"),
    ("city == 1", ": 1 is not an option of 'city' (options: 'Berlin', 'Paris')"),
    ('city < "Paris"', " uses < on 'city', whose values are text; use == or in"),
    ('"Berlin" >= city', " uses <= on 'city', whose values are text; use == or in"),
])
def test_values_outside_the_issue(text, message):
    assert refusal(text) == f"condition '{text}'{message}"


@pytest.mark.parametrize("text, where", [
    ("remote_days >= 2 && term > 1", "at column 19"),
    ("remote_days >= 2 || term > 1", "at column 19"),
    ("import os", "at column 8"),
    ("remote_days in (1, 2)", "at column 18"),
    ("remote_days >= 2 or", "at its end"),
    ("(remote_days == 1", "at its end"),
    ("", "at its end"),
])
def test_syntax_errors(text, where):
    assert refusal(text) == f"condition '{text}' is not valid {where}; {SYNTAX}"


@pytest.mark.parametrize("text, message", [
    ("remote_days", NOT_A_COMPARISON),
    ("true", NOT_A_COMPARISON),
    ("1 == 1", NOT_A_COMPARISON),
    ("remote_days >= 2 and 1", NOT_A_COMPARISON),
    ("remote_days == 1 ? true : false", NOT_A_COMPARISON),
    ("remote_days + 1 > 2", "must compare an issue id with a value, as in 'term >= 2'"),
    ('remote_days.to_str == "1"', "must compare an issue id with a value, as in 'term >= 2'"),
    ("$salary == 1", "must compare an issue id with a value, as in 'term >= 2'"),
    ("remote_days == term", "must compare 'remote_days' with a plain number or quoted text"),
    ("remote_days == null", "must compare 'remote_days' with a plain number or quoted text"),
    # An unquoted text reads as an issue id: the fix is to quote it.
    ("city == Berlin", "must compare 'city' with a plain number or quoted text"),
])
def test_what_is_not_a_plain_comparison(text, message):
    assert refusal(text) == f"condition '{text}' {message}"


def test_text_compared_with_a_number_issue():
    assert refusal('salary > "a"') == "condition 'salary > \"a\"': 'a' is text, but 'salary' takes a number"


def test_python_internals_are_out_of_reach():
    for text in ("remote_days.__class__ == 1", "__import__('os') == 1", "remote_days[0] == 1"):
        with pytest.raises(ConditionError, match=r"^condition '"):
            compile_condition(text, ISSUES)


# --- through a loaded case ------------------------------------------------------------


def test_conditions_of_a_loaded_case_are_compiled_per_constituency():
    case = parse(hiring_with(('requires: ["remote_days >= 2"]', 'requires: ["remote_days >= 2", "term <= 2"]')))
    [first, second] = case.conditions["partner"]
    assert (str(first), str(second)) == ("remote_days >= 2", "term <= 2")
    offers = case.meso.offers
    assert [first(offer) for offer in offers] == [False, False, True]
    assert [second(offer) for offer in offers] == [False, True, True]


def test_a_ratifiers_conditions_decide_the_win_set():
    case = parse(hiring_with(
        ("power: influence", "power: veto"),
        ('requires: ["remote_days >= 2"]', 'requires: ["remote_days >= 2 or term == 1"]'),
    ))
    assert [in_win_set(case, offer, "them") for offer in case.meso.offers] == [False, False, True]
    assert [in_win_set(case, offer, "us") for offer in case.meso.offers] == [True, True, True]
    assert in_win_set(case, {"salary": 95000, "remote_days": 1, "term": 1}, "them") is True


def test_an_empty_requires_is_always_met():
    case = parse(HIRING.replace('requires: ["remote_days >= 2"]', "requires: []"))
    assert case.conditions == {"partner": ()}
