"""The draft agreement as a Word document, for the counterpart or a colleague to edit.

Built from the same allow-list as the PDF (agreement.Draft) with python-docx, styled as
the offer sheet's Word document is (the theme's colours and font, the blank template's
leftovers removed: offer_docx). Each line of the text is a paragraph that starts with
its number, so that Word, the PDF and the comments name the same lines. A redline
carries real revision marks (w:ins, w:del, authored by us and dated): Word shows them
as tracked changes that the other side can accept or reject one by one.
"""
from __future__ import annotations

import datetime
import io

from briefgen.agreement import Draft, Piece
from briefgen.agreement_render import STYLESHEET, notes_by_line, words
from briefgen.offer_docx import _base_style, _colour, _logo_image, properties, theme_look
from briefgen.project import Project

HEADING_SIZES = {1: 13, 2: 11, 3: 10}


def render_docx(draft: Draft, today: datetime.date, project: Project = Project()) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    said = words(draft)
    look = theme_look(project, STYLESHEET)
    document = Document()
    _base_style(document, look, draft.locale, draft.direction)
    heading = said.get("redline", said["version"])
    section = document.sections[0]
    section.header.paragraphs[0].text = f"{said['title']} · {heading}"
    _colour(section.header.paragraphs[0].runs[0], look["muted"], size=8)

    logo = _logo_image(project.logo)
    if logo:
        document.add_picture(logo, height=Pt(28))
    _colour(document.add_paragraph().add_run(project.organisation or draft.our_name), look["accent"], size=15, bold=True)
    date = document.add_paragraph(draft.date)
    date.alignment = WD_ALIGN_PARAGRAPH.LEFT if draft.direction == "rtl" else WD_ALIGN_PARAGRAPH.RIGHT
    _colour(date.runs[0], look["muted"])
    _colour(document.add_paragraph(style="Title").add_run(said["title"]), look["ink"], size=17, bold=True)
    _colour(document.add_paragraph().add_run(heading), look["accent"], bold=True)
    _colour(document.add_paragraph().add_run(said["notice"]), look["muted"], size=8.5)

    stamp = datetime.datetime.combine(today, datetime.time()).strftime("%Y-%m-%dT%H:%M:%SZ")
    marks = _Marks(draft.our_name, stamp)
    if draft.compared_with is not None and draft.changed_terms:
        document.add_paragraph().add_run(said["changed_terms"]).bold = True
        table = document.add_table(rows=1 + len(draft.changed_terms), cols=3)
        for column, text in ((1, said["old"]), (2, said["new"])):
            _colour(table.cell(0, column).paragraphs[0].add_run(text), look["muted"], size=8.5)
        for row, (label, before, now) in enumerate(draft.changed_terms, start=1):
            _colour(table.cell(row, 0).paragraphs[0].add_run(label), look["muted"])
            marks.add(table.cell(row, 1).paragraphs[0], Piece(before, change="del"))
            marks.add(table.cell(row, 2).paragraphs[0], Piece(now, change="ins"))
        document.add_paragraph()

    notes = notes_by_line(draft)
    for line in draft.lines:
        paragraph = document.add_paragraph()
        form = paragraph.paragraph_format
        form.left_indent, form.first_line_indent = Cm(1.2), Cm(-1.2)
        form.space_after = Pt(0)
        form.space_before = Pt(9 if line.level else 7 if line.gap else 0)
        form.keep_with_next = bool(line.level)
        _colour(paragraph.add_run(f"{line.number or ''}\t"), look["muted"], size=7.5)
        for piece in line.pieces:
            run = marks.add(paragraph, piece)
            if line.level:
                run.bold, run.font.size = True, Pt(HEADING_SIZES[line.level])
        for number in notes.get(line.number, ()):
            _colour(paragraph.add_run(f" {number}"), look["accent"], size=7, bold=True).font.superscript = True

    if said["remarks"]:
        title = document.add_paragraph()
        title.paragraph_format.space_before = Pt(14)
        _colour(title.add_run(said["comments"]), look["accent"], size=11, bold=True)
        for remark, where in said["remarks"]:
            who = f"{remark.number}. {where}, {remark.who}" + (f", {remark.date}" if remark.date else "")
            said_where = document.add_paragraph()
            said_where.paragraph_format.space_after = Pt(0)
            _colour(said_where.add_run(who), look["muted"], size=8.5)
            document.add_paragraph(remark.text).paragraph_format.space_after = Pt(8)

    properties(document, said["title"], draft.our_name, today)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _Marks:
    """Runs of the text; an inserted or deleted one wrapped in Word's revision marks."""

    def __init__(self, author: str, date: str):
        self.author, self.date, self.count = author, date, 0

    def add(self, paragraph, piece: Piece):
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        run = paragraph.add_run(piece.text)
        run.bold = piece.bold or piece.term is not None or None
        run.italic = piece.italic or None
        if not piece.change:
            return run
        self.count += 1
        mark = OxmlElement(f"w:{piece.change}")
        mark.set(qn("w:id"), str(self.count))
        mark.set(qn("w:author"), self.author)
        mark.set(qn("w:date"), self.date)
        run._r.addprevious(mark)
        mark.append(run._r)
        if piece.change == "del":  # deleted text is w:delText in Word's schema
            for text in run._r.findall(qn("w:t")):
                text.tag = qn("w:delText")
        return run
