"""The game plan: at most five moves, ranked by what each is worth.

A move's worth is a product of four things the case says:

    worth = side x power x distance x (1 + removed) / (1 + cost / room)

- side: 1 behind their table, 0.5 behind ours (our own people we can talk
  to directly; their Level II is where a deal is usually lost);

- power: how much the constituency can do to the deal (ratify or veto 1,
  implement 0.7, influence 0.4, none 0.1);
- distance: how far it is from yes, by stance (opposed 1, skeptical 0.75,
  unknown 0.6, neutral 0.5, supportive 0.25, champion 0);
- removed: the share of the otherwise acceptable packages its conditions
  remove (0 to 1): the more of the win-set it takes, the more it matters;
- cost: what the move costs us in our points, against `room`, the points
  between our reservation and our best package both sides can ratify.

Each constituency gets its best move. Where meeting its conditions changes
the terms, that is the move, in points (level2.prices); otherwise it is the
first of its findings in the order h, compensation, a, e, d, b, c, f, g. A
finding shared by several constituencies is one move naming them all.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from briefgen.case import Case, Constituency, package_label
from briefgen.terms import format_points, format_value

POWER = {"ratify": 1.0, "veto": 1.0, "implement": 0.7, "influence": 0.4, "none": 0.1}
DISTANCE = {"opposed": 1.0, "skeptical": 0.75, "unknown": 0.6, "neutral": 0.5, "supportive": 0.25, "champion": 0.0}
ORDER = ["h", "compensation", "a", "e", "d", "b", "c", "f", "g"]
MOVES = 5
WHAT_IT_BUYS = {"ratify": "their vote to ratify", "veto": "their veto left unused", "implement": "their help carrying the deal out",
                "influence": "their weight for the deal rather than against it", "none": "their goodwill"}


@dataclass(frozen=True)
class Move:
    rank: int
    constituencies: tuple[Constituency, ...]
    move: str
    details: tuple[tuple[Constituency, str], ...]  # what it means for each constituency
    cost: float | None  # our points, where the move touches the terms
    buys: str
    risk: str
    when: str
    worth: float
    category: str  # "terms" for a change of terms, else the finding's category
    rule: str | None  # the rule behind it, if any

    def to_json(self) -> dict:
        return {"rank": self.rank, "constituencies": [c.id for c in self.constituencies], "move": self.move,
                "details": {c.id: text for c, text in self.details}, "cost": self.cost, "buys": self.buys,
                "risk": self.risk, "when": self.when, "worth": round(self.worth, 4), "category": self.category,
                "rule": self.rule}


SIDE = {"them": 1.0, "us": 0.5}


def worth(c: Constituency, removed: float, cost: float | None, room: float) -> float:
    return SIDE[c.side] * POWER[c.power] * DISTANCE[c.stance] * (1 + removed) / (1 + max(cost or 0.0, 0.0) / room)


def game_plan(case: Case, analysis, packages: list[Mapping]) -> list[Move]:
    prices = analysis.prices
    reference, floor = prices.reference_score, case.targets.reservation
    room = max((reference - floor) if reference is not None and floor is not None else (reference or case.best_score()), 1.0)
    blockers, preferences, findings = [], [], []
    for c in case.constituencies:
        price = prices.of(c)
        removed = price.removed_share if price is not None else 0.0
        priced = price is not None and price.meetable and price.changes and not price.free
        if priced:
            (blockers if c.can_block else preferences).append((c, price, worth(c, removed, price.cost, room)))
        if DISTANCE[c.stance] > 0 or _in_h(analysis, c):
            for finding in _best_findings(case, analysis, c, terms_move=priced):
                findings.append((finding, worth(c, removed, finding.cost, room) * (0.9 if priced else 1.0)
                                 if DISTANCE[c.stance] else 0.5))
    candidates = []
    if blockers:
        candidates.append(_price_move(case, blockers, packages, reference))
    same: dict[tuple, list] = {}  # preferences met by the same change are one move
    for c, price, value in preferences:
        same.setdefault(tuple((ch.issue.id, ch.after) for ch in price.changes), []).append((c, price, value))
    candidates += [_preference_move(case, group, packages) for group in same.values()]
    seen = set()
    for finding, value in sorted(findings, key=lambda f: -f[1]):
        if id(finding) in seen:
            continue
        seen.add(id(finding))
        candidates.append(Move(0, finding.constituencies, finding.advice, finding.details, finding.cost,
                               _buys(finding.constituencies), finding.risk, finding.when or WHEN[finding.category],
                               value, finding.category, finding.rule.id))
    chosen = [m for m in sorted(candidates, key=lambda m: -m.worth) if m.worth > 0][:MOVES]
    return [Move(n, *(getattr(m, f) for f in Move.__dataclass_fields__ if f != "rank")) for n, m in enumerate(chosen, 1)]


def _in_h(analysis, c: Constituency) -> bool:
    """A champion gets a move only as the partner of an h move."""
    return any(c in f.constituencies and f.category == "h" for f in analysis.findings)


def _best_findings(case: Case, analysis, c: Constituency, terms_move: bool) -> list:
    """Its first finding by ORDER (none where a change of terms is its move, unless
    someone presses it against the deal: countering that is a move of its own)."""
    mine = sorted((f for f in analysis.findings if c in f.constituencies and f.category in ORDER and f.risk),
                  key=lambda f: ORDER.index(f.category))
    chosen = [] if terms_move or not mine else [mine[0]]
    pressed = [i for i in case.influencers(c) if i.stance in ("opposed", "skeptical")]
    if pressed:
        chosen += [f for f in mine if f.category == "g" and f not in chosen][:1]
    return chosen



def _buys(constituencies) -> str:
    return "; ".join(f"{c.display_name}: {WHAT_IT_BUYS[c.power]}" for c in constituencies)


def changes_text(case: Case, changes) -> str:
    """'Aid: 8 billion DM rather than 4 billion DM; ...' (option labels in quotes: they may hold commas)."""
    locale = case.offer_sheet.locale

    def shown(issue, value):
        text = format_value(issue, value, locale)
        return f"\u201c{text}\u201d" if issue.options is not None and len(text) > 24 else text

    return "; ".join(f"{ch.issue.name}: {shown(ch.issue, ch.after)} rather than {shown(ch.issue, ch.before)}" for ch in changes)


def _carried(case: Case, c: Constituency, packages: list[Mapping]) -> str:
    """Which of the packages already meet c's conditions."""
    if not packages:
        return ""
    labels = [package_label(n) for n in range(len(packages))]
    meet = [label for label, p in zip(labels, packages) if all(k(p) for k in case.conditions[c.id])]
    miss = [label for label in labels if label not in meet]
    if not miss:
        return "every package meets it"
    if c.can_block:
        return f"{_packages(miss)} miss{'es' if len(miss) == 1 else ''} it: mend {'it' if len(miss) == 1 else 'them'} before the offer goes out"
    return f"{_packages(meet)} already meet{'s' if len(meet) == 1 else ''} it" if meet else "no package meets it yet"


def _packages(labels: list[str]) -> str:
    return f"package{'s' if len(labels) > 1 else ''} {_names(labels)}"


def _price_move(case: Case, blockers, packages, reference: float | None) -> Move:
    """One move: the price of every blocker's yes, paid once, in the terms."""
    who = tuple(c for c, _, _ in blockers)
    cost = sum(price.cost for _, price, _ in blockers)
    gain = sum(price.gain or 0 for _, price, _ in blockers)
    details = tuple((c, f"{changes_text(case, price.changes)} ({format_points(price.cost)} of our points"
                        f"{'; ' + _carried(case, c, packages) if packages else ''})") for c, price, _ in blockers)
    names = _names([c.display_name for c in who])
    move = (f"Pay once, in the terms, for the yes of {names}, and name each term as the answer to their "
            "concern rather than as a concession.")
    concerns = [f"\u201c{c.concerns[0]}\u201d" for c in who if c.concerns]
    when = "In the first offer" + (f", worded as the answer to {_names(concerns)}." if concerns else ".")
    floor = case.targets.reservation
    risk = f"It spends {format_points(cost)} of our points before any trade"
    if reference is not None and floor is not None:
        risk += (f": it leaves our best ratifiable package at {format_points(reference)}, "
                 f"{format_points(reference - floor)} above our reservation, for everything their counter-offers ask.")
    else:
        risk += ": ask for a term we value in the same offer."
    buys = "; ".join(f"{c.display_name}: {WHAT_IT_BUYS[c.power]}" for c in who) + (f" (about {format_points(gain)} of their points)" if gain else "")
    return Move(0, who, move, details, cost, buys, risk, when, sum(v for _, _, v in blockers), "terms", None)


def _preference_move(case: Case, group, packages) -> Move:
    """Conditions of constituencies that cannot block, met by one change of terms."""
    who = tuple(c for c, _, _ in group)
    price = group[0][1]
    cost = price.cost
    conditions = _names(sorted({text for c in who for text in c.requires}))
    move = f"Meet the condition that {_names([c.display_name for c in who])} set ({conditions}), though no ratifier requires it."
    details = tuple((c, f"{changes_text(case, p.changes)}{'; ' + _carried(case, c, packages) if packages else ''}") for c, p, _ in group)
    concern = next((c.concerns[0] for c in who if c.concerns), None)
    answer = f", as the answer to \u201c{concern}\u201d" if concern else ""
    if packages and all(all(k(p) for c in who for k in case.conditions[c.id]) for p in packages):
        when = f"Already in every package: say so when the offer goes out{answer}."
    elif packages and (meet := [package_label(n) for n, p in enumerate(packages)
                                if all(k(p) for c in who for k in case.conditions[c.id])]):
        when = (f"{_packages(meet)[0].upper()}{_packages(meet)[1:]} already offer{'s' if len(meet) == 1 else ''} it; if they choose "
                "another, give it only against their first counter-offer, for a term we value.")
    elif any(c.side == "us" for c in who):
        when = "Before the first offer: our own side needs it, so no package should leave it out."
    elif cost <= 0.05 * case.best_score():
        when = "In the first offer: it is cheap."
    else:
        when = "Not in the first offer: keep it as the concession that answers their first counter-offer, against a term we value."
    sink = [c for c in who if c.power == "implement"]
    risk = (f"It costs {format_points(cost)} of our points for what no vote requires; "
            + ("left out, it invites those who must carry the deal out to sink it in practice." if sink else "it buys goodwill, not a vote."))
    gain = sum(p.gain or 0 for c, p, _ in group if c.side == "them")
    buys = _buys(who) + (f" (about {format_points(gain)} of their points)" if gain else "")
    return Move(0, who, move, details, cost, buys, risk, when, sum(v for _, _, v in group), "terms", None)


def _names(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


WHEN = {"h": "Privately, before the text is final, and only with their leadership's agreement.",
        "compensation": "In the first offer.", "a": "When the text is drafted.", "e": "Before they report home.",
        "d": "From the first session on.", "b": "Before the first session.", "c": "From now on, in every statement.",
        "f": "At the table, whenever they take a hard line.", "g": "Before their side decides."}


ZOPA_LIMIT = 200_000  # packages enumerated to count the zone exactly


def zopa(case: Case, prices, packages: list[Mapping]) -> dict | None:
    """The zone of possible agreement: packages both sides can ratify (with our
    hold) worth at least our reservation to us and their alternative to them."""
    import itertools
    import math

    if prices is None or prices.reference_score is None or not case.issues:
        return None
    ours_floor, theirs_floor = case.targets.reservation, case.targets.their_reservation
    result = {"our_reservation": ours_floor, "our_best": prices.reference_score, "their_reservation": theirs_floor,
              "count": None, "our_range": None, "their_range": None, "our_low": None,
              "below": [package_label(n) for n, p in enumerate(packages)
                        if theirs_floor is not None and sum(i.their_points_for(p[i.id]) for i in case.issues) < theirs_floor - 1e-9]}
    values = [[case.meso.hold[i.id]] if i.id in case.meso.hold else list(i.values()) for i in case.issues]
    if math.prod(len(v) for v in values) > ZOPA_LIMIT:
        return result
    conditions = [k for _, k in case.blocking_conditions()]
    inside = []
    for combo in itertools.product(*values):
        package = {i.id: v for i, v in zip(case.issues, combo)}
        if all(k(package) for k in conditions):
            inside.append((sum(i.our_points(v) for i, v in zip(case.issues, combo)),
                           sum(i.their_points_for(v) for i, v in zip(case.issues, combo))))
    result["our_low"] = min(o for o, _ in inside if ours_floor is None or o >= ours_floor - 1e-9) if any(
        ours_floor is None or o >= ours_floor - 1e-9 for o, _ in inside) else prices.reference_score
    zone = [(o, t) for o, t in inside if (ours_floor is None or o >= ours_floor - 1e-9)
            and (theirs_floor is None or t >= theirs_floor - 1e-9)]
    result["count"] = len(zone)
    if zone:
        result["our_range"] = (min(o for o, _ in zone), max(o for o, _ in zone))
        result["their_range"] = (min(t for _, t in zone), max(t for _, t in zone))
    return result


def left_out(case: Case, packages: list[Mapping]) -> list[Constituency]:
    """Constituencies that can block or sink the deal (ratify, veto, implement)
    whose conditions no package of the set meets: the set leaves them nothing."""
    if not packages:
        return []
    return [c for c in case.constituencies
            if c.power in ("ratify", "veto", "implement") and case.conditions[c.id]
            and not any(all(k(p) for k in case.conditions[c.id]) for p in packages)]
