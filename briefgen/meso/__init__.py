"""MESO: multiple equivalent simultaneous offers, built or checked.

The contract is "What a good MESO set is" in the case format: packages
(1) within tolerance of our aspiration and never below reservation,
(2) inside both win-sets and respecting `hold`, (3) distinct, (4) informative:
each strictly the most generous of the set on its own lead issue, and
(5) efficient: none could be swapped for one better for them.

With distinct leads, (4) implies (3) and the non-domination half of (4). The
construction rests on one observation: fix, for each lead issue, a threshold
on their points; then package i must be at or above the threshold on its own
lead and below it on every other lead, and the packages become independent.
Each is simply the best package for them under its restrictions (an
"oracle"), and the best set over all thresholds is the best valid set with
those leads, which is also efficient. Small spaces are searched completely
(every lead combination, every threshold); large ones start from the most
generous thresholds and improve by efficiency swaps until none is left.

Modules: model (what is returned), space (the band, the conditions, the
oracle), construct (building a set), offers (checking meso.offers), decoding
(what a choice reveals, what the research warns).
"""
from __future__ import annotations

from briefgen.case import Case
from briefgen.meso.construct import construct
from briefgen.meso.decoding import decoding_key
from briefgen.meso.model import Diagnostic, Meso, MesoPackage
from briefgen.meso.offers import check_offers, lead_issues
from briefgen.meso.space import Market

__all__ = ["Diagnostic", "Meso", "MesoPackage", "decoding_key", "lead_issues", "meso"]


def meso(case: Case) -> Meso:
    """The case's MESO set: its hand-written offers checked, or packages built."""
    market = Market(case)
    if case.meso.offers:
        return check_offers(case, market)
    return construct(case, market)
