"""Times the foundation's hot paths; run on demand (`make benchmark`), not in CI.

Reports: `briefgen --help` startup, loading and scoring a case, building one
case, and the share of the build spent inside WeasyPrint.
"""
from __future__ import annotations

import datetime
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import timed

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "cases" / "hiring-offer.md"
BRIEFGEN = Path(sys.executable).parent / "briefgen"


def report(label: str, times: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(times) * 1000:9.3f} ms   min {min(times) * 1000:9.3f} ms   (n={len(times)})")


def main() -> None:
    report("briefgen --help (new process)", timed(
        lambda: subprocess.run([BRIEFGEN, "--help"], check=True, capture_output=True), 15))

    start = time.perf_counter()
    from briefgen.case import load_case
    from briefgen.scoring import assess
    import rule_engine  # noqa: F401  (the first import builds its parser)
    print(f"{'import briefgen.case + rule-engine (once)':<44} {(time.perf_counter() - start) * 1000:8.1f} ms")

    report("load a case (cold: first in process)", timed(lambda: load_case(CASE), 1))
    report("load a case (warm)", timed(lambda: load_case(CASE), 30))
    case = load_case(CASE)
    offers = [{**case.meso.hold, **offer} for offer in case.meso.offers]
    report(f"score {len(offers)} packages (assess)", timed(lambda: [assess(case, o) for o in offers], 200))

    start = time.perf_counter()
    import weasyprint  # noqa: F401
    print(f"{'import weasyprint (once)':<44} {(time.perf_counter() - start) * 1000:8.1f} ms")

    from briefgen import build, render

    today = datetime.date.today()
    spent_in_weasyprint = []
    original = render.html_to_pdf

    def measured_html_to_pdf(*args, **options):
        start = time.perf_counter()
        try:
            return original(*args, **options)
        finally:
            spent_in_weasyprint.append(time.perf_counter() - start)

    render.html_to_pdf = measured_html_to_pdf
    rules = build.project_rules(ROOT)
    with tempfile.TemporaryDirectory() as output:
        def build_one():
            for result in build.build([CASE], Path(output), rules, today):
                assert result.ok, result.problems

        build_one()  # warm-up: font configuration, template compilation
        spent_in_weasyprint.clear()
        times = timed(build_one, 8)
    report("build one case (brief + offer sheet, warm)", times)
    share = sum(spent_in_weasyprint) / sum(times)
    print(f"{'  of which WeasyPrint (HTML -> PDF)':<44} {share:8.0%}")


if __name__ == "__main__":
    main()
