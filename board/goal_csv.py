"""Goal values to and from a CSV file that Norwegian Excel opens and saves: ``Mål;Dato;Verdi;Måleenhet``.

Export: UTF-8 with a byte-order mark (Excel then shows æøå), ``;`` between fields, a decimal comma and dates as
23.11.2026; a cell that starts like a formula gets an apostrophe, as in the other reports.

Import reads what Excel writes back and what people type: the BOM or none, CRLF or LF, Windows-1252 from an
older Excel, a decimal comma or point, 23.11.2026 or 2026-11-23, a goal by its name or its id. It only reads: the
rows are checked here (each problem named by its row, as Excel numbers it) and then stored all at once, or not at
all, by ``Store.record_goal_values``, which checks every value again by the same rule as an entry at the wall.
The file's size and its number of rows are capped before anything is parsed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .domain import Goal, GoalValue, Problem, validate_goal_value
from .i18n import Translator
from .numbers import parse_number

__all__ = ['HEADER', 'MAX_BYTES', 'MAX_PROBLEMS', 'MAX_ROWS', 'ImportProblem', 'ImportRefused', 'export_values',
           'parse_values']

#: the columns, in Norwegian whatever the UI's language: the file is the municipality's, read and written in Excel
HEADER = ('Mål', 'Dato', 'Verdi', 'Måleenhet')
#: a unit's values for years fit in far less (260 weekly values of ten goals: about 90 kB)
MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
#: problems listed for one file; the rest are counted
MAX_PROBLEMS = 20

_FORMULA_START = ('=', '+', '-', '@', '\t', '\r')
_HEADINGS = {
    'goal': {'mål', 'maal', 'goal', 'mål-id', 'goal_id', 'goal id'},
    'date': {'dato', 'date'},
    'value': {'verdi', 'value'},
}
_DOTTED = re.compile(r'(\d{1,2})[./](\d{1,2})[./](\d{4})')
_ISO = re.compile(r'(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?')


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A problem with the file (``row`` None) or with one row (numbered as Excel shows it: the header is row 1)."""
    row: int | None
    problem: Problem

    def message(self, t: Translator) -> str:
        text = t(self.problem.key, **self.problem.params)
        return text if self.row is None else t('error.csv_row', row=self.row, problem=text)


class ImportRefused(ValueError):
    """The file cannot be imported; nothing was stored. ``problems`` say why, ``more`` how many were not listed."""

    def __init__(self, problems: Iterable[ImportProblem], more: int = 0) -> None:
        self.problems = tuple(problems)
        self.more = more
        super().__init__('; '.join(f'{p.row}: {p.problem.key}' for p in self.problems))


def export_values(goals: Iterable[Goal], values: Iterable[GoalValue]) -> bytes:
    """A unit's goal values, by goal name and date, as Excel reads them."""
    by_id = {g.id: g for g in goals}
    rows = []
    for value in values:
        goal = by_id.get(value.goal_id)
        if goal is None or value.deleted:
            continue
        rows.append((goal.name.casefold(), value.on, goal.name, _number(value.value),
                     goal.measure.unit if goal.measure else ''))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=';', lineterminator='\r\n')
    writer.writerow(HEADER)
    for _, on, name, number, unit in sorted(rows):
        writer.writerow([_safe_cell(name), on.strftime('%d.%m.%Y'), number, _safe_cell(unit)])
    return '\ufeff'.encode() + out.getvalue().encode('utf-8')


def parse_values(data: bytes, goals: Iterable[Goal], *, today: date) -> list[tuple[str, date, float]]:
    """The values in a file, as (goal id, date, value) for ``Store.record_goal_values``.

    ``today``: the board's date (a value may not be in the future). Raises :class:`ImportRefused` listing the
    problems, row by row, if anything in the file is wrong: then none of it is to be stored.
    """
    if len(data) > MAX_BYTES:
        raise ImportRefused([ImportProblem(None, Problem('file', 'error.csv_too_big', {'max': MAX_BYTES // 1024}))])
    text = _decode(data)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), '')
    delimiter = ';' if ';' in header_line else '\t' if '\t' in header_line else ','
    records = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text, newline=''), delimiter=delimiter),
                                                 start=1) if any(cell.strip() for cell in row)]
    if not records:
        raise ImportRefused([ImportProblem(None, Problem('file', 'error.csv_empty'))])
    columns = _columns(records[0][1])
    if columns is None:
        raise ImportRefused([ImportProblem(1, Problem('file', 'error.csv_header'))])
    rows = records[1:]
    if not rows:
        raise ImportRefused([ImportProblem(None, Problem('file', 'error.csv_empty'))])
    if len(rows) > MAX_ROWS:
        raise ImportRefused([ImportProblem(None, Problem('file', 'error.csv_too_many_rows', {'max': MAX_ROWS}))])
    goals = list(goals)
    by_id = {g.id: g for g in goals}
    by_name: dict[str, Goal] = {}
    for goal in goals:
        by_name.setdefault(goal.name.strip().casefold(), goal)
    found: list[tuple[str, date, float]] = []
    problems: list[ImportProblem] = []
    for number, row in rows:
        entered = _read_row(row, columns, by_id, by_name, today)
        if isinstance(entered, Problem):
            problems.append(ImportProblem(number, entered))
        else:
            found.append(entered)
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS], max(0, len(problems) - MAX_PROBLEMS))
    return found


def _read_row(row: list[str], columns: dict[str, int], by_id: dict[str, Goal], by_name: dict[str, Goal],
              today: date) -> tuple[str, date, float] | Problem:
    if len(row) <= max(columns.values()):
        return Problem('row', 'error.csv_columns')
    goal_text, date_text, value_text = (_unsafe_cell(row[columns[name]].strip())
                                        for name in ('goal', 'date', 'value'))
    goal = by_id.get(goal_text) or by_name.get(goal_text.casefold())
    if goal is None:
        return Problem('goal', 'error.csv_unknown_goal', {'text': _shown(goal_text)})
    try:
        value = parse_number(value_text)
    except ValueError:
        return Problem('value', 'error.csv_not_number', {'text': _shown(value_text)})
    on = _parse_day(date_text)
    if on is None:
        return Problem('date', 'error.csv_bad_date', {'text': _shown(date_text)})
    checked = validate_goal_value(GoalValue(goal_id=goal.id, unit_id=goal.unit_id, on=on, value=value), goal,
                                  today=today)
    if checked:
        return checked[0]
    return goal.id, on, value


def _columns(header: list[str]) -> dict[str, int] | None:
    """Where the goal, the date and the value are, by their headings (any order, any case; more columns are fine)."""
    names = [cell.strip().lstrip('\ufeff').casefold() for cell in header]
    columns = {}
    for key, accepted in _HEADINGS.items():
        index = next((i for i, name in enumerate(names) if name in accepted), None)
        if index is None:
            return None
        columns[key] = index
    return columns


def _decode(data: bytes) -> str:
    try:
        return data.decode('utf-8-sig')
    except UnicodeDecodeError:
        # "CSV (semikolonseparert)" from Excel on Windows is Windows-1252: æøå as single bytes
        return data.decode('cp1252', errors='replace')


def _parse_day(text: str) -> date | None:
    try:
        if match := _DOTTED.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _ISO.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _number(value: float) -> str:
    """3,5 and 2 (never 2,0 or 1E+2): what a person would type, with a decimal comma."""
    return format(Decimal(repr(value)).normalize(), 'f').replace('.', ',')


def _shown(text: str) -> str:
    """A cell quoted in a message: short, on one line."""
    text = ' '.join(text.split())
    return text if len(text) <= 40 else text[:39] + '…'


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _unsafe_cell(value: str) -> str:
    """What :func:`_safe_cell` wrote, back as it was (Excel keeps the apostrophe only when a file is saved)."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value
