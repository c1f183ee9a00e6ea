"""The archive as a folder from someone else (issue 16), and its search (issue 12).

Tampering (tests/hostile_archive/attacks.py), paths from the index and journal that lead outside,
a failed hard link, a damaged index, a read-only or full archive, a crash that leaves a `-wal`
file, verify beside a writer, an archive of the first layout; and search with stemming, over
constituencies and round notes, safe for any query. The write-ups here are the fast stand-in;
the tests that need real ones (verify --deep) are in test_archive.py.
"""
from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from briefgen import archive, archive_index, archive_journal
from briefgen.archive_search import fts_query
from conftest import BRIEFGEN, HIRING, replace, run
from hostile_archive.attacks import ATTACKS, delete_version, journal_row, sql, stand_in_pdf
from test_archive import CHILD, HIRING_V1, HIRING_V2, RELOCATION, rows, spawn, write


def fast(case, raw, source_name, version, rules, project=None):
    return stand_in_pdf(raw, source_name, version, case.id, case.title)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """hiring v1 (id 1), hiring v2 (id 2), relocation v1 (id 3), with stand-in write-ups."""
    root = tmp_path_factory.mktemp("base")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(archive, "render_writeup", fast)
        for name, text in (("hiring", HIRING_V1), ("hiring", HIRING_V2), ("relocation", RELOCATION)):
            archive.archive_case(write(root / "cases" / f"{name}.md", text), root / "archive", None)
    return root / "archive"


@pytest.fixture
def folder(base, tmp_path):
    """A copy of the base archive, two folders down, so that `../../` stays inside tmp_path."""
    target = tmp_path / "a" / "b" / "archive"
    shutil.copytree(base, target)
    return target


@pytest.fixture
def fast_render(monkeypatch):
    monkeypatch.setattr(archive, "render_writeup", fast)


def verify(folder: Path, *options: str):
    result = run("archive", "verify", "-a", str(folder), *options, catch=True)
    assert "Traceback" not in result.output and not isinstance(result.exception, Exception), result.output
    return result.exit_code, result.stderr.splitlines(), result.stdout.splitlines()


def outside(folder: Path) -> dict[str, bytes]:
    """Every file around the archive folder (in tmp_path), with its content."""
    root = folder.parents[2]
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file() and folder not in p.parents}


def test_verify_passes_the_base_archive_and_prints_its_chain_head(folder):
    code, problems, out = verify(folder)
    head = sql(folder, "SELECT record_sha256 FROM versions ORDER BY id DESC LIMIT 1")[0][0]
    assert (code, problems, out) == (0, [], [f"chain head: {head} (3 versions)", f"0 problems in {folder}"])


@pytest.mark.parametrize("attack", ATTACKS)
def test_verify_reports_each_attack(attack, folder):
    ATTACKS[attack].tamper(folder)
    code, problems, _ = verify(folder)
    assert code == 1
    for fragment in ATTACKS[attack].expect:
        assert any(fragment in problem for problem in problems), (fragment, problems)


def test_a_deleted_last_version_is_caught_by_the_chain_head_noted_earlier(folder):
    head = verify(folder)[2][0].split()[2]
    delete_version(folder, 3)
    assert verify(folder)[0] == 0  # beyond any local check: the archive is consistent without it
    code, problems, _ = verify(folder, "--head", head)
    assert code == 1
    assert problems == [f"problem: the chain head {head} noted earlier is in no record: the history of the archive "
                        "was rewritten, or the head belongs to another archive"]


def test_a_noted_head_stays_valid_as_versions_are_added(folder, fast_render, tmp_path):
    head = verify(folder)[2][0].split()[2]
    archive.archive_case(write(tmp_path / "transfer.md", RELOCATION.replace("Relocation package", "Transfer")), folder, None)
    assert verify(folder, "--head", head)[:2] == (0, [])


# --- paths from the index and the journal -----------------------------------------------------------

@pytest.mark.parametrize("staged, pdf_path", [
    ("../../victim.txt", "../../victim-link.txt"),  # the attack
    ("tmpabc.pdf", "../../victim-link.txt"),
    ("../../victim.txt", "hiring/v3.pdf"),
    ("../hiring/v1.pdf", "hiring/v3.pdf"),  # would unlink an archived version once indexed
])
def test_a_journal_row_naming_paths_outside_is_reported_and_left_alone(folder, staged, pdf_path, fast_render, tmp_path):
    (folder.parent / "victim.txt").write_bytes(b"victim")
    (folder / ".staging").mkdir(exist_ok=True)
    (folder / ".staging" / "tmpabc.pdf").write_bytes(b"victim")
    journal_row(staged, pdf_path)(folder)
    case = write(tmp_path / "x" / "relocation.md", RELOCATION + "\nMore.\n")
    before, archived = outside(folder), (folder / "hiring" / "v1.pdf").read_bytes()
    assert [v["id"] for v in archive.list_versions(folder)] == [1, 2, 3]
    code, problems, _ = verify(folder)
    assert code == 1 and any("it was left alone" in p for p in problems), problems
    done = archive.archive_case(case, folder, None)
    assert done.version == 2 and any("left alone" in note for note in done.notes)
    assert outside(folder) == before  # nothing deleted, nothing linked outside
    assert (folder / "hiring" / "v1.pdf").read_bytes() == archived
    assert sql(folder, "SELECT case_id, version FROM pending") == [("hiring", 3)]  # left for a person to look at


def test_a_case_folder_linked_outside_is_never_written_through(folder, fast_render, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "relocation").rename(folder / "moved")
    (folder / "relocation").symlink_to(elsewhere)
    result = run("archive", str(write(tmp_path / "relocation.md", RELOCATION + "\nMore.\n")), "-a", str(folder), catch=True)
    assert result.exit_code == 1
    assert "points outside the archive" in result.output and "Traceback" not in result.output
    assert list(elsewhere.iterdir()) == []
    assert not list((folder / ".staging").iterdir())


def test_extract_refuses_a_source_name_that_is_a_path(folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sql(folder, "UPDATE versions SET source_name = '../escaped.md' WHERE id = 1")
    result = run("archive", "extract", "1", "-a", str(folder))
    assert result.exit_code == 1
    assert result.output == ("Error: the index names the source '../escaped.md', which is not a plain file name; "
                             "give a path with -o, and run briefgen archive verify\n")
    assert not (tmp_path.parent / "escaped.md").exists()


# --- a failed hard link -------------------------------------------------------------------------------

def test_a_cross_device_link_is_reported_and_the_archive_stays_usable(folder, fast_render, monkeypatch, tmp_path):
    def exdev(source, target):
        raise OSError(errno.EXDEV, os.strerror(errno.EXDEV), source, None, target)

    monkeypatch.setattr(archive_journal.os, "link", exdev)
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "cases" / "relocation.md", RELOCATION + "\nMore.\n")
    result = run("archive", "cases/relocation.md", "-a", str(folder), catch=True)
    assert result.exit_code == 1
    assert result.output.startswith("Error: could not link .staging/tmp")
    assert "to relocation/v2.pdf (Invalid cross-device link): the archive folder must be on one file system; " \
           "relocation version 2 stays pending" in result.output
    assert [len(result.output.splitlines())] == [1]
    # Everything else still works, and says what could not be finished.
    assert run("archive", "list", "-a", str(folder)).exit_code == 0
    assert run("archive", "show", "3", "-a", str(folder)).exit_code == 0
    assert run("archive", "search", "Okafor", "-a", str(folder)).exit_code == 0
    assert run("archive", "extract", "1", "-a", str(folder), "-o", "out.md").exit_code == 0
    code, problems, _ = verify(folder)
    assert code == 1 and problems[0].startswith("problem: could not link ")
    other = run("archive", str(write(tmp_path / "cases" / "hiring.md", HIRING_V2 + "\nMore.\n")), "-a", str(folder), catch=True)
    assert other.exit_code == 1 and "Traceback" not in other.output  # the same link fails, reported the same way
    # Once links work again, the next command finishes the write.
    monkeypatch.undo()
    monkeypatch.setattr(archive, "render_writeup", fast)
    code, problems, out = verify(folder)
    assert (code, problems) == (0, [])
    assert "finished an interrupted write: relocation version 2" in out


# --- a damaged index ----------------------------------------------------------------------------------

def random_bytes(index: Path) -> None:
    index.write_bytes(os.urandom(8192))


def truncated(index: Path) -> None:
    data = index.read_bytes()
    index.write_bytes(data[: len(data) // 3])


def directory(index: Path) -> None:
    index.unlink()
    index.mkdir()


def garbled_pages(index: Path) -> None:
    data = bytearray(index.read_bytes())
    data[4096:] = bytes(len(data) - 4096)  # every page but the first zeroed
    index.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [random_bytes, truncated, directory, garbled_pages])
@pytest.mark.parametrize("command", [["list"], ["search", "salary"], ["show", "1"], ["extract", "1", "-o", "x.md"],
                                     ["verify"], ["add", "cases/relocation.md"]])
def test_a_damaged_index_is_one_line_naming_it_and_what_to_do(folder, damage, command, tmp_path, monkeypatch, fast_render):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "cases" / "relocation.md", RELOCATION + "\nMore.\n")
    damage(folder / archive.INDEX)
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    result = run("archive", *command, "-a", str(folder), catch=True)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = [line for line in result.output.splitlines() if not line.startswith(("chain head", "0 problems"))]
    assert len(lines) == 1 or command == ["verify"], result.output
    assert f"{folder / archive.INDEX}" in result.output
    assert "restore it from a backup" in result.output or "move it away" in result.output, result.output
    after = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.name not in archive_index.INDEX_FILES)
    assert after == [p for p in before if Path(p).name not in archive_index.INDEX_FILES]  # nothing half-written
    assert not (tmp_path / "x.md").exists()


def test_list_names_a_damaged_row_and_verify_reports_it_among_the_rest(folder):
    sql(folder, "UPDATE versions SET archived_at = x'00ff' WHERE id = 2")
    result = run("archive", "list", "-a", str(folder), catch=True)
    assert result.exit_code == 1
    assert result.output == (f"Error: {folder / archive.INDEX}: the row of id 2 is damaged (archived_at is a BLOB or not UTF-8, not "
                             "what belongs there): restore the index from a backup\n")
    code, problems, _ = verify(folder)
    assert code == 1
    assert problems == [f"problem: {folder / archive.INDEX}: the row of id 2 is damaged (archived_at is a BLOB or not "
                        "UTF-8, not what belongs there): restore the index from a backup"]


def test_text_that_is_not_utf8_is_a_damaged_row_too(folder):
    sql(folder, "UPDATE versions SET title = CAST(x'ff41' AS TEXT) WHERE id = 3")
    assert "the row of id 3 is damaged (title is a BLOB or not UTF-8" in run("archive", "show", "3", "-a", str(folder)).output
    code, problems, _ = verify(folder)
    assert code == 1 and "the row of id 3 is damaged (title is a BLOB or not UTF-8" in problems[0]


# --- a read-only or full archive ----------------------------------------------------------------------

@pytest.fixture
def read_only(monkeypatch):
    """As on a mounted backup. (Tests run as root, for whom every folder is writable: hence the patch.)"""
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode))


def test_archiving_into_a_read_only_archive_says_so(folder, read_only, tmp_path):
    result = run("archive", str(write(tmp_path / "relocation.md", RELOCATION + "\nMore.\n")), "-a", str(folder))
    assert (result.exit_code, result.output) == (
        1, f"Error: {folder} is read-only: archive into a writable folder (-a DIR)\n")


def test_a_full_disk_while_staging_leaves_nothing(folder, fast_render, monkeypatch, tmp_path):
    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(archive_journal.os, "fsync", full)
    result = run("archive", str(write(tmp_path / "relocation.md", RELOCATION + "\nMore.\n")), "-a", str(folder))
    assert (result.exit_code, result.output) == (
        1, f"Error: {folder}: the disk is full: free some space and run the command again; nothing was archived\n")
    assert list((folder / ".staging").iterdir()) == []
    assert sql(folder, "SELECT count(*) FROM pending") == [(0,)]


def test_a_full_disk_while_journalling_leaves_nothing(folder, fast_render, monkeypatch, tmp_path):
    real_connect = sqlite3.connect

    def connect(*args, **options):  # the index may not grow by a single page
        db = real_connect(*args, **options)
        db.execute(f"PRAGMA max_page_count = {db.execute('PRAGMA page_count').fetchone()[0]}")
        return db

    monkeypatch.setattr(archive_index.sqlite3, "connect", connect)
    result = run("archive", str(write(tmp_path / "relocation.md", RELOCATION + "\nMore text " * 2000)), "-a", str(folder))
    assert (result.exit_code, result.output) == (1, f"Error: {folder / archive.INDEX}: the disk is full: free some "
                                                    "space and run the command again; nothing was changed\n")
    monkeypatch.undo()
    assert list((folder / ".staging").iterdir()) == []
    assert sql(folder, "SELECT count(*) FROM pending") == [(0,)]
    assert verify(folder)[:2] == (0, [])


# --- around a crash, and beside a writer --------------------------------------------------------------

def test_a_read_only_copy_left_with_a_wal_file_keeps_the_last_committed_version(tmp_path, monkeypatch):
    """Archived by a process killed just after its commit; then copied as the crash left it, read-only."""
    write(tmp_path / "cases" / "hiring.md", HIRING_V1)
    process = spawn([sys.executable, "-c", CHILD, "indexed", "cases/hiring.md", "archive"], tmp_path)
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert (tmp_path / "archive" / f"{archive.INDEX}-wal").stat().st_size > 0  # the commit is in the log only
    shutil.copytree(tmp_path / "archive", tmp_path / "backup")
    (tmp_path / "backup" / f"{archive.INDEX}-shm").unlink(missing_ok=True)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: False if mode == os.W_OK else real_access(path, mode))
    before = {p.name: p.read_bytes() for p in (tmp_path / "backup").iterdir() if p.is_file()}
    assert [(v["case_id"], v["version"]) for v in archive.list_versions(tmp_path / "backup")] == [("hiring", 1)]
    found = archive.verify(tmp_path / "backup")
    assert found.problems == [] and found.versions == 1
    assert {p.name: p.read_bytes() for p in (tmp_path / "backup").iterdir() if p.is_file()} == before


VERIFYING_WRITER = CHILD.replace('main(["archive", case, "-a", folder])', '''
import pathlib as _p
for n in range(int(sys.argv[4])):
    text = _p.Path(case).read_text() + f"\\nround {n}\\n"
    _p.Path(case).write_text(text)
    main(["archive", case, "-a", folder], standalone_mode=False)
''')


def test_verify_beside_a_writer_never_reports_a_false_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "cases" / "hiring.md", HIRING_V1)
    writer = spawn([sys.executable, "-c", VERIFYING_WRITER, "none", "cases/hiring.md", "archive", "10"], tmp_path)
    runs = []
    while writer.poll() is None:
        if (tmp_path / "archive" / archive.INDEX).exists():
            with contextlib.suppress(archive.BriefgenError):  # the index may not exist yet
                runs.append(archive.verify(tmp_path / "archive").problems)
        time.sleep(0.01)
    _, err = writer.communicate()
    assert writer.returncode == 0, err
    print(f"{len(runs)} verify runs beside the writer")
    assert runs  # how many depends on the machine's load; the replay below is deterministic
    assert [problems for problems in runs if problems] == []
    assert len(rows(tmp_path / "archive")) == 10


def test_verify_is_true_when_a_write_finishes_between_listing_the_folder_and_reading_the_index(folder, fast_render, tmp_path, monkeypatch):
    """The window in which the old verify said "not in the index": replayed, as another process would."""
    from briefgen import archive_verify

    real_files = archive_verify._files

    def files_then_a_write(folder_, result):
        listed = real_files(folder_, result)
        archive.archive_case(write(tmp_path / "relocation.md", RELOCATION + "\nMore.\n"), folder_, None)
        return listed

    monkeypatch.setattr(archive_verify, "_files", files_then_a_write)
    found = archive.verify(folder)
    assert (found.problems, found.versions) == ([], 4)


# --- an archive of the first layout -------------------------------------------------------------------

def first_layout(folder: Path) -> None:
    """Turn an archive into what briefgen wrote before the chain (layout 0): as a user has it."""
    with contextlib.closing(sqlite3.connect(folder / archive.INDEX)) as db:
        for column in ("constituencies", "rounds", "inputs_sha256", "previous_sha256", "record_sha256"):
            db.execute(f"ALTER TABLE versions DROP COLUMN {column}")
        db.execute("DROP TABLE search")
        db.execute("CREATE VIRTUAL TABLE search USING fts5(title, parties, tags, body, lessons, content='versions', content_rowid='id')")
        db.execute("INSERT INTO search (search) VALUES ('rebuild')")
        db.execute("PRAGMA user_version = 0")
        db.commit()


def test_an_archive_of_the_first_layout_is_migrated_when_opened(folder):
    first_layout(folder)
    assert sorted(h["case_id"] for h in archive.search(folder, "partner")) == ["hiring", "hiring", "relocation"]
    assert sql(folder, "PRAGMA user_version") == [(1,)]
    code, problems, out = verify(folder)
    assert (code, problems) == (0, []) and out[0].startswith("chain head: ")


def test_an_archive_of_the_first_layout_read_only_is_migrated_in_a_private_copy(folder, read_only):
    first_layout(folder)
    assert [h["case_id"] for h in archive.search(folder, "unions")] == []
    assert archive.verify(folder).problems == []
    assert sql(folder, "PRAGMA user_version") == [(0,)]


def test_an_index_of_a_newer_briefgen_is_refused(folder):
    sql(folder, "PRAGMA user_version = 7")
    result = run("archive", "list", "-a", str(folder))
    assert (result.exit_code, result.output) == (
        1, f"Error: {folder / archive.INDEX} was made by a newer briefgen (layout 7): upgrade briefgen\n")


# --- search (issue 12) --------------------------------------------------------------------------------

UNION = replace(HIRING, ('name: "Rivera\'s partner"', 'name: "Local Unions"'),
                ("outcome:  ", "rounds:\n  - date: 2026-11-25\n    note: They walked out over the parking fit-out.\n\noutcome:  "))


@pytest.fixture(scope="module")
def unions(tmp_path_factory):
    root = tmp_path_factory.mktemp("unions")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(archive, "render_writeup", fast)
        archive.archive_case(write(root / "union.md", UNION), root / "archive", None)
    return root / "archive"


@pytest.mark.parametrize("query", ["union", "Unions", "unionized", "parking", "walk", "fit-out", "fit-out*", '"parking fit-out"',
                                   "partner OR parking", "parking NOT zebra", "unio*", "(parking)"])
def test_search_stems_and_finds_constituencies_and_round_notes(unions, query):
    assert [hit["case_id"] for hit in archive.search(unions, query)] == ["union"], query


@pytest.mark.parametrize("query", ["parking NOT fit", "zebra", '"out parking"', "title:union", "-", "'", '"'])
def test_search_finds_nothing_where_nothing_matches(unions, query):
    assert archive.search(unions, query) == []


def test_search_for_a_hyphenated_word_from_the_command_line(unions):
    result = run("archive", "search", "fit-out", "-a", str(unions))
    assert result.exit_code == 0
    assert result.output.splitlines()[0].split()[:2] == ["1", "union"]
    assert "the parking [fit-out]." in result.output


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('ab "*()-:^+.,;\'OR NOT AND NEAR{}[]\\\t\n')) | st.characters(), max_size=30))
def test_no_query_is_an_fts_syntax_error(query):
    with contextlib.closing(sqlite3.connect(":memory:")) as db:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(a, b, tokenize = 'porter unicode61 remove_diacritics 2')")
        db.execute("INSERT INTO t VALUES ('a b or not and near', 'ab')")
        expression = fts_query(query)
        if expression:
            db.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()


def test_list_show_and_search_print_index_text_on_one_line_without_terminal_codes(folder):
    sql(folder, "UPDATE versions SET title = ?, status = ? WHERE id = 1", "Hiring\n\x1b[2J done", "agreed\r")
    sql(folder, "UPDATE search SET title = ? WHERE rowid = 1", "Hiring\n\x1b[2J done")
    for command in (["list"], ["show", "1"], ["search", "done"]):
        result = run("archive", *command, "-a", str(folder))
        assert result.exit_code == 0
        assert "\x1b" not in result.output and "\r" not in result.output
        assert "Hiring \\x1b[2J done" in result.output, result.output


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab./\\\x00~ ")) | st.characters(), max_size=20))
def test_a_path_from_the_index_is_inside_the_archive_or_refused(tmp_path_factory, relative):
    folder = tmp_path_factory.getbasetemp() / "paths" / "archive"
    (folder / "hiring").mkdir(parents=True, exist_ok=True)
    try:
        path = archive_index.inside(folder, relative, "the path")
    except archive_index.Outside:
        return
    assert path.resolve().is_relative_to(folder.resolve()) and path.resolve() != folder.resolve()


@pytest.mark.parametrize("target", ["elsewhere", "missing"])
def test_a_staging_folder_linked_outside_is_never_written_to(folder, fast_render, tmp_path, target):
    (tmp_path / "elsewhere").mkdir()
    shutil.rmtree(folder / ".staging", ignore_errors=True)
    (folder / ".staging").symlink_to(tmp_path / target)
    result = run("archive", str(write(tmp_path / "relocation.md", RELOCATION + "\nMore.\n")), "-a", str(folder))
    assert result.exit_code == 1
    assert result.output.startswith("Error: the staging folder '.staging' points outside the archive")
    assert list((tmp_path / "elsewhere").iterdir()) == [] and not (tmp_path / "missing").exists()


def test_a_damaged_search_index_is_reported_by_verify(folder):
    sql(folder, "UPDATE search_data SET block = x'00' WHERE id > 10")  # FTS5's own pages, beneath its content
    code, problems, _ = verify(folder)
    assert code == 1 and any(p.startswith("problem: the search index is damaged (") for p in problems), problems
