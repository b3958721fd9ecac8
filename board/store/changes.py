"""What the store tells its subscribers after each committed change: the UI and the sync listen to these."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import Card, Goal, GoalValue, LeaderNote, Organisation

__all__ = ['HUB_ONLY', 'AuditChanged', 'CardChanged', 'CardsArchived', 'Change', 'CitizenIdeasChanged', 'GoalChanged',
           'GoalValuesChanged', 'NotesChanged', 'OrganisationChanged', 'RecordsChanged']


@dataclass(frozen=True, slots=True)
class CardChanged:
    unit_id: str
    seq: int
    card: Card
    previous: Card | None


@dataclass(frozen=True, slots=True)
class GoalChanged:
    unit_id: str
    seq: int
    goal: Goal


@dataclass(frozen=True, slots=True)
class GoalValuesChanged:
    """Values of a unit's goals were entered, replaced or deleted (``values``: as they are now)."""
    unit_id: str
    seq: int
    values: tuple[GoalValue, ...]


@dataclass(frozen=True, slots=True)
class NotesChanged:
    """A leader's question or praise was written, answered, handled or removed (``notes``: as they are now)."""
    unit_id: str
    seq: int
    notes: tuple[LeaderNote, ...]


@dataclass(frozen=True, slots=True)
class CardsArchived:
    unit_id: str
    card_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RecordsChanged:
    """A meeting was recorded or a recognition given or removed in a unit."""
    unit_id: str
    seq: int


@dataclass(frozen=True, slots=True)
class CitizenIdeasChanged:
    """An idea from a citizen reached the unit's queue, or one of its ideas was decided or its outcome mailed.

    Hub-side only, and carries nothing a citizen wrote: the leaders' queue reads the ideas again. Never synced, never
    shown on a board (``citizen-ideas.json`` is not part of a unit's board)."""
    unit_id: str


@dataclass(frozen=True, slots=True)
class AuditChanged:
    """An audit of the unit was started, answered or had a finding made a card: the auditors' pages (a second tablet
    on the same audit) show it. Hub-side only, never synced (audits are not part of a unit's board)."""
    unit_id: str
    audit_id: str


@dataclass(frozen=True, slots=True)
class OrganisationChanged:
    organisation: Organisation


Change = (CardChanged | GoalChanged | GoalValuesChanged | NotesChanged | CardsArchived | OrganisationChanged
          | RecordsChanged | CitizenIdeasChanged | AuditChanged)

#: changes of what the hub alone keeps: a wall screen has nothing to pull for them
HUB_ONLY = (CitizenIdeasChanged, AuditChanged)
