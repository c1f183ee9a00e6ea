"""The mediator's mathematics against brute force on small generated spaces: every proposal
efficient, inside both win-sets and above both reservations; the frontier, the Nash bargaining
solution and the equal-gains package as enumeration finds them; and, where there is no zone,
a brief that says what blocks it."""
from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.case import parse_case
from briefgen.mediation_analysis import mediate
from briefgen.scoring import in_win_set, our_score, their_score

ISSUES = ("alpha", "beta", "gamma")


def side_text(name: str, other: str, values, points, condition: str | None, reservation: int | None) -> str:
    """One side's own file: its points on every option, one veto holder's condition, a reservation."""
    lines = ["---", f"title: {name}'s file", "parties:", f"  us: {{name: {name}}}", f"  them: {{name: {other}}}",
             "issues:"]
    for issue, options, pts in zip(ISSUES, values, points):
        lines += [f"  - id: {issue}", "    options:"]
        lines += [f"      - {{value: {v}, points: {p}}}" for v, p in zip(options, pts)]
    if reservation is not None:
        lines.append(f"targets: {{reservation: {reservation}}}")
    if condition:
        lines += ["constituencies:", "  - id: board", "    side: us", "    power: veto", f"    requires: [\"{condition}\"]"]
    return "\n".join(lines + ["---", ""])


@st.composite
def mediations(draw):
    count = draw(st.integers(2, 3))
    values = [list(range(draw(st.integers(2, 3)))) for _ in range(count)]
    texts = []
    for name, other in (("North", "South"), ("South", "North")):
        points = [[draw(st.integers(0, 20)) for _ in options] for options in values]
        condition = None
        if draw(st.booleans()):
            n = draw(st.integers(0, count - 1))
            condition = f"{ISSUES[n]} {draw(st.sampled_from(['>=', '<=', '!=']))} {draw(st.sampled_from(values[n]))}"
        best = sum(max(p) for p in points)
        reservation = draw(st.one_of(st.none(), st.integers(0, max(best, 0))))
        texts.append(side_text(name, other, values, points, condition, reservation))
    return texts


def brute_force(m):
    joint, floors = m.joint, (m.a.targets.reservation, m.b.targets.reservation)
    packages = [dict(zip(ISSUES, combo)) for combo in itertools.product(*(list(i.values()) for i in joint.issues))]
    scored = [(p, our_score(joint, p), their_score(joint, p)) for p in packages
              if in_win_set(joint, p, "us") and in_win_set(joint, p, "them")]
    zone = [s for s in scored if (floors[0] is None or s[1] >= floors[0] - 1e-9)
            and (floors[1] is None or s[2] >= floors[1] - 1e-9)]
    efficient = [s for s in zone if not any(o[1] >= s[1] - 1e-9 and o[2] >= s[2] - 1e-9
                                            and (o[1] > s[1] + 1e-9 or o[2] > s[2] + 1e-9) for o in scored)]
    return zone, efficient


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mediations())
def test_every_proposal_is_efficient_inside_both_win_sets_and_above_both_reservations(texts):
    a, b = (parse_case(t.encode(), f"{n}.md", n) for t, n in zip(texts, ("north", "south")))
    m = mediate(a, b)
    zone, efficient = brute_force(m)
    assert bool(m.zone) == bool(zone)
    assert {(round(x, 6), round(y, 6)) for _, x, y in efficient} == {(round(p.score, 6), round(p.their_score, 6)) for p in m.front}
    if not zone:
        assert not m.proposals and m.blocks
        return
    pairs = {(round(x, 6), round(y, 6)) for _, x, y in efficient}
    base = m.base
    room = (max(x for _, x, _ in efficient) - base[0], max(y for _, _, y in efficient) - base[1])
    best_product = max((x - base[0]) * (y - base[1]) for _, x, y in efficient)
    def low_share(x, y):
        return min((x - base[0]) / room[0] if room[0] > 1e-9 else 1.0, (y - base[1]) / room[1] if room[1] > 1e-9 else 1.0)
    best_share = max(low_share(x, y) for _, x, y in efficient)
    rules = {rule for p in m.proposals for rule in p.rules}
    assert rules == {"Nash bargaining solution", "equal gains"}
    for p in m.proposals:
        assert (round(p.score, 6), round(p.their_score, 6)) in pairs  # efficient, inside, above both floors
        assert p.score == pytest.approx(our_score(m.joint, p.terms))
        assert p.their_score == pytest.approx(our_score(b, p.terms))  # B's true points: its own file's
        if "Nash bargaining solution" in p.rules:
            assert p.gains[0] * p.gains[1] == pytest.approx(best_product)
        if "equal gains" in p.rules:
            assert low_share(p.score, p.their_score) == pytest.approx(best_share)
        assert p.why
    labels = [p.label for p in m.proposals]
    assert labels == sorted(labels)
    keys = [tuple(p.terms[i] for i in sorted(p.terms)) for p in m.proposals]
    assert keys == sorted(keys)  # the order is the terms' own


CLASH_A = side_text("North", "South", [[0, 1], [0, 1]], [[0, 10], [5, 0]], "alpha >= 1", 3)
CLASH_B = side_text("South", "North", [[0, 1], [0, 1]], [[10, 0], [0, 5]], "alpha <= 0", 3)


def test_win_sets_that_do_not_meet_are_named():
    m = mediate(parse_case(CLASH_A.encode(), "n.md", "n"), parse_case(CLASH_B.encode(), "s.md", "s"))
    assert not m.proposals
    assert m.blocks == ("Board (North) requires 'alpha >= 1' and Board (South) requires 'alpha <= 0': no package "
                        "meets both",)


def test_reservations_out_of_reach_say_by_how_much_and_whose_condition_blocks():
    a = side_text("North", "South", [[0, 1], [0, 1]], [[0, 10], [5, 0]], "beta >= 1", 12)
    b = side_text("South", "North", [[0, 1], [0, 1]], [[10, 6], [0, 5]], None, 7)
    m = mediate(parse_case(a.encode(), "n.md", "n"), parse_case(b.encode(), "s.md", "s"))
    assert not m.proposals
    # Inside both win-sets (beta = 1) North gets at most 10, short of its 12; without the board's condition,
    # alpha = 1 and beta = 0 gives North 15 but South only 6, short of its 7: no zone either way.
    assert m.blocks[0] == "no package inside both win-sets reaches North's reservation (12): the best gives North 10, 2 short"
    assert not any("without the conditions" in text for text in m.blocks)
    b = b.replace("reservation: 7", "reservation: 5")  # now alpha = 1, beta = 0 would do, but for the board
    m = mediate(parse_case(a.encode(), "n.md", "n"), parse_case(b.encode(), "s.md", "s"))
    assert m.blocks[-1] == "without the conditions of Board (North: 'beta >= 1') there would be a zone"


def test_the_json_has_the_shape_the_readme_gives(tmp_path, monkeypatch):
    from conftest import run

    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "north.md").write_text(side_text("North", "South", [[0, 1, 2], [0, 1]],
                                                            [[0, 6, 10], [5, 0]], None, 4))
    (tmp_path / "cases" / "south.md").write_text(side_text("South", "North", [[0, 1, 2], [0, 1]],
                                                            [[10, 8, 0], [0, 9]], "beta == 1", 6))
    monkeypatch.chdir(tmp_path)
    result = run("mediate", "cases/north.md", "cases/south.md", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"frontier", "proposals"}
    assert data["frontier"] and all(set(p) == {"terms", "scores"} and set(p["scores"]) == {"north", "south"}
                                    for p in data["frontier"])
    for p in data["proposals"]:
        assert {"terms", "scores", "why"} <= set(p) and set(p["scores"]) == {"north", "south"}
        assert all(isinstance(v, int) for v in p["terms"].values())  # values as the case files write them
    assert not (tmp_path / "output").exists()  # --json writes nothing
