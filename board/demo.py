"""The sample organisation for the demo: a small Norwegian municipality with boards in every service area.

Written once into an empty data folder; a second run finds it and keeps what people changed since.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from .domain import (
    Card,
    CardFields,
    Column,
    Goal,
    GoalStatus,
    Origin,
    PdcaStage,
    ServiceArea,
    Target,
    Unit,
)
from .ordering import keys_after
from .store import Store

AREAS = [
    ServiceArea(id='helse-og-omsorg', name='Helse og omsorg'),
    ServiceArea(id='oppvekst', name='Oppvekst'),
    ServiceArea(id='nav', name='NAV'),
    ServiceArea(id='teknisk', name='Teknisk drift'),
]

UNITS = [
    Unit(id='solsiden-avd-1', name='Solsiden sykehjem, avdeling 1', service_area_id='helse-og-omsorg'),
    Unit(id='solsiden-avd-2', name='Solsiden sykehjem, avdeling 2', service_area_id='helse-og-omsorg'),
    Unit(id='hjemmetjenesten-nord', name='Hjemmetjenesten sone nord', service_area_id='helse-og-omsorg'),
    Unit(id='bakken-skole', name='Bakken skole', service_area_id='oppvekst'),
    Unit(id='tusenfryd-barnehage', name='Tusenfryd barnehage', service_area_id='oppvekst'),
    Unit(id='nav-kontoret', name='NAV-kontoret', service_area_id='nav'),
    Unit(id='teknisk-drift', name='Teknisk drift', service_area_id='teknisk'),
]

# (name, colour, icon, status, target) per unit; colours from the colour-blind-safe palette
GOALS: dict[str, list[tuple[str, str, str, GoalStatus, Target | None]]] = {
    'solsiden-avd-1': [
        ('Mer tid hos beboerne', '#0072B2', 'favorite', GoalStatus.ON_TRACK,
         Target(unit='min/dag', current=42, target=60)),
        ('Færre fall', '#D55E00', 'health_and_safety', GoalStatus.AT_RISK,
         Target(unit='fall/mnd', current=5, target=2)),
        ('Trygg legemiddelhåndtering', '#009E73', 'medication', GoalStatus.OFF_TRACK, None),
    ],
    'solsiden-avd-2': [
        ('Godt måltid', '#E69F00', 'restaurant', GoalStatus.ON_TRACK, None),
        ('Lavere sykefravær', '#CC79A7', 'groups', GoalStatus.AT_RISK, Target(unit='%', current=9.4, target=7)),
    ],
    'hjemmetjenesten-nord': [
        ('Kortere kjøretid', '#0072B2', 'directions_car', GoalStatus.OFF_TRACK,
         Target(unit='t/uke', current=61, target=50)),
        ('Riktig dokumentasjon', '#009E73', 'description', GoalStatus.ON_TRACK, None),
    ],
    'bakken-skole': [
        ('Ro i klasserommet', '#56B4E9', 'school', GoalStatus.AT_RISK, None),
        ('Mer tid til elevene', '#0072B2', 'schedule', GoalStatus.ON_TRACK, Target(unit='t/uke', current=3, target=5)),
    ],
    'tusenfryd-barnehage': [
        ('Gode overganger', '#009E73', 'child_care', GoalStatus.ON_TRACK, None),
        ('Ryddig garderobe (5S)', '#E69F00', 'checkroom', GoalStatus.OFF_TRACK, None),
    ],
    'nav-kontoret': [
        ('Ventetid under 2 dager', '#D55E00', 'hourglass_bottom', GoalStatus.AT_RISK,
         Target(unit='dager', current=3.1, target=2)),
        ('Flere i arbeid', '#0072B2', 'work', GoalStatus.ON_TRACK, None),
    ],
    'teknisk-drift': [
        ('Raskere feilretting', '#CC79A7', 'build', GoalStatus.ON_TRACK, Target(unit='dager', current=4, target=3)),
    ],
}

IDEAS = [
    'Fast plass for rullatorene i gangen', 'Sjekkliste for innkomstsamtale', 'Felles kalender for turnusbytter',
    'Merk medisinvognen med farger per beboer', 'Kortere morgenmøte: stå, ikke sitt', 'Tavle for ledige rom',
    'Ferdigpakket stellevogn til nattevakt', 'Samle bestillinger til apoteket én gang i uka',
    'Bytt til digitale vaktlister', 'Rydd lageret med 5S', 'Mal for referat fra foreldresamtale',
    'Faste ruter i hjemmetjenesten', 'Nøkkelskap med oversikt', 'Mindre papir ved utskrivning',
    'Kaffekrok for pårørende', 'Bedre skilting til inngangen', 'Ukeplan på skjerm i fellesrom',
    'Deling av bil mellom sonene', 'Standard for overlevering mellom vakter', 'Ros-tavle i personalrommet',
    'Ferdigkuttet frukt til ettermiddagen', 'QR-kode til skjemaer på lageret', 'Felles innkjøp av hansker',
    'Én telefon for pårørende i stedet for tre', 'Sjekkliste for brannrunde', 'Ryddeplan for garderoben',
    'Time for veiledning hver fredag', 'Flytt skriveren nærmere vaktrommet', 'Tydeligere arbeidsfordeling på kveld',
    'Fast dag for vask av hjelpemidler',
]
OWNERS = ['Kari', 'Ola', 'Aisha', 'Per', 'Ingrid', 'Mohammed', 'Siri', 'Jonas', '']


def seed_demo(store: Store, *, today: date | None = None, seed: int = 2012) -> bool:
    """Write the sample organisation into an empty store; return False (and change nothing) if it has data."""
    if store.organisation.units:
        return False
    rng = random.Random(seed)
    now = store.now()
    today = today or now.date()
    store.rename_organisation('Eksempel kommune')
    for area in AREAS:
        store.add_service_area(area)
    titles = iter(rng.sample(IDEAS, len(IDEAS)) * 3)
    for unit in UNITS:
        store.add_unit(unit)
        goals: list[Goal] = []
        for (name, colour, icon, status, target), position in zip(GOALS[unit.id], keys_after(None, 9), strict=False):
            goal = Goal(id=f'mal-{position.lower()}{len(goals)}', unit_id=unit.id, name=name, colour=colour,
                        icon=icon, status=status, target=target, position=position)
            goals.append(store.save_goal(goal))
        count = 8 if unit.id.startswith(('solsiden', 'nav')) else 6
        store.import_cards(unit.id, _sample_cards(unit.id, goals, titles, count=count, now=now, today=today, rng=rng))
    return True


def _sample_cards(unit_id: str, goals: list[Goal], titles: Iterator[str], *, count: int, now: datetime, today: date,
                  rng: random.Random) -> list[Card]:
    columns = [Column.IDEAS] * 3 + [Column.DOING] * 3 + [Column.DONE] * 2
    positions = {c: iter(keys_after(None, count)) for c in Column}
    cards = []
    for index in range(count):
        column = columns[index % len(columns)]
        created = now - timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8))
        started = created + timedelta(days=rng.randint(1, 3)) if column != Column.IDEAS else None
        finished = now - timedelta(days=rng.randint(0, 10)) if column == Column.DONE else None
        goal = rng.choice([*goals, None])
        fields = CardFields(title=next(titles), goal_id=goal.id if goal else None, owner=rng.choice(OWNERS),
                            due=today + timedelta(days=rng.randint(-6, 21)) if column == Column.DOING else None,
                            pdca=rng.choice(list(PdcaStage)) if column == Column.DOING else None,
                            quick_win=rng.random() < 0.25)
        origin = Origin.PHONE if column == Column.IDEAS and rng.random() < 0.4 else Origin.BOARD
        cards.append(Card(id=f'{unit_id}-demo-{index}', unit_id=unit_id, column=column,
                          position=next(positions[column]), origin=origin, changed_origin=origin,
                          created_at=created, started_at=started, finished_at=finished,
                          title=fields.title, goal_id=fields.goal_id, owner=fields.owner, due=fields.due,
                          pdca=fields.pdca, quick_win=fields.quick_win))
    return cards
