"""Edits in place: only the values changed, every other character of the case file kept."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.case import parse_case
from briefgen.edits import DELETE, EditError, apply_changes, render
from conftest import HIRING


def lines_changed(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(), after.splitlines()
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new) if a != b]


def load(text: str):
    return parse_case(text.encode(), "case.md", "case")


def test_a_value_in_a_flow_mapping_changes_alone_and_keeps_its_comment():
    after = apply_changes(HIRING, {("issues", 1, "options", 1, "points"): 31.5})
    assert lines_changed(HIRING, after) == [
        ('      - {value: 2, label: "2 days", points: 30, their_points: 15}',
         '      - {value: 2, label: "2 days", points: 31.5, their_points: 15}')]


def test_block_values_keep_their_comments_and_quotes():
    after = apply_changes(HIRING, {("targets", "aspiration"): 66, ("parties", "us", "negotiator"): "Sam Ode"})
    assert lines_changed(HIRING, after) == [
        ('    negotiator: "Dana Lee, Engineering Manager"', '    negotiator: "Sam Ode"'),
        ("  aspiration: 70               # the score MESO packages are built at (default: 75% of the best possible score)",
         "  aspiration: 66               # the score MESO packages are built at (default: 75% of the best possible score)")]


def test_new_keys_go_beside_their_siblings():
    after = apply_changes(HIRING, {("issues", 2, "options", 0, "rating"): 0, ("issues", 0, "rank"): 1})
    assert '      - {value: 1, label: "1 year",  points: 0,  their_points: 15, rating: 0}' in after.splitlines()
    lines = after.splitlines()
    assert lines[lines.index("    their_points: {90000: 0, 110000: 40}           # our estimate of theirs (optional)") + 1] == "    rank: 1"
    assert load(after).issue("salary").rank == 1


def test_removing_a_key_takes_its_line_or_its_part_of_the_braces():
    after = apply_changes(HIRING, {("parties", "them", "batna"): DELETE,
                                   ("issues", 1, "options", 0, "their_points"): DELETE})
    assert "Competing offer" not in after
    assert '      - {value: 1, label: "1 day",  points: 35}' in after.splitlines()
    assert len(after.splitlines()) == len(HIRING.splitlines()) - 1
    assert load(after).issue("remote_days").options[0].their_points is None


def test_anchors_are_rewritten_in_order_when_they_change():
    after = apply_changes(HIRING, {("issues", 0, "points"): {90000: 40, 100000: 30, 110000: 0}})
    assert "    points: {90000: 40, 100000: 30, 110000: 0}                 # ours: piecewise-linear between anchors" in after


def test_a_list_of_texts_can_grow():
    after = apply_changes(HIRING, {("constituencies", 0, "requires"): ["remote_days >= 2", "term <= 2"]})
    assert '    requires: ["remote_days >= 2", "term <= 2"]     # conditions this constituency needs to accept (its win-set)' in after
    assert load(after).constituencies[0].requires == ("remote_days >= 2", "term <= 2")


def test_crlf_files_stay_crlf():
    text = HIRING.replace("\n", "\r\n")
    after = apply_changes(text, {("issues", 0, "rank"): 2, ("targets", "reservation"): 41})
    assert "\n" not in after.replace("\r\n", "")
    assert load(after).issue("salary").rank == 2 and load(after).targets.reservation == 41


def test_an_empty_value_is_filled_where_it_is_written():
    text = HIRING.replace('  to: Jordan Rivera\n', '  to:\n')
    after = apply_changes(text, {("offer_sheet", "to"): "J. Rivera"})
    assert "  to: J. Rivera\n" in after


def test_what_cannot_be_edited_in_place_is_refused_not_mangled():
    with pytest.raises(EditError, match="opens a list item"):
        apply_changes(HIRING, {("issues", 0, "id"): DELETE})
    with pytest.raises(EditError, match="no meso.nothing"):
        apply_changes(HIRING, {("meso", "nothing", "x"): 1})


TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)


@settings(max_examples=25, deadline=None)
@given(label=TEXTS, points=st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: round(x, 3)))
def test_any_label_and_number_read_back_exactly(label, points):
    """Whatever the text (quotes, colons, '#', a leading '='), it is written so YAML reads it back as it was."""
    after = apply_changes(HIRING, {("issues", 1, "label"): label, ("issues", 1, "options", 2, "points"): points,
                                   ("issues", 2, "options", 0, "label"): label})
    case = load(after) if label.strip() else None
    if case is not None:
        assert case.issue("remote_days").label == label
        assert case.issue("term").options[0].label == label
        assert case.issue("remote_days").options[2].points == points
    assert len(lines_changed(HIRING, after)) <= 3  # a value may be the one already there


def test_render_keeps_numbers_and_texts_apart():
    assert render(35.0) == "35" and render(0.1) == "0.1" and render("12") == '"12"' and render("true") == '"true"'
    assert render("=HYPERLINK(1)") == '"=HYPERLINK(1)"' and render("Base salary") == "Base salary"
