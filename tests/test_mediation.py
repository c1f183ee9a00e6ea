"""The joint case of a mediation: both true scores, both real win-sets, and located mismatches."""
from __future__ import annotations

import pytest

from briefgen.case import load_case
from briefgen.errors import CaseError
from briefgen.mediation import common_step, joint_case
from briefgen.meso.space import Market
from briefgen.case_model import ValueRange
from briefgen.scoring import in_win_set

# Each side's own file: its points, its conditions, its estimate of the other (which the mediator ignores).
LAB = """\
---
title: "Lab lease: Northgate side"
parties:
  us: {name: Northgate Biotech, batna: "Stay in the old lab"}
  them: {name: Harbour Estates}
issues:
  - id: rent
    label: Monthly rent
    unit: EUR
    range: {min: 40000, max: 50000, step: 1000}
    points: {40000: 50, 50000: 0}
    their_points: {40000: 0, 50000: 50}
  - id: term
    label: Lease term
    options:
      - {value: 3, label: "3 years", points: 20, their_points: 0}
      - {value: 5, label: "5 years", points: 10, their_points: 20}
targets: {reservation: 30, their_reservation: 11}
constituencies:
  - id: board
    side: us
    power: ratify
    requires: ["rent <= 48000"]
  - id: lender
    side: them
    power: veto
    requires: ["term == 5"]
---
"""
HARBOUR = """\
---
title: "Lab lease: Harbour side"
parties:
  us: {name: Harbour Estates, batna: "Relet to a logistics firm"}
  them: {name: Northgate Biotech}
issues:
  - id: term
    label: Laufzeit
    options:
      - {value: 3, label: "3 Jahre", points: 5, their_points: 9}
      - {value: 5, label: "5 Jahre", points: 40, their_points: 1}
  - id: rent
    label: Miete
    unit: EUR
    range: {min: 40000, max: 50000, step: 2500}
    points: {40000: 0, 45000: 40, 50000: 60}
targets: {reservation: 50}
constituencies:
  - id: board
    side: us
    power: veto
    requires: ["rent >= 42000"]
    influenced_by: [board, family]
  - id: family
    side: us
    power: influence
  - id: scientists
    side: them
    power: veto
    requires: ["rent <= 41000"]
---
"""


@pytest.fixture
def files(tmp_path):
    def write(a=LAB, b=HARBOUR):
        (tmp_path / "lab.md").write_text(a)
        (tmp_path / "harbour.md").write_text(b)
        return load_case(tmp_path / "lab.md"), load_case(tmp_path / "harbour.md")
    return write


def test_the_joint_case_has_both_true_scores_for_every_package(files):
    a, b = files()
    joint = joint_case(a, b)
    market = Market(joint)
    assert joint.id == "lab+harbour"
    for n, issue in enumerate(joint.issues):
        for k, value in enumerate(market.values[n]):
            assert market.ours[n][k] == pytest.approx(a.issue(issue.id).our_points(value))
            assert market.theirs[n][k] == pytest.approx(b.issue(issue.id).our_points(value))
    # B's anchors (45,000) are its own, not A's: between them, B's points interpolate.
    rent = joint.issues[0]
    assert rent.their_points_for(42500) == pytest.approx(20)
    assert joint.targets.reservation == 30 and joint.targets.their_reservation == 50


def test_the_joint_case_has_both_real_win_sets(files):
    a, b = files()
    joint = joint_case(a, b)
    # A's estimate of B's constituencies (the lender) and B's estimate of A's (scientists) are gone.
    assert [(c.id, c.side) for c in joint.constituencies] == [("board", "us"), ("board_2", "them"), ("family", "them")]
    assert joint.constituencies[1].influenced_by == ("board_2", "family")  # references follow the rename
    assert joint.parties.them.name == "Harbour Estates" and joint.parties.them.batna == "Relet to a logistics firm"
    for rent in range(40000, 50001, 500):
        for term in (3, 5):
            package = {"rent": rent, "term": term}
            assert in_win_set(joint, package, "us") == (rent <= 48000)
            assert in_win_set(joint, package, "them") == (rent >= 42000)
    assert len(Market(joint).formulas) == 2


def test_ranges_stepped_differently_take_the_finest_common_step(files):
    a, b = files()
    values = list(joint_case(a, b).issues[0].values())
    assert values[:6] == [40000, 40500, 41000, 41500, 42000, 42500]  # every value of both steps, 1,000 and 2,500
    assert set(a.issue("rent").values()) | set(b.issue("rent").values()) <= set(values)
    assert common_step(ValueRange(min=0, max=1, step=0.2), ValueRange(min=0, max=1, step=0.3)) == pytest.approx(0.1)
    assert common_step(ValueRange(min=0, max=10), ValueRange(min=0, max=10, step=2)) == 1


def test_the_order_and_labels_of_each_file_are_its_own(files):
    a, b = files()
    joint = joint_case(a, b)
    assert [i.id for i in joint.issues] == ["rent", "term"]
    assert joint.issues[1].options[0].label == "3 years"


def problems_of(a, b) -> list[str]:
    with pytest.raises(CaseError) as error:
        joint_case(a, b)
    return [str(p) for p in error.value.problems]


def test_every_mismatch_is_located_in_the_file_where_it_is_written(files, tmp_path):
    a = LAB.replace("targets:", '  - id: parking\n    options: [{value: "yes", points: 1}, {value: "no", points: 0}]\ntargets:')
    b = (HARBOUR.replace("max: 50000, step: 2500", "max: 52000, step: 2500").replace("50000: 60", "52000: 60")
         .replace('value: 5, label: "5 Jahre"', 'value: 4, label: "4 Jahre"').replace("unit: EUR", "unit: USD"))
    lab, harbour = tmp_path / "lab.md", tmp_path / "harbour.md"
    assert sorted(problems_of(*files(a, b))) == sorted([
        f"{lab}:9:5: issues.rent: unit 'EUR' here but 'USD' in {harbour}: the two files must count the issue in one "
        "unit (one currency); convert one file's values and points",
        f"{lab}:10:25: issues.rent: the range ends at €50,000 here but at €52,000 in {harbour}: both files must give "
        "the same range ends; change one of them (and its points' anchors)",
        f"{lab}:17:9: issues.term: option 5 is not among the options of {harbour} (3, 4); add it to {harbour}, or "
        "remove it here",
        f"{lab}:18:5: issue 'parking' is not in {harbour}: the two sides' files must describe the same issues; add it "
        f"to {harbour} with that side's points, or remove it here",
        f"{harbour}:11:9: issues.term: option 4 is not among the options of {lab} (3, 5); add it to {lab}, or remove "
        "it here",
        f"{harbour}:14:5: issues.rent: unit 'USD' here but 'EUR' in {lab}: the two files must count the issue in one "
        "unit (one currency); convert one file's values and points",
        f"{harbour}:15:25: issues.rent: the range ends at $52,000 here but at $50,000 in {lab}: both files must give "
        "the same range ends; change one of them (and its points' anchors)",
    ])


def test_a_range_against_options_and_values_written_as_text(files, tmp_path):
    b = HARBOUR.replace('{value: 3, label: "3 Jahre"', '{value: "3", label: "3 Jahre"').replace(
        '{value: 5, label: "5 Jahre"', '{value: "5", label: "5 Jahre"')
    b = b.replace("    range: {min: 40000, max: 50000, step: 2500}\n    points: {40000: 0, 45000: 40, 50000: 60}",
                  "    options: [{value: 40000, points: 0}, {value: 50000, points: 60}]")
    found = problems_of(*files(LAB, b))
    lab, harbour = tmp_path / "lab.md", tmp_path / "harbour.md"
    assert f"{lab}:10:5: issues.rent: a range here but options in {harbour}: both files must describe the issue the " \
           "same way; use the same options in both" in found
    assert f"{harbour}:15:5: issues.rent: options here but a range in {lab}: both files must describe the issue the " \
           "same way; use the same range in both" in found
    assert f"{lab}:16:9: issues.term: option 3 is not among the options of {harbour} ('3', '5') ({harbour} writes it " \
           "as '3': write it the same way in both)" in found


def test_steps_without_a_common_grid_of_few_values_are_refused(files, tmp_path):
    a = LAB.replace("step: 1000", "step: 13")
    b = HARBOUR.replace("step: 2500", "step: 17")
    found = problems_of(*files(a, b))
    assert any(p.startswith(f"{tmp_path / 'harbour.md'}:15:5: issues.rent: step 17 here and 13 in ") and
               p.endswith("share no step that gives at most 1,000 values; give both files the same step") for p in found)


def test_the_command_reports_every_mismatch_of_both_files_and_writes_nothing(here):
    from conftest import put_case, run

    a = put_case(LAB.replace("max: 50000, step: 1000", "max: 52000, step: 1000").replace("50000: 0", "52000: 0")
                 .replace("50000: 50", "52000: 50"), "lab.md")
    b = put_case(HARBOUR, "harbour.md")
    result = run("mediate", str(a), str(b))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "cases/harbour.md:15:25: issues.rent: the range ends at €50,000 here but at €52,000 in cases/lab.md: both "
        "files must give the same range ends; change one of them (and its points' anchors)",
        "cases/lab.md:10:25: issues.rent: the range ends at €52,000 here but at €50,000 in cases/harbour.md: both "
        "files must give the same range ends; change one of them (and its points' anchors)"]
    assert not (here / "output").exists()


def test_one_file_twice_is_a_usage_error(here):
    from conftest import put_case, run

    a = put_case(LAB, "lab.md")
    result = run("mediate", str(a), str(a))
    assert result.exit_code == 2 and "is given twice" in result.output
