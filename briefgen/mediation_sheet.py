"""A side's proposal sheet: the mediator's packages, as the mediator's own, in that side's language.

It is built on the offer sheet's allow-list (briefgen.offer_sheet): the sheet is
the offer sheet of a view of the side's *own* file in which the mediator writes
to that side, so it can carry only what the allow-list lets through of that
file (the side's name, its issue labels and units, the values in its own
formats) and the packages' terms. Nothing of the other side's file is handed
to it: not its names, labels, notes or texts, and no score. The proposals come
in an order drawn from their terms alone (mediation_analysis), so neither the
order nor the labels say which package either side prefers.
"""
from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence

from briefgen.case import Case
from briefgen.case_model import OfferSheetSettings, Parties, Party
from briefgen.offer_sheet import OfferSheet, offer_sheet_context, reference_code


def proposal_sheet(side: Case, packages: Sequence[Mapping], mediator: str | None, mediation_id: str,
                   today: datetime.date) -> OfferSheet:
    """The sheet for `side`, from the mediator (`mediator`: a name, or None: "the mediator" in the
    sheet's words), in the side's own language (`parties.us.locale`, else the team's locale)."""
    ours = side.parties.us
    view = side.model_copy(update={
        "parties": Parties(us=Party(name=mediator or ""), them=Party(name=ours.name)),
        "offer_sheet": OfferSheetSettings(**{"from": mediator}, to=ours.negotiator or ours.name,
                                          locale=side_language(side), reference=reference_code(mediation_id)),
        "rounds": (),
    })
    return offer_sheet_context(view, packages, today, round_number=1)


def side_language(side: Case) -> str:
    """The locale a side is written to in: its own (`parties.us.locale`), else the team's."""
    return side.parties.us.locale or side.locale
