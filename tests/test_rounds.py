"""Rounds: `briefgen respond` records their answer in the case file, and the next brief reads it back.

The command takes no date: what it records is today's, so the tests expect
`datetime.date.today()`. Files are compared line by line with difflib: a response
may only add lines, never change or move one.
"""
from __future__ import annotations

import datetime
import difflib
import html as html_module
import json
import re

import pytest

from briefgen import render, rounds
from briefgen.build import build_date
from briefgen.case import load_case, parse_case
from briefgen.errors import BriefgenError, CaseError
from briefgen.level2.analysis import analyse
from briefgen.level2.rules import load_rules
from briefgen.meso import meso
from briefgen.reading import offers_now
from conftest import HIRING, NO_OFFERS, flat, hiring_with, pdf_text, put_case, replace, run

RULES = load_rules()
OFFERED = [{"salary": 100000, "remote_days": 1, "term": 3}, {"salary": 95000, "remote_days": 1, "term": 2},
           {"salary": 90000, "remote_days": 2, "term": 1}]
OUTCOME = "outcome:                       # filled in after the negotiation, for the archive\n"

# The same case as HIRING, written the way people write: a comment block, four-space
# mappings, sequences whose dashes sit at the margin with their content four columns in,
# aligned flow mappings, a commented-out key, a comment introducing the outcome.
CUSTOM = """\
---
# Rivera offer: prep file. Keep in the team folder; do not forward.
title:  "Senior engineer offer: Jordan Rivera"
status: offered                # sent on Monday

parties:
    us:
        name:       Acme Robotics           # the legal entity
        negotiator: "Dana Lee"
    them:
        name:       Jordan Rivera

issues:
-   id:    salary
    label: Base salary
    unit:  USD
    range:        {min: 90000, max: 110000, step: 1000}
    points:       {90000: 40,  110000:  0}
    their_points: {90000:  0,  110000: 40}
-   id:    remote_days
    label: Remote workdays per week
    options:
    -   {value: 1, label: "1 day",  points: 35, their_points:  0}
    -   {value: 2, label: "2 days", points: 30, their_points: 15}
    -   {value: 3, label: "3 days", points:  0, their_points: 30}
-   id:    term
    label: Contract length
    options:
    -   {value: 1, label: "1 year",  points:  0, their_points: 15}
    -   {value: 2, label: "2 years", points:  5, their_points:  8}
    -   {value: 3, label: "3 years", points: 15, their_points:  0}

targets: {reservation: 40, aspiration: 70}

meso:
    offers:
    -   {salary: 100000, remote_days: 1, term: 3}
    -   {salary:  95000, remote_days: 1, term: 2}
    -   {salary:  90000, remote_days: 2, term: 1}
#   lead_with: [salary, remote_days, term]

offer_sheet:
    to:          Jordan Rivera
    valid_until: 2026-12-05

# ---- After the talks ----

outcome:
    summary: "Not yet."
---

## Notes
Body text, untouched.
"""


def added_lines(before: str, after: str) -> list[tuple[int, str]]:
    """(index in `after`, line) of every added line; fails if any line was changed or removed."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    added = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), f"{tag}: {old[i1:i2]!r} -> {new[j1:j2]!r}"
        if tag == "insert":
            added += list(zip(range(j1, j2), new[j1:j2]))
    return added


def round_lines(chose=None, counter=None, note=None, offered=OFFERED, indent="  ", date=None) -> list[str]:
    """The lines one recorded round takes, as respond writes them."""
    date = date or build_date()
    flow = lambda terms: "{" + ", ".join(f"{k}: {v}" for k, v in terms.items()) + "}"  # noqa: E731
    lines = [f"{indent}- date: {date.isoformat()}", f"{indent}  offered:"]
    lines += [f"{indent}    - {flow(p)}" for p in offered]
    lines += [f"{indent}  chose: {chose}"] if chose else []
    lines += [f"{indent}  counter: {flow(counter)}"] if counter else []
    lines += [f"{indent}  note: {note}"] if note else []
    return [line + "\n" for line in lines]


# --- recording ------------------------------------------------------------------------------------

def test_respond_adds_a_round_before_the_outcome_and_changes_no_line(here):
    path = put_case(HIRING)
    result = run("respond", "cases/hiring.md", "--chose", "B", "--counter", "salary=99000", "--note", "wants a start in March")
    assert (result.exit_code, result.output) == (0, "recorded round 1 in cases/hiring.md: chose B, countered salary=99000\n")
    after = path.read_text()
    added = added_lines(HIRING, after)
    lines = after.splitlines(keepends=True)
    first = added[0][0]
    assert [line for _, line in added] == ["rounds:\n"] + round_lines("B", {"salary": 99000}, "wants a start in March")
    assert [n for n, _ in added] == list(range(first, first + len(added))), "one block"
    # Before the outcome and the blank line that sets it off; after the offer sheet.
    assert lines[first + len(added):first + len(added) + 2] == ["\n", OUTCOME]
    assert lines[first - 1] == '  closing: "We look forward to hearing from you."\n'
    case = load_case(path)
    (round_,) = case.rounds
    assert (round_.date, round_.chose, dict(round_.counter), round_.note) == (
        build_date(), "B", {"salary": 99000}, "wants a start in March")
    assert [dict(p) for p in round_.offered] == OFFERED
    assert case.outcome.summary == "Accepted package B with a higher salary." and case.body == HIRING.split("---\n", 2)[2]


def test_a_second_response_follows_the_first(here):
    path = put_case(HIRING)
    assert run("respond", "cases/hiring.md", "--chose", "B", "--counter", "salary=99000").exit_code == 0
    first = path.read_text()
    following = [dict(p.terms) for p in offers_now(load_case(path)).packages]  # the next set, not the first again
    assert following != OFFERED
    result = run("respond", "cases/hiring.md", "--chose", "A", "--note", "second thoughts")
    assert (result.exit_code, result.output) == (0, "recorded round 2 in cases/hiring.md: chose A\n")
    after = path.read_text()
    added = added_lines(first, after)
    assert [line for _, line in added] == round_lines("A", note="second thoughts", offered=following)
    lines = after.splitlines(keepends=True)
    assert lines[added[0][0] - 1] == "    counter: {salary: 99000}\n", "right after the first round"
    assert [r.chose for r in load_case(path).rounds] == ["B", "A"]
    # Nothing but the two rounds was added to the original.
    assert len(added_lines(HIRING, after)) == 1 + len(round_lines("B", {"salary": 1})) + len(added)


def test_respond_keeps_comments_alignment_and_indentation(here):
    path = put_case(CUSTOM)
    assert load_case(path).rounds == ()
    assert run("respond", "cases/hiring.md", "--chose", "C", "--counter", "term=2").exit_code == 0
    once = path.read_text()
    assert run("respond", "cases/hiring.md", "--note", "silence").exit_code == 0
    after = path.read_text()
    added = added_lines(CUSTOM, after)
    lines = after.splitlines(keepends=True)
    block = [line for _, line in added]
    assert block[0] == "rounds:\n" and block[1].lstrip().startswith("- date: ")
    # The new block ends where the comment introducing the outcome begins.
    end = added[-1][0] + 1
    assert lines[end:end + 4] == ["\n", "# ---- After the talks ----\n", "\n", "outcome:\n"]
    case = load_case(path)
    assert [(r.chose, dict(r.counter), r.note) for r in case.rounds] == [("C", {"term": 2}, None), (None, {}, "silence")]
    assert case.outcome.summary == "Not yet." and case.body == "\n## Notes\nBody text, untouched.\n"
    assert len(added_lines(once, after)) == len(round_lines(note="x"))


def test_rounds_as_the_last_key(here):
    text = HIRING[:HIRING.index("outcome:")] + "---\nBody.\n"
    path = put_case(text)
    assert run("respond", "cases/hiring.md", "--chose", "A").exit_code == 0
    after = path.read_text()
    assert [line for _, line in added_lines(text, after)] == ["rounds:\n"] + round_lines("A")
    assert after.endswith(round_lines("A")[-1] + "---\nBody.\n")
    assert load_case(path).rounds[0].chose == "A"


@pytest.mark.parametrize("empty", ["rounds: []\n", "rounds:\n"])
def test_a_file_with_no_rounds_yet(here, empty):
    text = hiring_with((OUTCOME, empty + "\n" + OUTCOME))
    path = put_case(text)
    if empty == "rounds:\n":  # `rounds:` with nothing is null, which the format refuses
        with pytest.raises(CaseError, match=r"rounds: expected a list"):
            load_case(path)
        return
    assert run("respond", "cases/hiring.md", "--chose", "B").exit_code == 0
    after = path.read_text()
    assert after == text.replace("rounds: []\n", "rounds:\n" + "".join(round_lines("B")))
    assert load_case(path).rounds[0].chose == "B"


def test_the_comment_on_an_empty_rounds_line_survives(here):
    text = hiring_with((OUTCOME, "rounds: []         # filled in by briefgen respond\n\n" + OUTCOME))
    path = put_case(text)
    assert run("respond", "cases/hiring.md", "--chose", "B").exit_code == 0
    assert "# filled in by briefgen respond" in path.read_text()


def test_a_new_round_takes_the_indentation_of_the_existing_ones(here):
    existing = "rounds:\n" + "".join("  " + line for line in round_lines("A", date=datetime.date(2026, 11, 21)))
    text = hiring_with((OUTCOME, existing + "\n" + OUTCOME))
    path = put_case(text)
    assert load_case(path).rounds[0].chose == "A"
    following = [dict(p.terms) for p in offers_now(load_case(path)).packages]
    result = run("respond", "cases/hiring.md", "--chose", "B")
    assert result.exit_code == 0, result.output
    assert [line for _, line in added_lines(text, path.read_text())] == round_lines("B", indent="    ", offered=following)


def test_a_crlf_file_stays_crlf(here):
    text = HIRING.replace("\n", "\r\n").encode()
    path = put_case(text)
    assert run("respond", "cases/hiring.md", "--chose", "B").exit_code == 0
    after = path.read_bytes()
    assert after.count(b"\n") == after.count(b"\r\n") and load_case(path).rounds[0].chose == "B"


def test_a_byte_order_mark_survives(here):
    path = put_case(b"\xef\xbb\xbf" + HIRING.encode())
    assert run("respond", "cases/hiring.md", "--chose", "B").exit_code == 0
    assert path.read_bytes().startswith(b"\xef\xbb\xbf---\n")


@pytest.mark.parametrize("note", ["price: too high # really", "3", "2026-12-01", "yes", "null", "- dash",
                                  "line one\nline two", "'single' \"double\" – ünïcode"])
def test_notes_round_trip_as_text(here, note):
    path = put_case(HIRING)
    assert run("respond", "cases/hiring.md", "--note", note).exit_code == 0
    assert load_case(path).rounds[0].note == note
    added_lines(HIRING, path.read_text())


HELD = replace(NO_OFFERS, ("hold: {}  ", "hold: {term: 2}"))


@pytest.mark.parametrize("text", [HIRING, NO_OFFERS, HELD], ids=["written", "built", "built-with-hold"])
def test_what_is_recorded_as_offered_is_what_meso_shows(here, text):
    path = put_case(text)
    shown = json.loads(run("meso", "cases/hiring.md", "--json").output)
    assert run("respond", "cases/hiring.md", "--chose", "A").exit_code == 0
    offered = [dict(p) for p in load_case(path).rounds[0].offered]
    assert offered == [p["terms"] for p in shown["packages"]]
    assert len(offered) >= 2 and all(set(p) == {"salary", "remote_days", "term"} for p in offered)
    if text is HELD:  # the held value is recorded with each package, as meso shows it
        assert {p["term"] for p in offered} == {2}


@pytest.mark.parametrize("args, message", [
    (["--counter", "salry=99000"], "Error: --counter unknown issue 'salry'; this case's issues: salary, remote_days, term"),
    (["--counter", "salary=lots"], "Error: --counter salary=lots: 'salary' takes a number"),
    (["--counter", "salary"], "Error: --counter 'salary' is not issue=value, e.g. salary=..."),
    (["--chose", "B", "--counter", "term=2", "--counter", "salary=lots"],
     "Error: --counter salary=lots: 'salary' takes a number"),
    (["--chose", "Z"], "Error: --chose Z: the packages offered are A, B, C"),
    (["--chose", "b"], "Error: --chose b: the packages offered are A, B, C"),
    ([], "Error: say what they answered: --chose LABEL, --counter issue=value, or --note TEXT"),
], ids=["unknown-issue", "not-a-number", "no-equals", "one-bad-of-two", "chose-Z", "chose-lowercase", "nothing"])
def test_a_bad_response_is_refused_and_writes_nothing(here, args, message):
    path = put_case(HIRING)
    result = run("respond", "cases/hiring.md", *args)
    assert (result.exit_code, result.output.splitlines()[-1]) == (2, message)  # a usage error
    assert result.output.startswith("Usage: briefgen respond")
    assert path.read_text() == HIRING
    assert sorted(p.name for p in (here / "cases").iterdir()) == ["hiring.md"], "no temporary file left"


def test_respond_to_a_missing_file_or_a_broken_case(here):
    result = run("respond", "cases/nope.md", "--chose", "A")
    assert result.exit_code == 2 and "does not exist" in result.output
    broken = hiring_with(("reservation: 40", "reservaton: 40"))
    path = put_case(broken)
    result = run("respond", "cases/hiring.md", "--chose", "A")
    assert (result.exit_code, result.output) == (
        1, "cases/hiring.md:41:3: unknown key 'reservaton' in targets; did you mean 'reservation'?\n")
    assert path.read_text() == broken


# --- concurrent edits -------------------------------------------------------------------------

OTHER_WRITER = HIRING.replace("status: preparing", "status: offered  ")


def test_an_edit_while_recording_is_detected(here, monkeypatch):
    path = put_case(HIRING)
    real = rounds._with_round

    def meanwhile(text, entry):
        path.write_text(OTHER_WRITER)  # someone saves the file in their editor
        return real(text, entry)

    monkeypatch.setattr(rounds, "_with_round", meanwhile)
    with pytest.raises(BriefgenError, match=r"^cases/hiring.md changed while the response was being recorded; "
                                            r"nothing was written, run the command again$"):
        rounds.record_response(path, "B", [], None, datetime.date(2026, 11, 30))
    assert path.read_text() == OTHER_WRITER


def test_an_edit_during_validation_is_detected_through_the_command(here, monkeypatch):
    """The file changes after the new text was built, while it is checked."""
    path = put_case(HIRING)
    real, calls = rounds.parse_case, []

    def parse(raw, shown, case_id):
        calls.append(shown)
        if len(calls) == 2:
            path.write_text(OTHER_WRITER)
        return real(raw, shown, case_id)

    monkeypatch.setattr(rounds, "parse_case", parse)
    result = run("respond", "cases/hiring.md", "--chose", "B")
    assert len(calls) == 2
    assert (result.exit_code, result.output) == (
        1, "Error: cases/hiring.md changed while the response was being recorded; nothing was written, run the command again\n")
    assert path.read_text() == OTHER_WRITER
    assert sorted(p.name for p in (here / "cases").iterdir()) == ["hiring.md"]


def test_a_touch_without_a_change_is_not_an_edit(here, monkeypatch):
    path = put_case(HIRING)
    real = rounds._with_round

    def meanwhile(text, entry):
        path.write_text(HIRING)  # saved again, unchanged
        return real(text, entry)

    monkeypatch.setattr(rounds, "_with_round", meanwhile)
    rounds.record_response(path, "B", [], None, datetime.date(2026, 11, 30))
    assert load_case(path).rounds[0].chose == "B"


# --- the next brief ------------------------------------------------------------------------------

def with_rounds(*entries: str, text: str = HIRING) -> str:
    """`text` with rounds written into it: each entry is a round's lines after `offered`."""
    block = "rounds:\n"
    for entry in entries:
        block += "".join(round_lines(date=datetime.date(2026, 11, 30))) + "".join(
            f"    {line}\n" for line in entry.splitlines())
    return replace(text, (OUTCOME, block + "\n" + OUTCOME))


def rounds_section(text: str) -> str:
    """The brief's rounds section in words (from its HTML)."""
    case = parse_case(text.encode(), "cases/hiring.md", "hiring")
    brief = render.brief_context(case, meso(case), analyse(case, RULES), datetime.date(2026, 12, 1))
    html = render.render_brief_html(brief)
    start = html.index('<section class="rounds" id="rounds">')
    section = html[start:html.index("</section>", start)]
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", section)).split())


def test_the_brief_after_respond_shows_the_history(here):
    """Through the commands: respond, then build; the PDF brief has the whole story."""
    path = put_case(HIRING)
    assert run("respond", "cases/hiring.md", "--chose", "B", "--counter", "salary=99000", "--note", "wants March").exit_code == 0
    case = load_case(path)
    brief = render.brief_context(case, meso(case), analyse(case, RULES), datetime.date(2026, 12, 1))
    pdf = render.html_to_pdf(render.render_brief_html(brief), "brief.css")
    text = flat(pdf_text(pdf))
    for expected in [
        "Rounds so far", f"Round 1, {build_date().isoformat()}", "B (CHOSEN)", "THEIR COUNTER",
        "Our score / theirs (est.) 70 / 20 70 / 18 70 / 30 62 / 26",
        "They chose B.", "Choosing B over A: contract length of 2 years instead of 3 years is worth more to them than "
        "base salary of $100,000 instead of $95,000",
        "They asked for: Base salary $99,000.",
        "As countered, the package scores 62 for us (reservation 40, aspiration 70) and an estimated 26 for them.",
        "Noted: wants March",
        "Their points, updated by their answers", "The next offer, beside the last",
        "Next moves", "Their counter scores 62 for us: above our reservation, 8 below our aspiration.",
        "Give on base salary and contract length in the next packages",
    ]:
        assert expected in text, expected
    assert text.index("Rounds so far") < text.index("Their points, updated") < text.index("The next offer") < text.index("Next moves")
    # The offer sheet shows none of it.
    sheet = render.offer_sheet_context(case, [p.terms for p in meso(case).packages], datetime.date(2026, 12, 1))
    text = render.render_offer_sheet_text(sheet).replace(f", round {sheet.round}\n", "\n")  # the reference's round: the sheet's own
    assert sheet.round == "2" and not re.search(r"round|chose|counter|March|priorit", text, flags=re.I)


def test_no_rounds_no_section():
    case = parse_case(HIRING.encode(), "cases/hiring.md", "hiring")
    html = render.render_brief_html(render.brief_context(case, meso(case), analyse(case, RULES), datetime.date(2026, 12, 1)))
    assert "Rounds so far" not in html and "Next moves" not in html


def test_a_choice_is_read_pair_by_pair():
    section = rounds_section(with_rounds("chose: A"))
    assert ("They chose A. Choosing A over B: base salary of $100,000 instead of $95,000 is worth more to them than "
            "contract length of 2 years instead of 3 years (our estimate puts the two within 2 points: a clear signal). "
            "Choosing A over C: base salary of $100,000 instead of $90,000 is worth more to them than remote workdays "
            "per week of 2 days instead of 1 day and contract length of 1 year instead of 3 years") in section
    assert "Base salary 40 47.2 +7.2 Remote workdays per week 30 30 none Contract length 15 7.8 −7.2" in section
    assert ("Next moves Give on base salary in the next packages: their answers put base salary at up to 47.2 points "
            "to them (we had 40). Recover value on contract length") in section
    assert "no interest" not in section


def test_two_rounds_that_agree_with_our_estimate_leave_it_as_it_was():
    section = rounds_section(with_rounds("chose: C", "chose: C\ncounter: {term: 1, salary: 91000}"))
    assert "Round 1, 2026-11-30" in section and "Round 2, 2026-11-30" in section
    assert "The case's own estimate already agrees with every answer (7 comparisons): it stands." in section
    assert ("They asked for base salary of $91,000 instead of $90,000: more of it is worth more to them than what was "
            "offered (by our estimate 2 points more to them).") in section
    assert "Why: their answers agree with the case's own estimate, which is left as it was." in section


def test_a_counter_below_our_reservation_is_not_to_be_accepted():
    section = rounds_section(with_rounds("chose: C\ncounter: {salary: 110000}"))
    assert "As countered, the package scores 30 for us (reservation 40, aspiration 70)" in section
    assert ("Their counter scores 30 for us, below our reservation of 40: do not accept it. Say why, and answer with "
            "new packages rather than a single number.") in section
    assert "can be accepted" not in section


def test_a_counter_in_our_band_can_be_accepted():
    text = hiring_with(("tolerance: 1 ", "tolerance: 5 "))
    section = rounds_section(with_rounds("chose: B\ncounter: {salary: 96000}", text=text))
    assert "As countered, the package scores 68 for us" in section
    assert ("Their counter scores 68 for us, within our band around 70: it can be accepted; first check whether a "
            "small trade would make it better for both.") in section
    assert "do not accept" not in section


def test_a_counter_above_our_band_is_not_called_within_it():
    section = rounds_section(with_rounds("chose: B\ncounter: {term: 3}"))
    assert "As countered, the package scores 80 for us" in section
    assert "it can be accepted" in section and "within our band" not in section


def test_a_counter_a_ratifier_blocks_is_flagged():
    text = hiring_with(("power: influence ", "power: veto     "))
    section = rounds_section(with_rounds("chose: C\ncounter: {remote_days: 1}", text=text))
    assert "As countered, the package misses the conditions of Rivera's partner: it cannot be ratified as it stands." in section


def test_a_note_alone_reveals_nothing():
    section = rounds_section(with_rounds("note: they will call back"))
    assert "Noted: they will call back" in section and "They chose" not in section
    assert "Their answer revealed no priority yet: ask them to rank the issues, or send packages that differ more." in section
    assert "No answer so far says anything about their points: the case's own estimate stands." in section


# --- rounds are validated like the rest of the case ---------------------------------------------------

def problems(text: str) -> list[str]:
    with pytest.raises(CaseError) as error:
        parse_case(text.encode(), "cases/hiring.md", "hiring")
    return [str(problem) for problem in error.value.problems]


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_a_choice_not_among_the_offered_labels():
    text = with_rounds("chose: D")
    assert problems(text) == [f"cases/hiring.md:{line_of(text, 'chose: D')}:12: rounds[1].chose: 'D' is not one of "
                              "the packages offered in that round (A, B, C)"]
    text = replace(HIRING, (OUTCOME, "rounds:\n  - chose: A\n\n" + OUTCOME))
    assert problems(text) == [f"cases/hiring.md:{line_of(text, 'chose: A')}:12: rounds[1].chose: 'A' is not one of "
                              "the packages offered in that round (none)"]
    text = with_rounds("chose: b")
    assert problems(text) == [f"cases/hiring.md:{line_of(text, 'chose: b')}:12: rounds[1].chose: string should match "
                              "pattern '^[A-Z]$' (got 'b')"]


def test_a_counter_names_known_issues_and_possible_values():
    text = with_rounds("chose: B\ncounter: {salry: 99000, remote_days: many}")
    line = line_of(text, "salry")
    assert problems(text) == [
        f"cases/hiring.md:{line}:15: rounds[1].counter: unknown issue 'salry'; did you mean 'salary'?",
        f"cases/hiring.md:{line}:42: rounds[1].counter: 'many' is not an option of 'remote_days' (options: 1, 2, 3)",
    ]
    # A number outside our range or options is what they said: it loads, and the reading flags it.
    parse_case(with_rounds("chose: B\ncounter: {salary: 120000, remote_days: 7}").encode(), "cases/hiring.md", "hiring")


def test_an_offered_package_is_checked_like_meso_offers():
    text = replace(with_rounds("chose: A"),
                   ("      - {salary: 100000, remote_days: 1, term: 3}\n", "      - {salary: 120000, remote_days: 1, term: 3}\n"),
                   ("      - {salary: 95000, remote_days: 1, term: 2}\n", "      - {salary: 95000, remote_days: 1}\n"),
                   ("      - {salary: 90000, remote_days: 2, term: 1}\n", "      - {salary: 90000, remote_days: 2, term: 1, bonus: 3}\n"))
    assert problems(text) == [
        f"cases/hiring.md:{line_of(text, '120000')}:18: rounds[1].offered[1]: $120,000 is outside the range of 'salary' ($90,000 to $110,000)",
        f"cases/hiring.md:{line_of(text, '{salary: 95000, remote_days: 1}')}:9: rounds[1].offered[2] has no value for "
        "'term'; give one, or fix it for every package in meso.hold",
        f"cases/hiring.md:{line_of(text, 'bonus')}:50: rounds[1].offered[3]: unknown issue 'bonus'; known issues: "
        "salary, remote_days, term",
    ]


def test_a_round_is_typed_and_closed():
    text = replace(HIRING, (OUTCOME, "rounds:\n  - note: 3\n    date: yesterday\n    chosen: A\n\n" + OUTCOME))
    assert problems(text) == [
        f"cases/hiring.md:{line_of(text, 'note: 3')}:11: rounds[1].note: expected a text (quote it if it looks like a "
        "number or date) (got 3)",
        f"cases/hiring.md:{line_of(text, 'yesterday')}:11: rounds[1].date: expected a date like 2026-11-20 (got 'yesterday')",
        f"cases/hiring.md:{line_of(text, 'chosen: A')}:5: unknown key 'chosen' in rounds[1]; did you mean 'chose'?",
    ]


def test_check_reports_bad_rounds(here):
    put_case(with_rounds("chose: D"))
    result = run("check", "cases/hiring.md")
    assert result.exit_code == 1
    assert "rounds[1].chose: 'D' is not one of the packages offered in that round (A, B, C)" in result.output
