"""Property-based hostile input (issue 8): generated and mutated case files.

(a) generated cases, structurally valid-ish (random issues, options, points including NaN and
    infinities, constituencies with conditions made of random tokens) go to `parse_case`;
(b) the example cases in `cases/*.md`, mutated byte- and line-wise, go to `parse_case`;
(c) generated valid cases, with hostile text and file names, go through the whole build.

The loader either returns a Case or raises CaseError whose problems each have a line and a
column of at least 1 (and within the file), and a one-line message: never another exception,
never a hang. A build raises nothing and writes nothing outside its output folder.

Runs are reproducible: `derandomize=True` and no example database.
"""
from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.build import build, project_rules
from briefgen.case import Case, parse_case
from briefgen.errors import CaseError
from conftest import EXAMPLE_CASES, snapshot, time_limit, watching

EXAMPLES = EXAMPLE_CASES

LOADER = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BUILDS = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# A known bug, pinned in test_hostile.py (control-character-in-yaml, nul-in-frontmatter): ruamel's
# ReaderError for a control character comes out on two lines. Allowed here so that the fuzzers
# look for other bugs; everything else about the problem is still checked.
KNOWN_TWO_LINE_MESSAGE = "YAML: unacceptable character #x"


def line_count(raw: bytes) -> int:
    """Lines an editor may show: counted by newlines or by every Unicode line break (a lone
    carriage return, U+2028...), whichever is more, plus the empty line after a final newline."""
    return max(raw.count(b"\n"), len(raw.decode("utf-8", "replace").splitlines())) + 1


def assert_loads_or_located(raw: bytes, path: str = "cases/generated.md") -> Case | None:
    """The loader's contract: a Case, or CaseError with located one-line problems."""
    try:
        with time_limit(20):
            return parse_case(raw, path, "generated")
    except CaseError as error:
        assert error.problems, "CaseError without problems"
        for problem in error.problems:
            assert problem.path == path
            assert isinstance(problem.line, int) and 1 <= problem.line <= line_count(raw), problem
            assert isinstance(problem.column, int) and problem.column >= 1, problem
            assert problem.message.strip(), problem
            if not problem.message.startswith(KNOWN_TWO_LINE_MESSAGE):
                assert "\n" not in problem.message, f"a message on more than one line: {problem}"
        return None


# --- YAML out of Python values -------------------------------------------------------------------

def dump_yaml(data: dict, flow: bool) -> str:
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.width = 4096
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def case_file(data: dict, body: str, flow: bool) -> bytes:
    return ("---\n" + dump_yaml(data, flow) + "---\n" + body).encode("utf-8")


# --- (a) generated cases, valid-ish -----------------------------------------------------------

def mostly(good, bad, odds: int = 24):
    """`good`, and `bad` about once in `odds` (shrinking towards good): a case has dozens of
    fields, so most generated cases stay valid enough to reach the deeper checks."""
    return st.integers(0, odds - 1).flatmap(lambda n: bad if n == odds - 1 else good)


SLUG = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True)
IDS = mostly(SLUG, st.one_of(st.text(max_size=12), st.integers(-5, 5), st.none()))
NUMBERS = st.one_of(
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.sampled_from([0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 10**20, 10**400]),
)
POINTS = mostly(st.floats(0, 100), NUMBERS)
SCALARS = st.one_of(NUMBERS, st.text(max_size=20), st.booleans(), st.none())
VALUES = mostly(st.one_of(st.integers(-5, 20), st.sampled_from(["a", "b", "Lyon", "Paris"])),
                st.one_of(NUMBERS, st.text(max_size=12), st.booleans(), st.lists(st.integers(), max_size=2)))
TEXT = mostly(st.text(max_size=40), SCALARS)
JUNK = st.dictionaries(st.text(min_size=1, max_size=8), SCALARS, min_size=1, max_size=2)


def maybe(required: dict, optional: dict | None = None):
    """A mapping of the required keys (and some optional ones), now and then with an unknown
    key, a required key missing, or no mapping at all."""
    whole = st.fixed_dictionaries(required, optional=optional or {})
    return mostly(whole, st.one_of(
        st.builds(lambda d, junk: {**d, **junk}, whole, JUNK),
        st.fixed_dictionaries({}, optional={**required, **(optional or {})}),
        SCALARS))


BAD_VALUES = st.one_of(NUMBERS, st.text(max_size=12), st.booleans(), st.lists(st.integers(), max_size=2), st.none())
UNITS = st.sampled_from(["USD", "EUR", "days", "", "XXX", "%"])


@st.composite
def issues(draw) -> dict:
    """A discrete issue (options of one kind of value) or a range issue, each part now and then wrong."""
    if draw(st.booleans()):
        kind = draw(st.sampled_from([st.integers(-5, 50), st.floats(-10, 10, allow_nan=False),
                                     st.sampled_from(["a", "b", "c", "Lyon", "Paris", "two words", "ü"])]))
        values = draw(st.lists(mostly(kind, BAD_VALUES), min_size=1, max_size=5, unique_by=repr))
        options = [draw(maybe({"value": st.just(value), "points": POINTS}, {"label": TEXT, "their_points": POINTS}))
                   for value in values]
        return draw(maybe({"id": IDS, "options": mostly(st.just(options), st.lists(SCALARS, max_size=2))},
                          {"label": TEXT, "unit": UNITS}))
    low = draw(st.integers(-100, 100))
    high = draw(mostly(st.integers(low + 1, low + 200), NUMBERS))
    anchors = mostly(st.fixed_dictionaries({low: POINTS, high: POINTS}), ANCHORS)
    return draw(maybe({"id": IDS, "range": maybe({"min": st.just(low), "max": st.just(high)},
                                                 {"step": mostly(st.sampled_from([1, 5, 0.5, 7]), NUMBERS)}),
                       "points": anchors},
                      {"their_points": anchors, "label": TEXT, "unit": UNITS}))


ANCHORS = st.dictionaries(mostly(st.integers(0, 100), NUMBERS), POINTS, max_size=4)
ISSUE = issues()
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or", "not", "(", ")", "[", "]", ",",
             "=~", "!~", "$", "?", ":", "__class__", "import", "lambda", ";", "if", "else", "null", "true",
             "0x1F", "1e400", "'text'", '"Lyon"', "d'2026-01-01'", "#", "\\", "{", "}", "..", "&", "|", "*", "**"]


def values_of(issue) -> list:
    """The values a generated issue can take (empty where it is too broken to say)."""
    if not isinstance(issue, dict):
        return []
    if isinstance(issue.get("options"), list):
        return [o["value"] for o in issue["options"] if isinstance(o, dict) and "value" in o]
    bounds = issue.get("range")
    if isinstance(bounds, dict) and isinstance(bounds.get("min"), int) and isinstance(bounds.get("max"), int):
        return [bounds["min"], bounds["max"], (bounds["min"] + bounds["max"]) // 2]
    return []


def literal(value) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' if isinstance(value, str) else repr(value)


def conditions(domains: dict[str, list]):
    """`requires` lists: mostly comparisons of real issues with their own values, sometimes random tokens."""
    ids = st.sampled_from(sorted(domains) or ["x"])
    token = st.one_of(st.sampled_from(OPERATORS), ids, ids, st.integers(-3, 300).map(str),
                      st.floats(allow_nan=False).map(repr), st.text(max_size=5))
    random_tokens = st.lists(token, min_size=1, max_size=8).map(" ".join)
    known = [(issue, value) for issue, values in domains.items() for value in values]
    pair = st.sampled_from(known) if known else st.tuples(ids, st.integers(-2, 20))
    comparison = st.one_of(
        st.tuples(pair, st.sampled_from(["==", "!=", "<", "<=", ">", ">="])).map(
            lambda t: f"{t[0][0]} {t[1]} {literal(t[0][1])}"),
        st.lists(pair, min_size=1, max_size=3).map(
            lambda pairs: f"{pairs[0][0]} in [{', '.join(literal(v) for _, v in pairs)}]"))
    shaped = st.lists(comparison, min_size=1, max_size=3).flatmap(
        lambda parts: st.sampled_from([" and ", " or "]).map(lambda joiner: joiner.join(parts)))
    return st.lists(mostly(st.one_of(shaped, shaped.map(lambda text: f"not ({text})")),
                           st.one_of(random_tokens, SCALARS), odds=6), max_size=4)


def packages(domains: dict[str, list]):
    """Packages (issue -> value): mostly complete and valid, sometimes anything."""
    valid = st.fixed_dictionaries({issue: st.sampled_from(values) for issue, values in domains.items() if values})
    anything = st.dictionaries(st.one_of(st.sampled_from(sorted(domains) or ["x"]), st.text(max_size=6)), VALUES, max_size=4)
    return mostly(valid, anything, odds=6)


@st.composite
def valid_ish_cases(draw) -> dict:
    issues = draw(st.lists(ISSUE, max_size=5, unique_by=lambda issue: repr(issue.get("id") if isinstance(issue, dict) else issue)))
    domains = {issue["id"]: values_of(issue) for issue in issues if isinstance(issue, dict) and isinstance(issue.get("id"), str)}
    ids = sorted(domains)
    constituency = maybe(
        {"id": IDS, "side": mostly(st.sampled_from(["us", "them"]), st.sampled_from(["US", "", "both", 1]))},
        {"name": TEXT, "requires": conditions(domains),
         "power": mostly(st.sampled_from(["ratify", "veto", "implement", "influence", "none"]), SCALARS),
         "stance": mostly(st.sampled_from(["champion", "supportive", "neutral", "skeptical", "opposed", "unknown"]), SCALARS),
         "interests": st.lists(TEXT, max_size=2), "audience": mostly(st.booleans(), SCALARS),
         "influenced_by": st.lists(TEXT, max_size=2), "notes": TEXT})
    package = packages(domains)
    data = draw(st.fixed_dictionaries(
        {"title": TEXT, "parties": maybe({"us": maybe({"name": TEXT}, {"negotiator": TEXT, "batna": TEXT}),
                                          "them": maybe({"name": TEXT}, {"negotiator": TEXT,
                                                                         "interests": st.lists(TEXT, max_size=2)})}),
         "issues": st.just(issues)},
        optional={
            "format": mostly(st.just(1), st.sampled_from([2, "1", None])),
            "date": mostly(st.just("2026-11-20"), st.sampled_from(["2026-13-45", "yesterday", 20261120])),
            "status": mostly(st.sampled_from(["preparing", "agreed"]), st.sampled_from(["lost", 1])),
            "tags": st.one_of(st.lists(TEXT, max_size=3), TEXT),
            "targets": maybe({}, {"reservation": POINTS, "aspiration": POINTS}),
            "constituencies": st.lists(constituency, max_size=4),
            "meso": maybe({}, {"packages": mostly(st.integers(2, 5), SCALARS), "tolerance": POINTS,
                               "lead_with": st.lists(mostly(st.sampled_from(ids or ["x"]), TEXT), max_size=3, unique_by=repr),
                               "hold": mostly(st.just({}), package), "offers": st.lists(package, max_size=3)}),
            "offer_sheet": maybe({}, {"to": TEXT, "from": TEXT,
                                      "valid_until": mostly(st.just("2026-12-05"), st.sampled_from(["soon", 5])),
                                      "intro": TEXT, "closing": TEXT,
                                      "locale": mostly(st.sampled_from(["en_US", "de_DE", "fr_FR"]),
                                                       st.sampled_from(["fr", "xx_YY", "", "en-US", "../../etc"]))}),
            "rounds": st.lists(maybe({}, {"offered": st.lists(package, max_size=2),
                                          "chose": mostly(st.just("A"), st.sampled_from(["B", "Z", "a"])),
                                          "counter": package, "note": TEXT,
                                          "date": mostly(st.just("2026-11-25"), st.just("x"))}), max_size=2),
            "outcome": maybe({}, {"agreed": package, "summary": TEXT,
                                  "date": mostly(st.just("2026-12-03"), st.just(3))}),
        }))
    if draw(st.integers(0, 9)) == 9:
        data.update(draw(JUNK))
    return data


@LOADER
@given(valid_ish_cases(), st.text(max_size=200), st.booleans())
def test_generated_cases_load_or_are_refused_with_located_errors(data, body, flow):
    assert_loads_or_located(case_file(data, body, flow))


# --- (b) the examples, mutated ------------------------------------------------------------------

def mutate(raw: bytes, operations: list[tuple]) -> bytes:
    for operation in operations:
        lines = raw.splitlines(keepends=True) or [b""]
        kind, a, b, data = operation
        i, j = a % len(lines), b % len(lines)
        if kind == "delete line":
            del lines[i]
        elif kind == "duplicate line":
            lines.insert(i, lines[i])
        elif kind == "swap lines":
            lines[i], lines[j] = lines[j], lines[i]
        elif kind == "insert text":
            position = a % (len(raw) + 1)
            raw = raw[:position] + data + raw[position:]
            continue
        elif kind == "replace byte":
            position = a % max(1, len(raw))
            raw = raw[:position] + data[:1] + raw[position + 1:]
            continue
        elif kind == "truncate":
            raw = raw[: a % (len(raw) + 1)]
            continue
        elif kind == "indent line":
            lines[i] = b" " * (b % 5 + 1) + lines[i]
        elif kind == "dedent line":
            lines[i] = lines[i].lstrip(b" ")
        raw = b"".join(lines)
    return raw


INSERTS = st.one_of(
    st.text(max_size=8).map(lambda text: text.encode("utf-8")),
    st.binary(max_size=4),
    st.sampled_from([b"---\n", b"\n---\n", b": ", b"- ", b"&a ", b"*a", b"!!python/object:os.system ", b"{", b"[",
                     b'"', b"'", b"\t", b"#", b"\xef\xbb\xbf", b"\xff", b"\x00", b"\r", b"\r\n", b".nan", b"-.inf",
                     b"<<: ", b"? ", b"|", b">", b"%YAML 1.1\n", b"...\n", b"\\u0000", b"\xe2\x80\xa8"]),
)
OPERATION = st.tuples(
    st.sampled_from(["delete line", "duplicate line", "swap lines", "insert text", "replace byte", "truncate",
                     "indent line", "dedent line"]),
    st.integers(0, 10**6), st.integers(0, 10**6), INSERTS)


@LOADER
@given(st.sampled_from(EXAMPLES), st.lists(OPERATION, min_size=1, max_size=4))
def test_mutated_examples_load_or_are_refused_with_located_errors(example, operations):
    assert_loads_or_located(mutate(example.read_bytes(), operations))


def test_the_examples_load_unmutated():
    assert EXAMPLES, "no cases/*.md to mutate"
    for example in EXAMPLES:
        assert isinstance(assert_loads_or_located(example.read_bytes()), Case), example


# --- (c) whole builds of generated valid cases -----------------------------------------------------

HOSTILE_WORDS = ["<script>alert(1)</script>", "{{ 7 * 7 }}", "{% include 'x' %}", "![i](file:///etc/hostname)",
                 "[l](file:///etc/passwd)", "<a rel=attachment href=file:///etc/hostname>a</a>", "صفقة", "עסקה",
                 "🤝", "\u202e", "&amp;", "**bold**", "`code`", "| a | b |", "# Heading", "> quote", "- item", "\\",
                 "Ünïcödé", "${HOME}", "%s", "../..", "url(file:///etc/hostname)"]
WORDS = st.one_of(st.sampled_from(HOSTILE_WORDS), st.text(max_size=12),
                  st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True))
SHORT_TEXT = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
# File names a case may have: the case id (its output folder) is made from the name.
FILE_NAMES = st.one_of(
    st.text(st.characters(blacklist_characters="/\x00", blacklist_categories=("Cs",)), min_size=1, max_size=30),
    st.sampled_from(["..", ".", "...", "-", " ", "CON", "output", "..%2f..%2fetc", "a.md", ".hidden", "UPPER"]),
).filter(lambda name: len((name + ".md").encode("utf-8")) <= 200)


@st.composite
def valid_cases(draw) -> tuple[dict, str]:
    issues = []
    for n in range(draw(st.integers(0, 4))):
        issue = {"id": f"issue_{n}", "label": draw(SHORT_TEXT)}
        if draw(st.booleans()):
            values = draw(st.lists(st.one_of(st.integers(-100, 10_000), st.from_regex(r"[A-Za-z][A-Za-z ]{0,9}", fullmatch=True)),
                                   min_size=1, max_size=5, unique=True))
            if any(isinstance(v, str) for v in values) and any(not isinstance(v, str) for v in values):
                values = [str(v) for v in values]
                values = list(dict.fromkeys(values))
            issue["options"] = [{"value": value, "label": draw(SHORT_TEXT), "points": draw(st.floats(0, 100)),
                                 **({"their_points": draw(st.floats(0, 100))} if draw(st.booleans()) else {})}
                                for value in values]
        else:
            low = draw(st.integers(-1000, 1000))
            high = low + draw(st.integers(1, 1000))
            issue["range"] = {"min": low, "max": high, "step": draw(st.sampled_from([1, (high - low) / 4, high - low]))}
            issue["points"] = {low: draw(st.floats(0, 100)), high: draw(st.floats(0, 100))}
            issue["unit"] = draw(st.sampled_from(["USD", "EUR", "days", "%"]))
        issues.append(issue)
    constituencies = []
    for n in range(draw(st.integers(0, 3))):
        requires = []
        for issue in issues:
            if draw(st.integers(0, 3)) == 0:
                if "options" in issue:
                    value = issue["options"][0]["value"]
                    requires.append(f"{issue['id']} == {value!r}" if isinstance(value, str) else f"{issue['id']} >= {value}")
                else:
                    requires.append(f"{issue['id']} <= {issue['range']['max']}")
        constituencies.append({
            "id": f"group_{n}", "name": draw(SHORT_TEXT), "side": draw(st.sampled_from(["us", "them"])),
            "power": draw(st.sampled_from(["ratify", "veto", "implement", "influence", "none"])),
            "stance": draw(st.sampled_from(["champion", "supportive", "neutral", "skeptical", "opposed", "unknown"])),
            "requires": requires, "interests": draw(st.lists(SHORT_TEXT, max_size=2)),
            "concerns": draw(st.lists(SHORT_TEXT, max_size=2)), "notes": draw(SHORT_TEXT)})
    data = {
        "title": draw(SHORT_TEXT),
        "parties": {"us": {"name": draw(SHORT_TEXT), "batna": draw(SHORT_TEXT)},
                    "them": {"name": draw(SHORT_TEXT), "negotiator": draw(SHORT_TEXT)}},
        "issues": issues,
        "constituencies": constituencies,
        "offer_sheet": {"intro": draw(SHORT_TEXT), "closing": draw(SHORT_TEXT),
                        "locale": draw(st.sampled_from(["en_US", "de_DE", "fr_FR", "ar_EG", "he_IL", "ja_JP"]))},
    }
    if draw(st.booleans()):
        data["targets"] = {"reservation": draw(st.floats(0, 20))}
    body = "\n\n".join(draw(st.lists(SHORT_TEXT, max_size=6)))
    return data, body


@BUILDS
@given(valid_cases(), FILE_NAMES, st.booleans())
def test_generated_cases_build_and_write_only_under_output(case, name, flow):
    data, body = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "cases").mkdir()
        path = root / "cases" / f"{name}.md"
        path.write_bytes(case_file(data, body, flow))
        output = root / "output"
        rules = project_rules(root)
        before = snapshot(root)
        with watching() as watch, time_limit(60):
            results = list(build([path], output, rules))
        changed = {file for file, stat in snapshot(root).items() if before.get(file) != stat}
        assert len(results) == 1
        result = results[0]
        if result.problems:  # valid by construction, but a generated case may still miss a target
            assert not changed
            assert all(p.line >= 1 and p.column >= 1 and p.message and "\n" not in p.message for p in result.problems)
        else:
            assert result.written and all(Path(file).is_file() for file in result.written)
            assert all(Path(file).resolve().is_relative_to(output.resolve()) for file in result.written)
        assert all(file.startswith("output" + os.sep) for file in changed), changed
        assert all(Path(file).resolve().is_relative_to(output.resolve()) for file in watch.writes), watch.writes
