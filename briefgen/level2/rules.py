"""Rules are data: YAML files of Level II rules, validated like case files.

The default set ships in `defaults/`; a project's own `rules/` folder may add
rules, replace a default one by giving its id, or switch one off with
`{id: ..., disabled: true}`. Each rule's condition is parsed once, here, by
rule-engine against a typed context, so a misspelt field or a type mistake is
an error with the rule file's line, never a crash at analysis time.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from briefgen.errors import CaseError, Problem
from briefgen.source import Locator, decode, kind, parse_yaml

DEFAULTS = Path(__file__).parent / "defaults"

CATEGORIES = {
    "compensation": "Compensation provisions",
    "a": "Shape the form of the agreement",
    "b": "Shape the form of the process",
    "c": "Watch what is said",
    "d": "Help them frame the deal",
    "e": "Supply the victory speech",
    "f": "Act constructively at the table",
    "g": "Coordinate outside pressure",
    "h": "Thwart their opponents together",
    "probe": "Questions to probe",
}

# What a rule's condition may test, by scope, with rule-engine types.
CONSTITUENCY_FIELDS = {
    "id": "STRING", "name": "STRING", "side": "STRING", "power": "STRING", "stance": "STRING",
    "audience": "BOOLEAN", "can_block": "BOOLEAN", "binding": "BOOLEAN", "clashes": "BOOLEAN",
    "interests": "ARRAY", "concerns": "ARRAY", "sensitivities": "ARRAY", "influenced_by": "ARRAY",
    "requires": "ARRAY", "linked_issues": "ARRAY", "backers": "ARRAY", "blockers": "ARRAY",
    "party": "STRING", "other_party": "STRING", "negotiator": "STRING",
    # influencers by stance; the setting; whether its conditions can be met inside the
    # other side's win-set, and whether meeting them costs us points; the h configuration.
    "allies": "ARRAY", "adversaries": "ARRAY", "unknown_influencers": "ARRAY",
    "public": "BOOLEAN", "written": "BOOLEAN", "unmeetable": "BOOLEAN", "priced": "BOOLEAN",
    "champions": "ARRAY", "unmeetable_blockers": "ARRAY",
}
CASE_FIELDS = {
    "issues": "ARRAY", "win_sets_meet": "BOOLEAN", "clashes": "ARRAY", "binding_us": "STRING",
    "binding_them": "STRING", "them_count": "FLOAT", "us_count": "FLOAT", "unknown_them": "ARRAY",
    "has_packages": "BOOLEAN", "reservation_reachable": "BOOLEAN",
    "us": "STRING", "them": "STRING", "our_negotiator": "STRING", "their_negotiator": "STRING",
    "public": "BOOLEAN", "written": "BOOLEAN", "their_reservation_known": "BOOLEAN", "has_issues": "BOOLEAN",
}
# What a rule's advice and why may name ($name), beyond the fields above.
CONSTITUENCY_WORDS = set(CONSTITUENCY_FIELDS) | {
    "concern", "interest", "sensitivity", "influencer", "influencers", "issue", "requirement",
    "requirements", "backer", "blocker", "other_negotiator", "ally", "adversary", "champion",
    "unmeetable_blocker", "other_issues", "price", "gain", "measure", "measure_concern",
}
CASE_WORDS = set(CASE_FIELDS) | {"clash"}

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]


class RuleEntry(BaseModel):
    """One rule as written; `disabled: true` with only an id switches a rule off."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    disabled: bool = False
    category: Literal["compensation", "a", "b", "c", "d", "e", "f", "g", "h", "probe"] | None = None
    scope: Literal["case", "them", "us"] | None = None
    condition: str | None = None
    advice: str | None = None
    why: str | None = None
    # Optional: what the move means for each constituency (one line each where it is
    # shared), its main risk, and when to make it (the game plan prints both).
    detail: str | None = None
    risk: str | None = None
    when: str | None = None


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: tuple[RuleEntry, ...] = ()


@dataclass(frozen=True)
class Rule:
    """An active rule: its text, where it came from, and its parsed condition."""

    id: str
    category: str
    scope: str
    condition: str
    advice: Template
    why: Template
    source: str  # "path:line"
    compiled: object = field(repr=False, compare=False)
    fields: tuple[str, ...] = ()  # the context fields the condition reads
    words: tuple[str, ...] = ()  # the variables the advice and why name
    detail: Template | None = None
    risk: Template | None = None
    when: Template | None = None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    disabled: tuple[tuple[str, str], ...] = ()  # (id, where it was switched off)
    overridden: tuple[tuple[str, str], ...] = ()  # (id, the default it replaced)

    def for_scope(self, scope: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.scope == scope)


def load_rules(project_rules: Path | None = None) -> RuleSet:
    """The default rules, then the project's: added, replaced by id, or switched off."""
    problems: list[Problem] = []
    active: dict[str, Rule] = {}
    for path in sorted(DEFAULTS.glob("*.yaml")):
        for rule in _read(path, problems):
            if rule.id in active:
                problems.append(_duplicate(rule, active[rule.id].source))
            active[rule.id] = rule
    disabled, overridden, added = [], [], []
    if project_rules is not None and project_rules.is_dir():
        seen: dict[str, str] = {}  # id -> where the project first used it
        for path in sorted(project_rules.glob("*.yaml")):
            for entry in _read(path, problems, keep_disabled=True):
                if entry.id in seen:
                    problems.append(_duplicate(entry, seen[entry.id]))
                    continue
                seen[entry.id] = entry.source
                if isinstance(entry, _Disable):
                    if entry.id in active:
                        disabled.append((entry.id, entry.source))
                        del active[entry.id]
                    else:
                        problems.append(_unknown_rule(entry, active))
                    continue
                if entry.id in active:  # replaces the default in its place
                    overridden.append((entry.id, active[entry.id].source))
                    active[entry.id] = entry
                else:
                    added.append(entry)
    if problems:
        raise CaseError(problems)
    # A project's own new rules come first: where a default of the same
    # category would also fire for a constituency, the project's wins.
    return RuleSet(tuple(added) + tuple(active.values()), tuple(disabled), tuple(overridden))


@dataclass(frozen=True)
class _Disable:
    id: str
    source: str


def _duplicate(rule, first: str) -> Problem:
    path, line = rule.source.rsplit(":", 1)
    return Problem(path, int(line), 1, f"rule id '{rule.id}' is used twice (first at {first}); give each rule its own id")


def _unknown_rule(entry: _Disable, active: dict) -> Problem:
    path, line = entry.source.rsplit(":", 1)
    hint = difflib.get_close_matches(entry.id, list(active), n=1)
    advice = f"did you mean '{hint[0]}'?" if hint else "run 'briefgen rules' to list the rule ids"
    return Problem(path, int(line), 1, f"cannot switch off rule '{entry.id}': no such rule; {advice}")


def _read(path: Path, problems: list[Problem], keep_disabled: bool = False) -> list:
    """The rules of one file; problems are appended, with their lines."""
    shown = str(path)
    try:
        tree = parse_yaml(decode(path.read_bytes(), shown), shown)
    except CaseError as error:
        problems += error.problems
        return []
    if tree is None:
        return []
    if not isinstance(tree, dict):
        problems.append(Problem(shown, 1, 1, f"a rule file is a mapping with a 'rules:' list, not {kind(tree)}"))
        return []
    where = Locator(tree, shown, RuleFile, top="the rule file")
    try:
        entries = RuleFile.model_validate(tree).rules
    except ValidationError as error:
        problems += [where.pydantic(e) for e in error.errors()]
        return []
    rules = []
    for index, entry in enumerate(entries):
        loc = ("rules", index)
        line = where.position(loc)[0]
        source = f"{shown}:{line}"
        if entry.disabled:
            if not keep_disabled:
                problems.append(where.problem((*loc, "disabled"), "the default rules cannot switch rules off; do it in the project's rules/ folder"))
            elif any(getattr(entry, name) is not None for name in ("category", "scope", "condition", "advice", "why")):
                problems.append(where.problem(loc, f"rule '{entry.id}' is disabled: give only 'id' and 'disabled: true'"))
            else:
                rules.append(_Disable(entry.id, source))
            continue
        missing = [name for name in ("category", "scope", "condition", "advice", "why") if getattr(entry, name) is None]
        if missing:
            problems.append(where.problem(loc, f"rule '{entry.id}' needs {', '.join(repr(m) for m in missing)}"))
            continue
        rule = _compile(entry, source, loc, where, problems)
        if rule is not None:
            rules.append(rule)
    return rules


def _compile(entry: RuleEntry, source: str, loc: tuple, where: Locator, problems: list[Problem]) -> Rule | None:
    import rule_engine

    fields = CASE_FIELDS if entry.scope == "case" else CONSTITUENCY_FIELDS
    words = CASE_WORDS if entry.scope == "case" else CONSTITUENCY_WORDS
    types = {
        name: rule_engine.DataType.ARRAY(rule_engine.DataType.STRING) if kind_ == "ARRAY" else getattr(rule_engine.DataType, kind_)
        for name, kind_ in fields.items()
    }
    context = rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(types))
    count = len(problems)
    try:
        compiled = rule_engine.Rule(entry.condition, context=context)
    except rule_engine.SymbolResolutionError as error:
        hint = difflib.get_close_matches(error.symbol_name, list(fields), n=1)
        advice = f"did you mean '{hint[0]}'?" if hint else f"a {entry.scope}-scope rule may test: {', '.join(fields)}"
        problems.append(where.problem((*loc, "condition"), f"rule '{entry.id}': condition names an unknown field '{error.symbol_name}'; {advice}"))
    except rule_engine.RuleSyntaxError as error:
        at = f" at column {error.token.lexpos + 1}" if error.token is not None else " at its end"
        problems.append(where.problem((*loc, "condition"), f"rule '{entry.id}': condition is not valid{at}; see 'briefgen rules --help' for the language"))
    except rule_engine.EngineError as error:
        problems.append(where.problem((*loc, "condition"), f"rule '{entry.id}': condition cannot be evaluated: {error.message}"))
    else:
        for mistake in _type_mistakes(compiled.statement.expression, fields):
            problems.append(where.problem((*loc, "condition"), f"rule '{entry.id}': condition {mistake}"))
    templates = {}
    for name in ("advice", "why", "detail", "risk", "when"):
        if getattr(entry, name) is None:
            continue
        template = Template(getattr(entry, name))
        if not template.is_valid():
            problems.append(where.problem((*loc, name), f"rule '{entry.id}': {name} has a stray '$'; write $$ for a dollar sign"))
            continue
        for word in template.get_identifiers():
            if word not in words:
                hint = difflib.get_close_matches(word, sorted(words), n=1)
                advice = f"did you mean '${hint[0]}'?" if hint else f"it may name: {', '.join('$' + w for w in sorted(words))}"
                problems.append(where.problem((*loc, name), f"rule '{entry.id}': {name} names an unknown variable '${word}'; {advice}"))
        templates[name] = template
    if len(problems) > count:
        return None
    return Rule(
        id=entry.id, category=entry.category, scope=entry.scope, condition=entry.condition,
        advice=templates["advice"], why=templates["why"], source=source, compiled=compiled,
        fields=tuple(sorted(_symbols(compiled.statement.expression) & set(fields))),
        words=tuple(dict.fromkeys(w for t in templates.values() for w in t.get_identifiers())),
        detail=templates.get("detail"), risk=templates.get("risk"), when=templates.get("when"),
    )


def _type_mistakes(expression, fields: dict[str, str]) -> list[str]:
    """What rule-engine's typed parse lets through: a result that is not true
    or false, and == or != between a field and a value of another kind."""
    from rule_engine import DataType, ast

    mistakes = []
    if expression.result_type not in (DataType.BOOLEAN, DataType.UNDEFINED):
        mistakes.append("must be true or false, as in 'power == \"veto\"'; it gives a "
                        f"{expression.result_type.name.lower()}")
    kinds = {ast.StringExpression: "STRING", ast.FloatExpression: "FLOAT", ast.BooleanExpression: "BOOLEAN"}
    for node in _nodes(expression):
        if isinstance(node, ast.ComparisonExpression):
            for side, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(side, ast.SymbolExpression) and side.name in fields and type(other) in kinds:
                    if fields[side.name] != kinds[type(other)]:
                        mistakes.append(f"compares the field '{side.name}' ({fields[side.name].lower()}) "
                                        f"with a {kinds[type(other)].lower()}, so it can never match")
    return mistakes


# The attributes under which rule-engine's expression nodes keep their children.
_CHILDREN = ("left", "right", "container", "member", "object", "condition", "iterable", "result",
             "value", "arguments", "function", "case_true", "case_false", "item", "start", "stop")


def _nodes(node):
    """Every node of a parsed rule-engine expression."""
    from rule_engine import ast

    yield node
    for name in _CHILDREN:
        child = getattr(node, name, None)
        for item in child if isinstance(child, (list, tuple)) else (child,):
            if isinstance(item, ast.ExpressionBase) and item is not node:
                yield from _nodes(item)


def _symbols(expression) -> set[str]:
    """The context fields a parsed condition reads (for explanations)."""
    from rule_engine import ast

    return {n.name for n in _nodes(expression) if isinstance(n, ast.SymbolExpression) and n.scope is None}
