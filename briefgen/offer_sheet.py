"""The offer sheet's context: the allow-list of what may reach the other side, in their language.

The brief is internal and may see the whole case. The offer sheet goes to the
counterpart, so its template receives only an OfferSheet: what is not handed
to it cannot leak into it. Its texts are in the sheet's locale, and in a
right-to-left sheet each value is isolated so that it stays whole.
"""
from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from babel.dates import format_date
from babel.numbers import format_decimal

from briefgen.case import Case, package_label
from briefgen.catalogs import direction, isolate
from briefgen.terms import format_value

# Babel's direction marks in Arabic and Hebrew amounts: the sheet isolates each value instead,
# which keeps '95,000 US$' whole where the marks would set it as '$US 95,000'.
BIDI_MARKS = re.compile("[\u200e\u200f\u061c]")


@dataclass(frozen=True)
class OfferOption:
    label: str
    terms: tuple[str, ...]  # one value in words per row of OfferSheet.issues


@dataclass(frozen=True)
class OfferSheet:
    """The allow-list: the only facts the counterpart-facing sheet receives.

    Texts are in the sheet's locale, and in a right-to-left sheet each value is
    isolated (catalogs.isolate) so that it stays whole among the sheet's words.
    """

    our_name: str
    their_name: str
    to: str
    sender: str | None
    date: str
    valid_until: str | None
    intro: str | None  # Markdown, like reply and closing: the templates convert it
    closing: str | None
    issues: tuple[str, ...]  # labels, with units where the values need them: the issues the options differ on
    options: tuple[OfferOption, ...]
    locale: str
    common: tuple[tuple[str, str], ...] = ()  # (label, value) of each issue the same in every option
    reference: str = ""
    round: str = "1"  # the round of the talks this sheet opens, as the locale writes the number
    reply: str | None = None
    signature: str | None = None  # lines: name, position, organisation, contact
    direction: str = "ltr"
    addressee: tuple[str, ...] = ()  # the lines of the address: `to`, and their organisation unless `to` names it


def offer_sheet_context(case: Case, packages: Sequence[Mapping], today: datetime.date,
                        round_number: int | None = None) -> OfferSheet:
    """The sheet in the counterpart's locale (offer_sheet.locale), for the round
    `round_number` of the talks (default: the next, after the rounds recorded).
    With two options or more, an issue the same in all of them is shown once."""
    settings, locale = case.offer_sheet, case.offer_sheet.locale

    def shown(text: str | None) -> str | None:
        return isolate(BIDI_MARKS.sub("", text), locale) if text else text

    def day(date: datetime.date) -> str:
        return shown(format_date(date, "long", locale=locale))

    to = settings.to or case.parties.them.name
    addressee = (to,) if case.parties.them.name in to else (to, case.parties.them.name)
    values = [[format_value(issue, package[issue.id], locale) for package in packages] for issue in case.issues]
    varies = [len(set(row)) > 1 or len(packages) == 1 for row in values]
    return OfferSheet(
        our_name=shown(case.parties.us.name),
        their_name=shown(case.parties.them.name),
        to=shown(to),
        sender=shown(settings.sender),
        date=day(today),
        valid_until=day(settings.valid_until) if settings.valid_until else None,
        intro=settings.intro,
        closing=settings.closing,
        issues=tuple(shown(issue.name) for issue, vary in zip(case.issues, varies) if vary),
        options=tuple(
            OfferOption(package_label(n), tuple(shown(row[n]) for row, vary in zip(values, varies) if vary))
            for n in range(len(packages))
        ),
        locale=locale,
        common=tuple((shown(issue.name), shown(row[0])) for issue, row, vary in zip(case.issues, values, varies)
                     if not vary),
        reference=shown(settings.reference or reference_code(case.id)),
        round=format_decimal(round_number or len(case.rounds) + 1, locale=locale),
        reply=settings.reply,
        signature="\n".join(map(shown, settings.signature.strip().splitlines())) if settings.signature else None,
        direction=direction(locale),
        addressee=tuple(map(shown, addressee)),
    )


# A number in groups (a telephone number, '30 000'): in a right-to-left paragraph the bidi
# algorithm would lay its groups out from the right ('6789 345 12 966+'); a left-to-right
# isolate with no-break spaces keeps it in order and on one line.
NUMBER_IN_GROUPS = re.compile(r"(?<![\w+])\+?\d+(?:[ \u00a0./-]\d+)+")
LRI, PDI = "\u2066", "\u2069"


def numbers_kept_whole(html: str) -> str:
    """The HTML of a right-to-left text with each number in groups isolated, outside tags only."""
    parts = re.split(r"(<[^>]*>)", html)
    return "".join(part if part.startswith("<") else NUMBER_IN_GROUPS.sub(_whole, part)
                   for part in parts)


def _whole(number: re.Match) -> str:
    """One unbreakable left-to-right piece (the layout reorders the pieces of a line between spaces)."""
    return f"{LRI}{number[0].replace(' ', chr(0xA0))}{PDI}"


def reference_code(case_id: str) -> str:
    """A reference for a case that says nothing of it (its id is its file name,
    which may be telling): six characters of the id's hash, the same every time."""
    return hashlib.sha256(case_id.encode()).hexdigest()[:6].upper()
