"""Reading a municipality's organisation (service areas and units) from a CSV or TOML file, for the import.

CSV, as exported from Excel or the HR system (``;``, ``,`` or tab; UTF-8 with or without BOM), one unit per row::

    tjenesteområde;enhet
    Helse og omsorg;Solsiden sykehjem, avdeling 2
    Oppvekst;Nordby skole

Optional columns ``tjenesteområde_id`` and ``enhet_id`` give the ids used in addresses (``/units/<enhet_id>``);
without them ids are made from the names (``solsiden-sykehjem-avdeling-2``). Optional columns ``møtedag`` (the
weekday: ``tirsdag``, ``tir`` or 1-7 from Monday) and ``møtetid`` (``09:00``) give the unit's weekly board meeting,
which the leaders' brief is sent before; an empty cell leaves the unit's meeting time as it is. English headers
(``service_area``, ``unit``, ``service_area_id``, ``unit_id``, ``meeting_day``, ``meeting_time``) work too.

The rollout (CSV only) may come in the same file: ``fase`` (forberedelse, opplæring, veiledning, evaluert), the date
each phase began in the columns ``forberedelse``, ``opplæring``, ``veiledning`` and ``evaluert`` (``2026-03-02`` or
``02.03.2026``), ``opplært`` (staff trained) and ``veileder`` (the coach); a row with none of them leaves the unit's
rollout as it is. English: ``phase``, ``preparation``, ``training``, ``coaching``, ``evaluated``, ``trained``,
``coach``. The rollout is checked as on the rollout page (phases in order, no dates in the future). TOML::

    name = "Eksempel kommune"
    [[service_areas]]
    id = "helse"
    name = "Helse og omsorg"
    units = [{ id = "solsiden-2", name = "Solsiden sykehjem, avdeling 2", meeting_day = "tirsdag",
               meeting_time = "09:00" }]

Every problem is reported with its line (CSV) or place (TOML), and nothing is imported while any remains.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .domain import NAME_MAX, ServiceArea, Unit
from .domain.meeting_time import MeetingTime
from .domain.programme import Phase, UnitRollout

__all__ = ['OrganisationFile', 'OrganisationFileError', 'parse_organisation', 'parse_organisation_bytes',
           'parse_weekday', 'slug']

_ID = re.compile(r'^[a-z0-9][a-z0-9_-]{0,62}$')
_HEADERS = {
    'area': ('tjenesteområde', 'tjenesteomrade', 'service_area', 'service area', 'område'),
    'area_id': ('tjenesteområde_id', 'tjenesteomrade_id', 'service_area_id'),
    'unit': ('enhet', 'unit', 'navn', 'name'),
    'unit_id': ('enhet_id', 'unit_id', 'id'),
    'meeting_day': ('møtedag', 'motedag', 'meeting_day', 'meeting day'),
    'meeting_time': ('møtetid', 'motetid', 'meeting_time', 'meeting time'),
    'phase': ('fase', 'phase'),
    'date_preparation': ('forberedelse', 'preparation'),
    'date_training': ('opplæring', 'opplaering', 'training'),
    'date_coaching': ('veiledning', 'coaching'),
    'date_evaluated': ('evaluert', 'evaluated'),
    'trained': ('opplært', 'opplaert', 'trained'),
    'coach': ('veileder', 'coach'),
}
_ROLLOUT_KEYS = ('phase', 'date_preparation', 'date_training', 'date_coaching', 'date_evaluated', 'trained', 'coach')
#: the phases as people write them
_PHASES = {name: phase for phase, names in (
    (Phase.PREPARATION, ('forberedelse', 'preparation')), (Phase.TRAINING, ('opplæring', 'opplaering', 'training')),
    (Phase.COACHING, ('veiledning', 'coaching')), (Phase.EVALUATED, ('evaluert', 'evaluated'))) for name in names}
#: weekdays as people write them, Norwegian and English, whole or the first three letters (ISO numbers: Monday 1)
_WEEKDAYS = {name: number for number, names in enumerate(
    (('mandag', 'monday'), ('tirsdag', 'tuesday'), ('onsdag', 'wednesday'), ('torsdag', 'thursday'),
     ('fredag', 'friday'), ('lørdag', 'lordag', 'saturday'), ('søndag', 'sondag', 'sunday')), start=1)
    for whole in names for name in (whole, whole[:3])}


class OrganisationFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__('the organisation file has problems; nothing was imported:\n  ' + '\n  '.join(problems))


@dataclass
class OrganisationFile:
    name: str = ''
    areas: list[ServiceArea] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    #: the weekly meeting time of the units that give one
    meeting_times: dict[str, MeetingTime] = field(default_factory=dict)
    #: the rollout of the units that give one (CSV), checked against the store when imported (``board.admin``)
    rollouts: dict[str, UnitRollout] = field(default_factory=dict)


def parse_weekday(text: object) -> int:
    """An ISO weekday (1 Monday ... 7 Sunday) from ``tirsdag``, ``tir``, ``Tuesday`` or ``2``; raises ValueError."""
    word = str(text).strip().casefold().rstrip('.')
    if word.isdigit() and 1 <= int(word) <= 7:
        return int(word)
    if word in _WEEKDAYS:
        return _WEEKDAYS[word]
    raise ValueError(f'meeting day {text!r}: write a weekday such as "tirsdag" (or 1-7 from Monday)')


def _meeting_time(day: object, at: object) -> MeetingTime | None:
    """The unit's meeting time from its optional day and time (None if both are empty); raises ValueError."""
    if not str(day or '').strip() and not str(at or '').strip():
        return None
    if not str(day or '').strip() or not str(at or '').strip():
        raise ValueError('a meeting time needs both the day (møtedag) and the time (møtetid, such as "09:00")')
    return MeetingTime.parse(parse_weekday(day), str(at))


def _date(text: str) -> date:
    text = text.strip()
    if re.fullmatch(r'\d{1,2}\.\d{1,2}\.\d{4}', text):
        day, month, year = (int(p) for p in text.split('.'))
        return date(year, month, day)
    return date.fromisoformat(text)


def _rollout(unit_id: str, cells: dict[str, str]) -> UnitRollout | None:
    """A unit's rollout from its row's cells (None if it gives none); raises ValueError."""
    if not any(cells.values()):
        return None
    phase = _PHASES.get(cells['phase'].casefold())
    if phase is None:
        raise ValueError(f'phase {cells["phase"]!r}: write forberedelse, opplæring, veiledning or evaluert')
    try:
        dates = {p: _date(cells[f'date_{p.value}']) for p in Phase if cells[f'date_{p.value}']}
    except ValueError as error:
        raise ValueError(f'a phase date cannot be read ({error}): write 2026-03-02 or 02.03.2026') from None
    trained = cells['trained'] or '0'
    if not trained.isdigit():
        raise ValueError(f'staff trained {trained!r}: write a whole number of 0 or more')
    return UnitRollout(unit_id=unit_id, phase=phase, dates=dates, trained=int(trained), coach=cells['coach'])


def slug(text: str) -> str:
    """An id for an address from a Norwegian name: «Solsiden sykehjem, avd. 2» -> ``solsiden-sykehjem-avd-2``."""
    text = text.casefold().replace('æ', 'ae').replace('ø', 'o').replace('å', 'a')
    text = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode()
    return re.sub(r'[^a-z0-9]+', '-', text).strip('-')[:63].rstrip('-')


def parse_organisation(path: Path) -> OrganisationFile:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise OrganisationFileError([f'{path}: {error.strerror or error}']) from error
    return parse_organisation_bytes(raw, path.name)


def parse_organisation_bytes(raw: bytes, name: str) -> OrganisationFile:
    """The file's content (an upload, say); ``name`` ending in ``.toml`` means TOML, anything else CSV."""
    return _parse_toml(raw) if name.lower().endswith('.toml') else _parse_csv(raw)


def _parse_csv(raw: bytes) -> OrganisationFile:
    try:
        text = raw.decode('utf-8-sig')
    except UnicodeDecodeError as error:
        raise OrganisationFileError(['the file is not UTF-8: in Excel, save it as "CSV UTF-8"']) from error
    lines = text.splitlines()
    if not lines:
        raise OrganisationFileError(['the file is empty'])
    delimiter = max(';,\t', key=lines[0].count)
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = [h.strip().casefold() for h in rows[0]]
    columns = {key: next((header.index(n) for n in names if n in header), None) for key, names in _HEADERS.items()}
    if columns['area'] is None or columns['unit'] is None:
        raise OrganisationFileError([f'line 1: the header needs the columns "tjenesteområde" and "enhet" '
                                     f'(found: {", ".join(rows[0])})'])
    result, problems = OrganisationFile(), []
    areas: dict[str, ServiceArea] = {}

    def cell(row: list[str], key: str) -> str:
        index = columns[key]
        return row[index].strip() if index is not None and index < len(row) else ''

    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        area_name, unit_name = cell(row, 'area'), cell(row, 'unit')
        if not area_name or not unit_name:
            problems.append(f'line {number}: both a service area and a unit name are needed')
            continue
        area = ServiceArea(id=cell(row, 'area_id') or slug(area_name), name=area_name)
        unit = Unit(id=cell(row, 'unit_id') or slug(unit_name), name=unit_name, service_area_id=area.id)
        problems += [f'line {number}: {p}' for p in _check(area, unit)]
        problems += [f'line {number}: {p}' for p in _row_extras(result, unit.id, {k: cell(row, k) for k in _HEADERS})]
        if areas.setdefault(area.id, area).name != area.name:
            problems.append(f'line {number}: service area id {area.id!r} is used for two names')
        result.units.append(unit)
    result.areas = list(areas.values())
    problems += _duplicates(result.units)
    if problems:
        raise OrganisationFileError(problems)
    if not result.units:
        raise OrganisationFileError(['the file has no units'])
    return result


def _row_extras(result: OrganisationFile, unit_id: str, cells: dict[str, str]) -> list[str]:
    """A CSV row's meeting time and rollout into ``result``; the problems with them."""
    problems = []
    try:
        meeting = _meeting_time(cells['meeting_day'], cells['meeting_time'])
    except ValueError as error:
        problems.append(str(error))
    else:
        if meeting is not None:
            result.meeting_times[unit_id] = meeting
    try:
        rollout = _rollout(unit_id, {key: cells[key] for key in _ROLLOUT_KEYS})
    except ValueError as error:
        problems.append(str(error))
    else:
        if rollout is not None:
            result.rollouts[unit_id] = rollout
    return problems


def _parse_toml(raw: bytes) -> OrganisationFile:
    try:
        data = tomllib.loads(raw.decode('utf-8-sig'))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise OrganisationFileError([f'not valid TOML: {error}']) from error
    result, problems = OrganisationFile(name=str(data.get('name', ''))), []
    for number, item in enumerate(data.get('service_areas', []), start=1):
        if not isinstance(item, dict) or not item.get('name'):
            problems.append(f'service area {number}: needs a name')
            continue
        area = ServiceArea(id=str(item.get('id') or slug(item['name'])), name=str(item['name']))
        result.areas.append(area)
        for unit_number, unit_item in enumerate(item.get('units', []), start=1):
            if not isinstance(unit_item, dict) or not unit_item.get('name'):
                problems.append(f'{area.name}, unit {unit_number}: needs a name')
                continue
            unit = Unit(id=str(unit_item.get('id') or slug(unit_item['name'])), name=str(unit_item['name']),
                        service_area_id=area.id)
            problems += [f'{area.name}, unit {unit_number}: {p}' for p in _check(area, unit)]
            try:
                meeting = _meeting_time(unit_item.get('meeting_day'), unit_item.get('meeting_time'))
            except ValueError as error:
                problems.append(f'{area.name}, unit {unit_number}: {error}')
            else:
                if meeting is not None:
                    result.meeting_times[unit.id] = meeting
            result.units.append(unit)
    problems += _duplicates(result.units)
    if problems:
        raise OrganisationFileError(problems)
    if not result.units:
        raise OrganisationFileError(['the file has no units (a [[service_areas]] table with units = [...])'])
    return result


def _check(area: ServiceArea, unit: Unit) -> list[str]:
    problems = []
    for kind, item in (('service area', area), ('unit', unit)):
        if not _ID.match(item.id):
            problems.append(f'{kind} id {item.id!r}: use a-z, 0-9, "-" and "_" (at most 63)')
        if len(item.name) > NAME_MAX:
            problems.append(f'{kind} name {item.name[:20]!r}...: at most {NAME_MAX} characters')
    return problems


def _duplicates(units: list[Unit]) -> list[str]:
    seen: set[str] = set()
    twice = sorted({u.id for u in units if u.id in seen or seen.add(u.id)})  # type: ignore[func-returns-value]
    return [f'unit id {unit_id!r} appears twice: give one of them its own enhet_id' for unit_id in twice]
