"""The auditor's page, the audit checklists on the admin page, audits due on the overview and in the PDF report:
through NiceGUI's simulated user and httpx against the app (no browser)."""

from __future__ import annotations

import io
from datetime import timedelta

from nicegui.testing import User as SimulatedUser
from pypdf import PdfReader

from board import admin
from board.domain import Origin
from board.domain.audit import AuditKind, Verdict
from board.users import Grant

from ..conftest import Hub, off_loop
from ..factories import OTHER_UNIT, UNIT
from ..helpers import eventually

PASSWORD = 'et langt nok passord'


async def logged_in(hub: Hub, username: str, *roles: str) -> SimulatedUser:
    await off_loop(admin.set_user, hub.store, username, name=username.capitalize(),
                   grants=[Grant.parse(r) for r in roles], password=PASSWORD)
    user = hub.new_user()
    response = await user.http_client.post('/login', data={'username': username, 'password': PASSWORD})
    assert response.status_code == 303, response.text
    return user


async def started(hub: Hub, auditor: str = 'Rita Revisor') -> str:
    from board.audits import start_audit
    audit = await hub.store.run(start_audit, hub.store, hub.context.t, UNIT, AuditKind.INTERNAL, auditor=auditor,
                                waiting_weeks=3)
    return audit.id


async def two_tablets(hub: Hub) -> tuple[str, SimulatedUser, SimulatedUser]:
    """A started audit open on two tablets: Rita's (the unit's leader) and Per's (the service area's)."""
    audit_id = await started(hub)
    first = await logged_in(hub, 'rita', f'unit:{UNIT}')
    second = await logged_in(hub, 'per', 'area:helse')
    for tablet in (first, second):
        await tablet.open(f'/leder/revisjon/{UNIT}?audit={audit_id}')
    return audit_id, first, second


def answer_of(hub: Hub, audit_id: str, item_id: str):
    audit = hub.store.audits.get(audit_id)
    return audit.answers.get(item_id) if audit else None


async def test_only_the_units_leaders_open_its_audits(hub: Hub):
    response = await hub.new_user().http_client.get(f'/leder/revisjon/{UNIT}')
    assert response.status_code == 303 and response.headers['location'] == f'/login?next=/leder/revisjon/{UNIT}'
    other = await logged_in(hub, 'per', f'unit:{OTHER_UNIT}')
    assert (await other.http_client.get(f'/leder/revisjon/{UNIT}')).status_code == 403
    assert (await other.http_client.get('/leder/revisjon/finnes-ikke')).status_code == 404


async def test_an_auditor_starts_an_audit_answers_on_a_tablet_and_makes_a_card_of_a_finding(hub: Hub):
    user = await logged_in(hub, 'rita', f'unit:{UNIT}')
    await user.open(f'/leder/revisjon/{UNIT}')
    await user.should_see('Enheten har ingen revisjoner ennå.')
    await user.should_see('Intern: skal gjøres (ingen ennå)')
    user.find(marker='audit-start-button').click()
    await eventually(lambda: hub.store.audits.all(UNIT))
    [audit] = hub.store.audits.all(UNIT)
    await user.open(f'/leder/revisjon/{UNIT}?audit={audit.id}')
    await user.should_see(content='Fylt ut fra tavla: Tavlemøte holdt i 0 av')
    await user.should_see(content='Oppfylt:')

    user.find(marker='verdict-board').elements.pop().value = 'no'
    await eventually(lambda: answer_of(hub, audit.id, 'board') is not None)
    assert (answer_of(hub, audit.id, 'board').verdict, answer_of(hub, audit.id, 'board').by) == (Verdict.NO, 'Rita')
    user.find(marker='note-board').type('<b>Ingen frister</b> på kortene')
    user.find(marker='note-save-board').click()
    await eventually(lambda: answer_of(hub, audit.id, 'board').note == '<b>Ingen frister</b> på kortene')
    await user.should_see('Svart av Rita')

    user.find(marker='make-card-board').click()
    await eventually(lambda: any(c.title.startswith('Revisjon:') for c in hub.store.cards(UNIT)))
    [card] = [c for c in hub.store.cards(UNIT) if c.title.startswith('Revisjon:')]
    assert card.title == 'Revisjon: Tavla er oppdatert, med ansvarlig og frist på det som pågår'
    assert (card.origin, card.created_by) == (Origin.LEADER, 'Rita')
    assert '<b>Ingen frister</b> på kortene' in card.description  # kept as typed: shown as text, never markup
    await user.should_see('Kort er laget')

    user.find(marker='verdict-pdca').elements.pop().value = 'bogus'  # a forged value from the websocket
    await user.should_see('Velg Ja, Delvis, Nei eller Ikke aktuelt.')
    assert answer_of(hub, audit.id, 'pdca') is None


async def test_two_tablets_on_one_audit_keep_each_others_answers(hub: Hub):
    audit_id, first, second = await two_tablets(hub)
    first.find(marker='verdict-board').elements.pop().value = 'yes'
    second.find(marker='verdict-pdca').elements.pop().value = 'partly'
    second.find(marker='verdict-board').elements.pop().value = 'no'  # the same item, a moment later
    await eventually(lambda: answer_of(hub, audit_id, 'pdca') is not None
                     and answer_of(hub, audit_id, 'board') is not None
                     and answer_of(hub, audit_id, 'board').by == 'Per')
    assert answer_of(hub, audit_id, 'board').verdict == Verdict.NO
    assert answer_of(hub, audit_id, 'pdca').verdict == Verdict.PARTLY
    # the first tablet answers another item: the second tablet's answers stay
    first.find(marker='verdict-recognition').elements.pop().value = 'yes'
    await eventually(lambda: answer_of(hub, audit_id, 'recognition') is not None)
    assert answer_of(hub, audit_id, 'board').by == 'Per' and answer_of(hub, audit_id, 'pdca') is not None


async def test_admins_edit_the_checklists(hub: Hub):
    user = await logged_in(hub, 'anne', 'admin')
    await user.open('/admin')
    user.find(marker='tab-audits').click()
    user.find(marker='audit-new-item-internal').type('Tavla henger der alle ser den')
    user.find(marker='audit-add-internal').click()
    await eventually(lambda: 'Tavla henger der alle ser den' in
                     [i.text for i in hub.store.audits.template(AuditKind.INTERNAL)])
    user.find(marker='audit-item-text-internal-board').type(' før hvert møte')
    user.find(marker='audit-rename-internal-board').click()
    await eventually(lambda: next(i.text for i in hub.store.audits.template(AuditKind.INTERNAL)
                                  if i.id == 'board').endswith('før hvert møte'))
    user.find(marker='audit-remove-internal-five_s').click()
    await eventually(lambda: 'five_s' not in [i.id for i in hub.store.audits.template(AuditKind.INTERNAL)])
    user.find(marker='audit-add-internal').click()  # nothing typed
    await user.should_see('Skriv noen ord først.')


async def test_audits_due_and_overdue_show_on_the_overview_and_in_the_report(hub: Hub):
    user = await logged_in(hub, 'rita', f'unit:{UNIT}')
    await user.open('/leder')
    await user.should_see('Intern: skal gjøres (ingen ennå)')
    audit_id = await started(hub)
    await hub.do.audits.answer(audit_id, 'board', Verdict.NO, by='Rita')
    await hub.do.audits.answer(audit_id, 'pdca', Verdict.YES, by='Rita')
    now = hub.store.now()
    hub.store.now = lambda: now + timedelta(days=40)  # the next monthly audit is overdue
    await user.open('/leder')
    await user.should_see(content='Intern: forfalt')
    hub.store.now = lambda: now

    response = await user.http_client.get('/leder/rapport.pdf')
    text = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert 'Revisjoner' in text and 'Avdeling A' in text
    assert 'Rita Revisor' in text
    assert 'Tavla er oppdatert' in text  # the finding


async def test_stored_text_is_shown_as_text_never_as_markup(hub: Hub):
    markup = '<img src=x onerror="alert(1)"> Tavla er <b>ryddig</b>'
    await hub.do.audits.add_item(AuditKind.INTERNAL, markup)
    audit_id = await started(hub, auditor='<script>alert(2)</script>')
    item = next(i for i in hub.store.audits.get(audit_id).items if i.text == markup)
    await hub.do.audits.answer(audit_id, item.id, Verdict.PARTLY, '<i>delvis</i>', by='<u>Rita</u>')
    user = await logged_in(hub, 'rita', f'unit:{UNIT}')
    await user.open(f'/leder/revisjon/{UNIT}?audit={audit_id}')
    [label] = [e for e in user.find(marker=f'audit-item-{item.id}').elements.pop().descendants()
               if getattr(e, 'text', None) == markup]
    assert label.tag == 'div' and not any(type(e).__name__ == 'Html' for e in user.find(
        marker='audit-checklist').elements.pop().descendants())
    await user.should_see('Svart av <u>Rita</u>')
    await user.should_see(content='<script>alert(2)</script>')


async def test_a_second_tablet_sees_the_others_answers_live_and_keeps_the_note_being_written(hub: Hub):
    audit_id, first, second = await two_tablets(hub)
    first.find(marker='note-pdca').type('Rita skriver fortsatt')  # not saved yet
    second.find(marker='verdict-board').elements.pop().value = 'no'
    second.find(marker='verdict-pdca').elements.pop().value = 'partly'
    await eventually(lambda: answer_of(hub, audit_id, 'pdca') is not None)
    await hub.store.run(hub.store.audits.answer, audit_id, 'pdca', 'partly', 'Pers merknad', by='Per')
    # the first tablet shows both answers without a tap, and the score counts them
    await eventually(lambda: first.find(marker='verdict-board').elements.pop().value == 'no')
    await eventually(lambda: first.find(marker='verdict-pdca').elements.pop().value == 'partly')
    await first.should_see('Svart av Per')
    assert first.find(marker='note-pdca').elements.pop().value == 'Rita skriver fortsatt'
    assert first.find(marker='note-board').elements.pop().value == ''
    second_note = second.find(marker='note-pdca').elements.pop()
    await eventually(lambda: second_note.value == 'Pers merknad')  # nothing was being written there: it follows
    # no tap on the first tablet wrote anything: showing another's answer is not an answer
    assert answer_of(hub, audit_id, 'board').by == 'Per' and answer_of(hub, audit_id, 'pdca').by == 'Per'


async def test_a_note_saved_with_a_trailing_line_still_follows_the_other_tablets_answers(hub: Hub):
    audit_id = await started(hub)
    first = await logged_in(hub, 'rita', f'unit:{UNIT}')
    await first.open(f'/leder/revisjon/{UNIT}?audit={audit_id}')
    first.find(marker='verdict-board').elements.pop().value = 'no'
    await eventually(lambda: answer_of(hub, audit_id, 'board') is not None)
    first.find(marker='note-board').elements.pop().value = 'Mangler skilt\n'  # the store keeps it stripped
    first.find(marker='note-save-board').click()
    await eventually(lambda: answer_of(hub, audit_id, 'board').note == 'Mangler skilt')
    await hub.store.run(hub.store.audits.answer, audit_id, 'board', 'partly', 'Skilt henger nå', by='Per')
    note = first.find(marker='note-board').elements.pop()
    await eventually(lambda: note.value == 'Skilt henger nå')
    await eventually(lambda: first.find(marker='verdict-board').elements.pop().value == 'partly')
    assert answer_of(hub, audit_id, 'board').by == 'Per'  # showing Per's answer wrote nothing back
