"""Live rebuilding: `briefgen watch` builds whatever changed, every time a file is saved.

Each round is an incremental build (build.unchanged decides what to redo), so a
save rebuilds one case, and a change to the config, the theme or the rules
rebuilds them all. A broken file is reported once, and the watch goes on.
"""
from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from briefgen.build import CaseBuild, build, case_fingerprint, find_cases, inputs_fingerprint, project_rules, unchanged
from briefgen.errors import CaseError, Problem
from briefgen.project import load_project

POLL_MS = 1000  # besides file events, look again this often: catches briefgen.toml and a renamed theme


@dataclass
class Round:
    """What one round of watching did: the builds, or the project's own problems."""

    builds: list[CaseBuild]
    problems: list[Problem]


def watch(cases: list[Path] | None, output: Path, root: Path = Path("."), jobs: int = 1,
          stop: threading.Event | None = None) -> Iterator[Round]:
    """Build now, then again after every change, until `stop` is set (or Ctrl-C).

    `cases`: the case files to watch; None watches every cases/*.md, new ones included.
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
        todo = [path for path in (cases or find_cases(root))
                if path.is_file() and not unchanged(path, output, inputs) and failed.get(path) != _fingerprint(path, inputs)]
        if not todo:
            continue
        builds = list(build(todo, output, rules, datetime.date.today(), jobs, inputs, project))
        for result in builds:
            if result.ok:
                failed.pop(result.path, None)
            else:
                failed[result.path] = _fingerprint(result.path, inputs)
        yield Round(builds, [])


def _start_then(events: Iterator) -> Iterator[None]:
    """One round at once, then one per batch of file events (or poll)."""
    yield None
    for _ in events:
        yield None


def _folders(cases: list[Path] | None, root: Path) -> list[Path]:
    """What to watch for events: the cases' folders and the project's rules and theme."""
    folders = {path.parent.resolve() for path in cases} if cases else {(root / "cases").resolve()}
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
