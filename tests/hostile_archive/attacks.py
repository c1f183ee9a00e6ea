"""Attacks on an archive folder (issue 16): each builder tampers with an intact archive the way
someone with write access to the folder could, and says what `briefgen archive verify` must report.

The base archive (see `build_base`) holds hiring v1 (id 1), hiring v2 (id 2) and relocation v1
(id 3). Builders marked `rechain` also recompute the hash chain, as an attacker who has read
the code would: those are caught by what the write-ups themselves carry, or only by `--deep`.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from briefgen.archive_index import CHAIN, COLUMNS, GENESIS, INDEX, record_sha256


def stand_in_pdf(raw: bytes, source_name: str, version: int, case_id: str = "hiring", title: str = "") -> bytes:
    """A fast stand-in for the write-up: one blank page carrying the source, the title and the
    identifier verify expects of a write-up."""
    import hashlib
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(72, 72))
    pdf.attachments[source_name] = pikepdf.AttachedFileSpec(pdf, raw, filename=source_name)
    pdf.docinfo["/Title"] = f"{title} (case write-up, version {version})"
    source_sha = hashlib.sha256(raw).hexdigest()
    identifier = hashlib.sha256(f"{case_id}:{version}:{source_sha}".encode()).hexdigest()[:32].encode()
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class Attack:
    tamper: object  # (folder) -> None
    expect: tuple[str, ...]  # fragments, each in some problem verify reports


def sql(folder: Path, statement: str, *parameters) -> list:
    with contextlib.closing(sqlite3.connect(folder / INDEX)) as db, db:
        return db.execute(statement, parameters).fetchall()


def rechain(folder: Path) -> None:
    """Recompute every record's hash and link, as the archiving code does."""
    with contextlib.closing(sqlite3.connect(folder / INDEX)) as db, db:
        db.row_factory = sqlite3.Row
        previous = GENESIS
        for row in [dict(r) for r in db.execute(f"SELECT id, {', '.join(COLUMNS)}, {', '.join(CHAIN)} FROM versions ORDER BY id")]:
            row["previous_sha256"] = previous
            previous = record_sha256(row)
            db.execute("UPDATE versions SET previous_sha256 = ?, record_sha256 = ? WHERE id = ?", (row["previous_sha256"], previous, row["id"]))


def delete_version(folder: Path, vid: int) -> None:
    path = sql(folder, "SELECT pdf_path FROM versions WHERE id = ?", vid)[0][0]
    sql(folder, "DELETE FROM versions WHERE id = ?", vid)
    sql(folder, "DELETE FROM search WHERE rowid = ?", vid)
    (folder / path).unlink()


def rewrite(column: str, value, rechained: bool = False):
    def tamper(folder: Path) -> None:
        sql(folder, f"UPDATE versions SET {column} = ? WHERE id = 1", value)
        if column in ("title", "body"):
            sql(folder, f"UPDATE search SET {column} = ? WHERE rowid = 1", value)
        if rechained:
            rechain(folder)
    return tamper


def swap_paths(folder: Path) -> None:
    for vid, path in ((1, "swapping"), (2, "hiring/v1.pdf"), (1, "hiring/v2.pdf")):  # pdf_path is UNIQUE
        sql(folder, "UPDATE versions SET pdf_path = ? WHERE id = ?", path, vid)


def swap_files(folder: Path) -> None:
    one, two = folder / "hiring" / "v1.pdf", folder / "hiring" / "v2.pdf"
    one.rename(folder / "swap")
    two.rename(one)
    (folder / "swap").rename(two)


def replace_source(fix_identifier: bool):
    """Replace hiring v1's embedded source, update every hash and field of its row, rechain; and
    with `fix_identifier`, also the PDF's /ID: then only re-rendering shows that the pages differ."""
    def tamper(folder: Path) -> None:
        from briefgen.archive_writeup import case_fields, pdf_identifier
        from briefgen.case import parse_case

        pdf_path = folder / "hiring" / "v1.pdf"
        name = sql(folder, "SELECT source_name FROM versions WHERE id = 1")[0][0]
        with pikepdf.open(pdf_path) as pdf:
            forged = pdf.attachments[name].get_file().read_bytes().replace(b"Senior engineer", b"Junior engineer")
            pdf.attachments[name] = pikepdf.AttachedFileSpec(pdf, forged, filename=name)
            source_sha = hashlib.sha256(forged).hexdigest()
            if fix_identifier:
                identifier = pdf_identifier("hiring", 1, source_sha)
                pdf.trailer.ID = pikepdf.Array([pikepdf.String(identifier), pikepdf.String(identifier)])
            pdf.docinfo["/Title"] = str(pdf.docinfo["/Title"]).replace("Senior engineer", "Junior engineer")
            buffer = io.BytesIO()
            pdf.save(buffer)
        pdf_path.write_bytes(buffer.getvalue())
        fields = case_fields(parse_case(forged, name, "hiring"))
        assignments = ", ".join(f"{key} = ?" for key in fields)
        sql(folder, f"UPDATE versions SET {assignments}, pdf_sha256 = ?, source_sha256 = ? WHERE id = 1",
            *fields.values(), hashlib.sha256(buffer.getvalue()).hexdigest(), source_sha)
        sql(folder, "UPDATE search SET title = ? WHERE rowid = 1", fields["title"])
        rechain(folder)
    return tamper


def journal_row(staged: str, pdf_path: str):
    """A pending row as a write leaves it, but naming paths of the attacker's choosing."""
    def tamper(folder: Path) -> None:
        record = {c: None for c in COLUMNS} | dict(
            case_id="hiring", version=3, title="t", parties="p", tags="", status="preparing", archived_at="now",
            source_name="hiring.md", pdf_path=pdf_path, body="", lessons="", constituencies="", rounds="",
            pdf_sha256=hashlib.sha256(b"victim").hexdigest(), source_sha256="0" * 64)
        sql(folder, "INSERT INTO pending VALUES ('hiring', 3, ?, ?)", staged, json.dumps(record))
    return tamper


LABEL_1 = "hiring/v1.pdf (id 1, hiring version 1): "
ATTACKS = {
    "deleted-version-row-file-and-search-entry": Attack(
        lambda folder: delete_version(folder, 2), ("relocation/v1.pdf (id 3, relocation version 1): the hash chain is broken",)),
    "rewritten-title": Attack(rewrite("title", "Nothing to see"), (
        LABEL_1 + "the record was changed after it was archived", LABEL_1 + "the index says title 'Nothing to see'")),
    "rewritten-status": Attack(rewrite("status", "abandoned"), (LABEL_1 + "the record was changed",)),
    "rewritten-outcome": Attack(rewrite("outcome_summary", "We won."), (LABEL_1 + "the record was changed",)),
    "rewritten-body": Attack(rewrite("body", "Nothing happened."), (LABEL_1 + "the record was changed",)),
    "rewritten-case-date": Attack(rewrite("case_date", "1999-01-01"), (LABEL_1 + "the record was changed",)),
    "rewritten-archiving-date": Attack(rewrite("archived_at", "2001-01-01T00:00:00+00:00"), (LABEL_1 + "the record was changed",)),
    "rewritten-title-and-rechained": Attack(rewrite("title", "Nothing to see", rechained=True), (
        LABEL_1 + "the write-up's title is", LABEL_1 + "the index says title 'Nothing to see'")),
    "rewritten-status-and-rechained": Attack(rewrite("status", "abandoned", rechained=True), (
        LABEL_1 + "the index says status 'abandoned', its write-up's source says 'preparing'",)),
    "emptied-search-index": Attack(lambda folder: sql(folder, "DELETE FROM search"), (
        LABEL_1 + "its search entry is missing", "relocation/v1.pdf (id 3, relocation version 1): its search entry is missing")),
    "deleted-search-entry": Attack(lambda folder: sql(folder, "DELETE FROM search WHERE rowid = 3"), (
        "(id 3, relocation version 1): its search entry is missing",)),
    "rewritten-search-entry": Attack(lambda folder: sql(folder, "UPDATE search SET body = 'x' WHERE rowid = 2"), (
        "(id 2, hiring version 2): its search entry is missing or differs",)),
    "search-entry-for-nothing": Attack(lambda folder: sql(folder, "INSERT INTO search (rowid, title) VALUES (99, 'ghost')"), (
        "the search index has an entry (rowid 99) for no archived version",)),
    "swapped-paths": Attack(swap_paths, ("hiring/v2.pdf (id 1, hiring version 1): the index gives it the path 'hiring/v2.pdf'",)),
    "swapped-files": Attack(swap_files, (LABEL_1 + "the file has changed since it was archived",)),
    "consistently-replaced-source-and-hashes": Attack(replace_source(fix_identifier=False), (
        LABEL_1 + "the write-up was not made for this case, version and source (its PDF identifier differs)",)),
    "blob-where-a-path-belongs": Attack(lambda folder: sql(folder, "UPDATE versions SET pdf_path = CAST('hiring/v1.pdf' AS BLOB) WHERE id = 1"), (
        "the row of id 1 is damaged (pdf_path is a BLOB or not UTF-8, not what belongs there)",)),
    "path-outside-the-archive": Attack(lambda folder: sql(folder, "UPDATE versions SET pdf_path = '../../victim.txt' WHERE id = 3"), (
        "the index gives it the path '../../victim.txt', not relocation/v1.pdf",)),
    "journal-row-outside-the-archive": Attack(journal_row("../../victim.txt", "../../victim-link.txt"), (
        "names the staged file '../../victim.txt', which is not a file in .staging; it was left alone",)),
    "journal-row-linking-outside": Attack(journal_row("tmpabc.pdf", "../../victim-link.txt"), (
        "records '../../victim-link.txt', not hiring/v3.pdf; it was left alone",)),
    "case-folder-is-a-link": Attack(lambda folder: (folder / "elsewhere").symlink_to(folder.parent), (
        "elsewhere: a symbolic link; an archive holds only regular files",)),
}
