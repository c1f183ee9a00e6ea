"""Terms in words: a package's values as the counterpart would say them.

Numbers, money and dates follow the case's locale through Babel.
"""
from __future__ import annotations

from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent, list_currencies

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
        ends = (issue.range.min, issue.range.max, issue.range.step or 1)
    else:
        ends = [option.value for option in issue.options]
    return not all(float(end).is_integer() for end in ends)


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
    """A label inside a sentence: 'Base salary' -> 'base salary', but 'GDR status' stays as it is.

    Only the first letter is lowered, so acronyms later in the label keep their
    capitals ('Military status of the former GDR' -> 'military status of the former GDR').
    """
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def format_points(points: float) -> str:
    """Points to one decimal, without a trailing '.0'."""
    return f"{points:.1f}".removesuffix(".0")


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())
