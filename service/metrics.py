"""Prometheus metrics of one service instance (its own registry, so several apps can coexist).

    qinglang_requests_total{endpoint,method,status}       requests by route template
    qinglang_request_duration_seconds{endpoint}           latency histogram
    qinglang_hits_total{category,action,endpoint}         lexicon hits
    qinglang_suggestions_total{outcome}                   suggestions kept / dropped
    qinglang_review_decisions_total{decision,by}          automatic / human review decisions
    qinglang_review_rule_findings_total{rule}             review rule firings
    qinglang_review_queue_pending                         items waiting for a reviewer
    qinglang_lexicon_info{version}                        the live lexicon version (value 1)
    qinglang_rumor_index_size                             rumours in the index (when present)
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["GuardMetrics", "MetricsMiddleware"]

disable_created_metrics()  # the *_created series only add noise here

_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _LiveCollector(Collector):
    """Values read at scrape time (lexicon version, queue length, index size)."""

    def __init__(self, probes: dict[str, Callable[[], Any]]) -> None:
        self.probes = probes

    def collect(self) -> Iterable[GaugeMetricFamily]:
        version = self.probes.get("lexicon_version")
        if version is not None:
            g = GaugeMetricFamily("qinglang_lexicon_info", "live lexicon version (value is always 1)", labels=["version"])
            g.add_metric([str(version())], 1.0)
            yield g
        for name, help_ in (("review_queue_pending", "review items waiting for a human decision"),
                            ("rumor_index_size", "rumours in the rumour index")):
            probe = self.probes.get(name)
            if probe is None:
                continue
            try:
                value = probe()
            except Exception:  # a probe must never break the scrape
                continue
            if value is not None:
                yield GaugeMetricFamily(f"qinglang_{name}", help_, value=float(value))


class GuardMetrics:
    """The service's metrics. ``probes`` supply scrape-time values (see :class:`_LiveCollector`)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("qinglang_requests", "HTTP requests", ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("qinglang_request_duration_seconds", "HTTP request latency", ["endpoint"],
                                 buckets=_BUCKETS, registry=r)
        self.hits = Counter("qinglang_hits", "lexicon hits", ["category", "action", "endpoint"], registry=r)
        self.suggestions = Counter("qinglang_suggestions", "suggestions filtered", ["outcome"], registry=r)
        self.decisions = Counter("qinglang_review_decisions", "review decisions", ["decision", "by"], registry=r)
        self.rule_findings = Counter("qinglang_review_rule_findings", "review rule firings", ["rule"], registry=r)
        self.probes: dict[str, Callable[[], Any]] = {}
        r.register(_LiveCollector(self.probes))

    def count_hits(self, hits: Iterable[Any], endpoint: str) -> None:
        for h in hits:
            self.hits.labels(h.category, h.action, endpoint).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts requests and observes latency per route template (unmatched paths count as ``other``)."""

    def __init__(self, app: ASGIApp, metrics: GuardMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "other"
            self.metrics.requests.labels(endpoint, scope.get("method", ""), str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
