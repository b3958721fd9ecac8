"""What a board page builds when it opens: the cards, and no form until someone opens one (issue 18)."""

from __future__ import annotations

import re

from nicegui import helpers

from board.domain import CardFields, Column
from board.ui import speedups
from board.ui.card_view import CardView
from board.ui.theme import font_preloads

from ..conftest import Hub
from ..factories import UNIT
from ..helpers import cards_in, eventually, open_board, tap_card
from .test_board_code import decode_image_source


def _has(user, marker: str) -> bool:
    try:
        user.find(marker=marker)
    except AssertionError:
        return False
    return True


async def test_the_card_form_and_the_big_code_are_built_at_first_use_not_with_the_page(hub: Hub):
    await hub.do.create_card(UNIT, CardFields(title='Fast plass for rullatorene', owner='Kari'))
    user = await open_board(hub)
    await user.should_see('Fast plass for rullatorene')
    assert not _has(user, 'dialog-title')
    assert not any('qr-full' in e.classes for e in user.current_layout.descendants())
    [card] = hub.store.cards(UNIT)
    tap_card(user, card)
    await eventually(lambda: _has(user, 'dialog-title'))
    [title] = user.find(marker='dialog-title').elements
    assert title.value == 'Fast plass for rullatorene'
    user.find(marker='code').click()
    [full] = [e for e in user.current_layout.descendants() if 'qr-full' in e.classes]
    assert decode_image_source(full.source) == hub.context.phone_url(UNIT)


async def test_a_card_is_one_element_with_its_title_and_meta_line(hub: Hub):
    await hub.do.create_card(UNIT, CardFields(title='Ferdigpakket stellevogn', owner='Ola', quick_win=True))
    user = await open_board(hub)
    [card] = hub.store.cards(UNIT)
    [view] = user.find(marker=f'card-{card.id}').elements
    assert isinstance(view, CardView) and not view.default_slot.children  # the component draws handle and meta
    assert view.title == 'Ferdigpakket stellevogn' and 'board-card' in view.classes
    assert view.props['items'] == ({'text': 'Ola', 'class': 'meta-item', 'icon': 'person'},
                                   {'text': 'Lavthengende frukt', 'class': 'meta-item quick-win', 'icon': 'bolt'})
    await user.should_see('Lavthengende frukt')  # what a test sees of a card is what the screen shows
    await hub.do.edit_card(UNIT, card.id, CardFields(title='Stellevogn pakket kvelden før', owner='Ola'))
    await eventually(lambda: cards_in(user, Column.IDEAS) == ['Stellevogn pakket kvelden før'])
    assert user.find(marker=f'card-{card.id}').elements == {view}  # the same element, its props changed
    assert view.meta == ['Ola']


def test_the_remembered_signature_check_gives_nicegui_s_own_answer():
    speedups.apply()
    assert helpers.expects_arguments is speedups.expects_arguments

    class Thing:
        def takes(self, event: object) -> None: ...
        def takes_none(self) -> None: ...
        def takes_optional(self, event: object = None) -> None: ...

    for method in ('takes', 'takes_none', 'takes_optional'):
        for thing in (Thing(), Thing()):  # the second answer comes from what was kept
            bound = getattr(thing, method)
            assert speedups.expects_arguments(bound) == speedups._original(bound)
    assert speedups.expects_arguments(lambda e: None) is True
    assert speedups.expects_arguments(lambda: None) is False


def test_the_binary_check_of_socket_messages_gives_python_socketio_s_own_answer():
    from socketio import packet
    speedups.apply()
    assert packet.Packet.data_is_binary is speedups.data_is_binary

    update = {'elements': {str(i): {'tag': 'div', 'props': {'data-card-id': f'k{i}', 'class': ['board-card']},
                                    'children': [i + 1, i + 2], 'text': 'Idé', 'slots': {}} for i in range(50)}}
    cases = [None, 1, 'tekst', b'x', bytearray(b'x'), [], {}, [b'x'], {'a': [1, {'b': b'x'}]}, ('tuple', b'x'),
             [('not', b'walked')], {'a': {'b': {'c': [[[bytearray(b'deep')]]]}}}, update,
             {'update': [update, {'blob': b'\x00'}]}, {b'key': 'a key is not walked'}]
    for case in cases:
        assert speedups.data_is_binary(case) == speedups._original_binary(case), case  # python-socketio's own
    assert packet.Packet(packet.EVENT, data=['update', update]).packet_type == packet.EVENT
    assert packet.Packet(packet.EVENT, data=['file', {'content': b'\x00'}]).packet_type == packet.BINARY_EVENT


async def test_the_page_names_its_two_fonts_up_front_and_the_hub_serves_them(hub: Hub):
    user = hub.new_user()
    page = (await user.http_client.get(f'/units/{UNIT}')).text
    preloads = re.findall(r'<link rel="preload" href="([^"]+)" as="font" type="font/woff2" crossorigin>', page)
    assert len(preloads) == 2  # Material Icons and Roboto's latin subset, before the stylesheets
    assert page.index(preloads[-1]) < page.index('/assets/board.css')
    for href in preloads:
        response = await user.http_client.get(href)
        assert response.status_code == 200 and response.content[:4] == b'wOF2'


def test_the_preloads_come_from_nicegui_s_own_font_list(tmp_path):
    css = tmp_path / 'fonts.css'
    css.write_text('@font-face { font-family: "Material Icons"; src: url(fonts/abc123.woff2) format("woff2"); }\n'
                   '@font-face { font-family: "Roboto"; font-weight: 400; src: url(fonts/cyr.woff2) format("woff2");'
                   ' unicode-range: U+0301, U+0400-045F; }\n'
                   '@font-face { font-family: "Roboto"; font-weight: 400; src: url(fonts/lat.woff2) format("woff2");'
                   ' unicode-range: U+0000-00FF, U+0131; }\n'
                   '@font-face { font-family: "Roboto"; font-weight: 700; src: url(fonts/lat.woff2) format("woff2");'
                   ' unicode-range: U+0000-00FF, U+0131; }\n')
    links = font_preloads(css)
    assert re.findall(r'href="/_nicegui/[^/]+/static/(fonts/[^"]+)"', links) == ['fonts/abc123.woff2',
                                                                                 'fonts/lat.woff2']
    assert font_preloads(tmp_path / 'gone.css') == ''  # another NiceGUI without the file: no preload, no error
