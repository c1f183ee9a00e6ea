"""Level II analysis: a Case and a RuleSet in, findings and win-sets out.

Each constituency is described by a few facts (its own fields plus derived
ones: the issues it is tied to, who on its side backs or blocks the deal,
whether it binds its side's win-set); every rule of its scope is tested
against them; a rule that fires becomes a finding that names the
constituency, the move, the reason and the facts (with their case-file
lines) that made it fire. Where one rule fires for several constituencies
it is one finding naming them all: what differs between them (a concern, a
sensitivity) is its `detail`, one line each. Pure functions: no I/O.
The facts a rule tests are level2/facts.py; the words its texts name, level2/words.py.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from briefgen.case import Case, Constituency
from briefgen.errors import CaseError, Problem
from briefgen.level2.facts import Context, case_facts, constituency_facts, linked_issues
from briefgen.level2.prices import Prices, movable_issues, prices
from briefgen.level2.rules import CATEGORIES, Rule, RuleSet
from briefgen.level2.winsets import WinSets, analyse_win_sets
from briefgen.level2.words import LITTLE, points_phrase, prose, rule_words

# Also the names rule authors and tests import from here: the facts and the words moved out.
__all__ = ["Analysis", "Fact", "Finding", "Moves", "analyse", "constituency_facts", "case_facts", "linked_issues",
           "LITTLE", "points_phrase"]


@dataclass(frozen=True)
class Fact:
    """One thing the case says that a rule relied on."""

    name: str
    value: str
    line: int | None  # in the case file; None for facts derived from several places


@dataclass(frozen=True)
class Finding:
    rule: Rule
    constituencies: tuple[Constituency, ...]  # empty for a case-wide finding
    advice: str
    why: str
    facts: tuple[Fact, ...]
    details: tuple[tuple[Constituency, str], ...] = ()  # what the move means for each constituency
    risk: str = ""
    when: str = ""
    cost: float | None = None  # our points, where the move touches the terms

    @property
    def category(self) -> str:
        return self.rule.category

    @property
    def constituency(self) -> Constituency | None:
        """The first constituency named (the only one, unless the finding is shared)."""
        return self.constituencies[0] if self.constituencies else None

    def to_json(self) -> dict:
        return {"category": self.category, "rule": self.rule.id, "constituencies": [c.id for c in self.constituencies],
                "move": self.advice, "why": self.why, "cost": self.cost,
                "details": {c.id: text for c, text in self.details}, "risk": self.risk or None, "when": self.when or None}


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
    prices: Prices | None = None
    plan: tuple = field(default=())  # the game plan: level2.plan.Move, best first
    zopa: dict | None = None  # the zone of possible agreement (level2.plan.zopa)

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


def analyse(case: Case, rules: RuleSet, packages: list[Mapping] | None = None) -> Analysis:
    """The Level II findings and the game plan; `packages` (the MESO set, when
    known) limits the issues a move may name to those that vary across them."""
    from briefgen.level2.plan import game_plan, zopa

    win_sets = analyse_win_sets(case)
    if packages is None:
        from briefgen.meso import meso

        packages = [p.terms for p in meso(case).packages]
    context = Context(case, win_sets, prices(case), movable_issues(case, packages), tuple(packages))
    fired: list[tuple[Finding, dict]] = []
    for index, constituency in enumerate(case.constituencies):
        facts = constituency_facts(case, constituency, win_sets, context)
        fired += _fire(rules.for_scope(constituency.side), facts, case, index, context)
    fired += _fire(rules.for_scope("case"), case_facts(case, win_sets), case, None, context)
    findings = tuple(_shared(list(_unique(fired)), case))
    analysis = Analysis(findings, win_sets, context.prices)
    return Analysis(findings, win_sets, context.prices, tuple(game_plan(case, analysis, packages)),
                    zopa(case, context.prices, packages))


def _fire(rules: Iterable[Rule], facts: dict, case: Case, index: int | None, context: Context) -> list[tuple[Finding, dict]]:
    """The findings of `rules` on one constituency (by index) or, with None, the case, each with its words."""
    constituency = case.constituencies[index] if index is not None else None
    words = rule_words(facts, case, context)
    fired = []
    for rule in rules:
        # A rule fires only where its text has something to say: every
        # variable its advice names must have a value.
        if any(not words.get(word) for word in rule.words):
            continue
        if not _matches(rule, facts, case, constituency):
            continue
        fired.append((Finding(
            rule=rule,
            constituencies=(constituency,) if constituency is not None else (),
            advice=rule.advice.substitute(words),
            why=rule.why.substitute(words),
            facts=tuple(_evidence(rule, facts, case, index)),
            details=((constituency, rule.detail.substitute(words)),) if rule.detail and constituency is not None else (),
            risk=rule.risk.substitute(words) if rule.risk else "",
            when=rule.when.substitute(words) if rule.when else "",
            cost=_cost(rule, words),
        ), words))
    return fired


def _cost(rule: Rule, words: dict) -> float | None:
    """Our points, where the rule's move names a change of terms."""
    for word in ("gain", "price", "measure"):
        if word in rule.words and words.get(f"_{word}_cost") is not None:
            return words[f"_{word}_cost"]
    return None


def _shared(fired: list[tuple[Finding, dict]], case: Case) -> Iterable[Finding]:
    """One finding per idea: a rule that fired for several constituencies of a
    side is said once, naming them all, where its move and reason read the
    same for each (what differs is in the details)."""
    groups: dict[str, list[tuple[Finding, dict]]] = {}
    for finding, words in fired:
        key = finding.rule.id if finding.constituencies and finding.category != "probe" else id(finding)
        groups.setdefault(key, []).append((finding, words))
    for group in groups.values():
        first, words = group[0]
        if len(group) == 1:
            yield first
            continue
        rule = first.rule
        texts = [rule.advice, rule.why] + [t for t in (rule.risk, rule.when) if t]
        used = {w for t in texts for w in t.get_identifiers()}
        differ = {w for w in used if w != "name" and len({g[1].get(w) for g in group}) > 1}
        if differ:  # a rule whose own text differs per constituency stays one finding each
            yield from (f for f, _ in group)
            continue
        merged = {**words, "name": prose([f.constituency.display_name for f, _ in group])}
        costs = [f.cost for f, _ in group if f.cost is not None]
        yield Finding(
            rule=rule,
            constituencies=tuple(f.constituency for f, _ in group),
            advice=rule.advice.substitute(merged),
            why=rule.why.substitute(merged),
            facts=tuple(fact for f, _ in group for fact in f.facts),
            details=tuple(d for f, _ in group for d in f.details),
            risk=rule.risk.substitute(merged) if rule.risk else "",
            when=rule.when.substitute(merged) if rule.when else "",
            cost=sum(costs) if costs else None,
        )


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


def _unique(findings: list[tuple[Finding, dict]]) -> Iterable[tuple[Finding, dict]]:
    """One move per constituency and category: the first rule that fires wins,
    so a rule file lists its most specific rules first. A case-wide rule
    yields at most one finding with the same text."""
    seen = set()
    for finding, words in findings:
        if finding.constituency is not None and finding.category != "probe":
            key = (finding.category, finding.constituency.id)
        else:  # questions, and case-wide findings, differ by their text
            key = (finding.category, finding.constituency and finding.constituency.id, finding.advice)
        if key not in seen:
            seen.add(key)
            yield finding, words


# Derived facts are cited at the field they come from.
DERIVED_FROM = {"can_block": "power", "binding": "requires", "clashes": "requires", "linked_issues": "requires",
                "priced": "requires", "unmeetable": "requires", "allies": "influenced_by",
                "adversaries": "influenced_by", "unknown_influencers": "influenced_by", "public": "audience"}


def _evidence(rule: Rule, facts: dict, case: Case, index: int | None):
    """The facts the rule's condition read, with where the case says them."""
    for name in rule.fields:
        value = facts[name]
        shown = ("yes" if value else "no") if isinstance(value, bool) else prose(value)
        line = None
        if index is not None:
            # A field left to its default has no line of its own: cite the constituency.
            line = case.line_of(f"constituencies.{index}.{DERIVED_FROM.get(name, name)}") or case.line_of(f"constituencies.{index}")
        yield Fact(name, shown or "none", line)
