"""`briefgen mediate A.md B.md`, top to bottom: load both files -> the mediator's analysis ->
the mediator's brief and one proposal sheet per side -> written together, or nothing at all.

Everything is rendered in memory first and written through build.write_together, so
a failed mediation writes nothing and overwrites nothing.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from briefgen.case import Case, load_case
from briefgen.errors import CaseError, UsageError
from briefgen.level2.rules import RuleSet
from briefgen.mediation_analysis import Mediation, mediate
from briefgen.mediation_moves import MediatorMove, moves_behind
from briefgen.project import Project
from briefgen.terms import format_value

FORMATS = ("pdf", "html", "txt")
BRIEF = "mediator-brief"


@dataclass(frozen=True)
class MediatorBrief:
    """Everything the mediator's brief shows: both files, the analysis, the moves behind each table."""

    mediation: Mediation
    moves: tuple[list[MediatorMove], list[MediatorMove]]  # behind A's table, behind B's
    figure: Markup
    constituency_figure: Markup
    bodies: tuple[Markup, Markup]
    mediator: str | None
    locale: str
    generated: str

    def value(self, issue, value) -> str:
        return format_value(issue, value, self.locale)

    def percent(self, share: float) -> str:
        return format_percent(share, locale=self.locale)

    def count(self, n: float) -> str:
        return ("" if self.mediation.win_sets.exact else "about ") + format_decimal(round(n), locale=self.locale)


def mediator_brief(m: Mediation, rules: RuleSet, mediator: str | None, today: datetime.date) -> MediatorBrief:
    from briefgen.body import convert
    from briefgen.figures import constituency_map
    from briefgen.figures.frontier_figure import frontier_chart

    a, b = m.a, m.b
    names = (a.parties.us.name, b.parties.us.name)
    proposals = [p.terms for p in m.proposals]
    figure = frontier_chart(
        names, [(p.score, p.their_score, p.inside) for p in m.cloud], [(p.score, p.their_score) for p in m.front],
        (a.targets.reservation, b.targets.reservation), [(p.label, p.score, p.their_score) for p in m.proposals],
        tuple([(p.label, p.score, p.their_score) for p in own] for own in m.own), m.sampled_from)
    return MediatorBrief(
        mediation=m,
        moves=(moves_behind(a, b, rules, proposals), moves_behind(b, a, rules, proposals)),
        figure=figure,
        constituency_figure=constituency_map(m.joint, sides=("Second file", "First file")),
        bodies=(convert(a.body)[0], convert(b.body)[0]),
        mediator=mediator,
        locale=a.locale,
        generated=format_date(today, "long", locale=a.locale),
    )


def mediation_folder(a: Case, b: Case) -> str:
    return f"{a.id}+{b.id}"


def mediate_files(a_path: Path, b_path: Path, output: Path, rules: RuleSet, fmt: str = "pdf",
                  mediator: str | None = None, today: datetime.date | None = None,
                  project: Project = Project()) -> list[Path]:
    """Write OUTPUT/<A id>+<B id>/mediator-brief.<fmt> and proposals-<side id>.<fmt> for each side."""
    from briefgen.build import write_together

    a, b = _load_two(a_path, b_path, project)
    folder = output / mediation_folder(a, b)
    documents = mediation_documents(a, b, rules, (fmt,), mediator, today, project)
    return write_together({folder / name: content for name, content in documents.items()})


def mediation_documents(a: Case, b: Case, rules: RuleSet, formats=("pdf",), mediator: str | None = None,
                        today: datetime.date | None = None, project: Project = Project()) -> dict[str, bytes]:
    """The mediator's brief and, where there is a proposal, each side's sheet, in each format, by file name."""
    from briefgen import render
    from briefgen.build import build_date
    from briefgen.mediation_sheet import proposal_sheet

    today = today or build_date()
    m = mediate(a, b)
    brief = mediator_brief(m, rules, mediator, today)
    sheets = [(side, proposal_sheet(side, [p.terms for p in m.proposals], mediator, mediation_folder(a, b), today))
              for side in (a, b)] if m.proposals else []
    documents = {}
    for fmt in formats:
        documents[f"{BRIEF}.{fmt}"] = _document(render.render_mediator_brief(brief, fmt, project), fmt,
                                                "mediator-brief.css", project)
        for side, sheet in sheets:
            documents[f"proposals-{side.id}.{fmt}"] = _document(render.render_proposals(sheet, fmt, project), fmt,
                                                                "offer-sheet.css", project)
    return documents


def analyse_files(a_path: Path, b_path: Path, project: Project = Project()) -> Mediation:
    """The mediation of two files, for `briefgen mediate --json`."""
    return mediate(*_load_two(a_path, b_path, project))


def _load_two(a_path: Path, b_path: Path, project: Project) -> tuple[Case, Case]:
    """Both sides' files, every problem of both reported at once."""
    if a_path.resolve() == b_path.resolve():
        raise UsageError(f"{a_path} is given twice; give each side's own case file: briefgen mediate A.md B.md")
    cases, problems = [], []
    for path in (a_path, b_path):
        try:
            cases.append(load_case(path, project.locale))
        except CaseError as error:
            problems += error.problems
    if problems:
        raise CaseError(problems)
    a, b = cases
    if a.id.casefold() == b.id.casefold():
        raise UsageError(f"{a_path} and {b_path} have one case id ('{a.id}'); rename one, as the proposal sheets are "
                         "named after each side's case id")
    return a, b


def _document(content: str, fmt: str, stylesheet: str, project: Project) -> bytes:
    if fmt != "pdf":
        return content.encode()
    from briefgen import render

    return render.html_to_pdf(content, stylesheet, project.theme)
