"""Prometheus metrics, served at ``/metrics`` by the bot's web server.

Counters and histograms count what happens in this process (inbound events and how long the
engine took over them, 429s from the platforms); the outbox's figures (deliveries by status,
retries, the due backlog and the age of its oldest row) are read from the database at each
scrape, so every replica reports the same, shared outbox.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # adapters import this module, and must not load the database layer
    from storage.xapi import Backlog

REGISTRY = CollectorRegistry()
INBOUND = Histogram("microlearn_inbound_seconds",
                    "Inbound events (messages, button presses, poll answers) and the seconds the "
                    "engine took to answer each", ["platform"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
RATE_LIMITED = Counter("microlearn_rate_limited_total",
                       "Sends a platform refused with 429 (too many requests)",
                       registry=REGISTRY)


class OutboxCollector(Collector):
    """The outbox's figures, read at each scrape."""

    def __init__(self, read: Callable[[datetime], tuple[dict[str, int], int, int, float]],
                 now: Callable[[], datetime]) -> None:
        self.read = read
        self.now = now

    def collect(self) -> Iterator[Metric]:
        counts, retries, backlog, age = self.read(self.now())
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

    def collect(self) -> Iterator[Metric]:
        backlog = self.read(self.now())
        yield GaugeMetricFamily("microlearn_xapi_backlog",
                                "xAPI statements waiting to go to the LRS", value=backlog.pending)
        yield GaugeMetricFamily("microlearn_xapi_backlog_age_seconds",
                                "How long the oldest xAPI statement waiting has waited",
                                value=backlog.oldest_seconds)
        yield GaugeMetricFamily("microlearn_xapi_failed",
                                "xAPI statements the LRS refused as invalid (never resent)",
                                value=backlog.failed)
