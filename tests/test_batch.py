"""Batch builds in real processes: the progress bar, Ctrl-C and a killed worker lose nothing."""
from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import time
from pathlib import Path

import pypdf
import pytest

from briefgen.build import build, project_rules, remove_leftovers, write_atomically
from briefgen.errors import BriefgenError
from conftest import BRIEFGEN, NO_OFFERS, hiring_with

CASES = 4  # twice the workers: each worker builds more than one case


@pytest.fixture
def project(tmp_path):
    (tmp_path / "cases").mkdir()
    for n in range(CASES):
        (tmp_path / "cases" / f"case{n}.md").write_text(hiring_with(
            ('title: "Senior engineer offer: Jordan Rivera"', f'title: "Offer {n}"')))
    return tmp_path


def start(project: Path, *args: str, **options) -> subprocess.Popen:
    # A session of its own, so that a signal can go to the whole process group, as a terminal's Ctrl-C does.
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.Popen([BRIEFGEN, "build", *args], cwd=project, text=True, start_new_session=True,
                            **{**pipes, **options})


def documents(project: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in sorted((project / "output").rglob("*.pdf"))}


def temporaries(project: Path) -> list[Path]:
    return sorted((project / "output").rglob("*.tmp"))


def workers(pid: int) -> list[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            found = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            found = []
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("no worker process started")


def wait_for_line(process: subprocess.Popen, text: str) -> str:
    for line in process.stdout:
        if text in line:
            return line
    raise AssertionError(f"the build ended without a line with {text!r}")


def test_without_a_terminal_each_document_gets_a_line_and_ctrl_c_leaves_every_document_whole(project):
    """Without a terminal, one line per document, in case order; then a rebuild interrupted
    (Ctrl-C) in the middle leaves every document whole and no temporary file."""
    first = subprocess.run([BRIEFGEN, "build", "-j", "2"], cwd=project, capture_output=True, text=True)
    assert first.returncode == 0
    assert first.stdout.splitlines() == [
        *(f"wrote output/case{n}/{name}" for n in range(CASES) for name in ("brief.pdf", "offer-sheet.pdf")),
        f"{CASES} built, 0 unchanged, 0 failed"]
    assert first.stderr == ""
    before = documents(project)
    before_inodes = {path: path.stat().st_ino for path in before}
    assert len(before) == 2 * CASES

    build = start(project, "-j", "2", "--force")
    wait_for_line(build, "wrote output/")  # interrupted in the middle of the batch
    os.killpg(build.pid, signal.SIGINT)
    _, errors = build.communicate(timeout=60)

    assert build.returncode == 130
    assert "interrupted after" in errors and "every document written is complete" in errors
    assert "Traceback" not in errors
    assert temporaries(project) == []
    after = documents(project)
    assert set(after) == set(before)
    for path in after:  # each is either the old file or a whole new one
        assert len(pypdf.PdfReader(path).pages) >= 1
    renamed = {path: path.stat().st_ino for path in after}
    assert any(renamed[path] != inode for path, inode in before_inodes.items())  # some were rebuilt before the interruption


def test_ctrl_c_while_the_build_starts_is_an_interruption_not_an_abort(project):
    """Ctrl-C while briefgen still loads its modules and the project (issue 16): status 130 and
    one line, not click's "Aborted!" with status 1, nor a traceback from a worker or from WeasyPrint."""
    build = start(project, "-j", "2")
    deadline = time.monotonic() + 30
    while "pydantic_core" not in Path(f"/proc/{build.pid}/maps").read_text():  # loading the case model
        assert time.monotonic() < deadline, "the build never loaded pydantic"
        time.sleep(0.005)
    os.killpg(build.pid, signal.SIGINT)
    _, errors = build.communicate(timeout=60)
    assert build.returncode == 130, errors
    assert errors.strip() == ("interrupted after 0 built: every document written is complete, and the others are as "
                              "they were; run the build again to finish")
    assert not (project / "output").exists() or temporaries(project) == []


def test_a_worker_killed_while_the_cases_are_handed_out_fails_the_rest(project, monkeypatch):
    """A worker that dies before the build has handed out every case: the pool refuses the
    rest (BrokenProcessPool from submit), and each of them gets its line instead of a crash."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    handed_out = ProcessPoolExecutor.submit

    def breaks_after_one(pool, *args):
        if getattr(pool, "handed_out", 0):
            raise BrokenProcessPool("a worker died")
        pool.handed_out = 1
        return handed_out(pool, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", breaks_after_one)
    paths = sorted((project / "cases").glob("*.md"))
    results = list(build(paths, project / "output", project_rules(), jobs=2))
    assert [r.path for r in results] == paths
    assert not results[0].problems
    assert all("the worker process building this case stopped" in r.problems[0].message for r in results[1:])


def test_a_killed_worker_fails_its_cases_and_the_build_ends(project):
    build = start(project, "-j", "2")
    os.kill(workers(build.pid)[0], signal.SIGKILL)
    output, errors = build.communicate(timeout=120)  # never waits for the dead worker's cases

    assert build.returncode == 1
    failed = re.findall(r"^(cases/case\d\.md):1:1: the worker process building this case stopped", errors, re.M)
    assert failed and "Traceback" not in errors
    assert errors.splitlines()[-1] == f"{CASES - len(failed)} built, 0 unchanged, {len(failed)} failed"

    again = subprocess.run([BRIEFGEN, "build", "-j", "2"], cwd=project, capture_output=True, text=True)
    assert again.returncode == 0
    assert again.stdout.splitlines()[-1] == f"{len(failed)} built, {CASES - len(failed)} unchanged, 0 failed"
    assert temporaries(project) == []  # any file the killed worker left half-written is gone
    assert len(documents(project)) == 2 * CASES


def test_workers_stop_when_the_build_is_killed(project):
    """kill -9 gives the build no chance to stop its workers: they stop by themselves (issue 16)."""
    build = start(project, "-j", "2", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = workers(build.pid)
    build.kill()
    build.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and [pid for pid in children if alive(pid)]:
        time.sleep(0.05)
    running = [pid for pid in children if alive(pid)]
    for pid in running:  # not to leave them building for minutes when this fails
        os.kill(pid, signal.SIGKILL)
    assert running == [], "workers still building after their build was killed"


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting for its reaper has stopped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_leftovers_of_dead_writers_go_and_writes_under_way_stay(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = tmp_path / f".brief.pdf.{dead.pid}.k3j2h1g0.tmp"
    under_way = tmp_path / f".brief.pdf.{os.getpid()}.a1b2c3d4.tmp"
    other = tmp_path / ".notes.tmp"
    for path in (leftover, under_way, other):
        path.write_bytes(b"%PDF-1.7 partial")
    assert remove_leftovers(tmp_path) == [leftover]
    assert under_way.exists() and other.exists()


def test_a_failed_write_leaves_no_temporary_file_and_the_old_file(tmp_path, monkeypatch):
    target = write_atomically(tmp_path / "brief.pdf", b"old")

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(BriefgenError, match=r"brief.pdf: cannot write it \(No space left on device\); the disk is full"):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]


def test_a_terminal_gets_a_progress_bar_and_a_summary(project):
    """On a terminal: a progress bar instead of one line per document, then the summary."""
    (project / "cases" / "broken.md").write_text(hiring_with(("reservation: 40", "reservaton: 40")))
    controller, terminal = pty.openpty()
    build = start(project, "-j", "2", stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the build ended and closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    build.wait(timeout=120)
    os.close(controller)
    text = shown.decode()
    assert build.returncode == 1
    assert "building" in text and "100%" in text
    assert "wrote output/" not in text
    assert "cases/broken.md:41:3: unknown key 'reservaton' in targets" in text
    assert text.rstrip().splitlines()[-1] == f"{CASES} built, 0 unchanged, 1 failed"


def test_workers_solve_after_their_build_has_solved(tmp_path):
    """HiGHS's thread pool does not survive a fork: once the building process had solved a
    MESO (a library user, or a test session), each forked worker's solve waited forever."""
    for name in ("one", "two"):
        (tmp_path / "cases").mkdir(exist_ok=True)
        (tmp_path / "cases" / f"{name}.md").write_text(NO_OFFERS)
    script = (
        "import sys; from briefgen.case import load_case; from briefgen.meso import meso; "
        "meso(load_case('cases/one.md')); from briefgen.cli import main; "
        "sys.argv = ['briefgen', 'build', '-j', '2']; main()"
    )
    done = subprocess.run([Path(BRIEFGEN).with_name("python"), "-c", script], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 built, 0 unchanged, 0 failed" in done.stdout + done.stderr
