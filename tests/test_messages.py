"""Messages a person can act on: the YAML parser's jargon and the condition language's slips
translated into what to do, each at its line and column; values in the issue's own format."""
from __future__ import annotations

import pytest

from briefgen.errors import CaseError
from conftest import parse

CASE = """\
---
title: T
parties:
  us: {name: A}
  them: {name: B}
issues:
  - id: price
    unit: USD
    range: {min: 4000000, max: 5000000, step: 100000}
    points: {4000000: 10, 5000000: 0}
"""


def problems(text: str) -> list[str]:
    with pytest.raises(CaseError) as error:
        parse(text + "---\n", "c.md")
    return [str(p) for p in error.value.problems]


YAML_SLIPS = [  # (the slip: (old, new) in CASE, the message)
    (("    unit: USD", "   unit: USD"),  # one space short
     "c.md:8:4: YAML: this line is indented 3 spaces, which lines up with no key above it; indent it by 4, as on "
     "line 7, or by 0, as on line 6"),
    (("  them: {name: B}", "   them: {name: B}"),  # one space too many, in a mapping
     "c.md:5:4: YAML: this line is indented 3 spaces, which lines up with no key above it; indent it by 2, as on line 4"),
    (("issues:", " issues:"),
     "c.md:6:2: YAML: this line is indented 1 space, which lines up with no key above it; indent it by 2, as on "
     "line 5, or by 0, as on line 3"),
    (("    unit: USD", "\tunit: USD"),
     "c.md:8:1: YAML: a tab: YAML indents with spaces only; replace the tab with spaces"),
    (("    unit: USD", "      unit: USD"),  # a mapping indented too far
     "c.md:8:11: YAML: this line is indented 6 spaces, further than the keys above it, so YAML reads it as part of "
     "line 7's value; indent it by 4, as on line 7"),
    (("title: T", "title: Deal: part 2"),
     "c.md:2:12: YAML: a ': ' inside a value; put the whole value in quotes, like title: \"Deal: phase 2\""),
]


@pytest.mark.parametrize("slip, message", YAML_SLIPS)
def test_yaml_slips_say_what_to_do(slip, message):
    old, new = slip
    assert problems(CASE.replace(old, new, 1)) == [message]


def condition(text: str) -> str:
    return CASE + f"constituencies:\n  - {{id: board, side: us, power: ratify, requires: ['{text}']}}\n"


CONDITION_SLIPS = [
    ("price = 4200000",
     "condition 'price = 4200000' uses '=' at column 7; to compare, write '==': 'price == 4200000'"),
    ("price >= 4000000 and price = 4500000",
     "condition 'price >= 4000000 and price = 4500000' uses '=' at column 28; to compare, write '==': "
     "'price >= 4000000 and price == 4500000'"),
    ("price <= 5200000",  # money as money, in full: never 5.2e+06
     "condition 'price <= 5200000' compares 'price' with $5,200,000, outside its values ($4,000,000 to $5,000,000)"),
]


@pytest.mark.parametrize("text, message", CONDITION_SLIPS)
def test_condition_slips_say_what_to_write(text, message):
    column = condition(text).splitlines()[11].index("['") + 2  # the condition's item in the list
    assert problems(condition(text)) == [f"c.md:12:{column}: constituencies.board.requires: {message}"]


def test_a_value_outside_a_range_is_written_in_the_issue_s_format():
    text = CASE + "meso:\n  offers:\n    - {price: 4200000}\n    - {price: 5200000}\n"
    assert problems(text) == [
        "c.md:14:15: meso.offers[2]: $5,200,000 is outside the range of 'price' ($4,000,000 to $5,000,000)"]
    plain = text.replace("    unit: USD\n", "")
    assert problems(plain) == [
        "c.md:13:15: meso.offers[2]: 5,200,000 is outside the range of 'price' (4,000,000 to 5,000,000)"]
