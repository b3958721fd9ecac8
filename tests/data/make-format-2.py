"""Writes tests/data/format-2 with the format-2 release (this commit): format-1's folder brought to format 2,
plus one of each record format 2 added: card logs, a card in Slettet (deleted, restorable), a restored card,
stored logins, an identity-provider account. Run from the repository's root on that release."""
# ruff: noqa: E402 (the repository's root goes on the path before the project's modules are imported)
import json
import shutil
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, '.')
from board.domain import CardFields, Column, FishboneHeading, Origin
from board.store import Store
from board.store.acting import acting_from, address_source, wall_source
from board.store.files import FORMAT
from board.users import Session, User

assert FORMAT == 2

target = Path('tests/data/format-2')
if target.exists():
    shutil.rmtree(target)
shutil.copytree('tests/data/format-1', target)
(target / 'release.tar.gz').unlink()
(target / 'manifest.json').unlink()
with Store(target) as store:
    unit = 'solsiden-avd-1'
    with acting_from(address_source('10.20.30.40')):
        logged = store.create_card(unit, CardFields(title='Kort med logg (format 2)', owner='Kari'))
        store.move_card(unit, logged.id, Column.DOING, 0)
    with acting_from(wall_source('kioskformat1')):
        store.edit_card(unit, logged.id, CardFields(title='Kort med logg (format 2)', owner='Per'))
    binned = store.create_card(unit, CardFields(title='Kort i Slettet (format 2)'))
    store.delete_card(unit, binned.id)
    back = store.create_card(unit, CardFields(title='Slettet og hentet tilbake (format 2)'))
    store.delete_card(unit, back.id)
    store.restore_card(unit, back.id, origin=Origin.LEADER, by='Enhetsleder')
    store.set_root_causes(unit, logged.id, ['Fordi rullatorene står i gangen'],
                          [(FishboneHeading.METHOD, 'Ingen fast plass')])
    now = store.now()
    store.accounts.save(User(username='oidc:lise', name='Lise Leder', password_hash='', grants=(),
                             subject='entra-subject-lise'))
    store.accounts.add_session('f' * 64, Session(username='oidc:lise', created=now,
                                                 expires=now + timedelta(days=3650)), now=now)
shutil.rmtree(target / 'migrations')
from tests.store.test_migrations import holdings

with Store(target, read_only=True) as store:
    manifest = holdings(store)
(target / 'manifest.json').write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + '\n')
print('written', sum(1 for _ in target.rglob('*')), 'files')
