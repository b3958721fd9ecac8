"""A wall screen's replica and sync client against the hub app, with a network that can be cut."""

from __future__ import annotations

import dataclasses

from board.domain import Card, CardFields, Column, Gain, GainCategory, GainStatus, Origin

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import Network, eventually, start_kiosk, stop


async def test_changes_reach_the_hub_and_come_back_within_a_second(hub: Hub, tmp_path):
    network = Network(hub._transport)
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: client.status.online)
        made_here = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Fra veggen'))
        await eventually(lambda: hub.store.card(UNIT, made_here.id) is not None)
        from_hub = await hub.store.run(hub.store.create_card, UNIT, CardFields(title='Fra huben'))
        await eventually(lambda: kiosk.card(UNIT, from_hub.id) is not None, seconds=1.5)
        await eventually(lambda: client.status.waiting == 0)
        assert client.phone_url == hub.context.phone_url(UNIT)
        await eventually(lambda: client.status.clock_offset_ms is not None)  # from the heartbeat's answer
        assert abs(client.status.clock_offset_ms) < 5000  # type: ignore[arg-type]
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_offline_edits_on_both_sides_of_one_card_both_survive(hub: Hub, tmp_path):
    network = Network(hub._transport)
    shared = await hub.do.create_card(UNIT, CardFields(title='Felles kort'))
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: kiosk.card(UNIT, shared.id) is not None)
        network.down = True
        await hub.store.run(hub.store.create_card, UNIT, CardFields(title='Vekker en ventende long-poll'))
        await eventually(lambda: not client.status.online)
        assert client.status.offline_since is not None
        await kiosk.run(kiosk.move_card, UNIT, shared.id, Column.DOING, 0)
        offline_card = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Laget uten nett'))
        await eventually(lambda: client.status.waiting == 2)
        await hub.store.run(hub.store.edit_card, UNIT, shared.id,
                            dataclasses.replace(shared.fields(), owner='Kari'))
        network.down = False
        await eventually(lambda: client.status.online and client.status.waiting == 0, seconds=20)
        await eventually(lambda: kiosk.card(UNIT, shared.id).owner == 'Kari', seconds=3)
        for store in (hub.store, kiosk):
            card = store.card(UNIT, shared.id)
            assert (card.column, card.owner) == (Column.DOING, 'Kari')  # both edits, different fields
            assert store.card(UNIT, offline_card.id) is not None
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_the_outbox_survives_a_restart_of_the_wall_screen(hub: Hub, tmp_path):
    network = Network(hub._transport)
    network.down = True
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    waiting = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Ventet over en omstart'))
    await eventually(lambda: client.status.waiting == 1)
    await stop(client, tasks)
    kiosk.close()  # power cut: nothing but the files remain

    network.down = False
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: hub.store.card(UNIT, waiting.id) is not None, seconds=5)
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_a_revoked_wall_screen_says_so(hub: Hub, tmp_path, caplog):
    network = Network(hub._transport)
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: client.status.online)
        await hub.do.wall_screens.revoke(client.credentials.kiosk_id)
        await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Etter tilbakekalling'))
        await eventually(lambda: client.status.unauthorised, seconds=5)
        assert 'pair it again' in caplog.text  # logged for IT, as it should be
        caplog.clear()
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_a_change_the_hub_refuses_is_kept_held_back_and_shown_while_the_rest_syncs(hub: Hub, tmp_path):
    network = Network(hub._transport)
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: client.status.online)
        # a realised gain made on the wall (a fault, or a forged screen): only a leader confirms one, so the hub
        # refuses the card
        refused = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Med realisert gevinst'),
                                  column=Column.DOING)
        today = kiosk.local_now().date()
        realised = Gain(categories=(GainCategory.CAPACITY,), hours_per_week=2, identified_on=today,
                        status=GainStatus.REALISED, realised_on=today, confirmed_by='Noen')
        refused = await kiosk.run(kiosk.set_gain, UNIT, refused.id, realised, origin=Origin.LEADER, by='Noen')
        fine = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Helt vanlig'))
        await eventually(lambda: hub.store.card(UNIT, fine.id) is not None, seconds=5)
        await eventually(lambda: client.status.refused == 1 and client.status.waiting == 0)
        on_hub = hub.store.card(UNIT, refused.id)  # the card may have gone before its gain was set, not the gain
        assert on_hub is None or on_hub.gain is None
        assert kiosk.card(UNIT, refused.id) is not None  # nothing typed on the wall is lost
        # changed again on the wall, so that the hub can take it: offered again, and no longer refused
        await kiosk.run(kiosk.set_gain, UNIT, refused.id, dataclasses.replace(
            realised, status=GainStatus.IDENTIFIED, realised_on=None, confirmed_by=''), origin=Origin.LEADER, by='Noen')
        await eventually(lambda: getattr(hub.store.card(UNIT, refused.id), 'gain', None) is not None, seconds=5)
        await eventually(lambda: client.status.refused == 0)
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_a_long_time_offline_goes_to_the_hub_in_pushes_under_the_limit(hub: Hub, tmp_path):
    network = Network(hub._transport)
    network.down = True
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        now = kiosk.now()
        cards = [Card(id=f'offline{i}', unit_id=UNIT, title=f'Idé nummer {i}', description='x' * 3000,
                      created_at=now) for i in range(900)]  # 2.7 MB: six pushes
        await kiosk.run(kiosk.import_cards, UNIT, cards)
        network.down = False
        await eventually(lambda: len(hub.store.cards(UNIT)) == 900, seconds=30)
        await eventually(lambda: client.status.waiting == 0 and client.status.refused == 0)
    finally:
        await stop(client, tasks)
        kiosk.close()


def test_the_wall_says_when_the_hub_refused_changes_or_its_clock_is_wrong():
    from board.i18n import translator
    from board.sync_client import SyncStatus
    from board.ui.board_page import sync_indicator
    t = translator('nb')
    assert sync_indicator(SyncStatus(online=True), t) == ('Tilkoblet', 'cloud_done', 'online')
    text, icon, kind = sync_indicator(SyncStatus(online=True, refused=2), t)
    assert (text, icon, kind) == ('Tilkoblet · 2 endringer avvist av huben: si fra til IT', 'report', 'offline')
    text, _, kind = sync_indicator(SyncStatus(online=True, clock_offset_ms=7 * 60_000 + 5_000), t)
    assert (text, kind) == ('Tilkoblet · Klokka på skjermen går 7 min feil', 'offline')
    assert sync_indicator(SyncStatus(online=True, clock_offset_ms=-30_000), t)[0] == 'Tilkoblet'  # within reason


async def test_the_wall_forgets_which_changes_came_from_the_hub_once_they_are_behind_it(hub: Hub, tmp_path):
    network = Network(hub._transport)
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: client.status.online)
        for number in range(30):  # a week of phone ideas and leaders' edits, none made on the wall
            await hub.do.create_card(UNIT, CardFields(title=f'Fra huben {number}'))
        await eventually(lambda: len(kiosk.cards(UNIT)) == 30, seconds=5)
        await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Fra veggen'))  # the next exchange pushes
        await eventually(lambda: client.status.waiting == 0 and len(hub.store.cards(UNIT)) == 31, seconds=5)
        await eventually(lambda: len(client._from_hub) < 5)
        assert client.store.sync_cursor(UNIT).pushed >= 30
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_the_logs_name_the_wall_screen_at_the_hub_and_the_hub_at_the_wall_screen(hub: Hub, tmp_path):
    from board.domain import Origin
    from board.domain.changelog import LogAction

    network = Network(hub._transport)
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: client.status.online)
        made_here = await kiosk.run(kiosk.create_card, UNIT, CardFields(title='Laget på veggen'))
        await eventually(lambda: hub.store.card(UNIT, made_here.id) is not None)
        [at_hub] = hub.store.card_log(UNIT, made_here.id)
        assert (at_hub.action, at_hub.source) == (LogAction.CREATED, f'wall:{client.credentials.kiosk_id}')
        await hub.store.run(hub.store.move_card, UNIT, made_here.id, Column.DOING, 0, origin=Origin.LEADER,
                            by='Lise Leder')
        await eventually(lambda: kiosk.card(UNIT, made_here.id).column == Column.DOING)
        moved = kiosk.card_log(UNIT, made_here.id)[-1]
        assert (moved.action, moved.origin, moved.by, moved.source) == (LogAction.MOVED, Origin.LEADER,
                                                                        'Lise Leder', 'hub')
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_a_delete_on_the_wall_and_a_restore_at_the_hub_reach_both(hub: Hub, tmp_path):
    network = Network(hub._transport)
    shared = await hub.do.create_card(UNIT, CardFields(title='Slettes på veggen, hentes tilbake på huben'))
    kiosk, client, tasks = await start_kiosk(hub, tmp_path / 'kiosk', network)
    try:
        await eventually(lambda: kiosk.card(UNIT, shared.id) is not None)
        await kiosk.run(kiosk.delete_card, UNIT, shared.id)
        await eventually(lambda: hub.store.card(UNIT, shared.id) is None)
        await hub.store.run(hub.store.restore_card, UNIT, shared.id)
        await eventually(lambda: kiosk.card(UNIT, shared.id) is not None)
        # and Angre on the wall after a second delete: back at the hub
        before = kiosk.card(UNIT, shared.id)
        deleted = await kiosk.run(kiosk.delete_card, UNIT, shared.id)
        await eventually(lambda: hub.store.card(UNIT, shared.id) is None)
        await kiosk.run(kiosk.revert_card, UNIT, shared.id, before, deleted)
        await eventually(lambda: hub.store.card(UNIT, shared.id) is not None)
    finally:
        await stop(client, tasks)
        kiosk.close()


async def test_a_wall_screen_cannot_name_a_leader_as_the_author(hub: Hub):
    import dataclasses as dc

    from board.domain import Origin
    from board.store.codec import card_to_dict

    from ..helpers import client, pair

    token = await pair(hub)
    card = await hub.do.create_card(UNIT, CardFields(title='Hvem endret meg'))
    # a newer stamp for the title, as a wall screen's own change would have, and a leader's name with it
    forged = dc.replace(card, title='Endret av «lederen»', changed_origin=Origin.LEADER,
                        changed_by='Rådmann Kari Nordmann', stamps=card.stamps | {'title': hub.store.clock.tick()})
    async with client(hub, token) as http:
        response = await http.post(f'/api/v1/units/{UNIT}/sync',
                                   json={'pulled': 0, 'cards': [card_to_dict(forged)]})
    assert response.status_code == 200, response.text
    stored = hub.store.card(UNIT, card.id)
    assert stored.title == 'Endret av «lederen»'
    assert (stored.changed_origin, stored.changed_by) == (Origin.BOARD, '')
    entry = hub.store.card_log(UNIT, card.id)[-1]
    assert (entry.origin, entry.by) == (Origin.BOARD, '') and entry.source.startswith('wall:')
