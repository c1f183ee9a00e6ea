"""The archive (issue 6): PDF/A write-ups carrying their source, the SQLite index with FTS5,
append-only versions, verify and extract, two processes at once, and a process killed mid-write.

Rendering a write-up takes 1-3 s, so most tests read one module-scoped archive (`shelf`), or a
copy of it; the tests of the write protocol's phases use a fast stand-in for the write-up.
"""
from __future__ import annotations

import contextlib
import hashlib
import inspect
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pikepdf
import pypdf
import pytest

from briefgen import archive
from briefgen import archive_journal as journal
from briefgen.build import project_rules
from briefgen.case import parse_case
from conftest import BRIEFGEN, HIRING, replace, run
from hostile_archive.attacks import replace_source, stand_in_pdf

LESSON_WORD = "zebrafinch"  # appears in the hiring case's Lessons section and nowhere else
ROUNDS = """\
rounds:
  - date: 2026-11-25
    offered:
      - {salary: 100000, remote_days: 1, term: 3}
      - {salary: 95000, remote_days: 1, term: 2}
      - {salary: 90000, remote_days: 2, term: 1}
    chose: B
    counter: {salary: 99000, remote_days: 2, term: 2}
  - date: 2026-11-30
    offered:
      - {salary: 97000, remote_days: 2, term: 2}
      - {salary: 93000, remote_days: 2, term: 3}

outcome:  """
# Two rounds were sent: the write-up carries two offer sheets.
HIRING_V1 = replace(
    HIRING, ("outcome:  ", ROUNDS),
    ("## Lessons\n...\n", f"## Lessons\nAsk about the commute first: the {LESSON_WORD} rule.\n"))
HIRING_V2 = replace(HIRING_V1, ("status: preparing ", "status: agreed    "))
# No rounds: the write-up carries the one offer sheet that would go out now.
RELOCATION = replace(
    HIRING, ("Senior engineer offer: Jordan Rivera", "Relocation package: Sam Okafor"),
    ("name: Jordan Rivera", "name: Sam Okafor"), ("tags: [hiring, engineering]", "tags: [relocation]"),
    ("## Lessons\n...\n", "## Lessons\nThe moving allowance mattered more than the salary.\n"))
SUMMARY = "Accepted package B with a higher salary."


# --- helpers -----------------------------------------------------------------------------------

def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rows(folder: Path) -> list[tuple]:
    """(case_id, version, source_sha256, pdf_path, pdf_sha256) of every indexed version."""
    with contextlib.closing(sqlite3.connect(folder / archive.INDEX)) as db:
        return db.execute("SELECT case_id, version, source_sha256, pdf_path, pdf_sha256 FROM versions"
                          " ORDER BY case_id, version").fetchall()


def pending(folder: Path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(folder / archive.INDEX)) as db:
        return db.execute("SELECT case_id, version FROM pending").fetchall()


def assert_consistent(folder: Path) -> None:
    """The index points at no missing or changed file, and each case's versions are 1..n."""
    found = rows(folder)
    for case_id, version, _, pdf_path, pdf_sha in found:
        assert (folder / pdf_path).is_file(), f"the index points at a missing file: {pdf_path}"
        assert sha((folder / pdf_path).read_bytes()) == pdf_sha, pdf_path
        assert pdf_path == f"{case_id}/v{version}.pdf"
    for case_id in {r[0] for r in found}:
        assert [r[1] for r in found if r[0] == case_id] == list(range(1, 1 + sum(r[0] == case_id for r in found)))


def folder_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in folder.rglob("*") if p.is_file()}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def fast_render(monkeypatch):
    """archive.render_writeup replaced by the stand-in (for the tests of the write protocol)."""
    monkeypatch.setattr(archive, "render_writeup", lambda case, raw, source_name, version, rules, project=None:
                        stand_in_pdf(raw, source_name, version, case.id, case.title))


def spawn(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "BRIEFGEN_ARCHIVE"}
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def at_once(cwd: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    """Start every command before waiting for any; (exit status, stdout, stderr) of each."""
    processes = [spawn([str(BRIEFGEN), *command], cwd) for command in commands]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        results.append((process.returncode, out, err))
    return results


# --- one archive for the read-only tests ---------------------------------------------------------

@pytest.fixture(scope="module")
def shelf(tmp_path_factory):
    """hiring v1 (two rounds sent), the same file again (a no-op), hiring v2, relocation v1."""
    root = tmp_path_factory.mktemp("shelf")
    folder = root / "archive"
    hiring = write(root / "cases" / "hiring.md", HIRING_V1)
    relocation = write(root / "cases" / "relocation.md", RELOCATION)
    seen = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.delenv("BRIEFGEN_ARCHIVE", raising=False)
        seen["first"] = run("archive", "cases/hiring.md", "-a", "archive")
        seen["v1_pdf"] = (folder / "hiring" / "v1.pdf").read_bytes()
        before = folder_state(folder)
        seen["again"] = run("archive", "add", "cases/hiring.md", "-a", "archive")
        seen["unchanged_state"] = (before, folder_state(folder))
        hiring.write_text(HIRING_V2, encoding="utf-8")
        seen["changed"] = run("archive", "cases/hiring.md", "-a", "archive")
        patch.setenv("BRIEFGEN_ARCHIVE", "archive")  # the option's environment variable
        seen["other"] = run("archive", str(relocation))
    seen["root"], seen["folder"] = root, folder
    return seen


def test_archive_writes_version_1(shelf):
    result = shelf["first"]
    assert result.exit_code == 0, result.output
    assert result.output == "archived hiring version 1 (id 1): archive/hiring/v1.pdf\n"
    assert shelf["v1_pdf"].startswith(b"%PDF-")
    assert (shelf["folder"] / archive.INDEX).is_file()


def test_archiving_an_unchanged_case_again_is_a_no_op(shelf):
    result = shelf["again"]
    assert result.exit_code == 0, result.output
    assert result.output == "unchanged: cases/hiring.md is already archived as hiring version 1 (id 1)\n"
    before, after = shelf["unchanged_state"]
    assert {k: v for k, v in after.items() if not k.startswith("index.sqlite")} == \
           {k: v for k, v in before.items() if not k.startswith("index.sqlite")}


def test_archiving_a_changed_case_adds_version_2_and_keeps_version_1(shelf):
    result = shelf["changed"]
    assert result.exit_code == 0, result.output
    assert result.output == "archived hiring version 2 (id 2): archive/hiring/v2.pdf\n"
    folder = shelf["folder"]
    assert (folder / "hiring" / "v1.pdf").read_bytes() == shelf["v1_pdf"]
    assert [(r[0], r[1]) for r in rows(folder)] == [("hiring", 1), ("hiring", 2), ("relocation", 1)]
    assert [r[2] for r in rows(folder)][:2] == [sha(HIRING_V1.encode()), sha(HIRING_V2.encode())]


def test_the_archive_option_reads_BRIEFGEN_ARCHIVE(shelf):
    assert shelf["other"].exit_code == 0, shelf["other"].output
    assert shelf["other"].output.startswith("archived relocation version 1 (id 3): archive/relocation/v1.pdf")


def test_the_index_records_every_required_field(shelf):
    folder = shelf["folder"]
    with contextlib.closing(sqlite3.connect(folder / archive.INDEX)) as db:
        db.row_factory = sqlite3.Row
        v1 = dict(db.execute("SELECT * FROM versions WHERE case_id = 'hiring' AND version = 1").fetchone())
        v2 = dict(db.execute("SELECT * FROM versions WHERE case_id = 'hiring' AND version = 2").fetchone())
        fts_columns = [d[0] for d in db.execute("SELECT * FROM search LIMIT 0").description]
        by_lessons = db.execute("SELECT rowid FROM search WHERE search MATCH ?", (f"lessons:{LESSON_WORD}",)).fetchall()
    assert {k: v1[k] for k in ("case_id", "version", "title", "parties", "tags", "status", "case_date",
                               "outcome_date", "outcome_summary", "source_name", "pdf_path")} == {
        "case_id": "hiring", "version": 1, "title": "Senior engineer offer: Jordan Rivera",
        "parties": "Acme Robotics; Jordan Rivera", "tags": "hiring engineering", "status": "preparing",
        "case_date": "2026-11-20", "outcome_date": "2026-12-03", "outcome_summary": SUMMARY,
        "source_name": "hiring.md", "pdf_path": "hiring/v1.pdf"}
    assert v2["status"] == "agreed"
    assert v1["pdf_sha256"] == sha((folder / "hiring" / "v1.pdf").read_bytes())
    assert v1["source_sha256"] == sha(HIRING_V1.encode())
    assert v1["lessons"] == f"Ask about the commute first: the {LESSON_WORD} rule."
    assert "## Background" in v1["body"]
    assert v1["archived_at"].endswith("+00:00") and v1["archived_at"][:4].isdigit()
    assert fts_columns == ["title", "parties", "tags", "constituencies", "rounds", "body", "lessons"]
    assert sorted(r[0] for r in by_lessons) == [v1["id"], v2["id"]]


def test_list(shelf):
    result = run("archive", "list", "-a", str(shelf["folder"]))
    assert result.exit_code == 0
    assert [line.split()[:3] for line in result.output.splitlines()] == [
        ["1", "hiring", "v1"], ["2", "hiring", "v2"], ["3", "relocation", "v1"]]


def test_show(shelf):
    result = run("archive", "show", "2", "-a", str(shelf["folder"]))
    assert result.exit_code == 0
    assert "         case_id: hiring\n         version: 2\n" in result.output
    assert f"         lessons: Ask about the commute first: the {LESSON_WORD} rule.\n" in result.output


def test_show_of_an_unknown_id(shelf):
    result = run("archive", "show", "99", "-a", str(shelf["folder"]))
    assert result.exit_code == 1
    assert result.output == "Error: no archived version with id 99; briefgen archive list shows the ids\n"


def test_search_finds_a_case_by_a_word_only_in_its_lessons(shelf):
    assert LESSON_WORD not in HIRING_V1.split("## Lessons")[0]
    result = run("archive", "search", LESSON_WORD, "-a", str(shelf["folder"]))
    assert result.exit_code == 0, result.output
    hits = result.output.splitlines()
    assert sorted(line.split()[:3] for line in hits[::2]) == [["1", "hiring", "v1"], ["2", "hiring", "v2"]]
    assert f"[{LESSON_WORD}]" in hits[1]
    assert "relocation" not in result.output


@pytest.mark.parametrize("query, found", [
    ("Okafor", ["relocation"]),           # parties
    ("relocation", ["hiring", "hiring", "relocation"]),  # tags and title; an interest of hiring's candidate
    ('"moving allowance"', ["relocation"]),  # a phrase in the body
    ("engin*", ["hiring", "hiring"]),     # a prefix
    ("zebrafinch OR allowance", ["hiring", "hiring", "relocation"]),
])
def test_search_over_title_parties_tags_body(shelf, query, found):
    hits = archive.search(shelf["folder"], query)
    assert sorted(hit["case_id"] for hit in hits) == found


def test_search_with_nothing_found(shelf):
    result = run("archive", "search", "platypus", "-a", str(shelf["folder"]))
    assert (result.exit_code, result.output) == (0, "nothing found for 'platypus'\n")


@pytest.mark.parametrize("query, found", [
    ('"moving allowance', ["relocation"]),  # an unclosed quote: a phrase to the end
    ("allowance AND", ["relocation"]),  # an operator with nothing after it: a word
    ("moving:allowance", ["relocation"]), ("Okafor:allowance", []),  # no column filters: two words, side by side
    ("*", []), ("(", []), ("OR", []),  # punctuation alone, or an operator alone, finds nothing
])
def test_what_fts5_would_reject_is_searched_as_text(shelf, query, found):
    result = run("archive", "search", query, "-a", str(shelf["folder"]), catch=True)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("nothing found" if not found else "    ")
    assert sorted(hit["case_id"] for hit in archive.search(shelf["folder"], query)) == found


# --- the write-up as PDF/A -----------------------------------------------------------------------

def associated_files(pdf: pikepdf.Pdf) -> dict[str, str]:
    """File name -> AFRelationship of each file in the catalog's /AF (PDF/A-3's associated files)."""
    return {str(spec.F): str(spec.AFRelationship) for spec in pdf.Root.AF}


def test_the_writeup_declares_pdfa_3b_in_xmp_and_output_intent(shelf):
    with pikepdf.open(shelf["folder"] / "hiring" / "v1.pdf") as pdf:
        xmp = pdf.open_metadata()
        assert xmp["pdfaid:part"] == "3"
        assert xmp["pdfaid:conformance"] == "B"
        assert xmp["dc:title"] == "Senior engineer offer: Jordan Rivera (case write-up, version 1)"
        intents = pdf.Root.OutputIntents
        assert [str(i.S) for i in intents] == ["/GTS_PDFA1"]
        assert intents[0].DestOutputProfile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        assert "sRGB" in str(intents[0].OutputConditionIdentifier)


def test_the_writeup_carries_its_exact_source_as_relationship_Source(shelf):
    with pikepdf.open(shelf["folder"] / "hiring" / "v1.pdf") as pdf:
        assert pdf.attachments["hiring.md"].get_file().read_bytes() == HIRING_V1.encode()
        tree = list(pdf.Root.Names.EmbeddedFiles.Names)  # name, file spec, name, file spec, ...
        assert dict(zip(map(str, tree[::2]), (spec.AFRelationship for spec in tree[1::2])))["hiring.md"] == "/Source"
        assert associated_files(pdf)["hiring.md"] == "/Source"
    # A second library reads the same bytes (pypdf is also what extract and verify use).
    assert pypdf.PdfReader(shelf["folder"] / "hiring" / "v1.pdf").attachments["hiring.md"] == [HIRING_V1.encode()]


def test_the_writeup_carries_the_offer_sheets_that_were_sent(shelf):
    with pikepdf.open(shelf["folder"] / "hiring" / "v1.pdf") as pdf:
        assert associated_files(pdf) == {"hiring.md": "/Source", "offer-sheet-round-1.pdf": "/Supplement",
                                         "offer-sheet-round-2.pdf": "/Supplement"}
        sheets = {name: spec for name, spec in pdf.attachments.items() if name != "hiring.md"}
        assert sorted(sheets) == ["offer-sheet-round-1.pdf", "offer-sheet-round-2.pdf"]
        texts = {name: "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(
                     spec.get_file().read_bytes())).pages) for name, spec in sheets.items()}
    assert "$100,000" in texts["offer-sheet-round-1.pdf"] and "$97,000" not in texts["offer-sheet-round-1.pdf"]
    assert "$97,000" in texts["offer-sheet-round-2.pdf"] and "$93,000" in texts["offer-sheet-round-2.pdf"]
    with pikepdf.open(shelf["folder"] / "relocation" / "v1.pdf") as pdf:  # no rounds: the current sheet
        assert associated_files(pdf) == {"relocation.md": "/Source", "offer-sheet.pdf": "/Supplement"}
        assert sorted(pdf.attachments) == ["offer-sheet.pdf", "relocation.md"]


def test_the_same_source_and_version_give_the_same_bytes(shelf):
    rules = project_rules(shelf["root"])
    raw = HIRING_V1.encode()
    again = archive.render_writeup(parse_case(raw, "hiring.md", "hiring"), raw, "hiring.md", 1, rules)
    assert again == shelf["v1_pdf"]  # rendered by `briefgen archive` earlier, and again now
    changed = HIRING_V1.replace("the commute first", "the commute early").encode()
    other = archive.render_writeup(parse_case(changed, "hiring.md", "hiring"), changed, "hiring.md", 1, rules)
    assert other != shelf["v1_pdf"]


# --- extract -------------------------------------------------------------------------------------

def test_extract_returns_the_original_bytes(shelf, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = str(shelf["folder"])
    result = run("archive", "extract", "1", "-a", folder, "-o", "restored.md")
    assert (result.exit_code, result.output) == (0, "wrote restored.md\n")
    assert (tmp_path / "restored.md").read_bytes() == HIRING_V1.encode()
    result = run("archive", "extract", "2", "-a", folder)  # by default: its original name, here
    assert (result.exit_code, result.output) == (0, "wrote hiring.md\n")
    assert (tmp_path / "hiring.md").read_bytes() == HIRING_V2.encode()


def test_extract_refuses_to_overwrite(shelf, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hiring.md").write_text("mine")
    result = run("archive", "extract", "1", "-a", str(shelf["folder"]))
    assert (result.exit_code, result.output) == (1, "Error: hiring.md exists already; give another path with -o\n")
    assert (tmp_path / "hiring.md").read_text() == "mine"


def test_extract_into_a_missing_folder_creates_it(shelf, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("archive", "extract", "1", "-a", str(shelf["folder"]), "-o", "no/such/folder/hiring.md", catch=True)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "no/such/folder/hiring.md").read_bytes().startswith(b"---")


# --- a missing archive -----------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["list"], ["search", "salary"], ["show", "1"], ["extract", "1"], ["verify"]])
def test_commands_on_a_missing_archive_say_what_to_do(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = run("archive", *command, "-a", "nowhere")
    assert result.exit_code == 1
    assert result.output == "Error: no archive at nowhere: archive a case first (briefgen archive CASE)\n"
    assert not (tmp_path / "nowhere").exists()


def test_a_case_with_errors_is_not_archived(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "cases" / "bad.md", replace(HIRING, ("reservation: 40", "reservaton: 40")))
    result = run("archive", "cases/bad.md", "-a", "archive")
    assert result.exit_code == 1
    assert "cases/bad.md:41:3: unknown key 'reservaton' in targets" in result.output
    assert not (tmp_path / "archive" / "bad").exists()


def test_a_read_only_archive_can_be_listed_searched_shown_and_verified(copy, monkeypatch):
    """As on a mounted backup. (Tests run as root, for whom every folder is writable: hence the patch.)"""
    real_access = os.access
    monkeypatch.setattr(archive.os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode))
    before = {path.name: path.stat().st_mtime_ns for path in copy.iterdir()}
    assert [v["case_id"] for v in archive.list_versions(copy)] == ["hiring", "hiring", "relocation"]
    assert archive.search(copy, "relocation")[0]["case_id"] == "relocation"
    assert archive.show(copy, 1)["version"] == 1
    assert archive.verify(copy).problems == []
    assert {path.name: path.stat().st_mtime_ns for path in copy.iterdir()} == before  # not a byte written


def test_verify_of_a_read_only_archive_reports_a_pending_write_without_finishing_it(copy, monkeypatch):
    with contextlib.closing(sqlite3.connect(copy / archive.INDEX)) as db, db:
        db.execute("INSERT INTO pending VALUES ('hiring', 3, 'staged.pdf', '{}')")
    real_access = os.access
    monkeypatch.setattr(archive.os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode))
    assert archive.verify(copy).notes == ["an interrupted write of hiring version 3 is pending; it is finished on a writable copy"]


# --- verify ------------------------------------------------------------------------------------------

@pytest.fixture
def copy(shelf, tmp_path):
    """A copy of the shelf's archive that a test may damage."""
    target = tmp_path / "archive"
    shutil.copytree(shelf["folder"], target)
    return target


def verify(folder: Path, *options: str):
    """(exit status, stderr lines, stdout lines but the chain head's) of briefgen archive verify."""
    result = run("archive", "verify", "-a", str(folder), *options)
    return (result.exit_code, result.stderr.splitlines(),
            [line for line in result.stdout.splitlines() if not line.startswith("chain head: ")])


def test_verify_passes_an_intact_archive(copy):
    assert verify(copy) == (0, [], [f"0 problems in {copy}"])


def test_verify_catches_a_modified_pdf(copy):
    pdf = copy / "hiring" / "v1.pdf"
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 1
    pdf.write_bytes(bytes(data))
    assert verify(copy) == (1, [
        "problem: hiring/v1.pdf (id 1, hiring version 1): the file has changed since it was archived (SHA-256 differs)"],
        [f"1 problem in {copy}"])


def test_verify_catches_a_deleted_file(copy):
    (copy / "relocation" / "v1.pdf").unlink()
    assert verify(copy) == (1, ["problem: relocation/v1.pdf (id 3, relocation version 1): the file is missing"],
                            [f"1 problem in {copy}"])


def test_verify_catches_an_unindexed_file(copy):
    shutil.copy(copy / "hiring" / "v2.pdf", copy / "hiring" / "v3.pdf")
    (copy / "notes.txt").write_text("left here")
    assert verify(copy) == (1, [
        "problem: hiring/v3.pdf: the file is in the archive folder but not in the index",
        "problem: notes.txt: the file is in the archive folder but not in the index"],
        [f"2 problems in {copy}"])


def test_verify_catches_a_swapped_source_even_with_the_index_updated(copy):
    pdf_path = copy / "hiring" / "v1.pdf"
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        pdf.attachments["hiring.md"] = pikepdf.AttachedFileSpec(pdf, b"not the source", filename="hiring.md")
        pdf.save(pdf_path)
    with contextlib.closing(sqlite3.connect(copy / archive.INDEX)) as db, db:
        db.execute("UPDATE versions SET pdf_sha256 = ? WHERE id = 1", (sha(pdf_path.read_bytes()),))
    code, problems, _ = verify(copy)
    label = "problem: hiring/v1.pdf (id 1, hiring version 1): "
    assert (code, problems) == (1, [
        label + "the record was changed after it was archived (its hash does not match what it says)",
        label + "the embedded source differs from the one archived",
        label + "the write-up was not made for this case, version and source (its PDF identifier differs)"])


def test_verify_deep_rerenders_each_writeup_and_finds_the_same_bytes(copy, shelf, monkeypatch):
    monkeypatch.chdir(shelf["root"])  # the project the shelf was archived in: the same rules and theme
    assert verify(copy, "--deep") == (0, [], [f"0 problems in {copy}"])


def test_only_verify_deep_catches_a_source_replaced_with_every_hash_and_the_identifier_forged(copy, shelf, monkeypatch):
    replace_source(fix_identifier=True)(copy)
    assert verify(copy)[:2] == (0, [])  # every record, hash, title and identifier agrees with the forged source
    monkeypatch.chdir(shelf["root"])
    code, problems, _ = verify(copy, "--deep")
    assert (code, problems) == (1, ["problem: hiring/v1.pdf (id 1, hiring version 1): re-rendered from its embedded "
                                    "source, the write-up differs from the archived one (its pages were changed after "
                                    "rendering, or the fonts or WeasyPrint changed since)"])


def test_verify_deep_in_another_project_says_it_cannot_tell(copy, tmp_path, monkeypatch):
    (tmp_path / "briefgen.toml").write_text('organisation = "Northwind Holdings"\n')  # on every page
    monkeypatch.chdir(tmp_path)
    code, problems, out = verify(copy, "--deep")
    assert (code, problems) == (0, [])
    assert len(out) == 4 and all(line.endswith("changed since it was archived, so this says nothing") for line in out[:3])


def test_verify_catches_an_unindexed_file_whose_name_starts_like_the_index(copy):
    shutil.copy(copy / archive.INDEX, copy / "index.sqlite.old")
    shutil.copy(copy / "hiring" / "v1.pdf", copy / ".staging-old.pdf")
    code, problems, _ = verify(copy)
    assert code == 1
    assert problems == ["problem: .staging-old.pdf: the file is in the archive folder but not in the index",
                        "problem: index.sqlite.old: the file is in the archive folder but not in the index"]


# --- two processes at once -----------------------------------------------------------------------------

# These use the relocation case: one offer sheet to render, not two.
RELOCATION_V2 = RELOCATION.replace("mattered more than", "mattered far more than")
TRANSFER = RELOCATION.replace("Relocation package: Sam Okafor", "Transfer package: Sam Okafor")


def test_two_processes_archiving_different_cases(tmp_path):
    write(tmp_path / "cases" / "relocation.md", RELOCATION)
    write(tmp_path / "cases" / "transfer.md", TRANSFER)
    results = at_once(tmp_path, ["archive", "cases/relocation.md", "-a", "archive"],
                      ["archive", "cases/transfer.md", "-a", "archive"])
    assert [code for code, _, _ in results] == [0, 0], results
    assert results[0][1].startswith("archived relocation version 1 ")
    assert results[1][1].startswith("archived transfer version 1 ")
    folder = tmp_path / "archive"
    assert [(r[0], r[1], r[2]) for r in rows(folder)] == [
        ("relocation", 1, sha(RELOCATION.encode())), ("transfer", 1, sha(TRANSFER.encode()))]
    assert_consistent(folder)
    assert verify(folder)[0] == 0


def test_two_processes_archiving_the_same_case(tmp_path, shelf):
    write(tmp_path / "cases" / "relocation.md", RELOCATION)
    command = ["archive", "cases/relocation.md", "-a", "archive"]
    results = at_once(tmp_path, command, command)
    assert [code for code, _, _ in results] == [0, 0], results
    said = sorted(out for _, out, _ in results)
    assert said == ["archived relocation version 1 (id 1): archive/relocation/v1.pdf\n",
                    "unchanged: cases/relocation.md is already archived as relocation version 1 (id 1)\n"]
    folder = tmp_path / "archive"
    assert [(r[0], r[1]) for r in rows(folder)] == [("relocation", 1)]
    assert_consistent(folder)
    assert verify(folder)[0] == 0
    # Determinism across processes: the same source and version as the shelf's, the same bytes.
    assert (folder / "relocation" / "v1.pdf").read_bytes() == (shelf["folder"] / "relocation" / "v1.pdf").read_bytes()


def test_two_processes_archiving_two_different_files_of_the_same_case(tmp_path):
    write(tmp_path / "a" / "cases" / "relocation.md", RELOCATION)
    write(tmp_path / "b" / "cases" / "relocation.md", RELOCATION_V2)
    results = at_once(tmp_path, ["archive", "a/cases/relocation.md", "-a", "archive"],
                      ["archive", "b/cases/relocation.md", "-a", "archive"])
    assert [code for code, _, _ in results] == [0, 0], results
    assert sorted(out.split(" (")[0] for _, out, _ in results) == [
        "archived relocation version 1", "archived relocation version 2"]
    folder = tmp_path / "archive"
    found = rows(folder)
    assert [(r[0], r[1]) for r in found] == [("relocation", 1), ("relocation", 2)]
    assert {r[2] for r in found} == {sha(RELOCATION.encode()), sha(RELOCATION_V2.encode())}  # none lost
    assert_consistent(folder)
    assert verify(folder)[0] == 0
    assert not pending(folder)


def test_losing_the_race_to_a_journalled_write_of_the_same_source_is_a_no_op(tmp_path, fast_render, monkeypatch):
    """Deterministic replay of a window in the two-process race: process A has journalled
    version 1 but not yet indexed it when process B, which lost version 1 to A, looks again."""
    case_path = write(tmp_path / "hiring.md", HIRING_V1)
    folder = tmp_path / "archive"
    raw = case_path.read_bytes()
    fast = archive.render_writeup

    def render(case, raw_, source_name, version, rules, project=None):
        pdf = fast(case, raw_, source_name, version, rules)
        if not pending(folder) and not rows(folder):  # process A, meanwhile: staged and journalled
            staged = journal.stage(folder, pdf)
            record = journal.record(case, source_name, version, pdf, sha(raw_), None)
            with contextlib.closing(sqlite3.connect(folder / archive.INDEX)) as db, db:
                db.execute("INSERT INTO pending VALUES (?, ?, ?, ?)", (case.id, version, staged.name, json.dumps(record)))
        return pdf

    monkeypatch.setattr(archive, "render_writeup", render)
    done = archive.archive_case(case_path, folder, None)  # process B
    assert verify(folder)[0] == 0  # finishes A's write
    assert [(r[0], r[1], r[2]) for r in rows(folder)] == [("hiring", 1, sha(raw))]
    assert (done.version, done.unchanged) == (1, True)


# --- a process killed mid-write ------------------------------------------------------------------------

# Run in a child process: archive with the stand-in write-up, and SIGKILL itself at one exact point.
CHILD = inspect.getsource(stand_in_pdf) + textwrap.dedent('''
    import contextlib, os, pathlib, signal, sys
    from briefgen import archive, archive_journal as journal
    from briefgen.cli import main

    phase, case, folder = sys.argv[1:4]
    rendered, transactions = [], []

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    def render(case_, raw, source_name, version, rules, project=None):
        if phase == "rendering":
            die()
        rendered.append(version)
        return stand_in_pdf(raw, source_name, version, case_.id, case_.title)

    real_stage, real_transaction, real_link, real_unlink = journal.stage, journal.transaction, os.link, pathlib.Path.unlink

    def stage(folder_, content):
        staged = real_stage(folder_, content)
        if phase == "staged":
            die()
        return staged

    @contextlib.contextmanager
    def transaction(db):
        with real_transaction(db):
            yield
            if rendered:
                transactions.append(1)
                if (phase, len(transactions)) in (("journal-uncommitted", 1), ("index-uncommitted", 2)):
                    die()  # inside the transaction, before its COMMIT

    def link(source, target):
        if phase == "journalled":
            die()
        real_link(source, target)
        if phase == "linked":
            die()

    def unlink(self, missing_ok=False):
        if phase == "indexed" and self.parent.name == ".staging" and missing_ok:
            die()  # the version is indexed; the staged file is still there
        real_unlink(self, missing_ok=missing_ok)

    archive.render_writeup, journal.stage, journal.transaction, archive.transaction = render, stage, transaction, transaction
    os.link, pathlib.Path.unlink = link, unlink
    main(["archive", case, "-a", folder])
''')

# phase -> whether the version being written survives (finished from the journal) or is dropped
PHASES = {"rendering": False, "staged": False, "journal-uncommitted": False, "journalled": True, "linked": True,
          "index-uncommitted": True, "indexed": True}


def killed_at(phase: str, root: Path) -> tuple[int, str]:
    """Archive root/cases/hiring.md into root/archive in a child killed at `phase`: (status, stderr)."""
    process = spawn([sys.executable, "-c", CHILD, phase, "cases/hiring.md", "archive"], root)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


@pytest.mark.parametrize("phase", PHASES)
def test_a_process_killed_at_each_step_of_a_write_leaves_a_verifiable_archive(phase, tmp_path, monkeypatch, fast_render):
    monkeypatch.chdir(tmp_path)
    case = write(tmp_path / "cases" / "hiring.md", HIRING_V1)
    assert run("archive", "cases/hiring.md", "-a", "archive").exit_code == 0
    folder = tmp_path / "archive"
    v1 = (folder / "hiring" / "v1.pdf").read_bytes()
    case.write_text(HIRING_V2, encoding="utf-8")

    status, err = killed_at(phase, tmp_path)
    assert status == -signal.SIGKILL, f"the child never reached {phase}: {err}"

    code, problems, _ = verify(folder)
    assert (code, problems) == (0, [])
    survived = PHASES[phase]
    assert [(r[0], r[1]) for r in rows(folder)] == [("hiring", 1), ("hiring", 2)][:1 + survived]
    assert not pending(folder)
    assert_consistent(folder)
    assert (folder / "hiring" / "v1.pdf").read_bytes() == v1

    again = run("archive", "cases/hiring.md", "-a", "archive")
    assert again.exit_code == 0, again.output
    assert again.output.startswith("unchanged: " if survived else "archived hiring version 2 ")
    assert [(r[0], r[1], r[2]) for r in rows(folder)] == [
        ("hiring", 1, sha(HIRING_V1.encode())), ("hiring", 2, sha(HIRING_V2.encode()))]
    assert verify(folder)[0] == 0


def test_verify_says_which_interrupted_write_it_finished(tmp_path, monkeypatch, fast_render):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "cases" / "hiring.md", HIRING_V1)
    assert killed_at("journalled", tmp_path)[0] == -signal.SIGKILL
    code, problems, notes = verify(tmp_path / "archive")
    assert (code, problems) == (0, [])
    assert notes == ["finished an interrupted write: hiring version 1", f"0 problems in {tmp_path / 'archive'}"]


def test_briefgen_archive_killed_at_several_moments(tmp_path, shelf, monkeypatch):
    """The real command, SIGKILLed while starting, while rendering, while its staged file is being
    written, and as its final file appears; after each, verify passes and nothing indexed is missing."""
    folder = tmp_path / "archive"
    shutil.copytree(shelf["folder"], folder)
    case = write(tmp_path / "cases" / "relocation.md", RELOCATION)
    before = rows(folder)
    staging = folder / archive.STAGING

    def staged_file():
        return staging.exists() and any(staging.iterdir())

    moments = [("starting", lambda: False, 0.3), ("rendering", lambda: False, 1.5),
               ("staging", staged_file, 30), ("linking", lambda: next_pdf.exists(), 30)]
    outcomes = []
    for moment, ready, limit in moments:
        for leftover in staging.iterdir() if staging.exists() else ():
            leftover.unlink()  # so that "staging" waits for this run's file
        case.write_text(RELOCATION.replace("more than the salary", f"more than the salary ({moment})"), encoding="utf-8")
        indexed = len(rows(folder))
        next_pdf = folder / "relocation" / f"v{sum(r[0] == 'relocation' for r in rows(folder)) + 1}.pdf"
        process = spawn([str(BRIEFGEN), "archive", "cases/relocation.md", "-a", "archive"], tmp_path)
        start = time.monotonic()
        while process.poll() is None and not ready() and time.monotonic() - start < limit:
            time.sleep(0.001)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        code, problems, _ = verify(folder)
        assert (code, problems) == (0, []), moment
        assert_consistent(folder)
        assert not pending(folder)
        assert set(before) <= set(rows(folder))  # earlier versions untouched
        outcomes.append((moment, process.returncode, len(rows(folder)) - indexed))
    print("(moment, exit status, versions added):", outcomes)
    assert all(added in (0, 1) for _, _, added in outcomes), outcomes
    assert any(code == -signal.SIGKILL for _, code, _ in outcomes), outcomes

    monkeypatch.chdir(tmp_path)
    result = run("archive", "cases/relocation.md", "-a", "archive")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(("archived relocation version ", "unchanged: "))
    assert [r for r in rows(folder) if r[0] == "relocation"][-1][2] == sha(case.read_bytes())
    assert verify(folder)[0] == 0
    assert_consistent(folder)


# --- the lessons section -------------------------------------------------------------------------------

def test_lessons_is_the_lessons_section_of_the_body():
    assert archive.lessons("## Background\nx\n\n## Lessons learned\nAsk early.\n\n## After\ny\n") == "Ask early."
    assert archive.lessons("# Lesson\nOne.") == "One."
    assert archive.lessons("## Background\nNo lessons here.\n") == ""


def test_lessons_keeps_its_own_subsections():
    body = "## Lessons\nAsk early.\n\n### On salary\nAnchor high.\n\n## Appendix\nz\n"
    assert archive.lessons(body) == "Ask early.\n\n### On salary\nAnchor high."
