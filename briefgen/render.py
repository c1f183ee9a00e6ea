"""Documents: Jinja templates to HTML, WeasyPrint HTML to PDF.

Each document gets its own context object. The brief is internal and may see
the whole case. The offer sheet goes to the counterpart, so its context is
built from an explicit allow-list (OfferSheet): what is not handed to its
template cannot leak into it.

Only this module imports jinja2 and weasyprint (WeasyPrint lazily: it takes
half a second to import).
"""
from __future__ import annotations

import datetime
import mimetypes
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markdown
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from briefgen import __version__, figures
from briefgen.case import Case, Issue
from briefgen.level2.analysis import Analysis
from briefgen.meso import Meso
from briefgen.rounds import History, history
from briefgen.scoring import Assessment, assess
from briefgen.terms import format_points, format_value

TEMPLATES = Path(__file__).parent / "templates"
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
    def assumed_issues(self) -> list[Issue]:
        return [issue for issue in self.case.issues if issue.their_points_assumed]


@dataclass(frozen=True)
class OfferOption:
    label: str
    terms: tuple[str, ...]  # one value in words per row of OfferSheet.issues


@dataclass(frozen=True)
class OfferSheet:
    """The allow-list: the only facts the counterpart-facing sheet receives."""

    our_name: str
    their_name: str
    to: str
    sender: str | None
    date: str
    valid_until: str | None
    intro: str | None
    closing: str | None
    issues: tuple[str, ...]  # labels, with units where the values need them
    options: tuple[OfferOption, ...]
    locale: str


def brief_context(case: Case, offers: Meso, level2: Analysis, today: datetime.date) -> Brief:
    locale = case.offer_sheet.locale
    return Brief(
        case=case,
        packages=[
            Package(p.label, case.issue(p.lead) if p.lead else None, p.decoding, assess(case, p.terms))
            for p in offers.packages
        ],
        meso=offers,
        level2=level2,
        history=history(case),
        body=markdown_to_html(case.body),
        locale=locale,
        generated=format_date(today, "long", locale=locale),
    )


def offer_sheet_context(case: Case, packages: Sequence[Mapping], today: datetime.date) -> OfferSheet:
    settings, locale = case.offer_sheet, case.offer_sheet.locale
    return OfferSheet(
        our_name=case.parties.us.name,
        their_name=case.parties.them.name,
        to=settings.to or case.parties.them.name,
        sender=settings.sender,
        date=format_date(today, "long", locale=locale),
        valid_until=format_date(settings.valid_until, "long", locale=locale) if settings.valid_until else None,
        intro=settings.intro,
        closing=settings.closing,
        issues=tuple(issue.name for issue in case.issues),
        options=tuple(
            OfferOption(_label(n), tuple(format_value(issue, package[issue.id], locale) for issue in case.issues))
            for n, package in enumerate(packages)
        ),
        locale=locale,
    )


def _label(n: int) -> str:
    return chr(ord("A") + n)


# --- Markdown ---------------------------------------------------------------

class _SafeBody(markdown.treeprocessors.Treeprocessor):
    """Nests the body's headings under the brief's own, and drops links and
    images that would point at local files (a relative link becomes a PDF
    annotation with the absolute path on this machine)."""

    def run(self, root):
        for element in root.iter():
            if element.tag in ("h1", "h2", "h3", "h4", "h5"):
                element.tag = f"h{min(6, int(element.tag[1]) + 1)}"
            elif element.tag == "a" and not _is_web(element.get("href", "")):
                element.attrib.pop("href", None)
            elif element.tag == "img" and not element.get("src", "").startswith("data:"):
                element.tag, element.text = "span", f"[image: {element.get('alt') or 'not shown'}]"
                element.attrib.clear()


def _is_web(url: str) -> bool:
    return urllib.parse.urlsplit(url).scheme in ("http", "https", "mailto")


def markdown_to_html(text: str) -> Markup:
    """Case Markdown to HTML, with any raw HTML in it escaped, not passed through."""
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_SafeBody(md), "briefgen-safe-body", 0)
    return Markup(md.convert(text))


# --- templates --------------------------------------------------------------

def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["points"] = format_points
    env.globals["text_table"] = text_table
    env.globals.update(constituency_map=figures.constituency_map, meso_chart=figures.meso_chart,
                       issue_priorities=figures.issue_priorities)
    env.globals["version"] = __version__
    return env


def page_size(locale: str) -> str:
    """Letter where the locale's country uses it, A4 elsewhere."""
    return "letter" if Locale.parse(locale).territory in LETTER_TERRITORIES else "A4"


def render_brief_html(brief: Brief) -> str:
    return with_contents(_render("brief.html", brief.locale, brief=brief))


def with_contents(html: str) -> str:
    """Fill the contents from the sections the document actually has, so the
    list can never disagree with them; WeasyPrint adds the page numbers."""
    sections = re.findall(r'<section class="[^"]*" id="([a-z0-9-]+)">\s*<h2>(.*?)</h2>', html, flags=re.S)
    items = "".join(f'<li><a href="#{anchor}">{title}</a></li>' for anchor, title in sections)
    contents = f'<nav class="contents"><h2>Contents</h2><ol>{items}</ol></nav>' if len(sections) > 2 else ""
    return html.replace("<!-- contents -->", contents, 1)


def render_writeup_html(brief: Brief, version: int, stamp: str, source_name: str) -> str:
    return _render("writeup.html", brief.locale, brief=brief, version=version, stamp=stamp, source_name=source_name,
                   agreed=assess(brief.case, brief.case.outcome.agreed) if brief.case.outcome and brief.case.outcome.agreed else None)


def render_offer_sheet_html(sheet: OfferSheet) -> str:
    return _render("offer-sheet.html", sheet.locale, sheet=sheet)


def render_offer_sheet_email(sheet: OfferSheet) -> str:
    """One self-contained HTML file with inline styles, fit for an email body."""
    return _render("offer-sheet-email.html", sheet.locale, sheet=sheet)


def render_offer_sheet_text(sheet: OfferSheet) -> str:
    return _render("offer-sheet.txt", sheet.locale, sheet=sheet)


def text_table(rows: Sequence[str], options: Sequence[OfferOption]) -> list[str]:
    """The options side by side in plain text, columns padded to fit."""
    header = ["", *(f"Option {option.label}" for option in options)]
    table = [header] + [[row, *(option.terms[n] for option in options)] for n, row in enumerate(rows)]
    widths = [max(len(line[k]) for line in table) for k in range(len(header))]
    lines = ["   ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in table]
    lines.insert(1, "   ".join("-" * width for width in widths))
    return lines


def _render(template: str, locale: str, **context) -> str:
    lang = locale.replace("_", "-")
    return environment().get_template(template).render(lang=lang, page_size=page_size(locale), **context)


# --- PDF --------------------------------------------------------------------

def html_to_pdf(html: str, stylesheet: str, **options) -> bytes:
    """Render with a fetcher that serves only the templates' own files.

    `options` go to WeasyPrint's write_pdf (pdf_variant, attachments, ...).
    """
    import weasyprint

    css = weasyprint.CSS(filename=str(TEMPLATES / stylesheet), url_fetcher=asset_fetcher())
    document = weasyprint.HTML(string=html, base_url=str(TEMPLATES) + "/", url_fetcher=asset_fetcher())
    return document.write_pdf(stylesheets=[css], **options)


def attachment(content: bytes, name: str, relationship: str, stamp: datetime.datetime, description: str):
    """A file to embed in a PDF, with fixed dates so the PDF is reproducible."""
    import io

    import weasyprint

    return weasyprint.Attachment(file_obj=io.BytesIO(content), name=name, relationship=relationship,
                                 description=description, created=stamp, modified=stamp)


def asset_fetcher():
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    class AssetFetcher(weasyprint.URLFetcher):
        """Serves `data:` URLs and regular files inside the templates folder; nothing else.

        No network, no redirects, no file outside the folder (however the
        path is spelled: `..`, `%2e%2e`, symlinks, `file://host/`), no devices.
        """

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urllib.parse.urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("",):
                raise ValueError(f"briefgen does not fetch {url}")
            path = Path(urllib.parse.unquote(parts.path)).resolve()
            if not path.is_relative_to(TEMPLATES.resolve()) or not path.is_file():
                raise ValueError(f"briefgen serves only its own template files, not {url}")
            mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime_type})

    return AssetFetcher(allow_redirects=False, allowed_protocols=("file", "data"), timeout=5)
