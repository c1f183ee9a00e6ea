"""Reading YAML sources (case files, rule files) so that every problem has a place.

ruamel.yaml keeps the line and column of every key and item; pydantic
validates; the Locator turns pydantic's error paths back into positions in
the file and into messages in the file's own terms, with did-you-mean hints.
"""
from __future__ import annotations

import codecs
import difflib
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from briefgen.errors import CaseError, Problem


def decode(raw: bytes, path: str) -> str:
    raw = raw.removeprefix(codecs.BOM_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        line = raw[:line_start].count(b"\n") + 1
        column = len(raw[line_start : error.start].decode("utf-8", errors="replace")) + 1
        raise CaseError(
            [Problem(path, line, column, f"byte 0x{raw[error.start]:02x} is not UTF-8 text; save the file as UTF-8")]
        ) from None


def parse_yaml(text: str, path: str):
    """YAML 1.2 with positions on every key and item; dates are left as text."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    yaml = YAML(typ="rt")
    yaml.Constructor = _dates_as_text()
    try:
        _check_shape(yaml, text, path)
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        what = (error.problem or error.context or "invalid YAML").split("\n")[0]
        if plain := _in_plain_words(text, mark, what):
            what = plain
        elif "duplicate key" in what:
            what = re.sub(r' with value ".*', "", what) + "; each key may appear once"
        elif error.context and error.context_mark and ("end of stream" in what or "<stream end>" in what):
            # Something opened was never closed: point at where it opened.
            mark = error.context_mark
            opened = next((name for key, name in UNCLOSED.items() if key in error.context), "this")
            what = f"{opened} starts here and is never closed"
        elif error.context and error.context_mark and error.context_mark.line != mark.line:
            opened = error.context_mark
            what += f" {error.context} that starts on line {opened.line + 1}, column {opened.column + 1}"
        raise CaseError([Problem(path, mark.line + 1, mark.column + 1, f"YAML: {what}")]) from None
    except YAMLError as error:  # e.g. a reader error: a character YAML does not allow
        position = getattr(error, "position", None)
        line, column = (_line_column(text, position) if isinstance(position, int) else (2, 1))
        raise CaseError([Problem(path, line, column, f"YAML: {str(error).splitlines()[0]}")]) from None
    except ValueError as error:
        raise CaseError([Problem(path, 2, 1, f"YAML: a value cannot be read ({error})")]) from None
    _check_plain(tree, path)
    return tree


def _in_plain_words(text: str, mark, what: str) -> str | None:
    """The parser's jargon for the commonest slips of indentation, as what to do instead."""
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    indent = len(line) - len(line.lstrip(" "))
    if "'\\t'" in what:
        return "a tab: YAML indents with spaces only; replace the tab with spaces"
    levels = _open_levels(lines[:mark.line], indent)
    if "expected <block end>" in what and levels:
        above = [(column, number) for column, number in levels if column > indent]
        below = [(column, number) for column, number in levels if column < indent]
        options = [f"{column}, as on line {number}" for column, number in (above[-1:] + below[:1])]
        return (f"this line is indented {_spaces(indent)}, which lines up with no key above it; "
                f"indent it by {', or by '.join(options)}")
    if what == "mapping values are not allowed here" and levels and indent > levels[0][0] \
            and re.fullmatch(r"\s*[\w-]+", line[:mark.column]):
        column, number = levels[0]
        return (f"this line is indented {_spaces(indent)}, further than the keys above it, so YAML reads it as part "
                f"of line {number}'s value; indent it by {column}, as on line {number}")
    if what == "mapping values are not allowed here":
        return "a ': ' inside a value; put the whole value in quotes, like title: \"Deal: phase 2\""
    return None


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _open_levels(lines: list[str], indent: int) -> list[tuple[int, int]]:
    """The columns where keys start on the lines above (nearest first), with the line of each:
    the indentations the next line may line up with."""
    levels: list[tuple[int, int]] = []
    deepest = None
    for number in range(len(lines), 0, -1):
        content = lines[number - 1].split(" #")[0].rstrip()
        if not content.strip() or content.lstrip().startswith("#"):
            continue
        column = len(content) - len(content.lstrip(" -"))  # keys of a list item start after its dash
        if deepest is None or column < deepest:
            levels.append((column, number))
            deepest = column
        if column == 0:
            break
    return levels


MAX_DEPTH = 20  # levels of nesting; a case file uses about five
MAX_DIGITS = 100  # digits in a whole number; Python refuses to read more than 4,300
MAX_ENTRIES = 1_002  # entries in one list or mapping: the points of a range issue's 1,000 values, and a little


def _check_shape(yaml, text: str, path: str) -> None:
    """Nesting depth and number sizes, checked on the parser's events before
    anything is built: deeper nesting would exhaust the stack, and a huge number
    Python's limit on integers, both reported far from the mistake."""
    from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, MappingStartEvent, ScalarEvent

    open_collections = []  # for each: [is a mapping, its current key or index, a key comes next, entries so far]
    for event in yaml.parse(text):
        mark = event.start_mark
        if isinstance(event, ScalarEvent) and open_collections and open_collections[-1][0] and open_collections[-1][2]:
            open_collections[-1][1:3] = [event.value, False]  # a key
            continue
        if isinstance(event, CollectionStartEvent):
            if len(open_collections) == MAX_DEPTH:
                raise CaseError([Problem(path, mark.line + 1, mark.column + 1, (
                    f"YAML: nested too deeply: more than {MAX_DEPTH} levels; a case file nests a few levels, not dozens"))])
            open_collections.append([isinstance(event, MappingStartEvent), 0, True, 0])
            continue
        digits = sum(c.isdigit() for c in event.value) if isinstance(event, ScalarEvent) and event.style is None else 0
        if digits > MAX_DIGITS and re.fullmatch(r"[-+]?[0-9][0-9_]*", event.value):
            where = ".".join(str(c[1]) for c in open_collections) or "the value"
            raise CaseError([Problem(path, mark.line + 1, mark.column + 1, (
                f"{where}: a number with {digits:,} digits; numbers in a case have at most {MAX_DIGITS} digits"))])
        if isinstance(event, CollectionEndEvent):
            open_collections.pop()
        if isinstance(event, (ScalarEvent, AliasEvent, CollectionEndEvent)) and open_collections:
            current = open_collections[-1]
            if current[0]:
                current[2] = True  # the value is done: a key comes next
            else:
                current[1] += 1
            current[3] += 1
            if current[3] > MAX_ENTRIES:  # refused while parsing: 20,000 tags took a minute to parse, then to refuse
                where = ".".join(str(c[1]) for c in open_collections[:-1]) or "the frontmatter"
                raise CaseError([Problem(path, mark.line + 1, mark.column + 1, (
                    f"{where}: more than {MAX_ENTRIES:,} entries; no list or mapping in a case file needs as many "
                    "(see the README's limits)"))])


def _line_column(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1


def _check_plain(tree, path: str) -> None:
    """Refuse what a case file never needs and an attacker might use: aliases
    (a "billion laughs" expands exponentially), tags other than YAML's own,
    and unpaired surrogates that no PDF can encode. The walk visits each
    node once, so even a bomb costs little to detect."""
    seen: set[int] = set()
    stack = [(tree, None)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, (dict, list)):
            if id(node) in seen:
                raise CaseError([Problem(path, (where or 0) + 1, 1, "YAML aliases (*name) and merge keys (<<) are not allowed in a case file; write the value out")])
            seen.add(id(node))
            tag = getattr(getattr(node, "tag", None), "value", None)
            if tag and not tag.startswith("tag:yaml.org,2002:"):
                raise CaseError([Problem(path, (where or 0) + 1, 1, f"YAML tag {tag} is not allowed in a case file")])
            if getattr(node, "merge", None):
                raise CaseError([Problem(path, node.lc.line + 1, 1, "YAML aliases (*name) and merge keys (<<) are not allowed in a case file; write the value out")])
            items = node.items() if isinstance(node, dict) else enumerate(node)
            for key, value in items:
                stack.append((value, node.lc.line if node.lc.line is not None else where))
        elif isinstance(node, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in node):
            raise CaseError([Problem(path, (where or 0) + 1, 1, "a text contains an unpaired surrogate character (such as \\ud800); remove it")])
        elif not isinstance(node, (str, int, float, bool, type(None))) and not hasattr(node, "isoformat"):
            raise CaseError([Problem(path, (where or 0) + 1, 1, f"YAML value of type {type(node).__name__} is not allowed in a case file")])


UNCLOSED = {"quoted scalar": "a quoted text", "flow sequence": "a [...] list", "flow mapping": "a {...} mapping"}


def _dates_as_text():
    from ruamel.yaml.constructor import RoundTripConstructor

    class DatesAsText(RoundTripConstructor):
        """Leaves dates as text for pydantic to read: an impossible date such as
        2026-13-45 then becomes a located problem instead of a crash."""

    DatesAsText.add_constructor("tag:yaml.org,2002:timestamp", DatesAsText.construct_yaml_str)
    return DatesAsText


def kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, (int, float)):  # ruamel's ScalarFloat and friends are numbers to the user
        return f"the number {value!r}"
    return f"the text {str(value)!r}"


class Locator:
    """Turns a path of keys and indexes into a case-file position and a readable name."""

    def __init__(self, tree, path: str, model: type[BaseModel], renumbered: Mapping[str, list[int]] | None = None,
                 top: str = "the frontmatter"):
        self.tree = tree
        self.path = path
        self.model = model
        self.top = top  # what the file's top level is called in messages
        # After salvage, list sections lost their broken items: map indexes back.
        self.renumbered = renumbered or {}

    def with_renumbering(self, renumbered):
        return Locator(self.tree, self.path, self.model, renumbered, self.top)

    def _original(self, loc: tuple) -> tuple:
        if len(loc) > 1 and loc[0] in self.renumbered and isinstance(loc[1], int):
            return (loc[0], self.renumbered[loc[0]][loc[1]], *loc[2:])
        return loc

    def position(self, loc: tuple, at_key: bool = False) -> tuple[int, int]:
        loc = self._original(loc)
        node = self.tree
        line, column = node.lc.line, node.lc.col
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            if isinstance(node, dict) and part in node:
                # Point at the key for whole sections and for empty values (whose
                # "position" is wherever the next token happens to be).
                on_key = (at_key and last) or node[part] is None or isinstance(node[part], (dict, list))
                line, column = node.lc.key(part) if on_key else node.lc.value(part)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                line, column = node.lc.item(part)
                node = node[part]
            else:
                break
        return line + 1, column + 1

    def name(self, loc: tuple) -> str:
        """`issues.salary.range.min` rather than `issues.0.range.min`."""
        loc = self._original(loc)
        parts, node = [], self.tree
        for part in loc:
            if isinstance(node, list) and isinstance(part, int):
                item = node[part] if 0 <= part < len(node) else None
                ident = item.get("id") if isinstance(item, dict) else None
                parts[-1:] = [f"{parts[-1]}[{part + 1}]" if not isinstance(ident, str) else f"{parts[-1]}.{ident}"]
                node = item
            else:
                parts.append(str(part))
                node = node.get(part) if isinstance(node, dict) else None
        return ".".join(parts)

    def suggestion(self, loc: tuple) -> str | None:
        """The allowed key closest to the unknown key at `loc`, if any is close."""
        hint = difflib.get_close_matches(str(loc[-1]), allowed_keys(self.model, loc[:-1]), n=1, cutoff=0.6)
        return hint[0] if hint else None

    def problem(self, loc: tuple, message: str, at_key: bool = False) -> Problem:
        line, column = self.position(loc, at_key)
        return Problem(self.path, line, column, message)

    def pydantic(self, error: dict) -> Problem:
        loc = tuple(part for part in error["loc"] if part != "[key]")
        kind, message = error["type"], error["msg"]
        if kind == "extra_forbidden":
            key = loc[-1]
            hint = self.suggestion(loc)
            advice = f"did you mean '{hint}'?" if hint else f"allowed keys: {', '.join(allowed_keys(self.model, loc[:-1]))}"
            where = self.name(loc[:-1]) or self.top
            return self.problem(loc, f"unknown key '{key}' in {where}; {advice}", at_key=True)
        if kind == "missing":
            where = self.name(loc[:-1]) or self.top
            return self.problem(loc[:-1], f"{where} needs '{loc[-1]}'", at_key=True)
        if kind in ("string_too_long", "too_long"):
            limit, got = error["ctx"]["max_length"], len(error["input"])
            fix = "characters, more than the {:,} allowed; shorten it" if kind == "string_too_long" else \
                "entries, more than the {:,} a case may have; merge or drop some"
            return self.problem(loc, f"{self.name(loc)}: {got:,} {fix.format(limit)}")
        message = PLAIN_MESSAGES.get(kind, message).removeprefix("Value error, ")
        message = message[0].lower() + message[1:]
        got = error.get("input")
        if isinstance(got, (str, int, float)) and not isinstance(got, bool) and kind != "value_error":
            message += f" (got {got!r})"
        return self.problem(loc, f"{self.name(loc)}: {message}")


# pydantic's wording for its error types, in the case file's own terms.
PLAIN_MESSAGES = {
    "model_type": "expected keys and values (a mapping)",
    "model_attributes_type": "expected keys and values (a mapping)",
    "dict_type": "expected keys and values (a mapping)",
    "tuple_type": "expected a list, like [a, b]",
    "list_type": "expected a list, like [a, b]",
    "string_type": "expected a text (quote it if it looks like a number or date)",
    "float_type": "expected a number",
    "int_type": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "date_type": "expected a date like 2026-11-20",
    "date_parsing": "expected a date like 2026-11-20",
    "date_from_datetime_parsing": "expected a date like 2026-11-20",
    "date_from_datetime_inexact": "expected a date like 2026-11-20, without a time",
    "finite_number": "expected a finite number (not .nan or .inf)",
}


def allowed_keys(root: type[BaseModel], loc: tuple) -> list[str]:
    """The keys the model accepts at `loc` (used for did-you-mean hints)."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return []
        model = _model_in(field.annotation)
        if model is None:
            return []
    # Excluded fields are filled in by the loader, never written in a file.
    return [field.alias or name for name, field in model.model_fields.items() if not field.exclude]


def _model_in(annotation) -> type[BaseModel] | None:
    """The model class inside an annotation such as `tuple[Issue, ...] | None`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def key_lines(tree, prefix: str = "") -> dict[str, int]:
    """Every key and list item's 1-based line, by dotted path ('constituencies.2.power')."""
    lines = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            path = f"{prefix}{key}"
            position = tree.lc.key(key)
            if position is not None:
                lines[path] = position[0] + 1
            lines.update(key_lines(value, f"{path}."))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            path = f"{prefix}{index}"
            position = tree.lc.item(index)
            if position is not None:
                lines[path] = position[0] + 1
            lines.update(key_lines(value, f"{path}."))
    return lines
