"""Level II analysis: a Case and a RuleSet in, findings and win-sets out.

Each constituency is described by a few facts (its own fields plus derived
ones: the issues it is tied to, who on its side backs or blocks the deal,
whether it binds its side's win-set); every rule of its scope is tested
against them; a rule that fires becomes a finding that names the
constituency, the move, the reason and the facts (with their case-file
lines) that made it fire. Where one rule fires for several constituencies
it is one finding naming them all: what differs between them (a concern, a
sensitivity) is its `detail`, one line each. Pure functions: no I/O.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from briefgen.case import Case, Constituency
from briefgen.errors import CaseError, Problem
from briefgen.level2.prices import Prices, movable_issues, prices
from briefgen.level2.rules import CATEGORIES, Rule, RuleSet
from briefgen.level2.winsets import WinSets, analyse_win_sets
from briefgen.terms import format_points, in_sentence

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
    context = _Context(case, win_sets, prices(case), movable_issues(case, packages))
    fired: list[tuple[Finding, dict]] = []
    for index, constituency in enumerate(case.constituencies):
        facts = constituency_facts(case, constituency, win_sets, context)
        fired += _fire(rules.for_scope(constituency.side), facts, case, index, context)
    fired += _fire(rules.for_scope("case"), case_facts(case, win_sets), case, None, context)
    findings = tuple(_shared(list(_unique(fired)), case))
    analysis = Analysis(findings, win_sets, context.prices)
    return Analysis(findings, win_sets, context.prices, tuple(game_plan(case, analysis, packages)),
                    zopa(case, context.prices, packages))


@dataclass(frozen=True)
class _Context:
    """What every constituency's facts draw on: computed once per case."""

    case: Case
    win_sets: WinSets
    prices: Prices
    movable: list  # the issues a move may name


def _fire(rules: Iterable[Rule], facts: dict, case: Case, index: int | None, context: _Context) -> list[tuple[Finding, dict]]:
    """The findings of `rules` on one constituency (by index) or, with None, the case, each with its words."""
    constituency = case.constituencies[index] if index is not None else None
    words = _words(facts, case, context)
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
    for word in ("gain", "price"):
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
        merged = {**words, "name": _prose([f.constituency.display_name for f, _ in group])}
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


def constituency_facts(case: Case, c: Constituency, win_sets: WinSets, context: _Context | None = None) -> dict:
    if context is None:
        context = _Context(case, win_sets, prices(case), movable_issues(case, list(case.meso.offers)))
    side = case.side(c.side)
    party = case.parties.us if c.side == "us" else case.parties.them
    other = case.parties.them if c.side == "us" else case.parties.us
    influencers = case.influencers(c)
    price = context.prices.of(c)
    movable = {issue.id for issue in context.movable}
    unmeetable = [o.display_name for o in side if o.can_block and o.stance in OPPOSITION
                  and (p := context.prices.of(o)) is not None and not p.compatible]
    return {
        "id": c.id, "name": c.display_name, "side": c.side, "power": c.power, "stance": c.stance,
        "audience": c.audience, "can_block": c.can_block,
        "binding": _same(win_sets.side(c.side).binding, c),
        "clashes": any(_same(k.first.constituency, c) or _same(k.second and k.second.constituency, c) for k in win_sets.clashes),
        "interests": list(c.interests), "concerns": list(c.concerns), "sensitivities": list(c.sensitivities),
        "influenced_by": [i.name for i in influencers], "requires": list(c.requires),
        "linked_issues": [i for i in linked_issues(case, c) if i in movable],
        "allies": [i.name for i in influencers if i.stance in SUPPORT],
        "adversaries": [i.name for i in influencers if i.stance in OPPOSITION + ("skeptical",)],
        "unknown_influencers": [i.name for i in influencers if i.stance in ("unknown", "neutral")],
        "public": case.public, "written": case.setting.written,
        "unmeetable": price is not None and not price.compatible,
        "priced": price is not None and price.meetable and not price.free,
        "champions": [o.display_name for o in side if o.id != c.id and o.can_block and o.stance == "champion"],
        "unmeetable_blockers": [name for name in unmeetable if name != c.display_name],
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
        "public": case.public, "written": case.setting.written,
        "their_reservation_known": case.targets.their_reservation is not None,
        "has_issues": bool(case.issues),
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
    words = {issue.id: _tokens(f"{issue.id} {issue.name}") for issue in case.issues}
    # A word in many labels ('Germany' in three of five) ties a concern to no issue in particular.
    common = {w for w in set().union(*words.values()) if len(case.issues) >= 3 and
              sum(w in ws for ws in words.values()) * 3 > len(case.issues)}
    mentioned = [issue.id for issue in case.issues if issue.id not in named and (words[issue.id] - common) & said]
    return named + mentioned


def _tokens(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z]{4,}", text.lower().replace("_", " ")) if word not in STOPWORDS}


def _clash_text(clash) -> str:
    if clash.second is None:
        return f"{clash.first.constituency.display_name}'s '{clash.first.condition}' (no package meets it)"
    return (f"{clash.first.constituency.display_name}'s '{clash.first.condition}' against "
            f"{clash.second.constituency.display_name}'s '{clash.second.condition}'")


def _words(facts: dict, case: Case, context: _Context) -> dict:
    """The variables a rule's advice and why may name, as prose (and, under
    names starting with '_', the points a change of terms costs us)."""
    words = {name: _prose(value) for name, value in facts.items()}
    if "stance" in facts:
        words["stance"] = STANCE_WORDS[facts["stance"]]
    firsts = {"concern": "concerns", "interest": "interests", "sensitivity": "sensitivities",
              "influencer": "influenced_by", "requirement": "requires", "backer": "backers",
              "blocker": "blockers", "clash": "clashes", "ally": "allies", "adversary": "adversaries",
              "champion": "champions", "unmeetable_blocker": "unmeetable_blockers"}
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
        words["other_issues"] = _prose([in_sentence(i.name) for i in context.movable if i.id not in facts["linked_issues"]])
        c = next(c for c in case.constituencies if c.id == facts["id"])
        words.update(_term_words(case, c, facts["linked_issues"], context))
    if "influenced_by" in facts:
        words["influencers"] = _prose(facts["influenced_by"])
    if "requires" in facts:
        words["requirements"] = _prose([f"'{text}'" for text in facts["requires"]])
    return words


def _term_words(case: Case, c: Constituency, linked: list[str], context: _Context) -> dict:
    """$price: the change that meets its conditions, with what it costs us and
    gives them; $gain: the cheapest step toward them on an issue tied to it."""
    words: dict = {"price": "", "gain": ""}
    price = context.prices.of(c)
    from briefgen.level2.plan import changes_text

    if price is not None and price.meetable and price.changes:
        words["price"] = f"{changes_text(case, price.changes)} ({points_phrase(price.cost, price.gain, case)})"
        words["_price_cost"] = price.cost
    reference = context.prices.reference
    steps = [step for issue_id in linked if reference is not None and (step := _step(case, case.issue(issue_id), reference[issue_id]))]
    if steps:
        issue, before, after, cost, gain = min(steps, key=lambda s: (s[3] / s[4], s[3]))
        words["gain"] = f"{changes_text(case, [_Step(issue, before, after)])} ({points_phrase(cost, gain, case)})"
        words["_gain_cost"] = cost
    return words


@dataclass(frozen=True)
class _Step:
    issue: object
    before: object
    after: object


def _step(case: Case, issue, current):
    """The next value of `issue` that is better for them than `current`, and cheapest for us."""
    ours, theirs = issue.our_points(current), issue.their_points_for(current)
    better = [v for v in issue.values() if issue.their_points_for(v) > theirs + 1e-9]
    if not better:
        return None
    value = min(better, key=lambda v: (ours - issue.our_points(v), -issue.their_points_for(v)))
    return issue, current, value, ours - issue.our_points(value), issue.their_points_for(value) - theirs


LITTLE = 0.05  # a change worth at most this share of our best score costs us little


def points_phrase(cost: float, gain: float | None, case: Case) -> str:
    """'4 of our points, little of our 90; about 9 of theirs': 'little' only when the points say so."""
    text = "costs us nothing" if cost <= 1e-9 else f"costs us {format_points(cost)} point{'' if format_points(cost) == '1' else 's'}"
    if 1e-9 < cost <= LITTLE * case.best_score():
        text += f", little of our {format_points(case.best_score())}"
    if gain:
        text += f", gives them about {format_points(gain)}"
    return text


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
DERIVED_FROM = {"can_block": "power", "binding": "requires", "clashes": "requires", "linked_issues": "requires",
                "priced": "requires", "unmeetable": "requires", "allies": "influenced_by",
                "adversaries": "influenced_by", "unknown_influencers": "influenced_by", "public": "audience"}


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
