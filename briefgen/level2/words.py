"""The variables a rule's advice and why may name ($name, $concern, $price, $gain,
$measure...), as prose: what a finding says is computed from the case's facts and terms,
then phrased."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from briefgen.case import Case, Constituency
from briefgen.level2.facts import Context, tokens
from briefgen.terms import format_points, in_sentence

STANCE_WORDS = {"champion": "champions of the deal", "supportive": "supportive", "neutral": "neutral",
                "skeptical": "skeptical", "opposed": "opposed", "unknown": "of unknown stance"}


def rule_words(facts: dict, case: Case, context: Context) -> dict:
    """The variables a rule's advice and why may name, as prose (and, under
    names starting with '_', the points a change of terms costs us)."""
    words = {name: prose(value) for name, value in facts.items()}
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
        words["linked_issues"] = prose(names)
        words["other_issues"] = prose([in_sentence(i.name) for i in context.movable if i.id not in facts["linked_issues"]])
        c = next(c for c in case.constituencies if c.id == facts["id"])
        words.update(_term_words(case, c, facts["linked_issues"], context))
    if "influenced_by" in facts:
        words["influencers"] = prose(facts["influenced_by"])
    if "requires" in facts:
        words["requirements"] = prose([f"'{text}'" for text in facts["requires"]])
    return words


def _term_words(case: Case, c: Constituency, linked: list[str], context: Context) -> dict:
    """$price: the change that meets its conditions, with what it costs us and
    gives them; $gain: the cheapest step toward them on an issue tied to it;
    $measure: the same, among steps that keep the package inside both win-sets
    (a term both leaderships could sign, aimed at what the constituency fears)."""
    words: dict = {"price": "", "gain": "", "measure": "", "measure_concern": ""}
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
    inside = [step for issue_id in linked if reference is not None and issue_id not in case.meso.hold
              and (step := _step(case, case.issue(issue_id), reference[issue_id],
                                 lambda issue, v: _ratifiable(case, {**reference, issue.id: v})))]
    if inside:
        issue, before, after, cost, gain = min(inside, key=lambda s: (s[3] / s[4], s[3]))
        words["measure"] = (f"{changes_text(case, [_Step(issue, before, after)])} ({points_phrase(cost, gain, case)}"
                            f"{_offered(context.packages, issue.id, after)})")
        words["_measure_cost"] = cost
        words["measure_concern"] = _answered_concern(c, issue, before, after)
    return words


def _offered(packages, issue_id: str, value) -> str:
    """'; packages A and C already offer it': where the measure stands in the offer."""
    from briefgen.case import package_label

    labels = [package_label(n) for n, p in enumerate(packages) if p.get(issue_id) == value]
    if not packages:
        return ""
    if len(labels) == len(packages):
        return "; every package already offers it"
    if not labels:
        return "; no package offers it yet"
    return f"; package{'s' if len(labels) > 1 else ''} {prose(labels)} already offer{'' if len(labels) > 1 else 's'} it"


def _answered_concern(c: Constituency, issue, before, after) -> str:
    """The concern a change of `issue` from `before` to `after` answers: the one sharing most
    words with what the change alters (the two options' labels), then with the issue's name;
    else the first."""
    def stems(text: str) -> set[str]:
        return {word.removesuffix("s") for word in tokens(text)}

    labels = [o.label or str(o.value) for o in issue.options or () if o.value in (before, after)]
    changed = stems(labels[0]) ^ stems(labels[1]) if len(labels) == 2 else set()
    named = stems(f"{issue.id} {issue.name}")
    return max(c.concerns, key=lambda concern: (len(stems(concern) & changed), len(stems(concern) & named)), default="")


def _ratifiable(case: Case, package: Mapping) -> bool:
    return all(condition(package) for _, condition in case.blocking_conditions())


@dataclass(frozen=True)
class _Step:
    issue: object
    before: object
    after: object


def _step(case: Case, issue, current, allowed=None):
    """The next value of `issue` that is better for them than `current`, and cheapest for us
    (among those `allowed(issue, value)`, where given)."""
    ours, theirs = issue.our_points(current), issue.their_points_for(current)
    better = [v for v in issue.values() if issue.their_points_for(v) > theirs + 1e-9
              and (allowed is None or allowed(issue, v))]
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


def prose(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        items = [str(item) for item in value]
        return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)
    return str(value)
