"""The post-settlement proposal carries nothing internal, proven as the offer sheet is
(tests/test_offer_sheet.py): every internal field of the case holds a sentinel, and the
proposal in every format is searched for them (text, bytes, metadata, XMP, objects,
annotations, attachments), for the texts the brief derives, and for every score and gain.

Its allow-list is the offer sheet's (improve_sheet.py hands its template an OfferSheet),
with one addition on purpose: the agreement's date (`outcome.date`), which both sides know,
since the proposal acknowledges the agreement.
"""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest

import briefgen
from briefgen.build import build_date
from briefgen.case import load_case
from briefgen.improve import settlement
from briefgen.terms import format_value
from conftest import run
from test_offer_sheet import (ALL_BASE, BOILERPLATE, SENTINEL_DATES, _unless_allowed, allowed_texts, derived_texts,
                              find_leaks, norm, number_needles, pdf_parts, pdf_structure_problems, sentinelize)
from babel.dates import format_date

ROOT = Path(__file__).parent.parent
FORMATS = ("pdf", "html", "txt")
# The package's templates: test_projects runs the suite in a copy of tests/ and cases/ without briefgen/.
TEMPLATE_WORDS = " ".join((Path(briefgen.__file__).parent / "templates" / name).read_text()
                          for name in ("offer-sheet-improvement.html", "offer-sheet-improvement.txt"))
DATES = [day for name, date in SENTINEL_DATES.items() if name != "outcome.date"
         for day in (date.isoformat(), format_date(date, "long", locale="en_US"))]


def sources(folder: Path) -> dict[str, tuple[Path, list[str], list[str]]]:
    """name -> (case file, needles, number needles): the all-sentinel case and the example, sentinelized."""
    found = {}
    (folder / "zqfolder").mkdir(parents=True)
    for name, text in (("all-sentinel", ALL_BASE), ("museum-loan", (ROOT / "cases" / "museum-loan.md").read_text())):
        generated = sentinelize(text)
        path = folder / "zqfolder" / f"zqfilename-{name}.md"
        path.write_text(generated.text, encoding="utf-8")
        case = load_case(path)
        found_ = settlement(case)
        assert found_.improvements, f"{name}: the sentinel case must have an improvement to propose"
        shown = [format_value(issue, p.terms[issue.id], case.offer_sheet.locale)
                 for p in (found_.agreed, *found_.improvements) for issue in case.issues]
        allowed = norm(" ".join([*allowed_texts(case, build_date()), *shown, BOILERPLATE, TEMPLATE_WORDS]))
        numbers = [x for p in found_.improvements for x in (p.score, p.their_score, p.gain, p.their_gain)]
        numbers += [found_.agreed.score, found_.agreed.their_score]
        needles = generated.sentinels + [str(folder)] + _unless_allowed(derived_texts(case), allowed) + DATES
        found[name] = path, needles, number_needles(generated.numbers + numbers, allowed)
    return found


@pytest.fixture(scope="module")
def proposals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("proposals")
    made = {}
    for name, (path, needles, numbers) in sources(folder).items():
        for fmt in FORMATS:
            done = run("improve", str(path), "--format", fmt, "-o", str(folder / "output"))
            assert done.exit_code == 0, done.output
            written = folder / "output" / path.stem / f"improvement-proposal.{fmt}"
            made[name, fmt] = written.read_bytes(), needles, numbers
    return made


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["all-sentinel", "museum-loan"])
def test_nothing_internal_reaches_the_proposal(proposals, name, fmt):
    data, needles, numbers = proposals[name, fmt]
    leaks = find_leaks(fmt, data, needles, prefix="zq")
    readable = (pdf_parts(data).text + pdf_parts(data).metadata) if fmt == "pdf" else data.decode()
    leaks += [f"{fmt}: the number {n}" for n in numbers if n in readable]
    assert leaks == []
    if fmt == "pdf":
        parts = pdf_parts(data)
        assert pdf_structure_problems(data) == [] and parts.attachments == {} and parts.xmp == ""


def test_the_checker_sees_a_score_that_reaches_the_proposal(proposals, monkeypatch, tmp_path):
    """A proposal whose template printed the scores would fail the test above."""
    data, needles, numbers = proposals["all-sentinel", "txt"]
    leaked = data.decode() + "\n" + " ".join(numbers[:1]) + " ZQtitle"
    assert find_leaks("txt", leaked.encode(), needles, prefix="zq") and numbers[0] in leaked
