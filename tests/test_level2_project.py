"""A project's own rules/ folder: adding, replacing and switching off rules, and every
rule-file mistake reported with its line, column and exact message."""
from __future__ import annotations

import re

import pytest

from briefgen.errors import CaseError
from briefgen.level2.analysis import analyse
from briefgen.level2.rules import load_rules
from conftest import HIRING, flat, parse, pdf_text, run, write

DEFAULTS = load_rules()

# In HIRING, Rivera's partner (them, influence, skeptical, concerned about a long commute,
# sensitive to being an afterthought) gets findings in compensation, b, c, d and e, none in f.
TEAM = """\
# Our team's house rules.
rules:
  - id: partner-office-visit
    category: f
    scope: them
    condition: 'power == "influence" and stance == "skeptical"'
    advice: >-
      Invite $name to visit the office with $negotiator before the next round.
    why: "A visit answers questions that no offer can."
  - id: opposed-mollify-private
    category: c
    scope: them
    condition: 'stance in ["opposed", "skeptical"] and not concerns.is_empty'
    advice: "Ask $negotiator how $name sees the $concern, and answer it in writing."
    why: "House style: we acknowledge a concern in writing."
  - {id: sensitivity-process-gesture, disabled: true}
"""
ADDED = "Invite Rivera's partner to visit the office with Jordan Rivera before the next round."
REPLACED = "Ask Jordan Rivera how Rivera's partner sees the long commute, and answer it in writing."


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder (the working folder) with the hiring case and the team's rules."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "cases/x.md", HIRING)
    write(tmp_path / "rules/team.yaml", TEAM)
    return tmp_path


# --- adding, replacing, switching off -------------------------------------------------------


def test_load_rules_adds_replaces_and_switches_off(tmp_path):
    rules_dir = tmp_path / "rules"
    team = write(rules_dir / "team.yaml", TEAM)
    rules = load_rules(rules_dir)
    ids = [rule.id for rule in rules.rules]

    # The replacement keeps the default's place; added rules come first, so they win.
    default_ids = [rule.id for rule in DEFAULTS.rules]
    assert ids == ["partner-office-visit"] + [i for i in default_ids if i != "sensitivity-process-gesture"]
    replaced = next(rule for rule in rules.rules if rule.id == "opposed-mollify-private")
    assert replaced.source == f"{team}:{line_of(TEAM, 'id: opposed-mollify-private')}"
    assert replaced.advice.template == "Ask $negotiator how $name sees the $concern, and answer it in writing."

    default = next(rule for rule in DEFAULTS.rules if rule.id == "opposed-mollify-private")
    assert rules.overridden == (("opposed-mollify-private", default.source),)
    assert rules.disabled == (("sensitivity-process-gesture", f"{team}:{line_of(TEAM, 'sensitivity-process-gesture')}"),)
    # The defaults themselves are untouched.
    assert [rule.id for rule in load_rules().rules] == default_ids


def test_the_project_rules_change_the_findings(tmp_path):
    write(tmp_path / "rules/team.yaml", TEAM)
    case = parse(HIRING)
    before = {f.category: f for f in analyse(case, DEFAULTS).findings}
    after = {f.category: f for f in analyse(case, load_rules(tmp_path / "rules")).findings}

    assert before["b"].rule.id == "sensitivity-process-gesture"
    assert "b" not in after  # switched off, and no other b rule fits the partner

    assert "f" not in before
    assert (after["f"].rule.id, after["f"].advice) == ("partner-office-visit", ADDED)
    assert after["f"].why == "A visit answers questions that no offer can."

    assert before["c"].advice.startswith("Acknowledge to Jordan Rivera, in private and before any offer, what worries Rivera's partner")
    assert (after["c"].rule.id, after["c"].advice) == ("opposed-mollify-private", REPLACED)
    # The rest is as before.
    for category in ("compensation", "d", "e"):
        assert after[category].advice == before[category].advice


def test_an_added_rule_wins_over_a_default_of_its_category(tmp_path):
    """Documented order: the project's new rules first, then the defaults; the first rule
    that fires for a constituency and category is kept, so a project's rule is shown."""
    extra = TEAM.replace("category: f", "category: c", 1)
    write(tmp_path / "rules/team.yaml", extra)
    rules = load_rules(tmp_path / "rules")
    c = [f for f in analyse(parse(HIRING), rules).findings if f.category == "c"]
    assert [f.rule.id for f in c] == ["partner-office-visit"]


def test_an_empty_project_rule_file_changes_nothing(tmp_path):
    write(tmp_path / "rules/empty.yaml", "# nothing yet\n")
    write(tmp_path / "rules/notes.txt", "not a rule file: only *.yaml is read")
    rules = load_rules(tmp_path / "rules")
    assert [r.id for r in rules.rules] == [r.id for r in DEFAULTS.rules]
    assert (rules.overridden, rules.disabled) == ((), ())


def test_no_rules_folder_means_the_defaults(tmp_path):
    assert [r.id for r in load_rules(tmp_path / "rules").rules] == [r.id for r in DEFAULTS.rules]


# --- through the command line ---------------------------------------------------------------


def section(lines: list[str], heading: str) -> list[str]:
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith(" ")), len(lines))
    return lines[start:end]


def test_briefgen_rules_lists_the_project_rules(project):
    result = run("rules")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    added = section(lines, "Act constructively at the table (f)")
    assert re.fullmatch(rf"  partner-office-visit +them  rules/team\.yaml:{line_of(TEAM, 'partner-office-visit')}",
                        added[0])
    replaced = [line for line in section(lines, "Watch what is said (c)") if "opposed-mollify-private" in line]
    assert re.fullmatch(rf"  opposed-mollify-private +them  rules/team\.yaml:{line_of(TEAM, 'id: opposed-mollify-private')}",
                        replaced[0])
    assert not any("sensitivity-process-gesture" in line for line in section(lines, "Shape the form of the process (b)"))
    default_line = next(r.source for r in DEFAULTS.rules if r.id == "opposed-mollify-private").rsplit(":", 1)[1]
    assert f"replaced: opposed-mollify-private (the default at c-statements.yaml:{default_line}) by the project's rule" in lines
    assert f"switched off: sensitivity-process-gesture (at rules/team.yaml:{line_of(TEAM, 'disabled')})" in lines
    assert lines[-1] == f"{len(DEFAULTS.rules)} active rules"


def test_briefgen_rules_without_a_project_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("rules")
    assert result.exit_code == 0
    assert "replaced:" not in result.stdout and "switched off:" not in result.stdout
    assert result.stdout.splitlines()[-1] == f"{len(DEFAULTS.rules)} active rules"
    assert "  sensitivity-process-gesture" in result.stdout


def test_briefgen_explain_uses_the_project_rules(project):
    result = run("explain", "cases/x.md")
    assert (result.exit_code, result.stderr) == (0, "")
    out = result.stdout
    assert (f"[Act constructively at the table] partner-office-visit "
            f"(rules/team.yaml:{line_of(TEAM, 'partner-office-visit')}): Rivera's partner") in out
    assert f"opposed-mollify-private (rules/team.yaml:{line_of(TEAM, 'id: opposed-mollify-private')})" in out
    assert ADDED in flat(out) and REPLACED in flat(out)
    assert "sensitivity-process-gesture" not in out
    assert "Acknowledge to Jordan Rivera, in private" not in out


def test_briefgen_build_uses_the_project_rules(project):
    result = run("build", "cases/x.md")
    assert result.exit_code == 0, result.stderr
    text = flat(pdf_text(project / "output/x/brief.pdf"))
    assert ADDED in text
    assert REPLACED in text
    assert "Act constructively at the table" in text
    assert "Acknowledge to Jordan Rivera, in private" not in text
    assert "Use the process to show" not in text
    # Nothing internal reaches the counterpart.
    offer = flat(pdf_text(project / "output/x/offer-sheet.pdf"))
    assert "Invite Rivera's partner" not in offer


# --- rule-file mistakes ---------------------------------------------------------------------

GOOD = """\
  - id: my-rule
    category: a
    scope: them
    condition: 'audience'
    advice: "Advice for $name."
    why: "Because."
"""


def with_rule(*pairs: tuple[str, str]) -> str:
    text = GOOD
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return "rules:\n" + text


THEM_FIELDS = ("id, name, side, power, stance, audience, can_block, binding, clashes, interests, concerns, "
               "sensitivities, influenced_by, requires, linked_issues, backers, blockers, party, other_party, "
               "negotiator, allies, adversaries, unknown_influencers, public, written, unmeetable, priced, champions, "
               "unmeetable_blockers")
CASE_WORDS = ("$binding_them, $binding_us, $clash, $clashes, $has_issues, $has_packages, $issues, $our_negotiator, "
              "$public, $reservation_reachable, $their_negotiator, $their_reservation_known, $them, $them_count, "
              "$unknown_them, $us, $us_count, $win_sets_meet, $written")

MISTAKES = {
    "unknown-key": (with_rule(("    why:", "    wyh:")),
                    "7:5: unknown key 'wyh' in rules.my-rule; did you mean 'why'?"),
    "unknown-key-no-hint": (with_rule(('    why: "Because."\n', '    why: "Because."\n    zzz: 1\n')),
                            "8:5: unknown key 'zzz' in rules.my-rule; allowed keys: id, disabled, category, scope, "
                            "condition, advice, why, detail, risk, when"),
    "unknown-category": (with_rule(("category: a", "category: z")),
                         "3:15: rules.my-rule.category: input should be 'compensation', 'a', 'b', 'c', 'd', 'e', "
                         "'f', 'g', 'h' or 'probe' (got 'z')"),
    "unknown-scope": (with_rule(("scope: them", "scope: ours")),
                      "4:12: rules.my-rule.scope: input should be 'case', 'them' or 'us' (got 'ours')"),
    "bad-id": (with_rule(("id: my-rule", "id: My Rule")),
               "2:9: rules.My Rule.id: string should match pattern '^[a-z0-9][a-z0-9-]*$' (got 'My Rule')"),
    "unknown-field": (with_rule(("'audience'", "'audiense'")),
                      "5:16: rule 'my-rule': condition names an unknown field 'audiense'; did you mean 'audience'?"),
    "unknown-field-no-hint": (with_rule(("'audience'", "'zzzqqq'")),
                              f"5:16: rule 'my-rule': condition names an unknown field 'zzzqqq'; a them-scope rule "
                              f"may test: {THEM_FIELDS}"),
    "constituency-field-in-a-case-rule": (
        with_rule(("scope: them", "scope: case"), ("'audience'", "'stance == \"opposed\"'"), ("$name", "$us")),
        "5:16: rule 'my-rule': condition names an unknown field 'stance'; a case-scope rule may test: issues, "
        "win_sets_meet, clashes, binding_us, binding_them, them_count, us_count, unknown_them, has_packages, "
        "reservation_reachable, us, them, our_negotiator, their_negotiator, public, written, their_reservation_known, "
        "has_issues"),
    "syntax-error-at-the-end": (with_rule(("'audience'", "'audience and'")),
                                "5:16: rule 'my-rule': condition is not valid at its end; see 'briefgen rules "
                                "--help' for the language"),
    "syntax-error-inside": (with_rule(("'audience'", "'stance == = 3'")),
                            "5:16: rule 'my-rule': condition is not valid at column 11; see 'briefgen rules "
                            "--help' for the language"),
    "type-error": (with_rule(("'audience'", "'stance > 3'")),
                   "5:16: rule 'my-rule': condition cannot be evaluated: data type mismatch"),
    "bad-regex": (with_rule(("'audience'", "'name =~ \"(\"'")),
                  "5:16: rule 'my-rule': condition cannot be evaluated: invalid regular expression"),
    "unknown-variable": (with_rule(("$name", "$nmae")),
                         "6:13: rule 'my-rule': advice names an unknown variable '$nmae'; did you mean '$name'?"),
    "unknown-variable-in-why": (with_rule(('"Because."', '"Because of $concerm."')),
                                "7:10: rule 'my-rule': why names an unknown variable '$concerm'; did you mean "
                                "'$concern'?"),
    "constituency-variable-in-a-case-rule": (
        with_rule(("scope: them", "scope: case"), ("'audience'", "'win_sets_meet'")),
        f"6:13: rule 'my-rule': advice names an unknown variable '$name'; it may name: {CASE_WORDS}"),
    "stray-dollar": (with_rule(("Advice for $name.", "Costs $ 5 for $name.")),
                     "6:13: rule 'my-rule': advice has a stray '$'; write $$ for a dollar sign"),
    "stray-dollar-in-why": (with_rule(('"Because."', '"Because $."')),
                            "7:10: rule 'my-rule': why has a stray '$'; write $$ for a dollar sign"),
    "missing-fields": ("rules:\n  - id: my-rule\n    category: a\n    advice: x\n",
                       "2:5: rule 'my-rule' needs 'scope', 'condition', 'why'"),
    "disabled-with-other-fields": ("rules:\n  - id: audience-do-not-escalate\n    disabled: true\n    advice: x\n",
                                   "2:5: rule 'audience-do-not-escalate' is disabled: give only 'id' and "
                                   "'disabled: true'"),
    "disable-an-unknown-rule": ("rules:\n  - {id: audience-do-not-escalat, disabled: true}\n",
                                "2:1: cannot switch off rule 'audience-do-not-escalat': no such rule; did you mean "
                                "'audience-do-not-escalate'?"),
    "disable-an-unknown-rule-no-hint": ("rules:\n  - {id: zzzz-qqqq, disabled: true}\n",
                                        "2:1: cannot switch off rule 'zzzz-qqqq': no such rule; run 'briefgen rules' "
                                        "to list the rule ids"),
    "a-list-not-a-mapping": ("- id: my-rule\n", "1:1: a rule file is a mapping with a 'rules:' list, not a list"),
    "a-text-not-a-mapping": ("just text\n",
                             "1:1: a rule file is a mapping with a 'rules:' list, not the text 'just text'"),
    "rules-not-a-list": ("rules: 3\n", "1:8: rules: expected a list, like [a, b] (got 3)"),
    "yaml-syntax-error": ("rules:\n  - id: my-rule\n    category: [a\n",
                          "3:15: YAML: a [...] list starts here and is never closed"),
    "a-tab": ("rules:\n\t- id: my-rule\n", "2:1: YAML: a tab: YAML indents with spaces only; replace the tab with spaces"),
}


@pytest.fixture
def few_defaults(tmp_path, monkeypatch):
    """Only f-at-the-table.yaml as the defaults: the messages below do not depend on the
    others, and compiling all the defaults for each of these cases would be slow."""
    from briefgen.level2 import rules

    folder = tmp_path / "defaults"
    write(folder / "f-at-the-table.yaml", (rules.DEFAULTS / "f-at-the-table.yaml").read_text(encoding="utf-8"))
    monkeypatch.setattr(rules, "DEFAULTS", folder)


@pytest.mark.parametrize("text, message", list(MISTAKES.values()), ids=list(MISTAKES))
def test_a_rule_file_mistake_is_reported_exactly(tmp_path, few_defaults, text, message):
    path = write(tmp_path / "rules/extra.yaml", text)
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    assert [str(p) for p in error.value.problems] == [f"{path}:{message}"]


def test_a_duplicate_id_within_a_file(tmp_path):
    path = write(tmp_path / "rules/a.yaml", "rules:\n" + GOOD + GOOD)
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    assert [str(p) for p in error.value.problems] == [
        f"{path}:8:1: rule id 'my-rule' is used twice (first at {path}:2); give each rule its own id",
    ]


def test_a_duplicate_id_between_project_files(tmp_path):
    first = write(tmp_path / "rules/a.yaml", "rules:\n" + GOOD)
    second = write(tmp_path / "rules/b.yaml", "# more\nrules:\n" + GOOD)
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    assert [str(p) for p in error.value.problems] == [
        f"{second}:3:1: rule id 'my-rule' is used twice (first at {first}:2); give each rule its own id",
    ]


def test_switching_off_and_replacing_the_same_rule_is_a_duplicate(tmp_path):
    text = "rules:\n  - {id: audience-do-not-escalate, disabled: true}\n" + GOOD.replace("my-rule", "audience-do-not-escalate")
    path = write(tmp_path / "rules/a.yaml", text)
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    assert [str(p) for p in error.value.problems] == [
        f"{path}:3:1: rule id 'audience-do-not-escalate' is used twice (first at {path}:2); give each rule its own id",
    ]


def test_every_mistake_of_every_file_is_reported_at_once(tmp_path):
    a = write(tmp_path / "rules/a.yaml", with_rule(("category: a", "category: z"), ("$name", "$nmae")))
    b = write(tmp_path / "rules/b.yaml", "- id: x\n")
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    assert [str(p) for p in error.value.problems] == [
        f"{a}:3:15: rules.my-rule.category: input should be 'compensation', 'a', 'b', 'c', 'd', 'e', 'f', 'g', "
        "'h' or 'probe' (got 'z')",
        f"{b}:1:1: a rule file is a mapping with a 'rules:' list, not a list",
    ]


def test_a_condition_and_its_text_are_all_checked(tmp_path):
    text = with_rule(("'audience'", "'audiense'"), ("$name", "$nmae"), ('"Because."', '"Because $."'))
    path = write(tmp_path / "rules/a.yaml", text)
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    assert [str(p) for p in error.value.problems] == [
        f"{path}:5:16: rule 'my-rule': condition names an unknown field 'audiense'; did you mean 'audience'?",
        f"{path}:6:13: rule 'my-rule': advice names an unknown variable '$nmae'; did you mean '$name'?",
        f"{path}:7:10: rule 'my-rule': why has a stray '$'; write $$ for a dollar sign",
    ]


def test_a_dollar_sign_is_written_twice(tmp_path):
    write(tmp_path / "rules/a.yaml", with_rule(("Advice for $name.", "Offer $name $$500 towards the move."),
                                               ("'audience'", "'power == \"influence\"'")))
    finding = next(f for f in analyse(parse(HIRING), load_rules(tmp_path / "rules")).findings if f.rule.id == "my-rule")
    assert finding.advice == "Offer Rivera's partner $500 towards the move."


# Pinned expectations that the code does not meet yet.


def test_an_unknown_top_level_key_speaks_of_the_rule_file(tmp_path):
    write(tmp_path / "rules/a.yaml", "rule:\n" + GOOD)
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    [problem] = error.value.problems
    assert (problem.line, problem.column) == (1, 1)
    assert "did you mean 'rules'?" in problem.message
    assert "frontmatter" not in problem.message


def test_an_equality_between_a_text_field_and_a_number_is_a_type_mistake(tmp_path):
    write(tmp_path / "rules/a.yaml", with_rule(("'audience'", "'stance == 3'")))
    with pytest.raises(CaseError) as error:
        load_rules(tmp_path / "rules")
    [problem] = error.value.problems
    assert (problem.line, problem.column) == (5, 16)
    assert problem.message == ("rule 'my-rule': condition compares the field 'stance' (string) with a float, "
                               "so it can never match")


def test_a_condition_that_indexes_an_empty_list_is_a_located_error_not_a_crash(tmp_path):
    write(tmp_path / "rules/a.yaml", with_rule(("'audience'", "'interests[0] =~~ \"home\"'")))
    rules = load_rules(tmp_path / "rules")
    case = parse(HIRING.replace('interests: ["time at home", "no relocation"]', "interests: []"))
    with pytest.raises(CaseError) as error:
        analyse(case, rules)
    [problem] = error.value.problems
    assert (problem.path, problem.line) == (str(tmp_path / "rules/a.yaml"), 2)  # the rule's first line
    assert problem.message.startswith("rule 'my-rule' fails on Rivera's partner (case.md): ")
    assert problem.message.endswith("guard the condition, e.g. 'not interests.is_empty and ...'")


# --- a broken rule file stops the commands ------------------------------------------------


@pytest.mark.parametrize("args", [["check"], ["build"], ["build", "cases/x.md"], ["explain", "cases/x.md"], ["rules"]])
def test_a_broken_project_rule_file_stops_the_command(project, args):
    write(project / "rules/team.yaml", TEAM.replace("$negotiator before", "$negotiatr before"))
    result = run(*args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"rules/team.yaml:{line_of(TEAM, 'advice: >-')}:13: rule 'partner-office-visit': advice names an unknown "
        "variable '$negotiatr'; did you mean '$negotiator'?",
    ]
    assert not (project / "output").exists()
