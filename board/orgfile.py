"""Reading a municipality's organisation (service areas and units) from a CSV or TOML file, for the import.

CSV, as exported from Excel or the HR system (``;``, ``,`` or tab; UTF-8 with or without BOM), one unit per row::

    tjenesteområde;enhet
    Helse og omsorg;Solsiden sykehjem, avdeling 2
    Oppvekst;Nordby skole

Optional columns ``tjenesteområde_id`` and ``enhet_id`` give the ids used in addresses (``/units/<enhet_id>``);
without them ids are made from the names (``solsiden-sykehjem-avdeling-2``). English headers (``service_area``,
``unit``, ``service_area_id``, ``unit_id``) work too. TOML::

    name = "Eksempel kommune"
    [[service_areas]]
    id = "helse"
    name = "Helse og omsorg"
    units = [{ id = "solsiden-2", name = "Solsiden sykehjem, avdeling 2" }]

Every problem is reported with its line (CSV) or place (TOML), and nothing is imported while any remains.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .domain import NAME_MAX, ServiceArea, Unit

__all__ = ['OrganisationFile', 'OrganisationFileError', 'parse_organisation', 'parse_organisation_bytes', 'slug']

_ID = re.compile(r'^[a-z0-9][a-z0-9_-]{0,62}$')
_HEADERS = {
    'area': ('tjenesteområde', 'tjenesteomrade', 'service_area', 'service area', 'område'),
    'area_id': ('tjenesteområde_id', 'tjenesteomrade_id', 'service_area_id'),
    'unit': ('enhet', 'unit', 'navn', 'name'),
    'unit_id': ('enhet_id', 'unit_id', 'id'),
}


class OrganisationFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__('the organisation file has problems; nothing was imported:\n  ' + '\n  '.join(problems))


@dataclass
class OrganisationFile:
    name: str = ''
    areas: list[ServiceArea] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)


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
