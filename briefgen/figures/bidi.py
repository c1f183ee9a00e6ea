"""Right-to-left labels for the figures, in visual order.

WeasyPrint's SVG renderer (version 70) lays out SVG text one code point at a
time, left to right, without the Unicode bidirectional algorithm
(Kozea/WeasyPrint#2909), so Hebrew or Arabic would come out mirrored. Visible
labels containing right-to-left text are therefore written in visual order by
`visual_order` (a compact version of the algorithm for single lines without
embeddings) and marked `unicode-bidi="bidi-override" direction="ltr"` by
`svg.draw_text`, so that a browser shows them the same way; each such label
keeps its logical text in a `<title>`. Per code point there is no shaping
either, so Arabic letters would come out in their isolated forms, unjoined:
arabic-reshaper (made for such renderers) first writes each letter in the
contextual form (initial, medial, final) and the ligatures (lam-alef) of the
Arabic Presentation Forms, which the fonts draw joined.
"""
from __future__ import annotations

import unicodedata

def _joined(text: str) -> str:
    """Arabic letters in the contextual forms that join them (presentation forms)."""
    import arabic_reshaper

    return arabic_reshaper.reshape(text)


_MIRROR = dict(zip("()[]{}<>\u00ab\u00bb\u2039\u203a", ")(][}{><\u00bb\u00ab\u203a\u2039"))


def visual_order(text: str) -> str:
    """A line of text in visual (left-to-right display) order.

    The Unicode bidirectional algorithm (UAX #9) for one line without explicit
    embeddings: paragraph level from the first strong character (like
    dir=auto), weak types (W1-W7), neutrals (N1-N2), implicit levels (I1-I2),
    reversal (L2) and mirrored brackets (L4). Text without right-to-left
    characters is returned unchanged.
    """
    types = [unicodedata.bidirectional(c) or "L" for c in text]
    if not any(t in ("R", "AL") for t in types):
        return text
    if "AL" in types:  # Arabic script: joined forms first (one code point each, still AL)
        text = _joined(text)
        types = [unicodedata.bidirectional(c) or "L" for c in text]
    n = len(text)
    base = next((0 if t == "L" else 1 for t in types if t in ("L", "R", "AL")), 0)
    sos = "R" if base else "L"
    previous = sos
    for i, t in enumerate(types):  # W1
        if t == "NSM":
            types[i] = previous
        previous = types[i]
    last = sos
    for i, t in enumerate(types):  # W2
        if t in ("L", "R", "AL"):
            last = t
        elif t == "EN" and last == "AL":
            types[i] = "AN"
    types = ["R" if t == "AL" else t for t in types]  # W3
    for i in range(1, n - 1):  # W4
        before, after = types[i - 1], types[i + 1]
        if types[i] == "ES" and before == after == "EN":
            types[i] = "EN"
        elif types[i] == "CS" and before == after and before in ("EN", "AN"):
            types[i] = before
    i = 0
    while i < n:  # W5
        if types[i] == "ET":
            j = i
            while j < n and types[j] == "ET":
                j += 1
            if (i > 0 and types[i - 1] == "EN") or (j < n and types[j] == "EN"):
                types[i:j] = ["EN"] * (j - i)
            i = j
        else:
            i += 1
    types = ["ON" if t in ("ES", "ET", "CS") else t for t in types]  # W6
    last = sos
    for i, t in enumerate(types):  # W7
        if t in ("L", "R"):
            last = t
        elif t == "EN" and last == "L":
            types[i] = "L"

    def strong(t: str) -> str | None:
        return "R" if t in ("R", "EN", "AN") else "L" if t == "L" else None

    i = 0
    while i < n:  # N1, N2
        if strong(types[i]) is None:
            j = i
            while j < n and strong(types[j]) is None:
                j += 1
            before = strong(types[i - 1]) if i > 0 else sos
            after = strong(types[j]) if j < n else sos
            types[i:j] = [before if before == after else sos] * (j - i)
            i = j
        else:
            i += 1
    if base == 0:  # I1, I2
        levels = [1 if t == "R" else 2 if t in ("EN", "AN") else 0 for t in types]
    else:
        levels = [2 if t in ("L", "EN", "AN") else 1 for t in types]
    chars = [_MIRROR.get(c, c) if level % 2 else c for c, level in zip(text, levels)]  # L4
    for level in range(max(levels), 0, -1):  # L2
        i = 0
        while i < n:
            if levels[i] >= level:
                j = i
                while j < n and levels[j] >= level:
                    j += 1
                chars[i:j] = chars[i:j][::-1]
                levels[i:j] = levels[i:j][::-1]
                i = j
            else:
                i += 1
    return "".join(chars)
