"""*Angre*, *Slettet* in Historikk and the card's *Logg*, as a person at the board uses them (simulated user)."""

from nicegui import ui

from board.domain import CardFields, Column

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import cards_in, eventually, open_board, tap_card


async def delete_at_the_board(user, card) -> None:
    tap_card(user, card)
    user.find(marker='dialog-delete').click()
    await user.should_see(marker='confirm-delete')
    user.find(marker='confirm-delete').click()
    await eventually(lambda: card.title not in cards_in(user, card.column))


async def test_angre_after_a_delete_brings_the_card_back_on_every_screen(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Skal bort, men angres'))
    user = await open_board(hub)
    other = await open_board(hub)
    await delete_at_the_board(user, card)
    await eventually(lambda: cards_in(other, Column.IDEAS) == [])
    await user.should_see(content='«Skal bort, men angres» er slettet')
    user.find(marker='undo').click()
    await eventually(lambda: cards_in(user, Column.IDEAS) == ['Skal bort, men angres'])
    await eventually(lambda: cards_in(other, Column.IDEAS) == ['Skal bort, men angres'])
    assert hub.store.card(UNIT, card.id) is not None
    # Angre is offered on the screen where the change was made, and only there
    await other.should_not_see(marker='undo-bar')


async def test_angre_after_an_edit_puts_the_text_back(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Riktig tittel', owner='Kari'))
    user = await open_board(hub)
    tap_card(user, card)
    user.find(marker='dialog-title').type(' – ødelagt')
    user.find(marker='dialog-save').click()
    await eventually(lambda: hub.store.card(UNIT, card.id).title == 'Riktig tittel – ødelagt')
    await user.should_see(content='«Riktig tittel» er endret')
    user.find(marker='undo').click()
    await eventually(lambda: hub.store.card(UNIT, card.id).title == 'Riktig tittel')
    assert hub.store.card(UNIT, card.id).owner == 'Kari'


async def test_angre_goes_away_after_its_time(hub: Hub, monkeypatch):
    from board.ui import board_page
    monkeypatch.setattr(board_page, 'UNDO_SECONDS', 0.2)
    card = await hub.do.create_card(UNIT, CardFields(title='Borte for godt'))
    user = await open_board(hub)
    await delete_at_the_board(user, card)
    [bar] = user.find(marker='undo-bar').elements
    assert bar.visible
    await eventually(lambda: not bar.visible)


async def test_a_deleted_card_is_found_under_slettet_and_restored_with_its_log(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Finn meg i søppelkassa'))
    await hub.do.move_card(UNIT, card.id, Column.DOING, 0)
    await hub.do.delete_card(UNIT, card.id)
    user = hub.new_user()
    await user.open(f'/units/{UNIT}/historikk')
    await user.should_see('Slettet')
    await user.should_see('Finn meg i søppelkassa')
    user.find(marker=f'restore-{card.id}').click()
    await eventually(lambda: hub.store.card(UNIT, card.id) is not None)
    await user.should_see('«Finn meg i søppelkassa» er tilbake i Pågår.')
    restored = hub.store.card(UNIT, card.id)
    assert restored is not None and restored.column == Column.DOING
    board = await open_board(hub)
    assert cards_in(board, Column.DOING) == ['Finn meg i søppelkassa']
    tap_card(board, restored)
    board.find(marker='dialog-log').click()
    await board.should_see(content='Hentet tilbake')
    await board.should_see(content='Slettet')
    await board.should_see(content='Flyttet fra Ideer til Pågår')
    await board.should_see(content='Laget')


async def test_the_log_names_who_did_what_and_from_where(hub: Hub):
    card = await hub.do.create_card(UNIT, CardFields(title='Hvem gjorde hva'))
    user = await open_board(hub)
    tap_card(user, card)
    user.find(marker='dialog-title').type('?')
    user.find(marker='dialog-save').click()
    await eventually(lambda: hub.store.card(UNIT, card.id).title == 'Hvem gjorde hva?')
    tap_card(user, hub.store.card(UNIT, card.id))
    user.find(marker='dialog-log').click()
    await user.should_see(content='Endret: tittel')
    # the simulated user's address, as the hub saw it
    entries = list(user.find(marker="log-entry").elements)
    assert len(entries) == 2
    texts = [label.text for e in entries for label in e.descendants() if isinstance(label, ui.label)]
    # on the wall a browser's address is not shown (personal data, in a corridor), but it is kept
    assert any('på tavla, nettleser på nettverket' in text for text in texts), texts
    assert [e.source.startswith('address:') for e in hub.store.card_log(UNIT, card.id)] == [False, True]


def test_a_leader_sees_the_address_and_the_wall_does_not():
    from datetime import UTC, datetime

    from board.domain import Origin
    from board.domain.changelog import LogAction, LogEntry
    from board.i18n import translator
    from board.ui.card_log import describe

    entry = LogEntry(card_id='k', at=datetime(2026, 11, 26, 8, 14, tzinfo=UTC), action=LogAction.MOVED,
                     from_column=Column.IDEAS, to_column=Column.DOING, origin=Origin.LEADER, by='Lise',
                     source='address:10.0.0.5')
    t = translator('nb')
    _when, what, who = describe(t, entry, zone=None, addresses=True)
    assert what == 'Flyttet fra Ideer til Pågår' and who == 'leder Lise, nettleser på 10.0.0.5'
    assert describe(t, entry, zone=None)[2] == 'leder Lise, nettleser på nettverket'


async def test_the_bin_is_empty_until_something_is_deleted(hub: Hub):
    user = hub.new_user()
    await user.open(f'/units/{UNIT}/historikk')
    await user.should_see('Ingen slettede kort.')
    await user.should_see(content='kan hentes tilbake her i 90 dager')
