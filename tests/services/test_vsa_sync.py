"""Issue 17, item 4: a card tagged with a value stream analysis keeps its tag between the hub and a wall screen (a
self-stamped field, merged by its stamp), and a release before the tag passes it on untouched."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from board.domain import Column, VsaTag
from board.domain.programme import ValueStreamAnalysis
from board.gains import GainSource, gain_source
from board.merge import merge_card
from board.store.codec import card_from_dict, card_to_dict

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import Network, eventually, start_kiosk, stop, with_release

DATA = Path(__file__).resolve().parents[1] / 'data'


async def test_a_vsa_card_reaches_the_wall_screen_with_its_tag_and_a_wall_edit_keeps_it(hub: Hub, tmp_path):
    network = Network(hub._transport)
    kiosk, client_, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        today = hub.store.local_now().date()
        [card] = await hub.do.record_vsa(ValueStreamAnalysis(id='vsa-innkomst', name='Innkomst', on=today,
                                                             unit_ids=(UNIT,)), [(UNIT, 'Felles sjekkliste')])
        await eventually(lambda: kiosk.card(UNIT, card.id) is not None, seconds=5)
        on_wall = kiosk.card(UNIT, card.id)
        assert on_wall is not None and on_wall.vsa == VsaTag(id='vsa-innkomst', name='Innkomst')
        assert gain_source(on_wall) == GainSource.VSA
        # the wall takes it into Pågår: the move comes back to the hub, and the tag stays
        await kiosk.run(kiosk.move_card, UNIT, card.id, Column.DOING, 0)
        await eventually(lambda: hub.store.card(UNIT, card.id).column == Column.DOING, seconds=5)  # type: ignore[union-attr]
        on_hub = hub.store.card(UNIT, card.id)
        assert on_hub is not None and on_hub.vsa == VsaTag(id='vsa-innkomst', name='Innkomst')
        # a leader untags it on the hub: the wall follows (the later stamp wins)
        await hub.do.tag_with_vsa(UNIT, card.id, None, by='Ola')
        await eventually(lambda: kiosk.card(UNIT, card.id).vsa is None, seconds=5)  # type: ignore[union-attr]
    finally:
        await stop(client_, tasks)
        kiosk.close()


@pytest.mark.slow
def test_a_release_before_the_tag_passes_it_on(tmp_path):
    """The format-3 release reads a tagged card as a wall screen's push (its strict models keep a key they do not
    know) and writes it back: the tag, with its stamp, comes back, and merging gives the card as it was."""
    import tarfile
    tarball = DATA / 'format-3' / 'release.tar.gz'
    if not tarball.exists():
        pytest.skip('no format-3 release in tests/data')
    with tarfile.open(tarball) as archive:
        archive.extractall(tmp_path, filter='data')
    from datetime import UTC, datetime, timedelta

    from board.domain import Card
    now = datetime.now(UTC) - timedelta(seconds=5)
    stamp = f'{int(now.timestamp() * 1000):013d}-00000-hub'
    card = Card(id='vsa-kort', unit_id=UNIT, title='Felles sjekkliste', created_at=now,
                vsa=VsaTag(id='vsa-innkomst', name='Innkomst'),
                stamps={'title': stamp, 'column': stamp, 'position': stamp, 'vsa': stamp})
    doc = card_to_dict(card)
    assert doc['vsa'] == {'tag': {'id': 'vsa-innkomst', 'name': 'Innkomst'}, 'stamp': stamp}
    assert 'vsa' not in doc['stamps']  # an older release refuses stamps of fields it does not know
    back = with_release(tmp_path, f'''
import json
from datetime import UTC, datetime
from board.store.codec import card_to_dict
from board.wire import read_push
doc = json.loads({json.dumps(json.dumps(doc))})
pushed = read_push(json.dumps({{'pulled': 0, 'cards': [doc]}}).encode(), {UNIT!r}, [], now=datetime.now(UTC))
print(json.dumps(card_to_dict(pushed.cards[0])))
''')
    returned = card_from_dict(json.loads(back))
    assert returned.vsa == card.vsa and returned.stamps['vsa'] == stamp
    assert dataclasses.replace(merge_card(card, returned), seq=0) == dataclasses.replace(card, seq=0)
