"""The offer sheet as plain text: lines wrapped without orphans, tables aligned, in any script.

Widths are what a monospaced screen shows, not code points: a Chinese or
Japanese character takes two columns, a combining mark or a direction mark
none. Chinese and Japanese have no spaces, so their lines break between
characters, except before closing punctuation (、。」) and after opening
punctuation (「（), as their typesetting rules want.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

WIDTH = 72
NO_LINE_START = set("、。，．,.:;!?・：；？！ー）」』】〕〉》”’)ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ%％")
NO_LINE_END = set("「『（【〔〈《“‘(")
LIST_ITEM = re.compile(r"(?:[-*+]|\d{1,3}[.)])\s+")
RTL_CLASSES = {"R", "AL"}
RLM = "\u200f"


def width(text: str) -> int:
    """Columns `text` takes on a monospaced screen."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _breaks_anywhere(char: str) -> bool:
    """Characters of scripts written without spaces, where a line may break between any two."""
    return unicodedata.east_asian_width(char) in ("W", "F") and char not in NO_LINE_START


def _units(text: str) -> list[tuple[str, str]]:
    """The pieces a line may break between, each with the glue before it (' ' or '')."""
    units: list[list[str]] = []
    glue = ""
    for char in text:
        if char.isspace():
            glue = " " if units else ""
            continue
        previous = units[-1][0] if units else ""
        if glue and previous[-1:].isdigit() and char.isdigit():  # '+49 40 1234 567', '30 000': one unit
            units[-1][0] += " " + char
        elif units and not glue and not (
                (_breaks_anywhere(char) or _breaks_anywhere(previous[-1])) and char not in NO_LINE_START
                and previous[-1] not in NO_LINE_END):
            units[-1][0] += char
        else:
            units.append([char, glue])
        glue = ""
    return [(piece, glue) for piece, glue in units]


def wrap(text: str, columns: int = WIDTH) -> list[str]:
    """Greedy lines of at most `columns`, then no last line of a lone word:
    it takes the word before it along when both fit."""
    lines: list[list[tuple[str, str]]] = []
    used = 0
    for piece, glue in _units(text):
        extra = width(piece) + (len(glue) if lines and lines[-1] else 0)
        if lines and lines[-1] and used + extra <= columns:
            lines[-1].append((piece, glue))
            used += extra
        else:
            lines.append([(piece, glue)])
            used = width(piece)
    if len(lines) >= 2 and len(lines[-1]) == 1 and len(lines[-2]) >= 3:
        moved = [lines[-2][-1], lines[-1][0]]
        if width(_joined(moved)) <= columns:
            lines[-2:] = [lines[-2][:-1], moved]
    return [_joined(line) for line in lines]


def _joined(units: Sequence[tuple[str, str]]) -> str:
    return "".join((glue if n else "") + piece for n, (piece, glue) in enumerate(units))


def paragraphs(markdown: str, columns: int = WIDTH) -> str:
    """A Markdown text (intro, closing, reply) as wrapped plain text: paragraphs
    joined, list items with a hanging indent, links as 'text (address)' (an
    address alone where the text is the address)."""
    markdown = re.sub(r"!?\[([^\]]*)\]\(([^)\s]+)[^)]*\)",
                      lambda m: m[1] if m[2] in (m[1], f"mailto:{m[1]}") else f"{m[1]} ({m[2]})", markdown)
    blocks = []
    for block in re.split(r"\n\s*\n", markdown.strip()):
        lines = []
        for item in re.split(r"\n(?=\s*(?:[-*+]|\d{1,3}[.)])\s)", block):
            item = item.strip()
            marker = LIST_ITEM.match(item)
            prefix = marker[0] if marker else ""
            wrapped = wrap(item[len(prefix):], columns - len(prefix)) or [""]
            lines += [prefix + wrapped[0]] + [" " * len(prefix) + line for line in wrapped[1:]]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def table(rows: Sequence[str], options, head: Callable[[str], str]) -> list[str]:
    """The options side by side, each headed by `head(label)` (the template's
    words), columns padded to what each cell shows."""
    grid = [["", *(str(head(option.label)).strip() for option in options)]]
    grid += [[row, *(option.terms[n] for option in options)] for n, row in enumerate(rows)]
    widths = [max(width(line[k]) for line in grid) for k in range(len(grid[0]))]
    lines = ["   ".join(cell + " " * (size - width(cell)) for cell, size in zip(line, widths)).rstrip() for line in grid]
    lines.insert(1, "   ".join("-" * size for size in widths))
    return lines


def right_to_left(text: str) -> str:
    """A right-to-left text with a right-to-left mark before each line that would
    otherwise have no direction of its own (a rule of the table, a row of isolated
    values), so that a reader's screen lays it out like the others. A line of the
    case's own words keeps the direction of its first letter; no other marks."""
    return "\n".join(RLM + line if line.strip() and paragraph_direction(line) is None else line
                      for line in text.split("\n"))


def paragraph_direction(line: str) -> str | None:
    """A line's direction as the Unicode bidi algorithm finds it (rule P2): by its
    first letter outside isolates; None when it has none."""
    outside = re.sub("\u2068[^\u2069]*\u2069", "", line)
    first = next((kind for kind in map(unicodedata.bidirectional, outside) if kind in ("L", "R", "AL")), None)
    return first and ("rtl" if first in RTL_CLASSES else "ltr")


def direction(text: str) -> str:
    """The direction a text reads in, by its first letter: 'rtl' for Arabic or Hebrew, else 'ltr'."""
    first = next((kind for kind in map(unicodedata.bidirectional, text) if kind in ("L", "R", "AL")), "L")
    return "rtl" if first in RTL_CLASSES else "ltr"
