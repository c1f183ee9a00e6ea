"""The offer sheet as DOCX: opens in python-docx, looks like the theme, carries nothing but the sheet.

That nothing internal reaches it is proven with the other formats in test_offer_sheet.py
(the sentinel cases, every part of the package, the core and app properties)."""
from __future__ import annotations

import base64
import datetime
import io
import zipfile

import docx

from briefgen import build
from briefgen.project import load_project
from conftest import HIRING

TODAY = datetime.date(2026, 11, 24)
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def sheet(tmp_path, project=None) -> bytes:
    path = tmp_path / "cases" / "hiring.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(HIRING)
    kwargs = {"project": project} if project else {}
    return build.offer(path, tmp_path / "out", "docx", today=TODAY, **kwargs).read_bytes()


def test_the_docx_holds_the_sheet_and_the_package_nothing_else(tmp_path):
    data = sheet(tmp_path)
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert texts[:2] == ["Acme Robotics", "November 24, 2026"]
    assert "Our proposal: 3 options" in texts and "We look forward to hearing from you." in texts
    table = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert table[0] == ["", "Option A", "Option B", "Option C"]
    assert table[1][0] == "Base salary" and table[2][0] == "Remote workdays per week"
    assert document.sections[0].footer.paragraphs[0].text == "Proposal from Acme Robotics, open until December 5, 2026"
    core = document.core_properties
    assert (core.title, core.author, core.comments, core.keywords) == (
        "Proposal from Acme Robotics to Jordan Rivera", "Dana Lee, Engineering Manager, Acme Robotics", "", "")
    assert core.created.date() == core.modified.date() == TODAY
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        app = package.read("docProps/app.xml").decode()
    assert not any("thumbnail" in name for name in names)
    assert "<Application>briefgen</Application>" in app and "Microsoft" not in app
    assert "python-docx" not in core.comments + core.author


def test_colours_fonts_and_logo_come_from_the_theme(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "offer-sheet.css").write_text(
        '@import url("base.css");\n:root { --accent: #a33; --wash: #fff8e7; }\nhtml { font-family: "Georgia", serif; }\n')
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "briefgen.toml").write_text('organisation = "Acme Robotics Ltd"\nlogo = "logo.png"\n')
    data = sheet(tmp_path, load_project(tmp_path))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        body = package.read("word/document.xml").decode()
        styles = package.read("word/styles.xml").decode()
        media = [n for n in package.namelist() if n.startswith("word/media/")]
    assert 'w:fill="aa3333"' in body and 'w:fill="fff8e7"' in body
    assert 'w:color w:val="AA3333"' in body  # the letterhead, in the accent
    assert 'w:ascii="Georgia"' in styles
    assert len(media) == 1
    assert docx.Document(io.BytesIO(data)).paragraphs[1].text == "Acme Robotics Ltd"
