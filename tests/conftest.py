"""Shared fixtures: the case-format example (HIRING), variants of it by string replacement
(`hiring_with`), and a factory that writes a case into a temporary cases/ folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.case import Case, parse_case

# The example of docs/case-format.md, verbatim: the contract's own case.
HIRING = """\
---
format: 1                      # optional; the only version is 1
title: "Senior engineer offer: Jordan Rivera"
date: 2026-11-20               # optional, ISO date
status: preparing              # preparing | offered | countered | agreed | closed | abandoned
tags: [hiring, engineering]

parties:
  us:
    name: Acme Robotics
    negotiator: "Dana Lee, Engineering Manager"
    batna: "Hire the second-ranked candidate at $98k, six weeks later"
    interests: ["limit remote days", "stay under $110k"]
  them:
    name: Jordan Rivera
    negotiator: Jordan Rivera
    batna: "Competing offer: $104k, fully remote"      # our estimate
    interests: ["salary", "time at home"]

issues:                        # the terms being negotiated, in display order
  - id: salary                 # slug, unique; used in conditions
    label: Base salary
    unit: USD                  # optional, for display
    range: {min: 90000, max: 110000, step: 1000}   # a continuous issue
    points: {90000: 40, 110000: 0}                 # ours: piecewise-linear between anchors
    their_points: {90000: 0, 110000: 40}           # our estimate of theirs (optional)
  - id: remote_days
    label: Remote workdays per week
    options:                   # a discrete issue; order = display order
      - {value: 1, label: "1 day",  points: 35, their_points: 0}
      - {value: 2, label: "2 days", points: 30, their_points: 15}
      - {value: 3, label: "3 days", points: 0,  their_points: 30}
  - id: term
    label: Contract length
    options:
      - {value: 1, label: "1 year",  points: 0,  their_points: 15}
      - {value: 2, label: "2 years", points: 5,  their_points: 8}
      - {value: 3, label: "3 years", points: 15, their_points: 0}

targets:
  reservation: 40              # our walk-away score: nothing below is ever offered
  aspiration: 70               # the score MESO packages are built at (default: 75% of the best possible score)
                               # (with these points the seed's packages A, B and C all score exactly 70)

constituencies:                # Level II: the people behind each table
  - id: partner
    name: "Rivera's partner"
    side: them                 # us | them
    power: influence           # ratify | veto | implement | influence | none
                               #   ratify/veto: formal or effective approval; implement: can make or sink it in practice
    stance: skeptical          # champion | supportive | neutral | skeptical | opposed | unknown
    interests: ["time at home", "no relocation"]
    concerns: ["long commute"]
    sensitivities: ["being treated as an afterthought"]
    requires: ["remote_days >= 2"]     # conditions this constituency needs to accept (its win-set)
    audience: false            # true: their negotiator speaks publicly for this group's benefit
    influenced_by: []          # outside actors who can press this constituency
    notes: "Works nights; the commute matters most."

meso:
  packages: 3                  # 2..5; more than 3 is allowed with a choice-overload warning
  tolerance: 1                 # every package scores within this many points of targets.aspiration
  lead_with: [salary, remote_days, term]   # optional: the issue each package is generous on
  hold: {}                     # optional: issue id -> value fixed in every package
  offers:                      # optional: hand-written packages; when given they are
    - {salary: 100000, remote_days: 1, term: 3}   # checked and explained instead of constructed
    - {salary: 95000, remote_days: 1, term: 2}
    - {salary: 90000, remote_days: 2, term: 1}

offer_sheet:                   # the only part of the case that may reach the counterpart
  to: Jordan Rivera
  from: "Dana Lee, Engineering Manager, Acme Robotics"
  valid_until: 2026-12-05
  intro: |
    Thank you for your time this week. Any of the three packages below works
    for us; pick the one that suits you best, or tell us what you would change.
  closing: "We look forward to hearing from you."

outcome:                       # filled in after the negotiation, for the archive
  date: 2026-12-03
  agreed: {salary: 97000, remote_days: 2, term: 2}
  summary: "Accepted package B with a higher salary."
---

## Background
Free Markdown. The whole body is internal: it appears in the prep brief and the
archived write-up, never on the offer sheet.

## Lessons
...
"""


def replace(text: str, *pairs: tuple[str, str]) -> str:
    """`text` with each (old, new) replaced once; `old` must occur exactly once."""
    for old, new in pairs:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the case text"
        text = text.replace(old, new)
    return text


def hiring_with(*pairs: tuple[str, str]) -> str:
    """HIRING with each (old, new) replaced."""
    return replace(HIRING, *pairs)


def parse(text: str, path: str = "case.md") -> Case:
    """Load a case from text (raises CaseError like load_case)."""
    return parse_case(text.encode("utf-8"), path, "case")


@pytest.fixture
def hiring_text() -> str:
    return HIRING


@pytest.fixture
def write_case(tmp_path: Path):
    """write_case(text, name="hiring.md") -> tmp_path/cases/name (text may be bytes)."""

    def write(text: str | bytes = HIRING, name: str = "hiring.md") -> Path:
        path = tmp_path / "cases" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            path.write_bytes(text)
        return path

    return write
