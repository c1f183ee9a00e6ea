"""MESO construction against an exact reference, on generated cases.

Run on demand (an hour on a quiet 2-core machine, most of it the reference):
`.venv/bin/python benchmarks/bench_meso.py [CASES [LARGE [GROUPS]]]`, GROUPS e.g. `mixed` or `20x10,30x10`.
Generates CASES (default 300) cases with option and range issues, conditions tying
issues together, holds, `lead_with`, points on scales of 1, 100 and 1,000,000, and
k = 2..5 packages, plus LARGE (default 20) 20 x 10 and 30 x 10 cases each; builds each with `meso()` and with
the exact reference: the same programme with no size threshold for the search and
60 s per case instead of 6 (HiGHS; it is held to brute force by tests/test_meso*.py).

Prints: tracebacks, the slowest construction, the peak memory of the whole run,
missed sets (the reference builds more packages), suboptimal sets where the engine
claims a proof, and the true gap (reference optimum - engine) / optimum, median and
worst, per group; the construction time per size of the set programme (binaries:
packages x values; up to construct.EXACT_SIZE it is solved exactly), and how much of
it the tie-break solve (`solver._first_of_equals`: of equally good sets, the one
first in the case's order) takes.
"""
from __future__ import annotations

import importlib
import random
import resource
import statistics
import sys
import time
import traceback
from unittest import mock

from briefgen.case import parse_case
from briefgen.meso import Market, meso, solver

construct_module = importlib.import_module("briefgen.meso.construct")


def number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(round(x, 2))


def generated(rng: random.Random, issues: int, options: int | None = None) -> str:
    scale = rng.choice([1, 100, 1_000_000])
    lines = ["---", "title: Generated", "parties: {us: {name: Us}, them: {name: Them}}", "issues:"]
    values, best = {}, 0.0
    for n in range(issues):
        if options is None and rng.random() < 0.3:
            steps = rng.choice([4, 10, 50, 200])
            top = rng.choice([steps, 1_000_000])
            step = top // steps
            ours, theirs = round(rng.uniform(1, 20) * scale, 2), round(rng.uniform(1, 20) * scale, 2)
            middle = f", {number(step * (steps // 2))}: {number(ours * rng.uniform(0.1, 0.9))}" if rng.random() < 0.5 else ""
            their = f", their_points: {{0: {number(theirs)}, {top}: 0}}" if rng.random() < 0.8 else ""
            lines.append(f"  - {{id: i{n}, range: {{min: 0, max: {top}, step: {step}}}, "
                         f"points: {{0: 0{middle}, {top}: {number(ours)}}}{their}}}")
            values[n] = [k * step for k in range(steps + 1)]
            best += ours
        else:
            count = options or rng.randint(2, 10)
            ours = [round(rng.uniform(0, 15) * scale, 2) for _ in range(count)]
            theirs = [round(rng.uniform(0, 15) * scale, 2) for _ in range(count)]
            lines.append(f"  - {{id: i{n}, options: [" + ", ".join(
                f"{{value: {k}, points: {number(o)}, their_points: {number(t)}}}"
                for k, (o, t) in enumerate(zip(ours, theirs))) + "]}")
            values[n] = list(range(count))
            best += max(ours)

    def atom() -> str:
        n = rng.randrange(issues)
        v = rng.choice(values[n][1:-1] or values[n][:1])
        return f"i{n} {rng.choice(['>=', '<=', '!='])} {v}"

    conditions = []
    for _ in range(rng.randint(0, 3)):
        shape = rng.random()
        conditions.append(atom() if shape < 0.4 else f"{atom()} or {atom()}" if shape < 0.7 else
                          f"{atom()} or {atom()} or {atom()}" if shape < 0.85 else f"not ({atom()} and {atom()})")
    aspiration = best * rng.uniform(0.45, 0.75)
    lines.append(f"targets: {{aspiration: {number(aspiration)}}}")
    if conditions:
        lines.append("constituencies:")
        for k, text in enumerate(conditions):
            lines.append(f"  - {{id: c{k}, side: {rng.choice(['us', 'them'])}, power: ratify, requires: ['{text}']}}")
    meso_settings = [f"packages: {rng.randint(2, 5)}", f"tolerance: {number(best * rng.choice([0.005, 0.02, 0.05]))}"]
    if rng.random() < 0.2:
        n = rng.randrange(issues)
        meso_settings.append(f"hold: {{i{n}: {rng.choice(values[n])}}}")
    if rng.random() < 0.2:
        meso_settings.append(f"lead_with: [{', '.join(f'i{n}' for n in rng.sample(range(issues), rng.randint(1, 2)))}]")
    lines += ["meso: {" + ", ".join(meso_settings) + "}", "---", ""]
    return "\n".join(lines)


def reference(case):
    """The exact programme everywhere, with a minute per case."""
    with mock.patch.object(construct_module, "EXACT_SIZE", float("inf")), \
            mock.patch.object(solver, "TIME_LIMIT", 60.0), mock.patch.object(solver, "NODE_LIMIT", 10**9):
        return meso(case)


class TieBreakClock:
    """Processor time spent in the tie-break solve while `meso()` runs (not the reference):
    processor time, so that a loaded machine does not inflate it."""

    def __init__(self):
        self.seconds = 0.0
        self.original = solver._first_of_equals

    def __call__(self, *args, **kwargs):
        start = time.process_time()
        try:
            return self.original(*args, **kwargs)
        finally:
            self.seconds += time.process_time() - start


SIZES = ((0, 40), (41, construct_module.EXACT_SIZE), (construct_module.EXACT_SIZE + 1, 400), (401, 10**9))


def size_line(by_size: dict[int, list[tuple[float, float]]]) -> str:
    parts = []
    for n, (low, high) in enumerate(SIZES):
        runs = by_size.get(n)
        if runs:
            times = [t for t, _ in runs]
            share = sum(b for _, b in runs) / (sum(times) or 1)
            parts.append(f"{low}-{high if high < 10**9 else ''} binaries: {len(runs)} cases, median "
                         f"{statistics.median(times):.3f} s, max {max(times):.2f} s, tie-break {share:.0%}")
    return "; ".join(parts)


class Tally:
    """One group's results so far: a slow machine may stop the run, the lines printed stay."""

    def __init__(self, name: str):
        self.name = name
        self.missed = self.unproved_optimal = self.feasible = 0
        self.gaps: list[float] = []
        self.times: list[float] = []
        self.reference_times: list[float] = []
        self.by_size: dict[int, list[tuple[float, float]]] = {}

    def add(self, label: str, binaries: int, seconds: float, tie_break: float, reference_seconds: float,
            built, exact) -> None:
        self.times.append(seconds)
        self.reference_times.append(reference_seconds)
        bucket = next(k for k, (low, high) in enumerate(SIZES) if low <= binaries <= high)
        self.by_size.setdefault(bucket, []).append((seconds, tie_break))
        if not exact.packages:
            return
        self.feasible += 1
        if len(built.packages) < len(exact.packages):
            self.missed += 1
            print(f"missed: {label} built {len(built.packages)}, exact {len(exact.packages)}")
            return
        mine = sum(p.their_score for p in built.packages)
        best = sum(p.their_score for p in exact.packages)
        if len(built.packages) == len(exact.packages) and best:
            gap = max(best - mine, 0) / abs(best)
            self.gaps.append(gap)
            if built.bound is not None and abs(built.bound - mine) <= 1e-9 * max(abs(mine), 1) and gap > 1e-9:
                self.unproved_optimal += 1
                print(f"claimed best but is not: {label} gap {gap:.4%}")

    def report(self, when: str) -> None:
        gaps, times = self.gaps or [0], self.times or [0]
        print(f"{self.name} ({when}): {self.feasible} feasible, {self.missed} missed sets, {self.unproved_optimal} "
              f"suboptimal sets claimed best, gap median {statistics.median(gaps):.3%} worst {max(gaps):.3%}, "
              f"time median {statistics.median(times):.2f} s max {max(times):.2f} s (processor time; the reference "
              f"{statistics.median(self.reference_times or [0]):.2f} s median)", flush=True)
        print(f"  by size: {size_line(self.by_size)}", flush=True)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    large = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    only = sys.argv[3].split(",") if len(sys.argv) > 3 else None
    rng = random.Random(14)
    # The first ten large cases of each size are those of earlier runs; more come after them.
    groups = {"mixed": [generated(rng, rng.randint(2, 8)) for _ in range(count)],
              "20x10": [generated(rng, 20, 10) for _ in range(min(large, 10))],
              "30x10": [generated(rng, 30, 10) for _ in range(min(large, 10))]}
    groups["20x10"] += [generated(rng, 20, 10) for _ in range(large - 10)]
    groups["30x10"] += [generated(rng, 30, 10) for _ in range(large - 10)]
    groups = {name: texts for name, texts in groups.items() if only is None or name in only}
    tracebacks, slowest = 0, (0.0, "")
    clock = TieBreakClock()
    for name, texts in groups.items():
        tally = Tally(name)
        for n, text in enumerate(texts):
            try:
                case = parse_case(text.encode(), f"{name}-{n}.md", f"{name}-{n}")
            except Exception:  # a generated condition that can never be met: not a case
                continue
            try:
                binaries = solver.size(Market(case), case.meso.packages)
                before = clock.seconds
                start = time.process_time()
                with mock.patch.object(solver, "_first_of_equals", clock):
                    built = meso(case)
                seconds = time.process_time() - start
            except Exception:
                tracebacks += 1
                traceback.print_exc()
                continue
            slowest = max(slowest, (seconds, f"{name}-{n}"))
            start = time.process_time()
            exact = reference(case)
            tally.add(f"{name}-{n}", binaries, seconds, clock.seconds - before, time.process_time() - start, built, exact)
            if (n + 1) % (25 if len(texts) > 50 else 5) == 0 and n + 1 < len(texts):
                tally.report(f"after {n + 1} of {len(texts)}")
        tally.report(f"{len(texts)} cases")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tracebacks: {tracebacks}; slowest construction {slowest[0]:.2f} s ({slowest[1]}); peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
