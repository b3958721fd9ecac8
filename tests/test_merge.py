"""Property tests of the sync merge: three nodes edit one board apart; any delivery order converges, nothing is lost.

Each node is a real Store (its own folder, node id and skewed clock). Every change a node makes is a message (the
card as it is after the change); messages reach the other nodes in any order, some twice, some late, and are
merged with ``Store.merge_cards``, exactly as the sync does.
"""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from board.clock import HybridClock
from board.domain import Card, CardFields, Column, PdcaStage, RuleViolation, ServiceArea, Unit
from board.merge import STAMPED_FIELDS, merge_card
from board.store import Store

UNIT = 'avd-a'
NODES = ('hub', 'kioska', 'kioskb')

edits = st.one_of(
    st.tuples(st.just('title'), st.sampled_from(['Rullatorer', 'Medisinvogn', 'Vaktbytte', 'Lager'])),
    st.tuples(st.just('owner'), st.sampled_from(['Kari', 'Ola', 'Aisha', ''])),
    st.tuples(st.just('description'), st.sampled_from(['', 'Mer tid', 'Færre avbrudd'])),
    st.tuples(st.just('due'), st.sampled_from([None, date(2026, 12, 1), date(2027, 1, 4)])),
    st.tuples(st.just('quick_win'), st.booleans()),
    st.tuples(st.just('pdca'), st.sampled_from(list(PdcaStage))),
    st.tuples(st.just('move'), st.sampled_from(list(Column))),
    st.tuples(st.just('delete'), st.none()),
)
operations = st.lists(st.tuples(st.sampled_from(NODES), edits), min_size=1, max_size=25)


class Node:
    def __init__(self, folder: Path, node_id: str, skew_ms: int, ticks: itertools.count) -> None:
        # wall clocks that disagree (one may be minutes behind) and a shared tick so time moves on
        self.store = Store(folder, node_id=node_id,
                           clock=HybridClock(node_id, wall_ms=lambda: 1_800_000_000_000 + next(ticks) + skew_ms))
        self.store.open()
        if self.store.unit(UNIT) is None:
            self.store.add_service_area(ServiceArea(id='helse', name='Helse'))
            self.store.add_unit(Unit(id=UNIT, name='Avdeling A', service_area_id='helse'))

    def version(self, card_id: str) -> Card:
        return self.store._board(UNIT).cards[card_id]

    def apply(self, card_id: str, kind: str, value) -> Card | None:
        """Do one edit as a person on this node would; returns the message to send, or None if refused."""
        store = self.store
        try:
            if kind == 'move':
                store.move_card(UNIT, card_id, value, 0)
            elif kind == 'delete':
                store.delete_card(UNIT, card_id)
            else:
                current = store.card(UNIT, card_id)
                if current is None:
                    return None
                if kind == 'pdca' and current.column != Column.DOING:
                    return None
                store.edit_card(UNIT, card_id, dataclasses.replace(current.fields(), **{kind: value}))
        except RuleViolation:
            return None
        return self.version(card_id)


def comparable(card: Card) -> Card:
    return dataclasses.replace(card, seq=0)


@settings(max_examples=60, deadline=None)
@given(ops=operations, skews=st.tuples(*(st.integers(-300_000, 300_000) for _ in NODES)),
       order=st.randoms(use_true_random=False), duplicates=st.integers(0, 5))
def test_any_delivery_order_converges_and_keeps_every_acknowledged_edit(ops, skews, order, duplicates):
    with tempfile.TemporaryDirectory() as tmp:
        ticks = itertools.count(step=7)
        nodes = {n: Node(Path(tmp) / n, n, skew, ticks) for n, skew in zip(NODES, skews, strict=True)}
        first = nodes['hub'].store.create_card(UNIT, CardFields(title='Felles kort', quick_win=True))
        for name in NODES[1:]:
            nodes[name].store.merge_cards(UNIT, [first])
        messages: list[tuple[str, Card]] = []
        pending: list[tuple[str, str, Card]] = []  # (to, from, card) not yet delivered
        for node_name, (kind, value) in ops:
            # some messages arrive while others are still editing: deliver a random few now
            for _ in range(order.randint(0, len(pending))):
                to, _sender, card = pending.pop(order.randrange(len(pending)))
                nodes[to].store.merge_cards(UNIT, [card])
            message = nodes[node_name].apply(first.id, kind, value)
            if message is not None:
                messages.append((node_name, message))
                pending += [(to, node_name, message) for to in NODES if to != node_name]
        pending += order.sample(pending, min(duplicates, len(pending)))  # some arrive twice
        order.shuffle(pending)
        for to, _sender, card in pending:
            nodes[to].store.merge_cards(UNIT, [card])

        finals = [comparable(nodes[n].version(first.id)) for n in NODES]
        assert finals[0] == finals[1] == finals[2]
        final = finals[0]
        # nothing acknowledged is lost: each field holds the value of its latest stamped change
        everything = [first] + [card for _node, card in messages]
        for name in STAMPED_FIELDS:
            latest = max(everything, key=lambda c, name=name: c.stamps.get(name, ''))
            if name == 'deleted':
                assert final.deleted == any(c.deleted for c in everything)
            else:
                assert getattr(final, name) == getattr(latest, name), name
        for node in nodes.values():
            node.store.close()


@given(st.permutations(range(4)))
def test_merge_is_commutative_associative_and_idempotent(permutation):
    base = Card(id='c', unit_id=UNIT, title='t', created_at=__import__('datetime').datetime(2026, 1, 1),
                stamps=dict.fromkeys(STAMPED_FIELDS, '0000000000001-00000-hub'))
    versions = [
        dataclasses.replace(base, title='a', stamps=base.stamps | {'title': '0000000000005-00000-kioska'}),
        dataclasses.replace(base, owner='Kari', stamps=base.stamps | {'owner': '0000000000004-00000-kioskb'}),
        dataclasses.replace(base, title='b', stamps=base.stamps | {'title': '0000000000005-00000-kioskb'}),
        dataclasses.replace(base, deleted=True, stamps=base.stamps | {'deleted': '0000000000002-00000-hub'}),
    ]
    result = base
    for index in permutation:
        result = merge_card(result, versions[index])
        result = merge_card(result, versions[index])  # twice: idempotent
    assert (result.title, result.owner, result.deleted) == ('b', 'Kari', True)
