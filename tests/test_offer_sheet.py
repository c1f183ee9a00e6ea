"""The offer sheet: zero leakage, proven; formats, presentation and the checks before sending.

The proof works like this. A generator takes any case text and replaces the value of
every internal field with a unique sentinel (`ZQ<field path>`), renaming issue ids
consistently, scaling our and their points by odd factors (so every score and target
becomes a distinctive number), moving every internal date to a distinctive day, and
writing the case as `zqfolder/zqfilename*.md`. Which fields are internal is decided by
walking the Case model itself: a field added to the format without a decision here
fails `test_every_field_of_the_format_is_classified`, and the generated cases must
exercise every internal field (`test_the_generated_case_covers_every_internal_field`).

A checker then looks for the sentinels (and, for the real examples, for the internal
texts themselves) everywhere in each produced sheet: the PDF's extracted text, its
metadata and XMP, every string of every PDF object, every decompressed stream (raw and
as UTF-16), annotations and attachments; the whole file for HTML and text.
`test_the_checker_catches_*` render deliberately leaking sheets and see it report them.

Dates: the sheets are produced with `today` = min(2026-11-24, valid_until), so every
example is sendable, including reunification-talks (valid until 1990-06-30; its sheet
is dated that day). That a passed valid_until is refused is tested separately, on that
example as it is.
"""
from __future__ import annotations

import datetime
import functools
import html as html_module
import io
import re
import types
import typing
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
import pytest
from babel.dates import format_date
from click.testing import CliRunner
from pydantic import BaseModel
from ruamel.yaml import YAML

from briefgen import build, render
from briefgen.build import build_date
from briefgen.case import Case, load_case, parse_case
from briefgen.cli import main
from briefgen.errors import BriefgenError
from briefgen.level2.analysis import analyse
from briefgen.level2.rules import load_rules
from briefgen.reading import offers_now  # the set the sheet carries: the case's, or the next after rounds
from briefgen.terms import format_value
from conftest import EXAMPLE_CASES, HIRING, HIRING_FULL, hiring_with, replace, run

TODAY = datetime.date(2026, 11, 24)
ROOT = Path(__file__).parent.parent
EXAMPLES = EXAMPLE_CASES
FORMATS = ("pdf", "html", "txt", "docx")


# --- which fields are internal: decided on the Case model, field by field -------------------

# Schema paths: '*' for a list item, '<key>'/'<value>' for a mapping's keys and values.
ALLOWED = {  # may reach the counterpart
    "parties.us.name", "parties.them.name",
    "issues.*.label", "issues.*.unit", "issues.*.options.*.value", "issues.*.options.*.label",
    "issues.*.range.min", "issues.*.range.max", "issues.*.range.step",
    "issues.*.points.<key>", "issues.*.their_points.<key>",  # anchors are issue values
    "offer_sheet.to", "offer_sheet.from", "offer_sheet.valid_until", "offer_sheet.intro", "offer_sheet.closing",
    "offer_sheet.reference", "offer_sheet.reply", "offer_sheet.signature",
    "meso.hold.<value>", "meso.offers.*.<value>", "rounds.*.offered.*.<value>", "rounds.*.counter.<value>",
    "outcome.agreed.<value>",
}
# Closed vocabularies and settings: they cannot hold a sentinel, and say nothing in words.
STRUCTURAL = {
    "format", "status", "constituencies.*.side", "constituencies.*.power", "constituencies.*.stance",
    "constituencies.*.audience", "meso.packages", "offer_sheet.locale", "rounds.*.chose",
    "issues.*.rank", "issues.*.their_rank",  # small whole numbers: no sentinel fits, none is shown
    "locale",  # the team's locale, from briefgen.toml: the brief's language, never the sheet's
    "setting.public", "setting.written", "constituencies.*.influenced_by.*.stance",
    "parties.us.locale", "parties.them.locale",  # a party's own language (briefgen mediate)
    "comments.*.version", "comments.*.line", "comments.*.from",
}
INTERNAL_TEXT = {
    "id", "path", "body", "title", "tags.*",
    "parties.us.negotiator", "parties.us.batna", "parties.us.interests.*",
    "parties.them.negotiator", "parties.them.batna", "parties.them.interests.*",
    "issues.*.id",
    "constituencies.*.id", "constituencies.*.name", "constituencies.*.interests.*", "constituencies.*.concerns.*",
    "constituencies.*.sensitivities.*", "constituencies.*.requires.*", "constituencies.*.influenced_by.*",
    "constituencies.*.influenced_by.*.name", "constituencies.*.notes",
    "meso.lead_with.*", "meso.hold.<key>", "meso.offers.*.<key>",
    "rounds.*.offered.*.<key>", "rounds.*.counter.<key>", "rounds.*.note",
    "outcome.agreed.<key>", "outcome.summary",
    # The agreement text and its comments go to the other side, but in the draft (test_agreement_leaks.py),
    # never on the offer sheet: here they are internal.
    "agreement", "comments.*.text",
}
INTERNAL_NUMBER = {
    "issues.*.points.<value>", "issues.*.their_points.<value>", "issues.*.options.*.points",
    "issues.*.options.*.their_points", "targets.reservation", "targets.aspiration", "meso.tolerance",
    "issues.*.weight", "issues.*.their_weight", "issues.*.best", "issues.*.worst", "issues.*.their_best",
    "issues.*.their_worst", "issues.*.options.*.rating", "issues.*.options.*.their_rating",
    "targets.their_reservation",
}
INTERNAL_DATE = {"date", "rounds.*.date", "outcome.date", "comments.*.date"}
LOADER = {"body_line", "source_lines.<key>", "source_lines.<value>"}  # the loader's bookkeeping, not file data


def _leaves(tp):
    """(path suffix, leaf type) for every leaf inside Annotated/Union/tuple/dict."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        yield from _leaves(typing.get_args(tp)[0])
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            yield from _leaves(arg)
    elif origin is tuple:
        yield from ((".*" + suffix, leaf) for suffix, leaf in _leaves(typing.get_args(tp)[0]))
    elif origin is dict:
        key, value = typing.get_args(tp)
        yield from ((".<key>" + suffix, leaf) for suffix, leaf in _leaves(key))
        yield from ((".<value>" + suffix, leaf) for suffix, leaf in _leaves(value))
    elif tp is not type(None):
        yield "", tp


def schema_paths(model=Case, prefix="") -> set[str]:
    paths = set()
    for name, info in model.model_fields.items():
        for suffix, leaf in _leaves(info.annotation):
            path = f"{prefix}{info.alias or name}{suffix}"
            if isinstance(leaf, type) and issubclass(leaf, BaseModel):
                paths |= schema_paths(leaf, path + ".")
            else:
                paths.add(path)
    return paths


SCHEMA = schema_paths()


def instance_leaves(value, prefix=""):
    """(schema path, value) for every leaf of a loaded Case."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            yield from instance_leaves(getattr(value, name), f"{prefix}.{info.alias or name}".lstrip("."))
    elif isinstance(value, tuple):
        for item in value:
            yield from instance_leaves(item, prefix + ".*")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield prefix + ".<key>", key
            yield from instance_leaves(item, prefix + ".<value>")
    elif value is not None:
        yield prefix, value


# --- the sentinel generator ------------------------------------------------------------------

K_US, K_THEM = 1.0173, 0.9713  # scale factors: every comparison MESO makes stays the same
SENTINEL_DATES = {"date": datetime.date(2003, 7, 19), "outcome.date": datetime.date(2004, 8, 21),
                  "rounds.*.date": datetime.date(2005, 9, 23), "comments.*.date": datetime.date(2006, 10, 25)}
SENTINEL_BODY = ("## ZQbody_heading\n\nZQbody_text with **ZQbody_bold**, a [ZQbody_link](zqlocal-link.md), "
                 "an ![ZQbody_image](zqlocal-image.png) and a [web link](https://example.org/zqweb).\n")
FIXED = ["zqfilename", "zqfolder", "zqlocal", "ZQcomment_in_the_frontmatter", "zqweb"]


@dataclass
class Sentinelized:
    text: str
    replaced: dict[str, tuple[str, str]] = field(default_factory=dict)  # file path -> (original, sentinel)
    numbers: list[float] = field(default_factory=list)  # the scaled points and targets

    @property
    def sentinels(self) -> list[str]:
        return sorted({new for _, new in self.replaced.values()} | set(FIXED))


def rewrite_leaves(node, leaf, path: str = "", schema: str = "", rename_key=lambda key, schema: key):
    """Every leaf of a case's YAML tree replaced by `leaf(value, path, schema)`, where `schema` is its
    place in the format's SCHEMA (`*` for a list item, `<value>` in a mapping of keys to values);
    `rename_key` may rename a mapping's keys first, in place, keeping their order."""
    if isinstance(node, dict):
        keyed = f"{schema}.<key>" in SCHEMA  # a mapping of keys to values, not a model
        for key in list(node):
            node.insert(list(node).index(key), rename_key(key, schema), node.pop(key))
        for key in list(node):
            node[key] = rewrite_leaves(node[key], leaf, f"{path}.{key}".lstrip("."),
                                       f"{schema}.<value>" if keyed else f"{schema}.{key}".lstrip("."), rename_key)
        return node
    if isinstance(node, list):
        for n in range(len(node)):
            node[n] = rewrite_leaves(node[n], leaf, f"{path}.{n}", f"{schema}.*", rename_key)
        return node
    return leaf(node, path, schema)


def sentinelize(text: str) -> Sentinelized:
    """`text` with every internal value replaced by a sentinel; see the module docstring."""
    lines = text.splitlines(keepends=True)
    end = next(n for n, line in enumerate(lines[1:], start=1) if line.rstrip() in ("---", "..."))
    yaml = YAML(typ="rt")
    yaml.width = 4096
    tree = yaml.load("".join(lines[1:end]))
    result = Sentinelized("")
    ids = {}
    for n, issue in enumerate(tree.get("issues") or []):
        # The name of an issue without a label is made from its id: give it that label, so
        # that renaming the id does not change what the sheet may show.
        issue.setdefault("label", issue["id"].replace("_", " ").capitalize())
        ids[issue["id"]] = f"zqissue{n}x"
        result.replaced[f"issues.{n}.id"] = (issue["id"], ids[issue["id"]])

    def rename_condition(condition: str) -> str:  # ids outside quoted texts only
        parts = re.split(r"(\"[^\"]*\"|'[^']*')", condition)
        return "".join(part if k % 2 else re.sub(r"\b[A-Za-z_]\w*\b", lambda m: ids.get(m[0], m[0]), part)
                       for k, part in enumerate(parts))

    def package_key(key, schema):
        return ids.get(key, key) if f"{schema}.<key>" in INTERNAL_TEXT else key  # a package: its keys are issue ids

    def leaf(node, path, schema):
        if isinstance(node, bool) or node is None or schema in ALLOWED | STRUCTURAL:
            return node
        if schema in INTERNAL_NUMBER and isinstance(node, (int, float)):
            # Ratings are at most 100: scaled down, like their points, they stay ratings.
            scaled = round(node * (K_THEM if "their_points" in schema or "rating" in schema else K_US), 6)
            result.numbers.append(scaled)
            return scaled
        if schema in INTERNAL_DATE:
            return SENTINEL_DATES[schema]
        if schema in ("issues.*.id", "meso.lead_with.*"):
            return ids[node]
        if schema == "constituencies.*.requires.*":
            result.replaced[path] = (node, rename_condition(node))
            return rename_condition(node)
        if isinstance(node, str):  # any other text, known or not, is internal
            sentinel = "ZQ" + re.sub(r"\W", "_", path)
            result.replaced[path] = (node, sentinel)
            return sentinel
        raise AssertionError(f"the generator does not know what to do with {path} = {node!r}")

    rewrite_leaves(tree, leaf, rename_key=package_key)
    out = io.StringIO()
    yaml.dump(tree, out)
    result.text = "---\n# ZQcomment_in_the_frontmatter\n" + out.getvalue() + "---\n" + SENTINEL_BODY
    return result


# The base of the all-sentinel case: the format's own example, with what it lacks added,
# so that every internal field of the format holds something (a held issue, a second
# constituency without a name, a round with a note and a counter) and a date far away.
ALL_BASE = replace(
    HIRING_FULL,
    ("    their_points: {90000: 0, 110000: 40}", "    their_points: {90000: 0, 110000: 40}\n"
     "    weight: 60\n    their_weight: 45\n    best: 90000\n    worst: 110000\n    their_best: 109000\n"
     "    their_worst: 91000"),
    ("{value: 1, label: \"1 day\",  points: 35, their_points: 0}",
     "{value: 1, label: \"1 day\",  points: 35, their_points: 0, rating: 97, their_rating: 3}"),
    ("  - id: term\n", "  - id: start\n    label: Start\n    options:\n"
                   "      - {value: march, label: \"1 March 2027\", points: 0, their_points: 0}\n  - id: term\n"),
    ("  hold: {}  ", "  hold: {start: march}"),
    ("    notes: \"Works nights; the commute matters most.\"\n",
     "    notes: \"Works nights; the commute matters most.\"\n"
     "  - id: finance_team\n    side: us\n    power: veto\n    stance: neutral\n"
     "    interests: [\"budget\"]\n    concerns: [\"precedent\"]\n    sensitivities: [\"surprises\"]\n"
     "    requires: [\"salary <= 100000 and start == 'march'\"]\n    influenced_by: [\"the CFO\", {name: \"the hiring committee\", stance: supportive}]\n    notes: \"Signs off.\"\n"),
    ("  valid_until: 2026-12-05", "  valid_until: 2099-12-31"),
    ("  their_reservation: 45 ", "  their_reservation: 12 "),
    ("outcome:                       # filled in",
     "rounds:\n  - date: 2026-11-30\n    offered:\n"
     "      - {salary: 100000, remote_days: 1, term: 3}\n      - {salary: 95000, remote_days: 1, term: 2}\n"
     "      - {salary: 90000, remote_days: 2, term: 1}\n"
     "    chose: B\n    counter: {salary: 99000}\n    note: \"Wants a start in March\"\n\n"
     "outcome:                       # filled in"),
    ("agreed: {salary: 97000, remote_days: 2, term: 2}", "agreed: {salary: 97000, remote_days: 2, term: 2, start: march}"),
    ('  summary: "Accepted package B with a higher salary."\n',
     '  summary: "Accepted package B with a higher salary."\n'
     'agreement: |\n  # Employment agreement\n  The base salary is {salary} a year, with {remote_days} at home.\n'
     '  The contract runs for {term} from {start}.\n'
     'comments:\n  - {version: 1, line: 2, from: them, text: "Could the salary be reviewed after a year?", date: 2026-12-01}\n'),
)


# --- the checker ---------------------------------------------------------------------------------

def norm(text: str) -> str:
    """For comparing words: compatibility forms, no hyphenation breaks, no whitespace, any case."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u00ad\u2010]\\s+", "", text)
    return re.sub(r"\s+", "", text).casefold()


@dataclass
class PdfParts:
    text: str
    metadata: str
    xmp: str
    objects: str  # every string and name of every object, and every stream decompressed
    raw: str
    annotations: list[dict]
    attachments: dict


@functools.lru_cache(maxsize=64)
def pdf_parts(data: bytes) -> PdfParts:
    reader = pypdf.PdfReader(io.BytesIO(data))
    strings, streams = [], []

    def collect(obj):
        if isinstance(obj, pypdf.generic.StreamObject):
            streams.append(obj.get_data().decode("latin-1"))
        if isinstance(obj, dict):
            for key, value in obj.items():
                strings.append(str(key))
                collect(value)
        elif isinstance(obj, list):
            for item in obj:
                collect(item)
        elif isinstance(obj, bytes):
            strings.append(obj.decode("latin-1"))
        elif isinstance(obj, str):
            strings.append(str(obj))

    for number in range(1, int(reader.trailer["/Size"])):
        obj = reader.get_object(number)
        if obj is not None:
            collect(obj)
    collect(reader.trailer)
    metadata = reader.metadata or {}
    xmp = reader.root_object.get("/Metadata")
    annotations = [annotation.get_object() for page in reader.pages for annotation in page.get("/Annots", [])]
    return PdfParts(
        text=unicodedata.normalize("NFKC", "\n".join(page.extract_text() for page in reader.pages)),
        metadata="\n".join(f"{key} {value}" for key, value in metadata.items()),
        xmp=xmp.get_object().get_data().decode("utf-8", "replace") if xmp is not None else "",
        objects="\n".join(strings + streams),
        raw=data.decode("latin-1"),
        annotations=annotations,
        attachments={name: content for name, content in reader.attachments.items()},
    )


def _encodings(needle: str) -> list[str]:
    """How a text can sit in a PDF's bytes: UTF-8 or UTF-16BE, as is or in hex."""
    forms = []
    for encoded in (needle.encode(), needle.encode("utf-16-be")):
        forms += [encoded.decode("latin-1"), encoded.hex(), encoded.hex().upper()]
    return forms


def find_leaks(fmt: str, data: bytes, needles, prefix: str | None = None) -> list[str]:
    """Where any needle turns up in a produced sheet: ['pdf text: ZQtitle', ...].

    Words are compared with `norm` (a leak split over two lines is still a leak); in
    the PDF's objects and bytes, where fonts and numbers live, needles are searched
    exactly and only from 6 characters up. `prefix` ('zq') is searched in every text
    a reader can see.
    """
    needles = sorted({n for n in needles if norm(n)})
    found = []
    if fmt == "pdf":
        parts = pdf_parts(data)
        attachments = " ".join(f"{name} {content!r}" for name, content in parts.attachments.items())
        readable = {"text": parts.text, "metadata": parts.metadata, "xmp": parts.xmp,
                    "annotations": repr(parts.annotations), "attachments": attachments}
        binary = {"objects": parts.objects, "bytes": parts.raw}
    elif fmt == "docx":
        parts = docx_parts(data)
        readable = {"text": parts.text, "core properties": parts.core, "app properties": parts.app,
                    **{f"part {name}": html_module.unescape(re.sub(r"<[^>]+>", " ", xml)) for name, xml in parts.xml.items()}}
        binary = {f"part {name}, as stored": xml for name, xml in parts.xml.items()}  # attributes, names
    else:
        text = data.decode("utf-8")
        readable = {"file": text, "file, unescaped": html_module.unescape(text)}
        binary = {}
    for where, text in readable.items():
        flat = norm(text)
        found += [f"{fmt} {where}: {needle}" for needle in needles if norm(needle) in flat]
        if prefix and prefix in flat:
            found.append(f"{fmt} {where}: {prefix}...")
    for where, text in binary.items():
        found += [f"{fmt} {where}: {needle}" for needle in needles
                  if len(needle) >= 6 and any(form in text for form in _encodings(needle))]
    return found


@dataclass
class DocxParts:
    text: str  # what Word shows: paragraphs, tables, headers and footers
    core: str  # the document's properties (author, title, ...)
    app: str
    xml: dict[str, str]  # every part of the package, as stored


@functools.lru_cache(maxsize=64)
def docx_parts(data: bytes) -> DocxParts:
    """A DOCX as python-docx opens it, and every part of its package."""
    import zipfile

    import docx

    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        texts += [p.text for part in (section.header, section.footer) for p in part.paragraphs]
    core = document.core_properties
    core_text = " ".join(str(getattr(core, name) or "") for name in (
        "author", "category", "comments", "content_status", "identifier", "keywords", "language",
        "last_modified_by", "subject", "title", "version"))
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        xml = {name: package.read(name).decode("utf-8", "replace") for name in package.namelist()}
    return DocxParts("\n".join(texts), core_text, xml.get("docProps/app.xml", ""), xml)


def readable_text(fmt: str, data: bytes) -> str | None:
    """What a reader sees of a PDF or a DOCX; None for the text formats."""
    return pdf_parts(data).text if fmt == "pdf" else docx_parts(data).text if fmt == "docx" else None


def pdf_structure_problems(data: bytes) -> list[str]:
    """Ways a PDF can carry things besides its pages: attachments, links to files, actions."""
    parts = pdf_parts(data)
    reader = pypdf.PdfReader(io.BytesIO(data))
    problems = [f"attachment {name}" for name in parts.attachments]
    names = reader.root_object.get("/Names", {})
    problems += [f"/Names {key}" for key in ("/EmbeddedFiles", "/JavaScript") if key in names]
    problems += [f"catalog {key}" for key in ("/AF", "/OpenAction", "/AA") if key in reader.root_object]
    for annotation in parts.annotations:
        action = annotation.get("/A", {})
        uri = str(action.get("/URI", ""))
        if annotation.get("/Subtype") != "/Link":
            problems.append(f"a {annotation.get('/Subtype')} annotation")
        if action.get("/S") not in (None, "/URI", "/GoTo"):
            problems.append(f"a {action.get('/S')} action")
        if uri and not re.match(r"(https?|mailto):", uri):
            problems.append(f"a link to {uri}")
    return problems


# --- producing the sheets ------------------------------------------------------------------------

# The templates' own words and markup (the email's inline styles say 'background' and 'border').
BOILERPLATE = " ".join(
    re.sub(r"\{[{%#].*?[}%#]\}", " ", (render.TEMPLATES / name).read_text(), flags=re.S)
    for name in ("offer-sheet.html", "offer-sheet-email.html", "offer-sheet.txt", "base.html", "offer-sheet.css",
                 "base.css")
)


@dataclass
class Source:
    name: str
    path: Path
    today: datetime.date | None  # None: through the command, today being today
    needles: list[str]
    numbers: list[str] = field(default_factory=list)  # checked in what a reader sees only


_OFFERS: dict[str, object] = {}


def offers_once(case: Case):
    """offers_now(case), once per case rather than once per format and helper: MESO is
    deterministic (test_meso pins it) and takes up to 2 s a case. Keyed by the whole case."""
    key = case.model_dump_json()
    if key not in _OFFERS:
        _OFFERS[key] = offers_now(case)
    return _OFFERS[key]


def allowed_texts(case: Case, today: datetime.date) -> list[str]:
    """Everything the sheet may say, and the template's own words."""
    locale = case.offer_sheet.locale
    settings = case.offer_sheet
    texts = [case.parties.us.name, case.parties.them.name, BOILERPLATE, format_date(today, "long", locale=locale)]
    texts += [settings.to or "", settings.sender or "", settings.intro or "", settings.closing or ""]
    if settings.valid_until:
        texts.append(format_date(settings.valid_until, "long", locale=locale))
    for issue in case.issues:
        texts += [issue.name, issue.unit or ""]
        texts += [f"{option.label or ''} {option.value}" for option in issue.options or ()]
    texts += [format_value(issue, p.terms[issue.id], locale) for p in offers_once(case).packages for issue in case.issues]
    return texts


def internal_texts(case: Case, generated: Sentinelized) -> list[str]:
    """The internal texts of a real case: the file's, the body's, and what the brief derives."""
    texts = [original for original, _ in generated.replaced.values()]
    texts += [line.strip(" #*-_>|") for line in case.body.splitlines()]
    texts += [c.display_name for c in case.constituencies] + [case.title, case.id, Path(case.path).name]
    return texts + derived_texts(case)


def derived_texts(case: Case) -> list[str]:
    """What briefgen works out for the brief: decoding keys, MESO diagnostics, Level II advice."""
    offers = offers_once(case)
    texts = [p.decoding for p in offers.packages] + [d.message for d in offers.diagnostics]
    texts += [text for finding in analyse(case, RULES).findings for text in (finding.advice, finding.why)]
    return texts


def _unless_allowed(texts, allowed: str) -> list[str]:
    """Texts long enough to mean something, and not also something the sheet may say."""
    return [text for text in texts if len(norm(text)) >= 3 and norm(text) not in allowed]


def number_needles(numbers, allowed: str) -> list[str]:
    """Distinctive digit strings of internal numbers, rounded and cut: 40.692 -> '40.69', '40.7', '40.6'
    (and with a decimal comma); never one that looks whole ('41', '40.0')."""
    needles = set()
    for number in numbers:
        cut = f"{number:.6f}"
        for digits in (f"{number:.2f}", f"{number:.1f}", cut[:cut.index(".") + 3], cut[:cut.index(".") + 2]):
            if not re.search(r"\.0+$", digits):
                needles |= {digits, digits.replace(".", ",")}
    return sorted(n for n in needles if norm(n) not in allowed)


RULES = load_rules()
DATE_NEEDLES = [day for date in SENTINEL_DATES.values()
                for day in (date.isoformat(), format_date(date, "long", locale="en_US"))]


def make_sources(folder: Path) -> list[Source]:
    sources = []
    (folder / "zqfolder").mkdir(parents=True, exist_ok=True)
    for example in EXAMPLES:
        text = example.read_text(encoding="utf-8")
        case = load_case(example)
        today = min(TODAY, case.offer_sheet.valid_until or TODAY)
        allowed = norm(" ".join(allowed_texts(case, today)))

        path = folder / "zqfolder" / f"zqfile-{example.name}"
        path.write_text(text, encoding="utf-8")
        real = _unless_allowed(internal_texts(load_case(path), sentinelize(text)), allowed)
        sources.append(Source(f"example-{example.stem}", path, today, real + ["zqfile", "zqfolder", str(folder)]))

        generated = sentinelize(text)
        path = folder / "zqfolder" / f"zqfilename-{example.name}"
        path.write_text(generated.text, encoding="utf-8")
        case = load_case(path)
        scores = [s for p in offers_once(case).packages for s in (p.score, p.their_score)]
        needles = generated.sentinels + [str(folder)] + _unless_allowed(derived_texts(case), allowed) + DATE_NEEDLES
        sources.append(Source(f"sentinel-{example.stem}", path, today, needles,
                              number_needles(generated.numbers + scores, allowed)))
    generated = sentinelize(ALL_BASE)
    path = folder / "zqfolder" / "zqfilename.md"
    path.write_text(generated.text, encoding="utf-8")
    case = load_case(path)
    allowed = norm(" ".join(allowed_texts(case, build_date())))
    scores = [s for p in offers_once(case).packages for s in (p.score, p.their_score)]
    needles = generated.sentinels + [str(folder)] + _unless_allowed(derived_texts(case), allowed) + DATE_NEEDLES
    sources.append(Source("all-sentinel", path, None, needles, number_needles(generated.numbers + scores, allowed)))
    return sources


SOURCE_NAMES = ([f"{kind}-{example.stem}" for example in EXAMPLES for kind in ("example", "sentinel")]
                + ["all-sentinel"])


def produce(source: Source, fmt: str, output: Path) -> bytes:
    """The sheet as `briefgen offer` writes it (with MESO's packages computed once per source)."""
    if source.today is not None:
        written = build.offer(source.path, output, fmt, today=source.today)
    else:
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(source.path.parent.parent)
            result = CliRunner().invoke(main, ["offer", str(source.path.relative_to(source.path.parent.parent)),
                                               "--format", fmt, "-o", str(output)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        written = Path(result.output.removeprefix("wrote ").strip())
    assert written == output / load_case(source.path).id / f"offer-sheet.{fmt}"
    return written.read_bytes()


@pytest.fixture(scope="module")
def sheets(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sheets")
    sources = {source.name: source for source in make_sources(folder)}
    assert sorted(sources) == sorted(SOURCE_NAMES)
    cache = {}

    def get(name: str, fmt: str) -> tuple[Source, bytes]:
        if (name, fmt) not in cache:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(build, "offers_now", offers_once)
                cache[name, fmt] = produce(sources[name], fmt, folder / "output")
        return sources[name], cache[name, fmt]

    return get


# --- the generator covers the format ---------------------------------------------------------

def test_every_field_of_the_format_is_classified():
    """A field added to the case format must be declared allowed or internal here."""
    classified = ALLOWED | STRUCTURAL | INTERNAL_TEXT | INTERNAL_NUMBER | INTERNAL_DATE | LOADER
    assert SCHEMA - classified == set()
    assert classified - SCHEMA == set(), "classified paths the format does not have"


def test_the_generated_case_covers_every_internal_field(tmp_path):
    generated = sentinelize(ALL_BASE)
    path = tmp_path / "zqfolder" / "zqfilename.md"
    path.parent.mkdir()
    path.write_text(generated.text)
    case = load_case(path)
    leaves = list(instance_leaves(case))
    seen = {schema for schema, _ in leaves}
    assert (INTERNAL_TEXT | INTERNAL_NUMBER | INTERNAL_DATE) - seen == set(), "internal fields left empty"
    for schema, value in leaves:
        if schema in INTERNAL_TEXT:
            assert "zq" in str(value).lower(), f"{schema} = {value!r} holds no sentinel"
        elif schema in INTERNAL_DATE:
            assert value in SENTINEL_DATES.values(), schema
        elif schema in INTERNAL_NUMBER and value:
            assert value in generated.numbers, f"{schema} = {value!r} was not scaled"
    # The file name and the folder are part of it.
    assert "zqfilename" in case.path and "zqfolder" in case.path and case.id == "zqfilename"


@pytest.mark.parametrize("example", EXAMPLES + ["all"], ids=lambda e: getattr(e, "stem", e))
def test_generated_cases_keep_their_packages(example):
    """Scaling and renaming change no decision: the same packages, still fit to send."""
    text = ALL_BASE if example == "all" else example.read_text()
    before, after = parse_case(text.encode(), "a.md", "a"), parse_case(sentinelize(text).text.encode(), "b.md", "b")
    offers_before, offers_after = offers_now(before), offers_now(after)
    assert offers_after.sendable
    assert [list(p.terms.values()) for p in offers_after.packages] == [list(p.terms.values()) for p in offers_before.packages]
    assert [d.criterion for d in offers_after.diagnostics] == [d.criterion for d in offers_before.diagnostics]


# --- zero leakage -------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_nothing_internal_reaches_the_sheet(sheets, name, fmt):
    source, data = sheets(name, fmt)
    prefix = "zq" if not name.startswith("example") else None
    leaks = find_leaks(fmt, data, source.needles, prefix=prefix)
    parts = pdf_parts(data) if fmt == "pdf" else None
    readable = parts.text + parts.metadata if parts else readable_text(fmt, data) or data.decode()
    if fmt == "docx":
        readable += docx_parts(data).core
    leaks += [f"{fmt}: the number {n}" for n in source.numbers if n in readable]
    assert leaks == []
    if fmt == "pdf":
        assert pdf_structure_problems(data) == []
        assert parts.attachments == {} and parts.xmp == "" and parts.annotations == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", SOURCE_NAMES)
def test_the_sheet_shows_the_offer(sheets, name, fmt):
    source, data = sheets(name, fmt)
    case = load_case(source.path)
    today = source.today or build_date()
    text = readable_text(fmt, data) or html_module.unescape(re.sub(r"<[^>]+>", " ", data.decode()))
    flat = norm(text)
    settings, locale = case.offer_sheet, case.offer_sheet.locale
    packages = offers_once(case).packages
    expected = [case.parties.us.name, settings.to, settings.sender, settings.closing,
                format_date(today, "long", locale=locale), format_date(settings.valid_until, "long", locale=locale)]
    expected += [paragraph for paragraph in settings.intro.split("\n\n")]
    expected += [issue.name for issue in case.issues]
    expected += [format_value(issue, p.terms[issue.id], locale) for p in packages for issue in case.issues]
    missing = [e for e in expected if norm(e) not in flat]
    assert missing == []
    assert re.findall(r"Option ([A-Z])\b", text)[:len(packages)] == [p.label for p in packages]
    assert "or tell us what you would change" in " ".join(text.split())
    assert f"open until {format_date(settings.valid_until, 'long', locale=locale)}" in " ".join(text.split())


def test_the_sheet_through_the_command_is_the_sheet_of_the_library(sheets, tmp_path, monkeypatch):
    """`briefgen offer` (default PDF) and `--format` write where they say, and nothing else."""
    source, _ = sheets("all-sentinel", "txt")
    monkeypatch.chdir(source.path.parent.parent)
    runner = CliRunner()
    for args, name in [([], "offer-sheet.pdf"), (["--format", "html"], "offer-sheet.html"),
                       (["--format", "txt"], "offer-sheet.txt")]:
        result = runner.invoke(main, ["offer", "zqfolder/zqfilename.md", "-o", str(tmp_path), *args])
        assert (result.exit_code, result.output) == (0, f"wrote {tmp_path}/zqfilename/{name}\n")
    assert sorted(p.name for p in (tmp_path / "zqfilename").iterdir()) == [
        "offer-sheet.html", "offer-sheet.pdf", "offer-sheet.txt"]


# --- the checker catches leaks ---------------------------------------------------------------------

def hiring_sheet(case_text: str = HIRING):
    case = parse_case(case_text.encode(), "zqfolder/zqfilename.md", "zqfilename")
    return case, render.offer_sheet_context(case, [p.terms for p in offers_now(case).packages], TODAY)


# channel: (where in the sheet's HTML, what is slipped in, what the checker must report)
LEAKY_HTML = {
    "visible text": ("</body>", "<p>Our BATNA: ZQparties_us_batna</p></body>",
                     ["pdf text: ZQparties_us_batna"]),
    "text hidden in white": ("</body>", '<p style="color:#fff;font-size:1px">ZQparties_them_batna</p></body>',
                             ["pdf text: ZQparties_them_batna"]),
    "metadata keywords": ("</head>", '<meta name="keywords" content="ZQtags_0"></head>',
                          ["pdf metadata: ZQtags_0", "pdf objects: ZQtags_0"]),
    "metadata subject": ("</head>", '<meta name="description" content="ZQoutcome_summary"></head>',
                         ["pdf metadata: ZQoutcome_summary"]),
    "an attachment": ("</head>", '<link rel="attachment" href="data:text/plain,ZQconstituencies_0_notes"></head>',
                      ["pdf attachments: ZQconstituencies_0_notes", "pdf objects: ZQconstituencies_0_notes",
                       "attachment attachment.bin", "/Names /EmbeddedFiles"]),
    "a link to a local file": ("</body>", '<a href="file:///tmp/zqfolder/zqfilename.md">case file</a></body>',
                               ["pdf annotations: zqfilename", "pdf annotations: zqfolder",
                                "a link to file:///tmp/zqfolder/zqfilename.md"]),
}


LEAK_NEEDLES = ["ZQparties_us_batna", "ZQparties_them_batna", "ZQtags_0", "ZQoutcome_summary",
                "ZQconstituencies_0_notes", "zqfilename", "zqfolder"]


@pytest.fixture(scope="module")
def honest_html():
    """The hiring sheet as HTML for the PDF, and that PDF: the checker finds nothing in it."""
    _, sheet = hiring_sheet()
    html = render.render_offer_sheet_html(sheet)
    pdf = render.html_to_pdf(html, "offer-sheet.css")
    assert find_leaks("pdf", pdf, LEAK_NEEDLES, prefix="zq") == [] and pdf_structure_problems(pdf) == []
    return html


@pytest.mark.parametrize("channel", LEAKY_HTML)
def test_the_checker_catches_a_leaky_pdf(channel, honest_html):
    old, new, expected = LEAKY_HTML[channel]
    leaky = render.html_to_pdf(honest_html.replace(old, new, 1), "offer-sheet.css")
    leaks = find_leaks("pdf", leaky, LEAK_NEEDLES, prefix="zq") + pdf_structure_problems(leaky)
    missed = [report for report in expected if report not in leaks]
    assert missed == [], f"the checker missed a leak through {channel}: it reported {leaks}"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_checker_catches_a_template_that_reads_the_case(fmt, tmp_path, monkeypatch):
    """A deliberately leaking sheet, through the whole `offer` pipeline: the context
    handed to the templates carries their BATNA in the intro and our tags as the sender."""
    generated = sentinelize(ALL_BASE)
    path = tmp_path / "zqfolder" / "zqfilename.md"
    path.parent.mkdir()
    path.write_text(generated.text)
    honest = render.offer_sheet_context

    def leaky(case, packages, today):
        sheet = honest(case, packages, today)
        return type(sheet)(**{**sheet.__dict__, "intro": f"{sheet.intro} {case.parties.them.batna}",
                              "sender": " ".join(case.tags)})

    clean = build.offer(path, tmp_path / "clean", fmt, today=TODAY).read_bytes()
    assert find_leaks(fmt, clean, generated.sentinels, prefix="zq") == []
    monkeypatch.setattr(render, "offer_sheet_context", leaky)
    data = build.offer(path, tmp_path / "leaky", fmt, today=TODAY).read_bytes()
    leaks = find_leaks(fmt, data, generated.sentinels, prefix="zq")
    assert any("ZQparties_them_batna" in leak for leak in leaks)
    assert any("ZQtags_0" in leak for leak in leaks)
    if fmt == "docx":  # the sender is the document's author
        assert any(leak.startswith("docx core properties: ZQtags_0") for leak in leaks)
    if fmt == "pdf":  # the sender is the PDF's author
        assert any(leak.startswith("pdf metadata: ZQtags_0") for leak in leaks)


def test_the_checker_reads_compressed_objects_and_utf16():
    """Leaks that no text extraction shows: an outline title and a stream, compressed."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_outline_item(title="Ünïcode ZQrounds_0_note", page_number=0)
    writer.add_metadata({"/Producer": "x"})
    writer.compress_identical_objects()
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert b"ZQrounds_0_note" not in data  # it is there only as UTF-16, or compressed
    assert find_leaks("pdf", data, ["ZQrounds_0_note"]) != []


# --- presentation: no scores, no ranking, in order -----------------------------------------------

NEUTRAL = hiring_with(
    ("  intro: |\n    Thank you for your time this week. Any of the three packages below works\n"
     "    for us; pick the one that suits you best, or tell us what you would change.\n",
     "  intro: \"Here they are.\"\n"),
    ("closing: \"We look forward to hearing from you.\"", "closing: \"Regards.\""),
)
RANKING_WORDS = r"\b(scores?|points?|recommend\w*|prefer\w*|best|rank\w*|favou?rite|ideal|aspiration|reservation)\b"


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_scores_no_ranking_no_hint(fmt, tmp_path):
    path = tmp_path / "cases" / "neutral.md"
    path.parent.mkdir()
    path.write_text(NEUTRAL)
    data = build.offer(path, tmp_path / "out", fmt, today=TODAY).read_bytes()
    text = readable_text(fmt, data) or html_module.unescape(data.decode())
    words = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    # The one 'best' allowed: theirs, in the invitation to choose ("the one that suits you best").
    words = words.replace("Choose the one that suits you best, or tell us what you would change.", "")
    assert re.findall(RANKING_WORDS, words, flags=re.I) == []
    for number in ("70", "20", "18", "30", "40"):  # the packages' scores, our reservation and aspiration
        assert not re.search(rf"(?<![\d,.$]){number}(?![\d,])", words), number
    assert words.index("Option A") < words.index("Option B") < words.index("Option C")


def test_every_option_looks_the_same():
    """No option is emphasised: the same markup and style for each."""
    _, sheet = hiring_sheet(NEUTRAL)
    for html in (render.render_offer_sheet_html(sheet), render.render_offer_sheet_email(sheet)):
        html = html.replace("Choose the one that suits you best", "")
        heads = re.findall(r"<th([^>]*)>Option ([A-C])</th>", html)
        assert [label for _, label in heads] == ["A", "B", "C"]
        assert len({attributes for attributes, _ in heads}) == 1
        cells = re.findall(r"<td([^>]*)>([^<]+)</td>", html)
        assert len(cells) == 9 and len({attributes for attributes, _ in cells}) == 1
        assert not re.search(r"recommend|prefer|highlight|chosen|best", html, flags=re.I)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_columns_follow_the_packages_in_label_order(example):
    """Column A is package A, on every row (read from the text format's table); an issue
    the same in every package is shown once, below, as common to all options."""
    case = load_case(example)
    packages = offers_once(case).packages
    sheet = render.offer_sheet_context(case, [p.terms for p in packages], TODAY)
    text = render.render_offer_sheet_text(sheet)
    table = text.splitlines()
    header = next(n for n, line in enumerate(table) if line.lstrip().startswith("Option A"))
    starts = [table[header].index(f"Option {p.label}") for p in packages]
    assert table[header + 1].strip().startswith("---")
    values = {issue.name: [format_value(issue, p.terms[issue.id], case.offer_sheet.locale) for p in packages]
              for issue in case.issues}
    varying = [name for name, row in values.items() if len(set(row)) > 1]
    assert list(sheet.issues) == varying and len(varying) >= 1
    for row, name in zip(table[header + 2:], varying):
        cells = [row[start:end].strip() for start, end in zip(starts, starts[1:] + [None])]
        assert row[:starts[0]].strip() == name
        assert cells == values[name]
    common = [(name, row[0]) for name, row in values.items() if len(set(row)) == 1]
    assert list(sheet.common) == common
    if common:
        block = text[text.index("Common to all options"):]
        assert all(f"  {name}: {value}\n" in block for name, value in common)


# --- formats and locales -------------------------------------------------------------------------

def test_the_html_is_one_self_contained_file_for_an_email(sheets):
    for name in SOURCE_NAMES:
        _, data = sheets(name, "html")
        html = data.decode()
        assert re.match(r"<!DOCTYPE html>\s*<html lang=\"[a-z]{2}-[A-Z]{2}\" dir=\"ltr\">", html), name
        assert '<meta charset="utf-8">' in html
        for forbidden in ("<link", "<script", "<style", "<img", "<iframe", "@import"):
            assert forbidden not in html.lower(), (name, forbidden)
        assert all(url.startswith("data:") for url in re.findall(r"\bsrc\s*=\s*[\"']?([^\"' >]*)", html)), name
        assert all(re.match(r"(https?|mailto):", url) for url in re.findall(r"\bhref\s*=\s*[\"']?([^\"' >]*)", html)), name
        assert all(url.startswith("data:") for url in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html)), name
        assert html.count('style="') >= 10, "styles are inline"


def test_the_text_is_plain(sheets):
    for name in SOURCE_NAMES:
        _, data = sheets(name, "txt")
        text = data.decode()
        assert "<" not in text and "&amp;" not in text and "&#" not in text, name
        assert "\t" not in text and "\r" not in text
        assert not re.search(r"\n{4,}", text), "no runs of blank lines"
        assert text.endswith("\n") and not text.endswith("\n\n\n")


GERMAN = """\
---
title: Lieferung
parties:
  us: {name: Nordwind GmbH}
  them: {name: Contoso AG}
issues:
  - id: price
    label: Stückpreis
    unit: EUR
    range: {min: 10, max: 20, step: 0.5}
    points: {10: 0, 20: 40}
    their_points: {10: 40, 20: 0}
  - id: volume
    label: Jahresmenge
    unit: Stück
    range: {min: 10000, max: 30000, step: 10000}
    points: {10000: 0, 30000: 30}
  - id: discount
    label: Skonto
    unit: "%"
    options:
      - {value: 1.5, points: 20, their_points: 0}
      - {value: 2.5, points: 0, their_points: 20}
targets: {reservation: 20, aspiration: 45}
meso:
  tolerance: 15
  offers:
    - {price: 12.5, volume: 30000, discount: 1.5}
    - {price: 17, volume: 10000, discount: 1.5}
offer_sheet:
  to: Frau Weber
  from: "Jan Berg, Nordwind GmbH"
  valid_until: 2027-01-31
  intro: Zwei Angebote.
  closing: Mit freundlichen Grüßen
  locale: de_DE
---
"""


@pytest.mark.parametrize("fmt", FORMATS)
def test_money_numbers_and_dates_follow_the_locale(fmt, tmp_path):
    path = tmp_path / "cases" / "lieferung.md"
    path.parent.mkdir()
    path.write_text(GERMAN)
    data = build.offer(path, tmp_path, fmt, today=TODAY).read_bytes()
    text = readable_text(fmt, data) or html_module.unescape(data.decode())
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    for expected in ("31. Januar 2027", "24. November 2026", "12,50 €", "17,00 €", "30.000 Stück", "10.000 Stück",
                     "1,5 %", "Stückpreis", "Mit freundlichen Grüßen"):
        assert expected in text, expected
    for english in ("January", "November 24", "€12", "30,000", "1.5%"):
        assert english not in text
    if fmt == "pdf":
        boxes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
                 for p in pypdf.PdfReader(io.BytesIO(data)).pages}
        assert boxes == {(595, 842)}  # A4
    if fmt == "html":
        assert '<html lang="de-DE" dir="ltr">' in data.decode()


def test_en_us_is_letter(sheets):
    for name in SOURCE_NAMES:
        source, data = sheets(name, "pdf")
        boxes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
                 for p in pypdf.PdfReader(io.BytesIO(data)).pages}
        letter = load_case(source.path).offer_sheet.locale == "en_US"
        assert boxes == ({(612, 792)} if letter else {(595, 842)}), name  # else A4 (the fisheries example is en_GB)


# --- checks before sending ---------------------------------------------------------------------------

OFFER_B = "- {salary: 95000, remote_days: 1, term: 2}"
BELOW_RESERVATION = hiring_with((OFFER_B, "- {salary: 109000, remote_days: 3, term: 1}"),
                                ("valid_until: 2026-12-05", "valid_until: 2099-12-31"))
OUTSIDE_WIN_SET = hiring_with(("power: influence ", "power: veto     "),
                              ("valid_until: 2026-12-05", "valid_until: 2099-12-31"))
EXPIRED = hiring_with(("valid_until: 2026-12-05", "valid_until: 2020-01-31"))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text, message", [
    (BELOW_RESERVATION,
     "Error: cases/hiring.md: not sent: package B scores 2.0, below our reservation of 40 (MESO criterion 1). "
     "Fix meso.offers, or remove them to let briefgen build the packages, then run briefgen offer again.\n"),
    (OUTSIDE_WIN_SET, "(MESO criterion 2). Fix meso.offers, or remove them to let briefgen build the packages, "
                      "then run briefgen offer again.\n"),
    (EXPIRED,
     f"Error: cases/hiring.md:{EXPIRED.splitlines().index('  valid_until: 2020-01-31') + 1}: not sent: "
     f"offer_sheet.valid_until (2020-01-31) has passed (today is {build_date().isoformat()}); set a date "
     "the other side can still meet, then run briefgen offer again.\n"),
], ids=["criterion-1", "criterion-2", "expired"])
def test_a_sheet_that_must_not_go_out_is_refused(here, text, message, fmt):
    (here / "cases" / "hiring.md").write_text(text)
    old = here / "output" / "hiring" / f"offer-sheet.{fmt}"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"the sheet sent last week")
    result = run("offer", "cases/hiring.md", "--format", fmt)
    assert result.exit_code == 1
    assert result.output.endswith(message) and result.output.startswith("Error: cases/hiring.md")
    assert old.read_bytes() == b"the sheet sent last week"
    assert sorted(p.relative_to(here).as_posix() for p in here.rglob("*")) == [
        "cases", "cases/hiring.md", "output", "output/hiring", f"output/hiring/offer-sheet.{fmt}"]


def test_outside_a_win_set_names_the_package_and_the_blocker(here):
    (here / "cases" / "hiring.md").write_text(OUTSIDE_WIN_SET)
    result = run("offer", "cases/hiring.md")
    assert result.exit_code == 1
    assert re.search(r"package[s]? A\b", result.output) and "Rivera's partner" in result.output
    assert "remote_days >= 2" in result.output


def test_an_expired_example_is_refused_and_writes_nothing(here):
    """reunification-talks is valid until 1990-06-30: as it stands, it may not go out."""
    source = ROOT / "cases" / "reunification-talks.md"
    (here / "cases" / "reunification-talks.md").write_bytes(source.read_bytes())
    line = source.read_text().splitlines().index("  valid_until: 1990-06-30") + 1
    with pytest.raises(BriefgenError, match=rf"^cases/reunification-talks.md:{line}: not sent: offer_sheet.valid_until "
                                            r"\(1990-06-30\) has passed \(today is 2026-11-24\)"):
        build.offer(Path("cases/reunification-talks.md"), Path("output"), "pdf", today=TODAY)
    assert not (here / "output").exists()
    # On its last valid day it goes out.
    assert build.offer(Path("cases/reunification-talks.md"), Path("output"), "txt",
                       today=datetime.date(1990, 6, 30)).exists()


def test_a_case_with_errors_is_reported_located_and_writes_nothing(here):
    (here / "cases" / "hiring.md").write_text(hiring_with(("reservation: 40", "reservaton: 40")))
    result = run("offer", "cases/hiring.md")
    assert result.exit_code == 1
    assert "cases/hiring.md:41:3: unknown key 'reservaton' in targets; did you mean 'reservation'?" in result.output
    assert not (here / "output").exists()


def test_a_case_without_packages_has_nothing_to_send(here):
    (here / "cases" / "lease.md").write_text("---\ntitle: Lease\nparties:\n  us: {name: Us Inc}\n  them: {name: Them plc}\n---\n")
    result = run("offer", "cases/lease.md", "--format", "txt")
    assert (result.exit_code, result.output) == (
        1, "Error: cases/lease.md: not sent: there is no package to offer: the case has no issues yet\n")
    assert not (here / "output").exists()


def test_the_refusal_reads_as_one_sentence(here):
    (here / "cases" / "hiring.md").write_text(BELOW_RESERVATION)
    result = run("offer", "cases/hiring.md")
    assert ". (MESO" not in result.output and "(MESO criterion 1)" in result.output


def test_the_pdf_metadata_says_only_who_proposes_to_whom(sheets):
    for name in SOURCE_NAMES:
        source, data = sheets(name, "pdf")
        case = load_case(source.path)
        metadata = dict(pypdf.PdfReader(io.BytesIO(data)).metadata)
        assert set(metadata) <= {"/Title", "/Author", "/Creator", "/Producer", "/CreationDate", "/ModDate"}, name
        assert metadata["/Title"] == f"Proposal from {case.parties.us.name} to {case.parties.them.name}"
        assert metadata["/Author"] == (case.offer_sheet.sender or case.parties.us.name)
        assert re.fullmatch(r"briefgen \S+", metadata["/Creator"])
