"""Batch builds at scale (issue 8): 100 cases built cold, serially and with -j 2, then rebuilt with nothing changed.

Run on demand: `.venv/bin/python benchmarks/bench_batch.py [--cases 100]`.

The cases are the example cases briefgen ships (tests/conftest.py's EXAMPLE_CASES, by
name: a case someone adds to cases/, a draft or a stress case, is not an example), each
copied with its title and background varied, so every case is different and of realistic
size; offer sheets are made as of the tests' fixed date, so that none has expired. Each build is a real
`briefgen build` in a new process, in a fresh project folder. Reports:
- cold serial (-j 1) and cold parallel (-j 2): seconds in all and per case;
- the parallel speedup (goal: at least 1.7 on 2 cores);
- the no-op rebuild (goal: under 0.5 s), and that it built nothing;
- peak memory (VmHWM) of each worker process (goal: under 300 MB each).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from conftest import EXAMPLE_CASES as EXAMPLES  # noqa: E402 (the examples by name; it also sets BRIEFGEN_TODAY)

BRIEFGEN = Path(sys.executable).parent / "briefgen"


def make_project(folder: Path, count: int) -> None:
    """`count` cases, each an example with its title and a few words changed."""
    cases = folder / "cases"
    cases.mkdir(parents=True)
    for n in range(count):
        example = EXAMPLES[n % len(EXAMPLES)]
        text = example.read_text()
        text = re.sub(r'^title: "?(.*?)"?$', lambda m: f'title: "{m[1]} (copy {n})"', text, count=1, flags=re.M)
        text = text.replace("## Background", f"## Background\n\nCopy {n} of {example.stem}, for the batch benchmark.", 1)
        (cases / f"{example.stem}-{n:03d}.md").write_text(text)


def build(folder: Path, *args: str) -> tuple[float, str, dict[int, int]]:
    """Seconds, output, and the peak resident memory (kB) of each worker process seen."""
    start = time.perf_counter()
    process = subprocess.Popen([BRIEFGEN, "build", *args], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    peaks: dict[int, int] = {}
    while process.poll() is None:
        for child in children(process.pid):
            peaks[child] = max(peaks.get(child, 0), peak_kb(child))
        time.sleep(0.1)
    seconds = time.perf_counter() - start
    output = process.stdout.read()
    if process.returncode != 0:
        raise SystemExit(f"briefgen build {' '.join(args)} failed:\n{output[-3000:]}")
    return seconds, output, peaks


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def peak_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return int(found[1]) if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100)
    count = parser.parse_args().cases
    print(f"{count} cases, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as scratch:
        serial_project, parallel_project = Path(scratch) / "serial", Path(scratch) / "parallel"
        make_project(serial_project, count)
        shutil.copytree(serial_project, parallel_project)

        serial, output, _ = build(serial_project, "-j", "1")
        print(f"cold, serial (-j 1):      {serial:7.1f} s   {serial / count:5.2f} s per case   ({output.splitlines()[-1]})")
        parallel, output, peaks = build(parallel_project, "-j", "2")
        print(f"cold, parallel (-j 2):    {parallel:7.1f} s   {parallel / count:5.2f} s per case   ({output.splitlines()[-1]})")
        print(f"speedup:                  {serial / parallel:7.2f} x   (goal: at least 1.7 x)")
        workers = sorted(peaks.values(), reverse=True)
        print(f"peak memory per worker:   {', '.join(f'{kb / 1024:.0f} MB' for kb in workers)}   (goal: under 300 MB)")

        times = []
        for _ in range(5):
            seconds, output, _ = build(parallel_project)
            assert output.strip() == f"0 built, {count} unchanged, 0 failed", output
            times.append(seconds)
        print(f"no-op rebuild:            {min(times):7.3f} s best, {sorted(times)[2]:.3f} s median of 5   "
              f"(goal: under 0.5 s; '{output.strip()}')")


if __name__ == "__main__":
    main()
