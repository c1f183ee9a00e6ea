"""The single negotiating text: placeholders and their errors, the package that fills it, versions,
redlines, comments, and the draft in every format (PDF once per module; the leak proof is in
test_agreement_leaks.py)."""
from __future__ import annotations

import datetime
import io
import json
import zipfile

import docx
import pytest

from briefgen import agreement_versions as versions
from briefgen import catalogs
from briefgen.agreement import Line, Piece, fill, package_for
from briefgen.agreement_draft import write_text
from briefgen.agreement_redline import changed_terms, redline
from briefgen.errors import BriefgenError, CaseError, UsageError
from conftest import flat, hiring_with, parse, pdf_text, put_case, run, weasyprint_warnings
from test_languages import LOCALES

TODAY = datetime.date(2026, 12, 1)
TEXT = ('agreement: |\n  # Employment agreement\n  The base salary is {salary} a year, {{gross}}.\n\n'
        '  Remote work: {remote_days} a week, for a term of {term}.\n')
OUTCOME = ('outcome:                       # filled in after the negotiation, for the archive\n'
           '  date: 2026-12-03\n  agreed: {salary: 97000, remote_days: 2, term: 2}\n'
           '  summary: "Accepted package B with a higher salary."\n')
ROUND = ("rounds:\n  - date: 2026-11-30\n    offered:\n      - {salary: 100000, remote_days: 1, term: 3}\n"
         "      - {salary: 95000, remote_days: 1, term: 2}\n      - {salary: 90000, remote_days: 2, term: 1}\n"
         "    chose: C\n")


def case_text(text: str = TEXT, outcome: str = OUTCOME) -> str:
    return hiring_with((OUTCOME, outcome + text))


def lines_of(case_text_: str) -> list[str]:
    case = parse(case_text_)
    return ["".join(p.text for p in line.pieces) for line in fill(case, package_for(case)[0])]


# --- placeholders -------------------------------------------------------------------------------

def test_placeholders_take_the_values_in_the_counterparts_formats_and_braces_escape():
    assert lines_of(case_text()) == ["Employment agreement", "The base salary is $97,000 a year, {gross}.",
                                     "Remote work: 2 days a week, for a term of 2 years."]
    german = case_text().replace('  valid_until: 2026-12-05', '  valid_until: 2026-12-05\n  locale: de_DE')
    assert lines_of(german)[1] == "The base salary is 97.000\u00a0$ a year, {gross}."


@pytest.mark.parametrize("line, column, message", [
    ("The salary is {salry}.", 17, "agreement: unknown issue 'salry' in {salry}; did you mean {salary}?"),
    ("A brace { alone.", 11, "agreement: a '{' that no '}' closes on its line; to write a brace, double it: {{"),
    ("A brace } alone.", 11, "agreement: a '}' that no '{' opens on its line; to write a brace, double it: }}"),
    ("Spaced { salary }.", 10, "agreement: '{ salary }' is not a placeholder: write an issue id in braces, like "
                               "{salary}, or double the braces to write them: {{ and }}"),
])
def test_a_broken_placeholder_is_an_error_at_its_line_and_column(line, column, message):
    text = case_text(f"agreement: |\n  # Terms\n\n  {line}\n")
    with pytest.raises(CaseError) as error:
        parse(text)
    at = text.splitlines().index(f"  {line}") + 1
    assert [str(p) for p in error.value.problems] == [f"case.md:{at}:{column}: {message}"]


def test_a_quoted_one_line_text_is_located_too():
    with pytest.raises(CaseError) as error:
        parse(case_text('agreement: "Salary {salery}, term {term}, {remote_days}."\n'))
    problem = error.value.problems[0]
    assert (problem.column, problem.message) == (20, "agreement: unknown issue 'salery' in {salery}; did you mean {salary}?")


def test_check_warns_of_an_issue_the_text_never_names(here):
    put_case(case_text("agreement: |\n  The salary is {salary}.\n"))
    result = run("check", "cases/hiring.md")
    assert result.exit_code == 0
    line = case_text("agreement: |\n  The salary is {salary}.\n").splitlines().index("agreement: |") + 1
    assert (f"cases/hiring.md:{line}:1: warning (agreement): 'remote_days' (Remote workdays per week) appears "
            "nowhere in the text, so no draft states it; write {remote_days} where it belongs") in result.output
    assert "'term' (Contract length) appears nowhere" in result.output and "'salary'" not in result.output


# --- which package fills it ---------------------------------------------------------------------------

def test_the_package_is_the_agreed_one_then_the_latest_choice_then_the_one_named():
    agreed = parse(case_text())
    assert package_for(agreed) == ({"salary": 97000, "remote_days": 2, "term": 2}, "the agreed terms")
    chosen = parse(case_text(outcome=ROUND))
    assert package_for(chosen) == ({"salary": 90000, "remote_days": 2, "term": 1}, "package C, chosen in round 1")
    terms, source = package_for(agreed, "A")
    assert source == "package A" and terms == {"salary": 100000, "remote_days": 1, "term": 3}
    with pytest.raises(UsageError, match="--package Q: the packages now are A, B, C"):
        package_for(agreed, "Q")
    with pytest.raises(BriefgenError, match="no package to fill the agreement from"):
        package_for(parse(case_text(outcome="")))


# --- versions -------------------------------------------------------------------------------------------

def test_versions_are_numbered_kept_with_their_source_and_added_only_on_a_change(tmp_path):
    path = tmp_path / "cases" / "hiring.md"
    path.parent.mkdir()
    path.write_text(case_text())
    archive, out = tmp_path / "archive", tmp_path / "out"

    def text(fmt="txt", **options):
        return write_text(path, out, archive, fmt, today=TODAY, **options)

    first = text()
    assert (first.version, first.added, first.source) == (1, True, "the agreed terms")
    assert (text().version, text().added) == (1, False)  # unchanged: no new version
    record = json.loads((archive / "hiring" / "texts" / "v1.json").read_text())
    assert record["source"] == path.read_text() and record["terms"] == {"salary": 97000, "remote_days": 2, "term": 2}
    assert text(package="A").version == 2  # the terms changed
    path.write_text(case_text().replace("a year,", "a year before tax,"))
    assert (text(package="A").version, text(package="A").added) == (3, False)
    assert sorted(p.name for p in (archive / "hiring" / "texts").iterdir()) == ["v1.json", "v2.json", "v3.json"]
    assert [v["version"] for v in versions.versions(archive, "hiring")] == [1, 2, 3]
    assert run("archive", "verify", "-a", str(archive)).exit_code == 0

    second = json.loads((archive / "hiring" / "texts" / "v2.json").read_text())
    second["terms"]["salary"] = 99000
    (archive / "hiring" / "texts" / "v2.json").write_text(json.dumps(second))
    result = run("archive", "verify", "-a", str(archive))
    assert result.exit_code == 1
    assert "hiring/texts/v2.json: the version was changed after it was recorded" in result.output
    with pytest.raises(BriefgenError, match="there is no version 7 of hiring's agreement text"):
        text(compare=7)


# --- redlines -----------------------------------------------------------------------------------------

def words(line: Line) -> list[tuple[str, str]]:
    return [(piece.text.strip(), piece.change) for piece in line.pieces if piece.text.strip()]


def test_the_redline_marks_an_inserted_word_a_deleted_word_and_a_changed_term():
    old = (Line(1, 0, False, (Piece("The base salary is "), Piece("$97,000", term="salary"), Piece(" a year, gross."))),)
    new = (Line(1, 0, False, (Piece("The annual salary is "), Piece("$99,000", term="salary"), Piece(" a year."))),)
    (line,) = redline(old, new)
    assert words(line) == [("The", ""), ("base", "del"), ("annual", "ins"), ("salary is", ""), ("$97,000", "del"),
                           ("$99,000", "ins"), ("a year", ""), (", gross", "del"), (".", "")]
    assert changed_terms([["salary", "Base salary", "$97,000"]], [["salary", "Base salary", "$99,000"]]) == (
        ("Base salary", "$97,000", "$99,000"),)


def test_a_redline_keeps_the_new_lines_and_their_numbers():
    old = (Line(1, 0, False, (Piece("One."),)), Line(2, 0, False, (Piece("Two."),)))
    new = (Line(1, 0, False, (Piece("One."),)), Line(2, 0, False, (Piece("New."),)), Line(3, 0, False, (Piece("Two."),)))
    assert [(line.number, words(line)) for line in redline(old, new)] == [
        (1, [("One.", "")]), (2, [("New.", "ins")]), (3, [("Two.", "")])]


# --- the documents, built once --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """Version 1, a comment from them on its line 2, version 2 (a word and a term changed): the draft and the
    redline in every format, through the command."""
    root = tmp_path_factory.mktemp("text")
    (root / "cases").mkdir()
    path = root / "cases" / "hiring.md"
    path.write_text(case_text())
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setenv("BRIEFGEN_TODAY", "2026-12-01")
        assert run("text", "cases/hiring.md").output == (
            "wrote output/hiring/agreement-draft.pdf (recorded version 1; terms: the agreed terms)\n")
        before = path.read_text()
        said = run("comment", "cases/hiring.md", "--on", "1", "--line", "2", "--from", "them", "Could it be reviewed?")
        assert said.exit_code == 0, said.output
        assert path.read_text().startswith(before.split("\n---\n")[0])  # only new lines: the rest as it was
        path.write_text(path.read_text().replace("a year,", "a year before tax,").replace("97000", "99000"))
        made = {}
        for fmt in ("pdf", "txt", "html", "docx"):
            assert run("text", "cases/hiring.md", "--format", fmt).exit_code == 0
            result = run("text", "cases/hiring.md", "--compare", "1", "--format", fmt)
            assert result.output.startswith(f"wrote output/hiring/agreement-redline-v1-v2.{fmt} (version 2, unchanged")
            made[fmt] = ((root / "output/hiring" / f"agreement-draft.{fmt}").read_bytes(),
                         (root / "output/hiring" / f"agreement-redline-v1-v2.{fmt}").read_bytes())
    return path, made


def test_the_comment_is_recorded_like_a_round(documents):
    path, _ = documents
    tail = path.read_text().split("comments:\n")[1].split("---")[0]
    assert tail == ("  - version: 1\n    line: 2\n    from: them\n    text: Could it be reviewed?\n"
                    "    date: 2026-12-01\n")


def test_the_draft_pdf_has_numbered_lines_the_version_and_the_comments(documents):
    _, made = documents
    text = flat(pdf_text(made["pdf"][0]))
    assert "Draft agreement between Acme Robotics and Jordan Rivera" in text
    assert "Version 2 of December 1, 2026" in text
    assert "1 Employment agreement 2 The base salary is $99,000 a year before tax, {gross}." in text
    assert "Comments 1. Version 1, line 2, Jordan Rivera, December 1, 2026 Could it be reviewed?" in text


def test_the_redline_marks_words_and_terms_in_every_format(documents):
    _, made = documents
    text = flat(pdf_text(made["pdf"][1]))
    assert "Redline of version 2 against version 1" in text and "Changed terms" in text
    assert "$97,000 $99,000" in text  # both, the first struck through
    plain = made["txt"][1].decode()
    assert "The base salary is [-$97,000-] {+$99,000+} a year {+before tax+}, {gross}." in flat(plain)
    assert "Base salary: [-$97,000-] {+$99,000+}" in plain
    html = made["html"][1].decode()
    assert "<del>$97,000</del>" in html.replace('<span class="term">', "").replace("</span>", "")
    assert "<ins>before tax</ins>" in html and "Content-Security-Policy" in html


def test_the_docx_opens_in_word_holds_the_draft_and_tracks_the_changes(documents):
    _, made = documents
    draft, marked = (docx.Document(io.BytesIO(data)) for data in made["docx"])
    texts = [p.text for p in draft.paragraphs]
    assert "2\tThe base salary is $99,000 a year before tax, {gross}." in texts
    assert "Version 1, line 2" in " ".join(texts) and "Could it be reviewed?" in texts
    assert draft.core_properties.title == "Draft agreement between Acme Robotics and Jordan Rivera"
    assert draft.core_properties.author == "Acme Robotics"
    with zipfile.ZipFile(io.BytesIO(made["docx"][1])) as package:
        body = package.read("word/document.xml").decode()
    assert '<w:del w:id="' in body and 'w:author="Acme Robotics"' in body and "<w:delText>$97,000</w:delText>" in body
    assert "<w:ins " in body and ">before tax</w:t>" in body
    assert "Redline of version 2 against version 1" in [p.text for p in marked.paragraphs]


def test_a_comment_names_a_line_of_a_recorded_version(here):
    put_case(case_text())
    assert "no version 1" in run("comment", "cases/hiring.md", "--on", "1", "--line", "1", "--from", "us", "x").output
    run("text", "cases/hiring.md", "--format", "txt")
    result = run("comment", "cases/hiring.md", "--on", "1", "--line", "9", "--from", "us", "x")
    assert result.exit_code == 2 and "--line 9: version 1 of the text has lines 1 to 3" in result.output


def test_a_german_draft_speaks_german(tmp_path):
    path = tmp_path / "cases" / "hiring.md"
    path.parent.mkdir()
    path.write_text(case_text().replace('  valid_until: 2026-12-05', '  valid_until: 2026-12-05\n  locale: de_DE'))
    written = write_text(path, tmp_path / "out", tmp_path / "archive", "txt", today=TODAY)
    text = written.path.read_text()
    assert "VERTRAGSENTWURF ZWISCHEN ACME ROBOTICS UND JORDAN RIVERA" in text
    assert "Fassung 1 vom 1. Dezember 2026" in text and "is 97.000 $ a year" in text


def test_build_writes_the_draft_of_a_case_with_an_agreement_and_says_why_not(here):
    put_case(case_text())
    put_case(case_text(outcome=""), "open.md")
    result = run("build", "-j", "1")
    assert "wrote output/hiring/agreement-draft.pdf" in result.output
    assert ("no agreement draft for cases/open.md: no package to fill the agreement from: record what they chose"
            in result.output)


# --- in the counterpart's language ------------------------------------------------------------------------

ENGLISH = ["Draft agreement between", "Draft for discussion", "Redline of version", "Changed terms", "Comments",
           "inserted", "deleted", ", line "]


@pytest.mark.parametrize("language", sorted(LOCALES))
def test_the_draft_and_the_redline_speak_every_catalogued_language(language, tmp_path):
    path = tmp_path / "cases" / "hiring.md"
    path.parent.mkdir()
    locale = f'  valid_until: 2026-12-05\n  locale: {LOCALES[language]}'
    path.write_text(case_text().replace('  valid_until: 2026-12-05', locale))
    archive = tmp_path / "archive"
    write_text(path, tmp_path / "out", archive, "txt", package="A", today=TODAY)
    text = path.read_text().replace("\n---\n\n## Background", "\ncomments:\n  - {version: 1, line: 2, from: them, "
                                    "text: \"Plus tard ?\"}\n---\n\n## Background")
    path.write_text(text)
    said = write_text(path, tmp_path / "out", archive, "txt", compare=1, today=TODAY).path.read_text()
    translated = catalogs.translations(language).gettext
    assert translated("Changed terms") in said and translated("Comments") in said
    assert [word for word in ENGLISH if word in said] == []


@pytest.mark.parametrize("language", ["ar", "ja"])
def test_a_right_to_left_and_a_chinese_script_draft_print_every_glyph(language, tmp_path):
    path = tmp_path / "cases" / "hiring.md"
    path.parent.mkdir()
    path.write_text(case_text().replace('  valid_until: 2026-12-05', f'  valid_until: 2026-12-05\n  locale: {LOCALES[language]}'))
    with weasyprint_warnings() as warnings:
        data = write_text(path, tmp_path / "out", tmp_path / "archive", "pdf", today=TODAY).path.read_bytes()
    assert [w for w in warnings if "notdef" in w] == []
    assert catalogs.translations(language).gettext("Comments") != "Comments"
    html = write_text(path, tmp_path / "out", tmp_path / "archive", "html", today=TODAY).path.read_text()
    assert f'<html lang="{LOCALES[language].replace("_", "-")}" dir="{catalogs.direction(LOCALES[language])}">' in html
    assert pdf_text(data)


def test_build_removes_the_draft_of_a_text_taken_out(here):
    path = put_case(case_text())
    assert "wrote output/hiring/agreement-draft.pdf" in run("build", "-j", "1").output
    path.write_text(case_text(""))
    result = run("build", "-j", "1")
    assert "removed output/hiring/agreement-draft.pdf: the case has no agreement text" in result.output
    assert not (here / "output/hiring/agreement-draft.pdf").exists()


def test_a_version_file_from_anyone_is_read_with_care(tmp_path):
    """An archive folder is untrusted: a version whose lines are not what briefgen writes is refused, not printed."""
    path = tmp_path / "cases" / "hiring.md"
    path.parent.mkdir()
    path.write_text(case_text())
    write_text(path, tmp_path / "out", tmp_path / "archive", "txt", package="A", today=TODAY)
    version = tmp_path / "archive" / "hiring" / "texts" / "v1.json"
    record = json.loads(version.read_text())
    record["lines"][0][2][0][0] = {"not": "text"}
    version.write_text(json.dumps(record))
    with pytest.raises(BriefgenError, match="cannot be read as version 1 of hiring's agreement text; run briefgen archive verify"):
        write_text(path, tmp_path / "out", tmp_path / "archive", "docx", compare=1, today=TODAY)
