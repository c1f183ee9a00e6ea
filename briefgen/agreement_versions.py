"""The versions of a case's agreement text, kept in the archive folder for as long as the archive.

    <archive>/<case-id>/texts/v<N>.json

Each version holds the text as written, the terms it was filled with, the filled
lines as the draft printed them (so that `--compare N` needs no old briefgen to
re-read an old case), and the whole case file it came from. A version is added
only when the text, its terms or the counterpart's locale changed. Like the
write-ups, nothing is overwritten: a version is written to `.staging/` and
hard-linked to its name, which fails if another process took that number.
Tamper evidence, as cheap as it gets: each version carries the SHA-256 of its
own record and of the version before (a hash chain per case), checked by
`briefgen archive verify`.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
from pathlib import Path

from briefgen.agreement import Line, Piece
from briefgen.archive_index import GENESIS, STAGING, inside, open_index
from briefgen.errors import BriefgenError

TEXTS = "texts"
VERSION_FILE = re.compile(r"[^/]+/texts/v([1-9][0-9]{0,5})\.json")
MAX_VERSION_BYTES = 4_000_000  # a case file (1 MB at most) and its text, as JSON


def content(case, text_lines: tuple[Line, ...], terms: dict, shown) -> dict:
    """What identifies a version (text, terms, locale) and what it printed."""
    return {"text": case.agreement, "terms": dict(terms), "locale": case.offer_sheet.locale,
            "lines": [[line.level, line.gap, [[p.text, p.bold, p.italic, p.term] for p in line.pieces]] for line in text_lines],
            "terms_shown": [list(term) for term in shown]}


def lines_of(record: dict) -> tuple[Line, ...]:
    """A version's lines as the draft printed them."""
    return tuple(Line(number, level, gap, tuple(Piece(*piece) for piece in pieces))
                 for number, (level, gap, pieces) in enumerate(record["lines"], start=1))


def _same(a: dict, b: dict) -> bool:
    return (a["text"], a["terms"], a["locale"]) == (b["text"], b["terms"], b["locale"])


def versions(archive: Path, case_id: str) -> list[dict]:
    """Every version of a case's text, in order (an archive folder is untrusted: each is checked)."""
    folder = inside(archive, f"{case_id}/{TEXTS}", "the texts folder")
    if not folder.is_dir():
        return []
    found = []
    for number in range(1, 10**6):
        path = folder / f"v{number}.json"
        if not path.exists():
            break
        found.append(_read(path, case_id, number))
    return found


def _read(path: Path, case_id: str, number: int, fix: str = "; run briefgen archive verify") -> dict:
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_VERSION_BYTES:
        raise BriefgenError(f"{path}: not a version of the agreement text (a link, not a file, or too large){fix}")
    try:
        record = json.loads(path.read_bytes())
        ok = (isinstance(record, dict) and record.get("version") == number and record.get("case_id") == case_id
              and isinstance(record.get("terms"), dict) and _shaped(record))
    except ValueError:
        ok = False
    if not ok:
        raise BriefgenError(f"{path}: cannot be read as version {number} of {case_id}'s agreement text{fix}")
    return record


def _shaped(record: dict) -> bool:
    """Whether a version's lines and terms are what this module writes (the file may come from anyone)."""
    def piece(p) -> bool:
        return (isinstance(p, list) and len(p) == 4 and isinstance(p[0], str) and isinstance(p[1], bool)
                and isinstance(p[2], bool) and (p[3] is None or isinstance(p[3], str)))

    lines, shown = record.get("lines"), record.get("terms_shown")
    return (isinstance(lines, list) and all(
        isinstance(line, list) and len(line) == 3 and line[0] in (0, 1, 2, 3) and isinstance(line[1], bool)
        and isinstance(line[2], list) and all(map(piece, line[2])) for line in lines)
        and isinstance(shown, list) and all(isinstance(t, list) and len(t) == 3 and all(isinstance(x, str) for x in t)
                                            for t in shown))


def number_for(archive: Path, case_id: str, new: dict) -> tuple[int, bool]:
    """The number the text has (True: already recorded) or would get (False)."""
    found = versions(archive, case_id)
    if found and _same(found[-1], new):
        return len(found), True
    return len(found) + 1, False


def record(archive: Path, case_id: str, new: dict, source_name: str, source: bytes,
           today: datetime.date) -> tuple[int, bool]:
    """Keep `new` as the next version unless it is the latest already; (its number, whether it was added)."""
    found = versions(archive, case_id)
    if found and _same(found[-1], new):
        return len(found), False
    number = len(found) + 1
    entry = {"case_id": case_id, "version": number, "date": today.isoformat(), **new, "source_name": source_name,
             "source": source.decode("utf-8"), "source_sha256": hashlib.sha256(source).hexdigest(),
             "previous_sha256": found[-1]["sha256"] if found else GENESIS}
    entry["sha256"] = record_sha256(entry)
    target = inside(archive, f"{case_id}/{TEXTS}/v{number}.json", "the version's path")
    try:
        with open_index(archive, create=True):  # an archive that `archive verify` can check, even with no write-up yet
            pass
        staging = inside(archive, STAGING, "the staging folder")
        staging.mkdir(parents=True, exist_ok=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = staging / f"{case_id}.text-v{number}.{os.getpid()}.json"
        staged.write_bytes(json.dumps(entry, ensure_ascii=False, indent=1).encode())
        try:
            os.link(staged, target)  # never replaces a file: another process's version stays
        finally:
            staged.unlink()
    except FileExistsError:
        raise BriefgenError(f"{target}: another process recorded version {number} meanwhile; run the command again") from None
    except OSError as error:
        raise BriefgenError(f"{target}: cannot write the version ({error.strerror or error}); make the archive folder "
                            "writable (or give another with -a), nothing was changed") from None
    return number, True


def record_sha256(entry: dict) -> str:
    return hashlib.sha256(json.dumps({k: v for k, v in entry.items() if k != "sha256"}, sort_keys=True,
                                     ensure_ascii=False).encode()).hexdigest()


def read(archive: Path, case_id: str, number: int) -> dict:
    found = versions(archive, case_id)
    if not 1 <= number <= len(found):
        have = f"versions 1 to {len(found)}" if len(found) > 1 else "version 1" if found else "no version yet (briefgen text records one)"
        raise BriefgenError(f"there is no version {number} of {case_id}'s agreement text in {archive}: it has {have}")
    return found[number - 1]


def is_version_file(relative: str) -> bool:
    """A path (relative to the archive) where versions of a text live, for archive verify's inventory."""
    return bool(VERSION_FILE.fullmatch(relative))


def problems(archive: Path, files: list[str]) -> list[str]:
    """What archive verify says of the texts: each version's own hash, the chain, the numbering, the source."""
    found = []
    by_case: dict[str, list[int]] = {}
    for relative in files:
        if match := VERSION_FILE.fullmatch(relative):
            by_case.setdefault(relative.split("/")[0], []).append(int(match[1]))
    for case_id, numbers in sorted(by_case.items()):
        numbers.sort()
        if numbers != list(range(1, len(numbers) + 1)):
            found.append(f"{case_id}/{TEXTS}: versions {numbers} of the agreement text are not numbered 1 to "
                         f"{len(numbers)}: a version was deleted or renamed")
        previous = GENESIS
        for number in numbers:
            label = f"{case_id}/{TEXTS}/v{number}.json"
            try:
                entry = _read(archive / label, case_id, number, fix="")
            except BriefgenError as error:
                found.append(str(error))
                previous = None
                continue
            if entry.get("sha256") != record_sha256(entry):
                found.append(f"{label}: the version was changed after it was recorded (its hash does not match what it says)")
            elif previous is not None and entry.get("previous_sha256") != previous:
                found.append(f"{label}: the hash chain of the text's versions is broken here (a version before it was "
                             "replaced or deleted)")
            if hashlib.sha256(str(entry.get("source", "")).encode()).hexdigest() != entry.get("source_sha256"):
                found.append(f"{label}: the case file it carries is not the one recorded")
            previous = entry.get("sha256")
    return found
