"""Small builders for tests: an organisation with a unit, goals and cards, in a store of a temporary folder."""

from __future__ import annotations

from pathlib import Path

from board.domain import Direction, Goal, GoalStatus, Measure, ServiceArea, Unit
from board.store import Store

UNIT = 'avd-a'
OTHER_UNIT = 'skole-b'


def seeded_store(folder: Path, **kwargs) -> Store:
    store = Store(folder, **kwargs).open()
    store.rename_organisation('Testkommune')
    store.add_service_area(ServiceArea(id='helse', name='Helse og omsorg'))
    store.add_service_area(ServiceArea(id='oppvekst', name='Oppvekst'))
    store.add_unit(Unit(id=UNIT, name='Avdeling A', service_area_id='helse'))
    store.add_unit(Unit(id=OTHER_UNIT, name='Skole B', service_area_id='oppvekst'))
    store.save_goal(Goal(id='ventetid', unit_id=UNIT, name='Kortere ventetid', colour='#0072B2', icon='schedule',
                         status=GoalStatus.AT_RISK, position='a',
                         measure=Measure(unit='dager', better=Direction.DOWN, target=2, baseline=3.1, lowest=0)))
    store.save_goal(Goal(id='trivsel', unit_id=UNIT, name='Trivsel', colour='#009E73', icon='favorite',
                         status=GoalStatus.ON_TRACK, position='b'))
    return store
