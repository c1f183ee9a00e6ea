"""Plain-text reports of the Level II analysis, for `explain` and `rules`."""
from __future__ import annotations

import textwrap

from briefgen.case import Case
from briefgen.level2.analysis import Analysis, Finding
from briefgen.level2.rules import CATEGORIES, DEFAULTS, Rule, RuleSet
from briefgen.terms import format_points

WIDTH = 88


def origin(rule: Rule) -> str:
    """'default a-form.yaml:12' or the project file's path and line."""
    path, line = rule.source.rsplit(":", 1)
    if path.startswith(str(DEFAULTS)):
        return f"default {path[len(str(DEFAULTS)) + 1:]}:{line}"
    return rule.source


def explain_text(case: Case, analysis: Analysis) -> str:
    lines = [f"{case.title} ({case.path}): {len(analysis.findings)} findings", ""]
    lines += _plan(analysis)
    lines += _win_sets(analysis)
    sections = [("Behind their table", analysis.moves("them")), ("Behind our table", analysis.moves("us"))]
    for heading, groups in sections:
        if groups:
            lines += [heading, "=" * len(heading)]
            for group in groups:
                for finding in group.findings:
                    lines += _finding(case, finding)
    if analysis.questions:
        lines += ["Questions to probe", "=" * 18]
        for finding in analysis.questions:
            lines += _finding(case, finding)
    if not analysis.findings:
        lines.append("No rule fires: map the constituencies (power, stance, interests, concerns) to get advice.")
    return "\n".join(lines).rstrip()


def explain_json(analysis: Analysis) -> dict:
    """`explain --json`: the game plan and every finding, for scripts."""
    return {"plan": [move.to_json() for move in analysis.plan], "findings": [f.to_json() for f in analysis.findings]}


def _plan(analysis: Analysis) -> list[str]:
    if not analysis.plan:
        return []
    wrap = textwrap.TextWrapper(width=WIDTH, initial_indent="    ", subsequent_indent="    ")
    lines = ["Game plan", "========="]
    for move in analysis.plan:
        lines += textwrap.wrap(f"{move.rank}. {move.move}", width=WIDTH, subsequent_indent="   ")
        for c, detail in move.details:
            lines += wrap.wrap(f"- {c.display_name}: {detail}")
        if move.cost is not None:
            lines += wrap.wrap(f"Cost:  {format_points(move.cost)} of our points")
        lines += wrap.wrap(f"Buys:  {move.buys}")
        lines += wrap.wrap(f"Risk:  {move.risk}")
        lines += wrap.wrap(f"When:  {move.when}")
    return lines + [""]


def _win_sets(analysis: Analysis) -> list[str]:
    w = analysis.win_sets
    lines = ["Win-sets", "========"]
    about = "" if w.exact else "about "
    for side, who in (("them", "Their"), ("us", "Our")):
        ws = w.side(side)
        if not ws.requirements:
            lines.append(f"{who} ratifiers state no conditions.")
            continue
        lines.append(f"{who} ratifiers accept {about}{round(ws.size)} of {round(w.total)} packages:")
        lines += [f"  {requirement}" for requirement in ws.requirements]
        if ws.binding:
            lines.append(f"  binding: {ws.binding.display_name} (removes {about}{round(ws.removed_by_binding)} otherwise acceptable packages)")
    lines.append(f"Both: {about}{round(w.both)} packages." if w.meet else f"The win-sets do not meet{'' if w.exact else ' (estimated by sampling)'}.")
    for clash in w.clashes:
        if clash.second:
            lines.append(f"  clash: {clash.first} / {clash.second}")
        else:
            lines.append(f"  no package meets {clash.first}")
    return lines + [""]


def _finding(case: Case, finding: Finding) -> list[str]:
    wrap = textwrap.TextWrapper(width=WIDTH, initial_indent="    ", subsequent_indent="    ")
    who = f": {', '.join(c.display_name for c in finding.constituencies)}" if finding.constituencies else ""
    lines = [f"[{CATEGORIES[finding.category]}] {finding.rule.id} ({origin(finding.rule)}){who}"]
    lines += wrap.wrap(f"Move: {finding.advice}")
    for c, detail in finding.details:
        lines += wrap.wrap(f"  - {c.display_name}: {detail}")
    lines += wrap.wrap(f"Why:  {finding.why}")
    if finding.cost is not None:
        lines += wrap.wrap(f"Cost: {format_points(finding.cost)} of our points")
    if finding.risk:
        lines += wrap.wrap(f"Risk: {finding.risk}")
    if finding.when:
        lines += wrap.wrap(f"When: {finding.when}")
    if finding.facts:
        lines.append("    Because:")
        for fact in finding.facts:
            where = f"{case.path}:{fact.line}" if fact.line else "derived from the case"
            lines.append(f"      {fact.name} = {textwrap.shorten(fact.value, 60)}  ({where})")
    return lines + [""]


def rules_text(rules: RuleSet) -> str:
    lines = []
    for key, label in CATEGORIES.items():
        members = [rule for rule in rules.rules if rule.category == key]
        if members:
            lines.append(f"{label} ({key})")
            for rule in members:
                lines.append(f"  {rule.id:<36} {rule.scope:<5} {origin(rule)}")
    for rule_id, source in rules.overridden:
        lines.append(f"replaced: {rule_id} (the default at {source.split('/')[-1]}) by the project's rule")
    for rule_id, source in rules.disabled:
        lines.append(f"switched off: {rule_id} (at {source})")
    lines.append(f"{len(rules.rules)} active rules")
    return "\n".join(lines)
