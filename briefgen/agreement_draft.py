"""`briefgen text` and `briefgen comment`: the draft agreement's versions, drafts, redlines and comments.

The pipeline of `text`, top to bottom: load the case, take the package that fills the
text, fill it, number it (the archive's versions), render the draft or the redline,
then record the version and write the file; a failure before the end writes nothing.
"""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from briefgen import agreement, agreement_versions as versions
from briefgen.agreement_redline import changed_terms, redline
from briefgen.case import Case, case_id_for, load_case, parse_case
from briefgen.errors import BriefgenError, UsageError
from briefgen.project import Project

FORMATS = ("pdf", "html", "txt", "docx")
DRAFT = "agreement-draft"


@dataclass(frozen=True)
class Written:
    path: Path
    version: int
    added: bool  # a new version of the text was recorded
    source: str  # where the terms came from: 'the agreed terms', 'package B, chosen in round 2', ...


def default_archive(project: Project) -> Path:
    """The archive a build reads the versions from: BRIEFGEN_ARCHIVE, else the project's archive/."""
    return Path(os.environ.get("BRIEFGEN_ARCHIVE") or project.root / "archive")


def current(case: Case, raw_terms: dict) -> tuple[tuple[agreement.Line, ...], dict]:
    """The filled lines and what a version records of them."""
    lines = agreement.fill(case, raw_terms)
    return lines, versions.content(case, lines, raw_terms, agreement.terms_shown(case, raw_terms))


def rendered(draft: agreement.Draft, fmt: str, today: datetime.date, project: Project) -> bytes:
    from briefgen import agreement_render

    if fmt == "pdf":
        return agreement_render.render_pdf(draft, project)
    if fmt == "html":
        return agreement_render.render_email(draft, project).encode()
    if fmt == "docx":
        from briefgen.agreement_docx import render_docx

        return render_docx(draft, today, project)
    return agreement_render.render_text(draft, project).encode()


def write_text(path: Path, output: Path, archive: Path, fmt: str = "pdf", package: str | None = None,
               compare: int | None = None, today: datetime.date | None = None, project: Project = Project()) -> Written:
    """Write the current draft (or, with `compare`, its redline against that version) and record the
    version in the archive if its text or terms changed."""
    from briefgen.build import build_date, write_atomically

    today = today or build_date()
    raw = path.read_bytes()
    case = load_case(path, project.locale)
    if not case.agreement:
        raise BriefgenError(f"{path}: the case has no agreement text yet; add `agreement: |` with the draft, "
                            "{issue} where each value goes (README, 'The single negotiating text')")
    terms, source = agreement.package_for(case, package)
    lines, content = current(case, terms)
    number, _ = versions.number_for(archive, case.id, content)
    if compare is not None:
        if compare == number:
            raise UsageError(f"--compare {compare}: that is the current version; compare with an earlier one")
        older = versions.read(archive, case.id, compare)
        draft = agreement.draft_context(case, redline(versions.lines_of(older), lines), number, today, compare,
                                        changed_terms(older["terms_shown"], content["terms_shown"]))
        name = f"agreement-redline-v{compare}-v{number}.{fmt}"
    else:
        draft = agreement.draft_context(case, lines, number, today)
        name = f"{DRAFT}.{fmt}"
    document = rendered(draft, fmt, today, project)
    recorded, added = versions.record(archive, case.id, content, path.name, raw, today)
    if recorded != number:
        raise BriefgenError(f"{path}: another process recorded a version of the text meanwhile; run the command again")
    return Written(write_atomically(output / case.id / name, document), number, added, source)


def build_draft(case: Case, today: datetime.date, project: Project) -> tuple[bytes | None, str | None]:
    """The draft as `build` writes it (PDF), numbered as `text` would number it, or why there is none.
    A build reads the archive's versions; only `text` records one."""
    if not case.agreement:
        return None, None
    try:
        terms, _ = agreement.package_for(case)
        lines, content = current(case, terms)
        number, _ = versions.number_for(default_archive(project), case.id, content)
    except BriefgenError as error:
        return None, str(error).removeprefix(f"{case.path}: ")
    return rendered(agreement.draft_context(case, lines, number, today), "pdf", today, project), None


def record_comment(path: Path, archive: Path, version: int, line: int, side: str, text: str,
                   today: datetime.date) -> str:
    """Append a comment on line `line` of version `version` to the case's `comments`, as `respond` appends rounds."""
    from briefgen.build import write_atomically
    from briefgen.rounds import with_list_item

    if not text.strip():
        raise UsageError("say what the comment is: briefgen comment CASE --on 2 --line 4 --from them \"TEXT\"")
    raw = path.read_bytes()
    case = parse_case(raw, str(path), case_id_for(path))
    numbered = versions.read(archive, case.id, version)["lines"]
    if not 1 <= line <= len(numbered):
        raise UsageError(f"--line {line}: version {version} of the text has lines 1 to {len(numbered)}")
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    entry = {"version": version, "line": line, "from": side, "text": text.strip(), "date": today}
    new = with_list_item(raw[len(bom):].decode("utf-8"), "comments", entry, after="agreement")
    parse_case(new.encode(), str(path), case.id)  # the new file must load as cleanly as the old
    if path.read_bytes() != raw:
        raise BriefgenError(f"{path} changed while the comment was being recorded; nothing was written, run the command again")
    write_atomically(path, bom + new.encode())
    who = case.parties.them.name if side == "them" else case.parties.us.name
    return (f"recorded the comment of {who} on line {line} of version {version} in {path}: the next draft prints it "
            "(comments are shared with the other side)")
