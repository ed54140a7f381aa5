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
    qinglang_decisions_total{surface,action}              one per decision (query, search, suggestion, trending)
    qinglang_lexicon_reloads_total                        lexicon versions made live in this process
    qinglang_lexicon_reload_failures_total                versions that failed to compile (old one kept)
    qinglang_lexicon_publishes_total                      versions published through this service
    qinglang_rumor_refreshes_total{outcome}               rumour index refreshes: changed / unchanged / failed
    qinglang_model_score{surface,category}                learned-scorer scores (:meth:`GuardMetrics.observe_model_score`)
    qinglang_review_queue_oldest_age_seconds              age of the oldest pending review item
    qinglang_build_info{version,python}                   the running build (value 1)
    process_*, python_gc_*, python_info                   prometheus-client's process and runtime collectors

Several worker processes (``qinglang serve --workers N``): prometheus-client's multiprocess mode, switched on
by the ``PROMETHEUS_MULTIPROC_DIR`` environment variable before the process starts (``serve`` sets it to a
fresh directory when it is not set). Counters and histograms then live in files in that directory and every
scrape, whichever worker answers it, sums them over all workers (:meth:`GuardMetrics.render`); the
scrape-time gauges (lexicon version, queue, index size) and the process collectors are the answering worker's.
"""

from __future__ import annotations

import logging
import os
import platform
import time
from typing import Any, Callable, Iterable

from prometheus_client import (
    GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR, CollectorRegistry, Counter, Histogram,
    disable_created_metrics, generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["MULTIPROC_ENV", "GuardMetrics", "MetricsMiddleware", "multiprocess_dir"]

disable_created_metrics()  # type: ignore[no-untyped-call]  # the *_created series only add noise here

#: The environment variable that switches prometheus-client to multiprocess mode (read at process start).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Buckets of the model score histogram (scores are probabilities).
_SCORE_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)

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
                            ("review_queue_oldest_age_seconds", "age of the oldest review item waiting for a "
                                                                "human decision (0 when none)"),
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


def multiprocess_dir() -> str | None:
    """The multiprocess directory when this process runs in prometheus-client's multiprocess mode."""
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or None


class _BuildInfo(Collector):
    def __init__(self, version: str) -> None:
        self.version = version

    def collect(self) -> Iterable[GaugeMetricFamily]:
        g = GaugeMetricFamily("qinglang_build_info", "the running build (value is always 1)",
                              labels=["version", "python"])
        g.add_metric([self.version, platform.python_version()], 1.0)
        yield g


class GuardMetrics:
    """The service's metrics. ``probes`` supply scrape-time values (see :class:`_LiveCollector`)."""

    def __init__(self, version: str = "0") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("qinglang_requests", "HTTP requests", ["endpoint", "method", "status"], registry=r)
        self.latency = Histogram("qinglang_request_duration_seconds", "HTTP request latency", ["endpoint"],
                                 buckets=_BUCKETS, registry=r)
        self.hits = Counter("qinglang_hits", "lexicon hits", ["category", "action", "endpoint"], registry=r)
        self.suggestions = Counter("qinglang_suggestions", "suggestions filtered", ["outcome"], registry=r)
        self.decisions = Counter("qinglang_review_decisions", "review decisions", ["decision", "by"], registry=r)
        self.rule_findings = Counter("qinglang_review_rule_findings", "review rule firings", ["rule"], registry=r)
        self.decision_count = Counter("qinglang_decisions", "decisions by surface and action",
                                      ["surface", "action"], registry=r)
        self.reloads = Counter("qinglang_lexicon_reloads", "lexicon versions made live in this process", registry=r)
        self.reload_failures = Counter("qinglang_lexicon_reload_failures",
                                       "lexicon versions that failed to compile (the old one kept serving)",
                                       registry=r)
        self.publishes = Counter("qinglang_lexicon_publishes", "lexicon versions published through this service",
                                 registry=r)
        self.rumor_refreshes = Counter("qinglang_rumor_refreshes", "rumour index refreshes by outcome",
                                       ["outcome"], registry=r)
        self.model_scores = Histogram("qinglang_model_score", "learned-scorer scores by surface and category",
                                      ["surface", "category"], buckets=_SCORE_BUCKETS, registry=r)
        self.probes: dict[str, Callable[[], Any]] = {}
        #: Collected at scrape time by this process alone (also in multiprocess mode).
        self._local: list[Collector] = [_LiveCollector(self.probes), _BuildInfo(version)]
        for c in self._local:
            r.register(c)
        for c in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            r.register(c)
        self._local += [PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR]

    def observe_model_score(self, surface: str, category: str, score: float) -> None:
        """Record one learned-scorer score (a plain callable the Guard's scorer signal can be given, e.g.
        ``on_score=metrics.observe_model_score``); never raises."""
        try:
            self.model_scores.labels(str(surface), str(category)).observe(float(score))
        except Exception:  # a metric must never fail a check
            pass

    def reload_failed(self, version: int, error: str) -> None:
        """A lexicon version failed to compile (the old one keeps serving): counted and logged."""
        from .logs import log_event

        self.reload_failures.inc()
        log_event("reload_failed", "lexicon version %s failed to compile: %s", version, error,
                  level=logging.ERROR, lexicon_version=str(version))

    def decision(self, surface: str, action: str, n: int = 1) -> None:
        """Count ``n`` decisions of ``action`` on ``surface``."""
        if n:
            self.decision_count.labels(surface, action).inc(n)

    def count_hits(self, hits: Iterable[Any], endpoint: str) -> None:
        for h in hits:
            self.hits.labels(h.category, h.action, endpoint).inc()

    def render(self) -> bytes:
        """The Prometheus text exposition: this process's registry, or in multiprocess mode the counters and
        histograms of every worker (summed) plus this process's scrape-time collectors."""
        directory = multiprocess_dir()
        if directory is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry(auto_describe=True)
        MultiProcessCollector(merged, path=directory)  # type: ignore[no-untyped-call]
        for c in self._local:
            merged.register(c)
        return generate_latest(merged)


#: Methods counted by name; any other (a client may send any token) is ``other``, so the label set stays bounded.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


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
            method = scope.get("method", "")
            self.metrics.requests.labels(endpoint, method if method in _METHODS else "other", str(status)).inc()
            self.metrics.latency.labels(endpoint).observe(time.perf_counter() - start)
