"""Level II analysis at scale: a case with 200 constituencies and 50 rules.

Run on demand: `.venv/bin/python benchmarks/bench_level2.py`. The goal is an
analysis under 0.5 s on the project's 2-core machine.
"""
from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from briefgen.case import parse_case
from briefgen.level2.analysis import analyse
from briefgen.level2.rules import load_rules

CONSTITUENCIES = 200
RULES = 50
POWERS = ["ratify", "veto", "implement", "influence", "none"]
STANCES = ["champion", "supportive", "neutral", "skeptical", "opposed", "unknown"]
WORDS = ["wage growth", "job security", "loss of face", "appearing to capitulate", "overtime", "pension",
         "premium share", "being ignored", "local press", "regional pattern", "plant closure", "prestige"]


def big_case(seed: int = 7) -> str:
    """A realistic-shaped case: 5 issues, 200 constituencies, a third with conditions."""
    rng = random.Random(seed)
    lines = [
        "---", "title: Scale test", "parties:", "  us: {name: Us Inc, negotiator: A. Lee}",
        "  them: {name: Them plc, negotiator: B. Kim}", "issues:",
        "  - {id: wage, label: Wage increase, unit: '%', range: {min: 2, max: 5, step: 0.25}, points: {2: 40, 5: 0}, their_points: {2: 0, 5: 40}}",
        "  - {id: term, label: Contract term, options: [{value: 2, points: 0}, {value: 3, points: 10}, {value: 4, points: 15}]}",
        "  - {id: overtime, label: Mandatory overtime, options: [{value: current, points: 20}, {value: capped, points: 10}, {value: none, points: 0}]}",
        "  - {id: pension, label: Pension match, unit: '%', options: [{value: 4, points: 10}, {value: 5, points: 5}, {value: 6, points: 0}]}",
        "  - {id: premium, label: Premium share, unit: '%', options: [{value: 10, points: 0}, {value: 15, points: 8}, {value: 20, points: 15}]}",
        "targets: {reservation: 30, aspiration: 60}",
        "constituencies:",
    ]
    conditions = ["wage >= 2.5", "term <= 3", 'overtime != "current"', "pension >= 5", "premium <= 15", "wage <= 4.5"]
    for n in range(CONSTITUENCIES):
        requires = json.dumps(rng.sample(conditions, 1)) if rng.random() < 0.3 else "[]"
        lines.append(
            f"  - {{id: c{n}, name: Group {n}, side: {rng.choice(['us', 'them', 'them'])}, "
            f"power: {rng.choice(POWERS)}, stance: {rng.choice(STANCES)}, "
            f"audience: {str(rng.random() < 0.2).lower()}, "
            f"interests: {json.dumps(rng.sample(WORDS, rng.randint(0, 2)))}, "
            f"concerns: {json.dumps(rng.sample(WORDS, rng.randint(0, 2)))}, "
            f"sensitivities: {json.dumps(rng.sample(WORDS, rng.randint(0, 1)))}, "
            f"influenced_by: {json.dumps(rng.sample(['press', 'regulator', 'parent union'], rng.randint(0, 1)))}, "
            f"requires: {requires}}}"
        )
    lines += ["---", ""]
    return "\n".join(lines)


def extra_rules(folder: Path, count: int) -> None:
    """Project rules that bring the rule set to RULES: variants of default conditions."""
    defaults = load_rules().rules
    entries = []
    for n in range(count):
        rule = defaults[n % len(defaults)]
        entries.append(
            f"  - id: extra-{n}\n    category: {rule.category}\n    scope: {rule.scope}\n"
            f"    condition: {json.dumps(rule.condition)}\n"
            f"    advice: {json.dumps(rule.advice.template + ' (variant)')}\n"
            f"    why: {json.dumps(rule.why.template)}\n"
        )
    (folder / "extra.yaml").write_text("rules:\n" + "".join(entries))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        extra_rules(folder, RULES - len(load_rules().rules))
        start = time.perf_counter()
        rules = load_rules(folder)
        load_seconds = time.perf_counter() - start
    start = time.perf_counter()
    case = parse_case(big_case().encode(), "bench.md", "bench")
    parse_seconds = time.perf_counter() - start
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        analysis = analyse(case, rules)
        runs.append(time.perf_counter() - start)
    print(f"rules loaded and parsed: {len(rules.rules)} in {load_seconds * 1000:.0f} ms")
    print(f"case with {len(case.constituencies)} constituencies parsed in {parse_seconds * 1000:.0f} ms")
    print(f"analysis: median {statistics.median(runs) * 1000:.0f} ms, min {min(runs) * 1000:.0f} ms "
          f"(n={len(runs)}); {len(analysis.findings)} findings; goal < 500 ms")


if __name__ == "__main__":
    main()
