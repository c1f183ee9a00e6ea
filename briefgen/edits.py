"""Writing values into a case file without touching anything else.

`briefgen points` and `briefgen sheet import` change a few numbers and
labels in a file someone wrote by hand. Dumping the YAML again would
re-indent it, re-quote it and lose comments inside flow mappings, so edits
are made on the text itself: the parser's events (ruamel.yaml) give the
exact span of every value, and only those spans change. A new key goes in
after its siblings, in the same style (inside `{...}` or on its own line);
a removed one takes its line, or its part of the `{...}`, with it.

`edit_case_file` reads a case, asks for its changes, applies them, checks
that the result still loads, and writes it only if the file did not change
meanwhile (as `briefgen respond` does).
"""
from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from briefgen.errors import BriefgenError, CaseError

DELETE = object()  # a change that removes the key
Path_ = tuple  # ("issues", 0, "options", 2, "points")


class EditError(BriefgenError):
    """A change this module cannot make in place; the message says what to do instead."""


@dataclass(frozen=True)
class Node:
    kind: str  # "scalar", "map" or "seq"
    start: int  # where the value's text begins
    end: int  # where its text ends (for a block collection: the end of its last value)
    flow: bool  # a {...} or [...] collection, or a value inside one
    in_flow: bool  # inside a {...} or [...] collection
    column: int  # the column the value begins at
    key_start: int | None  # where its key begins, for a mapping's value
    style: str | None  # a scalar's quoting: None (plain), '"', "'", '|', '>'


def edit_case_file(path: Path, changes_for: Callable, provisional: Callable | None = None):
    """Apply `changes_for(case, tree)` -> ({path: value}, summary) to the case file at `path`.

    `provisional(tree)`, if given, returns changes that make the file loadable
    for reading only (points still to be worked out); they are never written.
    Returns the summary. Nothing is written when there is nothing to change,
    when the result would not load, or when the file changed meanwhile.
    """
    from briefgen.build import write_atomically
    from briefgen.case import case_id_for, parse_case
    from briefgen.source import decode

    raw = path.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = decode(raw, str(path))
    tree = frontmatter_tree(text)
    readable = apply_changes(text, provisional(tree)) if provisional else text
    case = parse_case(readable.encode(), str(path), case_id_for(path))
    changes, summary = changes_for(case, tree)
    if not changes:
        return summary
    new_text = apply_changes(text, changes)
    try:
        parse_case(new_text.encode(), str(path), case.id)  # the new file must load as cleanly as the old
    except CaseError as error:
        raise CaseError([replace(p, message=f"nothing was written: with the new values, {p.message}")
                         for p in error.problems]) from None
    if path.read_bytes() != raw:
        raise BriefgenError(f"{path} changed while it was being edited; nothing was written, run the command again")
    write_atomically(path, bom + new_text.encode())
    return summary


def frontmatter_tree(text: str):
    """The frontmatter as ruamel's round-trip tree (keys typed as YAML reads them)."""
    from ruamel.yaml import YAML

    start, end = _frontmatter_span(text)
    return YAML(typ="rt").load(text[start:end]) or {}


def apply_changes(text: str, changes: Mapping[Path_, object]) -> str:
    """The case text with each value at a path set (or removed, for DELETE)."""
    start, end = _frontmatter_span(text)
    frontmatter = text[start:end]
    nodes = _nodes(frontmatter)
    newline = "\r\n" if "\r\n" in frontmatter else "\n"
    splices = []
    for path, value in changes.items():
        splices += _splices(frontmatter, nodes, tuple(path), value, newline)
    splices.sort(key=lambda s: (s[0], s[1]))
    for (a_start, a_end, _), (b_start, _, _) in zip(splices, splices[1:]):
        if b_start < a_end:
            raise EditError("two changes overlap in the case file; make them one at a time")
    for s_start, s_end, replacement in reversed(splices):
        frontmatter = frontmatter[:s_start] + replacement + frontmatter[s_end:]
    return text[:start] + frontmatter + text[end:]


def _frontmatter_span(text: str) -> tuple[int, int]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        raise EditError("the file has no frontmatter to edit")
    offset = len(lines[0])
    for line in lines[1:]:
        if line.rstrip() in ("---", "..."):
            return len(lines[0]), offset
        offset += len(line)
    raise EditError("the file's frontmatter is never closed")


# --- where every value is -------------------------------------------------------------------

def _nodes(text: str) -> dict[Path_, Node]:
    """Every value of the YAML text by its path, with its span."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    events = [e for e in yaml.parse(text) if type(e).__name__ not in ("StreamStartEvent", "StreamEndEvent",
                                                                   "DocumentStartEvent", "DocumentEndEvent")]
    tree = YAML(typ="rt").load(text)
    nodes: dict[Path_, Node] = {}
    if events:
        _walk(events, [0], tree, (), nodes, False, None)
    return nodes


def _walk(events, at, tree, path, nodes, in_flow, key_start) -> int:
    """Record the node that starts at events[at[0]] (and its children); return where its text ends."""
    event = events[at[0]]
    at[0] += 1
    name = type(event).__name__
    if name == "ScalarEvent":
        nodes[path] = Node("scalar", event.start_mark.index, event.end_mark.index, in_flow, in_flow,
                           event.start_mark.column, key_start, event.style)
        return event.end_mark.index
    if name == "AliasEvent":
        raise EditError("the case file uses YAML aliases, which briefgen does not edit")
    flow = bool(event.flow_style)
    kind = "map" if name == "MappingStartEvent" else "seq"
    last = event.end_mark.index
    children = list(tree) if kind == "map" else range(len(tree))
    for child in children:
        child_key_start = None
        if kind == "map":
            child_key_start = events[at[0]].start_mark.index
            at[0] += 1  # the key: keys are scalars in a case file
        last = _walk(events, at, tree[child], (*path, child), nodes, in_flow or flow, child_key_start)
    end_event = events[at[0]]
    at[0] += 1
    end = end_event.end_mark.index if flow else last
    nodes[path] = Node(kind, event.start_mark.index, end, in_flow or flow, in_flow, event.start_mark.column, key_start, None)
    return end


# --- the text of one change ---------------------------------------------------------------------

def _splices(text: str, nodes: dict, path: Path_, value, newline: str) -> list[tuple[int, int, str]]:
    node = nodes.get(path)
    if node is None:
        if value is DELETE:
            return []
        parent = nodes.get(path[:-1])
        if parent is None or parent.kind != "map":
            raise EditError(f"there is no {'.'.join(map(str, path[:-1]))} to add {path[-1]} to; add it in the case file")
        return [_insertion(text, nodes, path, value, newline)]
    if value is DELETE:
        return [_deletion(text, node, path)]
    if node.kind == "scalar":
        if isinstance(value, (Mapping, list, tuple)):
            if node.start == node.end and not node.flow:  # `key:` with nothing yet
                return [(_after_colon(text, node), _after_colon(text, node), " " + render(value, flow=True))]
            return [(node.start, node.end, render(value, flow=True))]
        return [_scalar(text, node, value)]
    if node.kind == "map" and isinstance(value, Mapping):
        old = {p[-1] for p in nodes if len(p) == len(path) + 1 and p[:-1] == path}
        if node.flow and old != set(value) and all(nodes[(*path, k)].kind == "scalar" for k in old):
            return [(node.start, node.end, render(value, flow=True))]  # in the order given: anchors stay sorted
        splices = []
        for key, item in value.items():
            splices += _splices(text, nodes, (*path, key), item, newline)
        for key in old - set(value):
            splices += _splices(text, nodes, (*path, key), DELETE, newline)
        return splices
    if node.kind == "seq" and isinstance(value, (list, tuple)):
        count = sum(1 for p in nodes if len(p) == len(path) + 1 and p[:-1] == path)
        if count == len(value):
            return [s for n, item in enumerate(value) for s in _splices(text, nodes, (*path, n), item, newline)]
        quote = nodes[(*path, 0)].style if count else None  # new items quoted as the old ones were
        if node.flow:
            return [(node.start, node.end, "[" + ", ".join(render(item, True, quote) for item in value) + "]")]
        if any(nodes[(*path, n)].kind != "scalar" for n in range(count)) or not value:
            raise EditError(f"{'.'.join(map(str, path))}: briefgen changes the number of items only in a list of texts; edit the case file")
        indent = newline + " " * node.column
        return [(node.start, node.end, indent.join("- " + render(item, quote=quote) for item in value))]
    if node.flow:
        return [(node.start, node.end, render(value, flow=True))]
    raise EditError(f"{'.'.join(map(str, path))}: a block of several lines cannot become a single value here; edit the case file")


def _scalar(text: str, node: Node, value) -> tuple[int, int, str]:
    if node.start == node.end:  # `key:` with an empty value: its mark may lie on the next line
        at = _after_colon(text, node)
        return at, at, " " + render(value, flow=node.flow)
    old = text[node.start:node.end]
    trailing = old[len(old.rstrip("\r\n")):] if node.style in ("|", ">") else ""
    new = render(value, flow=node.flow, quote=node.style) + trailing
    comment = re.match(r"( +)#", text[node.end:]) if not trailing else None
    if comment:  # the comment after the value stays in its column where there is room
        spaces = max(1, len(comment[1]) + len(old) - len(new))
        return node.start, node.end + len(comment[1]), new + " " * spaces
    return node.start, node.end, new


def _after_colon(text: str, node: Node) -> int:
    return text.index(":", node.key_start) + 1


def _insertion(text: str, nodes: dict, path: Path_, value, newline: str) -> tuple[int, int, str]:
    parent = nodes[path[:-1]]
    entry = f"{render(path[-1], flow=parent.flow)}: {render(value, flow=True)}"
    if parent.flow:
        close = parent.end - 1  # the `}`
        before = text[parent.start + 1:close].strip()
        return close, close, (", " if before else "") + entry
    at = _line_end(text, parent.end)
    return at, at, " " * parent.column + entry + newline


def _deletion(text: str, node: Node, path: Path_) -> tuple[int, int, str]:
    if node.key_start is None:
        raise EditError(f"{'.'.join(map(str, path))}: briefgen removes keys, not list items; edit the case file")
    if node.in_flow:
        start, end = node.key_start, node.end
        after = re.match(r"\s*,\s*", text[end:])
        if after:
            return start, end + after.end(), ""
        before = re.search(r",\s*$", text[:start])
        return (before.start() if before else start), end, ""
    line_start = text.rfind("\n", 0, node.key_start) + 1
    if text[line_start:node.key_start].strip():
        raise EditError(f"{'.'.join(map(str, path))} opens a list item; briefgen cannot remove it, edit the case file")
    return line_start, _line_end(text, max(node.end, node.key_start)), ""


def _line_end(text: str, position: int) -> int:
    """Just past the end of the line `position` is on (a position just after a newline is on the line before)."""
    if position > 0 and text[position - 1] == "\n":
        return position
    newline = text.find("\n", position)
    return len(text) if newline < 0 else newline + 1


PLAIN = re.compile(r"[A-Za-z_$(][^\n:#,\[\]{}\"']*")


def render(value, flow: bool = False, quote: str | None = None) -> str:
    """A value as YAML text: numbers without a needless `.0`, texts plain where YAML reads them back unchanged."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render(k, True)}: {render(v, True)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render(item, True) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    if quote == "'" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    if quote != '"' and PLAIN.fullmatch(text) and text == text.strip() and _reads_back(text):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _reads_back(text: str) -> bool:
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe").load(f"k: {text}") == {"k": text}
    except Exception:  # anything YAML cannot read plainly is quoted instead
        return False
