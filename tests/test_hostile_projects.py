"""Hostile project files (issue 16): themes and briefgen.toml that may come from someone else.

`tests/hostile-projects/` holds one folder per attack, named for what it tries: the files it
lays over a project with one case (the hiring case). CORPUS below says what each must do:

- REFUSED: every command named exits 1; every stderr line is `path:line:column: message`;
  no traceback; nothing is written; the fragments appear in the messages.
- BUILDS: the commands succeed, and what the attack aimed at stays out.

Under both, nothing is fetched, no secret file is read (conftest.SECRET_FILES), and nothing is
written outside `output/`. Attacks that need symlinks or devices are made at test time.
"""
from __future__ import annotations

import base64
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import HIRING, flat, pdf_text, run, watching

PROJECTS = Path(__file__).parent / "hostile-projects"
REFUSED, BUILDS = "refused", "builds"
SECRETS = ("root:x:0:0", "Competing offer", "second-ranked", "reservation: 40")  # /etc/passwd, their BATNA, ours, ...
PREVIEW = ("preview", "--no-open", "cases/hiring.md")
TEXT_SHEET = ("offer", "cases/hiring.md", "--format", "txt")
EMAIL = ("offer", "cases/hiring.md", "--format", "html")
CHECK = ("check", "cases/hiring.md")
UNSAFE = "themes run sandboxed"


@dataclass(frozen=True)
class Expect:
    outcome: str
    commands: tuple[tuple[str, ...], ...]
    fragments: tuple[str, ...] = ()


CORPUS = {
    "builtins-through-a-global": Expect(REFUSED, (TEXT_SHEET,), ("__globals__", UNSAFE)),
    "builtins-through-jinjas-globals": Expect(REFUSED, (TEXT_SHEET,), ("__globals__", UNSAFE)),
    "context-through-the-template-reference": Expect(REFUSED, (TEXT_SHEET,), ("_TemplateReference__context",)),
    "brief-fields-in-the-offer-sheet": Expect(REFUSED, (("build",),), ("'brief' is undefined",)),
    "case-through-pydantic": Expect(REFUSED, (PREVIEW,), ("model_dump_json", UNSAFE)),
    "mutate-shared-data": Expect(REFUSED, (PREVIEW,), ("update", UNSAFE)),
    "include-a-local-file": Expect(REFUSED, (TEXT_SHEET,), ("no template named",)),
    "theme-is-the-root-folder": Expect(REFUSED, (CHECK, EMAIL), ("briefgen.toml:2:1: theme", "inside the project")),
    "theme-outside-the-project": Expect(REFUSED, (CHECK, EMAIL), ("briefgen.toml:1:1: theme", "inside the project")),
    "logo-absolute-path": Expect(REFUSED, (CHECK, EMAIL), ("briefgen.toml:1:1: logo", "inside the project")),
    "logo-outside-the-project": Expect(REFUSED, (CHECK, EMAIL), ("briefgen.toml:1:1: logo", "inside the project")),
    "logo-named-png-but-text": Expect(REFUSED, (CHECK, EMAIL), ("briefgen.toml:2:1: logo", "not an SVG, PNG or JPEG image")),
    "logo-svg-that-is-html": Expect(REFUSED, (CHECK, EMAIL), ("briefgen.toml:1:1: logo", "not an SVG, PNG or JPEG image")),
    "logo-svg-with-a-local-file": Expect(BUILDS, (EMAIL, ("build",))),
    "theme-css-fetches-the-network": Expect(BUILDS, (PREVIEW,)),
}


def lay(project: Path, name: str) -> None:
    """A project folder with the hiring case and the attack's files over it."""
    (project / "cases").mkdir()
    (project / "cases" / "hiring.md").write_text(HIRING)
    shutil.copytree(PROJECTS / name, project, dirs_exist_ok=True)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The project is two levels down, so that `../..` is still inside the test's own folder."""
    folder = tmp_path / "home" / "project"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    return folder


def outside_output(project: Path, writes: list[str]) -> list[str]:
    output = str(project / "output")
    return [w for w in writes if not (w == output or w.startswith(output + os.sep))]


def commands_run(commands):
    results = []
    for command in commands:
        results.append(run(*command, catch=True))
        results[-1].command = command
    return results


def assert_refused(results, fragments) -> None:
    for result in results:
        assert result.exit_code == 1, (result.command, result.exit_code, result.output)
        assert "Traceback" not in result.output
        lines = result.stderr.strip().splitlines()
        assert lines, result.command
        for line in lines:
            assert re.match(r"^[^\s:][^:]*:\d+:\d+: \S", line), f"{result.command}: not located: {line!r}"
        for line in lines:
            assert not any(secret in line for secret in SECRETS), line
        for fragment in fragments:
            assert any(fragment in line for line in lines), f"{result.command}: no message has {fragment!r}: {lines}"


def test_the_table_covers_the_corpus():
    assert {p.name for p in PROJECTS.iterdir()} == set(CORPUS)


@pytest.mark.parametrize("name", [n for n, e in CORPUS.items() if e.outcome == REFUSED])
def test_a_hostile_project_is_refused_and_nothing_leaks(name, project):
    lay(project, name)
    expect = CORPUS[name]
    with watching() as watch:
        results = commands_run(expect.commands)
    assert_refused(results, expect.fragments)
    assert not (project / "output").exists(), "something was written"
    assert not watch.network and not watch.secrets and not outside_output(project, watch.writes)


def test_an_svg_logo_naming_local_files_is_drawn_without_them(project):
    lay(project, "logo-svg-with-a-local-file")
    import cairosvg  # noqa: F401  (its first import finds cairo through ldconfig and temporary files)

    with watching() as watch:
        assert run(*EMAIL).exit_code == 0
        assert run("build").exit_code == 0
    assert not watch.network and not watch.secrets and not outside_output(project, watch.writes)
    email = (project / "output/hiring/offer-sheet.html").read_text()
    logos = re.findall(r'src="data:([^;"]+);base64,([^"]+)"', email)
    assert [kind for kind, _ in logos] == ["image/png"], "the email's logo is a PNG (mail clients show no SVG)"
    assert base64.b64decode(logos[0][1]).startswith(b"\x89PNG\r\n\x1a\n")
    for document in ("brief.pdf", "offer-sheet.pdf"):
        assert "root:x:0:0" not in pdf_text(project / "output/hiring" / document)


def test_the_preview_carries_no_url_of_a_themes_css_that_a_browser_would_fetch(project):
    """A theme's @import from the network never loads: it is a located problem of the project (issue 12),
    and nothing is fetched or written; with those imports gone, what the stylesheet keeps fetches nothing."""
    lay(project, "theme-css-fetches-the-network")
    with watching() as watch:
        result = run(*PREVIEW)
    assert result.exit_code == 1, result.output
    assert [line.split(": @import")[0] for line in result.stderr.splitlines()] == [
        "templates/brief.css:2:1", "templates/brief.css:3:1"]
    assert not watch.network
    assert not (project / "output").exists()
    css = project / "templates" / "brief.css"
    css.write_text("".join(line for line in css.read_text().splitlines(keepends=True) if "@import url(\"http" not in line
                           and "@import \"https" not in line))
    with watching() as watch:
        result = run(*PREVIEW)
    assert result.exit_code == 0, result.output
    assert not watch.network
    html = (project / "output/hiring/brief.html").read_text()
    assert "example.invalid" not in html and "127.0.0.1" not in html
    assert ".doc-title" in html  # the rest of the theme's stylesheet is kept


# --- attacks made at test time: symlinks and devices ---------------------------------------------

def symlinked_logo(project: Path) -> None:
    (project / "logo.png").symlink_to("/etc/passwd")
    (project / "briefgen.toml").write_text('logo = "logo.png"\n')


def logo_is_a_device(project: Path) -> None:
    (project / "logo.png").symlink_to("/dev/zero")
    (project / "briefgen.toml").write_text('logo = "logo.png"\n')


def symlinked_template(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates" / "offer-sheet.txt").symlink_to("/etc/passwd")


def symlinked_theme_folder(project: Path) -> None:
    elsewhere = project.parent / "downloaded-theme"
    elsewhere.mkdir()
    (elsewhere / "offer-sheet.txt").write_text("{{ sheet.our_name }}: a theme from outside the project\n")
    (project / "templates").symlink_to(elsewhere)


GENERATED = {
    symlinked_logo: (CHECK, EMAIL),
    logo_is_a_device: (CHECK, EMAIL),
    symlinked_template: (TEXT_SHEET,),
    symlinked_theme_folder: (CHECK, TEXT_SHEET),
}


@pytest.mark.parametrize("make", GENERATED, ids=lambda make: make.__name__)
def test_a_symlink_or_device_in_a_project_is_refused(make, project):
    (project / "cases").mkdir()
    (project / "cases" / "hiring.md").write_text(HIRING)
    make(project)
    with watching() as watch:
        results = commands_run(GENERATED[make])
    assert_refused(results, ())
    assert not (project / "output").exists()
    assert not watch.secrets and not outside_output(project, watch.writes)


class Reader:
    """A value a template is handed by mistake, as pydantic and numpy objects carry them: methods that do I/O."""

    def read(self) -> str:
        return Path("/etc/passwd").read_text()


@pytest.mark.parametrize("template", [
    "{{ path.read_text() }}", "{{ path.write_text('owned') }}", "{{ path.parent.iterdir() | list }}",
    "{{ number.tofile('owned') }}", "{{ numbers.tofile('owned') }}", "{{ reader.read.__globals__ }}",
    "{{ numbers.__class__.__mro__ }}", "{{ text_table.__globals__ }}", "{{ reader.read() }}",
])
def test_a_template_calls_nothing_that_reads_or_writes_files(template, tmp_path):
    """The sandbox's rule, on objects no document hands a template today (Path, numpy): a call is
    allowed to briefgen's and Jinja's own functions and to plain values' methods, nothing else."""
    import jinja2
    import numpy

    from briefgen import render

    env = render.environment()
    values = {"path": tmp_path / "file.txt", "number": numpy.float64(1.5), "numbers": numpy.zeros(2), "reader": Reader()}
    with pytest.raises(jinja2.sandbox.SecurityError):
        env.from_string(template).render(**values)
    assert list(tmp_path.iterdir()) == []
    assert env.from_string("{{ '%.1f' % number }} {{ numbers | length }} {{ path.name.upper() }}").render(
        **values) == "1.5 2 FILE.TXT"  # reading plain values' fields still works


def test_the_allow_list_is_the_only_door_to_the_offer_sheet(project):
    """Whatever a theme's offer-sheet template names, only OfferSheet's fields and the project's
    branding exist there: every name of the brief's context is undefined."""
    (project / "cases").mkdir()
    (project / "cases" / "hiring.md").write_text(HIRING)
    (project / "templates").mkdir()
    for name in ("brief", "case", "meso", "level2", "history", "packages", "body"):
        (project / "templates" / "offer-sheet.txt").write_text(f"{{{{ {name} }}}}\n")
        result = run(*TEXT_SHEET, catch=True)
        assert result.exit_code == 1 and f"'{name}' is undefined" in flat(result.stderr), result.output
