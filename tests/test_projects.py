"""Where things go: case ids and their collisions, folders as arguments, the project a case
belongs to, the archive's home, expired offer sheets and the build's exit status."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.case import case_id_for, load_case
from briefgen.errors import CaseError
from conftest import HIRING, NO_OFFERS, hiring_with, replace, run, write

ROOT = Path(__file__).parent.parent
CLASH = ("the case id 'city' (the file name without .md) is also that of {other}: their documents would overwrite "
         "each other and the archive would mix them; rename one of the files")


def lines(text: str) -> list[str]:
    return text.splitlines()


# --- case ids ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name, case_id", [
    ("東京-lease.md", "東京-lease"), ("大阪-lease.md", "大阪-lease"),
    ("city waste contract.md", "city waste contract"), ("city-waste-contract.md", "city-waste-contract"),
    ("Hiring Offer.md", "Hiring Offer"), ("Zu\u0308rich.md", "Z\u00fcrich"),  # one Unicode form (NFC)
])
def test_a_case_id_is_the_file_name_as_written(name, case_id):
    assert case_id_for(Path("cases") / name) == case_id


@pytest.mark.parametrize("name", ["..md", "...md", ".hidden.md", "tab\there.md"])
def test_a_file_name_that_makes_no_folder_is_refused(tmp_path, name):
    path = write(tmp_path / name, HIRING)
    with pytest.raises(CaseError, match="the file name makes no case id: .*; rename the file"):
        load_case(path)


@pytest.fixture
def clash(here):
    write("cases/city.md", HIRING)
    write("drafts/city.md", hiring_with(('title: "Senior engineer offer: Jordan Rivera"', 'title: "Draft"')))
    return here


def test_check_names_both_files_of_one_id(clash):
    result = run("check", "cases/city.md", "drafts/city.md")
    assert result.exit_code == 1
    assert lines(result.stderr) == [f"cases/city.md:1:1: {CLASH.format(other='drafts/city.md')}",
                                    f"drafts/city.md:1:1: {CLASH.format(other='cases/city.md')}"]


def test_build_writes_nothing_for_either_file_of_one_id(clash):
    result = run("build", "-j", "1", "cases/city.md", "drafts/city.md")
    assert result.exit_code == 1
    assert lines(result.stderr)[-1] == "0 built, 0 unchanged, 2 failed"
    assert not (clash / "output").exists()
    # Named alone, the draft still collides with the project's case of that id.
    alone = run("check", "drafts/city.md")
    assert (alone.exit_code, lines(alone.stderr)) == (1, [f"drafts/city.md:1:1: {CLASH.format(other='cases/city.md')}"])


def test_the_archive_refuses_a_second_file_of_one_id(clash):
    result = run("archive", "drafts/city.md")
    assert result.exit_code == 1
    assert lines(result.stderr) == [f"drafts/city.md:1:1: {CLASH.format(other='cases/city.md')}"]
    assert not (clash / "archive").exists()


def test_ids_that_differ_only_in_case_collide(here):
    """On macOS and Windows, output/City and output/city are one folder."""
    write("cases/City.md", HIRING)
    write("cases/city.md", HIRING)
    result = run("check")
    assert result.exit_code == 1
    assert [line.split(": the case id")[0] for line in lines(result.stderr)] == ["cases/City.md:1:1", "cases/city.md:1:1"]


def test_a_folder_built_from_another_file_is_not_overwritten(here):
    """Two files of one id built by separate commands: the second is refused, the first's documents stay."""
    write("drafts/a/city.md", HIRING)
    write("drafts/b/city.md", HIRING)
    assert run("build", "drafts/a/city.md", "-o", "out").exit_code == 0
    before = (here / "out/city/brief.pdf").read_bytes()
    result = run("build", "drafts/b/city.md", "-o", "out")
    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "drafts/b/city.md:1:1: out/city holds the documents of drafts/a/city.md, whose case id is the same ('city'); "
        "nothing was written: rename one of the files, or build into another folder with -o"]
    assert (here / "out/city/brief.pdf").read_bytes() == before


# --- folders as arguments --------------------------------------------------------------------------

def test_a_folder_means_every_case_in_it(here):
    write("cases/a.md", HIRING)
    write("cases/b.md", HIRING)
    write("cases/notes.txt", "not a case")
    result = run("check", "cases/")
    assert result.exit_code == 0
    assert [line for line in lines(result.stdout) if line.endswith(": ok")] == ["cases/a.md: ok", "cases/b.md: ok"]
    # A folder and a file in it: each case once.
    again = run("check", "cases", "cases/a.md")
    assert [line for line in lines(again.stdout) if line.endswith(": ok")] == ["cases/a.md: ok", "cases/b.md: ok"]


def test_a_folder_without_cases_is_a_usage_error(here):
    (here / "empty").mkdir()
    result = run("build", "empty")
    assert result.exit_code == 2
    assert "no *.md files in empty; name a case file or a folder of them" in result.stderr


# --- the project a case belongs to -------------------------------------------------------------------

@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project with a config and a rules/ folder, and an unrelated folder to run commands from."""
    root = tmp_path / "deals"
    write(root / "cases/hiring.md", HIRING)
    write(root / "briefgen.toml", 'organisation = "Northwind Holdings"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return root


def test_a_command_run_elsewhere_uses_the_case_s_project(project):
    result = run("preview", "--no-open", "../deals/cases/hiring.md")
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote ../deals/output/hiring/brief.html\n"
    assert "Northwind Holdings" in (project / "output/hiring/brief.html").read_text()
    assert not Path("output").exists()


def test_a_command_run_inside_cases_uses_its_project(project, monkeypatch):
    write(project / "rules/broken.yaml", "rules: [")
    monkeypatch.chdir(project / "cases")
    for args in (["check"], ["check", "hiring.md"]):
        result = run(*args)
        assert result.exit_code == 1
        assert "../rules/broken.yaml:1:" in result.stderr  # the project's rules are read, and checked


def test_cases_of_two_projects_are_a_usage_error(project, tmp_path):
    other = write(tmp_path / "other/cases/x.md", HIRING)
    result = run("check", "../deals/cases/hiring.md", str(other))
    assert result.exit_code == 2
    assert "belongs to the project in ../deals" in result.stderr


# --- the archive's home -----------------------------------------------------------------------------

def test_the_archive_lives_in_the_project_not_in_its_output(project):
    result = run("archive", "../deals/cases/hiring.md")
    assert result.exit_code == 0, result.output
    assert (project / "archive/hiring/v1.pdf").is_file()
    assert not (project / "output").exists()


def test_make_clean_deletes_no_archived_version(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path)
    archived = write(tmp_path / "archive/hiring/v1.pdf", "%PDF-")
    built = write(tmp_path / "output/hiring/brief.pdf", "%PDF-")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True)
    assert archived.read_text() == "%PDF-"
    assert not built.exists()
    for line in (ROOT / "Makefile").read_text().splitlines():  # no target deletes anything of the archive
        assert not ("rm " in line and "archive" in line), line


# --- expired offer sheets and the exit status ------------------------------------------------------

EXPIRED = hiring_with(("valid_until: 2026-12-05", "valid_until: 2020-01-31"))


def test_build_writes_no_expired_offer_sheet_and_says_why(here):
    write("cases/expired.md", EXPIRED)
    write("cases/over.md", replace_status(EXPIRED, "agreed"))
    result = run("build", "-j", "1")
    line = EXPIRED.splitlines().index("  valid_until: 2020-01-31") + 1
    why = f"offer_sheet.valid_until (line {line}) is 2020-01-31, which has passed; set a date the other side can still meet"
    assert lines(result.stdout) == [
        "wrote output/expired/brief.pdf", f"no offer sheet for cases/expired.md: {why}",
        "wrote output/over/brief.pdf", "wrote output/over/improvement-proposal.pdf",  # a proposal after the deal
        f"no offer sheet for cases/over.md: {why} (the case is agreed: nothing to send)"]
    assert result.exit_code == 1  # the open case's sheet was asked for; the agreed one's was not
    assert lines(result.stderr) == ["2 built, 0 unchanged, 0 failed; 1 without the offer sheet"]
    assert sorted(p.name for p in (here / "output/expired").iterdir()) == [".built-from.json", "brief.pdf"]


def replace_status(text: str, status: str) -> str:
    return text.replace("status: preparing", f"status: {status}", 1)


def test_a_sheet_that_expires_after_its_build_is_removed(here, monkeypatch):
    write("cases/hiring.md", HIRING)  # valid until 2026-12-05
    assert run("build").exit_code == 0
    monkeypatch.setenv("BRIEFGEN_TODAY", "2026-12-06")
    result = run("build")  # nothing changed but the date: not "unchanged"
    assert result.exit_code == 1
    assert lines(result.stdout)[-1].startswith("removed output/hiring/offer-sheet.pdf: offer_sheet.valid_until")
    assert not (here / "output/hiring/offer-sheet.pdf").exists()


def test_a_case_whose_win_sets_do_not_meet_exits_1(here):
    """No package can be offered: the brief is written, the sheet asked for is not."""
    write("cases/apart.md", replace(NO_OFFERS, ('requires: ["remote_days >= 2"]', 'requires: ["remote_days >= 3 and salary >= 110000"]'),
                                    ("power: influence           #", "power: ratify              #")))
    result = run("build")
    assert result.exit_code == 1
    assert (here / "output/apart/brief.pdf").is_file()
    assert not (here / "output/apart/offer-sheet.pdf").exists()


def test_a_bad_briefgen_today_is_a_usage_error(here, monkeypatch):
    write("cases/hiring.md", HIRING)
    monkeypatch.setenv("BRIEFGEN_TODAY", "tomorrow")
    result = run("offer", "cases/hiring.md")
    assert result.exit_code == 1
    assert "BRIEFGEN_TODAY='tomorrow' is not a date; write it as 2026-11-24, or unset it" in result.stderr


# --- respond ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["--chose", "Z"], [], ["--counter", "salary"]])
def test_respond_usage_errors_exit_2(here, args):
    write("cases/hiring.md", HIRING)
    result = run("respond", "cases/hiring.md", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Usage: briefgen respond")
    assert (here / "cases/hiring.md").read_text() == HIRING


# --- the suite in a project with the user's own cases ---------------------------------------------

def test_the_suite_ignores_the_user_s_own_cases(tmp_path):
    """After the Quickstart, cases/ holds more than the examples: no test may pick those up."""
    shutil.copytree(ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "cases", tmp_path / "cases")
    for name in ("README.md", "Makefile", "pyproject.toml"):  # files the tests read
        shutil.copy(ROOT / name, tmp_path)
    write(tmp_path / "cases/office-lease.md", "---\ntitle: half written\n")
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", "tests"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert collected.returncode == 0, collected.stdout[-2000:] + collected.stderr[-2000:]
    assert "office-lease" not in collected.stdout
    assert " tests collected" in collected.stdout.splitlines()[-1]
