"""A redline: the draft of one version with what changed since an older one marked, word by word.

The two versions' lines are compared as one sequence of words, punctuation marks and line ends
(difflib's SequenceMatcher, from the standard library); a term's value counts
as one word, so a changed term shows as its old value deleted and its new one
inserted. The redline has the newer version's lines and numbers; deleted words
stay where they stood, marked.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from briefgen.agreement import Line, Piece

WORD = re.compile(r"\w+|[^\w\s]")  # a word, or one mark of punctuation: "year," against "year" is a word kept


@dataclass(frozen=True)
class _Token:
    key: str  # what is compared: the word, a term's value, or a line end
    piece: Piece | None  # the word with its emphasis; None for a line end
    spaced: bool = False  # a space before it in its line
    line: Line | None = None  # for a line end: the line it ends


def _tokens(lines: tuple[Line, ...]) -> list[_Token]:
    tokens = []
    for line in lines:
        space = False  # whether the text so far ends with a space
        for piece in line.pieces:
            if piece.term is not None:
                tokens.append(_Token(f"\0{piece.text}", piece, space))
                space = False
                continue
            for match in WORD.finditer(piece.text):
                spaced = piece.text[match.start() - 1].isspace() if match.start() else space
                tokens.append(_Token(match[0], replace(piece, text=match[0]), spaced))
            space = piece.text[-1:].isspace() or (space and not piece.text.strip())
        tokens.append(_Token("\n", None, line=line))
    return tokens


def redline(old: tuple[Line, ...], new: tuple[Line, ...]) -> tuple[Line, ...]:
    """The new version's lines, with the words of `old` it lost (del) and those it gained (ins) marked.

    Lines first, then words: lines kept as they were stay whole, a line added is inserted, a line
    dropped comes back struck through (without a number), and lines changed are compared word by word."""
    matcher = difflib.SequenceMatcher(None, [(line.level, line.text) for line in old],
                                      [(line.level, line.text) for line in new], autojunk=False)
    lines: list[Line] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += new[j1:j2]
        elif tag == "insert":
            lines += [_marked(line, "ins") for line in new[j1:j2]]
        elif tag == "delete":
            lines += [replace(_marked(line, "del"), number=0) for line in old[i1:i2]]
        else:
            lines += _words(old[i1:i2], new[j1:j2])
    return tuple(lines)


def _marked(line: Line, change: str) -> Line:
    return replace(line, pieces=tuple(replace(piece, change=change) for piece in line.pieces))


def _words(old: tuple[Line, ...], new: tuple[Line, ...]) -> list[Line]:
    """Changed lines compared word by word; words deleted after the last new line make a line of their own."""
    a, b = _tokens(old), _tokens(new)
    matcher = difflib.SequenceMatcher(None, [t.key for t in a], [t.key for t in b], autojunk=False)
    lines, pieces = [], []

    def add(token: _Token, change: str) -> None:
        if token.piece is None:
            if change != "del":  # a line of the new version ends; an old line's end just goes
                lines.append(replace(token.line, pieces=_merged(pieces)))
                pieces.clear()
            return
        if token.spaced and pieces:  # marked only between two words of the same change
            pieces.append(Piece(" ", change=change if pieces[-1].change == change else ""))
        pieces.append(replace(token.piece, change=change))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for token in b[j1:j2]:
                add(token, "")
        else:
            for token in a[i1:i2]:
                add(token, "del")
            for token in b[j1:j2]:
                add(token, "ins")
    if pieces:
        lines.append(Line(0, 0, False, _merged(pieces)))
    return lines


def _merged(pieces: list[Piece]) -> tuple[Piece, ...]:
    """Neighbouring words alike in emphasis and change become one run; a term stays whole."""
    merged: list[Piece] = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if (last is not None and last.term is None and piece.term is None
                and (last.bold, last.italic, last.change) == (piece.bold, piece.italic, piece.change)):
            merged[-1] = replace(last, text=last.text + piece.text)
        else:
            merged.append(piece)
    return tuple(merged)


def changed_terms(old: list, new: list) -> tuple[tuple[str, str, str], ...]:
    """(label, value before, value now) of each term whose value in words changed; '-' where it was or is none."""
    before = {issue_id: (label, shown) for issue_id, label, shown in old}
    now = {issue_id: (label, shown) for issue_id, label, shown in new}
    changed = [(label, before.get(issue_id, (label, "-"))[1], shown) for issue_id, (label, shown) in now.items()
               if before.get(issue_id, (None, None))[1] != shown]
    changed += [(label, shown, "-") for issue_id, (label, shown) in before.items() if issue_id not in now]
    return tuple(changed)
