"""The condition language of `requires` (and of rule files).

rule-engine parses the text: a maintained, safe expression language with no
access to Python internals. We accept only the small subset the case format
promises (comparisons, `in [...]`, `and`, `or`, `not`, parentheses), check
every value against the issue it is compared with, and compile the parsed
tree into plain closures, which evaluate far faster than the library's own
Decimal-based evaluator (MESO search evaluates conditions very often).
"""
from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

Package = Mapping[str, object]
Test = Callable[[Package], bool]
# The same condition as a tree, for solvers that reason over every package at
# once (MESO): ("and", f, g), ("or", f, g), ("not", f), or ("is", issue_id,
# test of one value) at the leaves.
Formula = tuple

ORDERINGS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}
EQUALITIES = {"eq": operator.eq, "ne": operator.ne}
SYMBOLS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}


class IssueDomain(Protocol):
    """What a condition needs to know about an issue (see case.Issue)."""

    id: str

    def value_problem(self, value: object) -> str | None: ...

    def show(self, value: object) -> str: ...

    def bounds(self) -> tuple[float, float] | None: ...


class ConditionError(ValueError):
    """A condition that cannot be used; the message says why and what to write."""

    def __init__(self, message: str, unknown_issue: str | None = None):
        super().__init__(message)
        self.unknown_issue = unknown_issue


@dataclass(frozen=True)
class Condition:
    text: str
    issue_ids: frozenset[str]
    test: Test
    formula: Formula = ()
    # Every (issue id, value) the condition compares an issue with: where its windows lie.
    compared: tuple[tuple[str, object], ...] = ()

    def __call__(self, package: Package) -> bool:
        return self.test(package)

    def __str__(self) -> str:
        return self.text


def compile_condition(text: str, issues: Sequence[IssueDomain]) -> Condition:
    """Parse and check one condition over `issues`; raise ConditionError.

    rule-engine only parses (untyped): the walk below accepts nothing but the
    promised subset and checks every name and value itself, so each mistake
    gets a message in the case's own terms. Nothing is ever evaluated by the
    library, and nothing reaches Python's eval.
    """
    import rule_engine

    try:
        rule = rule_engine.Rule(text)
    except RecursionError:
        raise ConditionError(f"condition '{text[:60]}...' is nested too deeply; split it into several conditions") from None
    except rule_engine.RuleSyntaxError as error:
        where = f" at column {error.token.lexpos + 1}" if error.token is not None else " at its end"
        if single := re.search(r"(?<![=!<>])=(?!=)", text):  # the commonest slip: = for ==
            fixed = text[:single.start()] + "==" + text[single.end():]
            raise ConditionError(
                f"condition '{text}' uses '=' at column {single.start() + 1}; to compare, write '==': '{fixed}'"
            ) from None
        raise ConditionError(
            f"condition '{text}' is not valid{where}; write comparisons such as "
            "'remote_days >= 2' joined by and, or, not"
        ) from None
    except rule_engine.EngineError:
        raise ConditionError(f"condition '{text}' compares values that cannot be compared") from None
    compiler = _Compiler(text, {issue.id: issue for issue in issues})
    test, formula = compiler.compile(rule.statement.expression)
    return Condition(text, frozenset(compiler.used), test, formula, tuple(compiler.compared))


class _Compiler:
    def __init__(self, text: str, issues: Mapping[str, IssueDomain]):
        self.text = text
        self.issues = issues
        self.used: set[str] = set()
        self.compared: list[tuple[str, object]] = []

    def fail(self, why: str) -> ConditionError:
        return ConditionError(f"condition '{self.text}' {why}")

    def compile(self, node) -> tuple[Test, Formula]:
        from rule_engine import ast

        if isinstance(node, ast.LogicExpression):
            (left, left_formula), (right, right_formula) = self.compile(node.left), self.compile(node.right)
            formula = (node.type, left_formula, right_formula)
            if node.type == "and":
                return (lambda package: left(package) and right(package)), formula
            return (lambda package: left(package) or right(package)), formula
        if isinstance(node, ast.UnaryExpression) and node.type == "not":
            inner, inner_formula = self.compile(node.right)
            return (lambda package: not inner(package)), ("not", inner_formula)
        if isinstance(node, (ast.ComparisonExpression, ast.ArithmeticComparisonExpression)) and (
                node.type in ORDERINGS or node.type in EQUALITIES):
            return self.comparison(node)
        if isinstance(node, ast.ContainsExpression):
            return self.membership(node)
        raise self.fail(
            "is not a comparison; use only ==, !=, <, <=, >, >=, 'in [...]', and, or, not "
            "with an issue id on one side and a value on the other"
        )

    def issue(self, node) -> IssueDomain:
        from rule_engine import ast

        if not isinstance(node, ast.SymbolExpression) or node.scope is not None:
            raise self.fail("must compare an issue id with a value, as in 'term >= 2'")
        if node.name not in self.issues:
            hint = difflib.get_close_matches(node.name, list(self.issues), n=1)
            known = f"did you mean '{hint[0]}'?" if hint else f"known issues: {', '.join(self.issues) or 'none'}"
            raise ConditionError(f"condition '{self.text}' names an unknown issue '{node.name}'; {known}", node.name)
        self.used.add(node.name)
        return self.issues[node.name]

    def literal(self, node, issue: IssueDomain) -> object:
        from rule_engine import ast

        if isinstance(node, ast.FloatExpression):
            value = node.value
            if not value.is_finite():
                raise self.fail(f"compares '{issue.id}' with {value}; use a finite number")
            value = int(value) if value == value.to_integral_value() else float(value)
        elif isinstance(node, ast.StringExpression):
            value = node.value
        else:
            raise self.fail(f"must compare '{issue.id}' with a plain number or quoted text")
        return value

    def comparison(self, node) -> tuple[Test, Formula]:
        from rule_engine import ast

        left, right, kind = node.left, node.right, node.type
        if isinstance(left, ast.SymbolExpression) or not isinstance(right, ast.SymbolExpression):
            issue = self.issue(left)
            value = self.literal(right, issue)
        else:
            issue = self.issue(right)
            value = self.literal(left, issue)
            kind = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}.get(kind, kind)
        if kind in ORDERINGS:
            bounds = issue.bounds()
            if bounds is None:
                raise self.fail(f"uses {SYMBOLS[kind]} on '{issue.id}', whose values are text; use == or in")
            if isinstance(value, str):
                self.check_value(issue, value)
            low, high = bounds
            if not low <= value <= high:
                raise self.fail(f"compares '{issue.id}' with {issue.show(value)}, outside its values "
                                f"({issue.show(low)} to {issue.show(high)})")
            if (kind == "gt" and value >= high) or (kind == "lt" and value <= low):
                raise self.fail(f"can never be met: '{issue.id}' is never {SYMBOLS[kind]} {issue.show(value)} "
                                f"(its values run {issue.show(low)} to {issue.show(high)})")
        else:
            self.check_value(issue, value)
        compare = {**ORDERINGS, **EQUALITIES}[kind]
        key = issue.id
        self.compared.append((key, value))
        return (lambda package: compare(package[key], value)), ("is", key, lambda v: compare(v, value))

    def membership(self, node) -> tuple[Test, Formula]:
        from rule_engine import ast

        issue = self.issue(node.member)
        if not isinstance(node.container, ast.ArrayExpression):
            raise self.fail(f"must list the values after 'in', as in '{issue.id} in [1, 2]'")
        values = tuple(self.literal(item, issue) for item in node.container.value)
        if not values:
            raise self.fail("can never be met: the list after 'in' is empty")
        for value in values:
            self.check_value(issue, value)
        key = issue.id
        self.compared += [(key, value) for value in values]
        return (lambda package: package[key] in values), ("is", key, lambda v: v in values)

    def check_value(self, issue: IssueDomain, value: object) -> None:
        problem = issue.value_problem(value)
        if problem:
            raise ConditionError(f"condition '{self.text}': {problem}")

