"""The briefgen command, through click's CliRunner, in a temporary working folder."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from briefgen.cli import main
from conftest import HIRING, NO_OFFERS, hiring_with, pdf_text, run, write

# Package B below our reservation: MESO criterion 1 is broken, so the sheet must not go out.
UNSENDABLE = hiring_with(("- {salary: 95000, remote_days: 1, term: 2}", "- {salary: 109000, remote_days: 3, term: 1}"))
UNSENDABLE_NOTE = ("no offer sheet for cases/unsendable.md: its packages break MESO criterion 1 "
                   "(package B scores 2.0, below our reservation of 40.)")
HIRING_CHECKED = [
    "cases/hiring.md:67:7: warning (MESO criterion 4): package B leads with no issue: on no issue is it strictly "
    "the most generous package of the set, so choosing it says little about their priorities.",
    "cases/hiring.md: ok",
]
BAD = hiring_with(("reservation: 40", "reservaton: 40"), ("power: influence", "power: maybe"))
BAD_ERRORS = [
    "cases/bad.md:41:3: unknown key 'reservaton' in targets; did you mean 'reservation'?",
    "cases/bad.md:49:12: constituencies.partner.power: input should be 'ratify', 'veto', 'implement', "
    "'influence' or 'none' (got 'maybe')",
]
NO_CASES = [
    "Error: no cases given and no cases/*.md here; name a case file, or run: briefgen new NAME",
]


def lines(text: str) -> list[str]:
    return text.splitlines()


@pytest.fixture
def here(tmp_path, monkeypatch):
    """A fresh working folder (so cases/ and output/ are temporary).

    Unlike conftest's `here`, without a cases/ folder: `new` makes it, and commands run without one."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


# --- check ---------------------------------------------------------------------------


def test_check_the_default_set(here):
    write("cases/hiring.md", HIRING)
    write("cases/no-offers.md", NO_OFFERS)
    write("cases/notes.txt", "not a case")
    result = run("check")
    assert result.exit_code == 0
    assert lines(result.stdout) == [*HIRING_CHECKED, "cases/no-offers.md: ok"]
    assert result.stderr == ""
    assert not (here / "output").exists()


def test_check_reports_every_problem_as_path_line_column(here):
    write("cases/bad.md", BAD)
    write("cases/hiring.md", HIRING)
    result = run("check")
    assert result.exit_code == 1
    assert lines(result.stdout) == HIRING_CHECKED
    assert lines(result.stderr) == BAD_ERRORS


def test_check_named_cases_only(here):
    write("cases/bad.md", BAD)
    write("elsewhere/hiring.md", HIRING)
    result = run("check", "elsewhere/hiring.md")
    expected = "".join(line.replace("cases/", "elsewhere/") + "\n" for line in HIRING_CHECKED)
    assert (result.exit_code, result.stdout, result.stderr) == (0, expected, "")


def test_check_a_missing_file(here):
    result = run("check", "cases/nope.md")
    assert result.exit_code == 1
    assert lines(result.stderr) == ["cases/nope.md:1:1: cannot read the file: No such file or directory"]


@pytest.mark.parametrize("command", ["check", "build"])
def test_no_cases_here(here, command):
    result = run(command)
    assert result.exit_code == 2
    assert lines(result.stderr) == [
        f"Usage: briefgen {command} [OPTIONS] [CASES]...",
        f"Try 'briefgen {command} --help' for help.",
        "",
        *NO_CASES,
    ]
    assert not (here / "output").exists()


# --- build ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """`briefgen build` run once on the default set: the hiring case, one without
    offers (briefgen builds them) and one whose offers must not be sent."""
    folder = tmp_path_factory.mktemp("built")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        write("cases/hiring.md", HIRING)
        write("cases/no-offers.md", NO_OFFERS)
        write("cases/unsendable.md", UNSENDABLE)
        result = run("build")
    return folder, result


def test_build_writes_each_document_and_says_so(built):
    folder, result = built
    assert result.exit_code == 1  # the offer sheet of `unsendable` was asked for and not written
    assert lines(result.stdout) == [
        "wrote output/hiring/brief.pdf",
        "wrote output/hiring/offer-sheet.pdf",
        "wrote output/no-offers/brief.pdf",
        "wrote output/no-offers/offer-sheet.pdf",
        "wrote output/unsendable/brief.pdf",
        UNSENDABLE_NOTE,
    ]
    assert lines(result.stderr) == ["3 built, 0 unchanged, 0 failed; 1 without the offer sheet"]
    assert sorted(p.relative_to(folder).as_posix() for p in (folder / "output").rglob("*")) == [
        "output/hiring", "output/hiring/.built-from.json", "output/hiring/brief.pdf", "output/hiring/offer-sheet.pdf",
        "output/no-offers", "output/no-offers/.built-from.json", "output/no-offers/brief.pdf",
        "output/no-offers/offer-sheet.pdf",
        "output/unsendable", "output/unsendable/.built-from.json", "output/unsendable/brief.pdf",
    ]  # and no temporary files left behind


def test_the_brief_shows_the_case(built):
    folder, _ = built
    text = pdf_text(folder / "output/hiring/brief.pdf")
    for expected in ("PREP BRIEF", "Senior engineer offer: Jordan Rivera", "Rivera's partner",
                     "PACKAGE A PACKAGE B PACKAGE C", "Free Markdown. The whole body is internal"):
        assert expected in text


def test_the_offer_sheet_shows_the_offers_and_nothing_internal(built):
    folder, _ = built
    text = pdf_text(folder / "output/hiring/offer-sheet.pdf")
    assert "Option A Option B Option C" in text
    assert "Base salary $100,000 $95,000 $90,000" in text
    assert "FROM Dana Lee, Engineering Manager, Acme Robotics" in text
    for secret in ("Rivera's partner", "Free Markdown", "Hire the second-ranked", "Competing offer",
                   "remote_days >= 2", "score", "points", "reservation", "aspiration"):
        assert secret not in text


def test_a_case_without_offers_gets_packages_built(built):
    folder, _ = built
    text = pdf_text(folder / "output/no-offers/brief.pdf")
    assert "3 packages built by briefgen" in text and "PACKAGE A" in text
    assert "Option A Option B Option C" in pdf_text(folder / "output/no-offers/offer-sheet.pdf")


def test_offers_that_break_criterion_1_get_a_brief_but_no_sheet(built):
    folder, _ = built
    text = pdf_text(folder / "output/unsendable/brief.pdf")
    assert "package B scores 2.0, below our reservation of 40." in text


def test_documents_are_written_with_the_usual_permissions(built):
    folder, _ = built
    umask = os.umask(0)
    os.umask(umask)
    assert (folder / "output/hiring/brief.pdf").stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_bad_case_among_good_ones(here):
    write("cases/bad.md", BAD)
    write("cases/unsendable.md", UNSENDABLE)
    stale = write("out/bad/brief.pdf", "an earlier brief, built before the case broke")
    os.utime(stale, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = (stale.read_bytes(), stale.stat().st_mtime_ns)

    result = run("build", "-o", "out")

    assert result.exit_code == 1
    assert lines(result.stderr) == [*BAD_ERRORS, "1 built, 0 unchanged, 1 failed; 1 without the offer sheet"]
    # The good case after it is still built.
    assert lines(result.stdout) == [
        "wrote out/unsendable/brief.pdf",
        UNSENDABLE_NOTE,
    ]
    assert (here / "out/unsendable/brief.pdf").read_bytes().startswith(b"%PDF-")
    # Nothing is written, overwritten or deleted for the bad one.
    assert (stale.read_bytes(), stale.stat().st_mtime_ns) == before
    assert sorted(p.name for p in (here / "out/bad").iterdir()) == ["brief.pdf"]
    assert not (here / "output").exists()


def test_a_stale_offer_sheet_is_removed_when_the_offers_break(here):
    write("cases/unsendable.md", UNSENDABLE)
    write("output/unsendable/offer-sheet.pdf", "from when the offers were sound")
    result = run("build", "cases/unsendable.md")
    assert result.exit_code == 1
    assert lines(result.stdout) == [
        "wrote output/unsendable/brief.pdf",
        UNSENDABLE_NOTE.replace("no offer sheet for cases/unsendable.md:", "removed output/unsendable/offer-sheet.pdf:"),
    ]
    assert sorted(p.name for p in (here / "output/unsendable").iterdir()) == [".built-from.json", "brief.pdf"]


def test_build_only_a_bad_case_writes_nothing(here):
    write("cases/bad.md", BAD)
    result = run("build", "cases/bad.md", "-o", "out")
    assert (result.exit_code, result.stdout) == (1, "")
    assert lines(result.stderr) == BAD_ERRORS
    assert not (here / "out").exists()


# --- new --------------------------------------------------------------------------------


def test_new_writes_a_starter_that_checks_and_builds(here):
    result = run("new", "office-lease")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "wrote cases/office-lease.md: fill it in, then run: briefgen build cases/office-lease.md\n"
    assert 'title: "Office lease"' in (here / "cases/office-lease.md").read_text(encoding="utf-8")

    assert run("check").stdout == "cases/office-lease.md: ok\n"

    built = run("build", "cases/office-lease.md")
    assert built.exit_code == 0
    assert lines(built.stdout) == ["wrote output/office-lease/brief.pdf", "wrote output/office-lease/offer-sheet.pdf"]
    assert "Office lease" in pdf_text(here / "output/office-lease/brief.pdf")
    assert "Option A Option B" in pdf_text(here / "output/office-lease/offer-sheet.pdf")


def test_new_never_overwrites(here):
    existing = write("cases/office-lease.md", "my own notes")
    result = run("new", "office-lease")
    assert result.exit_code == 1
    assert result.stderr == "Error: cases/office-lease.md exists already; choose another name or edit that file\n"
    assert existing.read_text(encoding="utf-8") == "my own notes"


@pytest.mark.parametrize("name", ["bad name", "../escape", "_hidden", "lease.md/x", "é"])
def test_new_rejects_a_bad_name(here, name):
    result = run("new", name)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: '{name}' is not a usable case name; use letters, digits, - and _, "
                             "e.g. office-lease\n")
    assert not (here / "cases").exists() or list((here / "cases").iterdir()) == []


# --- score ---------------------------------------------------------------------------------


def test_score_prints_the_assessment(here):
    write("cases/hiring.md", HIRING)
    result = run("score", "cases/hiring.md", "salary=97000", "remote_days=2", "term=2")
    assert (result.exit_code, result.stderr) == (0, "")
    assert lines(result.stdout) == [
        "Package:",
        "  Base salary: $97,000",
        "  Remote workdays per week: 2 days",
        "  Contract length: 2 years",
        "",
        "For us:   61 points: 21 above our reservation (40), 9 below our aspiration (70)",
        "For them: 37 points, our estimate",
        "",
        "Constituencies:",
        "  meets   Rivera's partner (them, influence, a preference): remote_days >= 2",
    ]


def test_score_a_package_a_ratifier_blocks(here):
    write("cases/hiring.md", hiring_with(("power: influence", "power: ratify"),
                                         ('"2 days", points: 30, their_points: 15}', '"2 days", points: 30}')))
    result = run("score", "cases/hiring.md", "salary=110000", "remote_days=1", "term=1")
    assert result.exit_code == 0
    assert lines(result.stdout)[5:] == [
        "For us:   35 points: 5 BELOW our reservation (40), 35 below our aspiration (70)",
        "For them: 55 points, our estimate (assumed opposite to ours for Remote workdays per week)",
        "Their win-set: OUTSIDE",
        "",
        "Constituencies:",
        "  BLOCKS  Rivera's partner (them, ratify): remote_days >= 2",
    ]


def test_score_as_json(here):
    write("cases/hiring.md", HIRING)
    result = run("score", "cases/hiring.md", "salary=97,000", "remote_days=2", "term=2", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["package"] == {"salary": 97000, "remote_days": 2, "term": 2}
    assert (data["score"], data["their_score"], data["to_aspiration"]) == (61, 37, -9)
    assert (data["reservation"], data["aspiration"], data["below_reservation"]) == (40, 70, False)
    assert data["in_win_set"] == {"us": True, "them": True}
    assert [(c["id"], c["can_block"], c["met"], c["missed"]) for c in data["constituencies"]] == [
        ("partner", False, ["remote_days >= 2"], []),
    ]


@pytest.mark.parametrize("terms, message", [
    (["salary=97000", "remote_days=2", "term=two"], "term=two: 'term' takes a number"),
    (["salary=97000", "term=2"], "give a value for every issue; missing: remote_days"),
    (["bonus=1"], "unknown issue 'bonus'; this case's issues: salary, remote_days, term"),
])
def test_score_a_bad_term_is_a_usage_error(here, terms, message):
    write("cases/hiring.md", HIRING)
    result = run("score", "cases/hiring.md", *terms)
    assert (result.exit_code, result.stdout) == (2, "")
    assert lines(result.stderr) == [
        "Usage: briefgen score [OPTIONS] CASE TERMS...",
        "Try 'briefgen score --help' for help.",
        "",
        f"Error: {message}",
    ]


def test_score_a_bad_case(here):
    write("cases/bad.md", BAD)
    result = run("score", "cases/bad.md", "salary=97000")
    assert (result.exit_code, result.stdout) == (1, "")
    assert lines(result.stderr) == BAD_ERRORS


# --- help --------------------------------------------------------------------------------


def test_the_commands_are_the_documented_ones():
    assert sorted(main.commands) == ["archive", "build", "check", "comment", "explain", "import", "improve", "mediate",
                                     "meso", "new", "offer", "points", "preview", "respond", "rounds", "rules", "score",
                                     "sheet", "text", "watch"]
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert all(f"`briefgen {name}" in readme for name in main.commands)


@pytest.mark.parametrize("command", [[]] + [[name] for name in sorted(main.commands)])
def test_every_help_works_and_has_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: briefgen {' '.join(command)}".rstrip() + " [OPTIONS]")
    assert re.search(r"\n  Example:\n    briefgen \S", result.stdout)
    assert run(*command, "-h").stdout == result.stdout


# --- incremental and parallel builds ---------------------------------------------------------


def test_a_second_build_skips_what_has_not_changed(here):
    write("cases/hiring.md", HIRING)
    write("cases/no-offers.md", NO_OFFERS)
    first = run("build", "-j", "2")
    assert lines(first.stdout)[-1] == "2 built, 0 unchanged, 0 failed"
    brief = here / "output/hiring/brief.pdf"
    before = brief.stat().st_mtime_ns

    again = run("build")
    assert (again.exit_code, lines(again.stdout)) == (0, ["0 built, 2 unchanged, 0 failed"])
    assert brief.stat().st_mtime_ns == before

    write("cases/hiring.md", HIRING.replace("Free Markdown.", "Edited Markdown."))
    edited = run("build")
    assert lines(edited.stdout) == ["wrote output/hiring/brief.pdf", "wrote output/hiring/offer-sheet.pdf",
                                    "1 built, 1 unchanged, 0 failed"]
    assert "Edited Markdown." in pdf_text(brief)

    forced = run("build", "--force", "-j", "1")
    assert lines(forced.stdout)[-1] == "2 built, 0 unchanged, 0 failed"


def test_a_deleted_document_is_rebuilt(here):
    write("cases/hiring.md", HIRING)
    run("build")
    (here / "output/hiring/offer-sheet.pdf").unlink()
    result = run("build")  # one case, nothing skipped: no summary line
    assert lines(result.stdout) == ["wrote output/hiring/brief.pdf", "wrote output/hiring/offer-sheet.pdf"]


def test_parallel_output_is_in_case_order(here):
    write("cases/a.md", HIRING)
    write("cases/b.md", NO_OFFERS)
    write("cases/c.md", BAD)
    result = run("build", "-j", "3")
    assert lines(result.stdout) == ["wrote output/a/brief.pdf", "wrote output/a/offer-sheet.pdf",
                                    "wrote output/b/brief.pdf", "wrote output/b/offer-sheet.pdf"]
    assert lines(result.stderr) == [*[e.replace("cases/bad.md", "cases/c.md") for e in BAD_ERRORS],
                                    "2 built, 0 unchanged, 1 failed"]
