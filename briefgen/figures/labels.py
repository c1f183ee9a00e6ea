"""Label text for the figures: cleaned, measured and fitted to its room.

WeasyPrint has no text measuring for us, so labels are fitted with Inter's own
advance widths for ASCII (WeasyPrint's SVG text is laid out per code point, so
there is no kerning and the sum is the width) and a generous estimate for other
characters. A character no installed font has (most emoji, without an emoji
font) is drawn as a box, with a WARNING from WeasyPrint, as in the rest of the
brief.
"""
from __future__ import annotations

import re
import unicodedata

# Characters XML 1.0 forbids (YAML's "\x01" escapes can put them in a case), and
# explicit bidi controls, which would fight the visual ordering (bidi.py).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
                     "\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


def clean(text: object) -> str:
    """Text fit for an SVG label: XML-legal, composed (NFC), on one line."""
    text = _UNSAFE.sub("", unicodedata.normalize("NFC", str(text)))
    return _SPACE.sub(" ", text).strip()


# Inter Regular's advance widths, thousandths of an em, for ASCII 32..126.
_ASCII_EM = [int(w) / 1000 for w in (
    "281 278 403 631 638 812 639 222 362 362 500 659 280 460 276 357 625 464 605 636 642 608 "
    "624 571 616 624 276 280 659 659 659 507 936 676 651 727 719 598 587 743 740 264 543 652 "
    "562 889 753 761 635 761 639 638 642 741 676 949 642 665 625 362 357 362 469 452 497 564 "
    "621 558 621 582 361 609 591 237 237 544 237 869 585 597 609 609 372 523 364 581 557 812 "
    "540 557 541 362 327 362 659").split()]
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}  # zero-width joiner, variation selectors


def _char_em(char: str) -> float:
    code = ord(char)
    if 32 <= code < 127:
        return _ASCII_EM[code - 32]
    if unicodedata.combining(char) or char in _JOINERS or 0x1F3FB <= code <= 0x1F3FF:
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.05
    return 0.7  # accented Latin averages 0.61 in Inter; DejaVu Sans runs wider


def label_width(text: str, size: float, bold: bool = False) -> float:
    return size * sum(_char_em(c) for c in text) * (1.06 if bold else 1.0)


def _cluster_cut(text: str, k: int) -> int:
    """The largest cut at or before k that splits no character from its marks."""
    while 0 < k < len(text) and (
        unicodedata.combining(text[k]) or text[k] in _JOINERS or text[k - 1] == "\u200d"
        or 0x1F3FB <= ord(text[k]) <= 0x1F3FF
    ):
        k -= 1
    return k


def _prefix_fitting(text: str, width: float, size: float, bold: bool) -> int:
    total, k = 0.0, 0
    for k, char in enumerate(text):
        total += size * _char_em(char) * (1.06 if bold else 1.0)
        if total > width:
            return _cluster_cut(text, k)
    return len(text)


def ellipsize(text: str, width: float, size: float, bold: bool = False, force: bool = False) -> str:
    """`text` cut to `width` with an ellipsis (also when it fits, if `force`)."""
    if not force and label_width(text, size, bold) <= width:
        return text
    room = width - label_width("\u2026", size, bold)
    k = _prefix_fitting(text, room, size, bold)
    return text[:k].rstrip(" ,;:-\u2013\u2014([{/") + "\u2026"


def fit_lines(text: str, width: float, size: float, lines: int = 1, bold: bool = False) -> list[str]:
    """`text` wrapped into at most `lines` lines of `width`; an ellipsis ends a cut."""
    words = text.split(" ")
    out: list[str] = []
    current = ""
    joiner = " "  # how the rest continues the last line: after a space, or mid-word
    while words and len(out) < lines:
        word = words[0]
        candidate = f"{current} {word}" if current else word
        if label_width(candidate, size, bold) <= width:
            current = candidate
            words.pop(0)
            continue
        joiner = " "
        if not current:  # one word wider than a line: break it
            k = max(1, _prefix_fitting(word, width, size, bold))
            current, words[0] = word[:k], word[k:]
            joiner = ""
        out.append(current)
        current = ""
    if current:
        out.append(current)
    if words:  # more than fits: the last line takes what it can of the rest, then an ellipsis
        out[-1] = ellipsize(out[-1] + joiner + " ".join(words), width, size, bold)
        if not out[-1].endswith("\u2026"):
            out[-1] = ellipsize(out[-1], width, size, bold, force=True)
    return out or [""]
