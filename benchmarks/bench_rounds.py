"""Reading the rounds at scale: the estimate's linear programmes, and the whole reading.

Run on demand: `.venv/bin/python benchmarks/bench_rounds.py`. Cases of 30 issues
(the most a case may have) with 10 options each, and 1 to 40 rounds of 3
packages answered by hidden weights, some with a counter. The goal: the
estimate in well under a second, so that a brief with rounds builds as fast as
one without.
"""
from __future__ import annotations

import random
import statistics
from pathlib import Path

from briefgen.case import load_case, package_label, parse_case
from briefgen.reading import comparisons, history
from briefgen.revealed import estimate
from timing import timed

ISSUES, OPTIONS = 30, 10


def case_with_rounds(rounds: int, seed: int = 3) -> str:
    rng = random.Random(seed)
    theirs = [rng.sample(range(40), OPTIONS) for _ in range(ISSUES)]
    weights = [rng.choice([0.2, 0.5, 1, 2, 4]) for _ in range(ISSUES)]
    lines = ["---", "title: bench", "parties: {us: {name: Us}, them: {name: Them}}", "issues:"]
    for n, points in enumerate(theirs):
        lines += [f"  - id: i{n}", "    options:"]
        lines += [f"      - {{value: {k}, points: {k}, their_points: {t}}}" for k, t in enumerate(points)]
    lines.append("rounds:")
    truth = lambda p: sum(w * t[v] for w, t, v in zip(weights, theirs, p))  # noqa: E731
    for _ in range(rounds):
        offered = [[rng.randrange(OPTIONS) for _ in range(ISSUES)] for _ in range(3)]
        best = max(range(3), key=lambda k: truth(offered[k]))
        lines.append("  - offered:")
        lines += ["      - {" + ", ".join(f"i{n}: {v}" for n, v in enumerate(p)) + "}" for p in offered]
        lines.append(f"    chose: {package_label(best)}")
        issue = rng.randrange(ISSUES)
        top = max(range(OPTIONS), key=lambda v: theirs[issue][v])
        if rng.random() < 0.5 and theirs[issue][top] > theirs[issue][offered[best][issue]]:
            lines.append(f"    counter: {{i{issue}: {top}}}")
    return "\n".join(lines + ["---", ""])


def main() -> None:
    for rounds in (1, 10, 40):
        case = parse_case(case_with_rounds(rounds).encode(), "bench.md", "bench")
        said = comparisons(case)
        times = timed(lambda: estimate(case, said), 5)
        found = estimate(case, said)
        print(f"{ISSUES} issues x {OPTIONS} options, {rounds:2d} rounds ({len(said):3d} comparisons): "
              f"estimate median {statistics.median(times) * 1000:.1f} ms, consistent: {found.consistent}")
    example = load_case(Path(__file__).parent.parent / "cases" / "fisheries-access.md")
    times = timed(lambda: history(example), 5)
    print(f"cases/fisheries-access.md: the whole reading (estimate, next MESO set) median "
          f"{statistics.median(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
