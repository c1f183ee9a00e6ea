"""Load a case file into an immutable, validated Case.

Reading goes: bytes -> text -> frontmatter split by hand (so line numbers stay
true) -> YAML with positions (ruamel.yaml) -> typed model (pydantic) ->
cross-checks the types cannot express (ids, anchors, conditions, values).
Every problem is collected with its line and column and raised at once.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

from pydantic import ValidationError

from briefgen.case_check import cross_check, known_locale  # noqa: F401 (known_locale re-exported)
# The model is re-exported: other modules import it from briefgen.case.
from briefgen.case_model import Case, Constituency, Issue, Option, Package, Round, package_label  # noqa: F401
from briefgen.errors import CaseError, Problem
from briefgen.source import Locator, decode, key_lines, kind, parse_yaml

# Limits on a case file's size.
MAX_CASE_BYTES = 1_000_000
# A real frontmatter is under 10 KB, a real body under 5 KB. The brief prints nearly all
# of both, and layout takes time by the page: at these sizes it stays within seconds
# (199 constituencies in 225 KB of frontmatter took 36 s; benchmarks/bench_limits.py).
MAX_FRONTMATTER_BYTES = 64_000
MAX_BODY_BYTES = 100_000

# Fields a case file may set; the loader fills in the rest.
FILE_FIELDS = [name for name, field in Case.model_fields.items() if not field.exclude]
LOADER_FIELDS = [name for name in Case.model_fields if name not in FILE_FIELDS]


def load_case(path: str | Path, locale: str | None = None) -> Case:
    """Read and validate one case file; raise CaseError with every problem in it.

    `locale` (the project's) is the brief's and the write-up's, and the offer
    sheet's where the case's offer_sheet sets none.
    """
    path = Path(path)
    shown = str(path)
    try:
        if path.exists() and not path.is_file():  # a device, a FIFO, a folder: never read those
            raise CaseError([Problem(shown, 1, 1, "not a regular file; a case is a Markdown file")])
        with path.open("rb") as file:
            raw = file.read(MAX_CASE_BYTES + 1)
    except OSError as error:
        raise CaseError([Problem(shown, 1, 1, f"cannot read the file: {error.strerror}")]) from None
    if len(raw) > MAX_CASE_BYTES:
        raise CaseError([Problem(shown, 1, 1, (
            f"the file is larger than {MAX_CASE_BYTES // 1_000_000} MB, the most a case file may be; "
            "keep long material outside the case and refer to it"))])
    return parse_case(raw, shown, case_id_for(path), locale)


def case_id_for(path: Path) -> str:
    """The case id, and its output folder's name: the file name without .md, exactly as written.

    Only the Unicode form is made canonical (NFC), so that the same name typed on
    two systems is one id. A name that would make a hidden or a parent folder
    (starting with a dot) is refused, saying what to do.
    """
    case_id = unicodedata.normalize("NFC", path.stem)
    if case_id.startswith(".") or any(unicodedata.category(c) == "Cc" for c in case_id):
        raise CaseError([Problem(str(path), 1, 1, (
            "the file name makes no case id: it starts with a dot or holds a control character; "
            "rename the file, e.g. to office-lease.md"))])
    return case_id


def parse_case(raw: bytes, path: str, case_id: str, locale: str | None = None) -> Case:
    from briefgen.agreement import problems as agreement_problems  # it imports the model from here

    text = decode(raw, path)
    frontmatter, body, body_line = _split(text, path)
    _check_limits(frontmatter, body, body_line, path)
    tree = parse_yaml(frontmatter, path)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in body):
        raise CaseError([Problem(path, body_line, 1, "the body contains an unpaired surrogate character; save it as valid UTF-8 text")])
    if tree is None:
        raise CaseError([Problem(path, 1, 1, "the frontmatter is empty; it needs at least a title and parties")])
    if not isinstance(tree, dict):
        raise CaseError(
            [Problem(path, 2, 1, f"the frontmatter is {kind(tree)}; it must be keys and values, like 'title: ...'")]
        )
    where = Locator(tree, path, Case)
    # Keys the loader fills in may not come from the file: report them as unknown.
    problems = [where.pydantic({"type": "extra_forbidden", "loc": (key,), "msg": ""})
                for key in tree if key in LOADER_FIELDS]
    fields = {key: value for key, value in tree.items() if key not in LOADER_FIELDS}
    case = None
    try:
        case = Case.model_validate(
            {**fields, "id": case_id, "path": path, "body": body, "body_line": body_line,
             "source_lines": key_lines(tree)}
        )
    except ValidationError as error:
        errors = error.errors()
        # A misspelt key is one mistake: report the typo, not also the key it lacks.
        typos = {(e["loc"][:-1], where.suggestion(e["loc"])) for e in errors if e["type"] == "extra_forbidden"}
        problems += [where.pydantic(e) for e in errors
                     if not (e["type"] == "missing" and (e["loc"][:-1], e["loc"][-1]) in typos)]
        case, renumbered = _salvage(tree, error, case_id, path)
        where = where.with_renumbering(renumbered)
    if case is not None:
        problems += cross_check(case, where)
        problems += agreement_problems(case, where, frontmatter)
    if problems:
        raise CaseError(problems)
    if locale:
        sheet = case.offer_sheet if case.line_of("offer_sheet.locale") else case.offer_sheet.model_copy(update={"locale": locale})
        case = case.model_copy(update={"locale": locale, "offer_sheet": sheet})
    return case


def _check_limits(frontmatter: str, body: str, body_line: int, path: str) -> None:
    """Limits far above any real case, below what makes parsing or layout crawl or crash."""
    if len(frontmatter.encode()) > MAX_FRONTMATTER_BYTES:
        raise CaseError([Problem(path, 1, 1, (
            f"the frontmatter is larger than {MAX_FRONTMATTER_BYTES // 1000} KB, the most it may be; "
            "keep long material in the body or outside the case"))])
    if len(body.encode()) > MAX_BODY_BYTES:
        raise CaseError([Problem(path, body_line, 1, (
            f"the body is larger than {MAX_BODY_BYTES // 1000} KB, the most it may be; "
            "keep long material outside the case and refer to it"))])
    from briefgen.body import too_deep

    if trouble := too_deep(body):
        raise CaseError([Problem(path, body_line, 1, trouble)])


def _split(text: str, path: str) -> tuple[str, str, int]:
    """Frontmatter (with the opening line blanked, so YAML lines match file lines) and body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        raise CaseError(
            [Problem(path, 1, 1, "no frontmatter: a case file starts with a line '---', then YAML, then a line '---'")]
        )
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in ("---", "..."):
            frontmatter = "\n" + "".join(lines[1:number])
            return frontmatter, "".join(lines[number + 1 :]), number + 2
    raise CaseError(
        [Problem(path, 1, 1, "the frontmatter opened on this line is never closed; add a line '---' after the YAML")]
    )


def _salvage(tree, error: ValidationError, case_id: str, path: str):
    """The case without its broken parts, so cross-checks still run on the rest.

    Returns the salvaged Case (or None) and, for the list sections, the original
    index of each item kept.
    """
    broken_items: dict[str, set[int]] = {"issues": set(), "constituencies": set()}
    broken_sections = set()
    for e in error.errors():
        loc = e["loc"]
        if loc and loc[0] in broken_items and len(loc) > 1 and isinstance(loc[1], int):
            broken_items[loc[0]].add(loc[1])
        elif loc:
            broken_sections.add(loc[0])
    salvaged = {key: value for key, value in tree.items() if key not in broken_sections and key not in LOADER_FIELDS}
    salvaged.setdefault("title", "")
    salvaged.setdefault("parties", {"us": {"name": ""}, "them": {"name": ""}})
    renumbered = {}
    for section, broken in broken_items.items():
        if isinstance(tree.get(section), list) and section not in broken_sections:
            kept = [i for i in range(len(tree[section])) if i not in broken]
            salvaged[section] = [tree[section][i] for i in kept]
            renumbered[section] = kept
    try:
        case = Case.model_validate({**salvaged, "id": case_id, "path": path})
    except ValidationError:
        return None, {}
    return case, renumbered
