"""The example cases: their Level II findings are specific, and the briefs show them."""
from __future__ import annotations


import re
from pathlib import Path

import pytest

from briefgen.build import BRIEF
from briefgen.case import load_case
from briefgen.level2.analysis import analyse, linked_issues
from briefgen.level2.rules import CATEGORIES, load_rules
from briefgen.meso import meso
from briefgen.scoring import in_win_set
from conftest import EXAMPLE_CASES, flat, pdf_pages, pdf_text

CASES = Path(__file__).parent.parent / "cases"
EXAMPLES = {
    "hiring": CASES / "hiring-offer.md",
    "union": CASES / "union-contract.md",
    "acquisition": CASES / "cross-border-acquisition.md",
    "reunification": CASES / "reunification-talks.md",
    "supplier": CASES / "supplier-contract.md",
    "fisheries": CASES / "fisheries-access.md",
    "coffee": CASES / "coffee-supply-listing.md",
    "harbour": CASES / "harbour-wind-port.md",
    "hospital": CASES / "hospital-affiliation.md",
    "museum": CASES / "museum-loan.md",
    "lease": CASES / "warehouse-lease.md",
    "grid": CASES / "grid-reform-loan.md",
}
RULES = load_rules()
MOVES = [key for key in CATEGORIES if key != "probe"]  # compensation and a to h


@pytest.fixture(scope="module")
def examples():
    """name -> (case, analysis)"""
    loaded = {}
    for name, path in EXAMPLES.items():
        case = load_case(path)
        loaded[name] = case, analyse(case, RULES)
    return loaded


@pytest.fixture(scope="module")
def briefs(example_documents):
    """name -> the brief's text (the PDFs of the session, see conftest's example_documents)."""
    return {name: flat(pdf_text(example_documents[path.stem].documents[BRIEF])) for name, path in EXAMPLES.items()}


def test_the_examples_are_the_cases():
    """The examples are named, not globbed: a user's own cases in cases/ leave the suite as it is."""
    assert sorted(EXAMPLES.values()) == EXAMPLE_CASES and all(path.is_file() for path in EXAMPLE_CASES)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_finding_names_who_or_what_it_is_about(examples, name):
    case, analysis = examples[name]
    assert analysis.findings
    for finding in analysis.findings:
        advice = finding.advice.lower()
        if finding.constituency is not None:
            c = finding.constituency
            names = [c.display_name] + [case.issue(i).name for i in linked_issues(case, c)]
        else:
            parties = (case.parties.us, case.parties.them)
            names = [p.name for p in parties] + [p.negotiator.split(",")[0] for p in parties if p.negotiator]
            names += [c.display_name for c in case.constituencies]
        assert any(n.lower() in advice for n in names), (finding.rule.id, finding.advice)
        assert "$" not in finding.advice and "$" not in finding.why


@pytest.mark.parametrize("name", EXAMPLES)
def test_findings_name_their_constituency(examples, name):
    # Stricter than the above, and true of every default rule: the constituency is named.
    _, analysis = examples[name]
    for finding in analysis.findings:
        if finding.constituency is not None:
            assert finding.constituency.display_name in finding.advice, (finding.rule.id, finding.advice)


@pytest.mark.parametrize("name", ["hiring", "union", "acquisition", "reunification"])
def test_the_rich_examples_get_moves_in_at_least_four_categories(examples, name):
    _, analysis = examples[name]
    categories = {f.category for f in analysis.findings} - {"probe"}
    assert len(categories) >= 4, sorted(categories)
    assert categories <= set(MOVES)


def test_h_fires_only_in_the_grid_reform_example(examples):
    """Category h is for the extraordinary case (an opposed constituency that can block or sink
    the deal, whose conditions no package we could ratify meets, facing a leadership that
    champions the deal): of the examples only the grid reform is one, where the utility's old
    guard can sink a split our board requires. In the talks of 1990 the military's conditions
    could be met inside our win-set, and Gorbachev's leadership supported rather than
    championed the deal."""
    fired = {name: sorted((f.rule.id, f.constituency.id) for f in analysis.findings if f.category == "h")
             for name, (_, analysis) in examples.items()}
    assert {name: ids for name, ids in fired.items() if ids} == {"grid": [
        ("disarm-with-a-joint-measure", "utility_old_guard"), ("leadership-against-blocker", "reform_cabinet")]}


def test_the_grid_reform_h_move_names_the_opponent_the_fact_and_the_joint_measure(examples):
    case, analysis = examples["grid"]
    [move] = [f for f in analysis.findings if f.rule.id == "disarm-with-a-joint-measure"]
    advice = " ".join(move.advice.split())
    assert advice.startswith("Work out privately with Prime Minister Radu and the reform cabinet a measure aimed at "
                             "the fear of Valdenergo's management and the Energy Workers' Union: ")
    assert ("“Separate state company with its own board” rather than “Separate company, 49% offered to a "
            "strategic investor” (costs us 8 points, gives them about 10; packages A and C already offer it)") in advice
    assert 'It answers "the network sold to foreign investors"' in advice  # the concern that change answers
    assert move.details[0][1] == "they demand 'unbundling == \"accounts\"', which no package our side can ratify meets"
    reference = analysis.prices.reference  # our best package inside both win-sets: the measure keeps it there
    assert reference["unbundling"] == "ownership"
    assert all(in_win_set(case, {**reference, "unbundling": "legal"}, side) for side in ("us", "them"))
    assert not in_win_set(case, {**reference, "unbundling": "accounts"}, "us")  # what the opponent demands


def test_labels_in_sentences_keep_their_acronyms(examples):
    """Labels in sentences keep proper nouns and acronyms: only a common first word is lowered."""
    case, _ = examples["reunification"]
    keys = " ".join(package.decoding for package in meso(case).packages)
    assert "military status of the former GDR" in keys and "gdr" not in keys


def test_findings_are_one_per_constituency_and_category(examples):
    for name, (_, analysis) in examples.items():
        keys = [(f.category, f.constituency.id) for f in analysis.findings
                if f.constituency is not None and f.category != "probe"]
        assert len(keys) == len(set(keys)), name


def without_contents(text: str) -> str:
    """The brief's text less its contents entries ("Win-sets ....... 5")."""
    return re.sub(r"[A-Z][\w -]*? ?\.{5,} ?\d+", "", text)


def level2_part(text: str, start: str) -> str:
    """The brief's text from `start` to the next section of the Level II part
    (the contents on page 1 name the sections too: their lines end in dot leaders)."""
    text = without_contents(text)
    begin = text.index(start)
    ends = [text.find(marker, begin + 1) for marker in
            ("Behind our table What we need", "MESO packages", "Questions to probe", "Case notes")]
    ends = [e for e in ends if e > begin]
    return text[begin:min(ends) if ends else len(text)]


def heading(key: str) -> str:
    """How a category's heading reads in the PDF text: its letter, then its label."""
    return f"{key} {CATEGORIES[key]}" if len(key) == 1 else CATEGORIES[key]


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_brief_shows_the_moves_by_category(examples, briefs, name):
    _, analysis = examples[name]
    text = briefs[name]
    assert "Behind their table" in text
    them = level2_part(text, "Behind their table Moves that help")
    shown_them = [m.category for m in analysis.moves("them")]
    assert shown_them, "every example has moves behind their table"
    for key in MOVES:
        assert (heading(key) in them) == (key in shown_them), key
    # Their groups come in Sebenius's order.
    positions = [them.index(heading(key)) for key in shown_them]
    assert positions == sorted(positions)
    # Every move is printed (the PDF breaks lines, so compare the start of each text).
    for group in analysis.moves("them"):
        for finding in group.findings:
            assert flat(finding.advice)[:60] in them, finding.rule.id

    shown_us = [m.category for m in analysis.moves("us")]
    if shown_us:
        ours = level2_part(text, "Behind our table What we need")
        for key in MOVES:
            assert (heading(key) in ours) == (key in shown_us), key
    else:
        assert "Behind our table What we need" not in text

    # The case's own notes (its Markdown body) come last and may use the same words;
    # the contents on page 1 name the sections too.
    text = without_contents(text)
    generated = text[:text.index("Case notes")] if "Case notes" in text else text
    if analysis.questions:
        questions = generated[generated.index("Questions to probe"):]
        for finding in analysis.questions:
            assert flat(finding.advice)[:60] in questions
    else:
        assert "Questions to probe" not in generated


@pytest.mark.parametrize("example", EXAMPLE_CASES, ids=lambda path: path.stem)
def test_examples_render_without_weasyprint_warnings(example, example_documents):
    """Each document prints every character and loads everything; the brief is marked confidential
    on every page, the sheet carries nothing of the brief's."""
    rendered = example_documents[example.stem]
    case, documents = rendered.case, rendered.documents
    assert rendered.warnings == ()
    brief_pages = pdf_pages(documents["brief.pdf"])
    assert all("CONFIDENTIAL" in page for page in brief_pages)
    assert case.title in "\n".join(brief_pages).replace("\n", " ")
    if "offer-sheet.pdf" in documents:
        sheet = pdf_text(documents["offer-sheet.pdf"])
        assert "CONFIDENTIAL" not in sheet
        for text in [case.parties.them.batna, case.parties.us.batna, case.body.strip()[:40]]:
            if text:
                assert text not in sheet
        for constituency in case.constituencies:
            assert constituency.display_name not in sheet


def test_the_thwart_heading_appears_only_in_the_grid_reform_brief(briefs):
    assert sorted(name for name, text in briefs.items() if heading("h") in text) == ["grid"]


def test_the_game_plan_comes_right_after_the_targets(briefs):
    for name, text in briefs.items():
        text = without_contents(text)
        assert text.index("Targets") < text.index("Game plan") < text.index("Issues and points"), name
