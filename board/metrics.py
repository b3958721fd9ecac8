"""Figures for the municipality's monitoring, in the Prometheus text format at ``/metrics`` (prometheus_client).

Counters: ideas from phones, card changes (from any source), sync pushes refused, writes that could not be made
durable. Gauges: board screens with a live connection, wall screens silent for more than ten minutes. Each app
has its own registry (tests build several in one process).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from .store import CardChanged, Change, Store

__all__ = ['CONTENT_TYPE', 'Metrics']

CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'


class Metrics:

    def __init__(self, store: Store, *, connected_screens: Callable[[], int],
                 silent_wall_screens: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.phone_ideas = Counter('board_phone_ideas', 'Ideas sent from phones', registry=self.registry)
        self.card_changes = Counter('board_card_changes', 'Card changes committed, from every source',
                                    registry=self.registry)
        self.pushes_refused = Counter('board_sync_pushes_refused', 'Pushes of wall screens the hub refused (422)',
                                      registry=self.registry)
        Gauge('board_connected_screens', 'Board pages holding a live connection',
              registry=self.registry).set_function(connected_screens)
        Gauge('board_wall_screens_silent', 'Paired wall screens not heard from for more than ten minutes',
              registry=self.registry).set_function(silent_wall_screens)
        self.registry.register(_WriteErrors(store))
        store.subscribe(self._on_change)

    def text(self) -> bytes:
        return generate_latest(self.registry)

    def _on_change(self, change: Change) -> None:
        if isinstance(change, CardChanged):
            self.card_changes.inc()


class _WriteErrors(Collector):
    """The store counts its failed writes itself; this reads the count when scraped."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily('board_write_errors', 'Writes that could not be made durable (disk full ...)')
        family.add_metric([], self._store.write_errors)
        yield family
