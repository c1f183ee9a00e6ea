"""Level II analysis: a Case and a RuleSet in, findings and win-sets out.

Each constituency is described by a few facts (its own fields plus derived
ones: the issues it is tied to, who on its side backs or blocks the deal,
whether it binds its side's win-set); every rule of its scope is tested
against them; a rule that fires becomes a finding that names the
constituency, the move, the reason and the facts (with their case-file
lines) that made it fire. Pure functions: no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from briefgen.case import Case, Constituency
from briefgen.errors import CaseError, Problem
from briefgen.level2.rules import CATEGORIES, Rule, RuleSet
from briefgen.level2.winsets import WinSets, analyse_win_sets
from briefgen.terms import in_sentence

SUPPORT = ("champion", "supportive")
STANCE_WORDS = {"champion": "champions of the deal", "supportive": "supportive", "neutral": "neutral",
                "skeptical": "skeptical", "opposed": "opposed", "unknown": "of unknown stance"}
OPPOSITION = ("opposed",)
STOPWORDS = {"with", "from", "that", "this", "their", "them", "your", "more", "less", "than", "each", "days", "year", "years", "week", "about"}


@dataclass(frozen=True)
class Fact:
    """One thing the case says that a rule relied on."""

    name: str
    value: str
    line: int | None  # in the case file; None for facts derived from several places


@dataclass(frozen=True)
class Finding:
    rule: Rule
    constituency: Constituency | None
    advice: str
    why: str
    facts: tuple[Fact, ...]

    @property
    def category(self) -> str:
        return self.rule.category


@dataclass(frozen=True)
class Moves:
    """The findings of one category, as the brief prints them."""

    category: str
    label: str
    findings: list[Finding]

    @property
    def letter(self) -> str:
        """Sebenius's letter (a to h); compensation provisions have none."""
        return self.category if len(self.category) == 1 else ""


@dataclass(frozen=True)
class Analysis:
    findings: tuple[Finding, ...]
    win_sets: WinSets

    def moves(self, side: str) -> list[Moves]:
        """Findings about one side's table, by category in Sebenius's order; no empty groups.

        Case-wide findings go with their side: they are about the deal the
        other side must ratify.
        """
        wanted = [
            f for f in self.findings
            if f.category != "probe" and (f.rule.scope == side or (side == "them" and f.rule.scope == "case"))
        ]
        return [
            Moves(key, label, [f for f in wanted if f.category == key])
            for key, label in CATEGORIES.items()
            if any(f.category == key for f in wanted)
        ]

    @property
    def questions(self) -> list[Finding]:
        return [f for f in self.findings if f.category == "probe"]


def analyse(case: Case, rules: RuleSet) -> Analysis:
    win_sets = analyse_win_sets(case)
    findings: list[Finding] = []
    for index, constituency in enumerate(case.constituencies):
        facts = constituency_facts(case, constituency, win_sets)
        findings += _fire(rules.for_scope(constituency.side), facts, case, index)
    findings += _fire(rules.for_scope("case"), case_facts(case, win_sets), case, None)
    return Analysis(tuple(_unique(findings)), win_sets)


def _fire(rules: Iterable[Rule], facts: dict, case: Case, index: int | None) -> list[Finding]:
    """The findings of `rules` on one constituency (by index) or, with None, the case."""
    constituency = case.constituencies[index] if index is not None else None
    words = _words(facts, case)
    fired = []
    for rule in rules:
        # A rule fires only where its text has something to say: every
        # variable its advice names must have a value.
        if any(not words.get(word) for word in rule.words):
            continue
        if not _matches(rule, facts, case, constituency):
            continue
        fired.append(Finding(
            rule=rule,
            constituency=constituency,
            advice=rule.advice.substitute(words),
            why=rule.why.substitute(words),
            facts=tuple(_evidence(rule, facts, case, index)),
        ))
    return fired


def _matches(rule: Rule, facts: dict, case: Case, constituency: Constituency | None) -> bool:
    """Test a rule; one that fails on these facts (say, it indexes an empty
    list) is a located error in the rule file, never a crash."""
    from rule_engine import EngineError

    try:
        return bool(rule.compiled.evaluate(facts))
    except EngineError as error:
        path, line = rule.source.rsplit(":", 1)
        about = constituency.display_name if constituency is not None else case.title
        raise CaseError([Problem(path, int(line), 1, (
            f"rule '{rule.id}' fails on {about} ({case.path}): {error.message or type(error).__name__}; "
            "guard the condition, e.g. 'not interests.is_empty and ...'"))]) from None


def _unique(findings: list[Finding]) -> Iterable[Finding]:
    """One move per constituency and category: the first rule that fires wins,
    so a rule file lists its most specific rules first. A case-wide rule
    yields at most one finding with the same text."""
    seen = set()
    for finding in findings:
        if finding.constituency is not None and finding.category != "probe":
            key = (finding.category, finding.constituency.id)
        else:  # questions, and case-wide findings, differ by their text
            key = (finding.category, finding.constituency and finding.constituency.id, finding.advice)
        if key not in seen:
            seen.add(key)
            yield finding


def constituency_facts(case: Case, c: Constituency, win_sets: WinSets) -> dict:
    side = case.side(c.side)
    party = case.parties.us if c.side == "us" else case.parties.them
    other = case.parties.them if c.side == "us" else case.parties.us
    return {
        "id": c.id, "name": c.display_name, "side": c.side, "power": c.power, "stance": c.stance,
        "audience": c.audience, "can_block": c.can_block,
        "binding": _same(win_sets.side(c.side).binding, c),
        "clashes": any(_same(k.first.constituency, c) or _same(k.second and k.second.constituency, c) for k in win_sets.clashes),
        "interests": list(c.interests), "concerns": list(c.concerns), "sensitivities": list(c.sensitivities),
        "influenced_by": list(c.influenced_by), "requires": list(c.requires),
        "linked_issues": linked_issues(case, c),
        "backers": [o.display_name for o in side if o.id != c.id and o.can_block and o.stance in SUPPORT],
        "blockers": [o.display_name for o in side if o.id != c.id and o.can_block and o.stance in OPPOSITION],
        "party": party.name, "other_party": other.name,
        "negotiator": party.negotiator or party.name,
        "other_negotiator": other.negotiator or other.name,
    }


def _same(a: Constituency | None, b: Constituency) -> bool:
    """Identity by id: comparing whole models field by field is slow."""
    return a is not None and a.id == b.id


def case_facts(case: Case, win_sets: WinSets) -> dict:
    reservation = case.targets.reservation
    return {
        "issues": [issue.id for issue in case.issues],
        "win_sets_meet": win_sets.meet,
        "clashes": [_clash_text(k) for k in win_sets.clashes],
        "binding_us": win_sets.us.binding.display_name if win_sets.us.binding else "",
        "binding_them": win_sets.them.binding.display_name if win_sets.them.binding else "",
        "them_count": float(len(case.side("them"))),
        "us_count": float(len(case.side("us"))),
        "unknown_them": [c.display_name for c in case.side("them") if c.stance == "unknown"],
        "has_packages": bool(case.meso.offers),
        "reservation_reachable": win_sets.best_score is not None and (reservation is None or win_sets.best_score >= reservation),
        "us": case.parties.us.name, "them": case.parties.them.name,
        "our_negotiator": case.parties.us.negotiator or case.parties.us.name,
        "their_negotiator": case.parties.them.negotiator or case.parties.them.name,
    }


def linked_issues(case: Case, c: Constituency) -> list[str]:
    """The issues a constituency cares about: those its conditions name, then
    those whose name shares a word with its interests or concerns."""
    named = [issue.id for issue in case.issues if any(issue.id in k.issue_ids for k in case.conditions[c.id])]
    said = _tokens(" ".join(c.interests + c.concerns))
    mentioned = [
        issue.id for issue in case.issues
        if issue.id not in named and _tokens(f"{issue.id} {issue.name}") & said
    ]
    return named + mentioned


def _tokens(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z]{4,}", text.lower().replace("_", " ")) if word not in STOPWORDS}


def _clash_text(clash) -> str:
    if clash.second is None:
        return f"{clash.first.constituency.display_name}'s '{clash.first.condition}' (no package meets it)"
    return (f"{clash.first.constituency.display_name}'s '{clash.first.condition}' against "
            f"{clash.second.constituency.display_name}'s '{clash.second.condition}'")


def _words(facts: dict, case: Case) -> dict[str, str]:
    """The variables a rule's advice and why may name, as prose."""
    words = {name: _prose(value) for name, value in facts.items()}
    if "stance" in facts:
        words["stance"] = STANCE_WORDS[facts["stance"]]
    firsts = {"concern": "concerns", "interest": "interests", "sensitivity": "sensitivities",
              "influencer": "influenced_by", "requirement": "requires", "backer": "backers",
              "blocker": "blockers", "clash": "clashes"}
    for one, many in firsts.items():
        if isinstance(facts.get(many), list):  # constituency facts: `clashes` is a flag
            words[one] = facts[many][0] if facts[many] else ""
    for key in ("negotiator", "other_negotiator", "our_negotiator", "their_negotiator"):
        if key in facts:  # "Dana Lee, Engineering Manager" -> "Dana Lee"
            words[key] = facts[key].split(",")[0].strip()
    if "linked_issues" in facts:
        names = [in_sentence(case.issue(issue_id).name) for issue_id in facts["linked_issues"]]
        words["issue"] = names[0] if names else ""
        words["linked_issues"] = _prose(names)
    if "influenced_by" in facts:
        words["influencers"] = _prose(facts["influenced_by"])
    if "requires" in facts:
        words["requirements"] = _prose([f"'{text}'" for text in facts["requires"]])
    return words


def _prose(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        items = [str(item) for item in value]
        return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)
    return str(value)


# Derived facts are cited at the field they come from.
DERIVED_FROM = {"can_block": "power", "binding": "requires", "clashes": "requires", "linked_issues": "requires"}


def _evidence(rule: Rule, facts: dict, case: Case, index: int | None):
    """The facts the rule's condition read, with where the case says them."""
    for name in rule.fields:
        value = facts[name]
        shown = ("yes" if value else "no") if isinstance(value, bool) else _prose(value)
        line = None
        if index is not None:
            # A field left to its default has no line of its own: cite the constituency.
            line = case.line_of(f"constituencies.{index}.{DERIVED_FROM.get(name, name)}") or case.line_of(f"constituencies.{index}")
        yield Fact(name, shown or "none", line)
