"""MESO construction at scale, and against brute force.

Run on demand: `.venv/bin/python benchmarks/bench_meso.py`. Builds 3 packages
for generated cases of 10, 20 and 50 issues of 10 options each (some of them
range issues), with real-valued points, and checks every result against the
five criteria. Then compares, in the same run, with a brute-force enumeration
of a space of one million packages. Goals on this machine: 20 issues under
1 s, 50 issues under 5 s, no criterion broken.
"""
from __future__ import annotations

import itertools
import random
import time

from briefgen.case import parse_case
from briefgen.meso import meso

EPSILON = 1e-9


def generated_case(issues: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["---", f"title: MESO scale test, {issues} issues",
             "parties: {us: {name: Us}, them: {name: Them}}", "issues:"]
    best = 0.0
    for n in range(issues):
        if n % 4 == 3:  # a range issue on 10 steps, piecewise linear through a middle anchor
            top, middle = round(rng.uniform(5, 20), 2), round(rng.uniform(1, 4), 2)
            lines.append(f"  - {{id: i{n}, range: {{min: 0, max: 90, step: 10}}, "
                         f"points: {{0: {top}, 40: {middle}, 90: 0}}, their_points: {{0: 0, 50: {middle}, 90: {top}}}}}")
            best += top
        else:
            ours = [round(rng.uniform(0, 15), 2) for _ in range(10)]
            theirs = [round(rng.uniform(0, 15), 2) for _ in range(10)]
            options = ", ".join(f"{{value: {k}, points: {o}, their_points: {t}}}" for k, (o, t) in enumerate(zip(ours, theirs)))
            lines.append(f"  - {{id: i{n}, options: [{options}]}}")
            best += max(ours)
    lines += [
        f"targets: {{reservation: {round(best * 0.4, 2)}, aspiration: {round(best * 0.6, 2)}}}",
        "constituencies:",
        "  - {id: board, side: them, power: ratify, requires: ['i0 >= 2']}",
        "  - {id: cfo, side: us, power: veto, requires: ['i1 <= 7']}",
        "meso: {packages: 3, tolerance: 1}",
        "---", "",
    ]
    return "\n".join(lines)


def violations(case, packages) -> list[str]:
    """Criteria 1 to 4 checked literally on the true scores (5 is by construction)."""
    found = []
    low = max(case.aspiration - case.meso.tolerance, case.targets.reservation or float("-inf"))
    high = case.aspiration + case.meso.tolerance
    for p in packages:
        score = sum(i.our_points(p.terms[i.id]) for i in case.issues)
        if not low - EPSILON <= score <= high + EPSILON:
            found.append(f"1: {p.label} scores {score}")
        for c in case.constituencies:
            if c.can_block and not all(cond(p.terms) for cond in case.conditions[c.id]):
                found.append(f"2: {p.label} misses {c.id}")
    points = [[i.their_points_for(p.terms[i.id]) for i in case.issues] for p in packages]
    for a, b in itertools.permutations(range(len(packages)), 2):
        if sum(p.terms[i.id] != q.terms[i.id] for i in case.issues for p, q in [(packages[a], packages[b])]) < 2:
            found.append(f"3: {packages[a].label} {packages[b].label}")
        if all(x >= y for x, y in zip(points[a], points[b])):
            found.append(f"4: {packages[a].label} dominates {packages[b].label}")
    ids = [i.id for i in case.issues]
    for n, p in enumerate(packages):
        k = ids.index(p.lead)
        if not all(points[n][k] > points[m][k] for m in range(len(packages)) if m != n):
            found.append(f"4: {p.label} does not lead with {p.lead}")
    return found


def timed_construction(issues: int) -> None:
    case = parse_case(generated_case(issues).encode(), "bench.md", "bench")
    start = time.perf_counter()
    result = meso(case)
    seconds = time.perf_counter() - start
    broken = violations(case, result.packages)
    print(f"{issues:>3} issues x 10 options: {seconds:6.2f} s, {len(result.packages)} packages, "
          f"their points {sum(p.their_score for p in result.packages):.2f}, "
          f"criteria broken: {broken or 'none'}")


def brute_force(case):
    """Every package enumerated; the best valid set searched over every lead triple."""
    low = max(case.aspiration - case.meso.tolerance, case.targets.reservation or float("-inf"))
    high = case.aspiration + case.meso.tolerance
    values = [list(i.values()) for i in case.issues]
    ours = [[i.our_points(v) for v in vs] for i, vs in zip(case.issues, values)]
    theirs = [[i.their_points_for(v) for v in vs] for i, vs in zip(case.issues, values)]
    conditions = [cond for c in case.constituencies if c.can_block for cond in case.conditions[c.id]]
    feasible = []
    for choice in itertools.product(*(range(len(vs)) for vs in values)):
        score = sum(ours[n][k] for n, k in enumerate(choice))
        if low - EPSILON <= score <= high + EPSILON:
            package = {i.id: values[n][k] for n, (i, k) in enumerate(zip(case.issues, choice))}
            if all(cond(package) for cond in conditions):
                feasible.append((choice, sum(theirs[n][k] for n, k in enumerate(choice))))
    best = None
    for leads in itertools.combinations(range(len(values)), 3):
        levels = [sorted(set(theirs[n]), reverse=True)[:-1] for n in leads]
        for thresholds in itertools.product(*levels):
            total = 0.0
            for i, lead in enumerate(leads):
                fits = [t for c, t in feasible
                        if theirs[lead][c[lead]] >= thresholds[i]
                        and all(theirs[o][c[o]] < thresholds[j] for j, o in enumerate(leads) if j != i)]
                if not fits:
                    break
                total += max(fits)
            else:
                best = total if best is None else max(best, total)
    return len(feasible), best


def main() -> None:
    for issues in (10, 20, 50):
        timed_construction(issues)
    case = parse_case(generated_case(6, seed=3).encode(), "million.md", "million")
    space = 1
    for issue in case.issues:
        space *= len(list(issue.values()))
    start = time.perf_counter()
    result = meso(case)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    feasible, best = brute_force(case)
    brute = time.perf_counter() - start
    print(f"space of {space:,} packages ({feasible:,} in the band and both win-sets):")
    print(f"  briefgen {ours:.2f} s, their points {sum(p.their_score for p in result.packages):.2f}, "
          f"criteria broken: {violations(case, result.packages) or 'none'}")
    print(f"  brute force {brute:.2f} s, best possible their points {best:.2f}")
    print(f"  brute force / briefgen: {brute / ours:.0f}x")


if __name__ == "__main__":
    main()
