"""The archive: case write-ups that can be found and trusted for years.

An archive folder (default `output/archive/`) holds:

    index.sqlite          every archived version, a journal of writes under way,
                          and a full-text index (SQLite FTS5)
    <case-id>/v<N>.pdf    one PDF/A-3 write-up per version, never overwritten,
                          carrying the exact source file (and the offer sheets
                          sent) as attachments
    .staging/             files being written; never part of the archive

Nothing is ever overwritten or deleted. A version becomes visible in three
steps, so that a process killed at any point leaves a verifiable archive:
the write-up is written to .staging and flushed; a journal row ("pending")
is committed; the file is linked to its final name (a hard link cannot
replace an existing file) and, in one transaction, the version is indexed
and the journal row removed. Whoever opens the archive next finishes or
drops an interrupted write, from the journal alone. Two processes writing at
once are serialised by SQLite's write lock; the version number is taken
inside it.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from briefgen.build import document_mode
from briefgen.case import Case, case_id_for, parse_case
from briefgen.errors import BriefgenError
from briefgen.level2.rules import RuleSet
from briefgen.project import Project

INDEX = "index.sqlite"
INDEX_FILES = {INDEX, f"{INDEX}-wal", f"{INDEX}-shm", f"{INDEX}-journal"}
STAGING = ".staging"

SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    parties TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    case_date TEXT,
    outcome_date TEXT,
    outcome_summary TEXT,
    archived_at TEXT NOT NULL,
    source_name TEXT NOT NULL,
    pdf_path TEXT NOT NULL UNIQUE,
    pdf_sha256 TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    body TEXT NOT NULL,
    lessons TEXT NOT NULL,
    UNIQUE (case_id, version)
);
CREATE TABLE IF NOT EXISTS pending (
    case_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    staged TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (case_id, version)
);
CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    title, parties, tags, body, lessons, content='versions', content_rowid='id'
);
"""
COLUMNS = ("case_id", "version", "title", "parties", "tags", "status", "case_date", "outcome_date",
           "outcome_summary", "archived_at", "source_name", "pdf_path", "pdf_sha256", "source_sha256",
           "body", "lessons")


@dataclass(frozen=True)
class Archived:
    id: int
    case_id: str
    version: int
    pdf: Path
    unchanged: bool  # True: the source had not changed since this version


# --- archiving ---------------------------------------------------------------------------------

def archive_case(path: Path, folder: Path, rules: RuleSet, project: Project = Project()) -> Archived:
    """Archive the case file at `path` as a new version, unless it is unchanged."""
    raw = path.read_bytes()
    case = parse_case(raw, str(path), case_id_for(path), project.locale)
    source_sha = _sha256(raw)
    with _index(folder) as db:
        while True:
            latest = db.execute(
                "SELECT id, version, source_sha256, pdf_path FROM versions WHERE case_id = ? ORDER BY version DESC LIMIT 1",
                (case.id,)).fetchone()
            if latest and latest[2] == source_sha:
                return Archived(latest[0], case.id, latest[1], folder / latest[3], unchanged=True)
            version = _next_version(db, case.id)
            pdf = render_writeup(case, raw, path.name, version, rules, project)
            staged = _stage(folder, pdf)
            record = _record(case, raw, path.name, version, pdf, source_sha)
            with _transaction(db):
                # Under the lock, count writes under way too: another process may
                # have taken this version, or be writing this very source.
                same = db.execute("SELECT version FROM pending WHERE case_id = ? AND json_extract(record, '$.source_sha256') = ?",
                                  (case.id, source_sha)).fetchone()
                taken = same is not None or _next_version(db, case.id) != version
                if not taken:
                    db.execute("INSERT INTO pending (case_id, version, staged, record) VALUES (?, ?, ?, ?)",
                               (case.id, version, staged.name, json.dumps(record)))
            if not taken:
                return _complete(db, folder, case.id, version)
            staged.unlink()
            if same is not None:
                _complete(db, folder, case.id, same[0])  # finish theirs; the loop then finds it unchanged


def _next_version(db, case_id: str) -> int:
    row = db.execute(
        "SELECT max(v) FROM (SELECT max(version) AS v FROM versions WHERE case_id = ?1"
        " UNION ALL SELECT max(version) FROM pending WHERE case_id = ?1)", (case_id,)).fetchone()
    return (row[0] or 0) + 1


def _stage(folder: Path, content: bytes) -> Path:
    staging = folder / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=staging, suffix=".pdf")
    os.chmod(name, document_mode())
    with os.fdopen(handle, "wb") as file:
        file.write(content)
        file.flush()
        os.fsync(file.fileno())
    return Path(name)


def _record(case: Case, raw: bytes, source_name: str, version: int, pdf: bytes, source_sha: str) -> dict:
    body = case.body
    return {
        "case_id": case.id,
        "version": version,
        "title": case.title,
        "parties": f"{case.parties.us.name}; {case.parties.them.name}",
        "tags": " ".join(case.tags),
        "status": case.status,
        "case_date": case.date.isoformat() if case.date else None,
        "outcome_date": case.outcome.date.isoformat() if case.outcome and case.outcome.date else None,
        "outcome_summary": case.outcome.summary if case.outcome else None,
        "archived_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "source_name": source_name,
        "pdf_path": f"{case.id}/v{version}.pdf",
        "pdf_sha256": _sha256(pdf),
        "source_sha256": source_sha,
        "body": body,
        "lessons": lessons(body),
    }


def lessons(body: str) -> str:
    """The body's "Lessons" section with its subsections (any heading level), or nothing."""
    lines = body.splitlines()
    for n, line in enumerate(lines):
        heading = re.match(r"(#+)\s*Lessons?\b", line, flags=re.I)
        if heading:
            level = len(heading.group(1))
            end = next((m for m in range(n + 1, len(lines))
                        if re.match(rf"#{{1,{level}}}\s", lines[m])), len(lines))
            return "\n".join(lines[n + 1:end]).strip()
    return ""


def _complete(db, folder: Path, case_id: str, version: int) -> Archived:
    """Link the staged file to its final name and index it: the end of a write."""
    row = db.execute("SELECT staged, record FROM pending WHERE case_id = ? AND version = ?", (case_id, version)).fetchone()
    if row is None:  # someone else finished it
        found = db.execute("SELECT id, pdf_path FROM versions WHERE case_id = ? AND version = ?", (case_id, version)).fetchone()
        return Archived(found[0], case_id, version, folder / found[1], unchanged=False)
    staged, record = folder / STAGING / row[0], json.loads(row[1])
    final = folder / record["pdf_path"]
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        if not staged.exists():  # the write died before its file was whole: drop it
            with _transaction(db):
                db.execute("DELETE FROM pending WHERE case_id = ? AND version = ?", (case_id, version))
            raise BriefgenError(f"version {version} of {case_id} was never written; archive the case again")
        try:
            os.link(staged, final)  # never replaces an existing file
        except FileExistsError:
            pass
    if _sha256(final.read_bytes()) != record["pdf_sha256"]:
        raise BriefgenError(f"{final} is not the file being archived; nothing was changed, run briefgen archive verify")
    with _transaction(db):
        found = db.execute("SELECT id FROM versions WHERE case_id = ? AND version = ?", (case_id, version)).fetchone()
        if found is None:
            cursor = db.execute(f"INSERT INTO versions ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                                [record[c] for c in COLUMNS])
            found = (cursor.lastrowid,)
            db.execute("INSERT INTO search (rowid, title, parties, tags, body, lessons) VALUES (?, ?, ?, ?, ?, ?)",
                       (found[0], record["title"], record["parties"], record["tags"], record["body"], record["lessons"]))
        db.execute("DELETE FROM pending WHERE case_id = ? AND version = ?", (case_id, version))
    staged.unlink(missing_ok=True)
    return Archived(found[0], case_id, version, final, unchanged=False)


def _recover(db, folder: Path) -> list[str]:
    """Finish or drop the writes an interrupted process left in the journal."""
    notes = []
    for case_id, version in db.execute("SELECT case_id, version FROM pending ORDER BY case_id, version").fetchall():
        try:
            _complete(db, folder, case_id, version)
            notes.append(f"finished an interrupted write: {case_id} version {version}")
        except BriefgenError as error:
            notes.append(str(error))
    return notes


# --- the index -----------------------------------------------------------------------------------

@contextmanager
def _index(folder: Path, create: bool = True, recover: bool = True) -> Iterator[sqlite3.Connection]:
    path = folder / INDEX
    if not create and not path.exists():
        raise BriefgenError(f"no archive at {folder}: archive a case first (briefgen archive CASE)")
    read_only = not create and _read_only(folder)
    if read_only:  # opened as it is: no log, no schema check, no recovery
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=60, isolation_level=None)  # transactions are explicit
    try:
        if not read_only:
            _wal(db)
            db.execute("PRAGMA busy_timeout=60000")
            _create_schema(db)
            if recover:
                _recover(db, folder)
        yield db
    finally:
        db.close()


def _read_only(folder: Path) -> bool:
    """A published copy or a mounted backup: listed, searched and verified, never written."""
    return not os.access(folder, os.W_OK)


def _wal(db) -> None:
    """Switch to write-ahead logging. While another process is creating the
    index, SQLite refuses the switch at once, without waiting: so wait here."""
    for attempt in range(600):
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 599:
                raise
            time.sleep(0.1)


def _create_schema(db) -> None:
    with _transaction(db):
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)


@contextmanager
def _transaction(db):
    """BEGIN IMMEDIATE takes the write lock at once, so two writers queue, never clash."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def list_versions(folder: Path) -> list[dict]:
    with _index(folder, create=False) as db:
        rows = db.execute(f"SELECT id, {', '.join(COLUMNS)} FROM versions ORDER BY case_id, version").fetchall()
    return [dict(zip(("id", *COLUMNS), row)) for row in rows]


def show(folder: Path, version_id: int) -> dict:
    with _index(folder, create=False) as db:
        row = db.execute(f"SELECT id, {', '.join(COLUMNS)} FROM versions WHERE id = ?", (version_id,)).fetchone()
    if row is None:
        raise BriefgenError(f"no archived version with id {version_id}; briefgen archive list shows the ids")
    return dict(zip(("id", *COLUMNS), row))


def search(folder: Path, query: str, limit: int = 20) -> list[dict]:
    """Full-text search over title, parties, tags, body and lessons, best first."""
    with _index(folder, create=False) as db:
        try:
            rows = db.execute(
                "SELECT v.id, v.case_id, v.version, v.title, snippet(search, -1, '[', ']', '...', 12)"
                " FROM search JOIN versions v ON v.id = search.rowid WHERE search MATCH ? ORDER BY rank LIMIT ?",
                (query, limit)).fetchall()
        except sqlite3.OperationalError as error:
            raise BriefgenError(
                f"cannot search for {query!r} ({error}); use words, \"quoted phrases\", OR, NOT, and prefix*") from None
    return [dict(zip(("id", "case_id", "version", "title", "snippet"), row)) for row in rows]


def extract(folder: Path, version_id: int, target: Path | None = None) -> Path:
    """Write back the exact source embedded in a version's write-up; never overwrite."""
    version = show(folder, version_id)
    source = embedded_source(folder / version["pdf_path"], version["source_name"])
    if _sha256(source) != version["source_sha256"]:
        raise BriefgenError(f"the source inside {version['pdf_path']} does not match the index; run briefgen archive verify")
    target = target or Path(version["source_name"])
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("xb") as file:
            file.write(source)
    except FileExistsError:
        raise BriefgenError(f"{target} exists already; give another path with -o") from None
    return target


def embedded_source(pdf: Path, name: str) -> bytes:
    import pypdf

    attachments = pypdf.PdfReader(pdf).attachments
    if name not in attachments:
        raise BriefgenError(f"{pdf} carries no attachment named {name}")
    return attachments[name][0]


def verify(folder: Path) -> tuple[list[str], list[str]]:
    """(problems, notes): every hash recomputed, every indexed file present, every file indexed."""
    problems: list[str] = []
    with _index(folder, create=False, recover=False) as db:
        if not _read_only(folder):
            notes = _recover(db, folder)  # verify reports the writes it finishes
        else:
            notes = [f"an interrupted write of {case_id} version {version} is pending; it is finished on a writable copy"
                     for case_id, version in db.execute("SELECT case_id, version FROM pending").fetchall()]
        rows = db.execute("SELECT id, case_id, version, pdf_path, pdf_sha256, source_sha256, source_name FROM versions").fetchall()
    indexed = set()
    for vid, case_id, version, pdf_path, pdf_sha, source_sha, source_name in rows:
        indexed.add(pdf_path)
        pdf = folder / pdf_path
        label = f"{pdf_path} (id {vid}, {case_id} version {version})"
        if not pdf.exists():
            problems.append(f"{label}: the file is missing")
            continue
        if _sha256(pdf.read_bytes()) != pdf_sha:
            problems.append(f"{label}: the file has changed since it was archived (SHA-256 differs)")
            continue
        try:
            if _sha256(embedded_source(pdf, source_name)) != source_sha:
                problems.append(f"{label}: the embedded source differs from the one archived")
        except Exception as error:  # a damaged file is a finding, not a crash
            problems.append(f"{label}: the embedded source cannot be read ({error})")
    for file in sorted(folder.rglob("*")):
        relative = file.relative_to(folder).as_posix()
        if file.is_dir() or relative.split("/")[0] == STAGING or relative in INDEX_FILES:
            continue
        if relative not in indexed:
            problems.append(f"{relative}: the file is in the archive folder but not in the index")
    return problems, notes


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the write-up ---------------------------------------------------------------------------------

def render_writeup(case: Case, raw: bytes, source_name: str, version: int, rules: RuleSet,
                   project: Project = Project()) -> bytes:
    """The write-up as PDF/A-3b: the same source and version always give the same bytes."""
    from briefgen import render
    from briefgen.level2.analysis import analyse
    from briefgen.meso import meso

    day = (case.outcome.date if case.outcome and case.outcome.date else None) or case.date or datetime.date(2000, 1, 1)
    stamp = datetime.datetime.combine(day, datetime.time(), datetime.timezone.utc)
    identifier = hashlib.sha256(f"{case.id}:{version}:{_sha256(raw)}".encode()).hexdigest()[:32].encode()
    offers = meso(case)
    brief = render.brief_context(case, offers, analyse(case, rules), day)
    html = render.render_writeup_html(brief, version, stamp.isoformat().replace("+00:00", "Z"), source_name, project)
    attachments = [render.attachment(raw, source_name, "Source", stamp, "The case file this write-up was made from")]
    for n, sheet in enumerate(_sent_sheets(case, offers), start=1):
        pdf = render.html_to_pdf(render.render_offer_sheet_html(sheet[1], project), "offer-sheet.css", project.theme,
                                 pdf_identifier=hashlib.sha256(identifier + bytes([n])).hexdigest()[:32].encode())
        attachments.append(render.attachment(pdf, sheet[0], "Supplement", stamp, "An offer sheet that was sent"))
    return render.html_to_pdf(html, "writeup.css", project.theme, pdf_variant="pdf/a-3b", attachments=attachments,
                              pdf_identifier=identifier)


def _sent_sheets(case: Case, offers) -> list[tuple[str, object]]:
    """The offer sheets that went out: one per recorded round, else the current one."""
    from briefgen import render

    day = case.date or datetime.date(2000, 1, 1)
    if case.rounds:
        return [(f"offer-sheet-round-{n}.pdf", render.offer_sheet_context(case, [{**case.meso.hold, **p} for p in r.offered], r.date or day))
                for n, r in enumerate(case.rounds, start=1) if r.offered]
    if offers.sendable:
        return [("offer-sheet.pdf", render.offer_sheet_context(case, [p.terms for p in offers.packages], day))]
    return []
