"""`briefgen watch` and `briefgen preview`: live rebuilding, and the brief as HTML."""
from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
from pathlib import Path

import pypdf
import pytest

from conftest import BRIEFGEN, HIRING, hiring_with, run

WAIT = 90  # seconds; a build takes about one


class Watcher:
    """`briefgen watch` in its own process, its error output read line by line."""

    def __init__(self, *args: str, cwd: Path):
        self.process = subprocess.Popen([BRIEFGEN, "watch", *args], cwd=cwd, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.errors: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self.errors.put(line.rstrip("\n")) for line in self.process.stderr],
                         daemon=True).start()

    def error_line(self, containing: str) -> str:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                line = self.errors.get(timeout=0.2)
            except queue.Empty:
                continue
            if containing in line:
                return line
        raise AssertionError(f"no error line with {containing!r} within {WAIT} s")

    def stop(self) -> tuple[int, str]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        return self.process.returncode, self.process.stdout.read()


@pytest.fixture
def watcher(tmp_path):
    started = []

    def start(*args: str) -> Watcher:
        started.append(Watcher(*args, cwd=tmp_path))
        return started[-1]

    yield start
    for w in started:
        if w.process.poll() is None:
            w.process.kill()
            w.process.wait()


def title_of(pdf: Path) -> str | None:
    """The PDF's title, once a complete PDF is in place (written by rename, never partial)."""
    try:
        return pypdf.PdfReader(pdf).metadata.title
    except (OSError, pypdf.errors.PyPdfError):
        return None


def until(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {WAIT} s")


def test_watch_rebuilds_on_save_reports_a_broken_save_and_keeps_going(tmp_path, watcher):
    case = tmp_path / "cases" / "hiring.md"
    case.parent.mkdir()
    case.write_text(HIRING)
    brief = tmp_path / "output" / "hiring" / "brief.pdf"
    w = watcher("cases/hiring.md")

    until(lambda: title_of(brief) == "Senior engineer offer: Jordan Rivera", "the first build")
    case.write_text(hiring_with(('title: "Senior engineer offer: Jordan Rivera"', 'title: "Offer, edited"')))
    until(lambda: title_of(brief) == "Offer, edited", "the rebuild after a save")

    case.write_text(hiring_with(("reservation: 40", "reservaton: 40")))
    assert w.error_line("cases/hiring.md:") == (
        "cases/hiring.md:41:3: unknown key 'reservaton' in targets; did you mean 'reservation'?")
    time.sleep(2)  # the watch goes on polling, and says it once
    assert w.process.poll() is None
    assert w.errors.empty()
    assert title_of(brief) == "Offer, edited"  # the last good build is left as it was

    case.write_text(HIRING)
    until(lambda: title_of(brief) == "Senior engineer offer: Jordan Rivera", "the rebuild after the fix")
    code, output = w.stop()
    assert code == 0
    assert output.count("wrote output/hiring/brief.pdf") == 3


def test_watch_follows_the_config_and_new_cases(tmp_path, watcher):
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "hiring.md").write_text(HIRING)
    w = watcher()
    sheet = tmp_path / "output" / "hiring" / "offer-sheet.pdf"
    until(sheet.exists, "the first build")

    (tmp_path / "briefgen.toml").write_text('page_size = "A3"\n')
    assert w.error_line("briefgen.toml:") == "briefgen.toml:1:1: page_size 'A3' is not one briefgen knows; use \"A4\" or \"letter\""
    (tmp_path / "briefgen.toml").write_text('page_size = "letter"\n')
    until(lambda: pypdf.PdfReader(sheet).pages[0].mediabox[2] == 612, "the rebuild on Letter paper")

    (tmp_path / "cases" / "second.md").write_text(HIRING)
    until((tmp_path / "output" / "second" / "brief.pdf").exists, "a new case built")
    assert w.process.poll() is None
    assert w.stop()[0] == 0


def test_preview_writes_the_brief_as_html_with_its_styles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "hiring.md").write_text(HIRING)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "base.css").write_text(":root { --accent: #0b7a5a; }\n")
    result = run("preview", "cases/hiring.md", "--no-open")
    assert result.output == "wrote output/hiring/brief.html\n"
    html = (tmp_path / "output" / "hiring" / "brief.html").read_text()
    assert "<h1 class=\"doc-title\">Senior engineer offer: Jordan Rivera</h1>" in html
    assert "--accent: #0b7a5a" in html  # the theme's base.css, imported by the built-in brief.css
    assert ".finding .move" in html and "@import" not in html  # every stylesheet inline
    assert "<svg" in html  # the figures


def test_preview_of_a_broken_case_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "bad.md").write_text(hiring_with(("reservation: 40", "reservaton: 40")))
    result = run("preview", "cases/bad.md", "--no-open")
    assert result.exit_code == 1
    assert "cases/bad.md:41:3: unknown key 'reservaton'" in result.stderr
    assert not (tmp_path / "output").exists()


def test_watch_j2_shows_progress_and_refuses_two_files_of_one_id(tmp_path, watcher):
    (tmp_path / "cases").mkdir()
    for name in ("a.md", "b.md", "City.md", "city.md"):
        (tmp_path / "cases" / name).write_text(HIRING)
    w = watcher("-j", "2")
    assert w.error_line("building") == "building 4 cases ..."  # said at once, before the first build ends
    assert w.error_line("cases/City.md:").startswith("cases/City.md:1:1: the case id 'City' (the file name without .md) "
                                                     "is also that of cases/city.md")
    assert w.error_line("cases/city.md:").startswith("cases/city.md:1:1: the case id 'city'")
    until((tmp_path / "output" / "b" / "brief.pdf").exists, "the first build")
    assert not (tmp_path / "output" / "city").exists() and not (tmp_path / "output" / "City").exists()
    (tmp_path / "cases" / "City.md").rename(tmp_path / "cases" / "capital.md")
    assert w.error_line("clean again") == "cases/city.md: clean again"
    until((tmp_path / "output" / "city" / "brief.pdf").exists, "the rename's build")
    assert w.stop()[0] == 0


def test_watch_says_when_a_case_is_clean_again(tmp_path, watcher):
    case = tmp_path / "cases" / "hiring.md"
    case.parent.mkdir()
    case.write_text(HIRING)
    brief = tmp_path / "output" / "hiring" / "brief.pdf"
    w = watcher("cases/hiring.md")
    until(brief.exists, "the first build")
    case.write_text(hiring_with(("reservation: 40", "reservaton: 40")))
    w.error_line("reservaton")
    case.write_text(HIRING)  # saved back as it was built: nothing to build, but the mistake is gone
    assert w.error_line("clean again") == "cases/hiring.md: clean again"
    case.write_text(hiring_with(("reservation: 40", "reservaton: 40")))
    w.error_line("reservaton")
    case.write_text(hiring_with(('title: "Senior engineer offer: Jordan Rivera"', 'title: "Offer, fixed"')))
    assert w.error_line("clean again") == "cases/hiring.md: clean again"
    until(lambda: title_of(brief) == "Offer, fixed", "the rebuild after the fix")
    assert w.stop()[0] == 0
