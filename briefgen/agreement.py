"""The single negotiating text: the draft agreement, filled from a package in the counterpart's words.

A case's `agreement` is Markdown with `{issue_id}` where each issue's value belongs
(`{{` and `}}` write a brace). Each non-blank line of the text is one numbered line
of the draft, in every format and every redline, so that a comment can name it:
`# ...` to `### ...` are headings, `**bold**` and `*italic*` are kept, a blank line
starts a new paragraph. The draft is counterpart-facing: it is made from the
allow-list below (party names, the text, the package's values in words, the
comments, the theme), never from the rest of the case.
"""
from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass

from babel.dates import format_date

from briefgen.case import Case, package_label
from briefgen.catalogs import direction, isolate
from briefgen.errors import BriefgenError, Problem
from briefgen.offer_sheet import BIDI_MARKS
from briefgen.terms import format_value

# `{{` and `}}` are braces; `{...}` on one line is a placeholder; any other brace is unbalanced.
BRACES = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}|[{}]")
PLACEHOLDER_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
HEADING = re.compile(r"(#{1,3})\s+")
EMPHASIS = re.compile(r"\\\*|\*\*|\*")


@dataclass(frozen=True)
class Piece:
    """A run of a line: text, its emphasis, and whether it is a term's value (`term`: the issue's id,
    for the redline and the versions only; no renderer prints it)."""

    text: str
    bold: bool = False
    italic: bool = False
    term: str | None = None
    change: str = ""  # in a redline: "ins", "del" or ""


@dataclass(frozen=True)
class Line:
    number: int  # 0: a redline's line that only deleted words make
    level: int  # 0 text; 1 to 3 a heading
    gap: bool  # a new paragraph starts here
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        return "".join(piece.text for piece in self.pieces if piece.change != "del")


# --- checking the text (briefgen check) ------------------------------------------------------

def text_problems(text: str, issue_ids: list[str]) -> list[tuple[int, int, str]]:
    """(line index, column index, message) for each unknown placeholder or unbalanced brace."""
    found = []
    for index, line in enumerate(text.splitlines()):
        for match in BRACES.finditer(line):
            token, inside = match[0], match[1]
            if token in ("{{", "}}"):
                continue
            if token == "{":
                found.append((index, match.start(), "a '{' that no '}' closes on its line; to write a brace, double it: {{"))
            elif token == "}":
                found.append((index, match.start(), "a '}' that no '{' opens on its line; to write a brace, double it: }}"))
            elif not PLACEHOLDER_ID.fullmatch(inside):
                found.append((index, match.start(), (
                    f"'{token}' is not a placeholder: write an issue id in braces, like {{{issue_ids[0] if issue_ids else 'price'}}}, "
                    "or double the braces to write them: {{ and }}")))
            elif inside not in issue_ids:
                hint = difflib.get_close_matches(inside, issue_ids, n=1)
                advice = f"did you mean {{{hint[0]}}}?" if hint else f"the issues are {', '.join(issue_ids) or 'none yet'}"
                found.append((index, match.start(), f"unknown issue '{inside}' in {token}; {advice}"))
    return found


def problems(case: Case, where, frontmatter: str) -> list[Problem]:
    """The text's placeholder errors, each at its line and column in the case file."""
    if not case.agreement:
        return []
    ids = [issue.id for issue in case.issues]
    found = text_problems(case.agreement, ids)
    places = _places(where, frontmatter, case.agreement) if found else []
    return [Problem(where.path, *_at(places, line, column, where), f"agreement: {message}")
            for line, column, message in found]


def warnings(case: Case) -> list[tuple[int, str]]:
    """(file line, message) for each issue the text never names: its value would be in no draft.

    A warning, not an error: a term may be settled in an annex outside the text."""
    if not case.agreement:
        return []
    named = {match[1] for match in BRACES.finditer(case.agreement) if match[1]}
    line = case.line_of("agreement") or 1
    return [(line, f"warning (agreement): '{issue.id}' ({issue.name}) appears nowhere in the text, so no draft "
                   f"states it; write {{{issue.id}}} where it belongs") for issue in case.issues if issue.id not in named]


def _places(where, frontmatter: str, text: str) -> list[tuple[int, int] | None]:
    """For each line of the agreement text, its file line and the column it starts at (1-based), found
    in order from the value's line (a literal block `agreement: |` keeps them as they are); None
    from the first line that cannot be found (a quoted text with escapes). One pass over the file."""
    start, _ = where.position(("agreement",))
    file_lines = frontmatter.splitlines()
    block = start <= len(file_lines) and re.search(r":\s*[|>][-+0-9]*\s*(#.*)?$", file_lines[start - 1])
    at, places = (start if block else start - 1), []
    for wanted in text.splitlines():
        while at < len(file_lines) and wanted not in file_lines[at]:
            at += 1
        if at >= len(file_lines):
            break
        places.append((at + 1, file_lines[at].index(wanted) + 1))
        at += 1
    return places + [None] * (len(text.splitlines()) - len(places))


def _at(places, line: int, column: int, where) -> tuple[int, int]:
    """The file position of a place in the text; the value's own position where its line was not found."""
    place = places[line] if line < len(places) else None
    return (place[0], place[1] + column) if place else where.position(("agreement",))


# --- which package fills it ---------------------------------------------------------------------

def package_for(case: Case, label: str | None = None) -> tuple[dict, str]:
    """The terms the draft states and where they come from: `--package A` (a package of the set the
    offer sheet carries now), else the agreed terms (outcome.agreed), else the package they chose in
    the latest round that records a choice."""
    hold = dict(case.meso.hold)
    if label is not None:
        from briefgen.reading import offers_now

        packages = offers_now(case).packages
        chosen = next((p for p in packages if p.label == label), None)
        if chosen is None:
            from briefgen.errors import UsageError

            raise UsageError(f"--package {label}: the packages now are {', '.join(p.label for p in packages) or 'none'}")
        return {**hold, **chosen.terms}, f"package {label}"
    if case.outcome is not None and case.outcome.agreed:
        return {**hold, **case.outcome.agreed}, "the agreed terms"
    for number, round_ in reversed(list(enumerate(case.rounds, start=1))):
        if round_.chose is not None:
            index = [package_label(n) for n in range(len(round_.offered))].index(round_.chose)
            return {**hold, **round_.offered[index]}, f"package {round_.chose}, chosen in round {number}"
    raise BriefgenError(f"{case.path}: no package to fill the agreement from: record what they chose (briefgen respond "
                        "--chose B), the agreed terms (outcome.agreed), or name one of the packages now with --package A")


# --- filling it -------------------------------------------------------------------------------

def fill(case: Case, terms: dict) -> tuple[Line, ...]:
    """The text's numbered lines, each placeholder replaced by its value in the counterpart's format."""
    locale = case.offer_sheet.locale
    by_id = {issue.id: issue for issue in case.issues}
    missing = sorted({m[1] for m in BRACES.finditer(case.agreement) if m[1] and m[1] not in terms})
    if missing:
        raise BriefgenError(f"{case.path}: the package gives no value for {', '.join(missing)}, which the agreement "
                            "names; fill it from another package (--package), or give every issue a value")
    lines, gap, number = [], False, 0
    for raw in case.agreement.splitlines():
        if not raw.strip():
            gap = bool(lines)
            continue
        number += 1
        heading = HEADING.match(raw)
        body = raw[heading.end():] if heading else raw.strip()
        pieces = []
        for text, issue_id in _split(body):
            value = None if issue_id is None else isolate(BIDI_MARKS.sub("", format_value(by_id[issue_id], terms[issue_id], locale)), locale)
            pieces.append((value, issue_id) if issue_id else (text, None))
        lines.append(Line(number, len(heading[1]) if heading else 0, gap, _emphasised(pieces)))
        gap = False
    return tuple(lines)


def _split(line: str) -> list[tuple[str, str | None]]:
    """A line as (literal text, None) and (placeholder, issue id) parts, braces unescaped."""
    parts, at = [], 0
    for match in BRACES.finditer(line):
        if match.start() > at:
            parts.append((line[at:match.start()], None))
        parts.append((match[0][0], None) if match[0] in ("{{", "}}") else (match[0], match[1]))
        at = match.end()
    if at < len(line):
        parts.append((line[at:], None))
    return parts


def _emphasised(parts: list[tuple[str, str | None]]) -> tuple[Piece, ...]:
    """Pieces with `**` and `*` turning bold and italic on and off (`\\*` is an asterisk)."""
    pieces, bold, italic = [], False, False
    for text, term in parts:
        if term is not None:
            pieces.append(Piece(text, bold, italic, term))
            continue
        at = 0
        for match in EMPHASIS.finditer(text):
            if match.start() > at:
                pieces.append(Piece(text[at:match.start()], bold, italic))
            if match[0] == "\\*":
                pieces.append(Piece("*", bold, italic))
            elif match[0] == "**":
                bold = not bold
            else:
                italic = not italic
            at = match.end()
        if at < len(text):
            pieces.append(Piece(text[at:], bold, italic))
    merged = []
    for piece in pieces:  # neighbours alike become one run
        if merged and piece.term is None and merged[-1].term is None and (merged[-1].bold, merged[-1].italic) == (piece.bold, piece.italic):
            merged[-1] = Piece(merged[-1].text + piece.text, piece.bold, piece.italic)
        else:
            merged.append(piece)
    return tuple(merged)


def terms_shown(case: Case, terms: dict) -> tuple[tuple[str, str, str], ...]:
    """(issue id, label, value in words) of every issue, for the versions and the redline's changed terms."""
    locale = case.offer_sheet.locale
    return tuple((issue.id, isolate(issue.name, locale), isolate(BIDI_MARKS.sub("", format_value(issue, terms[issue.id], locale)), locale))
                 for issue in case.issues if issue.id in terms)


# --- the draft's allow-list ------------------------------------------------------------------------

@dataclass(frozen=True)
class Remark:
    """A comment as the draft prints it: on which line of which version, who said it, when."""

    number: int
    version: int
    line: int
    who: str
    date: str | None
    text: str


@dataclass(frozen=True)
class Draft:
    """Everything a draft or a redline may carry, and nothing else."""

    our_name: str
    their_name: str
    version: int
    date: str
    lines: tuple[Line, ...]
    remarks: tuple[Remark, ...]
    locale: str
    direction: str
    compared_with: int | None = None  # the redline's older version
    changed_terms: tuple[tuple[str, str, str], ...] = ()  # (label, before, now)


def draft_context(case: Case, lines: tuple[Line, ...], version: int, today: datetime.date,
                  compared_with: int | None = None, changed_terms=()) -> Draft:
    """The draft of `version`: its lines and the comments on it and on the version before (what it answers)."""
    locale = case.offer_sheet.locale
    names = {"us": case.parties.us.name, "them": case.parties.them.name}
    shown = [c for c in case.comments if c.version in (version - 1, version)]
    remarks = tuple(Remark(n, c.version, c.line, isolate(names[c.side], locale),
                           isolate(format_date(c.date, "long", locale=locale), locale) if c.date else None, c.text)
                    for n, c in enumerate(sorted(shown, key=lambda c: (c.version, c.line)), start=1))
    return Draft(isolate(case.parties.us.name, locale), isolate(case.parties.them.name, locale), version,
                 isolate(format_date(today, "long", locale=locale), locale), lines, remarks, locale, direction(locale),
                 compared_with, tuple(changed_terms))
