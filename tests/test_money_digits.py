"""Money in every currency briefgen formats as money (every code Babel lists) shows no more
fraction digits than the currency has (Babel's currency digits, from CLDR): yen and won
never show fractions, dinars show three, whole amounts show none."""
from __future__ import annotations

import re

import pytest
from babel.numbers import get_currency_precision, get_decimal_symbol, get_group_symbol, list_currencies

from briefgen.errors import CaseError
from briefgen.terms import format_amount, format_value
from conftest import parse

LOCALES = ["en_US", "de_DE", "ja_JP", "fr_FR", "ar_EG", "hi_IN", "ko_KR"]
VALUES = [1234, 1234.5, 0.125, 1_000_000.75, 7.999]


def fraction_digits(text: str, locale: str) -> int:
    """Digits after the decimal symbol in the amount's number (not in its currency symbol)."""
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    digits = "0-9\u0660-\u0669\u06f0-\u06f9"
    separators = re.escape(decimal + group) + "\u00a0\u202f\u066b\u066c "
    number = re.search(f"[{digits}](?:[{digits}{separators}]*[{digits}])?", text)
    assert number, text
    whole, _, fraction = number[0].rpartition(decimal)
    return len(re.sub(f"[^{digits}]", "", fraction)) if whole else 0


@pytest.mark.parametrize("locale", LOCALES)
def test_no_currency_shows_more_fraction_digits_than_it_has(locale):
    wrong = []
    for code in sorted(list_currencies()):
        most = get_currency_precision(code)
        for value in VALUES:
            for cents in (False, True):
                text = format_amount(value, code, locale, cents=cents)
                shown = fraction_digits(text, locale)
                if shown > most or (shown and float(value).is_integer() and not cents):
                    wrong.append((code, value, cents, text))
    assert not wrong, wrong[:10]


FEES = """---
title: Fees
parties: {us: {name: Us}, them: {name: Them}}
issues:
  - {id: fee, unit: CODE, range: {min: 120000, max: RANGE_MAX}, points: {120000: 0, RANGE_MAX: 10}}
---
"""


def fees(code: str, high: str, step: str = "") -> str:
    return FEES.replace("CODE", code).replace("RANGE_MAX}", f"{high}{step}}}").replace("RANGE_MAX", high)


@pytest.mark.parametrize("code, locale, expected", [
    ("KWD", "en_US", ["KWD120,000.000", "KWD120,000.500", "KWD120,000.750"]),
    ("USD", "en_US", ["$120,000.00", "$120,000.50", "$120,000.75"]),
    ("EUR", "de_DE", ["120.000,00\u00a0€", "120.000,50\u00a0€", "120.000,75\u00a0€"]),
])
def test_a_range_stepped_in_quarters_shows_the_currency_s_own_digits(code, locale, expected):
    fee = parse(fees(code, "120001", ", step: 0.25")).issue("fee")
    assert [format_value(fee, v, locale) for v in (120000, 120000.5, 120000.75)] == expected


@pytest.mark.parametrize("code", ["JPY", "KRW", "ISK", "CLP"])
def test_the_default_step_is_never_finer_than_one_yen(code):
    """A range of 5 yen would step by 0.05 yen; it steps by whole amounts."""
    fee = parse(fees(code, "120005")).issue("fee")
    assert fee.step == 1 and list(fee.values()) == [120000, 120001, 120002, 120003, 120004, 120005]
    assert all(fraction_digits(format_value(fee, v, "en_US"), "en_US") == 0 for v in fee.values())
    assert parse(fees("USD", "120001")).issue("fee").step == 0.01  # a dollar still steps by cents


def test_fractional_yen_written_in_the_case_are_an_error_with_the_fix():
    with pytest.raises(CaseError) as raised:
        parse(fees("JPY", "120001", ", step: 0.25"))
    assert str(raised.value).strip() == (
        "case.md:5:66: issues.fee: range step: 0.25 JPY cannot be written as money: JPY has no fractional amounts; "
        "use whole amounts, or a unit that is no currency code (e.g. 'US cents', 'USD per kWh')")
    with pytest.raises(CaseError, match="issues.fee: 0.005 USD cannot be written as money: USD has amounts to 2 "
                                        "decimal places; use at most 2 decimal places"):
        parse(fees("USD", "1").replace("range: {min: 120000, max: 1}, points: {120000: 0, 1: 10}",
                                       "options: [{value: 0.005, points: 0}, {value: 0.01, points: 1}]"))
