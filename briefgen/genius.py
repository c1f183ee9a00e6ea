"""Genius/ANAC negotiation domains and utility profiles, as case files.

The research community's domains (the Genius platform's XML, used by the
ANAC competitions) describe the issues in a domain file and each side's
preferences in a utility profile: a weight per issue and, per issue, an
evaluation of each value. Genius scores a bid as the sum over issues of
weight x evaluation, an evaluation being, for a discrete issue, the
item's `evaluation` divided by the issue's highest one, and for an integer
issue the linear `slope * (x - lowerbound) + offset`, clipped to 0..1. The
case gets the same utility in points: 100 x weight x evaluation (weights
divided by their sum), to two decimals, so the best bid scores 100.
A discrete issue becomes options, an integer issue a range with step 1
(coarser where it has more values than a range may). Real-valued issues and
nonlinear profiles are refused, naming the issue.

The files are untrusted: at most 2 MB each, parsed by defusedxml, which
refuses DTDs and entity declarations (the classic XML bombs and external
entities) instead of expanding them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from briefgen.errors import BriefgenError

MAX_XML_BYTES = 2_000_000


@dataclass(frozen=True)
class GeniusIssue:
    index: str
    name: str
    kind: str  # "discrete" or "integer"
    values: tuple[str, ...] = ()  # a discrete issue's items, in order
    low: int = 0
    high: int = 0  # an integer issue's bounds


@dataclass(frozen=True)
class Profile:
    path: str
    weights: dict[str, float]  # issue index -> weight, divided by their sum
    evaluations: dict[str, object]  # index -> {item: 0..1} (discrete) or (slope, offset) (integer)
    reservation: float | None
    discount: float | None


def read_xml(path: Path):
    """The file's root element; BriefgenError, saying why, for a file too big, not XML, or with a DTD."""
    import defusedxml.ElementTree as SafeTree
    from defusedxml import DefusedXmlException

    if not path.is_file():
        raise BriefgenError(f"{path}: no such file")
    if path.stat().st_size > MAX_XML_BYTES:
        raise BriefgenError(f"{path}: larger than {MAX_XML_BYTES // 1_000_000} MB; a Genius domain or profile is far smaller")
    try:
        return SafeTree.fromstring(path.read_bytes(), forbid_dtd=True)
    except DefusedXmlException:
        raise BriefgenError(f"{path}: declares a DTD or XML entities, which briefgen refuses "
                            "(they can expand without bound or read other files); Genius files have none") from None
    except SafeTree.ParseError as error:
        line, column = error.position
        raise BriefgenError(f"{path}:{line}:{column + 1}: not well-formed XML ({str(error).split(':')[0]})") from None


def _where(path: Path | str, issue) -> str:
    return f"{path}: issue '{issue.get('name')}' (index {issue.get('index')})"


def read_domain(path: Path) -> list[GeniusIssue]:
    root = read_xml(path)
    issues = []
    for element in root.iter("issue"):
        kind = (element.get("type") or element.get("etype") or element.get("vtype") or "").lower()
        index, name = element.get("index"), (element.get("name") or "").strip()
        if not index or not name:
            raise BriefgenError(f"{path}: an issue without an index or a name; each <issue> needs both")
        if kind == "discrete":
            values = tuple(item.get("value") for item in element.iter("item"))
            if not values or any(v is None or not v.strip() for v in values):
                raise BriefgenError(f"{_where(path, element)}: every <item> needs a value, and there must be one")
            issues.append(GeniusIssue(index, name, "discrete", values=values))
        elif kind == "integer":
            bounds = element.find("range") if element.find("range") is not None else element
            try:
                low, high = int(bounds.get("lowerbound")), int(bounds.get("upperbound"))
            except (TypeError, ValueError):
                raise BriefgenError(f"{_where(path, element)}: an integer issue needs whole-number lowerbound "
                                    "and upperbound") from None
            if low >= high:
                raise BriefgenError(f"{_where(path, element)}: lowerbound {low} is not below upperbound {high}")
            issues.append(GeniusIssue(index, name, "integer", low=low, high=high))
        else:
            raise BriefgenError(f"{_where(path, element)}: a {kind or 'untyped'} issue; briefgen imports discrete "
                                "and integer issues")
    if not issues:
        raise BriefgenError(f"{path}: no <issue> elements; is this a Genius domain file?")
    if len({i.index for i in issues}) != len(issues):
        raise BriefgenError(f"{path}: two issues share an index")
    return issues


def read_profile(path: Path, domain: list[GeniusIssue]) -> Profile:
    root = read_xml(path)
    by_index = {element.get("index"): element for element in root.iter("issue")}
    weights = {}
    for element in root.iter("weight"):
        weights[element.get("index")] = _number(element.get("value"), f"{path}: the weight of issue index {element.get('index')}")
    evaluations = {}
    for issue in domain:
        element = by_index.get(issue.index)
        if element is None:
            raise BriefgenError(f"{path}: no issue with index {issue.index} ('{issue.name}'); the profile must be for this domain")
        if issue.index not in weights:
            raise BriefgenError(f"{_where(path, element)}: no <weight index=\"{issue.index}\">")
        if issue.kind == "discrete":
            scores = {}
            for item in element.iter("item"):
                scores[item.get("value")] = _number(item.get("evaluation"), f"{_where(path, element)}: the evaluation of '{item.get('value')}'")
            missing = [v for v in issue.values if v not in scores]
            if missing:
                raise BriefgenError(f"{_where(path, element)}: no evaluation for {', '.join(repr(v) for v in missing)}")
            if min(scores.values()) < 0 or max(scores.values()) <= 0:
                raise BriefgenError(f"{_where(path, element)}: evaluations must be at least 0, and one above 0")
            top = max(scores[v] for v in issue.values)
            evaluations[issue.index] = {v: scores[v] / top for v in issue.values}
        else:
            evaluator = element.find("evaluator")
            if evaluator is None or (evaluator.get("ftype") or "linear").lower() != "linear":
                raise BriefgenError(f"{_where(path, element)}: briefgen imports linear evaluators of integer issues")
            evaluations[issue.index] = (_number(evaluator.get("slope"), f"{_where(path, element)}: the slope"),
                                        _number(evaluator.get("offset"), f"{_where(path, element)}: the offset"))
    chosen = [weights[i.index] for i in domain]
    if min(chosen) < 0 or sum(chosen) <= 0:
        raise BriefgenError(f"{path}: weights must be at least 0, and one above 0")
    total = sum(chosen)
    reservation = root.find("reservation")
    discount = root.find("discount_factor")
    return Profile(str(path), {i.index: weights[i.index] / total for i in domain}, evaluations,
                   _number(reservation.get("value"), f"{path}: the reservation") if reservation is not None else None,
                   _number(discount.get("value"), f"{path}: the discount factor") if discount is not None else None)


def _number(text: str | None, what: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise BriefgenError(f"{what} is {text!r}, not a number") from None
    if not math.isfinite(value):
        raise BriefgenError(f"{what} is {text!r}, not a finite number")
    return value


def points(issue: GeniusIssue, profile: Profile) -> dict:
    """The issue's points for this profile: {item: points}, or {anchor: points} for an integer issue."""
    weight = profile.weights[issue.index] * 100
    if issue.kind == "discrete":
        return {v: round(weight * e, 2) for v, e in profile.evaluations[issue.index].items()}
    slope, offset = profile.evaluations[issue.index]

    def utility(x: float) -> float:
        return min(max(slope * (x - issue.low) + offset, 0.0), 1.0)

    anchors = {issue.low, issue.high}
    if slope:  # where the clipped line bends inside the range
        anchors |= {x for x in ((0 - offset) / slope + issue.low, (1 - offset) / slope + issue.low) if issue.low < x < issue.high}
    return {_whole(round(x, 6)): round(weight * utility(x), 2) for x in sorted(anchors)}


def _whole(x: float):
    return int(x) if float(x).is_integer() else x


def case_text(domain_path: Path, issues: list[GeniusIssue], ours: Profile, theirs: Profile | None) -> str:
    """The case file: the domain's issues with our points and, given their profile, their points."""
    from briefgen.case_check import MAX_RANGE_VALUES
    from briefgen.case_model import MAX_ISSUES, MAX_OPTIONS, Targets
    from briefgen.edits import render

    if len(issues) > MAX_ISSUES:
        raise BriefgenError(f"{domain_path}: {len(issues)} issues; a case may have at most {MAX_ISSUES}")
    ids = _ids(issues)
    lines = ["---", f"title: {render(f'{_title(domain_path)} (Genius domain)')}",
             "parties:", f"  us: {{name: {render(_party(ours.path), True)}}}",
             f"  them: {{name: {render(_party(theirs.path) if theirs else 'The other side', True)}}}", "issues:"]
    for issue in issues:
        ours_points = points(issue, ours)
        theirs_points = points(issue, theirs) if theirs else None
        lines += [f"  - id: {ids[issue.index]}", f"    label: {render(issue.name)}"]
        if issue.kind == "discrete":
            if len(issue.values) > MAX_OPTIONS:
                raise BriefgenError(f"{domain_path}: issue '{issue.name}' has {len(issue.values)} values; an issue may have at most {MAX_OPTIONS}")
            lines.append("    options:")
            for value in issue.values:
                their = f", their_points: {render(theirs_points[value])}" if theirs else ""
                lines.append(f"      - {{value: {render(value, True)}, points: {render(ours_points[value])}{their}}}")
        else:
            step = max(1, math.ceil((issue.high - issue.low) / MAX_RANGE_VALUES))
            lines += [f"    range: {{min: {issue.low}, max: {issue.high}, step: {step}}}",
                      f"    points: {render(ours_points)}"]
            if theirs:
                lines.append(f"    their_points: {render(theirs_points)}")
    targets = []
    if ours.reservation:
        targets.append(f"  reservation: {render(round(100 * ours.reservation, 2))}")
    if theirs and theirs.reservation and "their_reservation" in Targets.model_fields:
        targets.append(f"  their_reservation: {render(round(100 * theirs.reservation, 2))}")
    if targets:
        lines += ["targets:", *targets]
    lines += ["---", "## Background", "", _provenance(domain_path, ours, theirs), ""]
    return "\n".join(lines) + "\n"


def _provenance(domain_path: Path, ours: Profile, theirs: Profile | None) -> str:
    said = [f"Imported from the Genius domain {domain_path.name} with our profile {Path(ours.path).name}"
            + (f" and theirs, {Path(theirs.path).name}." if theirs else "; their points are assumed opposite to ours.")]
    said.append("Points are 100 x weight x evaluation, as Genius computes utility: the best bid scores 100.")
    for profile, whose in ((ours, "our"), (theirs, "their")):
        if profile and profile.discount is not None and profile.discount not in (0, 1):
            said.append(f"The profile gives {whose} utility a discount factor of {profile.discount:g} over time; "
                        "the brief does not discount.")
        if profile and profile.reservation and whose == "their":
            said.append(f"Their reservation value is {100 * profile.reservation:g} points in their profile.")
    return " ".join(said)


def _ids(issues: list[GeniusIssue]) -> dict[str, str]:
    ids, used = {}, set()
    for issue in issues:
        base = re.sub(r"[^a-z0-9]+", "_", issue.name.lower()).strip("_")[:60] or "issue"
        base = base if base[0].isalpha() else f"issue_{base}"
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        ids[issue.index] = candidate
    return ids


def _title(path: Path) -> str:
    return re.sub(r"[_-]+", " ", re.sub(r"[_-]?domain$", "", path.stem, flags=re.I)).strip().capitalize() or path.stem


def _party(path: str) -> str:
    """A side's name from its profile's file name: 'laptop_buyer_utility.xml' -> 'Laptop buyer'."""
    name = re.sub(r"[_-]+", " ", Path(path).stem).strip()
    name = re.sub(r"\s+(utility|util|profile|prof|preferences?)\s*\d*(\s+space)?$", "", name, flags=re.I).strip() or name
    return (name[:1].upper() + name[1:])[:200] or "Us"


def import_genius(domain: Path, profile: Path, their_profile: Path | None, target: Path) -> Path:
    """Write the case file for a Genius domain and profiles to `target` (never over an existing file)."""
    from briefgen.build import write_atomically
    from briefgen.case import parse_case

    issues = read_domain(domain)
    ours = read_profile(profile, issues)
    theirs = read_profile(their_profile, issues) if their_profile else None
    text = with_tolerance(case_text(domain, issues, ours, theirs), str(target))
    if target.exists():
        raise BriefgenError(f"{target} exists; briefgen never overwrites a case; give another -o")
    parse_case(text.encode(), str(target), target.stem)  # what is written loads
    return write_atomically(target, text.encode())


TOLERANCES = (1, 2, 3, 4, 5)  # points of 100: up to 5% of the scale


def with_tolerance(text: str, path: str) -> str:
    """The case with the narrowest MESO band (1 to 5 points) in which the packages asked for can be built.

    Research domains are often a few discrete issues with a few values:
    few packages score within 1 point of the aspiration, so the default
    band would leave MESO with one package or none.
    """
    from briefgen.case import parse_case
    from briefgen.meso import meso

    found = []
    for tolerance in TOLERANCES:
        trial = text.replace("\nissues:\n", f"\nmeso:\n  tolerance: {tolerance}\nissues:\n", 1)
        count = len(meso(parse_case(trial.encode(), path, "trial")).packages)
        found.append((count, -tolerance, trial))
        if count >= 3:
            break
    count, tolerance, trial = max(found)
    if -tolerance == 1:
        return text
    return trial.replace(f"  tolerance: {-tolerance}\n", f"  tolerance: {-tolerance}              # the narrowest band "
                         f"(1 to 5 points) in which MESO builds {count} packages in this domain\n", 1)
