"""``/metrics`` in Prometheus text format.

Counts that must survive a restart (requests by category and status,
acknowledgements within deadline, escalations) are read from the database at
scrape time; latencies are in-process histograms.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from assistant.models import RequestEvent, ServiceRequest

_LATENCY_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0)


class _DatabaseCollector:
    """Request counts straight from the database (the source of truth)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def collect(self):
        by_status = GaugeMetricFamily("guanjia_requests", "Service requests by category and status",
                                      labels=["category", "status"])
        acks = CounterMetricFamily("guanjia_acknowledgements", "Acknowledged requests, by whether "
                                   "the acknowledgement met its deadline", labels=["within_deadline"])
        escalations = CounterMetricFamily("guanjia_escalations", "Escalation steps taken")
        with self._factory() as db:
            rows = db.execute(select(ServiceRequest.category, ServiceRequest.status, func.count())
                              .group_by(ServiceRequest.category, ServiceRequest.status))
            for category, status, count in rows:
                by_status.add_metric([category, status.value], count)
            within = late = 0
            for (data,) in db.execute(select(RequestEvent.data).where(RequestEvent.data.is_not(None))
                                      .where(RequestEvent.type.in_(
                                          ["acknowledged", "en_route", "on_site", "resolved"]))):
                if isinstance(data, dict) and "within_deadline" in data:
                    within += bool(data["within_deadline"])
                    late += not data["within_deadline"]
            acks.add_metric(["true"], within)
            acks.add_metric(["false"], late)
            escalations.add_metric([], db.scalar(select(func.count()).select_from(RequestEvent)
                                                 .where(RequestEvent.type == "escalated")) or 0)
        yield by_status
        yield acks
        yield escalations


class Metrics:
    """The hub's registry (one per app, so tests do not share counters)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(_DatabaseCollector(factory))
        self.utterances = Counter("guanjia_utterances", "Utterances handled, by intent",
                                  ["intent"], registry=self.registry)
        self.utterance_seconds = Histogram("guanjia_utterance_seconds", "Time to answer an utterance",
                                           buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.parse_seconds = Histogram("guanjia_nlu_parse_seconds", "NLU parse time",
                                       buckets=_LATENCY_BUCKETS, registry=self.registry)
        self.escalation_delay_seconds = Histogram(
            "guanjia_escalation_delay_seconds", "How long after its deadline a request escalated",
            buckets=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 30.0, 300.0), registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
