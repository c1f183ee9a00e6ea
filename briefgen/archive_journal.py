"""The write protocol: stage, journal, link, index; and the recovery of interrupted writes.

A version becomes visible in three steps, so that a process killed at any point leaves a
verifiable archive: the write-up is written to .staging and flushed; a journal row ("pending")
is committed; the file is linked to its final name (a hard link cannot replace an existing
file) and, in one transaction, the version is indexed, chained to the one before it, and the
journal row removed. Whoever writes next (or verifies) finishes or drops an interrupted write,
from the journal alone. The journal is read as untrusted: a row naming a path outside the
archive, or a record that is not the version it claims to be, is reported and left alone.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import tempfile
from pathlib import Path

from briefgen.archive_index import (COLUMNS, GENESIS, STAGING, Outside, index_for_search, inside, record_sha256,
                                    transaction, typed)
from briefgen.archive_writeup import case_fields, sha256
from briefgen.build import document_mode
from briefgen.case import Case
from briefgen.errors import BriefgenError

class NeverWritten(BriefgenError):
    """A journalled write whose file never became whole: dropped from the journal."""


STAGED_NAME = re.compile(r"tmp[A-Za-z0-9_]+\.pdf")  # what tempfile.mkstemp names a staged write-up


def next_version(db, case_id: str) -> int:
    row = db.execute(
        "SELECT max(v) FROM (SELECT max(version) AS v FROM versions WHERE case_id = ?1"
        " UNION ALL SELECT max(version) FROM pending WHERE case_id = ?1)", (case_id,)).fetchone()
    return (row[0] or 0) + 1


def stage(folder: Path, content: bytes) -> Path:
    """Write the write-up to .staging, flushed; a failed write (a full disk) leaves nothing."""
    staging = inside(folder, STAGING, "the staging folder")  # not a link to elsewhere, even a dangling one
    staging.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=staging, suffix=".pdf")
    try:
        os.chmod(name, document_mode())
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def record(case: Case, source_name: str, version: int, pdf: bytes, source_sha: str, inputs: str | None) -> dict:
    return {
        "case_id": case.id,
        "version": version,
        **case_fields(case),
        "archived_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "source_name": source_name,
        "pdf_path": f"{case.id}/v{version}.pdf",
        "pdf_sha256": sha256(pdf),
        "source_sha256": source_sha,
        "inputs_sha256": inputs,
    }


def complete(db, folder: Path, case_id: str, version: int) -> tuple[int, Path]:
    """Link the staged file to its final name and index it: the end of a write. (id, final path)."""
    row = db.execute("SELECT staged, record FROM pending WHERE case_id = ? AND version = ?", (case_id, version)).fetchone()
    if row is None:  # someone else finished it
        return _indexed(db, folder, case_id, version)
    staged, entry = _trusted(folder, case_id, version, row)
    final = inside(folder, entry["pdf_path"], "the journal's pdf_path")
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        # The staged file is removed only after the version is indexed (when the final file exists):
        # so a missing staged file and a missing final file mean the write died before its file was whole.
        if not staged.exists() and not final.exists():
            with transaction(db):
                db.execute("DELETE FROM pending WHERE case_id = ? AND version = ?", (case_id, version))
            return _indexed(db, folder, case_id, version)
        try:
            os.link(staged, final)  # never replaces an existing file
        except FileExistsError:
            pass
        except OSError as error:
            raise BriefgenError(
                f"could not link {staged.relative_to(folder)} to {entry['pdf_path']} ({error.strerror}): the archive "
                f"folder must be on one file system; {case_id} version {version} stays pending and is finished by the "
                "next briefgen archive or verify") from None
    if final.is_symlink() or sha256(final.read_bytes()) != entry["pdf_sha256"]:
        raise BriefgenError(f"{final} is not the file being archived; nothing was changed, run briefgen archive verify")
    with transaction(db):
        found = db.execute("SELECT id FROM versions WHERE case_id = ? AND version = ?", (case_id, version)).fetchone()
        if found is None:
            head = db.execute("SELECT id, record_sha256 FROM versions ORDER BY id DESC LIMIT 1").fetchone()
            entry = {**entry, "id": (head[0] + 1) if head else 1, "previous_sha256": head[1] if head else GENESIS}
            entry["record_sha256"] = record_sha256(entry)
            names = ["id", *COLUMNS, "previous_sha256", "record_sha256"]
            db.execute(f"INSERT INTO versions ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                       [entry[c] for c in names])
            index_for_search(db, entry)
        db.execute("DELETE FROM pending WHERE case_id = ? AND version = ?", (case_id, version))
    staged.unlink(missing_ok=True)
    return _indexed(db, folder, case_id, version)


def _indexed(db, folder: Path, case_id: str, version: int) -> tuple[int, Path]:
    found = db.execute("SELECT id, pdf_path FROM versions WHERE case_id = ? AND version = ?", (case_id, version)).fetchone()
    if found is None:  # dropped, by this process or another
        raise NeverWritten(f"version {version} of {case_id} was never written; archive the case again")
    return found[0], inside(folder, found[1], "the index's pdf_path")


def _trusted(folder: Path, case_id: str, version: int, row: tuple) -> tuple[Path, dict]:
    """The staged file and the record of a journal row, if the row is what a write leaves."""
    where = f"the journal's row for {case_id} version {version}"
    staged_name, text = row
    if not isinstance(staged_name, str) or not STAGED_NAME.fullmatch(staged_name):
        raise Outside(f"{where} names the staged file {staged_name!r}, which is not a file in {STAGING}; "
                      "it was left alone")
    staged = inside(folder, f"{STAGING}/{staged_name}", "the staged file")
    if staged.is_symlink():
        raise Outside(f"{where}: {staged} is a symbolic link; it was left alone")
    try:
        entry = json.loads(text)
        typed({c: entry[c] for c in COLUMNS}, folder)
    except (TypeError, KeyError, ValueError, BriefgenError):
        raise BriefgenError(f"{where} is damaged (its record cannot be read); it was left alone") from None
    if (entry["case_id"], entry["version"], entry["pdf_path"]) != (case_id, version, f"{case_id}/v{version}.pdf"):
        raise Outside(f"{where} records {entry['pdf_path']!r}, not {case_id}/v{version}.pdf; it was left alone")
    return staged, entry


def recover(db, folder: Path) -> tuple[list[str], list[str]]:
    """Finish or drop the writes an interrupted process left in the journal: (notes, problems).
    A write that cannot be finished is reported and left as it is; everything else still works."""
    notes, problems = [], []
    for case_id, version in db.execute("SELECT case_id, version FROM pending ORDER BY case_id, version").fetchall():
        try:
            complete(db, folder, case_id, version)
            notes.append(f"finished an interrupted write: {case_id} version {version}")
        except NeverWritten as error:
            notes.append(str(error))
        except BriefgenError as error:
            problems.append(str(error))
        except OSError as error:
            problems.append(f"could not finish {case_id} version {version} ({error}); it stays pending")
    return notes, problems
