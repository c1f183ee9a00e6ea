"""Rounds: what we offered, what they answered, and what it tells us.

`record_response` appends an answer to the case file's `rounds` list with
round-trip YAML, so the file's comments, key order and layout survive, and
refuses to write if the file changed since it was read. What the rounds
say is read back by reading.py.
"""
from __future__ import annotations

import datetime
import io
import re
from pathlib import Path

from briefgen.case import parse_case
from briefgen.errors import BriefgenError, UsageError
from briefgen.reading import offers_now
from briefgen.scoring import outside, read_terms


# --- recording -------------------------------------------------------------------------------

def record_response(path: Path, chose: str | None, counter: list[str], note: str | None,
                    today: datetime.date) -> str:
    """Append their answer to the packages we would send now; return a one-line summary."""
    from briefgen.build import write_atomically
    from briefgen.case import case_id_for

    raw = path.read_bytes()
    case = parse_case(raw, str(path), case_id_for(path))
    offered = offers_now(case)  # what `briefgen meso` shows, and the offer sheet carries
    if not offered.packages:
        raise BriefgenError(f"{path} has no packages to respond to; run briefgen meso {path} to see why")
    labels = [p.label for p in offered.packages]
    if chose is not None and chose not in labels:
        raise UsageError(f"--chose {chose}: the packages offered are {', '.join(labels)}")
    if chose is None and not counter and not note:
        raise UsageError("say what they answered: --chose LABEL, --counter issue=value, or --note TEXT")
    try:
        counter_terms = read_terms(case, counter)
    except ValueError as error:
        raise UsageError(f"--counter {error}") from None
    missing = [i.id for i in case.issues if i.id not in counter_terms and i.id not in case.meso.hold]
    if counter_terms and chose is None and missing:
        raise UsageError(f"say which package their counter changes (--chose), or give every issue; missing: {', '.join(missing)}")

    entry = {"date": today, "offered": [dict(p.terms) for p in offered.packages]}
    if chose is not None:
        entry["chose"] = chose
    if counter_terms:
        entry["counter"] = counter_terms
    if note:
        entry["note"] = note
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    text = _with_round(raw[len(bom):].decode("utf-8"), entry)
    parse_case(text.encode(), str(path), case.id)  # the new file must load as cleanly as the old
    if path.read_bytes() != raw:
        raise BriefgenError(f"{path} changed while the response was being recorded; nothing was written, run the command again")
    write_atomically(path, bom + text.encode())
    number = len(case.rounds) + 1
    said = [f"chose {chose}" if chose else None, f"countered {', '.join(counter)}" if counter else None]
    flags = [f"\n  OUTSIDE: {flag}" for issue_id, value in counter_terms.items() if (flag := outside(case.issue(issue_id), value))]
    return f"recorded round {number} in {path}: {', '.join(s for s in said if s) or 'a note'}{''.join(flags)}"


def _with_round(text: str, entry: dict) -> str:
    return with_list_item(text, "rounds", entry)


def with_list_item(text: str, key: str, entry: dict, after: str = "") -> str:
    """The case text with `entry` appended to its frontmatter's list `key` (rounds, comments); a new
    list goes after the key `after`, else before `outcome` (as the format documents rounds), else at the end.

    Only the new lines are written: every other line of the file, its
    comments and alignment included, stays exactly as it was.
    """
    from ruamel.yaml import YAML

    lines = text.splitlines(keepends=True)
    end = next(n for n, line in enumerate(lines[1:], start=1) if line.rstrip() in ("---", "..."))
    tree = YAML(typ="rt").load("".join(lines[1:end])) or {}
    items = tree.get(key)
    if items and not items.fa.flow_style():  # follow the items already written
        indent = items.lc.item(0)[1] - 2
    else:
        indent = _list_indent(tree)
    item = _yaml_item(entry, indent)
    keys = list(tree)

    def line_of(key: str) -> int:  # index in `lines` of a top-level key
        return tree.lc.key(key)[0] + 1

    def before_next(after: str | None) -> int:
        """Where a block ends: before the next top-level key, and before the
        comments and blank lines that introduce it."""
        following = keys[keys.index(after) + 1:] if after else keys
        position = line_of(following[0]) if following else end
        while position - 1 > (line_of(after) if after else 0) and (
                not lines[position - 1].strip() or lines[position - 1].startswith("#")):
            position -= 1
        return position

    if key in tree and tree[key]:
        at = before_next(key)
        insert = item
    elif key in tree:  # `rounds:` or `rounds: []` with nothing yet
        at = line_of(key)
        lines[at] = re.sub(r" *\[\s*\]", "", lines[at], count=1)  # `rounds: []  # note` keeps its note
        at += 1
        insert = item
    elif after in keys:
        at = before_next(after)
        insert = f"{key}:\n" + item
    else:  # a new block, before `outcome` as the format documents it
        at = before_next(keys[keys.index("outcome") - 1]) if "outcome" in keys and keys.index("outcome") else (
            line_of("outcome") if "outcome" in keys else end)
        insert = f"{key}:\n" + item
    newline = "\r\n" if lines[0].endswith("\r\n") else "\n"  # keep the file's own line endings
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += newline
    return "".join(lines[:at]) + insert.replace("\n", newline) + "".join(lines[at:])


def _list_indent(tree) -> int:
    """How far this file indents a top-level list's dashes (0 or 2, usually)."""
    for value in tree.values() if isinstance(tree, dict) else ():
        if isinstance(value, list) and value and not value.fa.flow_style():
            # An item's position is that of its content, just after "- ".
            return value.lc.item(0)[1] - 2
    return 2


def _yaml_item(entry: dict, indent: int) -> str:
    """One list item in block style, its packages as one-line flow mappings."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    item = CommentedMap()
    for key, value in entry.items():
        if key == "offered":
            value = CommentedSeq([_flow(CommentedMap(package)) for package in value])
        elif key == "counter":
            value = _flow(CommentedMap(value))
        item[key] = value
    yaml = YAML(typ="rt")
    yaml.width = 4096
    if indent == 0:
        yaml.indent(mapping=2, sequence=2, offset=0)  # "- key:", as this file writes its lists
    else:
        yaml.indent(mapping=2, sequence=4, offset=2)  # "  - key:", nested lists two deeper
    out = io.StringIO()
    yaml.dump(CommentedSeq([item]), out)
    shift = " " * max(indent - 2, 0)
    return "".join(shift + line if line.strip() else line for line in out.getvalue().splitlines(keepends=True))


def _flow(mapping):
    mapping.fa.set_flow_style()
    return mapping
