"""briefgen import genius: Genius/ANAC domains and profiles become cases that build.

The office_* fixtures were written for these tests in the Genius format (a domain with discrete
and integer issues, two linear profiles with reservation values); they are not from the ANAC set."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen import build
from briefgen.case import load_case
from briefgen.meso import meso
from briefgen.scoring import assess
from conftest import pdf_text, run

FIXTURES = Path(__file__).parent / "fixtures" / "genius"
DOMAIN, TENANT, LANDLORD = (FIXTURES / f"office_{name}.xml" for name in ("domain", "tenant", "landlord"))

# The fixture's profiles as Genius reads them: (weight, evaluation of each value) per issue.
TENANT_UTILITY = {
    "floor": (0.2, {"Ground floor": 4 / 8, "Third floor": 6 / 8, "Top floor": 1}),
    "parking": (0.3, {"None": 0.1, "2 spaces": 0.6, "6 spaces": 1}),
    "rent_free_months": (0.4, {m: min(0.25 * m, 1) for m in range(7)}),
    "lease_start": (0.1, {"January": 0.4, "April": 1, "July": 0.8}),
}
LANDLORD_UTILITY = {
    "floor": (0.15, {"Ground floor": 3 / 9, "Third floor": 1, "Top floor": 5 / 9}),
    "parking": (0.25, {"None": 1, "2 spaces": 0.8, "6 spaces": 0.2}),
    "rent_free_months": (0.45, {m: max(1 - 0.2 * m, 0) for m in range(7)}),
    "lease_start": (0.15, {"January": 1, "April": 0.7, "July": 0.3}),
}
BIDS = list(itertools.product(*(sorted(values) for _, values in TENANT_UTILITY.values())))


def genius_utility(profile, bid) -> float:
    return sum(weight * values[value] for (weight, values), value in zip(profile.values(), bid))


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    path = tmp_path_factory.mktemp("genius") / "cases" / "office.md"
    result = run("import", "genius", str(DOMAIN), str(TENANT), str(LANDLORD), "-o", str(path))
    assert (result.exit_code, result.output) == (0, f"wrote {path}: run briefgen build {path}\n")
    return path


def test_the_case_has_the_domain_the_profiles_and_the_reservation(office):
    case = load_case(office)
    assert (case.parties.us.name, case.parties.them.name) == ("Office tenant", "Office landlord")
    assert [i.id for i in case.issues] == list(TENANT_UTILITY)
    assert [o.value for o in case.issue("parking").options] == ["None", "2 spaces", "6 spaces"]
    months = case.issue("rent_free_months")
    assert (months.range.min, months.range.max, months.range.step) == (0, 6, 1)
    assert months.points == {0: 0, 4: 40, 6: 40}  # the clipped line bends where it reaches 1
    assert months.their_points == {0: 45, 5: 0, 6: 0}
    assert case.targets.reservation == 35
    assert case.best_score() == pytest.approx(100)
    assert "Their reservation value is 40 points" in case.body


@settings(max_examples=40, deadline=None)
@given(bid=st.sampled_from(BIDS))
def test_every_bid_scores_what_genius_says_it_is_worth(office, bid):
    case = load_case(office)
    assessment = assess(case, dict(zip(TENANT_UTILITY, bid)))
    assert assessment.score == pytest.approx(100 * genius_utility(TENANT_UTILITY, bid), abs=0.02)
    assert assessment.their_score == pytest.approx(100 * genius_utility(LANDLORD_UTILITY, bid), abs=0.02)


def test_an_imported_domain_builds_a_meso_and_a_brief(office, tmp_path):
    offers = meso(load_case(office))
    assert len(offers.packages) == 3 and not offers.errors
    assert len({p.lead for p in offers.packages}) == 3
    results = list(build.build([office], tmp_path / "out", build.project_rules(), jobs=1))
    assert [r.problems for r in results] == [[]]
    text = pdf_text(tmp_path / "out" / "office" / "brief.pdf")
    for needle in ("Office (Genius domain)", "Rent-free months", "MESO packages", "Office landlord"):
        assert needle in text
    assert (tmp_path / "out" / "office" / "offer-sheet.pdf").is_file()


def test_without_their_profile_their_points_are_assumed(tmp_path):
    path = tmp_path / "office.md"
    assert run("import", "genius", str(DOMAIN), str(TENANT), "-o", str(path)).exit_code == 0
    case = load_case(path)
    assert all(issue.their_points_assumed for issue in case.issues)
    assert case.parties.them.name == "The other side"
    assert "their points are assumed opposite to ours" in case.body


def test_an_existing_case_is_never_overwritten(office):
    before = office.read_bytes()
    result = run("import", "genius", str(DOMAIN), str(TENANT), "-o", str(office))
    assert result.exit_code == 1 and "exists; briefgen never overwrites a case" in result.output
    assert office.read_bytes() == before


BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>\n'
        '<negotiation_template><utility_space><objective name="x"><issue index="1" name="&lol2;" type="discrete">'
        '<item index="1" value="a"/></issue></objective></utility_space></negotiation_template>')
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
            '<negotiation_template><utility_space><objective name="x"><issue index="1" name="&secret;" type="discrete">'
            '<item index="1" value="a"/></issue></objective></utility_space></negotiation_template>')


@pytest.mark.parametrize("which, change, message", [
    ("domain", lambda t: BOMB, "declares a DTD or XML entities, which briefgen refuses"),
    ("domain", lambda t: EXTERNAL, "declares a DTD or XML entities, which briefgen refuses"),
    ("domain", lambda t: t.replace('etype="integer" type="integer" vtype="integer"', 'type="real"'),
     "issue 'Rent-free months' (index 3): a real issue; briefgen imports discrete and integer issues"),
    ("domain", lambda t: t.replace("</objective>", ""), "office_domain.xml:23:3: not well-formed XML (mismatched tag)"),
    ("profile", lambda t: t.replace('value="April" evaluation="5"', 'value="April"'),
     "issue 'Lease start' (index 4): the evaluation of 'April' is None, not a number"),
    ("profile", lambda t: t.replace('<weight index="2" value="0.3"></weight>', ""),
     "issue 'Parking' (index 2): no <weight index=\"2\">"),
    ("profile", lambda t: t.replace('<item index="3" value="July" evaluation="4"></item>', ""),
     "issue 'Lease start' (index 4): no evaluation for 'July'"),
    ("profile", lambda t: t.replace('ftype="linear" slope="0.25"', 'ftype="exponential" slope="0.25"'),
     "briefgen imports linear evaluators of integer issues"),
    ("profile", lambda t: t.replace('value="0.4"></weight>', 'value="nan"></weight>'),
     "the weight of issue index 3 is 'nan', not a finite number"),
    ("profile", lambda t: t + " " * 2_000_001, "larger than 2 MB"),
])
def test_broken_or_hostile_files_are_refused_saying_where(tmp_path, which, change, message):
    files = {"domain": DOMAIN, "profile": TENANT}
    copy = tmp_path / files[which].name
    copy.write_text(change(files[which].read_text()))
    args = {"domain": copy, "profile": TENANT} if which == "domain" else {"domain": DOMAIN, "profile": copy}
    target = tmp_path / "case.md"
    result = run("import", "genius", str(args["domain"]), str(args["profile"]), "-o", str(target))
    assert result.exit_code == 1
    assert message in result.output
    assert not target.exists()
