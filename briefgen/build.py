"""The pipeline, top to bottom: load -> analyse -> render -> write.

Everything for a case is rendered in memory first and written only when all
of it succeeded, each file through a temporary file renamed into place: a
failed build writes nothing and overwrites nothing.
"""
from __future__ import annotations

import datetime
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.case import Case, load_case
from briefgen.errors import CaseError, Problem
from briefgen.level2.rules import RuleSet, load_rules
from briefgen.scoring import Assessment, assess

BRIEF = "brief.pdf"
OFFER_SHEET = "offer-sheet.pdf"


def find_cases(root: Path = Path(".")) -> list[Path]:
    """The default set of cases: every cases/*.md under `root`, in name order."""
    return sorted((root / "cases").glob("*.md"))


def project_rules(root: Path = Path(".")) -> RuleSet:
    """The default Level II rules with the project's own (root/rules/*.yaml)."""
    return load_rules(root / "rules")


def check(paths: Iterable[Path]) -> Iterator[tuple[Path, Case | None, list[Problem]]]:
    """Load each case; yield it with its problems (empty when it is sound)."""
    for path in paths:
        try:
            yield path, load_case(path), []
        except CaseError as error:
            yield path, None, error.problems


def packages(case: Case) -> list[Assessment]:
    """The packages the documents show: for now, the hand-written meso.offers."""
    return [assess(case, {**case.meso.hold, **offer}) for offer in case.meso.offers]


@dataclass
class CaseBuild:
    """What building one case did: files written, notes for the user, problems."""

    path: Path
    case_id: str | None = None
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def build(paths: Iterable[Path], output: Path, rules: RuleSet, today: datetime.date | None = None) -> Iterator[CaseBuild]:
    """Build each case's brief and (where it has packages) offer sheet."""
    today = today or datetime.date.today()
    for path in paths:
        result = CaseBuild(path)
        try:
            case = load_case(path)
        except CaseError as error:
            result.problems = error.problems
            yield result
            continue
        result.case_id = case.id
        documents = render_case(case, rules, today)
        folder = output / case.id
        for name, pdf in documents.items():
            result.written.append(write_atomically(folder / name, pdf))
        if OFFER_SHEET not in documents:
            stale = folder / OFFER_SHEET
            if stale.exists():
                stale.unlink()
                result.notes.append(f"removed {stale}: {case.path} has no packages now")
            else:
                result.notes.append(f"no offer sheet for {case.path}: it has no packages yet (add meso.offers)")
        yield result


def render_case(case: Case, rules: RuleSet, today: datetime.date) -> dict[str, bytes]:
    """All of a case's documents as PDF bytes, keyed by file name."""
    from briefgen import render
    from briefgen.level2.analysis import analyse

    assessed = packages(case)
    brief = render.brief_context(case, assessed, analyse(case, rules), today)
    documents = {BRIEF: render.html_to_pdf(render.render_brief_html(brief), "brief.css")}
    if assessed:
        sheet = render.offer_sheet_context(case, [a.package for a in assessed], today)
        documents[OFFER_SHEET] = render.html_to_pdf(render.render_offer_sheet_html(sheet), "offer-sheet.css")
    return documents


def write_atomically(path: Path, content: bytes) -> Path:
    """Write to a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; documents are not
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
