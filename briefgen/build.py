"""The pipeline, top to bottom: load -> analyse -> render -> write.

Everything for a case is rendered in memory first and written only when all
of it succeeded, each file through a temporary file renamed into place: a
failed build writes nothing and overwrites nothing.
"""
from __future__ import annotations

import datetime
import errno
import hashlib
import json
import os
import re
import signal
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.case import Case, case_id_for, load_case
from briefgen.catalogs import LOCALES, missing_catalog_note
from briefgen.errors import BriefgenError, CaseError, Problem, UsageError
from briefgen.improve import settled
from briefgen.level2.analysis import Analysis, analyse
from briefgen.level2.rules import RuleSet, load_rules
from briefgen.meso import Meso
from briefgen.reading import offers_now  # the case's MESO set, or once rounds exist the next one
from briefgen.project import TEMPLATES, Project, find_root, hash_files

BRIEF = "brief.pdf"
OFFER_SHEET = "offer-sheet.pdf"
PROPOSAL = "improvement-proposal.pdf"  # an agreed case's proposal of packages both sides prefer (improve_sheet.py)
AGREEMENT_DRAFT = "agreement-draft.pdf"


def find_cases(root: Path = Path(".")) -> list[Path]:
    """The default set of cases: every cases/*.md under `root`, in name order."""
    return sorted((root / "cases").glob("*.md"))


def expand_cases(paths: Iterable[Path]) -> list[Path]:
    """The case files named: a folder stands for every *.md in it; each file once, in the order given."""
    found: dict[Path, Path] = {}
    for path in paths:
        for file in sorted(path.glob("*.md")) if path.is_dir() else [path]:
            found.setdefault(file.resolve(), file)
    return list(found.values())


def project_of(paths: list[Path]) -> Path:
    """The one project the case files belong to (see project.find_root); a usage error if they are of several."""
    roots = {path: find_root(path.parent) for path in paths}
    first = paths[0]
    other = next((path for path in paths if roots[path].resolve() != roots[first].resolve()), None)
    if other is not None:
        raise UsageError(f"{first} belongs to the project in {roots[first]}, {other} to the one in {roots[other]}; "
                         "give one project's cases at a time")
    return roots[first]


def id_collisions(paths: Iterable[Path], root: Path) -> dict[Path, Problem]:
    """The case files named whose case id is also that of another file, named or in the project's cases/.

    Their documents would overwrite each other, and the archive would file them
    as versions of one case: each is an error naming the other, and neither is built.
    """
    named = list(paths)
    by_id: dict[str, list[Path]] = {}
    for path in expand_cases([*named, *find_cases(root)]):
        by_id.setdefault(_id_key(path), []).append(path)
    clashes = {}
    for path in named:
        others = [other for other in by_id.get(_id_key(path), []) if other.resolve() != path.resolve()]
        if others:
            clashes[path] = Problem(str(path), 1, 1, (
                f"the case id '{case_id_for(path)}' (the file name without .md) is also that of {others[0]}: their "
                "documents would overwrite each other and the archive would mix them; rename one of the files"))
    return clashes


def _id_key(path: Path) -> str:
    """The case id as the file system compares folder names (on macOS and Windows, in any case)."""
    try:
        return case_id_for(path).casefold()
    except CaseError:  # no id at all: reported when the case is loaded
        return f"\0{path.resolve()}"


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


@dataclass
class CaseBuild:
    """What building one case did: files written, notes for the user, problems."""

    path: Path
    case_id: str | None = None
    written: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    incomplete: bool = False  # a document the user asked for (the offer sheet) could not be written
    clean_again: bool = False  # (watch) the case had problems at its last build and has none now

    @property
    def ok(self) -> bool:
        return not self.problems


def build(paths: Iterable[Path], output: Path, rules: RuleSet, today: datetime.date | None = None,
          jobs: int = 1, fingerprint: str | None = None, project: Project = Project()) -> Iterator[CaseBuild]:
    """Build each case's brief and (where it has packages) offer sheet.

    With `jobs` > 1 the cases are built in that many forked worker processes
    (results still come in order). With a `fingerprint` of everything else a
    build depends on (see inputs_fingerprint), each case folder records what
    it was built from, so that `unchanged` can skip it next time.
    """
    job = _Job(output, rules, today or build_date(), fingerprint, project)
    paths = list(paths)
    if jobs <= 1 or len(paths) <= 1:
        yield from map(job, paths)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    global _JOB, _PARENT
    _JOB, _PARENT = job, os.getpid()  # forked workers inherit them: rules and all, nothing to pickle
    # Unlike multiprocessing.Pool, the executor notices a worker that dies (killed,
    # out of memory) and fails its cases instead of waiting for them forever.
    pool = ProcessPoolExecutor(min(jobs, len(paths)), mp_context=multiprocessing.get_context("fork"),
                               initializer=_start_worker)
    try:
        futures = []
        for path in paths:
            try:
                futures.append(pool.submit(_run_job, path))
            except BrokenProcessPool:  # a worker died while the cases were handed out: the pool takes no more
                futures.append(None)
        for path, future in zip(paths, futures):  # in order, so the output reads the same every time
            try:
                result = future.result() if future else None
            except BrokenProcessPool:
                result = None
            yield result if result is not None else CaseBuild(path, problems=[Problem(str(path), 1, 1, (
                "the worker process building this case stopped (killed, or out of memory) before it "
                "finished; build again"))])
    finally:  # a build stopped (an unwritable output, Ctrl-C) starts no further case
        pool.shutdown(cancel_futures=True)


_JOB = None
_PARENT = 0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _start_worker() -> None:
    """Make this worker stop when the build that started it dies, even by `kill -9`
    (which gives the build no chance to stop its workers): a parent-death signal on
    Linux; elsewhere, and for a parent already gone, _run_job checks between cases.
    Ctrl-C is the parent's to handle: it lets each worker finish the case it writes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if "highspy" in sys.modules:  # HiGHS's thread pool does not survive a fork: a solve would wait for it forever
        sys.modules["highspy"].Highs.resetGlobalScheduler(True)
    _stop_if_orphaned()


def _stop_if_orphaned() -> None:
    if os.getppid() != _PARENT:
        os._exit(1)


def _run_job(path: Path) -> "CaseBuild":
    _stop_if_orphaned()
    return _JOB(path)


@dataclass(frozen=True)
class _Job:
    """Building one case: load, analyse, render, write (the pipeline, top to bottom)."""

    output: Path
    rules: RuleSet
    today: datetime.date
    fingerprint: str | None
    project: Project

    def __call__(self, path: Path) -> CaseBuild:
        result = CaseBuild(path)
        try:
            case = load_case(path, self.project.locale)
            result.case_id = case.id
            offers = offers_now(case)
            level2 = analyse(case, self.rules, [p.terms for p in offers.packages])
            documents = render_documents(case, level2, offers, self.today, self.project)
        except CaseError as error:  # in the case file, or in a theme's template
            result.problems = error.problems
            return result
        except RecursionError:  # a last guard: the loader already refuses bodies nested too deeply to lay out
            result.problems = [Problem(str(path), 1, 1, "the case is nested too deeply to lay out; "
                                       "flatten its lists, quotes and emphasis")]
            return result
        folder = self.output / case.id
        if other := built_from_another(folder, path):
            result.problems = [Problem(str(path), 1, 1, (
                f"{folder} holds the documents of {other}, whose case id is the same ('{case.id}'); nothing was "
                "written: rename one of the files, or build into another folder with -o"))]
            return result
        remove_leftovers(folder)
        files = {folder / name: pdf for name, pdf in documents.items()}
        if OFFER_SHEET not in documents:
            result.incomplete = sheet_expected(case)
        if self.fingerprint is not None:
            record = {"inputs": case_fingerprint(path, self.fingerprint), "documents": sorted(documents),
                      "incomplete": result.incomplete, "source": str(path.resolve())}
            if OFFER_SHEET in documents and case.offer_sheet.valid_until is not None:
                record["valid_until"] = case.offer_sheet.valid_until.isoformat()
            files[folder / BUILT_FROM] = json.dumps(record).encode()
        result.written = [p for p in write_together(files) if p.name != BUILT_FROM]
        if AGREEMENT_DRAFT not in documents and (folder / AGREEMENT_DRAFT).exists():  # a draft of a text since removed
            remove(folder / AGREEMENT_DRAFT)
            result.notes.append(f"removed {folder / AGREEMENT_DRAFT}: {documents.why_no_draft or 'the case has no agreement text'}")
        elif case.agreement and AGREEMENT_DRAFT not in documents:
            result.notes.append(f"no agreement draft for {case.path}: {documents.why_no_draft}")
        if OFFER_SHEET in documents and (note := missing_catalog_note(case.offer_sheet.locale, case.path)):
            result.notes.append(note)
        if PROPOSAL not in documents and (folder / PROPOSAL).exists():
            remove(folder / PROPOSAL)
            result.notes.append(f"removed {folder / PROPOSAL}: no package both sides prefer to the agreement now")
        if OFFER_SHEET not in documents:
            why = _no_offer_sheet(case, offers, self.today)
            stale = folder / OFFER_SHEET
            if stale.exists():
                remove(stale)
                result.notes.append(f"removed {stale}: {why}")
            else:
                result.notes.append(f"no offer sheet for {case.path}: {why}")
        return result


BUILT_FROM = ".built-from.json"


def inputs_fingerprint(project: Project = Project()) -> str:
    """What every document depends on besides its case: briefgen's version, the
    templates and catalogs, the default and the project's rules, the config and the theme.
    Hashed from the files, so checking it costs no rule parsing."""
    from briefgen import __version__
    from briefgen.level2.rules import DEFAULTS

    digest = hashlib.sha256(__version__.encode() + project.fingerprint())
    for folder in (TEMPLATES, LOCALES, DEFAULTS, project.root / "rules"):
        hash_files(digest, folder)
    return digest.hexdigest()


def case_fingerprint(path: Path, inputs: str) -> str:
    return hashlib.sha256(inputs.encode() + path.read_bytes()).hexdigest()


def unchanged(path: Path, output: Path, inputs: str, today: datetime.date | None = None) -> bool:
    """Whether the case's documents were built from exactly its present inputs, and still hold.

    A case whose offer sheet could not be written is never unchanged (it is
    built, and reported, until it is fixed), nor one whose sheet has expired since.
    """
    try:
        folder = output / case_id_for(path)
        record = json.loads((folder / BUILT_FROM).read_text())
        expired = record.get("valid_until") is not None and (
            datetime.date.fromisoformat(record["valid_until"]) < (today or build_date()))
        return (record["inputs"] == case_fingerprint(path, inputs) and record.get("source") == str(path.resolve())
                and not record.get("incomplete") and not expired
                and all((folder / name).is_file() for name in record["documents"]))
    except (OSError, ValueError, KeyError, TypeError, CaseError):
        return False


def built_from_another(folder: Path, path: Path) -> str | None:
    """The other case file (still there) whose documents `folder` holds, or None."""
    try:
        source = json.loads((folder / BUILT_FROM).read_text())["source"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    other = Path(source)
    return os.path.relpath(other) if other != path.resolve() and other.is_file() else None


def build_date() -> datetime.date:
    """The date documents are made as of: today, or BRIEFGEN_TODAY (an ISO date) for a reproducible build."""
    written = os.environ.get("BRIEFGEN_TODAY")
    if not written:
        return datetime.date.today()
    try:
        return datetime.date.fromisoformat(written)
    except ValueError:
        raise BriefgenError(f"BRIEFGEN_TODAY={written!r} is not a date; write it as 2026-11-24, or unset it") from None


def expired(case: Case, today: datetime.date) -> bool:
    """Whether the offer sheet's valid_until has passed: such a sheet is never written, by build or offer."""
    return case.offer_sheet.valid_until is not None and case.offer_sheet.valid_until < today


OPEN = ("preparing", "offered", "countered")  # statuses of talks still under way


def sheet_expected(case: Case) -> bool:
    """Whether a missing offer sheet is something the user asked for and did not get.

    Talks that are over (agreed, closed, abandoned) and cases without issues
    expect none; otherwise a withheld sheet makes the build's exit status 1.
    """
    return bool(case.issues) and case.status in OPEN


def _no_offer_sheet(case: Case, offers: Meso, today: datetime.date) -> str:
    if not case.issues:
        return "it has no issues yet, so there is nothing to offer"
    if offers.errors:
        return f"its packages break MESO criterion {offers.errors[0].criterion} ({offers.errors[0].message})"
    if not offers.packages:
        return "no package can be offered (see the brief's MESO section, or run briefgen meso)"
    until, line = case.offer_sheet.valid_until, case.line_of("offer_sheet.valid_until")
    return (f"offer_sheet.valid_until (line {line}) is {until.isoformat()}, which has passed; set a date the other side "
            "can still meet" + ("" if case.status in OPEN else f" (the case is {case.status}: nothing to send)"))


def render_case(case: Case, rules: RuleSet, today: datetime.date, project: Project = Project()) -> dict[str, bytes]:
    """All of a case's documents as PDF bytes, keyed by file name."""
    offers = offers_now(case)
    return render_documents(case, analyse(case, rules, [p.terms for p in offers.packages]), offers, today, project)


def render_documents(case: Case, level2: Analysis, offers: Meso, today: datetime.date,
                     project: Project = Project()) -> dict[str, bytes]:
    """The brief always; the offer sheet only with packages fit to send (criteria 1 and 2) and a date not passed;
    the agreement draft where the case has an agreement text and a package to fill it from."""
    from briefgen import render
    from briefgen.agreement_draft import build_draft

    brief = render.brief_context(case, offers, level2, today)
    documents = Documents({BRIEF: render.html_to_pdf(render.render_brief_html(brief, project), "brief.css", project.theme)})
    if offers.sendable and not expired(case, today):
        sheet = render.offer_sheet_context(case, [p.terms for p in offers.packages], today)
        documents[OFFER_SHEET] = render.html_to_pdf(render.render_offer_sheet_html(sheet, project), "offer-sheet.css",
                                                    project.theme)
    if settled(case) and brief.settlement.improvements:  # after the agreement: the proposal of a better one
        from briefgen.improve_sheet import proposal_context, render_proposal

        documents[PROPOSAL] = render_proposal(proposal_context(case, brief.settlement, today), "pdf", project)
    draft, documents.why_no_draft = build_draft(case, today, project)
    if draft is not None:
        documents[AGREEMENT_DRAFT] = draft
    return documents


class Documents(dict):
    """A case's documents by file name, and why the agreement draft is missing, if it is."""

    why_no_draft: str | None = None


def preview(path: Path, output: Path, rules: RuleSet, today: datetime.date | None = None,
            project: Project = Project()) -> Path:
    """Write the brief as HTML, for a browser: seconds faster than the PDF while the content is being written."""
    from briefgen import render

    case = load_case(path, project.locale)
    offers = offers_now(case)
    brief = render.brief_context(case, offers, analyse(case, rules, [p.terms for p in offers.packages]),
                                 today or build_date())
    return write_atomically(output / case.id / "brief.html", render.render_brief_preview(brief, project).encode())


OFFER_FORMATS = ("pdf", "html", "txt", "docx")


def offer(path: Path, output: Path, fmt: str = "pdf", today: datetime.date | None = None,
          project: Project = Project()) -> Path:
    """Write the offer sheet to send, after the checks: sound packages, a valid date."""
    from briefgen import render

    today = today or build_date()
    case = load_case(path, project.locale)
    offers = offers_now(case)
    check_sendable(case, offers, today)
    sheet = render.offer_sheet_context(case, [p.terms for p in offers.packages], today)
    if fmt == "pdf":
        content = render.html_to_pdf(render.render_offer_sheet_html(sheet, project), "offer-sheet.css", project.theme)
    elif fmt == "html":
        content = render.render_offer_sheet_email(sheet, project).encode()
    elif fmt == "docx":
        from briefgen.offer_docx import render_offer_sheet_docx

        content = render_offer_sheet_docx(sheet, today, project)
    else:
        content = render.render_offer_sheet_text(sheet, project).encode()
    return write_atomically(output / case.id / f"offer-sheet.{fmt}", content)


def propose_improvements(case: Case, found, output: Path, fmt: str = "pdf", today: datetime.date | None = None,
                         project: Project = Project()) -> Path:
    """Write the counterpart-facing proposal of the improvements on the agreement (improve_sheet.py)."""
    from briefgen.improve_sheet import PROPOSAL, proposal_context, render_proposal

    if not found.improvements:
        raise BriefgenError(f"{case.path}: no proposal written: no package both sides prefer to the agreement "
                            "was found, so there is nothing to propose")
    content = render_proposal(proposal_context(case, found, today or build_date()), fmt, project)
    return write_atomically(output / case.id / f"{PROPOSAL}.{fmt}", content)


def check_sendable(case: Case, offers: Meso, today: datetime.date) -> None:
    """Refuse a sheet that must not leave the building, saying how to fix it."""
    if offers.errors:
        first = offers.errors[0]
        raise BriefgenError(
            f"{case.path}: not sent: {first.message.rstrip('.')} (MESO criterion {first.criterion}). Fix meso.offers, or remove "
            "them to let briefgen build the packages, then run briefgen offer again.")
    if not offers.packages:
        why = offers.diagnostics[0].message if offers.diagnostics else "the case has no issues yet"
        raise BriefgenError(f"{case.path}: not sent: there is no package to offer: {why}")
    until = case.offer_sheet.valid_until
    if expired(case, today):
        line = case.line_of("offer_sheet.valid_until") or 1
        raise BriefgenError(
            f"{case.path}:{line}: not sent: offer_sheet.valid_until ({until.isoformat()}) has passed (today is "
            f"{today.isoformat()}); set a date the other side can still meet, then run briefgen offer again.")


def write_atomically(path: Path, content: bytes) -> Path:
    return write_together({path: content})[0]


def write_together(files: dict[Path, bytes]) -> list[Path]:
    """Write each file to a temporary file beside it, then rename them all into
    place: a reader never sees a partial file, and a case's documents change together.

    A temporary file's name carries the writer's process id, so that a later
    build can tell a leftover of a killed process from a write under way.
    """
    staged: list[tuple[Path, Path]] = []
    path = next(iter(files))
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
            staged.append((Path(temporary), path))
            os.chmod(temporary, document_mode())
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
        for temporary, path in staged:
            os.replace(temporary, path)
    except BaseException as error:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise BriefgenError(unwritable(path, error)) from None
        raise
    return list(files)


def remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError as error:
        raise BriefgenError(unwritable(path, error)) from None


ADVICE = {
    errno.ENOSPC: "the disk is full: free some space, or write elsewhere (-o)",
    errno.EDQUOT: "the disk quota is used up: free some space, or write elsewhere (-o)",
    errno.EROFS: "the file system is read-only: write elsewhere (-o)",
    errno.EACCES: "no permission to write there: make the folder writable, or write elsewhere (-o)",
    errno.EPERM: "no permission to write there: make the folder writable, or write elsewhere (-o)",
}


def unwritable(path: Path, error: OSError) -> str:
    """One line for a write the environment refused: the file, why, and what to do."""
    advice = ADVICE.get(error.errno, "check that the folder exists and is writable, or write elsewhere (-o)")
    return f"{path}: cannot write it ({error.strerror or error}); {advice}; nothing was changed"


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files that processes killed mid-write left in `folder`."""
    removed = []
    for temporary in folder.glob(".*.*.tmp") if folder.is_dir() else ():
        writer = re.search(r"\.(\d+)\.[^.]+\.tmp$", temporary.name)
        if writer and not _running(int(writer[1])):
            temporary.unlink(missing_ok=True)
            removed.append(temporary)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def document_mode() -> int:
    """The mode a new file gets under the current umask (mkstemp makes files private; documents are not)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask
