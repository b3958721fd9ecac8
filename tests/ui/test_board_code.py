"""The QR code on the board and ideas arriving from phones, through NiceGUI's simulated user."""

from __future__ import annotations

import base64
import io

import httpx
import zxingcpp
from nicegui import ui
from PIL import Image

from board.app import make_tokens
from board.domain import Column

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import cards_in, eventually, open_board, tap_card


def decode_image_source(source: str) -> str:
    png = base64.b64decode(source.split(',', 1)[1])
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return result.text


def code_source(user) -> str:
    [button] = user.find(marker='code').elements
    [image] = [e for e in button.descendants() if isinstance(e, ui.image)]
    return image.source


async def test_the_board_shows_a_code_that_leads_phones_to_the_units_page(hub: Hub):
    user = await open_board(hub)
    url = decode_image_source(code_source(user))
    assert url == hub.context.phone_url(UNIT)
    assert url.startswith('http://127.0.0.1:8080/p/avd-a.')
    await user.should_see('Skann for å sende en idé')


async def test_an_idea_sent_from_a_phone_appears_live_marked_new_until_opened(hub: Hub):
    user = await open_board(hub)
    async with httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1') as phone:
        path = '/p/' + hub.context.tokens.current(UNIT)
        await phone.get(path)
        response = await phone.post(path, data={'title': 'Idé fra nattevakta', 'name': ''})
        assert response.status_code == 303
    await eventually(lambda: cards_in(user, Column.IDEAS) == ['Idé fra nattevakta'])
    await user.should_see('Fra mobil')
    [card] = hub.store.cards(UNIT)
    [view] = user.find(marker=f'card-{card.id}').elements
    assert card.unseen
    assert 'is-new' in view.classes
    assert view.meta[:2] == ['Ny', 'Fra mobil']
    tap_card(user, card)
    await eventually(lambda: not hub.store.card(UNIT, card.id).unseen)
    await eventually(lambda: 'is-new' not in view.classes)
    await eventually(lambda: view.meta == ['Fra mobil'])


async def test_a_revoked_code_is_replaced_on_open_boards_within_seconds(hub: Hub):
    user = await open_board(hub)
    before = code_source(user)
    make_tokens(hub.context.settings).revoke(UNIT)  # as `board revoke-code` does, from another process
    await eventually(lambda: code_source(user) != before, seconds=6)
    assert decode_image_source(code_source(user)) == hub.context.phone_url(UNIT)
    old_token = decode_image_source(before).rsplit('/', 1)[1]
    assert not hub.context.tokens.check(old_token, {UNIT}).ok


async def test_the_board_menu_downloads_a_printable_poster_with_the_current_code(hub: Hub):
    user = await open_board(hub)
    user.find(marker='poster-png').click()
    response = await user.download.next(timeout=5)
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert code.text == hub.context.phone_url(UNIT)
    user.find(marker='poster-pdf').click()
    assert (await user.download.next(timeout=5)).content.startswith(b'%PDF')


async def test_markup_and_template_syntax_from_a_phone_show_verbatim_on_the_board(hub: Hub):
    user = await open_board(hub)
    nasty = '<img src=x onerror=alert(1)> {{ 7*7 }} ${1+1} &amp; «æøå»'
    async with httpx.AsyncClient(transport=hub._transport, base_url='http://127.0.0.1') as phone:
        path = '/p/' + hub.context.tokens.current(UNIT)
        await phone.get(path)
        assert (await phone.post(path, data={'title': nasty})).status_code == 303
    await eventually(lambda: cards_in(user, Column.IDEAS) == [nasty])
    assert hub.store.cards(UNIT)[0].title == nasty
    await user.should_not_see(ui.html)
