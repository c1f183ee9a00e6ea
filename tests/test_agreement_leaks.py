"""The draft agreement and its redline carry nothing internal, in every format: proven as the offer
sheet is (test_offer_sheet.py), with its sentinel generator and its checker.

A case with a sentinel in every internal field (ALL_BASE, sentinelized) gets an agreement text
written over its renamed issue ids and a comment; the real example with an agreement text is
checked for its own internal texts. Each is drafted twice (package A, then the agreed terms), so
that the redline has changed words and terms; every document is searched in its text, bytes,
metadata and, for Word, every part of the package. Only the agreement's own text, the comments,
the parties' names, the issues' labels and values, and the theme may appear.
"""
from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from briefgen import render
from briefgen.agreement_draft import write_text
from briefgen.build import BRIEF
from briefgen.case import load_case
from conftest import EXAMPLE_CASES
from test_offer_sheet import (ALL_BASE, SENTINEL_DATES, _unless_allowed, derived_texts, docx_parts, find_leaks,
                              format_date, internal_texts, norm, number_needles, pdf_parts, pdf_structure_problems,
                              sentinelize)

TODAY = datetime.date(2026, 12, 1)
FORMATS = ("pdf", "html", "txt", "docx")
AGREEMENT = ("agreement: |\n  # Agreement\n  The salary is {zqissue0x}, with {zqissue1x}.\n\n"
             "  It starts on {zqissue2x} and runs for {zqissue3x}.\n")
COMMENT = "Could line one say more?"
EXAMPLE = next(path for path in EXAMPLE_CASES if load_case(path).agreement)


# The templates' own words and markup (a stylesheet says 'background').
BOILERPLATE = " ".join(re.sub(r"\{[{%#].*?[}%#]\}", " ", (render.TEMPLATES / name).read_text(), flags=re.S)
                       for name in ("agreement-draft.html", "agreement-draft.css", "base.html", "base.css"))


def allowed_texts(case) -> str:
    texts = [case.agreement, case.parties.us.name, case.parties.them.name, BOILERPLATE]
    texts += [c.text for c in case.comments] + [issue.name for issue in case.issues]
    texts += [f"{o.label or ''} {o.value}" for issue in case.issues for o in issue.options or ()]
    return norm(" ".join(texts))


def sentinel_case(folder: Path) -> tuple[Path, list[str], list[str]]:
    generated = sentinelize(ALL_BASE)
    ids = [new for path, (_, new) in sorted(generated.replaced.items()) if path.startswith("issues.")]
    assert ids == ["zqissue0x", "zqissue1x", "zqissue2x", "zqissue3x"]
    text = re.sub(r"agreement: \|-?\n  ZQagreement\n", lambda _: AGREEMENT, generated.text)
    text = text.replace("text: ZQcomments_0_text", f'text: "{COMMENT}"')
    path = folder / "zqfolder" / "zqfilename.md"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    case = load_case(path)
    assert case.agreement and case.comments[0].text == COMMENT
    allowed = allowed_texts(case)
    dates = [day for name, date in SENTINEL_DATES.items() if name != "comments.*.date"  # a comment's date is shown
             for day in (date.isoformat(), format_date(date, "long", locale="en_US"))]
    shared = {"ZQagreement", "ZQcomments_0_text"}
    needles = [n for n in generated.sentinels if n not in shared] + [str(folder)] + dates
    needles += _unless_allowed(derived_texts(case), allowed)
    return path, needles, number_needles(generated.numbers, allowed)  # the points and targets, scaled


def example_case(folder: Path) -> tuple[Path, list[str], list[str]]:
    path = folder / "zqfolder" / f"zqfile-{EXAMPLE.name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = EXAMPLE.read_text()
    path.write_text(text)
    case = load_case(path)
    allowed = allowed_texts(case)
    return path, _unless_allowed(internal_texts(case, sentinelize(text)), allowed) + ["zqfile", str(folder)], []


@pytest.fixture(scope="module")
def drafts(tmp_path_factory):
    """name -> (needles, numbers, {(kind, format): bytes}) for the sentinel case and the example."""
    folder = tmp_path_factory.mktemp("drafts")
    made = {}
    for name, make in (("all-sentinel", sentinel_case), ("example", example_case)):
        path, needles, numbers = make(folder / name)
        archive, out = folder / name / "archive", folder / name / "out"
        write_text(path, out, archive, "txt", package="A", today=TODAY)  # version 1
        documents = {}
        for fmt in FORMATS:
            documents["draft", fmt] = write_text(path, out, archive, fmt, today=TODAY).path.read_bytes()
            documents["redline", fmt] = write_text(path, out, archive, fmt, compare=1, today=TODAY).path.read_bytes()
        made[name] = needles, numbers, documents
    return made


@pytest.mark.parametrize("kind", ["draft", "redline"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["all-sentinel", "example"])
def test_nothing_internal_reaches_the_draft(drafts, name, fmt, kind):
    needles, numbers, documents = drafts[name]
    data = documents[kind, fmt]
    leaks = find_leaks(fmt, data, needles, prefix="zq")
    if fmt == "pdf":
        parts = pdf_parts(data)
        readable = parts.text + parts.metadata
        assert pdf_structure_problems(data) == [] and parts.attachments == {} and parts.annotations == []
    elif fmt == "docx":
        readable = docx_parts(data).text + docx_parts(data).core
    else:  # what a reader sees: the stylesheet's sizes are not numbers of the case
        readable = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", data.decode(), flags=re.S))
    leaks += [f"{fmt}: the number {n}" for n in numbers if n in readable]
    assert leaks == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_draft_shows_the_text_and_the_comment(drafts, fmt):
    _, _, documents = drafts["all-sentinel"]
    data = documents["draft", fmt]
    text = pdf_parts(data).text if fmt == "pdf" else docx_parts(data).text if fmt == "docx" else data.decode()
    flat = norm(re.sub(r"<[^>]+>", "", text))
    for expected in ("The salary is $97,000, with 2 days.", "It starts on 1 March 2027 and runs for 2 years.", COMMENT,
                     "Version 1, line 2" if fmt != "txt" else "Version 1, line 2, Jordan Rivera"):
        assert norm(expected) in flat, expected


def test_the_checker_sees_a_leak_in_a_draft(drafts, tmp_path):
    """The checker is not blind here: a draft whose text holds an internal value is caught."""
    generated = sentinelize(ALL_BASE)
    leaky = AGREEMENT.replace("# Agreement", f"# Agreement ({generated.replaced['parties.them.batna'][1]})")
    path = tmp_path / "zqfolder" / "zqfilename.md"
    path.parent.mkdir()
    path.write_text(re.sub(r"agreement: \|-?\n  ZQagreement\n", lambda _: leaky, generated.text))
    for fmt in FORMATS:
        data = write_text(path, tmp_path / "out", tmp_path / "archive", fmt, today=TODAY).path.read_bytes()
        assert any("ZQparties_them_batna" in leak for leak in find_leaks(fmt, data, generated.sentinels)), fmt


def test_the_example_builds_its_draft_with_the_brief(example_documents):
    rendered = example_documents[EXAMPLE.stem]
    assert sorted(rendered.documents) == ["agreement-draft.pdf", BRIEF, "offer-sheet.pdf"]
    assert [w for w in rendered.warnings if "notdef" in w] == []
    text = norm(pdf_parts(rendered.documents["agreement-draft.pdf"]).text)
    assert norm("12 An initial annual rent of £400,000, exclusive of VAT") in text  # package B, chosen in round 1
