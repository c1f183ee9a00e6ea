"""The archive: case write-ups that can be found and trusted for years.

An archive folder (default: the project's `archive/`) holds:

    index.sqlite          every archived version (a hash chain), a journal of writes
                          under way, and a full-text index (SQLite FTS5)
    <case-id>/v<N>.pdf    one PDF/A-3 write-up per version, never overwritten,
                          carrying the exact source file (and the offer sheets
                          sent) as attachments
    .staging/             files being written; never part of the archive

Nothing is ever overwritten or deleted. The modules along its seams:
archive_index (the SQLite file, read as untrusted), archive_journal (the write
protocol and recovery), archive_writeup (making and reading a write-up),
archive_search and archive_verify. Two processes writing at once are
serialised by SQLite's write lock; the version number is taken inside it.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from briefgen import archive_journal as journal
from briefgen.archive_index import INDEX, STAGING, inside, open_index, read_versions, transaction
from briefgen.archive_search import search
from briefgen.archive_verify import verify
from briefgen.archive_writeup import embedded_source, lessons, render_writeup, sha256
from briefgen.case import case_id_for, parse_case
from briefgen.errors import BriefgenError
from briefgen.level2.rules import RuleSet
from briefgen.project import Project

__all__ = ["INDEX", "STAGING", "Archived", "archive_case", "embedded_source", "extract", "lessons", "list_versions",
           "render_writeup", "search", "show", "verify"]


@dataclass(frozen=True)
class Archived:
    id: int
    case_id: str
    version: int
    pdf: Path
    unchanged: bool  # True: the source had not changed since this version
    notes: tuple[str, ...] = field(default=())  # what recovering interrupted writes did or could not do


def archive_case(path: Path, folder: Path, rules: RuleSet, project: Project = Project()) -> Archived:
    """Archive the case file at `path` as a new version, unless it is unchanged."""
    from briefgen.build import inputs_fingerprint

    raw = path.read_bytes()
    case = parse_case(raw, str(path), case_id_for(path), project.locale)
    source_sha = sha256(raw)
    with open_index(folder, create=True) as db:
        notes, problems = journal.recover(db, folder)
        notes = tuple(notes + problems)
        while True:
            latest = db.execute(
                "SELECT id, version, source_sha256, pdf_path FROM versions WHERE case_id = ? ORDER BY version DESC LIMIT 1",
                (case.id,)).fetchone()
            if latest and latest[2] == source_sha:
                return Archived(latest[0], case.id, latest[1], folder / f"{case.id}/v{latest[1]}.pdf", True, notes)
            version = journal.next_version(db, case.id)
            inside(folder, f"{case.id}/v{version}.pdf", "the write-up's path")  # a case folder linked elsewhere
            pdf = render_writeup(case, raw, path.name, version, rules, project)
            entry = journal.record(case, path.name, version, pdf, source_sha, inputs_fingerprint(project))
            staged = journal.stage(folder, pdf)
            try:
                with transaction(db):
                    # Under the lock, count writes under way too: another process may
                    # have taken this version, or be writing this very source.
                    same = db.execute("SELECT version FROM pending WHERE case_id = ? AND json_extract(record, '$.source_sha256') = ?",
                                      (case.id, source_sha)).fetchone()
                    taken = same is not None or journal.next_version(db, case.id) != version
                    if not taken:
                        db.execute("INSERT INTO pending (case_id, version, staged, record) VALUES (?, ?, ?, ?)",
                                   (case.id, version, staged.name, json.dumps(entry)))
            except BaseException:
                staged.unlink()  # not journalled: nothing half-written stays
                raise
            if not taken:
                vid, final = journal.complete(db, folder, case.id, version)
                return Archived(vid, case.id, version, final, False, notes)
            staged.unlink()
            if same is not None:
                journal.complete(db, folder, case.id, same[0])  # finish theirs; the loop then finds it unchanged


def list_versions(folder: Path) -> list[dict]:
    with open_index(folder) as db:
        return read_versions(db, folder)


def show(folder: Path, version_id: int) -> dict:
    with open_index(folder) as db:
        found = read_versions(db, folder, "WHERE id = ?", (version_id,))
    if not found:
        raise BriefgenError(f"no archived version with id {version_id}; briefgen archive list shows the ids")
    return found[0]


def extract(folder: Path, version_id: int, target: Path | None = None) -> Path:
    """Write back the exact source embedded in a version's write-up; never overwrite."""
    version = show(folder, version_id)
    name = version["source_name"]
    if target is None and (os.sep in name or "/" in name or name in ("", ".", "..")):
        raise BriefgenError(f"the index names the source {name!r}, which is not a plain file name; "
                            "give a path with -o, and run briefgen archive verify")
    source = embedded_source(inside(folder, version["pdf_path"], "the index's pdf_path"), name)
    if sha256(source) != version["source_sha256"]:
        raise BriefgenError(f"the source inside {version['pdf_path']} does not match the index; run briefgen archive verify")
    target = target or Path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("xb") as file:
            file.write(source)
    except FileExistsError:
        raise BriefgenError(f"{target} exists already; give another path with -o") from None
    return target
