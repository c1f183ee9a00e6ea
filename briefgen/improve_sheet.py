"""The counterpart-facing proposal of a post-settlement settlement.

It acknowledges the agreement, sets the improvements beside the agreed terms, and says that
nothing changes unless both sides prefer it. Like the offer sheet, its template receives only
an allow-list (an OfferSheet of the agreed terms and the improvements, in the counterpart's
formats and language): never a score, a gain, a condition or anything else internal, so the
proposal cannot say who gains how much.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from babel.dates import format_date

from briefgen.case import Case, package_label
from briefgen.catalogs import isolate
from briefgen.improve import Settlement
from briefgen.offer_sheet import OfferOption, OfferSheet, offer_sheet_context
from briefgen.project import Project

PROPOSAL = "improvement-proposal"  # the file's name, before its format's extension
FORMATS = ("pdf", "html", "txt")


@dataclass(frozen=True)
class ImprovementSheet:
    """The allow-list: the only facts the proposal's template receives."""

    sheet: OfferSheet  # options[0]: the agreed terms; then one per improvement, labelled A, B, ...
    agreed_on: str | None  # the agreement's date, as the counterpart's locale writes it
    changed: tuple[tuple[bool, ...], ...]  # per option, per row of sheet.issues: differs from the agreed terms

    @property
    def marked(self) -> tuple[OfferOption, ...]:
        """The text table's columns: the agreed terms (no label), then each option, a changed term marked '*'."""
        agreed, *options = self.sheet.options
        return (OfferOption("", agreed.terms), *(
            OfferOption(o.label, tuple(f"{t} *" if c else t for t, c in zip(o.terms, changed)))
            for o, changed in zip(options, self.changed)))


def proposal_context(case: Case, found: Settlement, today: datetime.date) -> ImprovementSheet:
    """The proposal in the counterpart's locale. The offer sheet's intro, closing and validity
    belong to the offer it opened with, so they are left out; its sender, reply and signature stay."""
    packages = [found.agreed.terms, *(i.terms for i in found.improvements)]
    sheet = offer_sheet_context(case, packages, today)
    options = (sheet.options[0], *(OfferOption(package_label(n), o.terms) for n, o in enumerate(sheet.options[1:])))
    sheet = replace(sheet, intro=None, closing=None, valid_until=None, options=options)
    agreed = sheet.options[0].terms
    when = case.outcome.date if case.outcome else None
    return ImprovementSheet(
        sheet=sheet,
        agreed_on=isolate(format_date(when, "long", locale=sheet.locale), sheet.locale) if when else None,
        changed=tuple(tuple(value != agreed[row] for row, value in enumerate(o.terms)) for o in sheet.options[1:]),
    )


def render_proposal(proposal: ImprovementSheet, fmt: str, project: Project = Project()) -> bytes:
    """The proposal as a PDF, one self-contained HTML file (styles inline, for an email), or text."""
    from briefgen import plaintext, render

    if fmt == "txt":
        text = render.render_sheet("offer-sheet-improvement.txt", proposal.sheet, project, proposal=proposal)
        return (plaintext.right_to_left(text) if proposal.sheet.direction == "rtl" else text).encode()
    html = render.render_sheet("offer-sheet-improvement.html", proposal.sheet, project, proposal=proposal)
    if fmt == "html":
        return render.inline_styles(html, "offer-sheet.css", project).encode()
    return render.html_to_pdf(html, "offer-sheet.css", project.theme)
