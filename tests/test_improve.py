"""`briefgen improve`: the packages both sides prefer to an agreement, the summary, the JSON,
the two-file (mediated) form, the errors, and the proposal in the write-up, the brief and the build."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefgen.build import PROPOSAL
from briefgen.case import load_case
from briefgen.improve import settlement
from briefgen.level2.rules import load_rules
from conftest import EXAMPLE_CASES, flat, parse, pdf_text, put_case, replace, run

ROOT = Path(__file__).parent.parent
MUSEUM = ROOT / "cases" / "museum-loan.md"


def call(*args: str, code: int = 0):
    """briefgen improve ARGS, its exit status checked."""
    done = run("improve", *args)
    assert done.exit_code == code, done.output
    return done


def dominates(a: dict, b: dict) -> bool:
    return a["score"] >= b["score"] and a["their_score"] >= b["their_score"] and (
        a["score"] > b["score"] or a["their_score"] > b["their_score"])


def test_the_example_agreement_is_improved_and_the_json_writes_values_as_the_case_does():
    out = json.loads(call(str(MUSEUM), "--json").stdout)
    assert set(out) == {"agreed", "improvements"}
    assert out["agreed"] == {"terms": {"loan_fee": 80000, "loan_months": 4, "couriers": 1, "catalogue": "borrower",
                                       "showcase": "climate_case"}, "score": 39.0, "their_score": 30.5}
    case = load_case(MUSEUM)
    assert len(out["improvements"]) == 3
    for better in out["improvements"]:
        assert set(better) == {"terms", "score", "their_score"}
        assert dominates(better, out["agreed"])
        assert all(condition(better["terms"]) for _, condition in case.blocking_conditions())
        assert isinstance(better["terms"]["loan_fee"], int) and better["terms"]["catalogue"] in ("borrower", "joint")
    assert out["improvements"][0]["terms"]["catalogue"] == "joint"  # the term we kept to ourselves pays most


def test_the_summary_gives_each_change_and_what_each_side_gains():
    text = call(str(MUSEUM)).stdout
    assert "3 packages both sides prefer to it, by our points and our estimate of theirs" in text
    assert "1. change Loan fee: €55,000; Exhibition catalogue: Published jointly" in text
    assert "ours 44.4 (+5.4), theirs (est.) 36.7 (+6.2)" in text
    assert "only the 3 best are listed" in text
    assert "4 packages" in call(str(MUSEUM), "--limit", "4").stdout


def test_an_efficient_agreement_says_so_and_writes_no_proposal(tmp_path):
    example = ROOT / "cases" / "reunification-talks.md"
    text = call(str(example)).stdout
    assert "The agreement is efficient by our points and our estimate of theirs" in text
    assert json.loads(call(str(example), "--json").stdout)["improvements"] == []
    done = call(str(example), "--format", "pdf", "-o", str(tmp_path), code=1)
    assert "no proposal written" in done.output and not any(tmp_path.iterdir())


def test_no_agreement_is_a_located_error(here):
    path = put_case(MUSEUM.read_text().split("outcome:")[0] + "---\n", "no-deal.md")
    done = call(str(path), code=1)
    assert f"{path}:1:1: the case has no outcome.agreed" in done.output and "add `outcome:" in done.output


def test_agreed_terms_that_miss_an_issue_are_located_with_the_fix(here):
    text = replace(MUSEUM.read_text(), (", showcase: climate_case}", "}"))
    path = put_case(text, "partial.md")
    done = call(str(path), code=1)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.strip().startswith("agreed:"))
    assert f"{path}:{line}:" in done.output and "outcome.agreed has no value for 'showcase'" in done.output


def test_an_agreed_value_between_the_steps_is_scored_as_it_is():
    case = parse(replace(MUSEUM.read_text(), ("loan_fee: 80000, loan_months", "loan_fee: 82500, loan_months")))
    found = settlement(case)
    assert found.agreed.terms["loan_fee"] == 82500 and found.agreed.score == pytest.approx(38.0625)
    assert all(b.gain >= 0 and b.their_gain >= 0 and b.gain + b.their_gain > 0 for b in found.improvements)


def test_points_in_dollars_give_the_same_improvements():
    """Our points times a million: the same packages in the same order."""
    text = MUSEUM.read_text()
    for anchor, scaled in (("{40000: 30, 120000: 0}", "{40000: 30000000, 120000: 0}"),
                           ("points: 0, their_points: 15}", "points: 0, their_points: 15}")):
        text = replace(text, (anchor, scaled))
    for ours in ("10", "20", "8", "6", "2"):
        text = text.replace(f"points: {ours}, their_points", f"points: {ours}000000, their_points")
    text = text.replace("reservation: 25\n  aspiration: 38", "reservation: 25000000\n  aspiration: 38000000")
    assert [b.terms for b in settlement(parse(text)).improvements] == [
        b.terms for b in settlement(load_case(MUSEUM)).improvements]


# --- the two-file form: both sides' own files, as for a mediator ---------------------------------

LENDER = """---
title: "Loan of the Lune panels to Harbourside"
status: agreed
parties: {us: {name: "Musée des Beaux-Arts de Lune"}, them: {name: "Harbourside Museum of Art"}}
issues:
  - {id: loan_fee, unit: EUR, range: {min: 40000, max: 120000, step: 5000}, points: {40000: 0, 120000: 30}}
  - id: loan_months
    options: [{value: 3, points: 15}, {value: 4, points: 10}, {value: 6, points: 0}]
  - id: couriers
    options: [{value: 1, points: 0}, {value: 2, points: 4}]
  - id: catalogue
    options: [{value: borrower, points: 0}, {value: joint, points: 3}]
  - id: showcase
    options: [{value: open, points: 0}, {value: climate_case, points: 9}]
targets: {reservation: 20}
constituencies:
  - {id: trustees, side: us, power: ratify, requires: ["loan_fee >= 55000"]}
outcome:
  agreed: {loan_fee: 80000, loan_months: 4, couriers: 1, catalogue: borrower, showcase: climate_case}
---
"""


def test_two_files_use_both_true_scores(here):
    lender = put_case(LENDER, "lune.md")
    out = json.loads(call(str(MUSEUM), str(lender), "--json").stdout)
    assert out["agreed"]["their_score"] == 34.0  # the lender's own points, not our estimate (30.5)
    for better in out["improvements"]:
        assert dominates(better, out["agreed"]) and better["terms"]["loan_fee"] >= 55000
    assert "by both sides' own points" in call(str(MUSEUM), str(lender)).stdout


def test_two_files_must_record_the_same_agreement(here):
    lender = put_case(LENDER.replace("loan_fee: 80000, loan_months", "loan_fee: 85000, loan_months"), "lune.md")
    done = call(str(MUSEUM), str(lender), code=1)
    assert f"{lender}:" in done.output and "outcome.agreed differs from" in done.output


def test_three_files_are_a_usage_error():
    assert "give one case file, or two" in call(str(MUSEUM), str(MUSEUM), str(MUSEUM), code=2).output


# --- the documents -------------------------------------------------------------------------------

def test_the_build_writes_the_proposal_of_an_agreed_case_and_the_brief_shows_the_gains(example_documents):
    museum_documents = example_documents["museum-loan"].documents
    assert PROPOSAL in museum_documents
    brief = flat(pdf_text(museum_documents["brief.pdf"]))
    assert "Improving on the agreement" in brief and "Loan fee: €80,000 → €55,000" in brief
    assert "44.4 +5.4 36.7 +6.2" in brief
    proposal = flat(pdf_text(museum_documents[PROPOSAL]))
    assert "Improving our agreement" in proposal and "Thank you for the agreement we reached on 20 November 2026" in proposal
    assert "€55,000 *" in proposal and "We change nothing unless both sides prefer it" in proposal


def test_the_proposal_speaks_their_language(here):
    path = put_case(replace(MUSEUM.read_text(), ("locale: en_GB", "locale: fr_FR")), "pret.md")
    call(str(path), "--format", "pdf")
    proposal = flat(pdf_text(here / "output" / "pret" / "improvement-proposal.pdf"))
    assert "Améliorer notre accord" in proposal and "Nous vous remercions pour l’accord conclu le 20 novembre 2026" in proposal
    assert "Accord conclu" in proposal and "Rien ne sera modifié sans que nos deux parties le préfèrent" in proposal


def test_a_case_still_under_way_gets_no_proposal(example_documents):
    # the format's example: an outcome, status preparing
    assert PROPOSAL not in example_documents["hiring-offer"].documents


def test_the_write_up_shows_the_improvements(tmp_path):
    from briefgen.archive_writeup import render_writeup

    case = load_case(MUSEUM)
    text = flat(pdf_text(render_writeup(case, MUSEUM.read_bytes(), "museum-loan.md", 1, load_rules())))
    assert "Improving on the agreement" in text and "3 packages inside both win-sets" in text


@pytest.mark.parametrize("fmt", ["txt", "html"])
def test_the_proposal_in_text_and_html(tmp_path, fmt):
    done = call(str(MUSEUM), "--format", fmt, "-o", str(tmp_path))
    path = tmp_path / "museum-loan" / f"improvement-proposal.{fmt}"
    assert done.stdout.strip() == f"wrote {path}"
    text = path.read_text()
    assert "Improving our agreement" in text and "As agreed" in text and "Option C" in text
    if fmt == "html":
        assert "<style>" in text and "Content-Security-Policy" in text
    else:
        assert "€55,000 *" in text
