"""Live rebuilding: `briefgen watch` builds whatever changed, every time a file is saved.

Each round is an incremental build (build.unchanged decides what to redo), so a
save rebuilds one case, and a change to the config, the theme or the rules
rebuilds them all. A broken file is reported once, and the watch goes on.
"""
from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.build import (CaseBuild, build, build_date, case_fingerprint, expand_cases, find_cases, id_collisions,
                            inputs_fingerprint, project_rules, unchanged)
from briefgen.errors import CaseError, Problem
from briefgen.project import load_project

POLL_MS = 1000  # besides file events, look again this often: catches briefgen.toml and a renamed theme


@dataclass
class Round:
    """What one round of watching does: the builds (as each finishes), or the project's own problems.

    `building` is how many cases are being built; `clean_again`, the cases that had
    problems and have none now (a fix saved back to what was built before needs no build).
    """

    builds: Iterable[CaseBuild]
    problems: list[Problem]
    building: int = 0
    clean_again: list[Path] = field(default_factory=list)


def watch(cases: list[Path] | None, output: Path, root: Path = Path("."), jobs: int = 1,
          stop: threading.Event | None = None) -> Iterator[Round]:
    """Build now, then again after every change, until `stop` is set (or Ctrl-C).

    `cases`: the case files to watch, a folder for every *.md in it (new ones included); None
    watches every cases/*.md of the project at `root`.
    Yields a Round whenever there was something to build or to report.
    """
    from watchfiles import watch as file_events

    from briefgen import render

    failed: dict[Path, str] = {}  # case -> the fingerprint it failed with: reported once
    reported: list[Problem] = []  # the project's problems last reported
    last_inputs = rules = None
    folders = _folders(cases, root)
    for _ in _start_then(file_events(*folders, stop_event=stop, rust_timeout=POLL_MS, yield_on_timeout=True)):
        try:
            project = load_project(root)
            inputs = inputs_fingerprint(project)
            if inputs != last_inputs:  # the rule files are among the inputs: parse them only when they change
                rules = project_rules(root)
                render.environment.cache_clear()  # a theme may have gained a template
                last_inputs = inputs
        except CaseError as error:
            if error.problems != reported:
                reported = error.problems
                yield Round([], error.problems)
            continue
        reported = []
        named = expand_cases(cases) if cases else find_cases(root)
        clashes = id_collisions(named, root)  # two files, one id: neither is built until one is renamed

        def state(path: Path) -> str:
            return _fingerprint(path, inputs) + (clashes[path].message if path in clashes else "")

        changed = [path for path in named if path.is_file() and failed.get(path) != state(path)]
        todo = [path for path in changed if path in clashes or not unchanged(path, output, inputs)]
        fixed_back = [path for path in changed if path in failed and path not in todo]
        for path in fixed_back:
            del failed[path]
        if todo or fixed_back:
            yield Round(_tracked(todo, clashes, failed, state,
                                 build([p for p in todo if p not in clashes], output, rules, build_date(), jobs, inputs,
                                       project)),
                        [], building=len(todo), clean_again=fixed_back)


def _tracked(todo, clashes, failed, state, results) -> Iterator[CaseBuild]:
    """Each build as it finishes, its case's state noted: a failure is reported once, and a
    case that failed before and builds now is said to be clean again."""
    for result in [CaseBuild(path, problems=[clashes[path]]) for path in todo if path in clashes]:
        failed[result.path] = state(result.path)
        yield result
    for result in results:
        if not result.ok:
            failed[result.path] = state(result.path)
        elif failed.pop(result.path, None) is not None:
            result.clean_again = True
        yield result


def _start_then(events: Iterator) -> Iterator[None]:
    """One round at once, then one per batch of file events (or poll)."""
    yield None
    for _ in events:
        yield None


def _folders(cases: list[Path] | None, root: Path) -> list[Path]:
    """What to watch for events: the cases' folders and the project's rules and theme."""
    folders = {(path if path.is_dir() else path.parent).resolve() for path in cases} if cases else {(root / "cases").resolve()}
    try:
        theme = load_project(root).theme
    except CaseError:
        theme = None  # reported by the first round; the poll still sees it change
    folders |= {folder.resolve() for folder in (root / "rules", theme) if folder and folder.is_dir()}
    return sorted(folder for folder in folders if folder.is_dir())


def _fingerprint(path: Path, inputs: str) -> str:
    try:
        return case_fingerprint(path, inputs)
    except OSError:  # deleted meanwhile
        return ""
