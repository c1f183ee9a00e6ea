"""The limits set against slow inputs (issue 16): each refused at its line, quickly, before any layout.

benchmarks/bench_limits.py builds the slowest files these limits admit and reports their times.
"""
from __future__ import annotations

import re
import time

import pytest

from briefgen.body import MAX_DEPTH, MAX_ELEMENTS
from briefgen.case import MAX_BODY_BYTES, MAX_FRONTMATTER_BYTES
from briefgen.case_model import MAX_ROUNDS, MAX_TAGS
from briefgen.errors import CaseError
from conftest import HIRING, parse

ROUND = '  - {date: 2026-11-25, offered: [{salary: 100000, remote_days: 1, term: 3}], chose: A}\n'


def with_tags(count: int) -> str:
    return re.sub(r"^tags: .*$", "tags: [" + ", ".join(f"t{n}" for n in range(count)) + "]", HIRING, count=1, flags=re.M)


def with_rounds(count: int) -> str:
    return HIRING.replace("\noutcome:", "\nrounds:\n" + ROUND * count + "\noutcome:", 1)


def with_body(body: str) -> str:
    return HIRING + body


def nested(depth: int, paragraphs: int) -> str:
    """Paragraphs of emphasis `depth` levels deep: *a _a *a deep a* a_ a*"""
    marks = (["*", "_"] * depth)[:depth]
    paragraph = "".join(f"{m}a " for m in marks) + "deep" + "".join(f" a{m}" for m in reversed(marks))
    return "\n\n".join([paragraph] * paragraphs) + "\n"


CASES = {
    "the issue's 20,000 tags": (with_tags(20_000), "the frontmatter is larger than 64 KB", 1),
    "tags within the size limit": (with_tags(5_000), "tags: more than 1,002 entries", 6),
    "a tag too many": (with_tags(MAX_TAGS + 1), f"tags: {MAX_TAGS + 1} entries, more than the {MAX_TAGS}", 6),
    "the issue's 1,387 rounds": (with_rounds(1_387), "the frontmatter is larger than 64 KB", 1),
    "a round too many": (with_rounds(MAX_ROUNDS + 1), f"rounds: {MAX_ROUNDS + 1} entries, more than the {MAX_ROUNDS}", None),
    "the issue's 58 levels of emphasis x 1,500 paragraphs": (
        with_body(nested(58, 1_500)), "the body is larger than 100 KB", None),
    "58 levels of emphasis x 50 paragraphs": (with_body(nested(58, 50)), "the body has 2,953 elements", None),
    "emphasis over the element limit": (
        with_body(nested(1, MAX_ELEMENTS // 2 + 10)), f"more than the {MAX_ELEMENTS:,} a brief lays out", None),
    "a long frontmatter": (HIRING.replace("notes: ", "notes: " + "x" * MAX_FRONTMATTER_BYTES, 1), "the frontmatter is larger than 64 KB", 1),
    "a long body": (with_body("word " * (MAX_BODY_BYTES // 5)), "the body is larger than 100 KB", None),
}


@pytest.mark.parametrize("name", CASES)
def test_an_input_over_a_limit_is_refused_at_its_line_in_a_second_or_two(name):
    text, message, line = CASES[name]
    start = time.perf_counter()
    with pytest.raises(CaseError) as refused:
        parse(text)
    assert time.perf_counter() - start < 10  # about 1 s on the development machine; layout would take minutes
    problems = refused.value.problems
    assert any(message in p.message for p in problems), problems
    if line is not None:
        assert problems[0].line == line


def test_inputs_at_the_limits_load():
    parse(with_tags(MAX_TAGS))
    parse(with_rounds(MAX_ROUNDS))
    parse(with_body(nested(MAX_DEPTH - 2, MAX_ELEMENTS // MAX_DEPTH - 1)))
