"""Projects restyle the documents: a theme folder, briefgen.toml, and tagged PDFs."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pypdf
import pytest

from briefgen import render
from briefgen.project import Project, load_project
from conftest import HIRING, hiring_with, run

# A project-wide locale applies to cases that set none; this case keeps its own.
OWN_LOCALE = hiring_with(("  valid_until:", "  locale: en_US\n  valid_until:"))


def png(width: int = 4, height: int = 2) -> bytes:
    """A small solid PNG, built by hand so the test needs no imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\x24\x50\x8f" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (the working folder) with one case, a theme and a config."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "hiring.md").write_text(HIRING)
    house = tmp_path / "house"
    house.mkdir()
    (house / "logo.png").write_bytes(png())
    # One partial and one stylesheet overridden; everything else stays built in.
    (house / "_questions.html").write_text(
        '<section class="questions" id="questions">\n  <h2>House questions</h2>\n'
        '  <p>Ask {{ brief.case.parties.them.name }} first.</p>\n</section>\n')
    (house / "brief.css").write_text('@import url("base.css");\n.doc-title::before { content: "House style: "; }\n')
    (tmp_path / "briefgen.toml").write_text(
        '# the house style\ntheme = "house"\npage_size = "letter"\nlocale = "de_DE"\n'
        'organisation = "Northwind Holdings"\nlogo = "house/logo.png"\n')
    return tmp_path


def pages(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def test_the_theme_and_the_config_take_effect(project):
    assert run("build").exit_code == 0
    brief, sheet = project / "output/hiring/brief.pdf", project / "output/hiring/offer-sheet.pdf"
    text = "\n".join(pages(brief))
    assert "House style: Senior engineer offer" in text  # the theme's brief.css, through the fetcher
    assert "House questions" in text and "Ask Jordan Rivera first." in text  # the theme's partial
    assert "Questions to probe" not in text  # ... instead of the built-in one
    assert "Situation" in text and "Behind their table" in text  # the rest is built in
    assert text.count("Northwind Holdings") == 1  # the organisation, in the title block
    for pdf in (brief, sheet):
        reader = pypdf.PdfReader(pdf)
        assert {tuple(round(float(n)) for n in page.mediabox[2:]) for page in reader.pages} == {(612, 792)}  # letter, though de_DE prints A4
    sheet_text = "\n".join(pages(sheet)).replace("\xa0", " ")
    assert "Northwind Holdings" in sheet_text
    assert "100.000 $" in sheet_text  # de_DE money
    assert len(pypdf.PdfReader(sheet).pages[0].images) == 1  # the logo


def test_a_case_that_sets_its_locale_keeps_it(project):
    (project / "cases" / "hiring.md").write_text(OWN_LOCALE)
    assert run("build").exit_code == 0
    assert "$100,000" in "\n".join(pages(project / "output/hiring/offer-sheet.pdf"))


def test_without_a_config_the_built_in_theme_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_project(tmp_path) == Project(root=tmp_path)
    (tmp_path / "templates").mkdir()  # the default theme folder, when there is one
    assert load_project(tmp_path).theme == (tmp_path / "templates").resolve()


def test_the_organisation_goes_on_every_offer_format(project):
    for fmt in ("html", "txt"):
        assert run("offer", "cases/hiring.md", "--format", fmt).exit_code == 0
    html = (project / "output/hiring/offer-sheet.html").read_text()
    assert "Northwind Holdings" in html and 'src="data:image/png;base64,' in html  # inline: emails carry it
    assert (project / "output/hiring/offer-sheet.txt").read_text().startswith("Northwind Holdings\n")


def test_a_theme_or_config_change_rebuilds(project):
    assert run("build").exit_code == 0
    assert run("build").output == "0 built, 1 unchanged, 0 failed\n"
    (project / "house" / "brief.css").write_text('@import url("base.css");\n')
    assert "wrote output/hiring/brief.pdf" in run("build").output
    with (project / "briefgen.toml").open("a") as config:
        config.write('# a comment changes nothing\n')
    assert run("build").output == "0 built, 1 unchanged, 0 failed\n"
    (project / "briefgen.toml").write_text((project / "briefgen.toml").read_text().replace("letter", "A4"))
    assert "wrote output/hiring/brief.pdf" in run("build").output


def test_a_missing_field_names_the_template_and_its_line(project):
    assert run("build").exit_code == 0
    before = (project / "output/hiring/brief.pdf").read_bytes()
    (project / "house" / "_questions.html").write_text(
        '<section class="questions" id="questions">\n  <h2>House questions</h2>\n  <p>{{ brief.case.budget }}</p>\n</section>\n')
    result = run("build", "--force")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "house/_questions.html:3:1: template: 'briefgen.case_model.Case object' has no attribute 'budget': "
        "the template names a field its document does not have; fix the template")
    assert (project / "output/hiring/brief.pdf").read_bytes() == before  # nothing overwritten


def test_a_template_syntax_error_names_the_template_and_its_line(project):
    (project / "house" / "offer-sheet.html").write_text('{% extends "base.html" %}\n{% block content %}\n{% for x in %}\n')
    result = run("build")
    assert result.exit_code == 1
    assert "house/offer-sheet.html:3:1: template: Expected an expression, got 'end of statement block'" in result.stderr
    assert not (project / "output/hiring/brief.pdf").exists()  # the case's documents are written together or not at all


@pytest.mark.parametrize("config, message", [
    ('page_sise = "A4"', "briefgen.toml:2:1: unknown setting 'page_sise'; did you mean 'page_size'?"),
    ('page_size = "A5"', "briefgen.toml:2:1: page_size 'A5' is not one briefgen knows; use \"A4\" or \"letter\""),
    ('locale = "xx_YY"', "briefgen.toml:2:1: unknown locale 'xx_YY'; use a code such as en_US, en_GB, de_DE or fr_FR"),
    ("organisation = 3", "briefgen.toml:2:1: organisation must be text in quotes, like organisation = \"...\""),
    ('organisation = "  "', "briefgen.toml:2:1: organisation must be a name of 1 to 200 characters"),
    ('theme = "nowhere"', "briefgen.toml:2:1: theme: there is no folder 'nowhere' (relative to .); create it or fix the path"),
    ('logo = "house/missing.png"', "briefgen.toml:2:1: logo: there is no file 'house/missing.png'; "
                                   "logo paths are relative to the folder briefgen.toml is in"),
    ('logo = "cases/hiring.md"', "briefgen.toml:2:1: logo: 'cases/hiring.md' is not an SVG, PNG or JPEG image (by its content, whatever its name); use one of those"),
    ('theme = "house', "briefgen.toml:2:15: TOML: Illegal character '\\n'; see the README's section on briefgen.toml"),
])
def test_config_mistakes_name_the_line_and_the_fix(project, config, message):
    (project / "briefgen.toml").write_text(f"# the house style\n{config}\n")
    for command in (("build",), ("check",), ("offer", "cases/hiring.md")):
        result = run(*command)
        assert result.exit_code == 1
        assert result.stderr.splitlines() == [message]
    assert not (project / "output").exists()


def test_every_config_mistake_is_reported_at_once(project):
    (project / "briefgen.toml").write_text('page_size = "A3"\nlogo = "nope.svg"\ncolour = "red"\n')
    assert [line.split(": ")[0] for line in run("check").stderr.splitlines()] == [
        "briefgen.toml:1:1", "briefgen.toml:2:1", "briefgen.toml:3:1"]


def test_the_fetcher_serves_the_themes_files_first_and_nothing_outside(tmp_path):
    theme = tmp_path / "theme"
    theme.mkdir()
    (theme / "base.css").write_text("/* the theme's */")
    (theme / "paper.png").write_bytes(png())
    (tmp_path / "secret.txt").write_text("secret")
    (theme / "escape.css").symlink_to(tmp_path / "secret.txt")
    fetch = render.asset_fetcher(theme).fetch
    assert fetch(f"file://{render.TEMPLATES}/base.css").read() == b"/* the theme's */"
    assert fetch(f"file://{render.TEMPLATES}/paper.png").read() == png()  # a theme's own asset, by relative URL
    assert b"CONFIDENTIAL" in fetch(f"file://{render.TEMPLATES}/brief.css").read()  # not overridden: built in
    for url in (f"file://{render.TEMPLATES}/escape.css", f"file://{theme}/../secret.txt", f"file://{tmp_path}/secret.txt"):
        with pytest.raises(ValueError):
            fetch(url)


@pytest.mark.parametrize("document", ["brief.pdf", "offer-sheet.pdf"])
def test_documents_are_tagged_with_title_and_language(project, document):
    (project / "briefgen.toml").unlink()
    assert run("build").exit_code == 0
    reader = pypdf.PdfReader(project / "output/hiring" / document)
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-US"
    assert reader.metadata.title == {"brief.pdf": "Senior engineer offer: Jordan Rivera",
                                     "offer-sheet.pdf": "Proposal from Acme Robotics to Jordan Rivera"}[document]


def test_text_extraction_follows_the_reading_order(project):
    (project / "briefgen.toml").unlink()
    assert run("build").exit_code == 0
    text = "\n".join(pages(project / "output/hiring/offer-sheet.pdf"))
    assert text.index("Our proposal: 3 options") < text.index("Option A") < text.index("Base salary") < text.index(
        "This proposal is open until")
