"""A theme restyles additively: its theme.css is layered on the built-in stylesheet of every
document; and a theme stylesheet that would not load is a located problem, not silence."""
from __future__ import annotations

import io

import pypdf
import pytest

from briefgen import render
from briefgen.project import load_project
from conftest import HIRING, run, write


@pytest.fixture
def house(here):
    write("cases/hiring.md", HIRING)
    write("briefgen.toml", 'theme = "house"\n')
    (here / "house").mkdir()
    return here / "house"


def test_theme_css_adds_to_the_built_in_styles(house):
    write(house / "theme.css", ".doc-title { color: rgb(1, 2, 3); }\n")
    project = load_project()
    preview = render.document_css("brief.css", project.theme)
    assert preview.index("@page") < preview.index("rgb(1, 2, 3)")  # built-in first, the theme's after
    html = '<html><head><title>t</title></head><body><h1 class="doc-title">Title</h1><p>text</p></body></html>'
    layered = render.html_to_pdf(html, "brief.css", project.theme)
    plain = render.html_to_pdf(html, "brief.css", None)
    # The built-in page layout (running header and footer, margins) is kept under the theme's rule.
    assert len(pypdf.PdfReader(io.BytesIO(layered)).pages) == len(pypdf.PdfReader(io.BytesIO(plain)).pages)
    assert pypdf.PdfReader(io.BytesIO(layered)).pages[0].extract_text() == \
        pypdf.PdfReader(io.BytesIO(plain)).pages[0].extract_text()
    assert b"0.003922 0.007843 0.011765 rg" in _content(layered) and b"0.003922 0.007843 0.011765 rg" not in _content(plain)  # the theme's colour, only with it


def _content(pdf: bytes) -> bytes:
    return b"".join(page.get_contents().get_data() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_a_stylesheet_that_does_not_load_is_a_located_problem(house):
    write(house / "theme.css", '/* house */\n@import url("colours.css");\n@import "https://cdn.example.com/x.css";\n')
    write(house / "brief.css", '@import url("base.css");\n')  # a built-in one: it loads
    result = run("check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "house/theme.css:2:1: @import url(\"colours.css\"): there is no such stylesheet in the theme folder or among "
        "briefgen's templates, so its styles would be lost; fix the name, or add the file",
        "house/theme.css:3:1: @import \"https://cdn.example.com/x.css\": briefgen loads stylesheets only from the theme "
        "folder and its own templates, never from the network; copy the file into the theme",
    ]
    assert not (house.parent / "output").exists()
    write(house / "colours.css", ".doc-title { color: navy; }\n")
    write(house / "theme.css", '@import url("colours.css");\n')
    assert run("check").exit_code == 0
