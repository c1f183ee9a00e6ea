"""Hostile input (issue 8): bad case files, each refused with located errors or built safely.

`tests/hostile/` holds one small file per attack, named for what it tries. CORPUS below says
what each must do:

- ERROR: `briefgen check` and `briefgen build` exit 1; every stderr line is
  `path:line:column: message` (line and column within the file); no traceback; nothing is
  written; the fragments given appear in the messages.
- BUILDS: the case is valid but its content is hostile. `check` and `build` exit 0, and the
  PDFs show the hostile text literally (escaped HTML, unevaluated Jinja, RTL text); no
  `file:`/`javascript:`/relative link annotations, no attachments, nothing fetched, and no
  file read but the case and briefgen's own.
- EITHER: a clean outcome either way (built, or refused with located errors).

Files that would be huge or binary are generated at test time (20 MB, random bytes,
non-UTF-8, nesting variants, a device as a case file). Anything that might hang or eat
memory runs in a subprocess with a timeout and a memory limit (`resource.setrlimit`).

Where briefgen misbehaves today, the entry carries `bug=...`: the test pins the correct
behaviour and is `xfail(strict=True)` with the measured misbehaviour as its reason, so it
starts failing (XPASS) the moment the bug is fixed: then delete the `bug=`.
"""
from __future__ import annotations

import base64
import http.server
import io
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from briefgen.cli import main
from conftest import BRIEFGEN, pdf_text, snapshot, time_limit, watching

HOSTILE = Path(__file__).parent / "hostile"

ERROR, BUILDS, EITHER = "error", "builds", "either"

# Measured on the development machine (2 cores, Python 3.11, ruamel.yaml 0.19.1, WeasyPrint 70).
ALIAS_BOMB_BUG = (
    "no clean rejection: ruamel.yaml keeps aliases shared (parsing takes 0.01 s) but "
    "source.key_lines() walks the expanded tree before validation: 9^n nodes; measured n=6: "
    "2.4 s, 190 MB; n=7: 29 s, 1.9 GB; the 9-level file here: still running after 10 min at "
    "19.5 GB RSS (killed). Under this test's 1 GB limit: MemoryError traceback or timeout")
RECURSION_BUG = (
    "RecursionError traceback: ruamel.yaml's composer and constructor recurse once per "
    "level (about 245 levels of [ ] or { } or block nesting are the most a case file survives; "
    "fewer under deeper call stacks); the 10,000-level file takes 4 s to crash")
KEY_LINES_BUG = (
    "traceback in source.key_lines(): the round-trip loader gives no line for {where}, "
    "so `tree.lc.{method}(...)` is None ({error})")
CONTROL_CHARACTER_BUG = (
    "one problem spread over two lines, and at 2:1 instead of the character's place: "
    "'YAML: unacceptable character #x001b: special characters are not allowed\\n  in "
    "\"<unicode string>\", position 16' (ruamel's ReaderError is not a MarkedYAMLError, and "
    "its str() has a second line)")
SURROGATE_BUG = (
    "check says ok; build crashes with UnicodeEncodeError: 'utf-8' codec can't encode "
    "character '\\ud800' ... surrogates not allowed (in WeasyPrint, from render.html_to_pdf): "
    "YAML's \\uXXXX escapes can make lone surrogates")
CONDITION_DEPTH_BUG = (
    "RecursionError traceback from rule_engine.Rule(text) (its parser builds the tree "
    "recursively): a condition with more than about 490 and/or/not operators crashes; "
    "conditions.compile_condition catches only RuleSyntaxError and EngineError")
RAW_QUOTES_BUG = (
    "messages quote keys, ids and conditions as written ('...'), not escaped: a key or condition "
    "with a newline (YAML \"\\n\") prints a problem on two lines (\"unknown key 'unknown\" / "
    "\"key' in the frontmatter; ...\"), and a bell (\\a) or escape sequence (\\e[2J) goes to the "
    "terminal as is (click strips ANSI sequences only when stderr is not a terminal). Found by "
    "test_fuzz with 3,000 examples: a key '\\n' in a constituency")
REGEX_CONDITION_BUG = (
    "KeyError: 'eq_fzm' traceback in conditions._Compiler.comparison: rule-engine parses "
    "=~ / !~ / =~~ as comparisons whose type is not in ORDERINGS or EQUALITIES, and a text "
    "option passes check_value first")
STEPS_BUG = (
    "no limit on a range's steps: every step is a value, and MESO's dynamic programme "
    "allocates (values x score levels): this million-step range makes check run 71 s and "
    "reach 19.8 GB RSS before a numpy ArrayMemoryError traceback ('Unable to allocate 9.32 GiB "
    "for an array with shape (500001, 2501)'); under this test's 1 GB limit a MemoryError "
    "traceback after 6 s. With a step of 1e-9 (10^18 values) list(issue.values()) in "
    "meso.space.Market and the win-set space eats 3 GB in 30 s. Measured MESO time for n steps: "
    "1,000: 0.7 s; 3,000: 3.7 s; 10,000: 43 s")
LONG_WORD_BUG = (
    "since 3edfa5f (base.css: `html { overflow-wrap: anywhere }` instead of `hyphens: auto`) "
    "slower still: this file's build runs over 300 s; a 1,000-character label takes 46 s (was "
    "1.6 s), a 1,000-character party name 19 s + 6 s (was 9 s + 4 s), as `anywhere` makes every "
    "character a break opportunity for table min-content widths. Measured on this file with "
    "extra CSS: `hyphens: manual; overflow-wrap: normal` 2.7 s (6 pages, long words overflow); "
    "`overflow-wrap: break-word` 24 s (33 pages). Before 3edfa5f: "
    "build takes minutes: WeasyPrint's split_first_line tries every hyphenation point of a "
    "long word (base.css `p, li { hyphens: auto }`), relaying the rest of the word each time. "
    "A party name of n 'U's: n=500: 2.4 s brief + 0.7 s sheet; 1,000: 9 s + 4 s; 2,000: 58 s + "
    "28 s; the 5,000-character 'Supercalifragilistic...' label alone: 41 s. With "
    "`hyphens: manual` the 1,000 case takes 0.08 s instead of 4 s; `overflow-wrap: anywhere` "
    "is as slow (5.5 s)")
FILE_SIZE_BUG = (
    "no size limit: a 20 MB case (small frontmatter, 20 MB body) passes check ('ok', 1.3 s, "
    "140 MB) and its build runs for about 20 minutes (400 KB of body: 23 s, 141 pages; "
    "100 KB: 6 s); a 25 MB frontmatter (1.7 million tags) takes over 2 minutes to check "
    "(ruamel round-trip parsing: 8 s and 90 MB per MB)")
DEVICE_BUG = (
    "load_case reads the whole file with Path.read_bytes(): a case that is /dev/zero grows "
    "until memory runs out (MemoryError traceback; read errors other than OSError are not "
    "caught), a FIFO blocks forever; only regular files should be read, and at most the size "
    "limit")
MANY_ISSUES_BUG = (
    "decimal.InvalidOperation traceback in render.Brief.packages_count -> "
    "babel.numbers.format_decimal(round(count)): the count of possible packages (3^60, "
    "about 4e28) has more digits than Babel's decimal context (28) can quantize; any case whose "
    "package space exceeds about 1e28 (30 issues of 10 options, the 50 x 10 benchmark) "
    "cannot be built")


@dataclass(frozen=True)
class Expect:
    """What a corpus file must do (see the module docstring)."""

    outcome: str
    fragments: tuple[str, ...] = ()  # ERROR: each appears in some message
    bug: str | None = None  # misbehaviour today: the test is xfail(strict=True, reason=bug)
    isolate: bool = False  # run in a subprocess with a time and memory limit
    seconds: float = 60  # time limit for each command (a clean answer takes about 1 s)
    shows: tuple[str, ...] = ()  # BUILDS: text the brief shows (whitespace ignored)
    sheet_shows: tuple[str, ...] = ()  # BUILDS: text the offer sheet shows (whitespace ignored)
    hides: tuple[str, ...] = ()  # BUILDS: text neither document shows
    uris: tuple[str, ...] = ()  # BUILDS: link annotations expected (all others are refused)
    characters: str = ""  # BUILDS: characters the PDFs' fonts must map (see unicode_in_fonts)


def error(*fragments: str, **kwargs) -> Expect:
    return Expect(ERROR, fragments, **kwargs)


def builds(**kwargs) -> Expect:
    return Expect(BUILDS, **kwargs)


CORPUS: dict[str, Expect] = {
    # --- the file as a whole ---------------------------------------------------------------
    "empty.md": error("no frontmatter"),
    "blank-lines-only.md": error("no frontmatter"),
    "no-frontmatter.md": error("no frontmatter"),
    "no-closing-line.md": error("never closed"),
    "empty-frontmatter.md": error("the frontmatter is empty"),
    "frontmatter-is-a-list.md": error("must be keys and values"),
    "frontmatter-is-text.md": error("must be keys and values"),
    "bom-and-crlf.md": builds(shows=("Byte-order mark and CRLF line endings", "Windows-made file.")),
    # --- YAML ------------------------------------------------------------------------------
    "broken-yaml.md": error("YAML: this line is indented 3 spaces, further than the keys above it, so YAML reads it as part of line 7's value; indent it by 2"),
    "unclosed-quote.md": error("a quoted text starts here and is never closed"),
    "tab-indentation.md": error("YAML: a tab: YAML indents with spaces only; replace the tab with spaces"),
    "duplicate-keys.md": error('duplicate key "title"; each key may appear once'),
    "control-character-in-yaml.md": error("#x001b"),
    "alias-bomb.md": error("aliases", isolate=True, seconds=30),
    "deep-nesting.md": error("nested too deeply"),
    "huge-integer.md": error("targets.reservation: a number with 5,000 digits; numbers in a case have at most 100 digits"),
    "yaml-python-tag.md": error(),
    "yaml-custom-tags.md": error(),
    "yaml-merge-key.md": Expect(EITHER),
    "lone-surrogate-escape.md": Expect(EITHER),
    # --- the case format -------------------------------------------------------------------
    "wrong-types.md": error(
        "title: expected a text", "status: input should be", "tags: expected a list",
        "parties.them: expected keys and values", "issues.price.range.min: expected a number (got 'cheap')",
        "issues.term.options[1].value: expected a number or a text, got true/false",
        "targets.aspiration: expected a number (got 'yes')", "meso.packages: expected a whole number",
        "constituencies.board.side", "constituencies.board.requires: expected a list",
        "offer_sheet.valid_until: expected a date"),
    "unknown-keys.md": error(
        "unknown key 'titel' in the frontmatter; did you mean 'title'?",
        "unknown key 'negociator' in parties.us; did you mean 'negotiator'?",
        "unknown key 'stepp' in issues.price.range; did you mean 'step'?",
        "unknown key 'reservaton' in targets; did you mean 'reservation'?",
        "unknown key '__class__'", "unknown key 'id'", "unknown key 'path'", "unknown key 'body'"),
    "duplicate-ids.md": error("duplicate issue id 'price'", "duplicate constituency id 'board'"),
    "nan-points.md": error(
        "issues.price.range.step: expected a finite number", "issues.price.points.100: expected a finite number",
        "issues.price.their_points.nan", "issues.term.options[1].value: expected a finite number",
        "targets.reservation: expected a finite number", "meso.tolerance: expected a finite number"),
    "infinite-numbers.md": error(
        "issues.price.range.min: expected a finite number", "issues.price.range.step: expected a finite number",
        "issues.term.options[1].value: expected a finite number", "targets.reservation: expected a finite number",
        "targets.aspiration: expected a finite number", "meso.hold.term: expected a finite number"),
    "too-many-steps.md": error("coarser step", isolate=True, seconds=30),
    "too-many-issues.md": error("issues: 31 entries, more than the 30 a case may have"),
    "too-many-options.md": error("issues.color.options: 101 entries, more than the 100 a case may have"),
    "too-many-constituencies.md": error("constituencies: 201 entries, more than the 200 a case may have"),
    "label-over-the-limit.md": error("issues.price.label: 5,000 characters, more than the 200 allowed"),
    # --- conditions ------------------------------------------------------------------------
    "unknown-issue-in-condition.md": error(
        "names an unknown issue 'trem'; did you mean 'term'?", "names an unknown issue 'bonus'",
        "7 is not an option of 'term'"),
    "python-in-condition.md": error("__import__", "open(", "lambda", "__class__", "eval(", "exec(", "import os"),
    "regex-in-condition.md": error("=~"),
    "deep-condition.md": error("nested too deeply"),
    "control-characters-in-keys.md": error("unknown key", "__import__"),
    # --- hostile content in a valid case ---------------------------------------------------
    "script-in-body.md": builds(
        shows=('<script>alert("body-script")</script>', "<b>raw bold</b>",
               '<a rel="attachment" href="file:///etc/hostname">attach-hostname</a>',
               "<style>body { display: none }</style>", '<svg><image href="file:///etc/hostname"/></svg>'),
        hides=()),
    "script-in-fields.md": builds(
        shows=("<script>alert('title')</script> deal", "<b>Northwind</b> Ltd", "Contoso <i>plc</i>",
               "<script>alert('label')</script>", "<img src=x onerror=alert(1)>", "</style><script>notes</script>"),
        sheet_shows=("<b>Northwind</b> Ltd", "<script>alert('label')</script>", "<img src=x onerror=alert(1)>",
                     "<link rel=attachment href=file:///etc/hostname> intro", "<iframe src=http://127.0.0.1:9/>closing")),
    "file-url-image.md": builds(
        shows=("[image: hostname-image]", "[image: not shown]", "[image: relative-image]",
               "[image: localhost-image]", "[image: encoded-image]", "[image: device-image]",
               "[image: reference-image]")),
    "file-url-link.md": builds(
        shows=("A file-link, a relative-link, a parent-link, an autolink file:///etc/hostname, a js-link",
               "a data-link, a vbs-link",),
        uris=("https://example.org/ok",)),
    "http-image.md": builds(shows=("[image: tracker-pixel]", "[image: remote-image]", "[image: ftp-image]",
                                   "[image: svg-image]")),
    "http-link.md": builds(
        shows=("A local-service-link and http://127.0.0.1:9/autolink and secure-link.",),
        uris=("http://127.0.0.1:9/admin", "http://127.0.0.1:9/autolink", "https://example.org/ok")),
    "svg-in-data-url.md": builds(),
    "jinja-in-title.md": builds(
        shows=("Deal {{ 7 * 7 }} {{ config }} {% include '/etc/passwd' %}",),
        hides=("Deal 49",)),
    "jinja-in-fields-and-body.md": builds(
        shows=("Literal {{ 6 * 7 }} and", "{% for x in range(10**9) %}x{% endfor %}",
               "{# a Jinja comment #} {% raw %} {{ brief }} {% endraw %}",
               "{{ case.parties.them.batna }}", "{{ 3 * 3 }} Inc", "{{ brief.case.body }}",
               "{% if true %}jinja-block{% endif %}", "SECRET-BATNA {{ 1 + 1 }}"),
        sheet_shows=("{{ case.parties.them.batna }}", "{{ 3 * 3 }} Inc", "{{ sheet.our_name }} {{ 5 * 5 }}",
                     "{{ brief.case.body }}", "{% if true %}jinja-block{% endif %}", "{% include 'brief.html' %}"),
        hides=("Literal 42", "9 Inc", "SECRET-BATNA 2", "jinja-block 2 years", "Northwind Ltd 25")),
    # In process: a sound build takes about 1.5 s here, the bug pinned in LONG_WORD_BUG over 300 s.
    "long-unbroken-label.md": builds(shows=("T" * 200, "Supercalifragilistic" * 4)),
    "rtl-and-emoji.md": builds(
        # Arabic and Hebrew in the text; the emoji in the fonts' Unicode maps (see unicode_in_fonts).
        characters="🤝💶🏢👋🙏👔", shows=("تفاوض على السعر", "משא ומתן על המחיר", "شركة الشمال", "חברת קונטוסו")),
    "control-characters-in-body.md": builds(),
    "deep-nesting-in-body.md": error("the body nests quotes, lists or emphasis 1001 levels deep, more than the 60"),
}

CRASH = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b.*$|Fatal Python error"
                   r"|Segmentation fault|MemoryError|RecursionError", re.MULTILINE)
LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<message>\S.*)$")


def params(outcomes: tuple[str, ...]):
    """The corpus entries with one of `outcomes`, each xfail(strict) where a bug is pinned."""
    return [
        pytest.param(name, expect, id=name.removesuffix(".md"),
                     marks=[pytest.mark.xfail(strict=True, reason=expect.bug)] if expect.bug else [])
        for name, expect in CORPUS.items() if expect.outcome in outcomes
    ]


# --- running briefgen ------------------------------------------------------------------------

@dataclass
class Run:
    command: str
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_in_process(*args: str, seconds: float = 60) -> Run:
    """briefgen in this process (fast); an exception escapes and fails the test with its traceback."""
    start = time.perf_counter()
    with time_limit(seconds):
        result = CliRunner().invoke(main, list(args), prog_name="briefgen", catch_exceptions=False)
    return Run(args[0], result.exit_code, result.stdout, result.stderr, time.perf_counter() - start)


MEMORY_LIMIT = 1024 ** 3  # address space: a normal build needs less than 500 MB


def _limits(memory: int, seconds: float):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        cpu = int(seconds) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 ** 2, 64 * 1024 ** 2))
        os.setsid()  # its own process group, so a timeout kills any children too

    return apply


def run_isolated(*args: str, cwd: Path, seconds: float, memory: int = MEMORY_LIMIT) -> Run:
    """The briefgen command in a subprocess with a wall-clock, CPU and memory limit."""
    start = time.perf_counter()
    process = subprocess.Popen([str(BRIEFGEN), *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_limits(memory, seconds), env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    try:
        stdout, stderr = process.communicate(timeout=seconds)
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        timed_out = True
    return Run(args[0], process.returncode, stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace"),
               time.perf_counter() - start, timed_out)


def run(*args: str, cwd: Path, isolate: bool = False, seconds: float = 60) -> Run:
    if isolate:
        return run_isolated(*args, cwd=cwd, seconds=seconds)
    return run_in_process(*args, seconds=seconds)


def place(here: Path, name: str, content: bytes | None = None) -> str:
    """Copy a corpus file (or write `content`) into cases/; return the path as given to briefgen."""
    target = here / "cases" / name
    if content is None:
        shutil.copyfile(HOSTILE / name, target)
    else:
        target.write_bytes(content)
    return f"cases/{name}"


def assert_clean(result: Run, limit: float) -> None:
    """No traceback, no crash, no hang."""
    assert not result.timed_out, f"{result.command}: still running after {limit} s"
    assert result.exit_code in (0, 1), f"{result.command}: exit status {result.exit_code}\n{result.stderr[-3000:]}"
    crash = CRASH.search(result.output)
    assert not crash, f"{result.command}: {crash[0]}\n{result.output[-3000:]}"


def assert_located(result: Run, shown: str, raw: bytes) -> list[str]:
    """Every stderr line is `path:line:column: message`, placed inside the file; return the messages."""
    lines = result.stderr.splitlines()
    assert lines, f"{result.command} printed no problem"
    # Lines an editor may show, the empty one after a final newline included.
    line_count = max(raw.count(b"\n"), len(raw.decode("utf-8", "replace").splitlines())) + 1
    messages = []
    for text in lines:
        match = LOCATED.match(text)
        assert match, f"not 'path:line:column: message': {text!r}"
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", text), f"a control character reaches the terminal: {text!r}"
        assert match["path"] == shown
        assert 1 <= int(match["line"]) <= line_count, text
        assert int(match["column"]) >= 1, text
        messages.append(match["message"])
    return messages


def assert_refused(results: list[Run], shown: str, raw: bytes, here: Path, fragments=(), seconds: float = 60):
    for result in results:
        assert_clean(result, seconds)
        assert result.exit_code == 1, f"{result.command} exit status {result.exit_code}: {result.output[-2000:]}"
        messages = assert_located(result, shown, raw)
        for fragment in fragments:
            assert any(fragment in message for message in messages), f"no message has {fragment!r}: {messages}"
        assert result.stdout == "", f"{result.command} printed {result.stdout!r}"
    assert not (here / "output").exists() or not any((here / "output").iterdir()), "something was written"


# --- the corpus ------------------------------------------------------------------------------

def test_the_table_covers_the_corpus():
    on_disk = {path.name for path in HOSTILE.iterdir()}
    assert on_disk == set(CORPUS), f"in the folder only: {on_disk - set(CORPUS)}; in the table only: {set(CORPUS) - on_disk}"
    for name in on_disk:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.md", name), name
        assert (HOSTILE / name).stat().st_size < 100_000, f"{name}: generate big files at test time"


@pytest.mark.parametrize(("name", "expect"), params((ERROR,)))
def test_bad_case_is_refused_with_located_errors(name, expect, here):
    shown = place(here, name)
    before = snapshot(here)
    with watching() as watch:
        for command in ("check", "build"):  # one at a time: a failed check is not followed by a slow build
            result = run(command, shown, cwd=here, isolate=expect.isolate, seconds=expect.seconds)
            assert_refused([result], shown, (HOSTILE / name).read_bytes(), here, expect.fragments, expect.seconds)
    assert snapshot(here) == before
    assert not watch.network and not watch.secrets and not watch.writes
    assert not (here / "hostile-condition-ran").exists() and not (here / "hostile-yaml-tag-ran").exists()


@pytest.mark.parametrize(("name", "expect"), params((EITHER,)))
def test_odd_case_is_built_or_refused_cleanly(name, expect, here):
    shown = place(here, name)
    raw = (HOSTILE / name).read_bytes()
    check = run("check", shown, cwd=here, isolate=expect.isolate, seconds=expect.seconds)
    assert_clean(check, expect.seconds)
    build = run("build", shown, cwd=here, isolate=expect.isolate, seconds=expect.seconds)
    assert_clean(build, expect.seconds)
    assert check.exit_code == build.exit_code
    if build.exit_code:
        assert_refused([check, build], shown, raw, here)
    else:
        assert check.stderr == "" and build.stderr == ""
        assert (here / "output" / Path(name).stem / "brief.pdf").is_file()


def pdf_reader(path: Path) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(path.read_bytes()))


def squeeze(text: str) -> str:
    """Text without whitespace or soft hyphens, so line breaks in the PDF do not matter."""
    return re.sub(r"[\s\u00ad\u2010]+", "", text)


def link_uris(path: Path) -> list[str]:
    uris = []
    for page in pdf_reader(path).pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A") or {}
            if "/URI" in action:
                uris.append(str(action["/URI"]))
            elif "/F" in action or action.get("/S") in ("/Launch", "/GoToR", "/JavaScript", "/ImportData"):
                uris.append(f"{action.get('/S')} {action}")
    return uris


def embedded_files(path: Path) -> list:
    reader = pdf_reader(path)
    names = reader.trailer["/Root"].get("/Names") or {}
    file_annotations = [a for page in reader.pages for a in (page.get("/Annots") or [])
                        if a.get_object().get("/Subtype") == "/FileAttachment"]
    return [*reader.attachments, *(["/EmbeddedFiles"] if "/EmbeddedFiles" in names else []), *file_annotations]


def unicode_in_fonts(path: Path) -> str:
    """Every character the PDF's fonts map glyphs to (their ToUnicode CMaps).

    Emoji have no glyph in the installed fonts (they print as boxes, with a WeasyPrint
    warning), and pypdf 7 garbles the extracted text of any font that holds such a box (or a
    control character): all of Inter's text then comes out as glyph codes, though poppler's
    pdftotext reads it fine. The fonts' own maps say whether the characters are in the PDF."""
    chars = []
    for page in pdf_reader(path).pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for font in fonts.values():
            cmap = font.get_object().get("/ToUnicode")
            if cmap is None:
                continue
            data = cmap.get_object().get_data().decode("latin-1")
            for hex_text in re.findall(r"<([0-9a-fA-F]+)>\s*(?=\n|<)", data):
                if len(hex_text) % 4 == 0:
                    chars.append(bytes.fromhex(hex_text).decode("utf-16-be", "replace"))
            for hex_text in re.findall(r"> <([0-9a-fA-F]+)>", data):
                chars.append(bytes.fromhex(hex_text).decode("utf-16-be", "replace"))
    return "".join(chars)


@pytest.mark.parametrize(("name", "expect"), params((BUILDS,)))
def test_hostile_content_builds_and_prints_literally(name, expect, here):
    shown = place(here, name)
    before = snapshot(here)
    with watching() as watch:
        for command in ("check", "build"):
            result = run(command, shown, cwd=here, isolate=expect.isolate, seconds=expect.seconds)
            assert_clean(result, expect.seconds)
            assert result.exit_code == 0, f"{result.command}: {result.output[-2000:]}"
            assert result.stderr == ""
    folder = here / "output" / Path(name).stem
    brief, sheet = folder / "brief.pdf", folder / "offer-sheet.pdf"
    assert brief.is_file() and sheet.is_file()
    changed = {path for path, stat in snapshot(here).items() if before.get(path) != stat}
    assert changed and all(path.startswith("output/") for path in changed), changed
    assert not watch.network, f"fetched: {watch.network}"
    assert not watch.secrets, f"read: {watch.secrets}"
    assert all(Path(path).is_relative_to(here / "output") for path in watch.writes), watch.writes

    brief_text, sheet_text = squeeze(pdf_text(brief)), squeeze(pdf_text(sheet))
    for text in expect.shows:
        assert squeeze(text) in brief_text, f"the brief does not show {text!r}"
    for text in expect.sheet_shows:
        assert squeeze(text) in sheet_text, f"the offer sheet does not show {text!r}"
    for text in expect.hides:
        assert squeeze(text) not in brief_text and squeeze(text) not in sheet_text, f"{text!r} is shown"
    for document in (brief, sheet):
        assert sorted(link_uris(document)) == sorted(expect.uris if document == brief else ())
        assert not embedded_files(document), f"{document.name} has attachments"
    mapped = unicode_in_fonts(brief) + unicode_in_fonts(sheet)
    assert not [char for char in expect.characters if char not in mapped]
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else ""
    if len(hostname) >= 8:  # too short a name could occur by chance (test_local_file_canary... covers that)
        assert hostname not in brief_text + sheet_text


# --- more than the corpus shows ----------------------------------------------------------------

def test_local_file_canary_is_never_read_or_embedded(here):
    """A secret next to the case, reached for every way a case can name a file."""
    canary = here / "secret.txt"
    token = "CANARY-" + "%016x" % random.Random(8).getrandbits(64)
    canary.write_text(token)
    url = canary.as_uri()
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg"><image href="{url}" width="9" height="9"/>'
           f'<style>@import url("{url}");</style></svg>')
    body = (f"![canary-image]({url})\n\n[canary-link]({url})\n\n<{url}>\n\n![rel](../secret.txt)\n\n"
            f'<a rel="attachment" href="{url}">x</a> <link rel="attachment" href="{url}">\n\n'
            f"![svg](data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()})\n")
    text = (HOSTILE / "script-in-body.md").read_text().split("\n---\n")[0] + "\n---\n" + body
    shown = place(here, "canary.md", text.encode())
    with watching() as watch:
        assert run_in_process("build", shown).exit_code == 0
    assert str(canary) not in watch.secrets and not any(Path(p) == canary for p in watch.writes)
    for document in (here / "output" / "canary").glob("*.pdf"):
        raw = document.read_bytes()
        assert token.encode() not in raw and token not in pdf_text(document)
        assert not embedded_files(document)
        assert not [uri for uri in link_uris(document) if not uri.startswith(("http:", "https:", "mailto:"))]


def test_network_canary_gets_no_request(here):
    """A local web server named in every way a case can name a URL: it must see no request."""
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        body = (f"![pixel]({base}/pixel.png)\n\n[link]({base}/link)\n\n<{base}/autolink>\n\n"
                f'<img src="{base}/raw.png"> <link rel="stylesheet" href="{base}/style.css">\n')
        text = (HOSTILE / "script-in-body.md").read_text().split("\n---\n")[0] + "\n---\n" + body
        text = text.replace('intro: "Here are three packages."', f'intro: "![intro]({base}/intro.png)"')
        shown = place(here, "network.md", text.encode())
        assert run_in_process("build", shown).exit_code == 0
    finally:
        server.shutdown()
        server.server_close()
    assert requests == []


# --- generated at test time: big, binary, deep ---------------------------------------------------

VALID_HEAD = b'---\ntitle: "Generated"\nparties:\n  us: {name: Northwind Ltd}\n  them: {name: Contoso plc}\n'


def twenty_megabytes() -> bytes:
    line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n\n"
    return VALID_HEAD + b"---\n" + line * (20 * 1024 ** 2 // len(line) + 1)


def test_a_20_mb_case_is_refused_quickly(here):
    shown = place(here, "twenty-megabytes.md", twenty_megabytes())
    check = run_isolated("check", shown, cwd=here, seconds=30)  # reading it all took minutes (FILE_SIZE_BUG)
    assert_refused([check], shown, (here / shown).read_bytes(), here, seconds=30)


def test_a_20_mb_case_is_not_built(here):
    shown = place(here, "twenty-megabytes.md", twenty_megabytes())
    build = run_isolated("build", shown, cwd=here, seconds=30)  # the build ran for 20 minutes (FILE_SIZE_BUG)
    assert_refused([build], shown, (here / shown).read_bytes(), here, seconds=30)


def binary_bytes() -> bytes:
    data = bytearray(random.Random(20261124).randbytes(64 * 1024))
    data[100:110] = b"\x00" * 10
    return bytes(data)


GENERATED = {
    # name: (content, fragments, bug)
    "random-bytes.md": (binary_bytes(), ("is not UTF-8",), None),
    "binary-after-frontmatter.md": (VALID_HEAD + b"---\n" + binary_bytes(), ("is not UTF-8",), None),
    "latin-1.md": (VALID_HEAD.replace(b"Generated", "Café crème".encode("latin-1")) + b"---\n",
                   ("byte 0xe9 is not UTF-8",), None),
    "utf-16.md": ((VALID_HEAD + b"---\n").decode().encode("utf-16"), ("not UTF-8",), None),
    "nul-in-frontmatter.md": (VALID_HEAD + b"tags: [a\x00b]\n---\n", ("#x0000",), None),
    "nested-mappings.md": (VALID_HEAD + b"meso: " + b"{a: " * 300 + b"1" + b"}" * 300 + b"\n---\n", (),
                           None),
    "nested-block-lists.md": (VALID_HEAD + b"tags:\n" + b"".join(b"  " * i + b"-\n" for i in range(1, 400))
                              + b"  " * 400 + b"- x\n---\n", (), None),
    "nested-under-unknown-key.md": (VALID_HEAD + b"extra: " + b"[" * 300 + b"]" * 300 + b"\n---\n", (), None),
    # The frontmatter's mapping and 19 lists: 20 levels, the most allowed.
    "nested-just-allowed.md": (VALID_HEAD + b"tags: " + b"[" * 19 + b"]" * 19 + b"\n---\n",
                               ("tags[1]: expected a text",), None),
    "nested-one-level-too-deep.md": (VALID_HEAD + b"tags: " + b"[" * 20 + b"]" * 20 + b"\n---\n",
                                     ("nested too deeply: more than 20 levels",), None),
    # Check and build agree on what a page can lay out: the loader converts the body as the build does.
    "emphasis-nested-in-body.md": (VALID_HEAD + b"---\n" + b"_" * 200 + b"x" + b"_" * 200 + b"\n",
                                   ("the body nests quotes, lists or emphasis 101 levels deep, more than the 60",), None),
    "lists-nested-in-body.md": (VALID_HEAD + b"---\n" + b"".join(b"    " * i + b"- item\n" for i in range(200)),
                                ("the body nests quotes, lists or emphasis 400 levels deep",), None),
}


@pytest.mark.parametrize("name", [
    pytest.param(name, id=name.removesuffix(".md"),
                 marks=[pytest.mark.xfail(strict=True, reason=bug)] if bug else [])
    for name, (_, _, bug) in GENERATED.items()
])
def test_generated_bad_file_is_refused_with_located_errors(name, here):
    content, fragments, _ = GENERATED[name]
    shown = place(here, name, content)
    for command in ("check", "build"):
        assert_refused([run_in_process(command, shown, seconds=30)], shown, content, here, fragments, 30)


def test_a_folder_named_like_a_case_is_refused(here):
    (here / "cases" / "folder.md").mkdir()
    results = [run_in_process(command) for command in ("check", "build")]
    assert_refused(results, "cases/folder.md", b"", here)


def test_a_device_as_a_case_is_refused(here):
    (here / "cases" / "zero.md").symlink_to("/dev/zero")
    check = run_isolated("check", cwd=here, seconds=30)
    assert_refused([check], "cases/zero.md", b"", here, seconds=30)


def many_issues_case(issues: int, options: int) -> bytes:
    lines = [VALID_HEAD.decode(), "issues:\n"]
    for n in range(issues):
        lines.append(f"  - id: issue{n}\n    options:\n")
        lines += [f"      - {{value: {v}, points: {v}}}\n" for v in range(options)]
    lines.append('constituencies:\n  - {id: board, side: them, power: ratify, requires: ["issue0 <= 1"]}\n')
    return ("".join(lines) + "---\n").encode()


def test_many_issues_build_or_are_refused_cleanly(here):
    shown = place(here, "many-issues.md", many_issues_case(60, 3))
    build = run_isolated("build", shown, cwd=here, seconds=40)
    assert_clean(build, 40)
    if build.exit_code:
        assert_located(build, shown, (here / shown).read_bytes())
    else:
        assert (here / "output" / "many-issues" / "brief.pdf").is_file()
