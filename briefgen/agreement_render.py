"""The draft agreement and its redline as PDF (numbered lines), HTML and text, in the counterpart's language.

The renderers receive only an agreement.Draft (the allow-list) and the project's
branding. Their fixed words come from the offer sheet's gettext catalogs (`words`,
extracted from this module by `make catalogs`), so the Word document says the same.
"""
from __future__ import annotations

import re

from briefgen import catalogs, plaintext, render
from briefgen.agreement import Draft
from briefgen.project import Project

STYLESHEET = "agreement-draft.css"
# How the text format marks a redline (as wdiff does): readable in any mail client.
TEXT_MARKS = {"ins": ("{+", "+}"), "del": ("[-", "-]"), "": ("", "")}


def words(draft: Draft) -> dict[str, str]:
    """The document's fixed words in the counterpart's language."""
    translations = catalogs.translations(catalogs.sheet_language(draft.locale))

    def _(message: str, **values) -> str:
        return translations.gettext(message) % values

    found = {
        "title": _("Draft agreement between %(ours)s and %(theirs)s", ours=draft.our_name, theirs=draft.their_name),
        "notice": _("Draft for discussion: it binds neither party until both have signed the final text."),
        "version": _("Version %(number)s of %(date)s", number=draft.version, date=draft.date),
        "comments": _("Comments"),
        "inserted": _("inserted"),
        "deleted": _("deleted"),
        "page_of": _("Page %(page)s of %(pages)s", page='" counter(page) "', pages='" counter(pages) "'),
        "remarks": [(remark, _("Version %(version)s, line %(line)s", version=remark.version, line=remark.line))
                    for remark in draft.remarks],
    }
    if draft.compared_with is not None:
        found["redline"] = _("Redline of version %(new)s against version %(old)s", new=draft.version, old=draft.compared_with)
        found["changed_terms"] = _("Changed terms")
        found["old"] = _("Version %(number)s", number=draft.compared_with)
        found["new"] = _("Version %(number)s", number=draft.version)
    return found


def _context(draft: Draft) -> dict:
    """The template's context: the draft, its words, the margin notes, and its language and direction (as the sheet's)."""
    return {"draft": draft, "words": words(draft), "notes": notes_by_line(draft), **render._speaking(draft)}


def notes_by_line(draft: Draft) -> dict[int, list[int]]:
    """The comments on this very version, by the line they are on: their numbers go in the margin."""
    found: dict[int, list[int]] = {}
    for remark in draft.remarks:
        if remark.version == draft.version:
            found.setdefault(remark.line, []).append(remark.number)
    return found


def render_html(draft: Draft, project: Project = Project()) -> str:
    """The HTML the PDF is made from."""
    return render._render("agreement-draft.html", draft.locale, project, **_context(draft))


def render_pdf(draft: Draft, project: Project = Project()) -> bytes:
    return render.html_to_pdf(render_html(draft, project), STYLESHEET, project.theme)


def render_email(draft: Draft, project: Project = Project()) -> str:
    """One self-contained HTML file, styles inline, fetching nothing (as the brief's preview)."""
    style = f"<style>\n{render.offline(render.document_css(STYLESHEET, project.theme))}\n</style>\n</head>"
    html = render_html(draft, project).replace("</head>", style, 1)
    head = re.search(r"<head\b[^>]*>", html)
    return f"{html[:head.end()]}\n{render.NOTHING_FETCHED}{html[head.end():]}"


def render_text(draft: Draft, project: Project = Project()) -> str:
    """Plain text: each line with its number, wrapped under itself; a redline marked {+so+} and [-so-]."""
    said = words(draft)
    out = [project.organisation or draft.our_name, draft.date, "", said["title"].upper(),
           said.get("redline", said["version"]), said["notice"], ""]
    if draft.compared_with is not None:
        out += [f"{TEXT_MARKS['ins'][0]}{said['inserted']}{TEXT_MARKS['ins'][1]}  "
                f"{TEXT_MARKS['del'][0]}{said['deleted']}{TEXT_MARKS['del'][1]}", ""]
        if draft.changed_terms:
            out.append(said["changed_terms"])
            out += [f"  {label}: [-{before}-] {{+{now}+}}" for label, before, now in draft.changed_terms] + [""]
    notes = notes_by_line(draft)
    for line in draft.lines:
        if line.gap:
            out.append("")
        text = "".join(f"{TEXT_MARKS[p.change][0]}{p.text}{TEXT_MARKS[p.change][1]}" for p in line.pieces)
        text = text.upper() if line.level == 1 else text
        marks = "".join(f" [{n}]" for n in notes.get(line.number, ()))
        wrapped = plaintext.wrap(text + marks, plaintext.WIDTH - 6) or [""]
        number = str(line.number) if line.number else ""
        out += [f"{number:>4}  {wrapped[0]}"] + [f"      {rest}" for rest in wrapped[1:]]
    if said["remarks"]:
        out += ["", said["comments"]]
        for remark, where in said["remarks"]:
            heading = f"[{remark.number}] {where}, {remark.who}" + (f", {remark.date}" if remark.date else "")
            out += [heading] + [f"    {line}" for line in plaintext.wrap(remark.text, plaintext.WIDTH - 4)]
    text = "\n".join(out) + "\n"
    return plaintext.right_to_left(text) if draft.direction == "rtl" else text
