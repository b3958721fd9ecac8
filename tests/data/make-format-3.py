"""Writes tests/data/format-3 with the format-3 release (commit 1d0e885): format-2's folder brought to format 3 by
that release, plus what format 3 added (a card whose root-cause analysis starts from a problem statement) and goals
with a ``target`` made by that release, so that the step to format 4 has every kind of target to turn into a
measure: lower is better (current above target), higher is better (current below target), and current equal to
target.

It runs only on that release: ``git worktree add /tmp/rel3 1d0e885``, copy this file into it, and run
``python tests/data/make-format-3.py`` from that folder's root (with an environment where this project's
dependencies are installed); then copy ``tests/data/format-3`` back. The release's ``board`` package for the
mixed-version tests is packed separately (see tests/data/README.md)."""
# ruff: noqa: E402 (the repository's root goes on the path before the project's modules are imported)
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, '.')
from board.domain import CardFields, Column, FishboneHeading, Goal, GoalStatus, Target
from board.domain.validation import validate_goal
from board.ordering import key_between
from board.store import Store
from board.store.acting import acting_from, wall_source
from board.store.files import FORMAT

assert FORMAT == 3

target = Path('tests/data/format-3')
if target.exists():
    shutil.rmtree(target)
shutil.copytree('tests/data/format-2', target)
(target / 'manifest.json').unlink()

#: (unit, id, name, colour, icon, target): goals as a leader of the format-3 release enters them
GOALS = [
    ('teknisk-drift', 'mal-f3-opp', 'Flere forebyggende tiltak', '#332288', 'engineering',
     Target(unit='tiltak/mnd', current=12, target=20)),           # higher is better
    ('nav-kontoret', 'mal-f3-ned', 'Færre ubesvarte henvendelser', '#AA4499', 'mail',
     Target(unit='%', current=14.5, target=2.5)),                  # lower is better, with decimals
    ('tusenfryd-barnehage', 'mal-f3-lik', 'Holde sykefraværet', '#6B7280', 'groups',
     Target(unit='%', current=5, target=5)),                       # already there: no direction to read
]

with Store(target) as store:  # migrates format 2 to 3 first, as the release did at its first start
    unit = 'solsiden-avd-1'
    stated = store.create_card(unit, CardFields(title='Kort med problemformulering (format 3)', owner='Kari'))
    store.move_card(unit, stated.id, Column.DOING, 0)
    with acting_from(wall_source('kioskformat1')):  # the analysis as it is done at the wall
        store.set_root_causes(unit, stated.id, ['Fordi dørene til lageret står åpne', 'Fordi låsen er ødelagt'],
                              [(FishboneHeading.EQUIPMENT, 'Ødelagt dørlås'),
                               (FishboneHeading.METHOD, 'Ingen sjekkliste for lageret')],
                              problem='Sengetøy mangler på lageret tre netter i uka')
    for unit_id, goal_id, name, colour, icon, aim in GOALS:
        existing = store.goals(unit_id)
        goal = Goal(id=goal_id, unit_id=unit_id, name=name, colour=colour, icon=icon, status=GoalStatus.AT_RISK,
                    target=aim, position=key_between(existing[-1].position if existing else None, None))
        assert not validate_goal(goal)
        store.save_goal(goal)
shutil.rmtree(target / 'migrations')
from tests.store.test_migrations import holdings

with Store(target, read_only=True) as store:
    manifest = holdings(store)
(target / 'manifest.json').write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + '\n')
print('written', sum(1 for _ in target.rglob('*')), 'files')
