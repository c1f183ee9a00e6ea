"""Counsel a negotiator would act on: the game plan, computed moves, setting,
direction, one finding per idea, and the language, on every example case."""
from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import pytest

from briefgen.case import load_case
from briefgen.level2.analysis import LITTLE, analyse
from briefgen.level2.plan import MOVES
from briefgen.level2.rules import load_rules
from briefgen.meso import meso
from conftest import EXAMPLE_CASES, HIRING, HIRING_FULL, parse, replace, run

CASES = EXAMPLE_CASES  # named: a user's own cases in cases/ are not part of the suite
RULES = load_rules()
PRIVATE = ["coffee-supply-listing", "hospital-affiliation"]  # setting.public: false


@pytest.fixture(scope="module")
def examples():
    """case id -> (case, analysis)"""
    loaded = {}
    for path in CASES:
        case = load_case(path)
        loaded[case.id] = case, analyse(case, RULES)
    return loaded


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;:?!])\s+", text) if s.strip()]


def skeleton(case, text: str) -> str:
    """A sentence with everything case-specific taken out: names, labels, quotes, numbers."""
    names = [c.display_name for c in case.constituencies] + [case.parties.us.name, case.parties.them.name]
    names += [p.negotiator.split(",")[0] for p in (case.parties.us, case.parties.them) if p.negotiator]
    names += [i.name for i in case.issues]
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "<name>")
    text = re.sub(r"[\"“][^\"”]*[\"”]", "<quote>", text)
    text = re.sub(r"\d[\d.,]*", "<n>", text)
    text = re.sub(r"<name>(, <name>)*( and <name>)?", "<names>", text)
    return text.lower()


def repeated_share(case, analysis) -> float:
    """The share of findings that repeat another finding's sentence with only the names swapped."""
    findings = [f for f in analysis.findings if f.category != "probe"]
    shapes = [{skeleton(case, s) for s in sentences(f.advice) + sentences(f.why)} for f in findings]
    repeating = sum(1 for n, mine in enumerate(shapes) if any(mine & other for m, other in enumerate(shapes) if m != n))
    return repeating / len(findings) if findings else 0.0


def texts(analysis) -> list[str]:
    """Every sentence of counsel the brief prints: findings, their details and risks, and the plan."""
    out = []
    for f in analysis.findings:
        out += [f.advice, f.why, f.risk, f.when] + [d for _, d in f.details]
    for m in analysis.plan:
        out += [m.move, m.buys, m.risk, m.when] + [d for _, d in m.details]
    return [t for t in out if t]


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_under_15_percent_of_findings_repeat_another_with_names_swapped(examples, path):
    case, analysis = examples[path.stem]
    assert repeated_share(case, analysis) < 0.15


def test_the_measure_catches_template_filling():
    """Two constituencies given the same sentence, one finding each, count as repetition."""
    case = parse(HIRING)
    from dataclasses import replace as copy

    analysis = analyse(case, RULES)
    finding = next(f for f in analysis.findings if f.category != "probe")
    twin = copy(finding, advice=finding.advice.replace(case.constituencies[0].display_name, "Jordan Rivera"))
    doubled = copy(analysis, findings=(finding, twin))
    assert repeated_share(case, doubled) == 1.0


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_the_game_plan_has_at_most_five_moves_ranked_by_worth(examples, path):
    _, analysis = examples[path.stem]
    plan = analysis.plan
    assert 1 <= len(plan) <= MOVES
    assert [m.rank for m in plan] == list(range(1, len(plan) + 1))
    assert [m.worth for m in plan] == sorted((m.worth for m in plan), reverse=True)
    for move in plan:
        assert move.buys and move.risk and move.when
        if move.category == "terms":
            assert move.cost is not None and move.cost > 0


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_moves_never_name_an_issue_that_cannot_move(examples, path):
    case, analysis = examples[path.stem]
    held = [case.issue(i).name for i in case.meso.hold]
    packages = [p.terms for p in meso(case).packages]
    fixed = [i.name for i in case.issues if len(packages) > 1 and len({p[i.id] for p in packages}) == 1]
    for finding in analysis.findings:
        if finding.category in ("compensation", "d", "e"):
            # The price of a blocker's yes says what every package already carries; the rest propose a change.
            cannot_move = held if finding.rule.id == "blocker-price-compensation" else held + fixed
            for text in [finding.advice] + [d for _, d in finding.details]:
                for name in cannot_move:
                    assert name not in text and name.lower() not in text.lower(), (finding.rule.id, name)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_little_is_said_only_when_the_points_say_so(examples, path):
    case, analysis = examples[path.stem]
    for text in texts(analysis):
        assert "costs us little" not in text and "even if it costs" not in text
        for cost in re.findall(r"costs us ([\d.]+) points?, little", text):
            assert float(cost) <= LITTLE * case.best_score()


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_no_id_printed_as_a_name_and_no_name_twice_in_a_sentence(examples, path):
    case, analysis = examples[path.stem]
    ids = [c.id for c in case.constituencies if "_" in c.id]  # an id like 'partner' is also a word
    names = [c.display_name for c in case.constituencies] + [case.parties.them.negotiator.split(",")[0]]
    for text in texts(analysis):
        for ident in ids:
            assert not re.search(rf"\b{ident}\b", text), (ident, text)
        for sentence in sentences(text):
            for name in names:
                assert sentence.count(name) <= 1, (name, sentence)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_verbs_agree_with_plural_names_or_need_no_agreement(examples, path):
    case, analysis = examples[path.stem]
    plural = [c.display_name for c in case.constituencies if re.search(r"s\b|\)$", c.display_name)]
    for text in texts(analysis):
        for name in plural:
            assert not re.search(re.escape(name) + r" (sees|chooses|decides|wants|needs|is|has|was)\b", text), (name, text)


@pytest.mark.parametrize("name", PRIVATE)
def test_private_talks_get_no_advice_to_act_in_public(examples, name):
    _, analysis = examples[name]
    for text in texts(analysis):
        assert "in public" not in text and "public statement" not in text, text


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_a_written_ratified_deal_gets_no_tacit_understanding(examples, path):
    case, analysis = examples[path.stem]
    if case.setting.written:
        assert all("tacit understanding" not in t for t in texts(analysis))


def test_outside_pressure_is_asked_only_of_those_who_favour_the_deal(examples):
    case, analysis = examples["hospital-affiliation"]
    campaign = "Save St. Brendan's Maternity campaign"
    recruit = [f for f in analysis.findings if f.rule.id in ("holdout-outside-pressure", "blocker-outside-pressure")]
    assert all(campaign not in d for f in recruit for _, d in f.details)
    [counter] = [f for f in analysis.findings if f.rule.id == "counter-adverse-pressure"]
    assert {c.id for c in counter.constituencies} == {"medical_staff", "town_council"}
    assert all(d == f"pressed by {campaign}" for _, d in counter.details)


def test_the_price_of_each_blockers_yes_is_computed_in_points(examples):
    case, analysis = examples["reunification-talks"]
    price = analysis.prices.of(next(c for c in case.constituencies if c.id == "military"))
    assert (price.cost, price.gain) == (10, 22)
    assert {(ch.issue.id, ch.before, ch.after) for ch in price.changes} == {
        ("east_status", "nato_forces", "german_only"), ("withdrawal_years", 2, 3)}
    # The conservatives want what the held issue never gives: no price can be paid.
    conservatives = analysis.prices.of(next(c for c in case.constituencies if c.id == "party_conservatives"))
    assert not conservatives.meetable and conservatives.cost is None
    [first] = [m for m in analysis.plan if m.category == "terms" and len(m.constituencies) > 1]
    assert first.cost == 17 and "military" in [c.id for c in first.constituencies]


def test_the_zone_of_possible_agreement_uses_their_reservation(examples):
    _, coffee = examples["coffee-supply-listing"]
    assert coffee.zopa["their_reservation"] == 40 and coffee.zopa["count"] > 0
    low, high = coffee.zopa["their_range"]
    assert low >= 40
    # Without it, the brief asks for it.
    _, harbour = examples["harbour-wind-port"]
    assert harbour.zopa["their_reservation"] is None
    assert "probe-their-alternative" in [q.rule.id for q in harbour.questions]
    assert "probe-their-alternative" not in [q.rule.id for q in coffee.questions]


def test_meso_warns_when_a_package_is_below_their_reservation(tmp_path, monkeypatch):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "hiring.md").write_text(replace(HIRING_FULL, ("  their_reservation: 45 ", "  their_reservation: 19 ")))
    monkeypatch.chdir(tmp_path)
    result = run("meso", "cases/hiring.md", "--json")
    batna = [d for d in json.loads(result.output)["diagnostics"] if d["criterion"] == "batna"]
    # The seed's own offers score an estimated 20, 18 and 30 for them.
    assert [d["message"].split(" gives")[0] for d in batna] == ["package B"]
    assert batna[0]["level"] == "warning"


def test_the_format_example_is_warned_that_every_seed_offer_is_below_their_reservation(tmp_path, monkeypatch):
    """The contract's own case as it stands: its their_reservation (45) is above what any of its three
    offers gives them (20, 18, 30), and its setting says private, written talks."""
    case = parse(HIRING_FULL)
    assert (case.targets.their_reservation, case.public, case.setting.written) == (45, False, True)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "hiring.md").write_text(HIRING_FULL)
    monkeypatch.chdir(tmp_path)
    diagnostics = json.loads(run("meso", "cases/hiring.md", "--json").output)["diagnostics"]
    assert [d["message"].split(", below")[0] for d in diagnostics if d["criterion"] == "batna"] == [
        "package A gives them an estimated 20.0", "package B gives them an estimated 18.0",
        "package C gives them an estimated 30.0"]


def test_their_reservation_above_their_best_is_an_error():
    from briefgen.errors import CaseError

    with pytest.raises(CaseError, match="their_reservation: 200 is more than their best possible score"):
        parse(replace(HIRING_FULL, ("  their_reservation: 45 ", "  their_reservation: 200 ")))


def test_the_meso_section_warns_when_the_set_leaves_a_blocker_with_nothing():
    from briefgen import render

    case = parse(replace(HIRING, ("    power: influence ", "    power: implement "),
                         ('    requires: ["remote_days >= 2"]', '    requires: ["remote_days >= 3"]')))
    offers = meso(case)
    brief = render.brief_context(case, offers, analyse(case, RULES), datetime.date(2026, 11, 24))
    assert [c.id for c in brief.left_out] == ["partner"]
    html = render.render_brief_html(brief)
    assert "left with nothing" in html and "No package meets the conditions of Rivera&#39;s partner" in html


def test_explain_json_prints_the_plan_and_the_findings(tmp_path, monkeypatch):
    case = Path(__file__).parent.parent / "cases" / "reunification-talks.md"
    result = run("explain", str(case), "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert set(data) == {"plan", "findings"} and 1 <= len(data["plan"]) <= MOVES
    for finding in data["findings"]:
        assert {"category", "rule", "constituencies", "move", "why", "cost"} <= set(finding)
        assert finding["category"] in {"a", "b", "c", "d", "e", "f", "g", "h", "compensation", "probe"}
        assert finding["cost"] is None or isinstance(finding["cost"], (int, float))
        ids = {c.id for c in load_case(case).constituencies}
        assert set(finding["constituencies"]) <= ids
    assert {"rank", "move", "cost", "buys", "risk", "when"} <= set(data["plan"][0])


def test_one_point_is_singular(examples):
    _, analysis = examples["reunification-talks"]
    assert any("costs us 1 point," in t for t in texts(analysis))
    assert not any("1 points" in t for t in texts(analysis))
