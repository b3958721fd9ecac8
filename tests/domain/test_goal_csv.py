"""Goal values to and from CSV for Excel (issue 15): round trip, what Excel writes, and every bad file stores
nothing."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from board.domain import RuleViolation
from board.goal_csv import MAX_BYTES, MAX_ROWS, ImportRefused, export_values, parse_values
from board.i18n import translator

from ..factories import UNIT


def goals_of(store):
    return store.goals(UNIT, retired=True)


def import_into(store, data: bytes) -> None:
    """What the leaders' page does: parse, then store all at once."""
    rows = parse_values(data, goals_of(store), today=store.local_now().date())
    store.record_goal_values(UNIT, rows, by='Kari')


def refused(store, data: bytes) -> list[str]:
    before = store.all_goal_values(UNIT)
    with pytest.raises(ImportRefused) as error:
        import_into(store, data)
    assert store.all_goal_values(UNIT) == before  # nothing stored
    t = translator('nb')
    return [p.message(t) for p in error.value.problems]


def test_export_then_import_gives_the_same_values(store):
    today = store.local_now().date()
    entered = [('ventetid', today - timedelta(weeks=n), 3.1 - n / 10) for n in range(5)] + \
              [('ventetid', today - timedelta(weeks=9), 1250.25)]
    store.record_goal_values(UNIT, entered)
    data = export_values(goals_of(store), store.all_goal_values(UNIT))
    assert data.startswith('\ufeff'.encode())
    text = data.decode('utf-8-sig')
    assert text.splitlines()[0] == 'Mål;Dato;Verdi;Måleenhet'
    assert f'Kortere ventetid;{today:%d.%m.%Y};3,1;dager\r\n' in text
    assert '1250,25' in text
    for value in store.all_goal_values(UNIT):  # delete everything, then bring it back from the file
        store.set_goal_value_deleted(UNIT, value.goal_id, value.on, True)
    assert store.all_goal_values(UNIT) == []
    import_into(store, data)
    assert sorted((v.goal_id, v.on, v.value) for v in store.all_goal_values(UNIT)) == \
        sorted((g, d, pytest.approx(v)) for g, d, v in entered)


def test_a_file_as_excel_saves_it_is_read(store):
    data = ('\ufeffMÅL;dato;Verdi;Måleenhet\r\n'
            'Kortere ventetid;02.11.2026;2,5;dager\r\n'
            '\r\n'
            'ventetid;2026-11-09;2.75;\r\n'
            ' kortere VENTETID ;16.11.2026;"3,0";dager\r\n').encode()
    import_into(store, data)
    assert [(v.on, v.value) for v in store.goal_values(UNIT, 'ventetid')] == [
        (date(2026, 11, 2), 2.5), (date(2026, 11, 9), 2.75), (date(2026, 11, 16), 3.0)]
    assert {v.by for v in store.goal_values(UNIT, 'ventetid')} == {'Kari'}


def test_windows_1252_from_an_older_excel_keeps_its_letters(store):
    store.save_goal(replace(store.goal(UNIT, 'ventetid'), id='sovn', name='Søvnkvalitet på natt'))
    import_into(store, 'Mål;Dato;Verdi\r\nSøvnkvalitet på natt;01.11.2026;4\r\n'.encode('cp1252'))
    assert [v.value for v in store.goal_values(UNIT, 'sovn')] == [4.0]


@pytest.mark.parametrize(('rows', 'message'), [
    ('Kortere ventetid;02.11.2026;abc', 'Rad 3: «abc» er ikke et tall.'),
    ('Kortere ventetid;02.11.2026;', 'Rad 3: «» er ikke et tall.'),
    ('Kortere ventetid;31.02.2026;2', 'Rad 3: «31.02.2026» er ikke en dato (skriv for eksempel 23.11.2026).'),
    ('Kortere ventetid;{future};2', 'Rad 3: Datoen kan ikke være fram i tid.'),
    ('Lengre ventetid;02.11.2026;2', 'Rad 3: Fant ikke målet «Lengre ventetid» på tavla.'),
    ('Trivsel;02.11.2026;2', 'Rad 3: Målet har ingen måling ennå. Legg inn måleenhet og målverdi først.'),
    ('Kortere ventetid;02.11.2026;1e400', 'Rad 3: «1e400» er ikke et tall.'),
    ('Kortere ventetid', 'Rad 3: raden har for få kolonner.'),
])
def test_each_bad_row_is_named_and_nothing_is_stored(store, rows, message):
    future = (store.local_now().date() + timedelta(days=1)).strftime('%d.%m.%Y')
    data = f'Mål;Dato;Verdi\r\nKortere ventetid;01.11.2026;2\r\n{rows.format(future=future)}\r\n'.encode()
    assert refused(store, data) == [message]


def test_a_value_outside_the_measures_range_is_refused(store):
    goal = store.goal(UNIT, 'ventetid')
    store.save_goal(replace(goal, measure=replace(goal.measure, lowest=0, highest=30)))
    [message] = refused(store, 'Mål;Dato;Verdi\r\nventetid;01.11.2026;31\r\n'.encode())
    assert message.startswith('Rad 2: Verdien må være mellom 0')


def test_too_big_too_long_or_not_a_table_is_refused_before_parsing(store):
    assert refused(store, b'x' * (MAX_BYTES + 1)) == ['Filen er for stor: høyst 1024 kB.']
    many = 'Mål;Dato;Verdi\n' + 'ventetid;01.11.2026;2\n' * (MAX_ROWS + 1)
    assert refused(store, many.encode()) == [f'Filen har for mange rader: høyst {MAX_ROWS}.']
    assert refused(store, b'Navn;Tall\nventetid;2\n') == [
        'Rad 1: Første rad må ha overskriftene Mål;Dato;Verdi (Måleenhet kan være med).']
    assert refused(store, '\ufeff\r\n'.encode()) == ['Filen har ingen verdier.']


def test_a_name_that_looks_like_a_formula_goes_out_safe_and_comes_back(store):
    goal = store.goal(UNIT, 'ventetid')
    store.save_goal(replace(goal, name='=SUM(A1)'))
    store.record_goal_values(UNIT, [('ventetid', date(2026, 11, 2), 2)])
    data = export_values(goals_of(store), store.all_goal_values(UNIT))
    assert "'=SUM(A1);02.11.2026;2;dager" in data.decode('utf-8-sig')
    store.set_goal_value_deleted(UNIT, 'ventetid', date(2026, 11, 2), True)
    import_into(store, data)
    assert [v.value for v in store.goal_values(UNIT, 'ventetid')] == [2.0]


def test_the_store_still_refuses_all_of_a_file_past_the_units_limit(store, monkeypatch):
    from board.store import core
    monkeypatch.setattr(core, 'MAX_GOAL_VALUES', 2)
    with pytest.raises(RuleViolation):
        import_into(store, 'Mål;Dato;Verdi\nventetid;01.11.2026;2\nventetid;02.11.2026;2\nventetid;03.11.2026;2\n'
                    .encode())
    assert store.all_goal_values(UNIT) == []
