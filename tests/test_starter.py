"""`briefgen new`'s starter shows a new user the optional fields as commented examples
(`targets.their_reservation`, `setting`, the kinds of `influenced_by` entry), and each of
them, uncommented as it stands, is valid and means what its comment says."""
from __future__ import annotations

import datetime
import re

from briefgen.starter import starter_text
from conftest import parse

COMMENTED = re.compile(r"^( *)# ( *)(their_reservation|setting|public|written|influenced_by|- )", re.M)


def test_the_starter_shows_the_optional_fields_as_comments_and_loads_as_it_is():
    text = starter_text("Renewal", datetime.date(2027, 1, 4))
    found = {m[3] for m in COMMENTED.finditer(text)}
    assert found == {"their_reservation", "setting", "public", "written", "influenced_by", "- "}
    case = parse(text)
    assert case.targets.their_reservation is None and case.setting.public is None
    assert not case.constituencies[0].influenced_by


def test_the_commented_examples_uncommented_are_valid_and_mean_what_they_say():
    text = COMMENTED.sub(r"\1\2\3", starter_text("Renewal", datetime.date(2027, 1, 4)))
    case = parse(text)
    assert case.targets.their_reservation == 30
    assert (case.setting.public, case.setting.written) == (False, True)
    finance = case.constituencies[0]
    assert [(i.name, i.stance) for i in case.influencers(finance)] == [
        ("Our CFO", "supportive"), ("Their auditors", "supportive"), ("their parent company's board", "unknown")]
