"""The offer sheet's language: which catalog speaks a locale, its direction, and its translations.

The sheet's fixed words are English in the templates and translated through
gettext catalogs in `briefgen/locale/<language>/LC_MESSAGES/offer-sheet.po`.
Babel compiles a catalog in memory the first time a process needs it (about
4 ms): the `.po` files are the only form kept, so a clean clone works without
a build step and no compiled file can lag behind its source. The test suite
checks every catalog (complete, no fuzzy entry, placeholders intact, in step
with the templates), so a broken catalog fails there, not in a user's build.
"""
from __future__ import annotations

import functools
import io
import re
from pathlib import Path

from babel import Locale
from babel.core import get_global
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES = Path(__file__).parent / "locale"
DOMAIN = "offer-sheet"
SOURCE = "en"  # the language the templates are written in

# First strong isolate ... pop directional isolate: a value inside a right-to-left
# line (a date, an amount, a Latin name) stays whole and keeps its punctuation.
FSI, PDI = "\u2068", "\u2069"


@functools.cache
def catalogued() -> tuple[str, ...]:
    """The languages with a catalog, as Babel names them: 'de', 'zh_Hans', ..."""
    return tuple(sorted(path.parent.parent.name for path in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po")))


def _script(locale: Locale) -> str:
    """A locale's script, written or implied: zh_CN -> Hans, zh_TW -> Hant, de -> Latn."""
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags")
    full = likely.get(f"{locale.language}_{locale.territory}") or likely.get(locale.language) or ""
    return Locale.parse(full).script if full else ""


@functools.cache
def catalog_for(locale: str) -> str | None:
    """The language whose catalog speaks `locale`: de_AT -> 'de', zh_CN -> 'zh_Hans';
    'en' for English; None when no catalog has its language in its script."""
    wanted = Locale.parse(locale)
    if wanted.language == SOURCE:
        return SOURCE
    matches = [name for name in catalogued() if (parsed := Locale.parse(name)).language == wanted.language
               and _script(parsed) == _script(wanted) and parsed.territory in (None, wanted.territory)]
    return max(matches, key=lambda name: Locale.parse(name).territory is not None, default=None)


def sheet_language(locale: str) -> str:
    """The language the sheet's words are in: its catalog's, or English."""
    return catalog_for(locale) or SOURCE


def direction(locale: str) -> str:
    """'rtl' for a sheet written in Arabic, Hebrew, ...; 'ltr' otherwise (English included)."""
    return Locale.parse(sheet_language(locale)).text_direction


def isolate(text: str, locale: str) -> str:
    """A value kept whole in a right-to-left sheet; as it is in a left-to-right one."""
    return f"{FSI}{text}{PDI}" if text and direction(locale) == "rtl" else text


def missing_catalog_note(locale: str, where: str) -> str | None:
    """What the build says when the sheet falls back to English."""
    if catalog_for(locale) is not None:
        return None
    name = Locale.parse(locale).get_display_name("en")
    return (f"offer sheet for {where} in English: no catalog for {name} ({locale}) yet; "
            f"briefgen has {', '.join(catalogued())} (README, 'Adding a language')")


@functools.cache
def translations(language: str) -> NullTranslations:
    """The compiled catalog of a language; no translation for the source language."""
    if language == SOURCE:
        return NullTranslations()
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as file:
        catalog = read_po(file, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


# --- for translators: extract, update, check (`make catalogs`, the test suite) ---------------

TEMPLATE = LOCALES / f"{DOMAIN}.pot"
_JINJA = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
PO_LINE = re.compile(r'#.*|(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"')


def extract():
    """The fixed words of the counterpart-facing templates (the offer sheet's, a mediation's proposal
    sheets'), of the offer sheet's Word document and of the draft agreement, as a Babel catalog template."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract, extract_from_dir

    from briefgen.project import TEMPLATES

    template = Catalog(project="briefgen", copyright_holder="briefgen", fuzzy=False)
    method_map = [("offer-sheet*", "jinja2"), ("proposals*", "jinja2")]
    found = [found[2:] for found in extract_from_dir(TEMPLATES, method_map, {"offer-sheet*": _JINJA, "proposals*": _JINJA})]
    for module in ("offer_docx.py", "agreement_render.py"):  # the Word sheet, and the draft agreement in every format
        with (Path(__file__).parent / module).open("rb") as file:
            found += [found[1:] for found in extract("python", file, keywords={"_": None, "ngettext": (1, 2)})]
    for message, comments, context in found:
        template.add(message, None, auto_comments=comments, context=context)
    return template


def problems(language: str, template=None) -> list[str]:
    """What is wrong with a language's catalog, checked against the templates' words: a
    message missing, untranslated or fuzzy, a plural form missing, a placeholder lost or
    made up, a message the templates no longer use, or a file Babel cannot read."""
    template = template or extract()
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    # Babel reads leniently ('msgstr "An' becomes 'A'): each line must be what a PO file allows.
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    bad = [n for n, line in enumerate(lines, 1) if line.strip() and not PO_LINE.fullmatch(line.strip())]
    if bad:
        return [f"{path}:{bad[0]}: Babel cannot read it: not a comment, keyword or quoted string: {lines[bad[0] - 1]}"]
    try:
        with path.open("rb") as file:
            catalog = read_po(file, locale=language, abort_invalid=True)
    except Exception as error:  # Babel's PoFileError, or a locale it does not know
        return [f"{path}: Babel cannot read it: {error}"]
    found = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id)
        key = message.id if isinstance(message.id, str) else message.id[0]
        forms = [] if translated is None else (
            list(translated.string) if isinstance(translated.string, (tuple, list)) else [translated.string])
        wanted = set(re.findall(r"%\((\w+)\)s", key))
        if translated is None or not all(forms) or translated.fuzzy:
            found.append(f"{path}: '{key}' is {'fuzzy' if translated and translated.fuzzy else 'not translated'}")
        elif isinstance(message.id, tuple) and len(forms) != catalog.num_plurals:
            found.append(f"{path}: '{key}' has {len(forms)} plural forms; {language} has {catalog.num_plurals}")
        else:
            for form in forms:
                used = set(re.findall(r"%\((\w+)\)s", form))
                plural_may_drop = isinstance(message.id, tuple) and used == wanted - {"num"}  # 'one option', 'two options'
                if used != wanted and not plural_may_drop or re.search(r"%(?!\(\w+\)s|%)", form):
                    found.append(f"{path}: '{key}' -> '{form}': placeholders {sorted(used)}, not {sorted(wanted)}")
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
    found += [f"{path}: '{m.id}' is no longer used by the templates; remove it" for m in catalog
              if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in ids]
    return found


def update(new: tuple[str, ...] = ()) -> None:
    """Write the catalog template from the templates, and bring every catalog (and
    any `new` language's, started empty) in step with it, keeping their translations."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = extract()
    with TEMPLATE.open("wb") as file:
        write_po(file, template, width=100, omit_header=False, sort_output=True, no_location=True)
    for language in sorted(set(catalogued()) | set(new)):
        path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        if path.exists():
            with path.open("rb") as file:
                catalog = read_po(file, locale=language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="briefgen", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as file:
            write_po(file, catalog, width=100, sort_output=True, no_location=True, ignore_obsolete=True)
    catalogued.cache_clear()


if __name__ == "__main__":  # python -m briefgen.catalogs [NEW_LANGUAGE ...]
    import sys

    update(tuple(sys.argv[1:]))
    for language in catalogued():
        for problem in problems(language):
            print(problem)
