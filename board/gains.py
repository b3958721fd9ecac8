"""Gains (gevinster) in årsverk, rolled up from cards to units, service areas and the organisation.

An årsverk is one full-time position for a year; a gain freeing ``h`` hours a week is ``h / full_time_week``
årsverk (37.5 hours by default). *Identified* counts every gain (a realised gain was identified first), and
*realised* the gains a leader has confirmed; so realised is always at most identified, as in the municipality's
reports ("46,3 årsverk identified, 33,1 realised").

A gain with several categories is split evenly between them in the split by category, so the categories add up
to the total instead of counting one improvement two or three times.

Where a gain was found (its *source*: the board, a phone, a citizen, a value stream analysis) is derived from its
card, not stored with the gain (see :func:`gain_source`): a new key inside a card's ``gain`` would be dropped by an
older release's strict wire models in a mixed-version sync, and the card already says where it came from.

Plain Python: no store, no UI. The report and the dashboard take :class:`GainEntry` values from the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from .domain import Card, Column, GainCategory, Organisation, Origin

__all__ = ['ALL_TIME', 'VSA_TARGET', 'GainEntry', 'GainSource', 'GainsSummary', 'Period', 'Quarter',
           'Totals', 'entries_of', 'gain_source', 'parse_period', 'quarter_of', 'summarise']


class GainSource(StrEnum):
    """Where an improvement (and so its gain) was found."""
    BOARD = 'board'        # tavle: at the board or its meeting
    PHONE = 'phone'        # mobil: an idea sent from a phone
    CITIZEN = 'citizen'    # innbygger: an idea from a citizen, service user or relative
    VSA = 'vsa'            # verdistrømanalyse: an improvement from a value stream analysis


#: the municipality's aim: about 80 % of the gains (årsverk identified) found through value stream analyses
VSA_TARGET = 0.8


def gain_source(card: Card) -> GainSource:
    """Where the card's improvement came from, derived from the card itself.

    A value stream analysis wins over everything (an idea from a phone that an analysis took up counts for the
    analysis; the analysis is where the gain was worked out); then a citizen's idea (``Card.from_citizen``); then an
    idea sent from a phone (``Origin.PHONE``); otherwise the board.
    """
    if card.vsa is not None:
        return GainSource.VSA
    if card.from_citizen:  # an idea from an innbygger, bruker or pårørende that a leader approved
        return GainSource.CITIZEN
    if card.origin == Origin.PHONE:
        return GainSource.PHONE
    return GainSource.BOARD


@dataclass(frozen=True, slots=True)
class Period:
    """From ``start`` to ``end``, both included; ``None`` leaves that side open."""
    start: date | None = None
    end: date | None = None

    def __contains__(self, day: date | None) -> bool:
        if day is None:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


ALL_TIME = Period()


def parse_period(text: str) -> Period | None:
    """``''`` (all time), ``2026``, a half-year ``2026-H1`` (the semi-annual audit) or a quarter ``2026-Q3``."""
    text = text.strip().upper()
    if not text:
        return ALL_TIME
    year_text, _, part = text.partition('-')
    if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        return None
    year = int(year_text)
    months = {'': (1, 12), 'H1': (1, 6), 'H2': (7, 12), 'Q1': (1, 3), 'Q2': (4, 6), 'Q3': (7, 9), 'Q4': (10, 12)}
    if part not in months:
        return None
    first, last = months[part]
    end = date(year + 1, 1, 1) if last == 12 else date(year, last + 1, 1)
    return Period(date(year, first, 1), end - timedelta(days=1))


@dataclass(frozen=True, slots=True, order=True)
class Quarter:
    year: int
    quarter: int

    def __str__(self) -> str:
        return f'{self.year} K{self.quarter}'


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


@dataclass(frozen=True, slots=True)
class GainEntry:
    """One card's gain, with just what the roll-ups and reports need."""
    unit_id: str
    card_id: str
    title: str
    categories: tuple[GainCategory, ...]
    hours_per_week: float
    identified_on: date
    realised_on: date | None
    confirmed_by: str = ''
    amount_nok: int | None = None
    #: the card is in Ferdig (on the board or in the archive): its gain can be confirmed as realised
    finished: bool = False
    #: the card has an *etter* measurement: what the change achieved is measured, not only estimated
    measured_after: bool = False
    #: where the improvement was found (:func:`gain_source`)
    source: GainSource = GainSource.BOARD


def entries_of(cards: Iterable[Card]) -> list[GainEntry]:
    """The gains of ``cards`` (deleted cards and cards without a gain have none)."""
    entries = []
    for card in cards:
        gain = card.gain
        if gain is None or card.deleted:
            continue
        entries.append(GainEntry(card.unit_id, card.id, card.title, gain.categories, gain.hours_per_week,
                                 gain.identified_on, gain.realised_on if gain.realised else None,
                                 gain.confirmed_by, gain.amount_nok, card.column == Column.DONE,
                                 card.after is not None, gain_source(card)))
    return entries


#: the kinds of gain, as a tuple: iterating the enum itself costs more than the roll-up's arithmetic
_KINDS = tuple(GainCategory)


@dataclass(slots=True)
class Totals:
    """Årsverk identified and realised, in total and by category; kroner realised; how many gains."""
    identified: float = 0.0
    realised: float = 0.0
    identified_by_category: dict[GainCategory, float] = field(default_factory=lambda: dict.fromkeys(_KINDS, 0.0))
    realised_by_category: dict[GainCategory, float] = field(default_factory=lambda: dict.fromkeys(_KINDS, 0.0))
    amount_realised: int = 0
    count: int = 0
    identified_by_source: dict[GainSource, float] = field(default_factory=lambda: dict.fromkeys(GainSource, 0.0))
    realised_by_source: dict[GainSource, float] = field(default_factory=lambda: dict.fromkeys(GainSource, 0.0))

    def add(self, fte: float, categories: tuple[GainCategory, ...], *, realised: bool, identified: bool,
            amount: int | None, source: GainSource = GainSource.BOARD) -> None:
        share = fte / len(categories) if categories else 0.0
        if identified:
            self.identified += fte
            self.count += 1
            self.identified_by_source[source] += fte
            for category in categories:
                self.identified_by_category[category] += share
        if realised:
            self.realised += fte
            self.amount_realised += amount or 0
            self.realised_by_source[source] += fte
            for category in categories:
                self.realised_by_category[category] += share

    @property
    def vsa_share(self) -> float | None:
        """The share of the årsverk identified that value stream analyses found (None: nothing identified), to set
        against :data:`VSA_TARGET`."""
        return self.identified_by_source[GainSource.VSA] / self.identified if self.identified > 0 else None


@dataclass(slots=True)
class GainsSummary:
    organisation: Totals
    areas: dict[str, Totals]
    units: dict[str, Totals]
    #: per quarter: (identified, realised) årsverk of gains identified / realised in that quarter
    quarters: dict[Quarter, tuple[float, float]]
    #: realised gains, largest first
    largest_realised: list[GainEntry]
    full_time_week: float = 37.5


def summarise(entries: Iterable[GainEntry], organisation: Organisation, *, full_time_week: float,
              period: Period = ALL_TIME) -> GainsSummary:
    """Roll gains up to units, service areas and the organisation.

    A gain counts as identified in ``period`` if it was identified in it, and as realised if it was realised in it.
    Every unit and service area of the organisation has totals, zero if it has no gains.
    """
    area_of = {u.id: u.service_area_id for u in organisation.units}
    whole = Totals()
    areas = {a.id: Totals() for a in organisation.service_areas}
    units = {u.id: Totals() for u in organisation.units}
    quarters: dict[Quarter, list[float]] = defaultdict(lambda: [0.0, 0.0])
    realised_entries = []
    for entry in entries:
        fte = entry.hours_per_week / full_time_week
        identified = entry.identified_on in period
        realised = entry.realised_on in period
        if not (identified or realised):
            continue
        unit = units.get(entry.unit_id)
        if unit is None:
            unit = units[entry.unit_id] = Totals()
        targets = [whole, unit]
        area_id = area_of.get(entry.unit_id)
        if area_id is not None:
            area = areas.get(area_id)
            if area is None:
                area = areas[area_id] = Totals()
            targets.append(area)
        for totals in targets:
            totals.add(fte, entry.categories, realised=realised, identified=identified, amount=entry.amount_nok,
                       source=entry.source)
        if identified:
            quarters[quarter_of(entry.identified_on)][0] += fte
        if realised and entry.realised_on is not None:
            quarters[quarter_of(entry.realised_on)][1] += fte
            realised_entries.append(entry)
    realised_entries.sort(key=lambda e: (-e.hours_per_week, e.unit_id, e.card_id))
    return GainsSummary(organisation=whole, areas=areas, units=units,
                        quarters={q: (v[0], v[1]) for q, v in sorted(quarters.items())},
                        largest_realised=realised_entries, full_time_week=full_time_week)
