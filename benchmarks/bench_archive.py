"""The archive at scale (issue 6): archiving real write-ups, then search and verify over 1,000 versions.

Run on demand: `.venv/bin/python benchmarks/bench_archive.py [--versions 1000] [--real 10]`.

1. Archives REAL write-ups (PDF/A, WeasyPrint): `--real` versions of the example hiring
   case, each a changed file, through `archive.archive_case`; reports seconds per version,
   the no-op re-archive of an unchanged file, and one `briefgen archive` in a new process.
2. Fills the same archive up to `--versions` versions through the same `archive_case` path
   (journal, staging, hard link, index, FTS), but with `archive.render_writeup` replaced by
   a fast STAND-IN PDF (one blank page carrying the source): only the write-up rendering is
   skipped. Copies of the five example cases, ten versions each, differently worded.
3. Times `archive.search` (opening the index included, as each command does) for a few
   queries, 50 runs each: median and max; the goal is under 50 ms. Also the bare FTS query
   on an open connection and `briefgen archive search` as a new process.
4. Times `archive.verify` and `archive.list_versions` over the whole archive (the stand-in
   PDFs are small, so verify's hashing and attachment reading is a lower bound there).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import timed

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted((ROOT / "cases").glob("*.md"))
BRIEFGEN = Path(sys.executable).parent / "briefgen"
GOAL_MS = 50.0
WORDS = ("anchor", "concession", "deadline", "walk-away", "framing", "coalition", "ratification", "logroll",
         "reciprocity", "package", "deadlock", "mandate", "backchannel", "sweetener", "timeline", "escrow")
UNIQUE = "quokka"  # a word in the lessons of exactly one case version
QUERIES = (UNIQUE, "salary", '"remote days"', "concess*", "veto OR ratification", "deadline", "fit-out", "nosuchword")


def stand_in_pdf(case, raw: bytes, source_name: str, version: int) -> bytes:
    """One blank page carrying the source, with the title and PDF identifier verify checks."""
    import pikepdf

    from briefgen.archive_writeup import pdf_identifier, sha256, writeup_title

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments[source_name] = pikepdf.AttachedFileSpec(pdf, raw, filename=source_name)
    pdf.docinfo["/Title"] = writeup_title(case.title, version)
    identifier = pikepdf.String(pdf_identifier(case.id, version, sha256(raw)))
    pdf.trailer.ID = pikepdf.Array([identifier, identifier])
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def with_lesson(text: str, lesson: str) -> str:
    """The case text with a sentence added to its Lessons section (or a new one)."""
    if re.search(r"^#+\s*Lessons?\b", text, flags=re.M):
        return re.sub(r"(^#+\s*Lessons?\b.*?$\n)", lambda m: m.group(1) + f"\n{lesson}\n", text, count=1, flags=re.M)
    return text.rstrip("\n") + f"\n\n## Lessons\n\n{lesson}\n"


def retitled(text: str, suffix: str) -> str:
    return re.sub(r'^title: "(.*)"$', lambda m: f'title: "{m.group(1)} {suffix}"', text, count=1, flags=re.M)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=1000)
    parser.add_argument("--real", type=int, default=10)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="build the archive here (must not exist) and keep it")
    args = parser.parse_args()

    from briefgen import archive
    from briefgen.archive_search import fts_query
    from briefgen.build import project_rules

    rules = project_rules(ROOT)
    work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    folder = args.keep or work / "archive"
    cases = work / "cases"
    cases.mkdir()
    try:
        # 1. real write-ups ------------------------------------------------------------------
        print(f"1. Archiving real PDF/A write-ups: {args.real} versions of cases/hiring-offer.md, each one changed")
        source = (ROOT / "cases" / "hiring-offer.md").read_text(encoding="utf-8")
        path = cases / "hiring-offer.md"
        real = []
        for n in range(1, args.real + 1):
            path.write_text(with_lesson(source, f"Revision {n}: the {WORDS[n % len(WORDS)]} mattered."), encoding="utf-8")
            start = time.perf_counter()
            done = archive.archive_case(path, folder, rules)
            real.append(time.perf_counter() - start)
            assert not done.unchanged and done.version == n, done
        size = statistics.median((folder / "hiring-offer" / f"v{n}.pdf").stat().st_size for n in range(1, args.real + 1))
        print(f"   first version (cold: imports, fonts)      {real[0]:8.2f} s")
        if len(real) > 1:
            print(f"   per version, warm: median {statistics.median(real[1:]):.2f} s, "
                  f"min {min(real[1:]):.2f} s, max {max(real[1:]):.2f} s   (n={len(real) - 1}; write-up ~{size / 1024:.0f} KB)")
        unchanged = timed(lambda: archive.archive_case(path, folder, rules), 20)
        print(f"   re-archive unchanged (no-op): median {ms(statistics.median(unchanged))}")
        path.write_text(with_lesson(source, "Revision by a new process."), encoding="utf-8")
        start = time.perf_counter()
        subprocess.run([BRIEFGEN, "archive", str(path), "-a", str(folder)], check=True, capture_output=True, cwd=ROOT)
        print(f"   `briefgen archive` in a new process       {time.perf_counter() - start:8.2f} s")

        # 2. fill to N versions with the stand-in write-up ------------------------------------
        existing = len(archive.list_versions(folder))
        to_add = max(0, args.versions - existing)
        print(f"\n2. Filling to {args.versions} versions: {to_add} more through archive_case, "
              f"with render_writeup REPLACED by a fast stand-in PDF (not a real write-up)")
        real_render = archive.render_writeup
        archive.render_writeup = lambda case, raw, source_name, version, rules_, project=None: stand_in_pdf(
            case, raw, source_name, version)
        texts = {p.stem: p.read_text(encoding="utf-8") for p in CASES}
        added, fill = 0, []
        copy = 0
        while added < to_add:
            copy += 1
            for stem, text in texts.items():
                if added >= to_add:
                    break
                name = cases / f"{stem}-{copy:03d}.md"
                base = retitled(text, f"#{copy}")
                for n in range(1, 11):
                    if added >= to_add:
                        break
                    word = WORDS[(copy * 7 + n) % len(WORDS)]
                    lesson = f"Copy {copy}, revision {n}: watch the {word} and the {WORDS[(copy + n) % len(WORDS)]}."
                    if copy == 1 and n == 10 and stem == "hiring-offer":
                        lesson += f" The {UNIQUE} rule held."
                    name.write_text(with_lesson(base, lesson), encoding="utf-8")
                    start = time.perf_counter()
                    archive.archive_case(name, folder, rules)
                    fill.append(time.perf_counter() - start)
                    added += 1
        archive.render_writeup = real_render
        total = len(archive.list_versions(folder))
        index_size = sum(f.stat().st_size for f in folder.glob(archive.INDEX + "*"))
        if fill:
            print(f"   {len(fill)} versions in {sum(fill):.1f} s: median {ms(statistics.median(fill))} per version "
                  f"(parse, stage + fsync, journal, link, index; no rendering)")
        print(f"   archive now: {total} versions, index {index_size / 1e6:.1f} MB")

        # 3. search ------------------------------------------------------------------------------
        print(f"\n3. Search over {total} versions ({args.runs} runs each; goal < {GOAL_MS:.0f} ms)")
        worst = 0.0
        print(f"   {'query':<26}{'hits':>6}   {'archive.search median':>22}  {'max':>11}   {'bare FTS query':>14}"
              "   (hits: at most 20, the default limit)")
        with contextlib.closing(sqlite3.connect(folder / archive.INDEX)) as db:
            for query in QUERIES:
                hits = archive.search(folder, query)
                times = timed(lambda: archive.search(folder, query), args.runs)
                bare = timed(lambda: db.execute(
                    "SELECT v.id, v.case_id, v.version, v.title, snippet(search, -1, '[', ']', '...', 12)"
                    " FROM search JOIN versions v ON v.id = search.rowid WHERE search MATCH ? ORDER BY rank LIMIT 20",
                    (fts_query(query),)).fetchall(), args.runs)
                worst = max(worst, max(times))
                print(f"   {query:<26}{len(hits):>6}   {ms(statistics.median(times)):>22}  {ms(max(times))}   "
                      f"{ms(statistics.median(bare))}")
        unique_hits = archive.search(folder, UNIQUE)
        assert [(h["case_id"], h["version"]) for h in unique_hits] == [("hiring-offer-001", 10)], unique_hits
        print(f"   worst single search: {ms(worst)}  ->  {'meets' if worst < GOAL_MS / 1000 else 'MISSES'} "
              f"the {GOAL_MS:.0f} ms goal")
        cli = timed(lambda: subprocess.run([BRIEFGEN, "archive", "search", UNIQUE, "-a", str(folder)],
                                           check=True, capture_output=True), 5)
        print(f"   `briefgen archive search` as a new process (startup included): median {ms(statistics.median(cli))}")

        # 4. verify and list -------------------------------------------------------------------------
        print(f"\n4. Verify and list over {total} versions")
        listing = timed(lambda: archive.list_versions(folder), 5)
        print(f"   archive.list_versions: median {ms(statistics.median(listing))}")
        start = time.perf_counter()
        problems = archive.verify(folder).problems
        seconds = time.perf_counter() - start
        assert not problems, problems[:5]
        real_verify = timed(lambda: [archive.embedded_source(folder / "hiring-offer" / f"v{n}.pdf", "hiring-offer.md")
                                     for n in range(1, args.real + 1)], 1)[0] / max(1, args.real)
        print(f"   archive.verify: {seconds:.2f} s, {len(problems)} problems "
              f"({seconds / total * 1000:.1f} ms per version, mostly stand-in PDFs and parsing each embedded source)")
        print(f"   reading the source out of one real write-up (verify's costliest step): {ms(real_verify)}")
        estimate = (real_verify + seconds / total) * total
        print(f"   so verify over {total} REAL write-ups would take about {estimate:.0f} s (estimate)")
    finally:
        shutil.rmtree(work, ignore_errors=True)  # with --keep, the archive is outside it


if __name__ == "__main__":
    main()
