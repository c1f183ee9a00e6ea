"""The loader: what a sound case holds, and the exact message for each problem."""
from __future__ import annotations

import datetime

import pytest
from pydantic import ValidationError

from briefgen.case import load_case, parse_case
from briefgen.errors import CaseError
from conftest import HIRING, hiring_with, parse, replace

ALLOWED = (
    "allowed keys: format, title, date, status, tags, parties, issues, targets, setting, "
    "constituencies, meso, offer_sheet, rounds, outcome, agreement, comments"
)
# A fourth issue reusing the id 'term', with the same options (so nothing else breaks).
DUPLICATE_TERM = """
  - id: term
    options:
      - {value: 1, points: 0}
      - {value: 2, points: 5}
      - {value: 3, points: 15}

targets:"""

# HIRING without its aspiration (same lines): where an issue is broken, the loader also
# reports the aspiration as unreachable (see test_a_broken_issue_does_not_make_the_aspiration_unreachable).
NO_ASPIRATION = HIRING.replace("  aspiration: 70 ", "  # aspiration: 70 ")


def without_aspiration(*pairs: tuple[str, str]) -> str:
    return replace(NO_ASPIRATION, *pairs)


def problems(text: str | bytes) -> list[str]:
    """Every problem the loader reports for `text`, as `case.md:LINE:COL: message`."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    with pytest.raises(CaseError) as error:
        parse_case(raw, "case.md", "case")
    return [str(p) for p in error.value.problems]


def parse_problems(text: str):
    with pytest.raises(CaseError) as error:
        parse(text)
    return error.value.problems


def condition(text: str) -> str:
    """HIRING with the partner's single `requires` replaced by `text`."""
    return hiring_with(('requires: ["remote_days >= 2"]', f"requires: [{text!r}]"))


# --- a sound case --------------------------------------------------------------


def test_the_format_example_loads_with_its_values(hiring_text, write_case):
    case = load_case(write_case(hiring_text, "Hiring Offer.md"))

    assert case.id == "Hiring Offer"  # the file name, as it is
    assert case.path.endswith("cases/Hiring Offer.md")
    assert case.title == "Senior engineer offer: Jordan Rivera"
    assert case.date == datetime.date(2026, 11, 20) and type(case.date) is datetime.date
    assert case.status == "preparing"
    assert case.tags == ("hiring", "engineering")
    assert case.parties.us.name == "Acme Robotics"
    assert case.parties.them.batna == "Competing offer: $104k, fully remote"
    assert [issue.id for issue in case.issues] == ["salary", "remote_days", "term"]
    assert [issue.name for issue in case.issues] == ["Base salary", "Remote workdays per week", "Contract length"]
    assert [option.name for option in case.issue("term").options] == ["1 year", "2 years", "3 years"]
    assert case.issue("salary").points == {90000: 40, 110000: 0}
    assert (case.targets.reservation, case.targets.aspiration) == (40, 70)
    assert [c.id for c in case.constituencies] == ["partner"]
    assert case.constituencies[0].requires == ("remote_days >= 2",)
    assert case.constituencies[0].can_block is False
    assert case.meso.offers[1] == {"salary": 95000, "remote_days": 1, "term": 2}
    # `from` is a Python keyword: the model calls it `sender`.
    assert case.offer_sheet.sender == "Dana Lee, Engineering Manager, Acme Robotics"
    assert case.offer_sheet.valid_until == datetime.date(2026, 12, 5)
    assert case.offer_sheet.locale == "en_US"
    assert case.outcome.agreed == {"salary": 97000, "remote_days": 2, "term": 2}
    assert case.outcome.date == datetime.date(2026, 12, 3)
    # The body starts right after the closing '---' (line 83), on line 84.
    assert case.body.startswith("\n## Background\nFree Markdown.")
    assert case.body.endswith("## Lessons\n...\n")
    assert case.body_line == 84
    assert HIRING.splitlines()[case.body_line - 1 :] == case.body.splitlines()


def test_a_minimal_case_needs_only_title_and_party_names():
    case = parse("---\ntitle: Minimal\nparties: {us: {name: A}, them: {name: B}}\n---\n")
    assert case.title == "Minimal"
    assert case.issues == () and case.constituencies == () and case.outcome is None
    assert case.body == "" and case.body_line == 5
    assert case.meso.packages == 3 and case.meso.offers == ()


def test_the_model_is_immutable():
    case = parse(HIRING)
    with pytest.raises(ValidationError, match="frozen"):
        case.title = "Other"
    with pytest.raises(ValidationError, match="frozen"):
        case.issues[0].label = "Pay"
    with pytest.raises(ValidationError, match="frozen"):
        case.offer_sheet.sender = "Someone else"
    with pytest.raises(AttributeError):
        case.issues.append(case.issues[0])  # lists are loaded as tuples
    assert case.title == "Senior engineer offer: Jordan Rivera"


def test_the_models_mappings_are_immutable_too():
    case = parse(HIRING)
    with pytest.raises(TypeError):
        case.issue("salary").points[90000] = 1000  # would bypass every check the loader made


# --- unknown keys --------------------------------------------------------------


def test_unknown_top_level_key_with_a_hint():
    # The typo also leaves the required title missing: both are said.
    assert problems(hiring_with(("title:", "titel:"))) == [
        "case.md:3:1: unknown key 'titel' in the frontmatter; did you mean 'title'?",
    ]


def test_unknown_top_level_key_without_a_close_match_lists_the_allowed_keys():
    assert problems(hiring_with(("tags: [hiring, engineering]", "tags: []\nbudget: 3"))) == [
        f"case.md:7:1: unknown key 'budget' in the frontmatter; {ALLOWED}",
    ]


def test_unknown_nested_keys_with_hints():
    assert problems(hiring_with(("reservation: 40", "reservaton: 40"))) == [
        "case.md:41:3: unknown key 'reservaton' in targets; did you mean 'reservation'?",
    ]
    assert problems(hiring_with(('interests: ["salary"', 'intrests: ["salary"'))) == [
        "case.md:18:5: unknown key 'intrests' in parties.them; did you mean 'interests'?",
    ]
    assert problems(hiring_with(("power: influence", "powr: influence"))) == [
        "case.md:49:5: unknown key 'powr' in constituencies.partner; did you mean 'power'?",
    ]
    # `from` is known by its alias, not by the model's field name.
    assert problems(hiring_with(("  from:", "  frm:"))) == [
        "case.md:72:3: unknown key 'frm' in offer_sheet; did you mean 'from'?",
    ]


def test_reserved_keys_of_the_loader_are_unknown_in_the_file():
    assert problems(hiring_with(("format: 1 ", "id: hiring\nbody: text\nformat: 1 "))) == [
        f"case.md:2:1: unknown key 'id' in the frontmatter; {ALLOWED}",
        f"case.md:3:1: unknown key 'body' in the frontmatter; {ALLOWED}",
    ]


# --- YAML ------------------------------------------------------------------------


def test_duplicate_key():
    assert problems(hiring_with(("  tolerance: 1 ", "  tolerance: 1\n  tolerance: 2 "))) == [
        'case.md:63:3: YAML: found duplicate key "tolerance"; each key may appear once',
    ]
    assert problems(hiring_with(("remote_days: 2, term: 1}", "remote_days: 2, term: 1, term: 2}"))) == [
        'case.md:68:48: YAML: found duplicate key "term"; each key may appear once',
    ]


def test_yaml_syntax_error():
    assert problems(hiring_with(("tags: [hiring, engineering]", "tags: [hiring\n  bad: x"))) == [
        "case.md:7:6: YAML: expected ',' or ']', but got ':' while parsing a flow sequence that starts on line 6, column 7",
    ]
    assert problems("---\ntitle: x\n  bad: indent\n---\n") == [
        "case.md:3:6: YAML: this line is indented 2 spaces, further than the keys above it, so YAML reads it as "
        "part of line 2's value; indent it by 0, as on line 2",
    ]
    assert problems("---\ntitle: x\nparties: [a\n---\n") == [
        "case.md:3:10: YAML: a [...] list starts here and is never closed",
    ]
    assert problems("---\ntitle: x\n\tparties: 1\n---\n") == [
        "case.md:3:1: YAML: a tab: YAML indents with spaces only; replace the tab with spaces",
    ]


def test_an_unclosed_quote_is_a_yaml_problem():
    [problem] = parse_problems('---\ntitle: "x\nparties: {}\n---\n')
    assert problem.message.startswith("YAML: ")


def test_an_unclosed_quote_is_reported_where_it_opens():
    [problem] = parse_problems('---\ntitle: "x\nparties: {}\n---\n')
    assert (problem.line, problem.column) == (2, 8) and "quoted" in problem.message


def test_an_impossible_date_is_a_problem_not_a_crash():
    with pytest.raises(CaseError) as error:
        parse(hiring_with(("date: 2026-11-20", "date: 2026-13-45")))
    assert [(p.line, p.column) for p in error.value.problems] == [(4, 7)]


# --- types -------------------------------------------------------------------------


def test_wrong_types():
    assert problems(without_aspiration(("points: 30, their_points: 15", "points: 30, their_points: fifteen"))) == [
        "case.md:31:63: issues.remote_days.options[2].their_points: expected a number (got 'fifteen')",
    ]
    assert problems(hiring_with(("power: influence", "power: maybe"))) == [
        "case.md:49:12: constituencies.partner.power: input should be 'ratify', 'veto', 'implement', "
        "'influence' or 'none' (got 'maybe')",
    ]
    assert problems(hiring_with(("side: them", "side: sideways"))) == [
        "case.md:48:11: constituencies.partner.side: input should be 'us' or 'them' (got 'sideways')",
    ]
    assert problems(hiring_with(("status: preparing ", "status: drafting "))) == [
        "case.md:5:9: status: input should be 'preparing', 'offered', 'countered', 'agreed', 'closed' "
        "or 'abandoned' (got 'drafting')",
    ]
    assert problems(hiring_with(("packages: 3 ", "packages: 7 "))) == [
        "case.md:61:13: meso.packages: input should be less than or equal to 5 (got 7)",
    ]
    assert problems(hiring_with(("format: 1 ", "format: 2 "))) == [
        "case.md:2:9: format: input should be 1 (got 2)",
    ]


def test_a_list_where_a_text_goes():
    assert problems(hiring_with(('negotiator: "Dana Lee, Engineering Manager"', "negotiator: [Dana, Lee]"))) == [
        "case.md:11:5: parties.us.negotiator: expected a text (quote it if it looks like a number or date)",
    ]
    assert problems(hiring_with(('title: "Senior engineer offer: Jordan Rivera"', "title: [a, b]"))) == [
        "case.md:3:1: title: expected a text (quote it if it looks like a number or date)",
    ]


@pytest.mark.parametrize("old, new, line", [
    ('title: "Senior engineer offer: Jordan Rivera"', "title:", 3),
    # (message today: "targets: input should be a valid dictionary or instance of Targets")
    ("  reservation: 40 ", "  # reservation: 40 ", 40),
])
def test_an_empty_value_is_reported_on_its_own_line(old, new, line):
    text = hiring_with((old, new), ("  aspiration: 70 ", "  # aspiration: 70 "))
    assert [p.line for p in parse_problems(text)] == [line]


def test_a_missing_required_name():
    assert problems(hiring_with(("    name: Jordan Rivera\n", ""))) == [
        "case.md:14:3: parties.them needs 'name'",
    ]


@pytest.mark.parametrize("written, shown", [(".nan", "nan"), (".inf", "inf"), ("-.inf", "-inf")])
def test_points_must_be_finite(written, shown):
    assert problems(without_aspiration(("points: {90000: 40,", f"points: {{90000: {written},"))) == [
        f"case.md:25:21: issues.salary.points.90000: expected a finite number (not .nan or .inf) (got {shown})",
    ]


def test_points_forty_is_not_a_number():
    assert problems(without_aspiration(('"2 days", points: 30', '"2 days", points: forty'))) == [
        "case.md:31:45: issues.remote_days.options[2].points: expected a number (got 'forty')",
    ]


def test_a_broken_issue_does_not_make_the_aspiration_unreachable():
    assert problems(hiring_with(('"2 days", points: 30', '"2 days", points: forty'))) == [
        "case.md:31:45: issues.remote_days.options[2].points: expected a number (got 'forty')",
    ]


def test_a_boolean_option_value():
    assert problems(without_aspiration(('{value: 2, label: "2 days"', '{value: true, label: "2 days"'))) == [
        "case.md:31:17: issues.remote_days.options[2].value: expected a number or a text, got true/false",
    ]
    # YAML 1.2: `yes` is text, not a boolean, so it is a text option among numbers.
    assert problems(hiring_with(('{value: 2, label: "2 days"', '{value: yes, label: "2 days"'))) == [
        "case.md:29:5: issues.remote_days: option values mix numbers and text; use one kind",
    ]


def test_an_unknown_locale():
    assert problems(hiring_with(("  closing:", "  locale: xx_YY\n  closing:"))) == [
        "case.md:77:11: offer_sheet.locale: unknown locale 'xx_YY'; use a code such as en_US, en_GB, de_DE or fr_FR",
    ]
    assert parse(hiring_with(("  closing:", "  locale: de_DE\n  closing:"))).offer_sheet.locale == "de_DE"


# --- ids and anchors ---------------------------------------------------------------


def test_duplicate_issue_id():
    assert problems(hiring_with(("\ntargets:", DUPLICATE_TERM))) == [
        "case.md:40:9: duplicate issue id 'term' (first used on line 33); ids must be unique",
    ]


def test_a_duplicate_issue_id_is_reported_once():
    one_option = DUPLICATE_TERM.replace("      - {value: 2, points: 5}\n      - {value: 3, points: 15}\n", "")
    assert problems(hiring_with(("\ntargets:", one_option))) == [
        "case.md:40:9: duplicate issue id 'term' (first used on line 33); ids must be unique",
    ]


def test_duplicate_constituency_id():
    assert problems(hiring_with(("  - id: partner", "  - id: partner\n    side: us\n  - id: partner"))) == [
        "case.md:48:9: duplicate constituency id 'partner' (first used on line 46); ids must be unique",
    ]


def test_a_points_anchor_outside_the_range():
    assert problems(hiring_with(("points: {90000: 40, 110000: 0}", "points: {90000: 40, 110000: 0, 120000: 5}"))) == [
        "case.md:25:44: issues.salary: points anchor 120000 is outside the range 90000 to 110000",
    ]


def test_a_range_without_an_anchor_at_its_max():
    assert problems(hiring_with(("points: {90000: 40, 110000: 0}", "points: {90000: 40, 100000: 0}"))) == [
        "case.md:25:5: issues.salary: points has no anchor at 110000; anchors must cover the range 90000 to 110000",
    ]


def test_their_points_anchors_are_checked_the_same_way():
    assert problems(hiring_with(("their_points: {90000: 0,", "their_points: {80000: 0,"))) == [
        "case.md:26:5: issues.salary: their_points has no anchor at 90000; anchors must cover the range 90000 to 110000",
        "case.md:26:27: issues.salary: their_points anchor 80000 is outside the range 90000 to 110000",
    ]


# --- conditions ----------------------------------------------------------------------

PREFIX = "case.md:55:16: constituencies.partner.requires: condition"
SYNTAX = "write comparisons such as 'remote_days >= 2' joined by and, or, not"


@pytest.mark.parametrize("text, message", [
    ("remote_dayz >= 2", "'remote_dayz >= 2' names an unknown issue 'remote_dayz'; did you mean 'remote_days'?"),
    ("bonus > 1", "'bonus > 1' names an unknown issue 'bonus'; known issues: salary, remote_days, term"),
    ("remote_days == 5", "'remote_days == 5': 5 is not an option of 'remote_days' (options: 1, 2, 3)"),
    ("remote_days in [1, 4]", "'remote_days in [1, 4]': 4 is not an option of 'remote_days' (options: 1, 2, 3)"),
    ("remote_days >= 5", "'remote_days >= 5' compares 'remote_days' with 5, outside its values (1 to 3)"),
    ("salary <= 200000", "'salary <= 200000' compares 'salary' with $200,000, outside its values ($90,000 to $110,000)"),
    ("salary == 200000", "'salary == 200000': $200,000 is outside the range of 'salary' ($90,000 to $110,000)"),
    ("remote_days >= 2 && term > 1", f"'remote_days >= 2 && term > 1' is not valid at column 19; {SYNTAX}"),
    ("import os", f"'import os' is not valid at column 8; {SYNTAX}"),
    ("__class__", "'__class__' is not a comparison; use only ==, !=, <, <=, >, >=, 'in [...]', and, or, not with an issue id on one side and a value on the other"),
    ("remote_days", "'remote_days' is not a comparison; use only ==, !=, <, <=, >, >=, 'in [...]', and, or, not "
                    "with an issue id on one side and a value on the other"),
])
def test_a_bad_condition_is_reported_where_it_is_written(text, message):
    assert problems(condition(text)) == [f"{PREFIX} {message}"]


def test_a_dunder_attribute_in_a_condition_is_rejected():
    [problem] = parse_problems(condition("remote_days.__class__ == 1"))
    assert str(problem).startswith(f"{PREFIX} 'remote_days.__class__ == 1' ")


def test_a_dunder_attribute_in_a_condition_gets_a_message_that_fits():
    # The message `remote_days.to_str == "1"` already gets.
    assert problems(condition("remote_days.__class__ == 1")) == [
        f"{PREFIX} 'remote_days.__class__ == 1' must compare an issue id with a value, as in 'term >= 2'",
    ]


def test_an_ordering_comparison_on_a_text_issue():
    text = hiring_with(
        ("\ntargets:", "\n  - id: city\n    options: [{value: Berlin}, {value: Paris}]\n\ntargets:"),
        ("hold: {}", "hold: {city: Berlin}"),
        ("agreed: {", "agreed: {city: Paris, "),
        ('requires: ["remote_days >= 2"]', "requires: ['city < \"Paris\"']"),
    )
    assert problems(text) == [
        "case.md:58:16: constituencies.partner.requires: condition 'city < \"Paris\"' uses < on 'city', "
        "whose values are text; use == or in",
    ]


def test_the_second_condition_of_a_list_is_located_on_its_own():
    text = hiring_with(('requires: ["remote_days >= 2"]', 'requires: ["remote_days >= 2", "trm == 1"]'))
    assert problems(text) == [
        "case.md:55:36: constituencies.partner.requires: condition 'trm == 1' names an unknown issue 'trm'; "
        "did you mean 'term'?",
    ]


def test_a_condition_on_a_broken_issue_is_not_reported_again():
    text = hiring_with(("their_points: {90000: 0,", "their_points: {80000: 0,"),
                       ('requires: ["remote_days >= 2"]', 'requires: ["salary <= 100000"]'))
    assert [p.split(": ", 1)[0] for p in problems(text)] == ["case.md:26:5", "case.md:26:27"]


# --- meso, targets, outcome -----------------------------------------------------------


def test_unknown_issues_in_meso_and_outcome():
    assert problems(hiring_with(("lead_with: [salary, remote_days, term]", "lead_with: [salary, remote, term]"))) == [
        "case.md:63:23: meso.lead_with: unknown issue 'remote'; did you mean 'remote_days'?",
    ]
    assert problems(hiring_with(("hold: {}", "hold: {salry: 90000}"))) == [
        "case.md:64:10: meso.hold: unknown issue 'salry'; did you mean 'salary'?",
    ]
    assert problems(hiring_with(("hold: {}", "hold: {bonus: 1}"))) == [
        "case.md:64:10: meso.hold: unknown issue 'bonus'; known issues: salary, remote_days, term",
    ]
    # A misspelt issue in an offer or in the agreement also leaves the real one without a value.
    assert problems(hiring_with(("- {salary: 95000, remote_days: 1,", "- {salary: 95000, remote_dys: 1,"))) == [
        "case.md:67:23: meso.offers[2]: unknown issue 'remote_dys'; did you mean 'remote_days'?",
    ]
    assert problems(hiring_with(("remote_days: 2, term: 2}", "remote_days: 2, trm: 2}"))) == [
        "case.md:81:43: outcome.agreed: unknown issue 'trm'; did you mean 'term'?",
    ]


def test_an_offer_missing_an_issue():
    assert problems(hiring_with(("- {salary: 100000, remote_days: 1, term: 3}", "- {salary: 100000, term: 3}"))) == [
        "case.md:66:7: meso.offers[1] has no value for 'remote_days'; give one, or fix it for every package in meso.hold",
    ]


def test_an_issue_held_in_meso_hold_may_be_left_out_of_the_offers():
    text = hiring_with(
        ("hold: {}", "hold: {term: 2}"),
        ("- {salary: 100000, remote_days: 1, term: 3}", "- {salary: 100000, remote_days: 1}"),
    )
    assert parse(text).meso.offers[0] == {"salary": 100000, "remote_days": 1}


def test_offer_values_outside_their_issue():
    assert problems(hiring_with(("remote_days: 1, term: 3}", "remote_days: 4, term: 3}"))) == [
        "case.md:66:37: meso.offers[1]: 4 is not an option of 'remote_days' (options: 1, 2, 3)",
    ]
    assert problems(hiring_with(("- {salary: 100000,", "- {salary: 120000,"))) == [
        "case.md:66:16: meso.offers[1]: $120,000 is outside the range of 'salary' ($90,000 to $110,000)",
    ]
    assert problems(hiring_with(("- {salary: 100000,", "- {salary: lots,"))) == [
        "case.md:66:16: meso.offers[1]: 'lots' is text, but 'salary' takes a number",
    ]
    assert problems(hiring_with(("hold: {}", "hold: {term: 4}"))) == [
        "case.md:64:16: meso.hold: 4 is not an option of 'term' (options: 1, 2, 3)",
    ]


def test_reservation_above_aspiration():
    assert problems(hiring_with(("reservation: 40 ", "reservation: 75 "))) == [
        "case.md:41:16: targets: reservation 75 is above aspiration 70; the walk-away score must be the lower one",
    ]


def test_aspiration_above_the_best_possible_score():
    # Best possible: 40 + 35 + 15 = 90.
    assert problems(hiring_with(("aspiration: 70 ", "aspiration: 95 "))) == [
        "case.md:42:15: targets.aspiration: 95 is more than the best possible score, 90; no package can reach it",
    ]
    assert parse(hiring_with(("aspiration: 70 ", "aspiration: 90 "))).aspiration == 90


# --- the file itself -------------------------------------------------------------------

NO_FRONTMATTER = "case.md:1:1: no frontmatter: a case file starts with a line '---', then YAML, then a line '---'"


@pytest.mark.parametrize("raw, expected", [
    (b"", [NO_FRONTMATTER]),
    (b"title: x\n", [NO_FRONTMATTER]),
    (b"\n---\ntitle: x\n---\n", [NO_FRONTMATTER]),
    (b"---\ntitle: x\n", ["case.md:1:1: the frontmatter opened on this line is never closed; add a line '---' after the YAML"]),
    (b"---\n---\nbody\n", ["case.md:1:1: the frontmatter is empty; it needs at least a title and parties"]),
    (b"---\n# only a comment\n\n---\n", ["case.md:1:1: the frontmatter is empty; it needs at least a title and parties"]),
    (b"---\n- a\n- b\n---\n", ["case.md:2:1: the frontmatter is a list; it must be keys and values, like 'title: ...'"]),
    (b"---\njust text\n---\n", ["case.md:2:1: the frontmatter is the text 'just text'; it must be keys and values, like 'title: ...'"]),
    (b"---\n3.5\n---\n", ["case.md:2:1: the frontmatter is the number 3.5; it must be keys and values, like 'title: ...'"]),
    (b"---\ntitle: x\nparties: {us: {name: caf\xe9}}\n---\n", ["case.md:3:25: byte 0xe9 is not UTF-8 text; save the file as UTF-8"]),
    (b"---\ntitle: x\n---\n", ["case.md:2:1: the frontmatter needs 'parties'"]),
])
def test_problems_with_the_file_itself(raw, expected):
    assert problems(raw) == expected


@pytest.mark.parametrize("raw, where", [
    (b'---\ntitle: "\xe2\x82\xac\xff"\n---\n', "2:10"),  # after a euro sign (3 bytes, 1 character)
    (b"\xef\xbb\xbf\xff---\n", "1:1"),  # right after a byte order mark
])
def test_the_column_of_a_bad_byte_counts_characters(raw, where):
    assert problems(raw) == [f"case.md:{where}: byte 0xff is not UTF-8 text; save the file as UTF-8"]


def test_an_unreadable_file(tmp_path):
    with pytest.raises(CaseError) as error:
        load_case(tmp_path / "missing.md")
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path / 'missing.md'}:1:1: cannot read the file: No such file or directory",
    ]


# --- all at once, and where ---------------------------------------------------------------


def test_problems_of_different_kinds_are_all_reported_sorted_by_line():
    text = hiring_with(
        ('requires: ["remote_days >= 2"]', 'requires: ["remote_days >= 2", "trm == 1"]'),  # line 55
        ("\ntargets:", DUPLICATE_TERM),  # the duplicate id on line 40; later lines move down by 6
        ("status: preparing ", "status: drafting "),  # line 5
    )
    assert problems(text) == [
        "case.md:5:9: status: input should be 'preparing', 'offered', 'countered', 'agreed', 'closed' "
        "or 'abandoned' (got 'drafting')",
        "case.md:40:9: duplicate issue id 'term' (first used on line 33); ids must be unique",
        "case.md:61:36: constituencies.partner.requires: condition 'trm == 1' names an unknown issue 'trm'; "
        "did you mean 'term'?",
    ]


TYPO = hiring_with(("reservation: 40", "reservaton: 40"))


def test_lines_stay_right_with_blank_lines_and_comments_at_the_top():
    text = TYPO.replace("---\n", "---\n\n# prepared by Dana\n\n", 1)
    assert problems(text) == ["case.md:44:3: unknown key 'reservaton' in targets; did you mean 'reservation'?"]


def test_lines_stay_right_with_a_byte_order_mark():
    assert problems("\ufeff" + TYPO) == ["case.md:41:3: unknown key 'reservaton' in targets; did you mean 'reservation'?"]
    case = parse("\ufeff" + HIRING)
    assert case.title == "Senior engineer offer: Jordan Rivera" and case.body_line == 84


def test_lines_stay_right_with_windows_line_endings():
    assert problems(TYPO.replace("\n", "\r\n")) == [
        "case.md:41:3: unknown key 'reservaton' in targets; did you mean 'reservation'?",
    ]
