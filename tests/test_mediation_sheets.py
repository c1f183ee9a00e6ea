"""A mediation's proposal sheets: zero leakage across the two sides, proven as the offer sheet's is.

Each side's file of the mediation example gets a sentinel of its own in every free-text field
(`ZQA...` in A's, `ZQB...` in B's: names, labels, notes, conditions' owners, offer-sheet texts,
the body, a comment), its constituency ids renamed, its points and targets scaled by a factor of
its own (so that every score is a distinctive number), its dates moved to days of its own, and
its file named `zqafile...`/`zqbfile...`. The issues and their values stay as they are: both
files must describe the same ones. The mediation is then written in every format, and each
side's sheet is searched (text, bytes, metadata, attachments: tests/test_offer_sheet.find_leaks)
for everything of the *other* side's file, and for the other side's scores of the proposals.
"""
from __future__ import annotations

import datetime
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from briefgen.case import load_case
from briefgen.level2.rules import load_rules
from briefgen.mediation_analysis import mediate
from briefgen.mediation_documents import mediate_files, mediation_documents
from conftest import run
from test_offer_sheet import (INTERNAL_DATE, INTERNAL_NUMBER, STRUCTURAL, find_leaks, number_needles, norm,
                              pdf_parts, pdf_structure_problems, rewrite_leaves)

ROOT = Path(__file__).parent.parent
EXAMPLE = [ROOT / "cases" / "mediation" / name for name in ("lab-lease-tenant.md", "lab-lease-landlord.md")]
TODAY = datetime.date(2026, 11, 24)
FORMATS = ("pdf", "html", "txt")
# Shared by the two files (the same issues and values) or a closed vocabulary: no sentinel.
SHARED = STRUCTURAL | {
    "issues.*.id", "issues.*.unit", "issues.*.options.*.value", "issues.*.range.min", "issues.*.range.max",
    "issues.*.range.step", "issues.*.points.<key>", "issues.*.their_points.<key>", "meso.lead_with.*",
    "meso.hold.<key>", "meso.hold.<value>", "meso.offers.*.<key>", "meso.offers.*.<value>",
    "rounds.*.offered.*.<key>", "rounds.*.offered.*.<value>", "rounds.*.counter.<key>", "rounds.*.counter.<value>",
    "outcome.agreed.<key>", "outcome.agreed.<value>"}
FACTORS = {"a": 1.0173, "b": 0.9713}
DATES = {"a": datetime.date(2003, 7, 19), "b": datetime.date(2005, 9, 23)}


@dataclass
class Side:
    tag: str
    text: str = ""
    needles: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)


def sentinelize_side(text: str, tag: str) -> Side:
    """One side's file with every free text its own sentinel, its numbers scaled, its dates moved."""
    lines = text.splitlines(keepends=True)
    end = next(n for n, line in enumerate(lines[1:], start=1) if line.rstrip() == "---")
    yaml = YAML(typ="rt")
    yaml.width = 4096
    tree = yaml.load("".join(lines[1:end]))
    side = Side(tag)
    ids = {c["id"]: f"zq{tag}c{n}" for n, c in enumerate(tree.get("constituencies") or [])}

    def leaf(node, path, schema):
        if isinstance(node, bool) or node is None or schema in SHARED:
            return node
        if schema in INTERNAL_NUMBER:
            scaled = round(node * FACTORS[tag], 6)
            side.numbers.append(scaled)
            return scaled
        if schema in INTERNAL_DATE or schema == "offer_sheet.valid_until":
            return DATES[tag] if schema != "offer_sheet.valid_until" else datetime.date(2099, 12, 31)
        if schema in ("constituencies.*.id", "constituencies.*.influenced_by.*") and node in ids:
            side.needles.append(ids[node])
            return ids[node]
        if schema == "constituencies.*.requires.*":  # the issues are shared; the condition is this side's
            side.needles.append(node)
            return node
        sentinel = f"ZQ{tag.upper()}" + re.sub(r"\W", "_", path)
        side.needles.append(sentinel)
        return sentinel

    rewrite_leaves(tree, leaf)
    out = io.StringIO()
    yaml.dump(tree, out)
    body = f"## ZQ{tag.upper()}body_heading\n\nZQ{tag.upper()}body_text with **ZQ{tag.upper()}body_bold**.\n"
    side.text = f"---\n# ZQ{tag.upper()}comment\n{out.getvalue()}---\n{body}"
    side.needles += [f"ZQ{tag.upper()}comment", f"ZQ{tag.upper()}body_heading", f"ZQ{tag.upper()}body_text",
                     f"zq{tag}file", DATES[tag].isoformat()]
    return side


@pytest.fixture(scope="module")
def mediation(tmp_path_factory):
    """The example's two files made sentinel files, mediated once in every format."""
    folder = tmp_path_factory.mktemp("mediation")
    (folder / "cases").mkdir()
    sides = [sentinelize_side(path.read_text(), tag) for path, tag in zip(EXAMPLE, "ab")]
    paths = []
    for side, path in zip(sides, EXAMPLE):
        paths.append(folder / "cases" / f"zq{side.tag}file-{path.name}")
        paths[-1].write_text(side.text)
    m = mediate(*(load_case(p) for p in paths))
    for n, side in enumerate(sides):  # each side's scores of the proposals are its own too
        side.numbers += [p.score if n == 0 else p.their_score for p in m.proposals]
    documents = mediation_documents(*(load_case(p) for p in paths), load_rules(), FORMATS, "Mediator Name", TODAY)
    return sides, paths, m, documents


def test_the_sentinel_files_mediate_as_the_example_does(mediation):
    sides, paths, m, documents = mediation
    original = mediate(*(load_case(p) for p in EXAMPLE))
    assert [dict(p.terms) for p in m.proposals] == [dict(p.terms) for p in original.proposals]
    assert len(m.proposals) == 2  # scaling changes no decision
    for side in sides:
        assert sum(n.startswith("ZQ") for n in side.needles) > 40  # every free text of the file


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("reader", ["a", "b"])
def test_nothing_of_the_other_side_reaches_a_sheet(mediation, reader, fmt):
    sides, paths, m, documents = mediation
    own, other = (sides[0], sides[1]) if reader == "a" else (sides[1], sides[0])
    data = documents[f"proposals-{paths['ab'.index(reader)].stem}.{fmt}"]
    mine = norm(" ".join(own.needles))
    numbers = number_needles(other.numbers, mine)
    leaks = find_leaks(fmt, data, other.needles, prefix=f"zq{other.tag}")
    leaks += [f"{fmt}: the number {n}" for n in numbers if n in shown(fmt, data)]
    assert leaks == []
    if fmt == "pdf":
        assert pdf_structure_problems(data) == [] and pdf_parts(data).attachments == {}


def shown(fmt: str, data: bytes) -> str:
    """What a reader sees: a PDF's text and metadata, an HTML file's text (not its stylesheet), a text file."""
    if fmt == "pdf":
        return pdf_parts(data).text + pdf_parts(data).metadata
    if fmt == "html":
        return html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", data.decode(), flags=re.S))
    return data.decode()


@pytest.mark.parametrize("reader", ["a", "b"])
def test_each_sheet_shows_the_proposals_in_its_own_words(mediation, reader):
    sides, paths, m, documents = mediation
    case = load_case(paths["ab".index(reader)])
    text = " ".join(documents[f"proposals-{case.id}.txt"].decode().split())
    from briefgen.terms import format_value

    for p in m.proposals:
        for issue in case.issues:
            assert " ".join(format_value(issue, p.terms[issue.id], case.parties.us.locale).split()) in text
    assert case.parties.us.name in text and "Mediator Name" in text
    assert ("Proposal A" if reader == "a" else "Proposition A") in text


def test_the_mediator_brief_is_confidential_on_every_page_and_has_both_sides(mediation):
    sides, paths, m, documents = mediation
    reader_pages = pdf_parts(documents["mediator-brief.pdf"])
    import pypdf

    pdf = pypdf.PdfReader(io.BytesIO(documents["mediator-brief.pdf"]))
    assert len(pdf.pages) > 3
    assert all("CONFIDENTIAL TO THE MEDIATOR" in page.extract_text() for page in pdf.pages)
    assert all(sentinel in norm(reader_pages.text) for side in sides
               for sentinel in (norm(f"ZQ{side.tag.upper()}parties_us_name"),))
    text = documents["mediator-brief.txt"].decode()
    assert "CONFIDENTIAL TO THE MEDIATOR" in text and "Nash bargaining solution" in text and "equal gains" in text


def test_a_sheet_does_not_change_with_what_the_other_side_wrote(mediation, tmp_path):
    """Anything of B's file that does not change the proposals' terms (names, labels, notes, texts,
    constituencies' words) changes nothing on A's sheet, byte for byte."""
    sides, paths, m, documents = mediation
    changed = paths[1].read_text().replace("ZQB", "ZQX")
    (tmp_path / "cases").mkdir()
    a, b = tmp_path / "cases" / paths[0].name, tmp_path / "cases" / paths[1].name
    a.write_text(paths[0].read_text())
    b.write_text(changed)
    written = mediate_files(a, b, tmp_path / "output", load_rules(), "txt", "Mediator Name", TODAY)
    assert (tmp_path / "output" / f"{a.stem}+{b.stem}" / f"proposals-{a.stem}.txt").read_bytes() == \
        documents[f"proposals-{a.stem}.txt"]
    assert len(written) == 3


def test_the_command_writes_the_documents_and_nothing_else(mediation, tmp_path, monkeypatch):
    sides, paths, m, documents = mediation
    monkeypatch.chdir(paths[0].parent.parent)
    result = run("mediate", *(f"cases/{p.name}" for p in paths), "--format", "txt", "-o", str(tmp_path),
                 "--mediator", "Mediator Name")
    folder = tmp_path / f"{paths[0].stem}+{paths[1].stem}"
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"wrote {folder / name}" for name in (
        "mediator-brief.txt", f"proposals-{paths[0].stem}.txt", f"proposals-{paths[1].stem}.txt")]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["mediator-brief.txt", f"proposals-{paths[0].stem}.txt", f"proposals-{paths[1].stem}.txt"])
