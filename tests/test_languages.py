"""Offer sheets in the counterpart's language: catalogs, every catalogued language in the three
formats, right-to-left, fonts, numbers, the brief in the team's language, and the plain text.

The examples are built in every catalogued language, HTML and text for each example, one PDF
per language (each language on a different example). Checked for each: no English fixed
word remains outside the case's own texts, the dates and numbers are the locale's, Arabic and
Hebrew read right to left, and no character printed without a glyph.
"""
from __future__ import annotations

import datetime
import functools
import html as html_module
import re
import unicodedata
from pathlib import Path

import pypdf
import pytest
from babel.dates import format_date
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen import build, catalogs, plaintext, render
from briefgen.case import load_case
from briefgen.meso import meso
from briefgen.terms import format_amount, format_value
from conftest import hiring_with, run, weasyprint_warnings
from test_offer_sheet import EXAMPLES, pdf_parts

TODAY = datetime.date(2026, 11, 24)
LANGUAGES = catalogs.catalogued()
LOCALES = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES", "it": "it_IT", "pt": "pt_BR", "nl": "nl_NL", "ja": "ja_JP",
           "zh_Hans": "zh_CN", "ar": "ar_EG", "he": "he_IL"}
TEMPLATE = catalogs.extract()


def test_the_required_languages_have_catalogs():
    assert set(LOCALES) == set(LANGUAGES)


# --- the catalogs themselves -----------------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_is_complete_and_sound(language):
    assert catalogs.problems(language, TEMPLATE) == []


def test_the_catalog_template_is_in_step_with_the_templates():
    from babel.messages.pofile import read_po

    with catalogs.TEMPLATE.open("rb") as file:
        stored = {m.id for m in read_po(file) if m.id}
    assert stored == {m.id for m in TEMPLATE if m.id}, "run `make catalogs`"


BROKEN = {
    "missing": ('msgid "To"\nmsgstr "An"\n', "", "'To' is not translated"),
    "empty": ('msgid "To"\nmsgstr "An"\n', 'msgid "To"\nmsgstr ""\n', "'To' is not translated"),
    "fuzzy": ('msgid "To"\nmsgstr "An"\n', '#, fuzzy\nmsgid "To"\nmsgstr "An"\n', "'To' is fuzzy"),
    "placeholder": ('msgstr "Option %(label)s"', 'msgstr "Option %(lable)s"', "placeholders ['lable'], not ['label']"),
    "bare percent": ('msgstr "Seite %(page)s von %(pages)s"', 'msgstr "Seite %(page)s von % %(pages)s"', "placeholders"),
    "plural form": ('msgstr[1] "Unser Angebot: %(num)s Optionen"\n', "", "'Our proposal: %(num)s option' is not translated"),
    "unused": ('msgid "To"\n', 'msgid "Fax"\nmsgstr "Fax"\n\nmsgid "To"\n', "'Fax' is no longer used"),
    "syntax": ('msgid "To"\nmsgstr "An"\n', 'msgid "To"\nmsgstr "An\n', "Babel cannot read it"),
    "unquoted": ('msgid "To"\nmsgstr "An"\n', 'msgid "To"\nmsgstr An\n', "Babel cannot read it"),
}


@pytest.mark.parametrize("breakage", BROKEN)
def test_a_broken_catalog_fails_here(breakage, tmp_path, monkeypatch):
    old, new, expected = BROKEN[breakage]
    source = (catalogs.LOCALES / "de" / "LC_MESSAGES" / "offer-sheet.po").read_text()
    assert old in source
    broken = tmp_path / "de" / "LC_MESSAGES" / "offer-sheet.po"
    broken.parent.mkdir(parents=True)
    broken.write_text(source.replace(old, new, 1))
    monkeypatch.setattr(catalogs, "LOCALES", tmp_path)
    assert any(expected in problem for problem in catalogs.problems("de", TEMPLATE)), catalogs.problems("de", TEMPLATE)


def test_a_new_language_needs_only_a_catalog(tmp_path, monkeypatch):
    """`make catalogs NEW=sv` starts a Swedish catalog; translated, Swedish sheets use it."""
    monkeypatch.setattr(catalogs, "LOCALES", tmp_path)
    monkeypatch.setattr(catalogs, "TEMPLATE", tmp_path / "offer-sheet.pot")
    for cached in (catalogs.catalogued, catalogs.catalog_for, catalogs.translations):
        cached.cache_clear()
    try:
        catalogs.update(("sv",))
        path = tmp_path / "sv" / "LC_MESSAGES" / "offer-sheet.po"
        assert catalogs.problems("sv", TEMPLATE)  # everything still to translate
        text = path.read_text().replace('msgid "Reference"\nmsgstr ""', 'msgid "Reference"\nmsgstr "Vår referens"')
        path.write_text(text)
        assert catalogs.catalog_for("sv_SE") == "sv"
        render.environment.cache_clear()
        sheet = render.offer_sheet_context(*_case_and_packages(EXAMPLES[0], "sv_SE"), TODAY)
        shown = render.render_offer_sheet_text(sheet)
        assert "Vår referens: " in shown and "Our proposal" in shown  # untranslated words stay English
    finally:
        for cached in (catalogs.catalogued, catalogs.catalog_for, catalogs.translations, render.environment):
            cached.cache_clear()


@pytest.mark.parametrize("locale, language", [
    ("de_DE", "de"), ("de_AT", "de"), ("fr_CA", "fr"), ("pt_PT", "pt"), ("zh_CN", "zh_Hans"), ("zh_SG", "zh_Hans"),
    ("zh_TW", None), ("zh_Hant_HK", None), ("ja_JP", "ja"), ("ar_SA", "ar"), ("he_IL", "he"), ("en_GB", "en"),
    ("ko_KR", None), ("sr_Latn_RS", None),
])
def test_a_locale_finds_the_catalog_of_its_language_and_script(locale, language):
    assert catalogs.catalog_for(locale) == language


def test_direction_follows_the_sheet_language():
    assert [catalogs.direction(locale) for locale in ("ar_EG", "he_IL", "de_DE", "en_US", "fa_IR")] == [
        "rtl", "rtl", "ltr", "ltr", "ltr"]  # Persian has no catalog: its sheet is English, left to right


# --- every catalogued language, the three formats ----------------------------------------------------

@functools.lru_cache(maxsize=None)
def _case_and_packages(example: Path, locale: str):
    """The example with its sheet in `locale`, and its packages (the sheet's language changes
    no package: MESO runs once per example, not once per language)."""
    case = load_case(example)
    case = case.model_copy(update={"offer_sheet": case.offer_sheet.model_copy(update={"locale": locale})})
    return case, _packages(example)


@functools.lru_cache(maxsize=None)
def _packages(example: Path) -> list[dict]:
    return [p.terms for p in meso(load_case(example)).packages]


def _user_texts(case) -> list[str]:
    """What the case itself puts on the sheet: it may be English whatever the sheet's language."""
    settings = case.offer_sheet
    texts = [case.parties.us.name, case.parties.them.name, settings.to, settings.sender, settings.intro,
             settings.closing, settings.reply, settings.signature]
    texts += [issue.name for issue in case.issues]
    texts += [format_value(issue, p[issue.id], settings.locale) for p in _case_and_packages(Path(case.path), settings.locale)[1]
              for issue in case.issues]
    return sorted((t for t in texts if t), key=len, reverse=True)


def _english_words(language: str) -> list[str]:
    """The templates' English fixed words, by piece between placeholders, where the
    translation does not use the same word ('Option' is German too)."""
    translations = catalogs.translations(language)
    said = _flat(" ".join(translations.gettext(m.id) if isinstance(m.id, str) else translations.ngettext(*m.id[:2], 3)
                          for m in TEMPLATE if m.id))
    pieces = set()
    for message in TEMPLATE:
        if not message.id:
            continue
        english = message.id if isinstance(message.id, str) else message.id[1]
        for piece in (piece.strip(" :,.") for piece in re.split(r"%\(\w+\)s", english)):
            if re.search(r"[A-Za-z]{2}", piece) and not re.search(rf"(?<!\w){re.escape(_flat(piece))}(?!\w)", said):
                pieces.add(piece)
    return sorted(pieces)


def _visible(fmt: str, data: bytes) -> str:
    if fmt == "docx":  # already its text
        return data.decode()
    if fmt == "pdf":
        return pdf_parts(data).text
    text = data.decode()
    return html_module.unescape(re.sub(r"<[^>]+>", " ", text)) if fmt == "html" else text


def _flat(text: str) -> str:
    """For comparing words: compatibility forms, no direction marks or isolates, no
    hyphenation breaks, single spaces, any case."""
    text = unicodedata.normalize("NFKC", "".join(char for char in text if unicodedata.category(char) != "Cf"))
    return " ".join(re.sub("[\u00ad\u2010]\\s+", "", text).split()).casefold()


def _english_left(case, fmt: str, data: bytes, language: str) -> list[str]:
    flat = _flat(_visible(fmt, data))
    for text in _user_texts(case):
        flat = flat.replace(_flat(text), " ")
    shortest = 3 if fmt == "pdf" else 2  # a PDF's text may split the case's own texts, leaving 'of' or 'to' of theirs
    return [word for word in _english_words(language) if len(word) >= shortest and re.search(rf"(?<!\w){re.escape(_flat(word))}(?!\w)", flat)]


def _check_sheet(case, fmt: str, data: bytes, language: str) -> None:
    locale = case.offer_sheet.locale
    assert _english_left(case, fmt, data, language) == [], (language, fmt, case.path)
    flat = _flat(_visible(fmt, data))
    if fmt != "pdf" or catalogs.direction(locale) == "ltr":  # a right-to-left PDF's text comes out in visual order
        dates = [format_date(day, "long", locale=locale) for day in (TODAY, case.offer_sheet.valid_until) if day]
        values = {format_value(issue, p[issue.id], locale) for p in _case_and_packages(Path(case.path), locale)[1]
                  for issue in case.issues}
        missing = [text for text in dates + sorted(values) if _flat(text) not in flat]
        assert missing == [], (language, fmt, case.path)
        assert _flat(catalogs.translations(language).gettext("Common to all options")) in flat or not any(
            len({format_value(i, p[i.id], locale) for p in _case_and_packages(Path(case.path), locale)[1]}) == 1
            for i in case.issues)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("fmt", ["html", "txt"])
def test_every_example_in_every_language(language, fmt):
    for example in EXAMPLES:
        case, packages = _case_and_packages(example, LOCALES[language])
        sheet = render.offer_sheet_context(case, packages, TODAY)
        data = (render.render_offer_sheet_email(sheet) if fmt == "html" else render.render_offer_sheet_text(sheet)).encode()
        _check_sheet(case, fmt, data, language)
        if fmt == "html":
            rtl = catalogs.direction(LOCALES[language]) == "rtl"
            assert f'dir="{"rtl" if rtl else "ltr"}"' in data.decode().split("\n")[1]
            assert f'lang="{LOCALES[language].replace("_", "-")}"' in data.decode()


@pytest.fixture(scope="module")
def pdfs():
    """One PDF per language, each on a different example, and what WeasyPrint warned of meanwhile."""
    built = {}
    for n, language in enumerate(LANGUAGES):
        case, packages = _case_and_packages(EXAMPLES[n % len(EXAMPLES)], LOCALES[language])
        sheet = render.offer_sheet_context(case, packages, TODAY)
        with weasyprint_warnings() as warnings:
            data = render.html_to_pdf(render.render_offer_sheet_html(sheet), "offer-sheet.css")
        built[language] = case, data, warnings
    return built


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_as_pdf(pdfs, language):
    case, data, warnings = pdfs[language]
    _check_sheet(case, "pdf", data, language)
    assert [w for w in warnings if "notdef" in w] == [], "characters printed as missing-glyph boxes"
    reader = pypdf.PdfReader(__import__("io").BytesIO(data))
    assert reader.root_object.get("/Lang") == LOCALES[language].replace("_", "-")


def test_the_glyph_check_sees_a_missing_glyph():
    with weasyprint_warnings() as warnings:
        render.html_to_pdf("<p>a\u0378b</p>", "offer-sheet.css")  # an unassigned code point: no font has it
    assert any("notdef" in w for w in warnings)


@pytest.mark.parametrize("language", ["ar", "he"])
def test_right_to_left_sheets_are_mirrored(pdfs, language):
    """Options run from the right, the labels on the right; dates and amounts stay whole."""
    case, data, _ = pdfs[language]
    page = pypdf.PdfReader(__import__("io").BytesIO(data)).pages[0]
    runs = []
    page.extract_text(visitor_text=lambda text, cm, tm, *_: runs.append((text, tm[4] * cm[0] + cm[4])))
    heads = [x for label in "ABC" for text, x in runs if text.strip() == label][:3]
    assert len(heads) >= 2 and heads == sorted(heads, reverse=True), heads
    names = [x for text, x in runs if case.issues[0].name[:8] in text]
    assert names and min(names) > max(heads)  # the first issue's label right of every option


def test_right_to_left_text_lines_and_values():
    case, packages = _case_and_packages(EXAMPLES[1], "ar_EG")
    sheet = render.offer_sheet_context(case, packages, TODAY)
    text = render.render_offer_sheet_text(sheet)
    own = _flat(" ".join([case.offer_sheet.intro or "", case.offer_sheet.closing or ""]))
    for line in filter(str.strip, text.splitlines()):
        # Right to left, by a letter or by a leading mark; the case's English words keep theirs.
        assert plaintext.paragraph_direction(line) == "rtl" or _flat(line) in own, line
        assert "\u200e" not in line and "\u200f" not in line[1:], line  # no other mark
    html = render.render_offer_sheet_email(sheet)
    date = format_date(TODAY, "long", locale="ar_EG")
    assert f"\u2068{date}\u2069" in html and f"\u2068{date}\u2069" in text  # kept whole
    amounts = [cell for option in sheet.options for cell in option.terms if any(ch.isdigit() for ch in cell)]
    assert amounts and all(a.startswith("\u2068") and a.endswith("\u2069") and not render.BIDI_MARKS.search(a)
                           for a in amounts)


def test_a_hebrew_sheet_reads_right_to_left():
    case, packages = _case_and_packages(EXAMPLES[0], "he_IL")
    html = render.render_offer_sheet_email(render.offer_sheet_context(case, packages, TODAY))
    assert '<html lang="he-IL" dir="rtl">' in html and "הצעתנו" in html


# --- fallback, the team's language, numbers ----------------------------------------------------------

def test_a_locale_without_a_catalog_falls_back_to_english_and_says_so(here):
    text = hiring_with(("  valid_until: 2026-12-05", "  valid_until: 2099-12-05\n  locale: ko_KR"))
    (here / "cases" / "hiring.md").write_text(text)
    result = run("build", "cases/hiring.md")
    assert result.exit_code == 0, result.output
    assert "offer sheet for cases/hiring.md in English: no catalog for Korean (South Korea) (ko_KR) yet" in result.output
    result = run("offer", "cases/hiring.md", "--format", "html")
    assert "in English: no catalog for Korean" in result.output
    html = (here / "output" / "hiring" / "offer-sheet.html").read_text()
    assert '<html lang="en" dir="ltr">' in html and "Our proposal: 3 options" in html
    assert "2099년 12월 5일" in html  # the dates are still the locale's


def test_no_note_for_a_catalogued_or_english_locale():
    assert [catalogs.missing_catalog_note(locale, "x.md") for locale in ("fr_CH", "en_GB", "zh_SG", "he_IL")] == [None] * 4


def test_the_brief_follows_the_project_and_the_sheet_the_counterpart(tmp_path):
    """A German counterpart, an English team (en_GB): an English brief, a German sheet."""
    path = tmp_path / "hiring.md"
    path.write_text(hiring_with(("  valid_until: 2026-12-05", "  valid_until: 2026-12-05\n  locale: de_DE")))
    case = load_case(path, "en_GB")
    assert (case.locale, case.offer_sheet.locale) == ("en_GB", "de_DE")
    offers = meso(case)
    from briefgen.level2.analysis import analyse
    from briefgen.level2.rules import load_rules

    brief = render.render_brief_html(render.brief_context(case, offers, analyse(case, load_rules()), TODAY))
    assert '<html lang="en-GB" dir="ltr">' in brief and "24 November 2026" in brief and "24. November" not in brief
    assert "£" not in brief and "$100,000" in brief and "100.000" not in brief
    sheet = render.render_offer_sheet_email(render.offer_sheet_context(case, [p.terms for p in offers.packages], TODAY))
    assert '<html lang="de-DE"' in sheet and "24. November 2026" in sheet and "100.000 $" in sheet.replace("\xa0", " ")
    assert load_case(path).locale == "en_US"  # without a project: the default


@pytest.mark.parametrize("locale, shown", [
    ("en_US", "1.5%"), ("de_DE", "1,5\xa0%"), ("fr_FR", "1,5\xa0%"), ("tr_TR", "%1,5"), ("ar_EG", "1.5%"),
])
def test_percentages_and_numbers_by_locale(locale, shown):
    assert format_amount(1.5, "%", locale) == shown
    assert format_amount(0.125, "%", locale).count("125") == 1  # no rounding of what the user wrote
    assert format_amount(30000, "km", "de_DE") == "30.000\xa0km"


def test_option_values_without_labels_are_written_by_locale(tmp_path):
    text = hiring_with(('      - {value: 1, label: "1 day",  points: 35, their_points: 0}',
                        '      - {value: 1.5, points: 35, their_points: 0}'),
                       ('      - {value: 2, label: "2 days", points: 30, their_points: 15}',
                        '      - {value: 2.5, points: 30, their_points: 15}'),
                       ("{salary: 100000, remote_days: 1, term: 3}", "{salary: 100000, remote_days: 1.5, term: 3}"),
                       ("{salary: 95000, remote_days: 1, term: 2}", "{salary: 95000, remote_days: 1.5, term: 2}"),
                       ("{salary: 90000, remote_days: 2, term: 1}", "{salary: 90000, remote_days: 2.5, term: 1}"),
                       ("agreed: {salary: 97000, remote_days: 2,", "agreed: {salary: 97000, remote_days: 2.5,"),
                       ("  valid_until: 2026-12-05", "  valid_until: 2026-12-05\n  locale: de_DE"))
    path = tmp_path / "hiring.md"
    path.write_text(text)
    case = load_case(path)
    sheet = render.offer_sheet_context(case, [p.terms for p in meso(case).packages], TODAY)
    assert {"1,5", "2,5"} <= {cell for option in sheet.options for cell in option.terms}


# --- an answerable sheet ----------------------------------------------------------------------------

ANSWERABLE = hiring_with(
    ("  intro: |\n    Thank you for your time this week. Any of the three packages below works\n"
     "    for us; pick the one that suits you best, or tell us what you would change.\n",
     "  intro: |\n    Thank you for your time this week. **All three** work for us.\n\n"
     "    - a list item\n    - <b>raw html</b>\n"
     "  reference: \"ACME-2026-114\"\n"
     "  reply: \"Write to [Dana Lee](mailto:dana@acme.example) or call +1 555 0100.\"\n"
     "  signature: |\n    Dana Lee\n    Engineering Manager\n    Acme Robotics\n"),
    ("  valid_until: 2026-12-05", "  valid_until: 2099-12-05"),
    ("- {salary: 95000, remote_days: 1, term: 2}", "- {salary: 95000, remote_days: 1, term: 3}"),
    ("- {salary: 90000, remote_days: 2, term: 1}", "- {salary: 90000, remote_days: 2, term: 3}"),
)


def _answerable(tmp_path, locale="en_US", rounds=""):
    path = tmp_path / "hiring.md"
    text = ANSWERABLE.replace("  valid_until: 2099-12-05", f"  valid_until: 2099-12-05\n  locale: {locale}")
    path.write_text(text.replace("\noutcome:", f"\n{rounds}outcome:") if rounds else text)
    case = load_case(path)
    return render.offer_sheet_context(case, [p.terms for p in meso(case).packages], TODAY)


def test_intro_and_reply_are_safe_markdown_and_the_sheet_carries_reference_reply_and_signature(tmp_path):
    sheet = _answerable(tmp_path)
    html = render.render_offer_sheet_email(sheet)
    assert "<strong>All three</strong>" in html and "<li>a list item</li>" in html
    assert "&lt;b&gt;raw html&lt;/b&gt;" in html and "<b>" not in html
    assert '<a href="mailto:dana@acme.example">Dana Lee</a>' in html
    assert "ACME-2026-114, round 1" in html and "How to reply" in html
    assert "Dana Lee<br>Engineering Manager<br>Acme Robotics" in html
    text = render.render_offer_sheet_text(sheet)
    assert "Reference: ACME-2026-114, round 1\n" in text
    assert "Write to Dana Lee (mailto:dana@acme.example) or call +1 555 0100." in text
    assert "- a list item\n" in text and text.rstrip().endswith("Dana Lee\nEngineering Manager\nAcme Robotics")
    pdf = pdf_parts(render.html_to_pdf(render.render_offer_sheet_html(sheet), "offer-sheet.css")).text
    assert "ACME-2026-114, round 1" in pdf and "All three" in pdf and "Engineering Manager" in pdf


def test_the_reference_counts_rounds_and_defaults_to_a_code_that_says_nothing(tmp_path):
    rounds = "rounds:\n  - offered:\n      - {salary: 100000, remote_days: 1, term: 3}\n    chose: A\n\n"
    assert _answerable(tmp_path, rounds=rounds).round == "2"  # the sheet opens the second round
    case = load_case(tmp_path / "hiring.md")
    assert render.offer_sheet_context(case, [p.terms for p in meso(case).packages], TODAY, 1).round == "1"  # as archived
    path = tmp_path / "cases" / "secret-lowball-plan.md"
    path.parent.mkdir()
    path.write_text(hiring_with())
    case = load_case(path)
    sheet = render.offer_sheet_context(case, [p.terms for p in meso(case).packages], TODAY)
    assert re.fullmatch(r"[0-9A-F]{6}", sheet.reference) and sheet.reference == render.reference_code("secret-lowball-plan")
    assert "lowball" not in render.render_offer_sheet_text(sheet)


def test_an_issue_the_same_in_every_option_is_shown_once(tmp_path):
    sheet = _answerable(tmp_path, "fr_FR")
    assert [name for name, _ in sheet.common] == ["Contract length"] and "Contract length" not in sheet.issues
    html = render.render_offer_sheet_email(sheet)
    assert html.count("3 years") == 1 and "Commun à toutes les options" in html
    text = render.render_offer_sheet_text(sheet)
    assert "Commun à toutes les options\n  Contract length\u00a0: 3 years\n" in text


def test_one_request_to_choose(tmp_path):
    """The fixed sentence asks them to choose; neither the starter's intro nor an example's asks again."""
    from briefgen import starter

    sheet_text = render.render_offer_sheet_text(_answerable(tmp_path))
    assert len(re.findall(r"\b(choose|pick)\b", sheet_text, flags=re.I)) == 1
    intros = [load_case(example).offer_sheet.intro or "" for example in EXAMPLES]
    intros.append((Path(starter.__file__).parent / "starter.md").read_text().split("intro: |", 1)[1].split("closing:")[0])
    assert [intro for intro in intros if re.search(r"\b(choose|pick|select)\b", intro, flags=re.I)] == []


def test_deep_markdown_in_the_sheet_is_refused_with_its_line(tmp_path):
    path = tmp_path / "hiring.md"
    path.write_text(hiring_with(('closing: "We look forward to hearing from you."', 'closing: "' + ">" * 80 + ' deep"')))
    with pytest.raises(Exception, match=r"hiring.md:\d+:\d+: offer_sheet.closing nests quotes"):
        load_case(path)


# --- plain text ----------------------------------------------------------------------------------

WORD = st.text(st.sampled_from("abcdefghij"), min_size=1, max_size=9)


@settings(max_examples=60, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=40), st.integers(min_value=12, max_value=72))
def test_wrapping_keeps_every_word_fits_and_leaves_no_orphan(words, columns):
    lines = plaintext.wrap(" ".join(words), columns)
    assert " ".join(lines).split() == words
    assert all(plaintext.width(line) <= columns for line in lines)
    if len(lines) >= 2 and len(lines[-2].split()) >= 3:
        last = lines[-1].split()
        assert len(last) >= 2 or plaintext.width(lines[-2].split()[-1] + " " + last[0]) > columns


def test_chinese_and_japanese_wrap_by_width_and_keep_punctuation_off_a_line_start():
    text = "各案はそれぞれ一体の条件としてご提示するもので、異なる案の条件を組み合わせることはできません。「最も」ご希望に沿う案をお選びください。"
    lines = plaintext.wrap(text, 20)
    assert "".join(lines) == text and len(lines) > 3
    assert all(plaintext.width(line) <= 20 for line in lines)
    assert not any(line[0] in "、。」" or line[-1] in "「" for line in lines)


def test_the_text_table_aligns_wide_and_invisible_characters():
    class Option:
        def __init__(self, label, terms):
            self.label, self.terms = label, terms

    options = [Option("A", ["年俸", "\u2068100,000 US$\u2069"]), Option("B", ["月給", "\u2068\u200f95\u00a0€\u2069"])]
    lines = plaintext.table(["期間", "給与"], options, lambda label: f"{label}案")
    starts = {plaintext.width(line[:line.index(cell)]) for line, cell in zip(lines[2:], ["年俸", "\u2068100"])}
    assert len(starts) == 1 and plaintext.width(lines[0][:lines[0].index("A案")]) in starts


@pytest.mark.parametrize("language", ["de", "ar"])
def test_the_word_sheet_speaks_the_language_too(language):
    import io
    import zipfile

    import docx

    from briefgen.offer_docx import render_offer_sheet_docx

    supplier = next(example for example in EXAMPLES if example.stem == "supplier-contract")  # an issue common to all
    case, packages = _case_and_packages(supplier, LOCALES[language])
    sheet = render.offer_sheet_context(case, packages, TODAY)
    data = render_offer_sheet_docx(sheet, TODAY)
    document = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in document.paragraphs) + "\n" + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells)
    words = catalogs.translations(language)
    assert words.gettext("Common to all options") in text and words.gettext("Reference").upper() in text
    assert _english_left(case, "docx", text.encode(), language) == []
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    assert (b"<w:bidiVisual/>" in body) == (language == "ar")


def test_numbers_in_groups_stay_in_order_in_right_to_left_text():
    html = str(render.sheet_markdown("يُرجى الاتصال على الرقم +966 12 345 6789 أو [هنا](https://x.example/a 1 2)."))
    assert "\u2066+966\u00a012\u00a0345\u00a06789\u2069" in html and 'href="https://x.example/a' in html
    assert "\u2066" not in str(render.sheet_markdown("Call +1 555 0100."))  # left to right: as written
