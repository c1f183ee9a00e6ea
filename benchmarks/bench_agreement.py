"""The single negotiating text at its limit: a 50,000-character agreement (the most a case may hold).

Run on demand: `.venv/bin/python benchmarks/bench_agreement.py`. Times the redline of two
versions whose every line differs (difflib's worst case here: lines first, then every word
of one changed block), and the draft and the redline as PDF and Word. The goal: each within
a few seconds, so that no text within the limits makes `briefgen text` crawl.
"""
from __future__ import annotations

import datetime
import random
import statistics
import tempfile
from pathlib import Path

from briefgen.agreement_draft import write_text
from briefgen.case_model import MAX_AGREEMENT_CHARS
from timing import timed

WORDS = [f"clause{n}" for n in range(300)]


def agreement(seed: int) -> str:
    rng = random.Random(seed)
    lines, size = [], 0
    while True:
        line = " ".join(rng.choice(WORDS) for _ in range(12)) + " {price}."
        if size + len(line) + 3 > MAX_AGREEMENT_CHARS - 200:
            return "\n".join(f"  {line}" for line in lines) + "\n"
        lines.append(line)
        size += len(line) + 3


def case(seed: int, price: int) -> str:
    return ("---\ntitle: bench\nparties: {us: {name: Us}, them: {name: Them}}\nissues:\n"
            "  - {id: price, unit: EUR, range: {min: 100, max: 200, step: 10}, points: {100: 0, 200: 10}}\n"
            f"outcome:\n  agreed: {{price: {price}}}\nagreement: |\n{agreement(seed)}---\n")


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    path, archive, today = folder / "cases" / "long.md", folder / "archive", datetime.date(2026, 12, 1)
    path.parent.mkdir()
    path.write_text(case(1, 150))
    print(f"agreement: {len(agreement(1)):,} characters")
    for fmt in ("pdf", "docx", "txt"):
        seconds = timed(lambda: write_text(path, folder / "out", archive, fmt, today=today), 2)
        print(f"draft {fmt}: {statistics.median(seconds):.2f} s")
    path.write_text(case(2, 160))
    write_text(path, folder / "out", archive, "txt", today=today)
    for fmt in ("pdf", "docx", "txt"):
        seconds = timed(lambda: write_text(path, folder / "out", archive, fmt, compare=1, today=today), 2)
        print(f"redline {fmt} (every line changed): {statistics.median(seconds):.2f} s")


if __name__ == "__main__":
    main()
