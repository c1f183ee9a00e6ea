"""The archive's index, index.sqlite: opened, created or migrated, and read as untrusted.

An archive folder may come from someone else (a restored backup, a shared drive), so
nothing read from the index is taken on trust: a path must name a place inside the archive
folder (`inside`), a value must have its column's type (`typed`), and a damaged file, a full
disk or a read-only folder is a one-line message saying what to do, never a traceback.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from briefgen.errors import BriefgenError

INDEX = "index.sqlite"
INDEX_FILES = {INDEX, f"{INDEX}-wal", f"{INDEX}-shm", f"{INDEX}-journal"}
STAGING = ".staging"
SCHEMA_VERSION = 1  # PRAGMA user_version: 0 is the first archives' layout (no chain, no constituencies)

# What a version's record says, in the order the chain hashes it; None where NULL is allowed.
COLUMNS = {"case_id": str, "version": int, "title": str, "parties": str, "tags": str, "status": str,
           "case_date": str | None, "outcome_date": str | None, "outcome_summary": str | None,
           "archived_at": str, "source_name": str, "pdf_path": str, "pdf_sha256": str, "source_sha256": str,
           "body": str, "lessons": str, "constituencies": str, "rounds": str, "inputs_sha256": str | None}
CHAIN = ("previous_sha256", "record_sha256")
SEARCHED = ("title", "parties", "tags", "constituencies", "rounds", "body", "lessons")
GENESIS = "0" * 64  # the previous_sha256 of the first version

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL, version INTEGER NOT NULL, title TEXT NOT NULL, parties TEXT NOT NULL,
    tags TEXT NOT NULL, status TEXT NOT NULL, case_date TEXT, outcome_date TEXT, outcome_summary TEXT,
    archived_at TEXT NOT NULL, source_name TEXT NOT NULL, pdf_path TEXT NOT NULL UNIQUE,
    pdf_sha256 TEXT NOT NULL, source_sha256 TEXT NOT NULL, body TEXT NOT NULL, lessons TEXT NOT NULL,
    constituencies TEXT NOT NULL DEFAULT '', rounds TEXT NOT NULL DEFAULT '', inputs_sha256 TEXT,
    previous_sha256 TEXT, record_sha256 TEXT,
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
    {', '.join(SEARCHED)}, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""


class Outside(BriefgenError):
    """A path read from the index or the journal that names a place outside the archive."""


@contextmanager
def open_index(folder: Path, create: bool = False) -> Iterator[sqlite3.Connection]:
    """The index, in autocommit mode (transactions are explicit). A read-only archive (a
    mounted backup, a published copy) is read from a private copy, log included, so that
    nothing is written to it and a version committed before a crash is still seen."""
    path = folder / INDEX
    if not create and not (path.exists() or path.is_symlink()):
        raise BriefgenError(f"no archive at {folder}: archive a case first (briefgen archive CASE)")
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise BriefgenError(f"{path} is not a file: an archive's index must be a regular file in it; "
                            "move it away or restore it from a backup")
    with tempfile.TemporaryDirectory(prefix="briefgen-index-") as private:
        try:
            if read_only(folder):
                if create:
                    raise BriefgenError(f"{folder} is read-only: archive into a writable folder (-a DIR)")
                db = _private_copy(path, Path(private))
            else:
                folder.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=60, isolation_level=None)
        except OSError as error:
            raise environment_error(error, folder) from None
        db.text_factory = _text
        try:
            db.execute("PRAGMA busy_timeout=60000")
            _wal(db)
            _prepare(db, folder)
            yield db
        except sqlite3.DatabaseError as error:
            raise index_error(path, error) from None
        except OSError as error:
            raise environment_error(error, folder) from None
        finally:
            db.close()


def read_only(folder: Path) -> bool:
    index = folder / INDEX
    return (folder.exists() and not os.access(folder, os.W_OK)) or (index.is_file() and not os.access(index, os.W_OK))


def _private_copy(path: Path, into: Path) -> sqlite3.Connection:
    """A copy of the index and its write-ahead log; opening the copy replays the log into it."""
    for name in (INDEX, f"{INDEX}-wal"):
        if (path.parent / name).is_file():
            shutil.copyfile(path.parent / name, into / name)
    return sqlite3.connect(into / INDEX, isolation_level=None)


def _text(data: bytes) -> str | bytes:
    """Text that is not UTF-8 is read as bytes: a damaged value, reported as such, not an exception."""
    try:
        return data.decode()
    except UnicodeDecodeError:
        return data


def index_error(path: Path, error: sqlite3.DatabaseError) -> BriefgenError:
    """What a failure of SQLite means for the user, in one line."""
    code = getattr(error, "sqlite_errorname", "")
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or type(error) is sqlite3.DatabaseError:
        return BriefgenError(f"{path} is damaged ({error}): restore it from a backup (every write-up still "
                             "carries its source); nothing was changed")
    if code == "SQLITE_FULL":
        return BriefgenError(f"{path}: the disk is full: free some space and run the command again; nothing was changed")
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return BriefgenError(f"{path} is locked by another process: run the command again when it has finished")
    if code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_IOERR")):
        return BriefgenError(f"cannot use {path} ({error}): check that the archive folder is writable, "
                             "or archive into another one (-a DIR); nothing was changed")
    return BriefgenError(f"{path}: {error}; run briefgen archive verify")


def environment_error(error: OSError, folder: Path) -> BriefgenError:
    where = error.filename or folder
    if error.errno == 28:  # ENOSPC
        return BriefgenError(f"{where}: the disk is full: free some space and run the command again; nothing was archived")
    return BriefgenError(f"cannot write {where} ({error.strerror or error}): check that the archive folder is "
                         "writable, or archive into another one (-a DIR); nothing was archived")


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


def _prepare(db, folder: Path) -> None:
    """Create the schema, or migrate an index of an earlier layout to this one."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise BriefgenError(f"{folder / INDEX} was made by a newer briefgen (layout {version}): upgrade briefgen")
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")}
    if version == SCHEMA_VERSION:
        return
    if tables - {"versions", "pending", "search"} and "versions" not in tables:
        raise BriefgenError(f"{folder / INDEX} is not an archive index: move it away or use another folder (-a DIR)")
    with transaction(db):
        if db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return  # another process migrated it meanwhile
        if "versions" in tables:
            _migrate(db, folder)
        else:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _migrate(db, folder: Path) -> None:
    """Layout 0 -> 1: the new columns, filled from each write-up's own source where it can be
    read; a hash chain over the versions as they stand; the search index rebuilt with stemming."""
    from briefgen.archive_writeup import fields_of_source

    have = {row[1] for row in db.execute("PRAGMA table_info(versions)")}
    for column in ("constituencies", "rounds", "inputs_sha256", *CHAIN):
        if column not in have:
            default = " NOT NULL DEFAULT ''" if column in ("constituencies", "rounds") else ""
            db.execute(f"ALTER TABLE versions ADD COLUMN {column} TEXT{default}")
    db.execute("DROP TABLE IF EXISTS search")
    db.execute(SCHEMA.split(";")[2])
    previous = GENESIS
    for row in db.execute(f"SELECT id, {', '.join(COLUMNS)} FROM versions ORDER BY id").fetchall():
        record = typed(dict(zip(("id", *COLUMNS), row)), folder)
        try:
            found = fields_of_source(folder, record)
            record.update(constituencies=found["constituencies"], rounds=found["rounds"])
        except BriefgenError:
            pass  # a missing or unreadable write-up: verify reports it
        record["previous_sha256"] = previous
        previous = record["record_sha256"] = record_sha256(record)
        db.execute("UPDATE versions SET constituencies = ?, rounds = ?, previous_sha256 = ?, record_sha256 = ? WHERE id = ?",
                   (record["constituencies"], record["rounds"], record["previous_sha256"], previous, record["id"]))
        index_for_search(db, record)


@contextmanager
def transaction(db):
    """BEGIN IMMEDIATE takes the write lock at once, so two writers queue, never clash."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # a failed COMMIT (a full disk) leaves the transaction open
            db.execute("ROLLBACK")
        raise


def index_for_search(db, record: dict) -> None:
    db.execute(f"INSERT INTO search (rowid, {', '.join(SEARCHED)}) VALUES (?{', ?' * len(SEARCHED)})",
               (record["id"], *(record[c] for c in SEARCHED)))


def record_sha256(record: dict) -> str:
    """The hash of a version's record: its id, every column, and the hash of the record before it."""
    fields = {"id": record["id"], **{c: record[c] for c in COLUMNS}, "previous_sha256": record["previous_sha256"]}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_versions(db, folder: Path, where: str = "", parameters: tuple = ()) -> list[dict]:
    rows = db.execute(f"SELECT id, {', '.join(COLUMNS)}, {', '.join(CHAIN)} FROM versions {where} ORDER BY id",
                      parameters).fetchall()
    return [typed(dict(zip(("id", *COLUMNS, *CHAIN), row)), folder) for row in rows]


def typed(row: dict, folder: Path) -> dict:
    """The row, if every value has its column's type; a damaged row is an error that says so."""
    for column, kind in {"id": int, **COLUMNS}.items():
        if column in row and not isinstance(row[column], kind):
            got = "NULL" if row[column] is None else {bytes: "a BLOB or not UTF-8", int: "a number", float: "a number"}.get(
                type(row[column]), "text")
            raise BriefgenError(f"{folder / INDEX}: the row of id {row.get('id')!r} is damaged ({column} is {got}, "
                                "not what belongs there): restore the index from a backup")
    return row


def inside(folder: Path, relative: object, what: str) -> Path:
    """`folder / relative`, if `relative` (read from the index or the journal) is a relative path
    of plain names that stays inside the archive folder, symbolic links resolved."""
    parts = relative.split("/") if isinstance(relative, str) else []
    if not parts or any(part in ("", ".", "..") or "\\" in part for part in parts) or not _resolves_inside(folder, relative):
        raise Outside(f"{what} {relative!r} points outside the archive {folder}; it was left alone "
                      "(restore the index from a backup)")
    return folder / relative


def _resolves_inside(folder: Path, relative: str) -> bool:
    try:
        return (folder / relative).resolve().is_relative_to(folder.resolve())
    except (ValueError, OSError, RuntimeError):  # a NUL, a lone surrogate, a link loop (RuntimeError in 3.11)
        return False
