"""The briefgen command: one short function per command; the library does the work."""
from __future__ import annotations

import os
import signal
import sys
import threading


def _interrupted_while_starting(signum, frame):
    """Ctrl-C before any command has begun (the imports take a moment): nothing was done."""
    os.write(2, b"\ninterrupted before anything was done\n")
    os._exit(130)


def _on_ctrl_c(handler) -> None:
    if threading.current_thread() is threading.main_thread():  # the only thread that may set handlers
        signal.signal(signal.SIGINT, handler)


_on_ctrl_c(_interrupted_while_starting)  # until a command starts: a traceback of imports helps no one

import json  # noqa: E402
from pathlib import Path  # noqa: E402

import click  # noqa: E402


class _Command(click.Group):
    """Ctrl-C in any command ends it with status 130 and one line, not click's "Aborted!" and status 1."""

    def invoke(self, ctx):
        _on_ctrl_c(signal.default_int_handler)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            sys.exit(130)


CASES = click.argument("cases", nargs=-1, type=click.Path(path_type=Path))
OUTPUT = click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
                      help="Folder the documents go in, one subfolder per case (default: the project's output/).")


@click.group(cls=_Command, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefgen")
def main():
    """Prepare negotiators: case files in, prep briefs and offer sheets out.

    \b
    Example:
      briefgen new supplier-renewal
      briefgen build cases/supplier-renewal.md
    """


@main.command()
@CASES
@OUTPUT
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="the number of cores",
              help="Cases built at once, in worker processes.")
@click.option("--force", is_flag=True, help="Rebuild every case, even those whose inputs have not changed.")
def build(cases, output, jobs, force):
    """Build briefs and offer sheets (default: cases/*.md).

    Builds the prep brief and offer sheet of each CASE. Writes
    OUTPUT/<case-id>/brief.pdf and, where the case has packages fit to send,
    OUTPUT/<case-id>/offer-sheet.pdf. A case whose file, the templates, the
    rules and briefgen itself are unchanged since its last build is skipped
    (--force rebuilds it). A case with errors is reported and nothing is
    written for it; the others are still built; exit status 1.

    \b
    Example:
      briefgen build
      briefgen build cases/hiring-offer.md -o /tmp/briefs -j 2
    """
    built = failed = incomplete = 0
    try:  # from the first moment: Ctrl-C while briefgen loads (a second or so) is an interruption too
        from briefgen.build import build as build_cases
        from briefgen.build import inputs_fingerprint, unchanged
        from briefgen.errors import BriefgenError

        root, paths = _cases(cases)
        output, project = output or root / "output", _project(root)
        inputs = inputs_fingerprint(project)
        failed, buildable = _without_collisions(paths, root)
        todo = [p for p in buildable if force or not unchanged(p, output, inputs)]
        if todo:
            results = build_cases(todo, output, _rules(root), jobs=jobs, fingerprint=inputs, project=project)
            with _progress(results, len(todo)) as results:
                for result in results:
                    failed += _show(result, _say)
                    built += result.ok
                    incomplete += result.incomplete
    except KeyboardInterrupt:  # first: BriefgenError may not be imported yet
        click.echo(f"\ninterrupted after {built} built: every document written is complete, and the others are as "
                   "they were; run the build again to finish", err=True)
        sys.exit(130)
    except BriefgenError as error:  # the environment: an output folder that cannot be written
        raise click.ClickException(str(error)) from None
    skipped = len(buildable) - len(todo)
    if len(paths) > 1 or skipped:
        withheld = f"; {incomplete} without the offer sheet" if incomplete else ""
        click.echo(f"{built} built, {skipped} unchanged, {failed} failed{withheld}", err=bool(failed or incomplete))
    sys.exit(1 if failed or incomplete else 0)


def _progress(results, total):
    """A progress bar on a terminal; elsewhere each document gets its own line."""
    import contextlib

    if sys.stdout.isatty() and total > 1:
        return click.progressbar(results, length=total, label="building", file=sys.stderr)
    return contextlib.nullcontext(results)


def _say(line: str) -> None:
    if not sys.stdout.isatty():
        click.echo(line)


def _show(result, say=click.echo) -> int:
    """What building one case did; 1 if it failed."""
    for path in result.written:
        say(f"wrote {path}")
    for note in result.notes:  # even under a progress bar: it says why a document is missing or removed
        click.echo(note)
    return _report(result.problems)


@main.command()
@CASES
@OUTPUT
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Cases built at once, in worker processes.")
def watch(cases, output, jobs):
    """Rebuild documents on every save, until Ctrl-C.

    Builds what is out of date at once, then again whenever a CASE (default:
    cases/*.md, new ones included), the rules, the theme or briefgen.toml
    changes. A save with mistakes prints them and the watch goes on; the
    documents built before stay as they were.

    \b
    Example:
      briefgen watch
      briefgen watch cases/hiring-offer.md
    """
    from briefgen.errors import BriefgenError
    from briefgen.watch import watch as watch_cases

    root, _ = _cases(cases)
    watched = ", ".join(str(p) for p in cases) or str(root / "cases" / "*.md")
    click.echo(f"watching {watched}, the rules, the theme and briefgen.toml (Ctrl-C to stop)", err=True)
    try:
        for round_ in watch_cases(list(cases) or None, output or root / "output", root=root, jobs=jobs):
            _report(round_.problems)
            for path in round_.clean_again:
                click.echo(f"{path}: clean again", err=True)
            if round_.building > 1:
                click.echo(f"building {round_.building} cases ...", err=True)
            for result in round_.builds:
                _show(result)
                if result.clean_again:
                    click.echo(f"{result.path}: clean again", err=True)
    except BriefgenError as error:  # the environment: an output folder that cannot be written
        raise click.ClickException(str(error)) from None
    except KeyboardInterrupt:
        click.echo("stopped watching", err=True)


@main.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the HTML goes in, under a subfolder named after the case (default: the project's output/).")
@click.option("--no-open", is_flag=True, help="Write the HTML without opening it.")
def preview(case, output, no_open):
    """Write the brief as HTML and open it in the browser.

    Much faster than the PDF: for working on a case's content. Page layout
    (page numbers, running headers) is only in the PDF that build writes.

    \b
    Example:
      briefgen preview cases/hiring-offer.md
    """
    from briefgen.build import preview as write_preview

    root = _root_of(case)
    path = _or_exit(write_preview, case, output or root / "output", _rules(root), project=_project(root))
    click.echo(f"wrote {path}")
    if not no_open:
        click.launch(str(path))


@main.command()
@CASES
def check(cases):
    """Validate cases without writing anything.

    Checks each CASE (default: cases/*.md) and prints every problem as
    path:line:column: message. Exit status 1 if any case has a problem.

    \b
    Example:
      briefgen check cases/union-contract.md
    """
    from briefgen.agreement import warnings as agreement_warnings
    from briefgen.build import check as check_cases
    from briefgen.errors import Problem
    from briefgen.reading import offers_now

    root, paths = _cases(cases)
    _project(root), _rules(root)  # the project's config and rule files are part of what is checked
    failed, paths = _without_collisions(paths, root)
    for path, case, problems in check_cases(paths):
        failed += _report(problems)
        if case is None:
            continue
        for line, message in agreement_warnings(case):
            click.echo(str(Problem(str(path), line, 1, message)))
        offers = offers_now(case)
        for d in offers.diagnostics:
            line, column = d.position(case)
            click.echo(str(Problem(str(path), line, column, f"{d.level} (MESO {_criterion(d.criterion)}): {d.message}")),
                       err=d.level == "error")
        failed += bool(offers.errors)
        click.echo(f"{path}: {'ok' if not offers.errors else 'MESO errors'}")
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("name")
def new(name):
    """Write a commented starter case that builds as it is.

    The case goes to cases/NAME.md; an existing file is never overwritten.

    \b
    Example:
      briefgen new office-lease
      briefgen build cases/office-lease.md
    """
    from briefgen.starter import write_starter

    path = _or_exit(write_starter, name, _here() / "cases")
    click.echo(f"wrote {path}: fill it in, then run: briefgen build {path}")


@main.command()
@click.argument("case", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("terms", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON, for scripts.")
def score(case, terms, as_json):
    """Score a package (say, their counteroffer) for us and them.

    TERMS are issue=value pairs, one for every issue not held in meso.hold.
    Prints both scores against our reservation and aspiration, and which
    constituencies' conditions the package meets or misses.

    \b
    Example:
      briefgen score cases/hiring-offer.md salary=97000 remote_days=2 term=2
      briefgen score cases/hiring-offer.md salary=97000 remote_days=2 term=2 --json
    """
    from briefgen.scoring import assess, describe, parse_package

    loaded = _load(case)
    try:
        package = parse_package(loaded, list(terms))
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    assessment = assess(loaded, package)
    if as_json:
        click.echo(json.dumps(assessment.to_json(), indent=2))
    else:
        click.echo(describe(loaded, assessment))


@main.command()
@click.argument("case", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"plan": [...], "findings": [...]} for scripts.')
def explain(case, as_json):
    """Print the game plan and every Level II finding with the rule and facts behind it.

    The game plan: at most five moves, ranked, each with its cost in our
    points, what it buys, its risk and when to make it. For each finding: its
    category, the rule's id and file, the constituencies, the move, why it
    applies, and the facts of the case (with their lines) the rule tested.
    Rules come from briefgen's defaults and the project's rules/ folder.

    \b
    Example:
      briefgen explain cases/reunification-talks.md
      briefgen explain cases/reunification-talks.md --json
    """
    from briefgen.level2.analysis import analyse
    from briefgen.level2.report import explain_json, explain_text

    loaded = _load(case)
    analysis = analyse(loaded, _rules(_root_of(case)))
    click.echo(json.dumps(explain_json(analysis), indent=2) if as_json else explain_text(loaded, analysis))


@main.command()
@click.argument("case", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["pdf", "html", "txt", "docx"]), default="pdf", show_default=True,
              help="pdf to print or attach, html for an email body (styles inline), txt to paste, docx to edit in Word.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the sheet goes in, under a subfolder named after the case (default: the project's output/).")
def offer(case, fmt, output):
    """Write the offer sheet to send to the other side.

    Refuses, saying how to fix it, when a package breaks MESO criterion 1 or
    2 or when offer_sheet.valid_until has passed. The sheet carries only the
    offer_sheet block, party names, issue labels and the packages' values.

    \b
    Example:
      briefgen offer cases/hiring-offer.md
      briefgen offer cases/hiring-offer.md --format html
      briefgen offer cases/hiring-offer.md --format docx
    """
    from briefgen.build import offer as write_offer
    from briefgen.catalogs import missing_catalog_note

    root = _root_of(case)
    click.echo(f"wrote {_or_exit(write_offer, case, output or root / 'output', fmt, project=_project(root))}")
    if note := missing_catalog_note(_load(case).offer_sheet.locale, str(case)):
        click.echo(note)


@main.command()
@click.argument("cases", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"agreed": {...}, "improvements": [...]} for scripts.')
@click.option("--format", "fmt", type=click.Choice(["pdf", "html", "txt"]),
              help="Write the proposal to the other side instead: pdf, html (styles inline) or txt.")
@click.option("--limit", type=click.IntRange(1, 20), default=3, show_default=True, help="How many improvements at most.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the proposal goes in, under a subfolder named after the case (default: the project's output/).")
def improve(cases, as_json, fmt, limit, output):
    """After an agreement: the packages both sides prefer to it (a post-settlement settlement).

    Looks, inside both win-sets, for packages at least as good for both sides
    as outcome.agreed and better for at least one, by our points and our
    estimate of theirs; with two files (each side's own, as for a mediator),
    by both sides' true scores. With --format, writes the proposal to send:
    the agreed terms beside the improvements, terms only, in their language.

    \b
    Example:
      briefgen improve cases/museum-loan.md
      briefgen improve cases/museum-loan.md --json
      briefgen improve cases/museum-loan.md --format pdf
    """
    from briefgen.build import propose_improvements
    from briefgen.improve import describe, joint, settlement

    if len(cases) > 2:
        raise click.UsageError("give one case file, or two: each side's own file of a mediated case")
    loaded = _load(cases[0]) if len(cases) == 1 else _or_exit(joint, *cases)
    found = _or_exit(settlement, loaded, limit, mediated=len(cases) == 2)
    if fmt:
        root = _root_of(cases[0])
        written = _or_exit(propose_improvements, loaded, found, output or root / "output", fmt, project=_project(root))
        click.echo(f"wrote {written}")
    else:
        click.echo(json.dumps(found.to_json(), indent=2) if as_json else describe(loaded, found))


@main.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--chose", metavar="LABEL", help="The package they chose: A, B, ...")
@click.option("--counter", multiple=True, metavar="ISSUE=VALUE", help="A change they asked for; repeat for each.")
@click.option("--note", help="Anything else they said.")
def respond(case, chose, counter, note):
    """Record the other side's answer as a new round in the case file.

    Appends to the case's `rounds` the packages offered now, the one they
    chose and what they countered, keeping the file's comments and layout.
    Nothing is written if the file changed meanwhile. The next brief shows
    the history, what their choice reveals, and the next moves.

    \b
    Example:
      briefgen respond cases/hiring-offer.md --chose B --counter salary=99000 --note "wants a start in March"
    """
    from briefgen.build import build_date
    from briefgen.rounds import record_response

    click.echo(_or_exit(record_response, case, chose, list(counter), note, _or_exit(build_date)))


@main.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-y", "--yes", is_flag=True, help="Write the points without asking.")
def points(case, yes):
    """Work out points from ranks or weights and ratings, and write them into CASE.

    Each issue's `rank` (1 = matters most) or `weight`, each option's
    `rating` (0-100) and each range's `best` and `worst` become points
    (rank-order centroid or swing weights; the best package scores 100); the
    same for `their_rank`, `their_weight`, ... Shows them and asks first.

    \b
    Example:
      briefgen points cases/office-lease.md
    """
    from briefgen.points import work_out

    def approve(shown: str) -> bool:
        click.echo(shown)
        return yes or click.confirm(f"Write these points into {case}?", default=False)

    click.echo(_or_exit(work_out, case, approve))


@main.group()
def sheet():
    """Cases as spreadsheets: export the tables, import a colleague's edits.

    \b
    Example:
      briefgen sheet export cases/hiring-offer.md -o hiring.xlsx
      briefgen sheet import hiring.xlsx cases/hiring-offer.md
    """


@sheet.command("export")
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "target", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The .xlsx workbook to write (or .csv: the issues table alone).")
def sheet_export(case, target):
    """Write the case's issues, options, ranges, points, targets and constituencies as tidy sheets.

    \b
    Example:
      briefgen sheet export cases/hiring-offer.md -o hiring.xlsx
    """
    from briefgen.sheet import export

    click.echo(f"wrote {_or_exit(export, _load(case), target)}")


@sheet.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sheet_import(source, case):
    """Write the values edited in SOURCE (.xlsx or .csv) into CASE, keeping everything else.

    \b
    Example:
      briefgen sheet import hiring.xlsx cases/hiring-offer.md
    """
    from briefgen.sheet import import_sheet

    click.echo(_or_exit(import_sheet, source, case))


@main.group("import")
def import_group():
    """Make case files from other tools' formats.

    \b
    Example:
      briefgen import genius laptop_domain.xml laptop_buyer_utility.xml laptop_seller_utility.xml
    """


@import_group.command("genius")
@click.argument("domain", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("profile", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("their_profile", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", "target", type=click.Path(dir_okay=False, path_type=Path),
              help="The case file to write (default: cases/<domain>.md); never overwritten.")
def import_genius(domain, profile, their_profile, target):
    """A Genius/ANAC domain and utility profiles (ours, theirs) as a case file.

    Points are 100 x weight x evaluation, as Genius scores bids; discrete
    issues become options, integer issues ranges.

    \b
    Example:
      briefgen import genius party_domain.xml party_utility_a.xml party_utility_b.xml -o cases/party.md
    """
    from briefgen.case import case_id_for
    from briefgen.genius import import_genius as write_case

    target = target or Path("cases") / f"{case_id_for(domain)}.md"
    path = _or_exit(write_case, domain, profile, their_profile, target)
    click.echo(f"wrote {path}: run briefgen build {path}")


@main.command("meso")
@click.argument("case", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print packages and diagnostics as JSON, for scripts.")
def meso_command(case, as_json):
    """Show the MESO packages of a case, built or checked.

    Without meso.offers, builds meso.packages packages of equal value to us,
    inside both win-sets, each the most generous on a different issue, best
    for them. With meso.offers, checks them against the same criteria. Once
    the case has rounds, shows the next set, built from the estimate their
    answers updated (see `briefgen rounds`). Exit status 1 if a package
    breaks criterion 1 or 2.

    \b
    Example:
      briefgen meso cases/hiring-offer.md
      briefgen meso cases/hiring-offer.md --json
    """
    from briefgen.reading import offers_now
    from briefgen.terms import format_points, format_value

    loaded = _load(case)
    offers = offers_now(loaded)
    if as_json:
        click.echo(json.dumps(offers.to_json(), indent=2))
    else:
        after = f", the next after {len(loaded.rounds)} round{'s' if len(loaded.rounds) > 1 else ''}, from the updated estimate" if loaded.rounds else ""
        click.echo(f"{'Built' if offers.constructed else 'Checked'}: {len(offers.packages)} packages for {loaded.title}{after}")
        for p in offers.packages:
            lead = loaded.issue(p.lead).name if p.lead else "no issue"
            click.echo(f"\n{p.label}  leads with {lead}; us {format_points(p.score)}, them {format_points(p.their_score)} (est.)")
            for issue in loaded.issues:
                click.echo(f"   {issue.name}: {format_value(issue, p.terms[issue.id], loaded.locale)}")
            click.echo(f"   {p.decoding}")
        for d in offers.diagnostics:
            click.echo(f"\n{d.level} (MESO {_criterion(d.criterion)}): {d.message}")
    sys.exit(1 if offers.errors else 0)


@main.command("mediate")
@click.argument("a", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("b", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["pdf", "html", "txt"]), default="pdf", show_default=True,
              help="pdf to print, html (one file, styles inline), txt to paste.")
@click.option("--mediator", metavar="NAME", help="The mediator's name, as the proposal sheets sign (default: 'The mediator').")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the documents go in, under <A's case id>+<B's case id>/ (default: the project's output/).")
@click.option("--json", "as_json", is_flag=True, help='Print {"frontier": [...], "proposals": [...]} instead of writing.')
def mediate(a, b, fmt, mediator, output, as_json):
    """Mediate between two sides' own case files: the mediator's brief and a proposal sheet for each.

    Each side gives the mediator its own file, in confidence. Writes
    OUTPUT/<A id>+<B id>/mediator-brief.pdf (confidential to the mediator) and
    proposals-<side id>.pdf for each side: the mediator's packages, in that
    side's language, carrying nothing of the other side's file.

    \b
    Example:
      briefgen mediate cases/mediation/lab-tenant.md cases/mediation/lab-landlord.md
      briefgen mediate A.md B.md --json
    """
    from briefgen.mediation_documents import analyse_files, mediate_files

    root = _root_of(a)
    if as_json:
        click.echo(json.dumps(_or_exit(analyse_files, a, b, _project(root)).to_json(), indent=2))
        return
    for path in _or_exit(mediate_files, a, b, output or root / "output", _rules(root), fmt, mediator,
                         project=_project(root)):
        click.echo(f"wrote {path}")


@main.command("rounds")
@click.argument("case", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the rounds, the estimate and the next packages as JSON.")
def rounds_command(case, as_json):
    """Show what each round's answer reveals, the updated estimate and the next offer.

    Each choice is read pair by pair against the other packages offered, and
    each counter issue by issue (cherry-picking and values outside our range
    are flagged). Their points are re-estimated to agree with every answer,
    changing the case's own estimate as little as possible, and the next
    MESO set is built from it. The case file is not changed.

    \b
    Example:
      briefgen rounds cases/union-contract.md
      briefgen rounds cases/union-contract.md --json
    """
    from briefgen.reading import history, rounds_text

    loaded = _load(case)
    found = history(loaded)
    if found is None:
        raise click.UsageError(f"{case} has no rounds yet; record their answer with: briefgen respond {case} --chose LABEL")
    click.echo(json.dumps(found.to_json(), indent=2) if as_json else rounds_text(loaded, found))


class _ArchiveGroup(click.Group):
    """`briefgen archive CASE` is short for `briefgen archive add CASE`."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["add", *args]
        return super().parse_args(ctx, args)


def _archive_folder(ctx, param, folder):
    """The folder given, or the archive/ of the project (the case's, or the current folder's)."""
    case = ctx.params.get("case")
    return folder or (_root_of(case) if case else _here()) / "archive"


ARCHIVE = click.option("-a", "--archive", "folder", type=click.Path(file_okay=False, path_type=Path),
                       envvar="BRIEFGEN_ARCHIVE", callback=_archive_folder,
                       help="The archive folder (or set BRIEFGEN_ARCHIVE; default: the project's archive/).")


@main.group(cls=_ArchiveGroup)
def archive():
    """Archive case write-ups (PDF/A), and find, show, extract and verify them.

    `briefgen archive CASE` archives a new version of CASE (a no-op when the
    file has not changed since the last version). Versions are append-only:
    no command overwrites or deletes anything.

    \b
    Example:
      briefgen archive cases/hiring-offer.md
      briefgen archive search "remote days"
      briefgen archive verify
    """


@archive.command("add")
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@ARCHIVE
def archive_add(case, folder):
    """Archive CASE as a new version: a PDF/A write-up carrying its source.

    \b
    Example:
      briefgen archive add cases/hiring-offer.md
    """
    from briefgen.archive import archive_case
    from briefgen.build import id_collisions

    root = _root_of(case)
    if clash := id_collisions([case], root).get(case):
        sys.exit(_report([clash]))
    done = _or_exit(archive_case, case, folder, _rules(root), _project(root))
    for note in done.notes:
        click.echo(f"note: {note}", err=True)
    if done.unchanged:
        click.echo(f"unchanged: {case} is already archived as {done.case_id} version {done.version} (id {done.id})")
    else:
        click.echo(f"archived {done.case_id} version {done.version} (id {done.id}): {done.pdf}")


@archive.command("list")
@ARCHIVE
def archive_list(folder):
    """List every archived version.

    \b
    Example:
      briefgen archive list
    """
    from briefgen.archive import list_versions

    for v in _or_exit(list_versions, folder):
        click.echo(f"{v['id']:>5}  {_line(v['case_id'])} v{v['version']}  {_line(v['archived_at'][:10])}  "
                   f"{_line(v['status']):<10} {_line(v['title'])}")


@archive.command("search")
@click.argument("query")
@ARCHIVE
def archive_search(query, folder):
    """Full-text search over titles, parties, tags, constituencies, round notes,
    bodies and lessons. Words are stemmed ("union" finds "Unions"); "phrases",
    OR, NOT and prefix* work; any other punctuation is searched as text.

    \b
    Example:
      briefgen archive search "remote days"
      briefgen archive search "hardliners OR veto"
    """
    from briefgen.archive import search

    found = _or_exit(search, folder, query)
    for hit in found:
        click.echo(f"{hit['id']:>5}  {_line(hit['case_id'])} v{hit['version']}  {_line(hit['title'])}\n       {_line(hit['snippet'])}")
    if not found:
        click.echo(f"nothing found for {query!r}")


@archive.command("show")
@click.argument("version_id", type=int)
@ARCHIVE
def archive_show(version_id, folder):
    """Show what the index records about one archived version.

    \b
    Example:
      briefgen archive show 3
    """
    from briefgen.archive import show

    record = _or_exit(show, folder, version_id)
    for key, value in record.items():
        if key != "body" and (value or key not in ("lessons", "constituencies", "rounds")):
            click.echo(f"{key:>16}: {_line(value) if value is not None else ''}")


@archive.command("extract")
@click.argument("version_id", type=int)
@click.option("-o", "--output", "target", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the source (default: its original file name, here).")
@ARCHIVE
def archive_extract(version_id, target, folder):
    """Write back the exact case file embedded in a version's write-up.

    \b
    Example:
      briefgen archive extract 3 -o restored.md
    """
    from briefgen.archive import extract

    click.echo(f"wrote {_or_exit(extract, folder, version_id, target)}")


@archive.command("verify")
@click.option("--deep", is_flag=True, help="Also re-render every write-up from its embedded source and compare the bytes (slow).")
@click.option("--head", metavar="HASH", help="A chain head noted earlier: a problem unless it is still in the chain.")
@ARCHIVE
def archive_verify(deep, head, folder):
    """Check the archive: the hash chain, every record against its write-up and
    the search index, every hash, every indexed file, every file indexed.

    Prints the chain head: note it elsewhere, and a later `--head HASH` shows
    whether the history up to it was rewritten. Exit status 1 on any problem.

    \b
    Example:
      briefgen archive verify
      briefgen archive verify --deep --head 3f5a...
    """
    from briefgen.archive import verify

    root = _here()
    found = _or_exit(verify, folder, deep, _rules(root) if deep else None, _project(root), head)
    for note in found.notes:
        click.echo(note)
    for problem in found.problems:
        click.echo(f"problem: {problem}", err=True)
    if found.head:
        click.echo(f"chain head: {found.head} ({found.versions} version{'s' if found.versions != 1 else ''})")
    click.echo(f"{len(found.problems)} problem{'s' if len(found.problems) != 1 else ''} in {folder}")
    sys.exit(1 if found.problems else 0)


@main.command("text")
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--package", metavar="LABEL", help="Fill the text from this package of the set now (A, B, ...); "
              "default: outcome.agreed, else the package they chose in the latest round.")
@click.option("--compare", type=click.IntRange(min=1), metavar="N", help="Write a redline against version N.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html", "txt", "docx"]), default="pdf", show_default=True,
              help="pdf with line numbers, html (one file), txt, or docx to edit in Word.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder the draft goes in, under a subfolder named after the case (default: the project's output/).")
@ARCHIVE
def text_command(case, package, compare, fmt, output, folder):
    """Write the draft agreement (the single negotiating text), numbered as a version.

    Fills the case's `agreement` text with the package's values in the
    counterpart's formats and language, and records it in the archive as
    version 1, 2, ... whenever its text or terms changed. With --compare N,
    writes a redline against version N instead.

    \b
    Example:
      briefgen text cases/warehouse-lease.md
      briefgen text cases/warehouse-lease.md --compare 1 --format docx
    """
    from briefgen.agreement_draft import write_text

    root = _root_of(case)
    done = _or_exit(write_text, case, output or root / "output", folder, fmt, package, compare, project=_project(root))
    said = f"recorded version {done.version}" if done.added else f"version {done.version}, unchanged"
    click.echo(f"wrote {done.path} ({said}; terms: {done.source})")


@main.command()
@click.argument("case", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("text")
@click.option("--on", "version", type=click.IntRange(min=1), required=True, metavar="N", help="The version commented on.")
@click.option("--line", type=click.IntRange(min=1), required=True, metavar="L", help="Its line.")
@click.option("--from", "side", type=click.Choice(["them", "us"]), required=True, help="Who said it.")
@ARCHIVE
def comment(case, text, version, line, side, folder):
    """Record a comment on a line of a version of the agreement text.

    Appends it to the case's `comments`, keeping the file's comments and
    layout; the next draft prints it with who said it and where. Comments
    are shared with the other side: keep internal notes in the body.

    \b
    Example:
      briefgen comment cases/warehouse-lease.md --on 1 --line 7 --from them "Rent review every three years"
    """
    from briefgen.agreement_draft import record_comment
    from briefgen.build import build_date

    click.echo(_or_exit(record_comment, case, folder, version, line, side, text, _or_exit(build_date)))


def _line(value) -> str:
    """Text from an archive's index on one line, its control characters shown, not acted on by the terminal."""
    from briefgen.errors import CONTROL_CHARACTERS

    return " ".join(str(value).split()).translate(CONTROL_CHARACTERS)


def _or_exit(function, *args, **options):
    """Call the library; print the problems a user can fix, without a traceback, and exit 1."""
    from briefgen.errors import BriefgenError, CaseError, UsageError

    try:
        return function(*args, **options)
    except CaseError as error:
        _report(error.problems)
        sys.exit(1)
    except UsageError as error:
        raise click.UsageError(str(error)) from None
    except BriefgenError as error:
        raise click.ClickException(str(error)) from None


def _criterion(criterion: str) -> str:
    return f"criterion {criterion}" if criterion.isdigit() else criterion


@main.command()
def rules():
    """List the active Level II rules and where each came from.

    Shows briefgen's default rules and the project's own (rules/*.yaml next
    to cases/): added, replacing a default by id, or switched off with
    `{id: ..., disabled: true}`.

    \b
    Example:
      briefgen rules
    """
    from briefgen.level2.report import rules_text

    click.echo(rules_text(_rules(_here())))


def _load(path: Path):
    from briefgen.case import load_case

    return _or_exit(load_case, path, _project(_root_of(path)).locale)


def _project(root: Path):
    """The project at `root`: its briefgen.toml and theme; a broken config stops the command (exit 1)."""
    from briefgen.project import load_project

    return _or_exit(load_project, root)


def _rules(root: Path):
    """The project's active rules; a broken rule file stops the command (exit 1)."""
    from briefgen.build import project_rules

    return _or_exit(project_rules, root)


def _here() -> Path:
    """The project the current folder is in (see project.find_root)."""
    from briefgen.project import find_root

    return find_root(Path("."))


def _root_of(case: Path) -> Path:
    """The project a case file belongs to: its briefgen.toml, theme, rules, output/ and archive/."""
    from briefgen.project import find_root

    return find_root(case.parent)


def _cases(cases) -> tuple[Path, list[Path]]:
    """The project and the case files named (a folder: every *.md in it), or all of its cases/*.md."""
    from briefgen.build import expand_cases, find_cases, project_of

    if cases:
        paths = expand_cases(cases)
        if not paths:
            raise click.UsageError(f"no *.md files in {', '.join(map(str, cases))}; name a case file or a folder of them")
        return _or_exit(project_of, paths), paths
    root = _here()
    found = find_cases(root)
    if not found:
        where = "cases/*.md here" if root == Path(".") else f"{root / 'cases'}/*.md"
        raise click.UsageError(f"no cases given and no {where}; name a case file, or run: briefgen new NAME")
    return root, found


def _without_collisions(paths: list[Path], root: Path) -> tuple[int, list[Path]]:
    """Report every case whose id another file shares (neither is built); the number reported, and the others."""
    from briefgen.build import id_collisions

    clashes = id_collisions(paths, root)
    _report(list(clashes.values()))
    return len(clashes), [path for path in paths if path not in clashes]


def _report(problems) -> int:
    for problem in problems:
        click.echo(str(problem), err=True)
    return 1 if problems else 0
