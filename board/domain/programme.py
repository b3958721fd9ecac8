"""The Lean programme around the boards: each unit's rollout and training, and the value stream analyses.

Rollout: a unit starts with preparation (forberedelse), then four days of training (opplæring), then coaching
before or after its board meetings (veiledning), and is evaluated after the introduction period (evaluert). A new
leader in a unit means new training: the unit is flagged (*Ny leder – ny opplæring*) until the date of a new
training on or after the change is recorded (``retrained_on``; the phase and its dates stay as they were).

**Which units count as trained** ("N av M enheter har fått opplæring", as the municipality reports it): a unit in
*veiledning* or *evaluert*, that is, one that has been through the training. A unit in *opplæring* is being trained
and does not count yet; a unit flagged for a new leader still counts (its staff were trained), and the flagged units
are shown beside the figure. Only units count: the boards above the units (``Organisation.upper_boards``) do not.

Value stream analysis (verdistrømanalyse): recorded with its date, name, the units and the participants; its
improvements become cards on those units' boards tagged with it (``Card.vsa``), so their gains count as found by a
value stream analysis (``board.gains.gain_source``).

Plain data and validation: no store, no UI.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from .model import Organisation, Problem
from .validation import EARLIEST_DATE, NAME_MAX, TITLE_MAX, is_valid_id

__all__ = ['PARTICIPANTS_MAX', 'TRAINED_MAX', 'TRAINED_PHASES', 'VSA_IMPROVEMENTS_MAX', 'Phase', 'RolloutFigures',
           'UnitRollout', 'ValueStreamAnalysis', 'rollout_figures', 'validate_rollout', 'validate_vsa']


class Phase(StrEnum):
    """A unit's phase in the rollout, in order."""
    PREPARATION = 'preparation'  # forberedelse
    TRAINING = 'training'        # opplæring (four days)
    COACHING = 'coaching'        # veiledning (before or after board meetings)
    EVALUATED = 'evaluated'      # evaluert (after the introduction period)

    @property
    def order(self) -> int:
        return list(Phase).index(self)


#: the phases in which a unit "har fått opplæring": it has been through the training
TRAINED_PHASES = frozenset({Phase.COACHING, Phase.EVALUATED})

#: the most staff one unit can have trained (a typo guard: the municipality has about 1,100 employees)
TRAINED_MAX = 5000

PARTICIPANTS_MAX = 60

VSA_IMPROVEMENTS_MAX = 40

_CONTROL = re.compile(r'[\x00-\x1f\x7f\ud800-\udfff]')


@dataclass(kw_only=True, frozen=True, slots=True)
class UnitRollout:
    """A unit's place in the rollout: its phase, the date each phase began, staff trained, its coach (veileder),
    its leader, since when it waits for new training after a new leader (None: not waiting), and when the last
    new training was held."""
    unit_id: str
    phase: Phase = Phase.PREPARATION
    dates: Mapping[Phase, date] = field(default_factory=dict)
    trained: int = 0
    coach: str = ''
    leader: str = ''
    leader_since: date | None = None
    retrain_since: date | None = None
    retrained_on: date | None = None

    @property
    def has_training(self) -> bool:
        return self.phase in TRAINED_PHASES

    @property
    def needs_new_training(self) -> bool:
        return self.retrain_since is not None

    def settled(self) -> UnitRollout:
        """The flag of a new leader is cleared once a new training on or after the change is recorded."""
        if self.retrain_since is not None and self.retrained_on is not None and self.retrained_on >= self.retrain_since:
            return dataclasses.replace(self, retrain_since=None)
        return self


def validate_rollout(rollout: UnitRollout, previous: UnitRollout | None, *, today: date) -> list[Problem]:
    """What is wrong with a unit's rollout as entered: a phase out of order (back, or past a phase without its
    date), dates out of order or in the future, a negative or absurd number trained, a coach's name too long."""
    problems: list[Problem] = []
    if previous is not None and rollout.phase.order < previous.phase.order:
        problems.append(Problem('phase', 'error.rollout_phase_back'))
    problems += _phase_date_problems(rollout, today)
    if not isinstance(rollout.trained, int) or not 0 <= rollout.trained <= TRAINED_MAX:
        problems.append(Problem('trained', 'error.rollout_trained', {'max': TRAINED_MAX}))
    for name in ('coach', 'leader'):
        text = getattr(rollout, name)
        if len(text) > NAME_MAX or _CONTROL.search(text):
            problems.append(Problem(name, 'error.name_too_long', {'max': NAME_MAX}))
    for day in (rollout.leader_since, rollout.retrain_since, rollout.retrained_on):
        if day is not None and day > today:
            problems.append(Problem('leader_since', 'error.date_in_future'))
            break
    return problems


def _phase_date_problems(rollout: UnitRollout, today: date) -> list[Problem]:
    """Each phase up to the current one has its date, none after it; the dates in order, none in the future."""
    for phase in Phase:
        if phase.order <= rollout.phase.order and phase not in rollout.dates:
            return [Problem('dates', 'error.rollout_phase_date', {'phase': phase.value})]
        if phase.order > rollout.phase.order and phase in rollout.dates:
            return [Problem('dates', 'error.rollout_date_ahead', {'phase': phase.value})]
    earlier: date | None = None
    for phase in Phase:
        day = rollout.dates.get(phase)
        if day is None:
            continue
        if day > today:
            return [Problem('dates', 'error.date_in_future')]
        if day < EARLIEST_DATE:
            return [Problem('dates', 'error.bad_date')]
        if earlier is not None and day < earlier:
            return [Problem('dates', 'error.rollout_dates_order')]
        earlier = day
    return []


@dataclass(frozen=True, slots=True)
class RolloutFigures:
    """"``trained`` av ``units`` enheter har fått opplæring", and how many wait for new training."""
    trained: int
    units: int
    new_training: int
    staff_trained: int


def rollout_figures(organisation: Organisation, rollouts: Mapping[str, UnitRollout]) -> RolloutFigures:
    """The figures over the organisation's units (not the boards above them)."""
    of_units = [rollouts[u.id] for u in organisation.units if u.id in rollouts]
    return RolloutFigures(trained=sum(r.has_training for r in of_units), units=len(organisation.units),
                          new_training=sum(r.needs_new_training for r in of_units),
                          staff_trained=sum(r.trained for r in of_units))


@dataclass(kw_only=True, frozen=True, slots=True)
class ValueStreamAnalysis:
    """A verdistrømanalyse: when, its name, the units it covered and who took part (names or roles)."""
    id: str
    name: str
    on: date
    unit_ids: tuple[str, ...]
    participants: tuple[str, ...] = ()
    created_by: str = ''
    created_at: datetime | None = None


def validate_vsa(vsa: ValueStreamAnalysis, organisation: Organisation, *, today: date,
                 improvements: Iterable[tuple[str, str]] = ()) -> list[Problem]:
    """What is wrong with an analysis as entered, and with its improvements (unit id, title): no units, an unknown
    unit, a date in the future, a name or participant too long."""
    problems: list[Problem] = []
    if not is_valid_id(vsa.id):
        problems.append(Problem('id', 'error.bad_id'))
    if not vsa.name.strip():
        problems.append(Problem('name', 'error.name_empty'))
    elif len(vsa.name) > NAME_MAX or _CONTROL.search(vsa.name):
        problems.append(Problem('name', 'error.name_too_long', {'max': NAME_MAX}))
    if not EARLIEST_DATE <= vsa.on <= today:
        problems.append(Problem('on', 'error.date_in_future' if vsa.on > today else 'error.bad_date'))
    unit_ids = {u.id for u in organisation.units}
    if not vsa.unit_ids:
        problems.append(Problem('unit_ids', 'error.vsa_no_units'))
    elif any(u not in unit_ids for u in vsa.unit_ids):
        problems.append(Problem('unit_ids', 'error.vsa_unknown_unit'))
    if len(vsa.participants) > PARTICIPANTS_MAX:
        problems.append(Problem('participants', 'error.too_many', {'max': PARTICIPANTS_MAX}))
    if any(not p.strip() or len(p) > NAME_MAX or _CONTROL.search(p) for p in vsa.participants):
        problems.append(Problem('participants', 'error.name_too_long', {'max': NAME_MAX}))
    return problems + _improvement_problems(vsa, list(improvements))


def _improvement_problems(vsa: ValueStreamAnalysis, items: list[tuple[str, str]]) -> list[Problem]:
    if len(items) > VSA_IMPROVEMENTS_MAX:
        return [Problem('improvements', 'error.too_many', {'max': VSA_IMPROVEMENTS_MAX})]
    for unit_id, title in items:
        if unit_id not in vsa.unit_ids:
            return [Problem('improvements', 'error.vsa_unknown_unit')]
        if not title.strip():
            return [Problem('improvements', 'error.title_empty')]
        if len(title) > TITLE_MAX or _CONTROL.search(title):
            return [Problem('improvements', 'error.title_too_long', {'max': TITLE_MAX, 'length': len(title)})]
    return []
