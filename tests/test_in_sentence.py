"""Labels inside a sentence: a common first word is lowered, proper nouns keep their capitals;
CLDR's placeholder names ('No linguistic content', 'Unknown Region') are no proper nouns."""
from __future__ import annotations

import pytest

from briefgen.terms import in_sentence


@pytest.mark.parametrize("label, shown", [
    ("No compulsory redundancies at the distribution company", "no compulsory redundancies at the distribution company"),
    ("Unknown fees", "unknown fees"),
    ("Multiple sites", "multiple sites"),
    ("Base salary", "base salary"),
    ("German economic assistance", "German economic assistance"),
    ("Norwegian quota", "Norwegian quota"),
    ("West Bank settlements", "West Bank settlements"),
    ("GDR status", "GDR status"),
])
def test_in_sentence(label, shown):
    assert in_sentence(label) == shown
