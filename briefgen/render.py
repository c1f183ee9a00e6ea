"""Documents: Jinja templates to HTML, WeasyPrint HTML to PDF.

Each document gets its own context object. The brief is internal and may see
the whole case. The offer sheet goes to the counterpart, so its context is
built from an explicit allow-list (OfferSheet, in offer_sheet.py): what is not
handed to its template cannot leak into it.

A project's theme folder overrides the built-in templates and their assets
one file at a time (project.py); a template that fails names its file and line.

Only this module imports jinja2 and weasyprint (WeasyPrint lazily: it takes
half a second to import).
"""
from __future__ import annotations

import datetime
import functools
import mimetypes
import re
import traceback
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from briefgen import __version__, catalogs, figures, plaintext
from briefgen.body import convert as body_html
from briefgen.case import Case, Issue
from briefgen.errors import CaseError, Problem
from briefgen.level2.analysis import Analysis
from briefgen.meso import Meso
from briefgen.offer_sheet import (BIDI_MARKS, OfferOption, OfferSheet, numbers_kept_whole,  # noqa: F401 (render's API)
                                  offer_sheet_context, reference_code)
from briefgen.project import TEMPLATES, Project, email_logo
from briefgen.reading import History, history
from briefgen.scoring import Assessment, assess
from briefgen.terms import format_points, format_value, influencer_text

LETTER_TERRITORIES = {"US", "CA", "MX", "PH", "CL", "CO", "VE"}
# --- contexts -------------------------------------------------------------

@dataclass(frozen=True)
class Package:
    """A MESO package as the brief shows it: label, lead, decoding key, assessment."""

    label: str
    lead: Issue | None
    decoding: str
    assessment: Assessment


@dataclass(frozen=True)
class Brief:
    """Everything the internal prep brief may show."""

    case: Case
    packages: Sequence[Package]
    meso: Meso
    level2: Analysis
    history: History | None
    estimated: Case  # the case with their points as the rounds updated them (the case itself without rounds)
    body: Markup
    locale: str
    generated: str

    def value(self, issue: Issue, value) -> str:
        return format_value(issue, value, self.locale)

    def packages_count(self, count: float, share: bool = True) -> str:
        """A number of packages, with its share of all; 'about' where it was sampled."""
        win_sets = self.level2.win_sets
        number = format_decimal(round(count), locale=self.locale) if count < 1e15 else f"{count:.2e}"
        shown = f"{'' if win_sets.exact else 'about '}{number}"
        if share and win_sets.total:
            shown += f" ({format_percent(count / win_sets.total, locale=self.locale)})"
        return shown

    @property
    def left_out(self) -> list:
        """Who can block or sink the deal and gets none of its conditions from any package."""
        from briefgen.level2.plan import left_out

        return left_out(self.case, [p.assessment.package for p in self.packages])

    @functools.cached_property
    def settlement(self):
        """The packages both sides prefer to the agreement (briefgen.improve), for a case with one; else None."""
        from briefgen.improve import settlement

        return settlement(self.case) if self.case.outcome and self.case.outcome.agreed else None

    @property
    def assumed_issues(self) -> list[Issue]:
        return [issue for issue in self.case.issues if issue.their_points_assumed]


def brief_context(case: Case, offers: Meso, level2: Analysis, today: datetime.date) -> Brief:
    """The brief in the team's locale (briefgen.toml), whatever the offer sheet's."""
    read = history(case)
    estimated = read.estimate.case if read else case  # once rounds exist, their points as the answers updated them
    return Brief(
        case=case,
        packages=[
            Package(p.label, case.issue(p.lead) if p.lead else None, p.decoding, assess(estimated, p.terms))
            for p in offers.packages
        ],
        meso=offers,
        level2=level2,
        history=read,
        estimated=estimated,
        body=body_html(case.body)[0],
        locale=case.locale,
        generated=format_date(today, "long", locale=case.locale),
    )


# --- templates --------------------------------------------------------------

@functools.lru_cache(maxsize=16)
def environment(theme: Path | None = None, language: str = catalogs.SOURCE) -> jinja2.Environment:
    """Templates from the theme folder first, then briefgen's own (compiled once per
    process and language); `{% trans %}` blocks speak `language` (catalogs.py)."""
    env = Sandbox(
        loader=ThemeLoader(theme),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_translations(catalogs.translations(language), newstyle=True)
    env.filters["points"] = format_points
    env.filters["markdown"] = sheet_markdown
    env.filters["paragraphs"] = plaintext.paragraphs
    env.filters["text_direction"] = plaintext.direction
    env.globals["text_table"] = plaintext.table
    env.filters["influencer_text"] = influencer_text
    env.globals.update(constituency_map=figures.constituency_map, meso_chart=figures.meso_chart,
                       issue_priorities=figures.issue_priorities)
    env.globals["version"] = __version__
    return env


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (no name starting with `_`, so no `__globals__`; no changing
    a list or dict), calling only briefgen's and Jinja's own functions and methods
    and the methods of plain values. A theme may come from anyone: nothing its
    templates call opens a file, a process or a socket (`Path.read_text`,
    numpy's `tofile`, pydantic's methods are all refused)."""

    def is_safe_callable(self, obj) -> bool:
        return super().is_safe_callable(obj) and (_of_plain_value(obj) or _own(obj))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if not __self.is_safe_callable(__obj):  # named, not repr()'d: a bound method's repr is its whole object
            raise SecurityError(f"{getattr(__obj, '__qualname__', type(__obj).__name__)}() may not be called")
        return super().call(__context, __obj, *args, **kwargs)


PLAIN_VALUES = (str, int, float, tuple, list, dict, set, frozenset, datetime.date)
OWN_MODULES = {"briefgen", "jinja2", "markupsafe"}


def _of_plain_value(method) -> bool:
    """`dict`, or a method of a text, number, date or container that its plain type has
    (so a numpy number's `tofile` is refused though numpy's float64 is a float)."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    return method is dict or any(isinstance(owner, kind) and hasattr(kind, name) for kind in PLAIN_VALUES)


def _own(function) -> bool:
    module = getattr(getattr(function, "__func__", function), "__module__", None) or ""
    return module.partition(".")[0] in OWN_MODULES


class ThemeLoader(jinja2.BaseLoader):
    """A template from the theme folder, else briefgen's own: a regular file inside
    its folder, as the asset fetcher serves them (a symlink out of the theme is refused)."""

    def __init__(self, theme: Path | None):
        self.theme = theme
        self.folders = [theme, TEMPLATES] if theme else [TEMPLATES]

    def get_source(self, environment, template):
        pieces = split_template_path(template)
        own = self.theme.joinpath(*pieces) if self.theme else None
        if own and (own.exists() or own.is_symlink()) and asset(own, self.theme) is None:
            raise CaseError([Problem(_shown(own), 1, 1, (
                f"template: {template} in the theme is {own.resolve()}, not a regular file inside the theme folder; "
                "a theme's templates must be files inside it: copy the file in"))])
        path = asset(TEMPLATES.joinpath(*pieces), self.theme)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        mtime = path.stat().st_mtime_ns
        return path.read_text(encoding="utf-8"), str(path), lambda: _mtime(path) == mtime


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def sheet_markdown(text: str) -> Markup:
    """A case's Markdown for the offer sheet: the body's safe subset; in a right-to-left
    text, numbers in groups kept in their order."""
    html = body_html(text)[0]
    return Markup(numbers_kept_whole(html)) if plaintext.direction(text) == "rtl" else html


def page_size(locale: str) -> str:
    """Letter where the locale's country uses it, A4 elsewhere."""
    return "letter" if Locale.parse(locale).territory in LETTER_TERRITORIES else "A4"


def render_brief_html(brief: Brief, project: Project = Project()) -> str:
    return with_contents(_render("brief.html", brief.locale, project, brief=brief))


def render_brief_preview(brief: Brief, project: Project = Project()) -> str:
    """The brief as one HTML file for a browser, its styles inline (browsers ignore the print-only rules).

    The browser fetches nothing: the PDF's fetcher does not run there, so the
    stylesheet keeps no URL but `data:`, and a Content-Security-Policy first in
    the head stops whatever a theme's template names (images, links to styles)."""
    return inline_styles(render_brief_html(brief, project), "brief.css", project)


def inline_styles(html: str, stylesheet: str, project: Project = Project()) -> str:
    """A document as one HTML file, its stylesheet inline and nothing fetched (see render_brief_preview)."""
    style = f"<style>\n{offline(document_css(stylesheet, project.theme))}\n</style>\n</head>"
    html = html.replace("</head>", style, 1)
    head = re.search(r"<head\b[^>]*>", html)
    at = head.end() if head else 0
    return f"{html[:at]}\n{NOTHING_FETCHED}{html[at:]}"


NOTHING_FETCHED = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
                   'style-src \'unsafe-inline\'; img-src data:; font-src data:">')


def offline(css: str) -> str:
    """A stylesheet without fetches: @imports left after inlining (of anything but the
    theme's and briefgen's files) dropped, and every url() but a data: one emptied."""
    css = re.sub(r"@import\b[^;]*;?", "", css)
    return re.sub(r"""url\(\s*(?!['"]?data:)[^)]*\)""", "none", css, flags=re.I)


def with_contents(html: str) -> str:
    """Fill the contents from the sections the document actually has, so the
    list can never disagree with them; WeasyPrint adds the page numbers."""
    sections = re.findall(r'<section class="[^"]*" id="([a-z0-9-]+)">\s*<h2>(.*?)</h2>', html, flags=re.S)
    items = [f'<li><a href="#{anchor}">{title}</a></li>' for anchor, title in sections]
    half = (len(items) + 1) // 2  # two columns as table cells: CSS columns cost WeasyPrint a second layout
    columns = f'<ol>{"".join(items[:half])}</ol><ol start="{half + 1}">{"".join(items[half:])}</ol>'
    contents = f'<nav class="contents"><h2>Contents</h2><div class="columns">{columns}</div></nav>' if len(items) > 2 else ""
    return html.replace("<!-- contents -->", contents, 1)


def render_writeup_html(brief: Brief, version: int, stamp: str, source_name: str, project: Project = Project()) -> str:
    return _render("writeup.html", brief.locale, project, brief=brief, version=version, stamp=stamp, source_name=source_name,
                   agreed=assess(brief.case, brief.case.outcome.agreed) if brief.case.outcome and brief.case.outcome.agreed else None)


def render_offer_sheet_html(sheet: OfferSheet, project: Project = Project()) -> str:
    return _render("offer-sheet.html", sheet.locale, project, sheet=sheet, **_speaking(sheet))


def render_offer_sheet_email(sheet: OfferSheet, project: Project = Project()) -> str:
    """One self-contained HTML file with inline styles, fit for an email body (the logo a PNG)."""
    return _render("offer-sheet-email.html", sheet.locale, replace(project, logo=email_logo(project)), sheet=sheet,
                   **_speaking(sheet))


def render_offer_sheet_text(sheet: OfferSheet, project: Project = Project()) -> str:
    text = _render("offer-sheet.txt", sheet.locale, project, sheet=sheet, **_speaking(sheet))
    return plaintext.right_to_left(text) if sheet.direction == "rtl" else text


def render_sheet(template: str, sheet: OfferSheet, project: Project = Project(), **context) -> str:
    """A counterpart-facing document other than the offer sheet, in the sheet's language."""
    return _render(template, sheet.locale, project, sheet=sheet, **_speaking(sheet), **context)


def _speaking(sheet: OfferSheet) -> dict:
    """The sheet's language: its catalog's, or English (then the document says so in `lang`)."""
    language = catalogs.sheet_language(sheet.locale)
    spoken = sheet.locale if Locale.parse(sheet.locale).language == Locale.parse(language).language else language
    return {"language": language, "lang": spoken.replace("_", "-"), "dir": sheet.direction}


def _render(template: str, locale: str, project: Project, language: str = catalogs.SOURCE, **context) -> str:
    """The document's HTML. Besides its own context, every template gets the page
    size, the language and direction, and the organisation's name and logo: the
    organisation's own branding, never case data, so the offer sheet may show them too."""
    env = environment(project.theme, language)
    context = {"lang": locale.replace("_", "-"), "dir": "ltr", **context}
    try:
        return env.get_template(template).render(
            page_size=project.page_size or page_size(locale), organisation=project.organisation, logo=project.logo,
            **context)
    except (jinja2.TemplateError, TypeError) as error:
        raise CaseError([_template_problem(error, env)]) from None


def _template_problem(error: Exception, env: jinja2.Environment) -> Problem:
    """Where in which template it went wrong: Jinja puts template lines into the traceback."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return Problem(_shown(Path(error.filename or str(error.name))), error.lineno, 1, f"template: {error.message}")
    folders = [folder.resolve() for folder in env.loader.folders]
    frames = [(frame.f_code.co_filename, line) for frame, line in traceback.walk_tb(error.__traceback__)]
    filename, line = next(((name, line) for name, line in reversed(frames)
                           if any(Path(name).resolve().is_relative_to(f) for f in folders)), ("template", 1))
    filename = _shown(Path(filename))
    if isinstance(error, jinja2.UndefinedError):
        message = f"{error}: the template names a field its document does not have; fix the template"
    elif isinstance(error, SecurityError):
        message = (f"{error} (themes run sandboxed: a template may show the fields of its document "
                   "and call briefgen's own functions, nothing else)")
    elif isinstance(error, jinja2.TemplateNotFound):
        message = f"no template named '{error.name}' in the theme or in briefgen's own templates"
    else:
        message = str(error)
    return Problem(filename, line, 1, f"template: {message}")


def _shown(path: Path) -> str:
    """A template's path as the user would type it: relative to the working folder when inside it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


# --- PDF --------------------------------------------------------------------

def html_to_pdf(html: str, stylesheet: str, theme: Path | None = None, **options) -> bytes:
    """A tagged PDF (reading order, title and language for screen readers),
    rendered with a fetcher that serves only the theme's and the templates' files.

    `options` go to WeasyPrint's write_pdf (pdf_variant, attachments, ...).
    """
    import weasyprint

    fetcher = asset_fetcher(theme)
    css = [weasyprint.CSS(url=(TEMPLATES / stylesheet).as_uri(), url_fetcher=fetcher)]
    if theme is not None and (theme / THEME_CSS).is_file():  # the theme's additions, after the built-in rules
        css.append(weasyprint.CSS(url=(theme / THEME_CSS).as_uri(), url_fetcher=fetcher))
    document = weasyprint.HTML(string=html, base_url=TEMPLATES.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=css, pdf_tags=True, **options)


def attachment(content: bytes, name: str, relationship: str, stamp: datetime.datetime, description: str):
    """A file to embed in a PDF, with fixed dates so the PDF is reproducible."""
    import io

    import weasyprint

    return weasyprint.Attachment(file_obj=io.BytesIO(content), name=name, relationship=relationship,
                                 description=description, created=stamp, modified=stamp)


def asset(path: Path, theme: Path | None = None) -> Path | None:
    """The file a template path names: the theme's copy first, then the built-in
    one; None for anything outside both folders (however it is spelled) or not a file."""
    builtin = TEMPLATES.resolve()
    folders = [theme.resolve(), builtin] if theme else [builtin]
    path = path.resolve()
    candidates = [folder / path.relative_to(builtin) for folder in folders] if path.is_relative_to(builtin) else [path]
    for candidate in (c.resolve() for c in candidates):
        if any(candidate.is_relative_to(folder) for folder in folders) and candidate.is_file():
            return candidate
    return None


THEME_CSS = "theme.css"  # a theme's own rules, layered on the built-in stylesheet of every document


def document_css(name: str, theme: Path | None = None) -> str:
    """A document's whole stylesheet as text (for browsers): the built-in one, then the theme's theme.css."""
    return stylesheet_text(name, theme) + ("\n" + stylesheet_text(THEME_CSS, theme) if theme else "")


def stylesheet_problems(theme: Path) -> list[Problem]:
    """Each @import in the theme's stylesheets that would not load, at its line and column:
    WeasyPrint would only log it, and the documents would silently lose those styles."""
    import tinycss2

    problems = []
    for sheet in sorted(theme.rglob("*.css")):
        relative = sheet.relative_to(theme)
        # A stylesheet overriding a built-in one is read from the templates' URL, the others from their own.
        base = TEMPLATES / relative if (TEMPLATES / relative).is_file() else sheet
        for rule in tinycss2.parse_stylesheet(sheet.read_text(encoding="utf-8", errors="replace"), True, True):
            if rule.type != "at-rule" or rule.lower_at_keyword != "import":
                continue
            url = _import_url(rule.prelude)
            where = (_shown(sheet), rule.source_line, rule.source_column)
            if url is None or urllib.parse.urlsplit(url).scheme not in ("", "file"):
                problems.append(Problem(*where, (
                    f"@import {tinycss2.serialize(rule.prelude).strip()}: briefgen loads stylesheets only from the "
                    "theme folder and its own templates, never from the network; copy the file into the theme")))
            elif asset(base.parent / urllib.parse.unquote(url), theme) is None:
                problems.append(Problem(*where, (
                    f"@import url(\"{url}\"): there is no such stylesheet in the theme folder or among briefgen's "
                    "templates, so its styles would be lost; fix the name, or add the file")))
    return problems


def _import_url(prelude) -> str | None:
    token = next((t for t in prelude if t.type not in ("whitespace", "comment")), None)
    if token is None:
        return None
    if token.type in ("url", "string"):
        return token.value
    if token.type == "function" and token.lower_name == "url":
        return next((t.value for t in token.arguments if t.type == "string"), None)
    return None


def stylesheet_text(name: str, theme: Path | None = None, seen: frozenset = frozenset()) -> str:
    """A stylesheet with its @imports inlined, each file from the theme first (for browsers)."""
    path = asset(TEMPLATES / name, theme)
    if path is None or name in seen:
        return ""
    return re.sub(r'@import url\("([^"]+)"\);', lambda m: stylesheet_text(m[1], theme, seen | {name}), path.read_text())


def asset_fetcher(theme: Path | None = None):
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    class AssetFetcher(weasyprint.URLFetcher):
        """Serves `data:` URLs and regular files inside the theme and templates folders; nothing else.

        No network, no redirects, no file outside the folders (however the
        path is spelled: `..`, `%2e%2e`, symlinks, `file://host/`), no devices.
        """

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urllib.parse.urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("",):
                raise ValueError(f"briefgen does not fetch {url}")
            path = asset(Path(urllib.parse.unquote(parts.path)), theme)
            if path is None:
                raise ValueError(f"briefgen serves only its own template files and the theme's, not {url}")
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})

    return AssetFetcher(allow_redirects=False, allowed_protocols=("file", "data"), timeout=5)


# --- a mediation (briefgen mediate) ----------------------------------------------------------

def render_mediator_brief(brief, fmt: str, project: Project = Project()) -> str:
    """The mediator's brief (mediation_documents.MediatorBrief) as page HTML, one-file HTML or text."""
    if fmt == "txt":
        return _render("mediator-brief.txt", brief.locale, project, brief=brief)
    html = with_contents(_render("mediator-brief.html", brief.locale, project, brief=brief))
    return inline_styles(html, "mediator-brief.css", project) if fmt == "html" else html


def render_proposals(sheet: OfferSheet, fmt: str, project: Project = Project()) -> str:
    """A side's proposal sheet, in its language: page HTML, one-file HTML or text."""
    if fmt == "txt":
        text = _render("proposals.txt", sheet.locale, project, sheet=sheet, **_speaking(sheet))
        return plaintext.right_to_left(text) if sheet.direction == "rtl" else text
    html = _render("proposals.html", sheet.locale, project, sheet=sheet, **_speaking(sheet))
    return inline_styles(html, "offer-sheet.css", project) if fmt == "html" else html
