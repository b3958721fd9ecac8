"""The sample organisation for the demo: a small Norwegian municipality with boards in every service area.

Written once into an empty data folder; a second run finds it and keeps what people changed since.
"""

from __future__ import annotations

import dataclasses
import json
import random
import secrets
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from .atomicfile import write_atomic
from .domain import (
    Card,
    CardFields,
    Column,
    Direction,
    Gain,
    GainCategory,
    GainStatus,
    Goal,
    GoalStatus,
    Measure,
    Meeting,
    NoteKind,
    Origin,
    PdcaStage,
    ServiceArea,
    Unit,
)
from .domain.meeting_time import MeetingTime
from .ordering import keys_after
from .store import Store
from .users import Grant, Scope, User, hash_password

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



def _measure(unit: str, baseline: float, target: float) -> Measure:
    """A demo goal's measure: from its baseline towards its target, never below zero (a share: at most 100)."""
    return Measure(unit=unit, better=Direction.DOWN if target < baseline else Direction.UP, target=target,
                   baseline=baseline, lowest=0, highest=100 if unit == '%' else None)


# (name, colour, icon, status, measure) per unit; colours from the colour-blind-safe palette
GOALS: dict[str, list[tuple[str, str, str, GoalStatus, Measure | None]]] = {
    'solsiden-avd-1': [
        ('Mer tid hos beboerne', '#0072B2', 'favorite', GoalStatus.ON_TRACK,
         _measure('min/dag', 42, 60)),
        ('Færre fall', '#AA4499', 'health_and_safety', GoalStatus.AT_RISK,
         _measure('fall/mnd', 5, 2)),
        ('Trygg legemiddelhåndtering', '#332288', 'medication', GoalStatus.OFF_TRACK, None),
    ],
    'solsiden-avd-2': [
        ('Godt måltid', '#6B7280', 'restaurant', GoalStatus.ON_TRACK, None),
        ('Lavere sykefravær', '#CC79A7', 'groups', GoalStatus.AT_RISK, _measure('%', 9.4, 7)),
    ],
    'hjemmetjenesten-nord': [
        ('Kortere kjøretid', '#0072B2', 'directions_car', GoalStatus.OFF_TRACK,
         _measure('t/uke', 61, 50)),
        ('Riktig dokumentasjon', '#332288', 'description', GoalStatus.ON_TRACK, None),
    ],
    'bakken-skole': [
        ('Ro i klasserommet', '#56B4E9', 'school', GoalStatus.AT_RISK, None),
        ('Mer tid til elevene', '#0072B2', 'schedule', GoalStatus.ON_TRACK, _measure('t/uke', 3, 5)),
    ],
    'tusenfryd-barnehage': [
        ('Gode overganger', '#332288', 'child_care', GoalStatus.ON_TRACK, None),
        ('Ryddig garderobe (5S)', '#6B7280', 'checkroom', GoalStatus.OFF_TRACK, None),
    ],
    'nav-kontoret': [
        ('Ventetid under 2 dager', '#AA4499', 'hourglass_bottom', GoalStatus.AT_RISK,
         _measure('dager', 3.1, 2)),
        ('Flere i arbeid', '#0072B2', 'work', GoalStatus.ON_TRACK, None),
    ],
    'teknisk-drift': [
        ('Raskere feilretting', '#CC79A7', 'build', GoalStatus.ON_TRACK, _measure('dager', 4, 3)),
    ],
}

#: the kind of each demo unit: its ideas and its meeting's decision come from that kind's list
KINDS = {'solsiden-avd-1': 'sykehjem', 'solsiden-avd-2': 'sykehjem', 'hjemmetjenesten-nord': 'hjemmetjeneste',
         'bakken-skole': 'skole', 'tusenfryd-barnehage': 'barnehage', 'nav-kontoret': 'nav',
         'teknisk-drift': 'teknisk'}

#: ideas a unit of that kind would have (each list long enough for a board and its history)
IDEAS: dict[str, list[str]] = {
    'sykehjem': [
        'Fast plass for rullatorene i gangen', 'Sjekkliste for innkomstsamtale',
        'Ferdigpakket stellevogn til nattevakt',
        'Merk medisinvognen med farger per beboer', 'Samle bestillinger til apoteket én gang i uka',
        'Kaffekrok for pårørende', 'Ukeplan på skjerm i fellesrom', 'Standard for overlevering mellom vakter',
        'Ferdigkuttet frukt til ettermiddagen', 'Én telefon for pårørende i stedet for tre',
        'Fast dag for vask av hjelpemidler', 'Flytt skriveren nærmere vaktrommet', 'Faste tider for tilsyn om natta',
        'Tydeligere arbeidsfordeling på kveld'],
    'hjemmetjeneste': [
        'Faste ruter i hjemmetjenesten', 'Nøkkelskap med oversikt', 'Deling av bil mellom sonene',
        'Ferdigpakkede sårstellsett i bilene', 'Felles kjøreliste på nettbrett', 'Mindre papir ved utskrivning',
        'Standard for overlevering mellom vakter', 'Parkeringstillatelse ved de største adressene',
        'Ladekabel i alle bilene', 'Samle medisinlevering til én runde', 'Kortere morgenmøte: stå, ikke sitt',
        'Tydelige beskjeder til pårørende om besøkstider', 'Ryddeplan for bilene hver fredag',
        'Bytt til digitale vaktlister'],
    'skole': [
        'Mal for referat fra foreldresamtale', 'Felles kalender for prøver på trinnet',
        'Ro-plan for de første ti minuttene',
        'Utlånsliste for nettbrett', 'Faste plasser i garderoben', 'Ukeplan på skjerm i klasserommet',
        'Felles innkjøp av skrivesaker', 'Samlet beskjed til foresatte på fredag', 'Time for veiledning hver fredag',
        'Sjekkliste for brannrunde', 'Kortere personalmøte med fast agenda', 'Rydd lageret med 5S',
        'Bedre skilting til inngangen', 'Friminuttsaktiviteter med faste voksne'],
    'barnehage': [
        'Ryddeplan for garderoben', 'Bildeplan for dagen ved inngangen', 'Faste plasser for tøy som skal tørkes',
        'Mal for samtale ved oppstart', 'Felles handleliste for matlaging', 'Merk kassene på lageret med bilder',
        'Kortere morgenmøte: stå, ikke sitt', 'Beskjedbok erstattes av melding i appen',
        'Fast plass for vogner ved soverommet', 'Ros-tavle i personalrommet', 'Rydd lageret med 5S',
        'Sjekkliste for turdager', 'Faste dager for utetid med hele gruppa', 'Bytt til digitale vaktlister'],
    'nav': [
        'Timebestilling på nett for første samtale', 'Mal for aktivitetsplan', 'Samle post til én utsendelse om dagen',
        'Kortere kø i mottaket med nummerlapp', 'Felles kalender for kurs', 'Sjekkliste for første samtale',
        'Tydeligere skilting i mottaket', 'Faste tider for telefonvakt', 'Ferdige svarbrev for vanlige spørsmål',
        'Ett kontaktpunkt per bruker', 'Mindre papir ved søknader', 'Time for veiledning hver fredag',
        'Kortere morgenmøte: stå, ikke sitt', 'QR-kode til skjemaer i mottaket'],
    'teknisk': [
        'QR-kode på alle pumpestasjoner', 'Felles innkjøp av verneutstyr', 'Rydd verkstedet med 5S',
        'Fast dag for service på bilene', 'Digital avviksmelding fra felt', 'Sjekkliste for brøytebilene',
        'Nøkkelskap med oversikt', 'Deling av bil mellom lagene', 'Lagerliste for reservedeler',
        'Kortere morgenmøte: stå, ikke sitt', 'Kart over kummer på nettbrett', 'Merking av verktøy per bil',
        'Felles kalender for vaktordning', 'Bedre skilting til driftsbygget'],
}

#: what each kind's last board meeting decided (one line, as the meeting records it)
DECISIONS = {
    'sykehjem': 'Ideen om fast plass for rullatorene tas inn i Pågår',
    'hjemmetjeneste': 'Ideen om faste ruter tas inn i Pågår',
    'skole': 'Ideen om felles kalender for prøver tas inn i Pågår',
    'barnehage': 'Ideen om ryddeplan for garderoben tas inn i Pågår',
    'nav': 'Ideen om timebestilling på nett tas inn i Pågår',
    'teknisk': 'Ideen om QR-kode på pumpestasjonene tas inn i Pågår',
}
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
    for unit in UNITS:
        store.add_unit(unit)
        ideas = IDEAS[KINDS[unit.id]]
        titles = iter(rng.sample(ideas, len(ideas)))
        goals: list[Goal] = []
        for (name, colour, icon, status, planned), position in zip(GOALS[unit.id], keys_after(None, 9), strict=False):
            measure = None if planned is None else \
                dataclasses.replace(planned, baseline_on=today - timedelta(weeks=WEEKS_MEASURED))
            goal = Goal(id=f'mal-{position.lower()}{len(goals)}', unit_id=unit.id, name=name, colour=colour,
                        icon=icon, status=status, measure=measure, position=position)
            goals.append(store.save_goal(goal))
            if measure is not None:
                store.record_goal_values(unit.id, _weekly_values(goal.id, measure, today=today, rng=rng))
        count = 8 if unit.id.startswith(('solsiden', 'nav')) else 6
        cards = _sample_cards(unit.id, goals, titles, count=count, now=now, today=today, rng=rng)
        cards += _history(unit.id, ideas, now=now, rng=rng)
        store.import_cards(unit.id, cards)
        if unit.id != 'teknisk-drift':  # one unit without a board meeting yet, for the leaders' overview
            started = now - timedelta(days=rng.randint(2, 9), hours=2)
            store.record_meeting(Meeting(id=f'{unit.id}-demo-meeting', unit_id=unit.id, started_at=started,
                                         ended_at=started + timedelta(minutes=15), present=rng.randint(4, 12),
                                         decisions=(DECISIONS[KINDS[unit.id]],)))
            # a weekly meeting time (Tuesday to Thursday, morning or after lunch): the leaders' briefs go the
            # afternoon before, to <data>/outbox-mail/ in the demo
            number = UNITS.index(unit)
            store.set_meeting_time(unit.id, MeetingTime(weekday=2 + number % 3, at=time(9 if number % 2 else 13)))
    _leaders_rhythm(store)
    return True


def _leaders_rhythm(store: Store) -> None:
    """A card lifted to its area's board (the hub puts it there when it starts) and a leader's question waiting
    for the next meeting, so the demo shows both."""
    unit = 'solsiden-avd-1'
    lifted = store.create_card(unit, CardFields(title='Heisen står stille flere ganger i uka',
                                                description='Beboere i rullestol kommer seg ikke ut.'))
    store.escalate(unit, lifted.id, 'Bygget eies av kommunen: vi kan ikke bestille reparasjon selv')
    store.add_leader_note(unit, NoteKind.QUESTION, 'Hvordan går det med fallene etter at dere flyttet rullatorene?',
                          origin=Origin.LEADER, by='Lise Leder')
    store.add_leader_note('nav-kontoret', NoteKind.PRAISE, 'Takk for at dere tok imot så mange nye brukere i høst!',
                          origin=Origin.LEADER, by='Lise Leder')


def _gain(rng: random.Random, column: Column, started: date, today: date) -> Gain | None:
    """A plausible gain: most improvements free an hour or a few a week; finished ones are often confirmed."""
    if column == Column.IDEAS or rng.random() < 0.35:
        return None
    categories = tuple(rng.sample(list(GainCategory), rng.choice((1, 1, 2))))
    realised = column == Column.DONE and rng.random() < 0.7
    realised_on = min(today, started + timedelta(days=rng.randint(14, 60))) if realised else None
    common: dict[str, Any] = {'categories': categories, 'identified_on': started,
              'status': GainStatus.REALISED if realised else GainStatus.IDENTIFIED, 'realised_on': realised_on,
              'confirmed_by': 'Enhetsleder' if realised else '',
              'amount_nok': rng.choice((None, None, 25_000, 60_000, 150_000))}
    if rng.random() < 0.5:
        return Gain.per_day(rng.choice((10, 15, 20, 30)), rng.choice((5, 7)), **common)
    return Gain(hours_per_week=rng.choice((1.0, 2.0, 3.5, 5.0, 7.5, 15.0)), **common)


def _history(unit_id: str, ideas: list[str], *, now: datetime, rng: random.Random, count: int = 10) -> list[Card]:
    """Finished cards of the last two years, so the gains have quarters to show (they go to the archive)."""
    cards = []
    for index in range(count):
        finished = now - timedelta(days=rng.randint(35, 720))
        started = finished - timedelta(days=rng.randint(14, 60))
        cards.append(Card(id=f'{unit_id}-history-{index}', unit_id=unit_id, title=rng.choice(ideas),
                          column=Column.DONE, position='V', created_at=started - timedelta(days=7),
                          started_at=started, finished_at=finished,
                          gain=_gain(rng, Column.DONE, started.date(), finished.date())))
    return cards


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
        gain = _gain(rng, column, (started or created).date(), today)
        cards.append(Card(id=f'{unit_id}-demo-{index}', unit_id=unit_id, column=column,
                          position=next(positions[column]), origin=origin, changed_origin=origin,
                          created_at=created, started_at=started, finished_at=finished,
                          title=fields.title, goal_id=fields.goal_id, owner=fields.owner, due=fields.due,
                          pdca=fields.pdca, quick_win=fields.quick_win, gain=gain))
    return cards


#: the demo's accounts: (user name, name, role); each gets a random password on first start
DEMO_USERS = (('admin', 'Demo-administrator', Grant(Scope.ADMIN)),
              ('leder', 'Kommunedirektørens ledergruppe', Grant(Scope.ORGANISATION)),
              ('helse', 'Kommunalsjef helse og omsorg', Grant(Scope.AREA, 'helse-og-omsorg')),
              ('solsiden1', 'Enhetsleder Solsiden avd. 1', Grant(Scope.UNIT, 'solsiden-avd-1')))


def demo_logins(store: Store, secrets_dir: Path) -> list[tuple[str, str]]:
    """The demo's user names and passwords: made once with random passwords, kept in the data folder.

    Nothing secret is in the repository: the passwords are generated on this machine, stored hashed in the store
    and in plain text only in ``<data>/secrets/demo-logins.json`` (readable by this user only) so the demo can
    show them on start.
    """
    path = secrets_dir / 'demo-logins.json'
    if path.exists():
        return [tuple(pair) for pair in json.loads(path.read_text())]
    if store.accounts.all():
        return []  # someone made their own users: leave them alone
    logins = []
    for username, name, grant in DEMO_USERS:
        password = '-'.join(secrets.choice(_WORDS) for _ in range(3)) + f'-{secrets.randbelow(100)}'
        # an address in the reserved .example domain: the demo writes its mails to <data>/outbox-mail/ (no server)
        store.accounts.save(User(username=username, name=name, password_hash=hash_password(password), grants=(grant,),
                                 email=f'{username}@kommune.example' if grant.scope != Scope.ADMIN else ''))
        logins.append((username, password))
    secrets_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, json.dumps(logins).encode(), mode=0o600)
    return logins


_WORDS = ('fjord', 'bakke', 'tavle', 'kaffe', 'skole', 'vinter', 'sykkel', 'bjørk', 'lykt', 'trapp', 'elg', 'måke',
          'hytte', 'brygge', 'skog', 'fjell', 'bro', 'båt', 'snø', 'sol')


#: weeks of values each demo goal with a measure has, so its run chart shows something to read
WEEKS_MEASURED = 16


def _weekly_values(goal_id: str, measure: Measure, *, today: date,
                   rng: random.Random) -> list[tuple[str, date, float]]:
    """A value each Monday since the baseline until last week (this week's is entered in the demo's meeting):
    moving part of the way towards the target, with week-to-week noise."""
    start = measure.baseline if measure.baseline is not None else measure.target
    monday = today - timedelta(days=today.weekday())
    values = []
    for week in range(WEEKS_MEASURED, 0, -1):
        progress = (WEEKS_MEASURED - week) / WEEKS_MEASURED * 0.7
        noise = rng.uniform(-0.08, 0.08) * abs(measure.target - start)
        value = max(0.0, start + (measure.target - start) * progress + noise)
        if measure.highest is not None:
            value = min(value, measure.highest)
        values.append((goal_id, monday - timedelta(weeks=week), round(value, 1)))  # up to last week
    return values
