"""Prometheus metrics, served at ``/metrics`` by the bot's web server.

Counters and histograms count what happens in this process (inbound events and how long the
engine took over them, those not read under the per-person limit, 429s from the platforms); the
outbox's figures (deliveries by status, retries, the due backlog and the age of its oldest row)
are read from the database at each scrape, so every replica reports the same, shared outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # adapters import this module, and must not load the database layer
    from storage.xapi import Backlog

log = logging.getLogger(__name__)
_T = TypeVar("_T")

REGISTRY = CollectorRegistry()
INBOUND = Histogram("microlearn_inbound_seconds",
                    "Inbound events (messages, button presses, poll answers) and the seconds the "
                    "engine took to answer each", ["platform"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
FLOODS = Counter("microlearn_inbound_floods_total",
                 "Times a person went over [inbound]'s limit (each told once, logged once)",
                 ["platform"], registry=REGISTRY)
LIMITED = Counter("microlearn_inbound_limited_total",
                  "Inbound events not read because their sender was over [inbound]'s limit",
                  ["platform"], registry=REGISTRY)
RATE_LIMITED = Counter("microlearn_rate_limited_total",
                       "Sends a platform refused with 429 (too many requests)",
                       registry=REGISTRY)


class _Reading:
    """A figure read from the database at each scrape. While the database cannot be read,
    a scrape still gets every other metric (a 500 would lose them all when they matter most):
    this one is left out, and the failure is logged once, not at every scrape."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.failing = False

    def take(self, read: Callable[[], _T]) -> _T | None:
        try:
            value = read()
        except Exception as exc:  # the scrape boundary: the other metrics still go out
            from storage.database import unavailable  # not at import: adapters import this

            if not unavailable(exc):
                log.exception("/metrics could not read %s", self.what)  # a bug: in full
            elif not self.failing:
                log.warning("/metrics leaves out %s until the database can be read (%s)",
                            self.what, type(exc).__name__)
            self.failing = True
            return None
        if self.failing:
            log.info("/metrics reports %s again", self.what)
        self.failing = False
        return value


class OutboxCollector(Collector):
    """The outbox's figures, read at each scrape; ``microlearn_database_readable`` says
    whether they could be."""

    def __init__(self, read: Callable[[datetime], tuple[dict[str, int], int, int, float]],
                 now: Callable[[], datetime]) -> None:
        self.read = read
        self.now = now
        self._reading = _Reading("the outbox figures")

    def collect(self) -> Iterator[Metric]:
        figures = self._reading.take(lambda: self.read(self.now()))
        yield GaugeMetricFamily("microlearn_database_readable",
                                "1 when this scrape could read the database, else 0",
                                value=0 if figures is None else 1)
        if figures is None:
            return
        counts, retries, backlog, age = figures
        deliveries = GaugeMetricFamily("microlearn_deliveries",
                                       "Outbox rows kept, by status", labels=["status"])
        for status in ("pending", "claimed", "sent", "skipped", "missed", "failed"):
            deliveries.add_metric([status], counts.get(status, 0))
        yield deliveries
        yield GaugeMetricFamily("microlearn_delivery_retries",
                                "Retries of the outbox rows kept (attempts after the first)",
                                value=retries)
        yield GaugeMetricFamily("microlearn_due_backlog",
                                "Deliveries due now and not yet sent", value=backlog)
        yield GaugeMetricFamily("microlearn_due_backlog_age_seconds",
                                "How long the oldest delivery due has waited", value=age)


class XapiCollector(Collector):
    """What waits for the learning record store, read at each scrape."""

    def __init__(self, read: Callable[[datetime], Backlog], now: Callable[[], datetime]) -> None:
        self.read = read
        self.now = now
        self._reading = _Reading("the xAPI backlog")

    def collect(self) -> Iterator[Metric]:
        backlog = self._reading.take(lambda: self.read(self.now()))
        if backlog is None:
            return
        yield GaugeMetricFamily("microlearn_xapi_backlog",
                                "xAPI statements waiting to go to the LRS", value=backlog.pending)
        yield GaugeMetricFamily("microlearn_xapi_backlog_age_seconds",
                                "How long the oldest xAPI statement waiting has waited",
                                value=backlog.oldest_seconds)
        yield GaugeMetricFamily("microlearn_xapi_failed",
                                "xAPI statements the LRS refused as invalid (never resent)",
                                value=backlog.failed)
