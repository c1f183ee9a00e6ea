"""Full-text search of the archive: a user's words, safely.

The query is never handed to FTS5 as it was typed: every word and quoted phrase becomes an
FTS5 string (so `fit-out`, `title:salary` or a lone `(` are text, never syntax), and only the
documented operators survive: OR, NOT and AND between two terms, and a trailing `*` (a prefix).
The index stems English words (the porter tokenizer), so "union" finds "Unions".
"""
from __future__ import annotations

import re
from pathlib import Path

from briefgen.archive_index import open_index

OPERATORS = {"OR", "AND", "NOT"}
UNSEARCHABLE = re.compile("[\x00\ud800-\udfff]")  # FTS5 strings end at a NUL; a lone surrogate is no UTF-8
LEXEME = re.compile(r'"(?P<phrase>[^"]*)(?:"|$)(?P<pstar>\*?)|(?P<word>[^\s"]+)')


def search(folder: Path, query: str, limit: int = 20) -> list[dict]:
    """Full-text search over titles, parties, tags, constituencies, round notes, bodies and lessons, best first."""
    expression = fts_query(query)
    if not expression:
        return []
    with open_index(folder) as db:
        rows = db.execute(
            "SELECT v.id, v.case_id, v.version, v.title, snippet(search, -1, '[', ']', '...', 12)"
            " FROM search JOIN versions v ON v.id = search.rowid WHERE search MATCH ? ORDER BY rank LIMIT ?",
            (expression, limit)).fetchall()
    return [dict(zip(("id", "case_id", "version", "title", "snippet"), row)) for row in rows]


def fts_query(query: str) -> str:
    """The FTS5 expression for what a user typed: words, "phrases", OR, NOT, AND, prefix*."""
    items = []  # (kind, text): kind is "term" or "operator"
    for match in LEXEME.finditer(UNSEARCHABLE.sub(" ", query)):
        if match["word"] in OPERATORS:
            items.append(("operator", match["word"]))
            continue
        text, star = (match["phrase"], match["pstar"]) if match["word"] is None else _split_star(match["word"])
        if any(ch.isalnum() for ch in text):  # what the tokenizer would index; the rest is punctuation
            items.append(("term", '"' + text.replace('"', '""') + '"' + ("*" if star else "")))
    terms: list[str] = []
    for n, (kind, text) in enumerate(items):
        between_terms = terms and terms[-1] not in OPERATORS and n + 1 < len(items) and items[n + 1][0] == "term"
        if kind == "term":
            terms.append(text)
        elif between_terms:
            terms.append(text)
        else:  # an operator with nothing to join is a word like any other
            terms.append(f'"{text}"')
    return " ".join(terms)


def _split_star(word: str) -> tuple[str, str]:
    return (word[:-1], "*") if word.endswith("*") else (word, "")

