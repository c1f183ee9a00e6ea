"""Shared fixtures and helpers: the case-format example (HIRING), variants of it by string
replacement (`hiring_with`), factories that write a case into a cases/ folder, the command
through click's CliRunner (`run`), the text of PDFs, and the guards of the hostile-input tests
(`time_limit`, `watching`, `snapshot`). Test files import the plain functions with
`from conftest import ...`.

Keeping the suite fast (CI must finish in 10 minutes on 2 cores; aim for 6): a PDF costs
0.5-4 s to render, MESO up to 2 s a case. Do not render what another test has rendered:
- `example_documents` (session): every example's brief and offer sheet as PDF bytes, rendered
  once for the whole session, with WeasyPrint's warnings. Read them in any test about the
  examples' documents.
- Assert on HTML (`render.render_brief_html`, `render.render_offer_sheet_email`) where the test
  is about words, not pages; render a PDF only where the test is about the PDF.
- Build once per module (a module-scoped fixture that builds into `tmp_path_factory.mktemp`) and
  let several tests read the result, as test_cli's `built` and test_archive's `shelf` do.
- Hypothesis: modest `max_examples` (tens for anything that builds or solves).
"""
from __future__ import annotations

import contextlib
import datetime
import functools
import io
import logging
import os
import signal
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import click
import pypdf
import pytest
from click.testing import CliRunner

from briefgen.case import Case, parse_case

# Every build in the suite, in this process or in a new one, is made as of this date, so that no
# example's offer sheet expires under the tests (the sheets' valid_until dates are real ones).
os.environ["BRIEFGEN_TODAY"] = "2026-11-24"
TODAY = datetime.date(2026, 11, 24)

# The example cases briefgen ships, by name: cases a user adds to cases/ are never part of the suite.
EXAMPLE_CASES = [Path(__file__).parent.parent / "cases" / name for name in (
    "coffee-supply-listing.md", "cross-border-acquisition.md", "fisheries-access.md", "grid-reform-loan.md",
    "harbour-wind-port.md", "hiring-offer.md", "hospital-affiliation.md", "museum-loan.md", "reunification-talks.md",
    "supplier-contract.md", "union-contract.md", "warehouse-lease.md")]

# The example of docs/case-format.md, verbatim: the contract's own case.
HIRING = """\
---
format: 1                      # optional; the only version is 1
title: "Senior engineer offer: Jordan Rivera"
date: 2026-11-20               # optional, ISO date
status: preparing              # preparing | offered | countered | agreed | closed | abandoned
tags: [hiring, engineering]

parties:
  us:
    name: Acme Robotics
    negotiator: "Dana Lee, Engineering Manager"
    batna: "Hire the second-ranked candidate at $98k, six weeks later"
    interests: ["limit remote days", "stay under $110k"]
  them:
    name: Jordan Rivera
    negotiator: Jordan Rivera
    batna: "Competing offer: $104k, fully remote"      # our estimate
    interests: ["salary", "time at home"]

issues:                        # the terms being negotiated, in display order
  - id: salary                 # slug, unique; used in conditions
    label: Base salary
    unit: USD                  # optional, for display
    range: {min: 90000, max: 110000, step: 1000}   # a continuous issue
    points: {90000: 40, 110000: 0}                 # ours: piecewise-linear between anchors
    their_points: {90000: 0, 110000: 40}           # our estimate of theirs (optional)
  - id: remote_days
    label: Remote workdays per week
    options:                   # a discrete issue; order = display order
      - {value: 1, label: "1 day",  points: 35, their_points: 0}
      - {value: 2, label: "2 days", points: 30, their_points: 15}
      - {value: 3, label: "3 days", points: 0,  their_points: 30}
  - id: term
    label: Contract length
    options:
      - {value: 1, label: "1 year",  points: 0,  their_points: 15}
      - {value: 2, label: "2 years", points: 5,  their_points: 8}
      - {value: 3, label: "3 years", points: 15, their_points: 0}

targets:
  reservation: 40              # our walk-away score: nothing below is ever offered
  aspiration: 70               # the score MESO packages are built at (default: 75% of the best possible score)
                               # (with these points the seed's packages A, B and C all score exactly 70)

constituencies:                # Level II: the people behind each table
  - id: partner
    name: "Rivera's partner"
    side: them                 # us | them
    power: influence           # ratify | veto | implement | influence | none
                               #   ratify/veto: formal or effective approval; implement: can make or sink it in practice
    stance: skeptical          # champion | supportive | neutral | skeptical | opposed | unknown
    interests: ["time at home", "no relocation"]
    concerns: ["long commute"]
    sensitivities: ["being treated as an afterthought"]
    requires: ["remote_days >= 2"]     # conditions this constituency needs to accept (its win-set)
    audience: false            # true: their negotiator speaks publicly for this group's benefit
    influenced_by: []          # outside actors who can press this constituency
    notes: "Works nights; the commute matters most."

meso:
  packages: 3                  # 2..5; more than 3 is allowed with a choice-overload warning
  tolerance: 1                 # every package scores within this many points of targets.aspiration
  lead_with: [salary, remote_days, term]   # optional: the issue each package is generous on
  hold: {}                     # optional: issue id -> value fixed in every package
  offers:                      # optional: hand-written packages; when given they are
    - {salary: 100000, remote_days: 1, term: 3}   # checked and explained instead of constructed
    - {salary: 95000, remote_days: 1, term: 2}
    - {salary: 90000, remote_days: 2, term: 1}

offer_sheet:                   # the only part of the case that may reach the counterpart
  to: Jordan Rivera
  from: "Dana Lee, Engineering Manager, Acme Robotics"
  valid_until: 2026-12-05
  intro: |
    Thank you for your time this week. Any of the three packages below works
    for us; pick the one that suits you best, or tell us what you would change.
  closing: "We look forward to hearing from you."

outcome:                       # filled in after the negotiation, for the archive
  date: 2026-12-03
  agreed: {salary: 97000, remote_days: 2, term: 2}
  summary: "Accepted package B with a higher salary."
---

## Background
Free Markdown. The whole body is internal: it appears in the prep brief and the
archived write-up, never on the offer sheet.

## Lessons
...
"""


# HIRING's hand-written packages: remove them (NO_OFFERS) and MESO constructs the packages.
OFFERS = """\
  offers:                      # optional: hand-written packages; when given they are
    - {salary: 100000, remote_days: 1, term: 3}   # checked and explained instead of constructed
    - {salary: 95000, remote_days: 1, term: 2}
    - {salary: 90000, remote_days: 2, term: 1}
"""


def replace(text: str, *pairs: tuple[str, str]) -> str:
    """`text` with each (old, new) replaced once; `old` must occur exactly once."""
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the case text"
        text = text.replace(old, new)
    return text


def hiring_with(*pairs: tuple[str, str]) -> str:
    """HIRING with each (old, new) replaced."""
    return replace(HIRING, *pairs)


NO_OFFERS = hiring_with((OFFERS, ""))

# The format's example as docs/case-format.md writes it now: HIRING with the fields it has
# gained since (their estimated reservation, the setting, the kinds of influenced_by entry).
# HIRING itself keeps its lines, which many tests pin. The three offers all give them less
# than their reservation of 45.
HIRING_FULL = hiring_with((
    "(with these points the seed's packages A, B and C all score exactly 70)\n",
    "(with these points the seed's packages A, B and C all score exactly 70)\n"
    "  their_reservation: 45        # optional: our estimate, in THEIR points, of what their best alternative\n"
    "                               #   (BATNA) is worth to them; a package below it is one they would rather refuse\n"
    "\n"
    "setting:                       # optional: how the talks are held, which decides the forms and channels advised\n"
    "  public: false                # the talks or their results are followed publicly (default: true when a\n"
    "                               #   constituency is an `audience`, else false)\n"
    "  written: true                # the agreement is a written text that is signed or formally approved (default true);\n"
    "                               #   false where a tacit or unwritten understanding is a real possibility\n"), (
    "    influenced_by: []          # outside actors who can press this constituency\n",
    "    influenced_by: []          # who can press this constituency: a constituency's id (its stance is then\n"
    "                               #   known), an outside actor as {name: \"...\", stance: supportive}, or plain text\n"
    "                               #   (an actor whose stance toward the deal is unknown)\n"))


def parse(text: str, path: str = "case.md") -> Case:
    """Load a case from text (raises CaseError like load_case)."""
    return parse_case(text.encode("utf-8"), path, "case")


def parse_generated(text: str) -> Case:
    """A case a hypothesis strategy generated; rejected (`assume`) where a condition only values
    between a range's written steps could meet, an error of the case itself (range_values.py)."""
    from hypothesis import assume

    from briefgen.errors import CaseError

    try:
        return parse(text)
    except CaseError as error:
        assume("on its step of" not in str(error))
        raise


@pytest.fixture
def hiring_text() -> str:
    return HIRING


@pytest.fixture
def write_case(tmp_path: Path):
    """write_case(text, name="hiring.md") -> tmp_path/cases/name (text may be bytes)."""

    def write(text: str | bytes = HIRING, name: str = "hiring.md") -> Path:
        path = tmp_path / "cases" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        return path

    return write


# --- the command in a working folder -----------------------------------------------------------

@pytest.fixture
def here(tmp_path, monkeypatch):
    """A fresh project folder as the working folder: cases/ (empty) in, output/ out."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()
    return tmp_path


def put_case(text: str | bytes, name: str = "hiring.md") -> Path:
    """Write cases/NAME in the working folder (bytes as they are) and return that relative path,
    as a user would type it: messages quote it. (`write_case` returns an absolute path.)"""
    path = Path("cases") / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def write(path: str | Path, text: str) -> Path:
    """Write `text` to `path`, making its folders."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    return file


def run(*args: str, catch: bool = False) -> click.testing.Result:
    """briefgen ARGS in this process; an exception escapes and fails the test with its traceback
    (with `catch`, it is kept in the result instead)."""
    from briefgen.cli import main  # here, so that test files that never run the command do not import it

    return CliRunner().invoke(main, list(args), prog_name="briefgen", catch_exceptions=catch)


BRIEFGEN = Path(sys.executable).parent / "briefgen"  # the command, for tests that need a process of its own


def flat(text: str) -> str:
    """Runs of whitespace (line breaks included) as one space."""
    return " ".join(text.split())


# --- the text of PDFs ---------------------------------------------------------------------------

def pdf_pages(pdf: Path | bytes) -> list[str]:
    """The text of each page of a PDF, given as a file or as the document's bytes (the text of
    the same bytes is extracted once: pypdf takes about half as long as the rendering did)."""
    if isinstance(pdf, bytes):
        return list(_pages_of(pdf))
    return [page.extract_text() for page in pypdf.PdfReader(pdf).pages]


@functools.lru_cache(maxsize=64)
def _pages_of(data: bytes) -> tuple[str, ...]:
    return tuple(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def pdf_text(pdf: Path | bytes) -> str:
    """The text of all pages of a PDF (a file or bytes), one line break between pages."""
    return "\n".join(pdf_pages(pdf))


@contextlib.contextmanager
def weasyprint_warnings() -> Iterator[list[str]]:
    """The messages of WeasyPrint's warnings while inside (it warns of every character no font
    could print, of CSS it ignores and of resources it could not load)."""
    records: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


# --- the example cases' documents, rendered once for the session -------------------------------

@dataclass(frozen=True)
class Rendered:
    """One example as `build.render_case` renders it: the loaded case, its documents (file name ->
    PDF bytes: "brief.pdf" always, "offer-sheet.pdf" where the case has a sheet to send) and what
    WeasyPrint warned of while rendering them."""

    case: Case
    documents: dict[str, bytes]
    warnings: tuple[str, ...]


class _ExampleDocuments(Mapping):
    """Example file stem ("hiring-offer") -> Rendered; each example is rendered on first use."""

    def __init__(self):
        self._rendered: dict[str, Rendered] = {}

    def __getitem__(self, stem: str) -> Rendered:
        if stem not in self._rendered:
            from briefgen.build import render_case
            from briefgen.case import load_case
            from briefgen.level2.rules import load_rules

            case = load_case(next(path for path in EXAMPLE_CASES if path.stem == stem))
            with weasyprint_warnings() as warnings:
                documents = render_case(case, load_rules(), TODAY)
            self._rendered[stem] = Rendered(case, documents, tuple(warnings))
        return self._rendered[stem]

    def __iter__(self):
        return iter(path.stem for path in EXAMPLE_CASES)

    def __len__(self) -> int:
        return len(EXAMPLE_CASES)


@pytest.fixture(scope="session")
def example_documents() -> Mapping[str, Rendered]:
    """The example cases' documents, each rendered once for the whole session (see `Rendered`):
    `example_documents["hiring-offer"].documents["brief.pdf"]`. Built with the default rules as
    of TODAY, without a project. Shared by every test that asks: read the bytes, never change
    them; a test that needs other settings (a theme, a locale) renders its own."""
    return _ExampleDocuments()


# --- guards for hostile input (test_hostile, test_fuzz) ---------------------------------------

class Hang(BaseException):
    """Raised in the test by SIGALRM: not an Exception, so no `except Exception` swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Fail an in-process run that takes longer than `seconds` (main thread, POSIX)."""

    def expire(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time."""
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder, name)
            stat = path.lstat()
            files[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return files


SECRET_FILES = ("/etc/hostname", "/etc/passwd", "/etc/shadow", "/dev/urandom", "/dev/random", "/dev/zero")
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
# Events that make, change or remove a path: the target is the second argument for these, else the first.
WRITE_EVENTS = ("os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
                "shutil.rmtree", "shutil.copyfile", "shutil.move")
TO_SECOND = ("os.rename", "os.symlink", "os.link", "shutil.copyfile", "shutil.move")


@dataclass
class Watch:
    """What the code under test did, by Python's audit events (sys.addaudithook)."""

    network: list = field(default_factory=list)
    secrets: list = field(default_factory=list)
    writes: list = field(default_factory=list)


_watching: list[Watch] = []


def _audit(event: str, args: tuple) -> None:
    if not _watching:
        return
    watch = _watching[-1]
    if event == "urllib.Request" and str(args[0]).startswith("data:"):
        return  # WeasyPrint reads data: URLs through urllib: nothing leaves the process
    if event in ("socket.connect", "socket.getaddrinfo", "urllib.Request", "http.client.connect"):
        watch.network.append((event, args[1:2] if event == "socket.connect" else args[:1]))
    elif event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.fsdecode(args[0])
        mode, flags = args[1], args[2] if len(args) > 2 else 0
        if os.path.realpath(path) in SECRET_FILES or path in SECRET_FILES:
            watch.secrets.append(path)
        if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & WRITE_FLAGS):
            watch.writes.append(os.path.abspath(path))
    elif event in WRITE_EVENTS:
        target = args[1] if event in TO_SECOND else args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            watch.writes.append(os.path.abspath(os.fsdecode(target)))


sys.addaudithook(_audit)  # for the whole session (it cannot be removed): idle unless watching


@contextlib.contextmanager
def watching():
    """Record, while inside, every fetch, read of a SECRET_FILES entry and write of this process."""
    import weasyprint  # noqa: F401  (its first import finds Pango through ldconfig and temporary files)

    watch = Watch()
    _watching.append(watch)
    try:
        yield watch
    finally:
        _watching.pop()
