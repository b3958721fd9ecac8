"""The hand-over of the store's changes from its writer thread to the pages (board.ui.live): in order, one
scheduled hand-over for a burst, a turn of the loop after the writes' callers are answered, and one page's
failure does not keep a change from the others."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

from board.ui import live as live_module
from board.ui.live import LiveChanges

from ..helpers import eventually


@dataclass(frozen=True)
class Changed:
    unit_id: str
    number: int


class Writer:
    """Stands in for the store: its subscribers are called on a thread of their own, like the writer's."""

    def __init__(self) -> None:
        self.subscribers: list[Any] = []
        self.queued = 0

    def writer_busy(self) -> bool:
        return self.queued > 0

    def subscribe(self, callback: Any) -> None:
        self.subscribers.append(callback)

    def tell(self, changes: list[Changed]) -> None:
        def run() -> None:
            for change in changes:
                for callback in self.subscribers:
                    callback(change)
        thread = threading.Thread(target=run)
        thread.start()
        thread.join()


async def test_a_burst_reaches_each_unit_s_pages_in_order_in_one_hand_over(monkeypatch):
    writer = Writer()
    live = LiveChanges(writer)  # type: ignore[arg-type]
    live.start()
    loop = asyncio.get_running_loop()
    scheduled: list[object] = []
    original = loop.call_soon_threadsafe
    monkeypatch.setattr(loop, 'call_soon_threadsafe', lambda *a, **k: (scheduled.append(a[0]), original(*a, **k)))
    seen: dict[str, list[int]] = {'a': [], 'b': []}
    live.subscribe('a', lambda change: seen['a'].append(change.number))
    live.subscribe('b', lambda change: seen['b'].append(change.number))
    writer.tell([Changed('a' if n % 3 else 'b', n) for n in range(100)])  # the loop waits: a burst at once
    await eventually(lambda: len(seen['a']) + len(seen['b']) == 100)
    assert seen['a'] == [n for n in range(100) if n % 3] and seen['b'] == list(range(0, 100, 3))
    assert scheduled.count(live._after_answers) == 1  # a hundred changes, one hand-over to the loop
    writer.tell([Changed('a', 100)])
    await eventually(lambda: seen['a'][-1] == 100)  # and the next change gets a hand-over of its own


async def test_the_pages_are_told_a_turn_after_the_callers_wake():
    writer = Writer()
    live = LiveChanges(writer)  # type: ignore[arg-type]
    live.start()
    order: list[str] = []
    live.subscribe('a', lambda change: order.append('page'))
    answer: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def caller() -> None:
        await answer
        order.append('caller')
    task = asyncio.create_task(caller())
    await asyncio.sleep(0)

    def writer_thread() -> None:  # as Store._run_group does: answer the caller, then tell the subscribers
        answer.get_loop().call_soon_threadsafe(answer.set_result, None)
        for callback in writer.subscribers:
            callback(Changed('a', 1))
    await asyncio.to_thread(writer_thread)
    await task
    await eventually(lambda: len(order) == 2)
    assert order == ['caller', 'page']


async def test_one_failing_page_does_not_keep_the_change_from_the_others(caplog):
    writer = Writer()
    live = LiveChanges(writer)  # type: ignore[arg-type]
    live.start()
    seen: list[int] = []

    def broken(change: Changed) -> None:
        raise RuntimeError('a page that fails')
    live.subscribe('a', broken)
    live.subscribe('b', lambda change: seen.append(change.number))
    await asyncio.to_thread(writer.tell, [Changed('a', 1), Changed('b', 2), Changed('b', 3)])
    await eventually(lambda: seen == [2, 3])


async def test_while_the_writer_has_writes_queued_the_pages_wait_for_them_but_not_for_long():
    writer = Writer()
    live = LiveChanges(writer)  # type: ignore[arg-type]
    live.start()
    seen: list[int] = []
    live.subscribe('a', lambda change: seen.append(change.number))
    writer.queued = 40  # the rest of a wave of phone ideas
    writer.tell([Changed('a', 1)])
    await asyncio.sleep(0.1)
    assert seen == []
    writer.queued = 0  # the wave is written
    await eventually(lambda: seen == [1], seconds=0.1)
    writer.queued = 10**6  # a writer that never catches up: the screens are drawn anyway
    started = asyncio.get_running_loop().time()
    writer.tell([Changed('a', 2)])
    await eventually(lambda: seen == [1, 2], seconds=1)
    assert asyncio.get_running_loop().time() - started >= live_module.BURST_WAIT * 0.9


async def test_while_forms_are_being_answered_the_pages_wait_for_them_too():
    # mid-wave the writer is often idle while the loop still takes phones' requests in: those go first as well
    writer = Writer()
    answering = {'posts': 30}
    live = LiveChanges(writer, answering=lambda: answering['posts'] > 0)  # type: ignore[arg-type]
    live.start()
    seen: list[int] = []
    live.subscribe('a', lambda change: seen.append(change.number))
    writer.tell([Changed('a', 1)])
    await asyncio.sleep(0.1)
    assert seen == []
    answering['posts'] = 0
    await eventually(lambda: seen == [1], seconds=0.1)
