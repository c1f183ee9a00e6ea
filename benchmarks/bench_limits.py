"""Builds the slowest files the loader's limits admit (issue 16), each in a process of its own.

Each generated case is as large as the limits allow along one dimension: deeply
nested emphasis in every paragraph of the body, the most rounds, the most tags, the
most constituencies with the longest texts. Reports the seconds and peak memory of
`briefgen build` for each (goal: under 15 s each), or the message that refused it.

    .venv/bin/python benchmarks/bench_limits.py [NAME ...]
"""
from __future__ import annotations

import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASE = (ROOT / "cases" / "hiring-offer.md").read_text()
BRIEFGEN = Path(sys.executable).parent / "briefgen"
sys.path.insert(0, str(ROOT))
from briefgen.body import MAX_DEPTH, MAX_ELEMENTS  # noqa: E402
from briefgen.case import MAX_BODY_BYTES, MAX_FRONTMATTER_BYTES  # noqa: E402
from briefgen.case_model import MAX_CONSTITUENCIES, MAX_ROUNDS, MAX_TAGS  # noqa: E402

FRONTMATTER_BYTES = MAX_FRONTMATTER_BYTES - 100  # a little room for the generators' rounding
BODY_BYTES = MAX_BODY_BYTES - len(CASE.split("\n---\n", 1)[1].encode()) - 100  # what the example's body leaves


def with_body(body: str) -> str:
    return CASE + body


def nested_emphasis(depth: int = MAX_DEPTH - 2, paragraphs: int = 1_500) -> str:
    """The issue's 58 levels x 1,500 paragraphs, as many paragraphs as the limits admit."""
    marks = (["*", "_"] * depth)[:depth]  # *a _a *a deep a* a_ a*
    paragraph = "".join(f"{m}a " for m in marks) + "deep" + "".join(f" a{m}" for m in reversed(marks))
    paragraphs = min(paragraphs, BODY_BYTES // (len(paragraph) + 2), MAX_ELEMENTS // (depth + 1))
    return with_body("\n\n".join([paragraph] * paragraphs) + "\n")


def flat_emphasis() -> str:
    """As many emphasised words as the body may have elements."""
    return with_body("\n\n".join(" ".join(["*word*"] * 99) for _ in range(MAX_ELEMENTS // 100 - 1)) + "\n")


def prose_body() -> str:
    """The largest body: plain paragraphs."""
    paragraph = "The other side has signalled flexibility on timing but not on price. " * 6
    return with_body("\n\n".join([paragraph] * (BODY_BYTES // (len(paragraph) + 2))) + "\n")


def rounds(count: int = 1_387) -> str:
    """The issue's 1,387 rounds, as many as the limits admit, each with a long note."""
    count = min(count, MAX_ROUNDS)
    note = "They asked for time to consult their board; " * ((FRONTMATTER_BYTES - len(CASE)) // count // 45 - 3)
    entry = f'  - {{date: 2026-11-25, offered: [{{salary: 100000, remote_days: 1, term: 3}}], chose: A, note: "{note}"}}\n'
    return CASE.replace("\noutcome:", "\nrounds:\n" + entry * count + "\noutcome:", 1)


def tags(count: int = 20_000) -> str:
    count = min(count, MAX_TAGS)
    return re.sub(r"^tags: .*$", "tags: [" + ", ".join(f"tag-{'x' * 70}-{n}" for n in range(count)) + "]", CASE,
                  count=1, flags=re.M)


def constituencies(count: int = 199, body: str = "") -> str:
    """The issue's 199 constituencies with long texts: as many as fit, the texts as long as fit."""
    count = min(count, MAX_CONSTITUENCIES, (FRONTMATTER_BYTES - len(CASE)) // 800)
    room = (FRONTMATTER_BYTES - len(CASE)) // count - 560  # the rest of each entry
    text = ("Long history with the other side; " * (room // 35 + 1))[:max(room, 40)]
    entries = "".join(
        f'  - id: c{n}\n    name: "Group {n}"\n    side: {"them" if n % 2 else "us"}\n    power: influence\n'
        f'    stance: skeptical\n    interests: ["{text[:150]}"]\n    concerns: ["{text[:150]}"]\n'
        f'    notes: "{text}"\n' for n in range(count))
    return re.sub(r"^constituencies:\n(  .*\n|    .*\n)+", "constituencies:\n" + entries, CASE, count=1, flags=re.M) + body


def everything() -> str:
    """The largest frontmatter of constituencies and the largest body, together."""
    return constituencies(body=prose_body()[len(CASE):])


CASES = {"nested-emphasis": nested_emphasis, "flat-emphasis": flat_emphasis, "prose-body": prose_body, "rounds": rounds,
         "tags": tags, "constituencies": constituencies, "everything": everything}


def build(name: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "cases").mkdir()
        (Path(folder) / "cases" / f"{name}.md").write_text(text)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run([BRIEFGEN, "build", "-j", "1"], cwd=folder, capture_output=True, text=True, timeout=600)
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        shown = f"{peak / 1024:.0f} MB" if peak > before else "(below an earlier run's peak)"
        outcome = "built" if done.returncode == 0 else "refused: " + (done.stderr.strip().splitlines() or ["?"])[0]
        print(f"{name:<16} {len(text.encode()):>9,} bytes  {seconds:6.1f} s  {shown:>8}  {outcome[:160]}")


def main(names: list[str]) -> None:
    for name in names or CASES:
        build(name, CASES[name]())


if __name__ == "__main__":
    main(sys.argv[1:])
