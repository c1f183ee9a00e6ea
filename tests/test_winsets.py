"""Win-sets against a brute force: every package enumerated, every condition tested."""
from __future__ import annotations

import itertools
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import pytest

from briefgen.case import Case, load_case
from briefgen.level2 import winsets
from briefgen.level2.winsets import analyse_win_sets
from conftest import EXAMPLE_CASES, parse, parse_generated

try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    st = None

EXAMPLES = EXAMPLE_CASES


@dataclass
class Brute:
    total: int
    size: dict[str, int]
    both: int
    binding: dict[str, str | None]
    removed: dict[str, int]
    clashes: set[tuple]
    best_score: float | None


def brute_force(case: Case) -> Brute:
    """Every package; a side's win-set is what all its ratifiers' and veto holders' conditions accept."""
    blockers = [c for c in case.constituencies if c.power in ("ratify", "veto")]
    requirements = [(c, condition) for c in blockers for condition in case.conditions[c.id]]
    ids = [issue.id for issue in case.issues]
    packages = [dict(zip(ids, values)) for values in itertools.product(*(list(i.values()) for i in case.issues))]
    met = [[condition(p) for _, condition in requirements] for p in packages]

    def count(chosen) -> int:
        return sum(all(row[i] for i in chosen) for row in met)

    everyone = range(len(requirements))
    all_count = count(everyone)
    size, binding, removed = {}, {}, {}
    for side in ("us", "them"):
        size[side] = count([i for i, (c, _) in enumerate(requirements) if c.side == side])
        binding[side], removed[side] = None, 0
        for c in case.side(side):
            if c.power not in ("ratify", "veto") or not case.conditions[c.id]:
                continue
            gone = count([i for i, (o, _) in enumerate(requirements) if o.id != c.id]) - all_count
            if gone > removed[side]:
                binding[side], removed[side] = c.id, gone
    clashes = set()
    alone = {i for i in everyone if count([i]) > 0}
    for i in everyone:
        if i not in alone:
            clashes.add((requirements[i][0].id, requirements[i][1].text))
    for i, j in itertools.combinations(sorted(alone), 2):
        (a, ca), (b, cb) = requirements[i], requirements[j]
        if a.side != b.side and count([i, j]) == 0:
            (a, ca), (b, cb) = ((a, ca), (b, cb)) if a.side == "us" else ((b, cb), (a, ca))
            clashes.add((a.id, ca.text, b.id, cb.text))
    scores = [sum(case.issue(k).our_points(v) for k, v in p.items()) for p, row in zip(packages, met) if all(row)]
    return Brute(len(packages), size, all_count, binding, removed, clashes, max(scores) if scores else None)


def summary(result) -> tuple:
    """What a WinSets says, by ids and numbers (conditions compiled twice never compare equal)."""
    return (
        result.total, result.both, result.best_score, result.exact, sorted(clash_keys(result)),
        *((ws.size, ws.binding.id if ws.binding else None, ws.removed_by_binding,
           [(r.constituency.id, r.condition.text) for r in ws.requirements]) for ws in (result.us, result.them)),
    )


def clash_keys(result) -> set[tuple]:
    keys = set()
    for clash in result.clashes:
        first = (clash.first.constituency.id, clash.first.condition.text)
        keys.add(first if clash.second is None else first + (clash.second.constituency.id, clash.second.condition.text))
    return keys


def assert_matches_brute_force(case: Case) -> None:
    result = analyse_win_sets(case)
    expected = brute_force(case)
    assert result.exact
    assert result.total == expected.total
    assert (result.us.size, result.them.size) == (expected.size["us"], expected.size["them"])
    assert result.both == expected.both
    assert result.meet == (expected.both > 0)
    for side in ("us", "them"):
        ws = result.side(side)
        assert (ws.binding.id if ws.binding else None) == expected.binding[side], side
        assert ws.removed_by_binding == expected.removed[side], side
        assert {r.constituency.id for r in ws.requirements} == {
            c.id for c in case.side(side) if c.power in ("ratify", "veto") and c.requires}
    assert clash_keys(result) == expected.clashes
    if expected.best_score is None:
        assert result.best_score is None
    else:
        assert result.best_score == pytest.approx(expected.best_score)


def components(case: Case) -> list[list]:
    """Issues tied together by a ratifier's or veto holder's condition, transitively."""
    groups = [{issue.id} for issue in case.issues]
    for c in case.constituencies:
        if c.power not in ("ratify", "veto"):
            continue
        for condition in case.conditions[c.id]:
            joined = [g for g in groups if g & condition.issue_ids]
            groups = [g for g in groups if not g & condition.issue_ids] + [set().union(*joined)]
    return [[case.issue(i) for i in group] for group in groups]


# --- the example cases ---------------------------------------------------------------


def test_there_are_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_examples_match_the_brute_force(path):
    assert_matches_brute_force(load_case(path))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_an_example_with_every_constituency_made_a_ratifier(path):
    # The examples' influencers and implementers have conditions too: as ratifiers they
    # tie more issues together and bind differently.
    text = path.read_text(encoding="utf-8")
    for power in ("influence", "implement"):
        text = text.replace(f"power: {power}", "power: ratify")
    assert_matches_brute_force(parse(text, str(path)))


# --- small cases written out ---------------------------------------------------------

SMALL = """\
---
title: Win-set check
parties:
  us: {{name: Northwind Traders}}
  them: {{name: Contoso Ltd}}
issues:
  - id: x
    options:
      - {{value: 1, points: 0}}
      - {{value: 2, points: 10}}
      - {{value: 3, points: 20}}
      - {{value: 4, points: 30}}
  - id: y
    range: {{min: 0, max: 10, step: 5}}
    points: {{0: 9, 10: 0}}
constituencies:
{constituencies}
---
"""


def small(*constituencies: dict) -> Case:
    return parse(SMALL.format(constituencies="\n".join(f"  - {json.dumps(c)}" for c in constituencies)))


def test_opposite_ratifiers_clash_and_the_win_sets_do_not_meet():
    case = small(
        {"id": "our_board", "side": "us", "power": "ratify", "requires": ["x >= 3"]},
        {"id": "their_board", "side": "them", "power": "ratify", "requires": ["x <= 2"]},
    )
    result = analyse_win_sets(case)
    assert (result.total, result.us.size, result.them.size, result.both) == (12, 6, 6, 0)
    assert not result.meet
    assert result.best_score is None
    [clash] = result.clashes
    assert (clash.first.constituency.id, str(clash.first.condition)) == ("our_board", "x >= 3")
    assert (clash.second.constituency.id, str(clash.second.condition)) == ("their_board", "x <= 2")
    assert_matches_brute_force(case)


def test_a_preference_does_not_clash():
    # Their board only influences: its condition is a preference, outside the win-sets.
    case = small(
        {"id": "our_board", "side": "us", "power": "ratify", "requires": ["x >= 3"]},
        {"id": "their_board", "side": "them", "power": "influence", "requires": ["x <= 2"]},
    )
    result = analyse_win_sets(case)
    assert (result.meet, result.clashes, result.them.requirements, result.them.binding) == (True, (), (), None)
    assert result.best_score == 39  # x = 4, y = 0


def test_a_condition_no_package_meets_is_reported_alone():
    case = small(
        {"id": "our_board", "side": "us", "power": "veto", "requires": ["x >= 3"]},
        {"id": "their_board", "side": "them", "power": "ratify", "requires": ["x == 1 and x == 2", "y >= 5"]},
        {"id": "their_union", "side": "them", "power": "veto", "requires": ["x <= 2"]},
    )
    result = analyse_win_sets(case)
    impossible = [c for c in result.clashes if str(c.first.condition) == "x == 1 and x == 2"]
    assert len(impossible) == 1 and impossible[0].second is None
    # It is not paired again with the conditions of the other side.
    assert all(c.second is None or "x == 1 and x == 2" not in (str(c.first.condition), str(c.second.condition))
               for c in result.clashes)
    # The real clash between x >= 3 and x <= 2 is still named.
    assert {(str(c.first.condition), str(c.second.condition)) for c in result.clashes if c.second} == {
        ("x >= 3", "x <= 2")}
    assert (result.them.size, result.both, result.meet) == (0, 0, False)
    assert_matches_brute_force(case)


def test_the_binding_constituency_removes_the_most_packages():
    case = small(
        {"id": "finance", "side": "them", "power": "veto", "requires": ["x <= 3"]},
        {"id": "board", "side": "them", "power": "ratify", "requires": ["x <= 2", "y <= 5"]},
        {"id": "staff", "side": "them", "power": "influence", "requires": ["x == 1"]},
    )
    result = analyse_win_sets(case)
    # Without finance: still x <= 2 and y <= 5 (4 packages); without board: x <= 3 (9).
    assert (result.them.binding.id, result.them.removed_by_binding) == ("board", 5)
    assert result.them.size == 4
    assert result.us.binding is None and result.us.requirements == ()
    assert_matches_brute_force(case)


def test_no_conditions_means_every_package():
    result = analyse_win_sets(small({"id": "board", "side": "them", "power": "ratify"}))
    assert (result.total, result.both, result.us.size, result.them.size, result.clashes) == (12, 12, 12, 12, ())
    assert result.best_score == 39


# --- hypothesis: small random cases ---------------------------------------------------------


def flow(value) -> str:
    """A YAML flow value; unlike JSON, mapping keys may be numbers (points anchors)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{flow(k)}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return json.dumps(value)


def numeric_condition(draw, issue_id: str, values: list) -> str:
    op = draw(st.sampled_from(["==", "!=", "<=", ">=", "<", ">", "in"]))
    if op == "in":
        chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True))
        return f"{issue_id} in [{', '.join(map(repr, chosen))}]"
    if op == "<":
        return f"{issue_id} < {draw(st.sampled_from(values[1:]))!r}"  # never below the lowest value
    if op == ">":
        return f"{issue_id} > {draw(st.sampled_from(values[:-1]))!r}"
    return f"{issue_id} {op} {draw(st.sampled_from(values))!r}"


def text_condition(draw, issue_id: str, values: list) -> str:
    op = draw(st.sampled_from(["==", "!=", "in"]))
    if op == "in":
        chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True))
        return f"{issue_id} in [{', '.join(json.dumps(v) for v in chosen)}]"
    return f"{issue_id} {op} {json.dumps(draw(st.sampled_from(values)))}"


if st is not None:

    @st.composite
    def small_cases(draw) -> str:
        issues, domains = [], {}
        for n in range(draw(st.integers(2, 4))):
            issue_id = f"i{n}"
            count = draw(st.integers(2, 5))
            kind = draw(st.sampled_from(["ints", "texts", "range"]))
            if kind == "range":
                step = draw(st.sampled_from([1, 2.5, 10]))
                low = draw(st.integers(0, 5))
                high = low + step * (count - 1)
                issue = {"id": issue_id, "range": {"min": low, "max": high, "step": step},
                         "points": {low: draw(st.integers(0, 20)), high: draw(st.integers(0, 20))}}
                values = [low + step * k for k in range(count)]
            else:
                if kind == "ints":
                    values = sorted(draw(st.lists(st.integers(0, 9), min_size=count, max_size=count, unique=True)))
                else:
                    values = [f"v{k}" for k in range(count)]
                issue = {"id": issue_id, "options": [{"value": v, "points": draw(st.integers(0, 20))} for v in values]}
            issues.append(issue)
            domains[issue_id] = (kind, values)

        def atom() -> str:
            issue_id = draw(st.sampled_from(sorted(domains)))
            kind, values = domains[issue_id]
            return (text_condition if kind == "texts" else numeric_condition)(draw, issue_id, values)

        def condition() -> str:
            shape = draw(st.sampled_from(["atom", "atom", "and", "or", "not"]))
            if shape == "atom":
                return atom()
            if shape == "not":
                return f"not ({atom()})"
            return f"({atom()}) {shape} ({atom()})"

        constituencies = []
        for n in range(draw(st.integers(0, 4))):
            constituencies.append({
                "id": f"c{n}",
                "side": draw(st.sampled_from(["us", "them"])),
                "power": draw(st.sampled_from(["ratify", "veto", "influence"])),
                "requires": [condition() for _ in range(draw(st.integers(0, 2)))],
            })
        return "\n".join([
            "---", "title: Random", "parties:", "  us: {name: Us}", "  them: {name: Them}", "issues:",
            *(f"  - {flow(issue)}" for issue in issues),
            "constituencies:" + ("" if constituencies else " []"),
            *(f"  - {flow(c)}" for c in constituencies),
            "---", "",
        ])

    @settings(max_examples=60, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(small_cases())
    def test_random_small_cases_match_the_brute_force(text):
        assert_matches_brute_force(parse_generated(text))

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(small_cases(), st.integers(1, 12))
    def test_sampling_is_deterministic_and_only_where_a_component_is_too_large(text, limit):
        case = parse_generated(text)
        exact = analyse_win_sets(case)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(winsets, "ENUMERATION_LIMIT", limit)
            first = analyse_win_sets(case)
            random.seed(limit)  # the global random state must not matter
            second = analyse_win_sets(case)
        assert summary(first) == summary(second)
        sizes = [math.prod(len(list(issue.values())) for issue in group) for group in components(case)]
        assert first.exact == all(size <= limit for size in sizes)
        if first.exact:
            assert summary(first) == summary(exact)
        assert first.total == pytest.approx(exact.total)
        assert 0 <= first.both <= first.total * (1 + 1e-9)

else:  # pragma: no cover

    @pytest.mark.skip(reason="hypothesis is not installed: pip install hypothesis")
    def test_random_small_cases_match_the_brute_force():
        pass


# --- estimates -------------------------------------------------------------------------------


def estimate(path: Path, limit: int, monkeypatch):
    monkeypatch.setattr(winsets, "ENUMERATION_LIMIT", limit)
    return analyse_win_sets(load_case(path))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_a_component_too_large_is_sampled_deterministically(path, monkeypatch):
    exact = analyse_win_sets(load_case(path))
    first = estimate(path, 7, monkeypatch)
    random.seed(12345)  # the sampling must not depend on the global random state
    second = estimate(path, 7, monkeypatch)
    assert exact.exact and not first.exact
    assert summary(first) == summary(second)
    # The weights add up: the package space itself is still counted in full.
    assert first.total == pytest.approx(exact.total)
    assert 0 <= first.both <= first.total


def test_the_estimate_says_so_in_explain(monkeypatch, tmp_path):
    from briefgen.level2.analysis import analyse
    from briefgen.level2.report import explain_text
    from briefgen.level2.rules import RuleSet

    path = next(p for p in EXAMPLES if p.stem == "union-contract")
    monkeypatch.setattr(winsets, "ENUMERATION_LIMIT", 7)
    case = load_case(path)
    text = explain_text(case, analyse(case, RuleSet(rules=())))
    assert "Their ratifiers accept about " in text
    assert "Both: about " in text or "The win-sets do not meet." in text
