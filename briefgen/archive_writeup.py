"""The write-up: made from a case (reproducibly), and read back (its source, title and identifier).

What the index records about a version is a function of the case file (`case_fields`), so verify
can recompute it from the source that the write-up itself carries.
"""
from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path

from briefgen.case import Case, parse_case
from briefgen.errors import BriefgenError
from briefgen.level2.rules import RuleSet
from briefgen.project import Project


def render_writeup(case: Case, raw: bytes, source_name: str, version: int, rules: RuleSet,
                   project: Project = Project()) -> bytes:
    """The write-up as PDF/A-3b: the same source and version always give the same bytes."""
    from briefgen import render
    from briefgen.level2.analysis import analyse
    from briefgen.meso import meso

    day = (case.outcome.date if case.outcome and case.outcome.date else None) or case.date or datetime.date(2000, 1, 1)
    stamp = datetime.datetime.combine(day, datetime.time(), datetime.timezone.utc)
    identifier = pdf_identifier(case.id, version, sha256(raw))
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


def pdf_identifier(case_id: str, version: int, source_sha256: str) -> bytes:
    """The first half of the PDF's /ID: it binds the file to its case, version and source."""
    return hashlib.sha256(f"{case_id}:{version}:{source_sha256}".encode()).hexdigest()[:32].encode()


def writeup_title(title: str, version: int) -> str:
    """The PDF's title, as templates/writeup.html sets it."""
    return f"{title} (case write-up, version {version})"


def _sent_sheets(case: Case, offers) -> list[tuple[str, object]]:
    """The offer sheets that went out: one per recorded round, else the current one."""
    from briefgen import render

    day = case.date or datetime.date(2000, 1, 1)
    if case.rounds:
        return [(f"offer-sheet-round-{n}.pdf", render.offer_sheet_context(case, [{**case.meso.hold, **p} for p in r.offered], r.date or day, n))
                for n, r in enumerate(case.rounds, start=1) if r.offered]
    if offers.sendable:
        return [("offer-sheet.pdf", render.offer_sheet_context(case, [p.terms for p in offers.packages], day))]
    return []


def case_fields(case: Case) -> dict:
    """What the index records about a case, besides hashes, paths and dates of archiving."""
    return {
        "title": case.title,
        "parties": f"{case.parties.us.name}; {case.parties.them.name}",
        "tags": " ".join(case.tags),
        "status": case.status,
        "case_date": case.date.isoformat() if case.date else None,
        "outcome_date": case.outcome.date.isoformat() if case.outcome and case.outcome.date else None,
        "outcome_summary": case.outcome.summary if case.outcome else None,
        "body": case.body,
        "lessons": lessons(case.body),
        "constituencies": "\n".join(" ".join([c.display_name, *c.interests, *c.concerns, c.notes or ""]).strip()
                                    for c in case.constituencies),
        "rounds": "\n".join(r.note for r in case.rounds if r.note),
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


def embedded_source(pdf: Path, name: str) -> bytes:
    import pypdf

    attachments = pypdf.PdfReader(pdf).attachments
    if name not in attachments:
        raise BriefgenError(f"{pdf} carries no attachment named {name}")
    return attachments[name][0]


def carried(pdf: Path, source_name: str) -> tuple[bytes, str | None, bytes | None]:
    """(embedded source, title, first half of /ID) of a write-up; BriefgenError if unreadable."""
    import pypdf

    try:
        reader = pypdf.PdfReader(pdf)
        attachments = reader.attachments
        identifier = reader.trailer.get("/ID")
        title = reader.metadata.title if reader.metadata else None
    except Exception as error:  # any damage to the file is a finding, not a crash
        raise BriefgenError(f"the write-up cannot be read ({type(error).__name__}: {error})") from None
    if source_name not in attachments:
        raise BriefgenError(f"the write-up carries no source named {source_name!r}")
    first = identifier[0].original_bytes if identifier else None
    return attachments[source_name][0], title, first


def fields_of_source(folder: Path, record: dict) -> dict:
    """case_fields of the source a version's write-up carries."""
    from briefgen.archive_index import inside

    source, _, _ = carried(inside(folder, record["pdf_path"], "the path"), record["source_name"])
    return fields_of(source, record)


def fields_of(source: bytes, record: dict) -> dict:
    try:
        return case_fields(parse_case(source, record["source_name"], record["case_id"]))
    except BriefgenError as error:
        raise BriefgenError(f"the embedded source does not load with this briefgen ({str(error).splitlines()[0]})") from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
