"""archive verify: is the archive what was archived?

Checked, for every version: its record against the hash chain (a deleted or rewritten
record breaks it), its path (inside the archive, the one its case and version imply), its
file's hash, and what the file itself carries (the source, the PDF's title and identifier)
against the record; the search index against the records; every file against the index.
`deep` re-renders each write-up from its embedded source and compares the bytes.

The order matters when another process is archiving meanwhile: the folder is listed first and
the index read after, in one snapshot. A file is linked before its version is indexed, and its
journal row removed in the same transaction: so every file listed is in that snapshot, indexed
or still journalled, and no file of an indexed version can be missing.
"""
from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from briefgen import agreement_versions as texts
from briefgen.archive_index import (CHAIN, COLUMNS, GENESIS, INDEX, INDEX_FILES, SEARCHED, STAGING, inside,
                                    open_index, read_only, record_sha256, typed)
from briefgen.archive_journal import recover
from briefgen.archive_writeup import carried, fields_of, pdf_identifier, render_writeup, sha256, writeup_title
from briefgen.errors import BriefgenError
from briefgen.project import Project


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    head: str | None = None  # the last record's hash: noted elsewhere, it shows later whether history was rewritten
    versions: int = 0


def verify(folder: Path, deep: bool = False, rules=None, project: Project = Project(),
           head: str | None = None) -> Verification:
    result = Verification()
    files = _files(folder, result)
    with open_index(folder) as db:
        if read_only(folder):
            result.notes += [f"an interrupted write of {c} version {v} is pending; it is finished on a writable copy"
                             for c, v in db.execute("SELECT case_id, version FROM pending").fetchall()]
        else:
            notes, problems = recover(db, folder)  # verify reports the writes it finishes
            result.notes += notes
            result.problems += problems
        db.execute("BEGIN")  # one snapshot of versions, journal and search index
        rows = db.execute(f"SELECT id, {', '.join(COLUMNS)}, {', '.join(CHAIN)} FROM versions ORDER BY id").fetchall()
        journalled = {row[0] for row in db.execute("SELECT json_extract(record, '$.pdf_path') FROM pending")}
        searched = {row[0]: row[1:] for row in db.execute(f"SELECT rowid, {', '.join(SEARCHED)} FROM search")}
        db.execute("COMMIT")
        result.problems += [f"{INDEX}: {line}" for (line,) in db.execute("PRAGMA quick_check")
                            if line != "ok"]
        try:
            db.execute("INSERT INTO search (search) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as error:
            result.problems.append(f"the search index is damaged ({error}): archive search may miss versions")
    previous = GENESIS
    indexed = set()
    for values in rows:
        row = dict(zip(("id", *COLUMNS, *CHAIN), values))
        label = f"{row['pdf_path']} (id {row['id']}, {row['case_id']} version {row['version']})"
        indexed.add(row["pdf_path"])
        entry = searched.pop(row["id"], None)
        try:
            typed(row, folder)
        except BriefgenError as error:
            result.problems.append(str(error))
            previous = row["record_sha256"]
            continue
        result.problems += [f"{label}: {p}" for p in _chain(row, previous)]
        previous = row["record_sha256"]
        result.problems += [f"{label}: {p}" for p in _version(folder, row, deep, rules, project, result.notes)]
        if entry != tuple(row[c] for c in SEARCHED):
            result.problems.append(f"{label}: its search entry is missing or differs from the index (archive search "
                                   "would miss or misreport it)")
    result.problems += [f"the search index has an entry (rowid {rowid}) for no archived version" for rowid in searched]
    result.problems += [f"{name}: the file is in the archive folder but not in the index" for name in files
                        if name not in indexed and name not in journalled and not texts.is_version_file(name)]
    result.problems += texts.problems(folder, files)
    result.versions, result.head = len(rows), previous if rows else None
    if head is not None and head not in {values[-1] for values in rows}:
        result.problems.append(f"the chain head {head} noted earlier is in no record: the history of the archive was "
                               "rewritten, or the head belongs to another archive")
    return result


def _chain(row: dict, previous: str | None) -> list[str]:
    if row["previous_sha256"] != previous:
        return ["the hash chain is broken here: the record before it is not the one this version names "
                "(a version was deleted, or an earlier record rewritten)"]
    if row["record_sha256"] != record_sha256(row):
        return ["the record was changed after it was archived (its hash does not match what it says)"]
    return []


def _version(folder: Path, row: dict, deep: bool, rules, project: Project, notes: list[str]) -> list[str]:
    """What is wrong with one version's file, judged against its record."""
    if row["pdf_path"] != f"{row['case_id']}/v{row['version']}.pdf":
        return [f"the index gives it the path {row['pdf_path']!r}, not {row['case_id']}/v{row['version']}.pdf"]
    try:
        pdf = inside(folder, row["pdf_path"], "the index's pdf_path")
    except BriefgenError as error:
        return [str(error)]
    if pdf.is_symlink() or (pdf.exists() and not pdf.is_file()):
        return ["it is not a regular file"]
    if not pdf.exists():
        return ["the file is missing"]
    content = pdf.read_bytes()
    if sha256(content) != row["pdf_sha256"]:
        return ["the file has changed since it was archived (SHA-256 differs)"]
    try:
        source, title, identifier = carried(pdf, row["source_name"])
    except BriefgenError as error:
        return [f"the embedded source cannot be read ({error})"]
    problems = []
    if sha256(source) != row["source_sha256"]:
        problems.append("the embedded source differs from the one archived")
    if title != writeup_title(row["title"], row["version"]):
        problems.append(f"the write-up's title is {title!r}, not {writeup_title(row['title'], row['version'])!r}")
    if identifier != pdf_identifier(row["case_id"], row["version"], sha256(source)):
        problems.append("the write-up was not made for this case, version and source (its PDF identifier differs)")
    try:
        found = fields_of(source, row)
    except BriefgenError as error:
        notes.append(f"{row['pdf_path']}: not compared with its source: {error}")
        return problems
    problems += [f"the index says {key} {_short(row[key])}, its write-up's source says {_short(found[key])}"
                 for key in found if row[key] != found[key]]
    if deep and not problems:
        problems += _rerendered(source, content, row, rules, project, notes)
    return problems


def _rerendered(source: bytes, content: bytes, row: dict, rules, project: Project, notes: list[str]) -> list[str]:
    """Re-render the write-up from its embedded source: the same inputs give the same bytes."""
    from briefgen.build import inputs_fingerprint
    from briefgen.case import parse_case

    case = parse_case(source, row["source_name"], row["case_id"], project.locale)
    if render_writeup(case, source, row["source_name"], row["version"], rules, project) == content:
        return []
    if row["inputs_sha256"] != inputs_fingerprint(project):
        notes.append(f"{row['pdf_path']}: re-rendered, it differs, but briefgen, its templates, the rules or the theme "
                     "changed since it was archived, so this says nothing")
        return []
    return ["re-rendered from its embedded source, the write-up differs from the archived one (its pages were "
            "changed after rendering, or the fonts or WeasyPrint changed since)"]


def _files(folder: Path, result: Verification) -> list[str]:
    """Every regular file of the archive but the index and .staging; symbolic links are problems."""
    found = []
    for top, folders, names in os.walk(folder):
        relative = Path(top).relative_to(folder).as_posix()
        for name in sorted(folders + names):
            path = f"{name}" if relative == "." else f"{relative}/{name}"
            if os.path.islink(os.path.join(top, name)):
                result.problems.append(f"{path}: a symbolic link; an archive holds only regular files")
            elif name in names and not (relative == "." and name in INDEX_FILES):
                found.append(path)
        folders[:] = sorted(f for f in folders if not os.path.islink(os.path.join(top, f))
                            and not (relative == "." and f == STAGING))
    return sorted(found)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
