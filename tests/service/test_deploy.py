"""deploy/: the Grafana dashboard parses and the dashboard's and alert rules' expressions name only metrics
the service exports (from a real /metrics scrape's ``# TYPE`` lines)."""

from __future__ import annotations

import json
import re
from typing import Iterator

import pytest
import yaml
from fastapi.testclient import TestClient

from tests.paths import ROOT

DEPLOY = ROOT / "deploy"

#: PromQL words that are not metric names: functions, aggregations, modifiers, keywords.
PROMQL_WORDS = frozenset("""
sum min max avg count stddev stdvar topk bottomk quantile count_values group by without on ignoring group_left
group_right bool and or unless offset rate irate increase delta idelta deriv histogram_quantile clamp_min clamp_max
clamp abs ceil floor round exp ln log2 log10 sqrt time vector scalar label_replace label_join sort sort_desc
absent absent_over_time avg_over_time max_over_time min_over_time sum_over_time count_over_time last_over_time
resets changes predict_linear timestamp inf nan e
""".split())
#: Series Prometheus itself adds to every scrape target.
PROMETHEUS_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression (label matchers, strings, durations and numbers removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\$\w+", " ", expr)  # dashboard variables
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", expr):
        word, call = m.group(1), m.group(2)
        if call or word in PROMQL_WORDS:
            continue
        names.add(word)
    # "by (le, endpoint)" / "without (...)" lists are label names, not metrics
    for labels in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", expr):
        names -= {w.strip() for w in labels.split(",")}
    return names


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, service_matcher) -> set[str]:
    """Every series name /metrics can export: from the ``# TYPE`` lines, with the suffixes of each type."""
    from service.app import create_app
    from service.config import ServiceConfig

    db = tmp_path_factory.mktemp("deploy") / "d.db"
    with TestClient(create_app(ServiceConfig(db_path=str(db)), matcher=service_matcher, rumors=None)) as c:
        text = c.get("/metrics").text
    names: set[str] = set()
    suffixes = {"counter": ("",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum"),
                "gauge": ("",), "info": ("_info",), "untyped": ("",)}
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M):
        names.update(name + s for s in suffixes[kind])
        if kind == "counter" and not name.endswith("_total"):
            names.add(name + "_total")
    # families that only appear with a rumour index configured or once observed are declared in service.metrics
    names.update({"qinglang_rumor_index_size"})
    return names


def alert_rules() -> Iterator[dict]:
    doc = yaml.safe_load((DEPLOY / "prometheus-alerts.yml").read_text(encoding="utf-8"))
    for group in doc["groups"]:
        yield from group["rules"]


def dashboard_exprs() -> Iterator[tuple[str, str]]:
    dash = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
    for panel in dash["panels"]:
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def test_metric_name_extraction() -> None:
    expr = ('histogram_quantile(0.99, sum by (le, endpoint) (rate(qinglang_request_duration_seconds_bucket'
            '{endpoint=~"/v1/.*", job=~"$job"}[5m]))) > 0.05 and on (instance) up == 1')
    assert metric_names(expr) == {"qinglang_request_duration_seconds_bucket", "up"}


def test_alert_rules_are_complete_and_reference_exported_metrics(exported: set[str]) -> None:
    rules = list(alert_rules())
    names = {r["alert"] for r in rules}
    # error rate, p99, reload failures, queue age: what an on-call person needs first
    assert {"QinglangHighErrorRate", "QinglangCheckLatencyP99High", "QinglangLexiconReloadFailed",
            "QinglangReviewQueueStale"} <= names
    for rule in rules:
        assert rule["labels"]["severity"] in ("page", "warn") and rule["annotations"]["summary"]
        used = metric_names(rule["expr"])
        assert used, rule["alert"]
        assert used <= exported | PROMETHEUS_SERIES, (rule["alert"], used - exported)


def test_dashboard_parses_and_references_exported_metrics(exported: set[str]) -> None:
    exprs = list(dashboard_exprs())
    assert len(exprs) >= 10
    for title, expr in exprs:
        used = metric_names(expr)
        assert used and used <= exported, (title, used - exported)
    dash = json.loads((DEPLOY / "grafana-dashboard.json").read_text(encoding="utf-8"))
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids)) and dash["uid"]
