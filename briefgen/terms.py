"""Terms in words: a package's values as the counterpart would say them.

Numbers, money and dates follow the case's locale through Babel.
"""
from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_precision, list_currencies

if TYPE_CHECKING:  # the case model formats its own values with format_amount
    from briefgen.case import Issue


def format_value(issue: Issue, value, locale: str) -> str:
    """An option's label, or a number with its unit (money as money)."""
    option = issue.option_for(value) if issue.options is not None else None
    if option is not None and option.label:
        return option.label
    if isinstance(value, str):
        return value
    return format_amount(value, issue.unit, locale, cents=_has_fractions(issue))


def _has_fractions(issue: Issue) -> bool:
    """Whether an issue's values can be fractional: then every amount shows its cents."""
    if issue.range is not None:
        ends = (issue.range.min, issue.range.max, issue.step)
    else:
        ends = [option.value for option in issue.options]
    return not all(float(end).is_integer() for end in ends)


def smallest_amount(unit: str | None) -> float | None:
    """The smallest amount of the unit's currency (1 for JPY and KRW, 0.01 for USD, 0.001 for
    KWD, by Babel's currency digits), or None where the unit is no currency code."""
    if not unit or unit.upper() not in _currencies():
        return None
    return 10.0 ** -get_currency_precision(unit.upper())


def amount_problem(value: float, unit: str | None) -> str | None:
    """Why `value` cannot be written as money in the unit's currency (finer than its smallest
    amount: half a yen), or None; money is always shown in its currency's own digits."""
    smallest = smallest_amount(unit)
    if smallest is None or abs(value / smallest - round(value / smallest)) < 1e-6:
        return None
    digits = get_currency_precision(unit.upper())
    have = "no fractional amounts" if digits == 0 else f"amounts to {digits} decimal place{'s' if digits > 1 else ''}"
    return (f"{value:g} {unit.upper()} cannot be written as money: {unit.upper()} has {have}; use "
            f"{'whole amounts' if digits == 0 else f'at most {digits} decimal place' + ('s' if digits > 1 else '')}, "
            "or a unit that is no currency code (e.g. 'US cents', 'USD per kWh')")


def format_amount(value: float, unit: str | None, locale: str, cents: bool = False) -> str:
    if unit and unit.upper() in _currencies():
        if not cents and float(value).is_integer():  # whole amounts read better without ".00"
            pattern = Locale.parse(locale).currency_formats["standard"].pattern.replace(".00", "")
            return format_currency(value, unit.upper(), locale=locale, format=pattern, currency_digits=False)
        return format_currency(value, unit.upper(), locale=locale)
    if unit == "%":  # as the locale writes a share: '1.5%', '1,5 %' (de), '%1.5' (tr)
        return format_percent(Decimal(str(value)) / 100, locale=locale, decimal_quantization=False)
    number = format_decimal(value, locale=locale)
    return f"{number}\u00a0{unit}" if unit else number


def in_sentence(label: str) -> str:
    """A label inside a sentence: 'Base salary' -> 'base salary', but proper nouns keep their capitals.

    The first letter is lowered only where the first word does not look like a
    proper noun: not an acronym ('GDR status'), not followed by another
    capitalised word ('West Bank settlements', 'Soviet withdrawal from eastern
    Germany'), and not a country, region or language or a word made from one
    ('German economic assistance', 'Israeli settlements'), by Babel's English
    names. Acronyms later in the label never count ('Military status of the former GDR').
    """
    words = label.split()
    if not words or label[:2].isupper() or not label[:1].isupper():
        return label
    if any(w[:1].isupper() and not w.isupper() for w in words[1:]):
        return label
    first = words[0].strip("'\"(),-")
    if first in _proper_names() or any(first.startswith(n) for n in _proper_names() if len(n) >= 4):
        return label
    return label[:1].lower() + label[1:]


@cache
def _proper_names() -> frozenset[str]:
    """Capitalised words of the English names of countries, regions and languages."""
    english = Locale("en")
    # Not the special codes: 'No linguistic content' (zxx) made "No compulsory redundancies" a proper noun.
    special = {"zxx", "und", "mul", "mis", "ZZ"}
    names = [n for code, n in [*english.territories.items(), *english.languages.items()] if code not in special]
    return frozenset(w for n in names for w in re.split(r"[\s()\-,]+", n) if w[:1].isupper())


def format_points(points: float) -> str:
    """Points to one decimal, without a trailing '.0'."""
    return f"{points:.1f}".removesuffix(".0")


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def influencer_text(influencer) -> str:
    """'Chancellor Kohl (supportive)'; a stance that is not known is not printed."""
    return influencer.name if influencer.stance == "unknown" else f"{influencer.name} ({influencer.stance})"
