"""Users, roles, passwords, sessions and the organisation import: plain Python and the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from board import admin
from board.domain import RuleViolation, Unit
from board.orgfile import OrganisationFileError, parse_organisation, slug
from board.store import Store
from board.store.users import MAX_SESSIONS_PER_USER
from board.users import Grant, Scope, Session, Sessions, User, hash_password, session_key, verify_password

from ..factories import OTHER_UNIT, UNIT


def test_passwords_are_argon2id_hashes_and_verify() -> None:
    hashed = hash_password('en lang og god setning')
    assert hashed.startswith('$argon2id$') and 'setning' not in hashed
    assert verify_password(hashed, 'en lang og god setning')
    assert not verify_password(hashed, 'en lang og god setning!')
    assert not verify_password(None, 'whatever')  # an unknown user
    assert not verify_password('not a hash', 'whatever')


def test_roles_decide_which_units_a_leader_sees(store: Store) -> None:
    a, b = store.unit(UNIT), store.unit(OTHER_UNIT)
    assert a is not None and b is not None

    def user(*grants: str) -> User:
        return User(username='x', name='X', password_hash='', grants=tuple(Grant.parse(g) for g in grants))

    assert user('unit:avd-a').leads(a) and not user('unit:avd-a').leads(b)
    assert user('area:helse').leads(a) and not user('area:helse').leads(b)
    assert user('organisation').leads(b) and user('admin').leads(b)
    assert not user().leads(a)
    assert user('admin').is_admin and not user('organisation').is_admin
    disabled = User(username='x', name='X', password_hash='', grants=(Grant(Scope.ADMIN),), disabled=True)
    assert not disabled.is_admin and not disabled.leads(a)
    with pytest.raises(ValueError):
        Grant.parse('unit')  # a unit role needs the unit
    with pytest.raises(ValueError):
        Grant.parse('boss')


def test_sessions_expire_and_end() -> None:
    now = [datetime(2026, 11, 24, 8, tzinfo=UTC)]
    sessions = Sessions(timedelta(hours=10), now=lambda: now[0])
    token = sessions.create('kari')
    assert sessions.get(token).username == 'kari'  # type: ignore[union-attr]
    assert sessions.get(token + 'x') is None and sessions.get(None) is None
    now[0] += timedelta(hours=9, minutes=59)
    assert sessions.get(token) is not None
    now[0] += timedelta(minutes=1)
    assert sessions.get(token) is None  # expired, and forgotten
    again = sessions.create('kari')
    assert sessions.end_all(['kari']) == 1 and sessions.get(again) is None


def test_set_user_validates_and_ends_logins_when_roles_change(store: Store) -> None:
    sessions = Sessions(timedelta(hours=1))
    with pytest.raises(RuleViolation) as refused:
        admin.set_user(store, 'Kari', grants=[Grant(Scope.UNIT, 'finnes-ikke')], password='kort')
    assert {p.key for p in refused.value.problems} == {'error.password_short', 'error.unknown_unit'}
    assert store.accounts.all() == []
    kari = admin.set_user(store, ' Kari ', name='Kari Nordmann', grants=[Grant(Scope.UNIT, UNIT)],
                          password='et langt passord')
    assert kari.username == 'kari' and verify_password(store.accounts.user('kari').password_hash, 'et langt passord')
    token = sessions.create('kari')
    admin.set_user(store, 'kari', name='Kari N.', sessions=sessions)  # a new name keeps her logged in
    assert sessions.get(token) is not None
    admin.set_user(store, 'kari', grants=[Grant(Scope.AREA, 'helse')], sessions=sessions)
    assert sessions.get(token) is None  # a changed role: log in again
    assert store.accounts.user('kari').grants == (Grant(Scope.AREA, 'helse'),)  # type: ignore[union-attr]
    with pytest.raises(RuleViolation):
        admin.set_user(store, 'Å ugyldig', password='et langt passord')


def test_stored_sessions_come_back_without_the_expired_ones() -> None:
    now = datetime(2026, 11, 24, 8, tzinfo=UTC)
    stored = {'a': Session('kari', now - timedelta(hours=1), now + timedelta(hours=1)),
              'b': Session('ola', now - timedelta(hours=11), now - timedelta(hours=1))}
    sessions = Sessions(timedelta(hours=10), now=lambda: now, stored=stored)
    assert len(sessions) == 1
    token, key, session = sessions.new('per')
    assert key == session_key(token) and session.expires == now + timedelta(hours=10)
    assert sessions.get(token) is None  # made, not yet added
    sessions.add(key, session)
    assert sessions.get(token) == session
    assert sessions.end(token) == key and sessions.get(token) is None
    assert sessions.end(None) is None and session_key('x' * 201) is None


def test_sessions_are_stored_hashed_and_a_changed_user_takes_them_along(store: Store) -> None:
    admin.set_user(store, 'kari', name='Kari', grants=[Grant(Scope.UNIT, UNIT)], password='et langt passord')
    now = datetime(2026, 11, 24, 8, tzinfo=UTC)
    sessions = Sessions(timedelta(hours=10), now=lambda: now)
    token, key, session = sessions.new('kari')
    store.accounts.add_session(key, session, now=now)
    assert store.accounts.sessions() == {key: session}
    assert token not in (store.folder / 'users.json').read_text()
    admin.set_user(store, 'kari', name='Kari N.')  # a new name keeps the login
    assert key in store.accounts.sessions()
    admin.set_user(store, 'kari', password='et nytt langt passord')  # no hub runs: the stored ones go all the same
    assert store.accounts.sessions() == {}
    # expired ones go with the next login, and a user keeps at most a few dozen
    old = Session('kari', now - timedelta(hours=20), now - timedelta(hours=10))
    store.accounts.add_session('old', old, now=old.created)
    for n in range(MAX_SESSIONS_PER_USER + 5):
        store.accounts.add_session(f'k{n}', Session('kari', now + timedelta(seconds=n), now + timedelta(hours=9)),
                                   now=now)
    kept = store.accounts.sessions()
    assert 'old' not in kept and len(kept) == MAX_SESSIONS_PER_USER and f'k{MAX_SESSIONS_PER_USER + 4}' in kept
    assert store.accounts.end_sessions(['k24', 'nope']) == 1 and store.accounts.end_sessions(['nope']) == 0
    assert store.accounts.end_sessions_of(['kari']) == MAX_SESSIONS_PER_USER - 1
    assert store.accounts.remove('kari') and store.accounts.sessions() == {}


def test_users_survive_a_restart_without_their_passwords_in_the_file(store: Store) -> None:
    admin.set_user(store, 'ola', grants=[Grant(Scope.ADMIN)], password='hemmelig passord 123')
    folder = store.folder
    store.close()
    assert 'hemmelig' not in (folder / 'users.json').read_text()
    reopened = Store(folder).open()
    try:
        assert reopened.accounts.user('ola').is_admin  # type: ignore[union-attr]
    finally:
        reopened.close()


# --- the organisation import ---

def test_csv_from_excel_with_bom_semicolons_and_norwegian_letters(tmp_path: Path, store: Store) -> None:
    path = tmp_path / 'org.csv'
    path.write_bytes('\ufefftjenesteområde;enhet\r\nHelse og omsorg;Solsiden sykehjem, avdeling 2\r\n'
                     'Oppvekst;Østre Åsen skole\r\n;\r\nOppvekst;Tusenfryd barnehage\r\n'.encode())
    parsed = parse_organisation(path)
    assert [a.id for a in parsed.areas] == ['helse-og-omsorg', 'oppvekst']
    assert [u.id for u in parsed.units] == ['solsiden-sykehjem-avdeling-2', 'ostre-asen-skole', 'tusenfryd-barnehage']
    assert parsed.units[1].name == 'Østre Åsen skole'
    assert admin.import_organisation(store, parsed) == (1, 3)  # 'oppvekst' was there already
    assert admin.import_organisation(store, parsed) == (0, 0)  # again: nothing new, nothing lost
    assert store.unit('ostre-asen-skole').service_area_id == 'oppvekst'  # type: ignore[union-attr]
    assert store.cards('ostre-asen-skole') == []


def test_a_bad_file_names_every_problem_and_imports_nothing(tmp_path: Path, store: Store) -> None:
    path = tmp_path / 'org.csv'
    path.write_text('tjenesteområde,enhet,enhet_id\nHelse,Avd 1,avd-1\nHelse,Avd 1 igjen,avd-1\n'
                    'Helse,,x\nHelse,Ugyldig,Ikke Gyldig\n', encoding='utf-8')
    with pytest.raises(OrganisationFileError) as error:
        parse_organisation(path)
    problems = '\n'.join(error.value.problems)
    assert 'line 4' in problems and 'line 5' in problems and "'avd-1' appears twice" in problems
    path.write_text('navn;adresse\nx;y\n', encoding='utf-8')
    with pytest.raises(OrganisationFileError, match='tjenesteområde'):
        parse_organisation(path)
    path.write_bytes('tjenesteområde;enhet\nHelse;Avd\n'.encode('cp1252'))
    with pytest.raises(OrganisationFileError, match='UTF-8'):
        parse_organisation(path)
    before = store.organisation
    with pytest.raises(ValueError):
        store.import_organisation([], [Unit(id='ny', name='Ny', service_area_id='mangler')])
    assert store.organisation == before


def test_toml_organisation(tmp_path: Path) -> None:
    path = tmp_path / 'org.toml'
    path.write_text('name = "Eksempel kommune"\n[[service_areas]]\nid = "nav"\nname = "NAV"\n'
                    'units = [{ id = "nav-sentrum", name = "NAV Sentrum" }, { name = "NAV Øst" }]\n', encoding='utf-8')
    parsed = parse_organisation(path)
    assert parsed.name == 'Eksempel kommune'
    assert [(u.id, u.service_area_id) for u in parsed.units] == [('nav-sentrum', 'nav'), ('nav-ost', 'nav')]
    assert slug('Bjørkelia bo- og behandlingssenter') == 'bjorkelia-bo-og-behandlingssenter'
