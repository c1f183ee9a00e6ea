"""The documents: what they contain, what they must never contain, and safety."""
from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

import pypdf
import pytest

from briefgen import render
from briefgen.build import render_case as render_with_rules
from briefgen.case import parse_case
from briefgen.level2.analysis import analyse
from briefgen.level2.rules import load_rules
from briefgen.meso import meso
from conftest import pdf_pages, pdf_text

TODAY = datetime.date(2026, 11, 24)
RULES = load_rules()


def render_case(case, today):
    return render_with_rules(case, RULES, today)


def brief_context(case, today):
    return render.brief_context(case, meso(case), analyse(case, RULES), today)


# Every internal field of this case holds a unique sentinel; the offer sheet may
# show only the offer_sheet block, party names, issue labels/units and values.
SENTINEL_CASE = """\
---
title: "ZQtitle secret deal name"
date: 2026-11-20
status: preparing
tags: [ZQtag]
parties:
  us:
    name: Northwind Traders
    negotiator: "ZQnegotiator-us"
    batna: "ZQbatna-us"
    interests: ["ZQinterest-us"]
  them:
    name: Contoso Ltd
    negotiator: "ZQnegotiator-them"
    batna: "ZQbatna-them"
    interests: ["ZQinterest-them"]
issues:
  - id: zqprice
    label: Unit price
    unit: EUR
    range: {min: 10, max: 20, step: 1}
    points: {10: 61.37, 20: 0}
    their_points: {10: 0, 20: 47.13}
  - id: zqterm
    label: Contract length
    options:
      - {value: 1, label: "1 year", points: 0, their_points: 29.11}
      - {value: 2, label: "2 years", points: 23.17, their_points: 0}
targets:
  reservation: 19.87
  aspiration: 53.71
constituencies:
  - id: zqboard
    name: "ZQconstituency-name"
    side: them
    power: veto
    stance: opposed
    interests: ["ZQc-interest"]
    concerns: ["ZQc-concern"]
    sensitivities: ["ZQc-sensitivity"]
    requires: ["zqterm <= 2"]
    audience: true
    influenced_by: ["ZQc-influencer"]
    notes: "ZQc-notes"
meso:
  tolerance: 30
  offers:
    - {zqprice: 12, zqterm: 1}
    - {zqprice: 17, zqterm: 2}
offer_sheet:
  to: "Alex Kim"
  from: "Sam Lee, Northwind Traders"
  valid_until: 2027-01-31
  intro: "We are glad to send two options."
  closing: "Kind regards."
outcome:
  summary: "ZQoutcome-summary"
---
ZQbody-text with **markdown**.
"""
SENTINELS = sorted(set(re.findall(r"ZQ[\w-]+", SENTINEL_CASE)) - {"ZQtitle"}) + [
    "secret deal name", "61.37", "47.13", "29.11", "23.17", "19.87", "53.71",
]


def pdf_metadata(pdf: bytes) -> dict:
    return dict(pypdf.PdfReader(io.BytesIO(pdf)).metadata or {})


def sentinel_documents(tmp_path_name="zqfile-name.md"):
    case = parse_case(SENTINEL_CASE.encode(), f"cases/{tmp_path_name}", "zqcase-id")
    return case, render_case(case, TODAY)


@pytest.fixture(scope="module")
def sentinel():
    return sentinel_documents()


def test_offer_sheet_carries_nothing_internal(sentinel):
    _, documents = sentinel
    sheet = documents["offer-sheet.pdf"]
    text = pdf_text(sheet)
    metadata = " ".join(str(value) for value in pdf_metadata(sheet).values())
    for needle in SENTINELS + ["ZQ", "zqfile", "zqcase", "zqprice", "zqterm"]:
        assert needle not in text, f"{needle} leaked into the offer sheet's text"
        assert needle not in metadata, f"{needle} leaked into the offer sheet's metadata"
    # What it must show: the allowed facts, in words.
    for expected in ["Northwind Traders", "Contoso Ltd", "Alex Kim", "Sam Lee, Northwind Traders",
                     "Option A", "Option B", "Unit price", "€12", "€17", "1 year", "2 years",
                     "January 31, 2027", "We are glad to send two options.", "Kind regards."]:
        assert expected in text
    assert "CONFIDENTIAL" not in text.upper().replace("CONFIDENTIALITY", "")


def test_sentinel_test_would_catch_a_leak(sentinel):
    """The check above is only worth something if a leak makes it fail."""
    case, documents = sentinel
    brief_text = pdf_text(documents["brief.pdf"])
    assert "ZQbatna-them" in brief_text and "ZQconstituency-name" in brief_text


def test_offer_sheet_context_is_an_allow_list(sentinel):
    case, _ = sentinel
    sheet = render.offer_sheet_context(case, [dict(o) for o in case.meso.offers], TODAY)
    flattened = repr(sheet)
    assert not any(needle in flattened for needle in SENTINELS)
    assert not hasattr(sheet, "case")


def test_brief_has_every_section_and_confidential_on_every_page(sentinel):
    _, documents = sentinel
    pages = pdf_pages(documents["brief.pdf"])
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "CONFIDENTIAL" in text
        assert f"Page {number} of {len(pages)}" in text
    text = "\n".join(pages)
    for section in ["Situation", "Targets", "Issues and points", "Constituency map", "Win-sets", "Behind their table",
                    "MESO packages", "Decoding key", "Case notes"]:
        assert section in text
    for fact in ["ZQbatna-us", "ZQbatna-them", "ZQinterest-them", "ZQc-concern", "ZQc-notes", "ZQbody-text",
                 "61.4", "53.7", "19.9", "Behind their table: Contoso Ltd"]:
        assert fact in text
    # The running header carries the title from page 2 on.
    assert "ZQtitle secret deal name" in pages[1]


def test_brief_metadata(sentinel):
    _, documents = sentinel
    metadata = pdf_metadata(documents["brief.pdf"])
    assert metadata["/Title"] == "ZQtitle secret deal name"
    assert metadata["/Author"] == "ZQnegotiator-us"
    assert metadata["/Keywords"] == "ZQtag"
    assert metadata["/Creator"].startswith("briefgen ")


def test_sections_without_data_are_left_out():
    minimal = b"---\ntitle: Lease talk\nparties:\n  us: {name: Us Inc}\n  them: {name: Them plc}\n---\n"
    case = parse_case(minimal, "cases/lease.md", "lease")
    documents = render_case(case, TODAY)
    assert list(documents) == ["brief.pdf"]
    text = pdf_text(documents["brief.pdf"])
    assert "Us Inc" in text and "Them plc" in text
    for absent in ["Targets", "Issues and points", "Constituency map", "Win-sets", "Behind", "Packages", "Case notes",
                   "BATNA", "Interests", "None"]:
        assert absent not in text


HOSTILE_BODY = """\
<script>alert("x")</script> <b>raw bold</b>
{{ 7 * 7 }} {% if true %}jinja-block{% endif %}

![secret](file:///etc/hostname) [a local link](other.md) [a web link](https://example.org/)
"""


def hostile_case():
    text = SENTINEL_CASE.replace("ZQbody-text with **markdown**.\n", HOSTILE_BODY)
    text = text.replace('title: "ZQtitle secret deal name"', 'title: "Deal {{ 6 * 7 }}"')
    return parse_case(text.encode(), "cases/hostile.md", "hostile")


def test_raw_html_in_the_body_is_escaped_not_passed_through():
    html = render.render_brief_html(brief_context(hostile_case(), TODAY))
    assert "<script>" not in html and "<b>raw bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;raw bold&lt;/b&gt;" in html


def test_case_text_is_never_a_template():
    documents = render_case(hostile_case(), TODAY)
    text = pdf_text(documents["brief.pdf"])
    assert "{{ 7 * 7 }}" in text and "{% if true %}jinja-block{% endif %}" in text
    assert "Deal {{ 6 * 7 }}" in text and "Deal 42" not in text
    assert "49 jinja-block" not in text and "49 {%" not in text


def test_local_images_and_links_are_dropped():
    html = render.render_brief_html(brief_context(hostile_case(), TODAY))
    assert "file:///etc/hostname" not in html and "<img" not in html
    assert 'href="other.md"' not in html and 'href="https://example.org/"' in html
    pdf = render.html_to_pdf(html, "brief.css")
    uris = [
        annotation.get_object().get("/A", {}).get("/URI")
        for page in pypdf.PdfReader(io.BytesIO(pdf)).pages
        for annotation in page.get("/Annots", [])
    ]
    assert "https://example.org/" in uris
    assert not any(str(uri).startswith("file:") for uri in uris if uri)


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    f"file://{render.TEMPLATES}/../case.py",
    f"file://{render.TEMPLATES}/%2e%2e/case.py",
    f"file://localhost{render.TEMPLATES}/base.css",
    "file:///dev/urandom",
    "http://127.0.0.1:9/x.png",
    "https://example.org/x.png",
    "ftp://example.org/x",
])
def test_fetcher_refuses_anything_but_template_files(url):
    with pytest.raises(ValueError):
        render.asset_fetcher().fetch(url)


def test_fetcher_refuses_symlinks_out_of_the_templates(tmp_path, monkeypatch):
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "theme").mkdir()
    (tmp_path / "theme" / "link.css").symlink_to(tmp_path / "secret.txt")
    monkeypatch.setattr(render, "TEMPLATES", tmp_path / "theme")
    with pytest.raises(ValueError):
        render.asset_fetcher().fetch(f"file://{tmp_path}/theme/link.css")


def test_fetcher_serves_template_files_and_data_urls():
    response = render.asset_fetcher().fetch(f"file://{render.TEMPLATES}/base.css")
    assert b"font-family" in response.read()
    assert render.asset_fetcher().fetch("data:text/plain,hello").read() == b"hello"


def test_attachments_from_markup_are_not_embedded():
    html = ('<html><body><p>x</p><a rel="attachment" href="file:///etc/hostname">a</a>'
            '<link rel="attachment" href="file:///etc/hostname"></body></html>')
    reader = pypdf.PdfReader(io.BytesIO(render.html_to_pdf(html, "base.css")))
    assert not reader.attachments


def test_page_size_follows_the_locale():
    assert render.page_size("en_US") == "letter"
    assert render.page_size("de_DE") == "A4"
    pdf = render_case(parse_case(SENTINEL_CASE.replace("  closing:", "  locale: de_DE\n  closing:").encode(),
                                 "cases/x.md", "x"), TODAY)["offer-sheet.pdf"]
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    text = pdf_text(pdf)
    assert "31. Januar 2027" in text and "12\u00a0€" in text.replace(" €", "\u00a0€")
