"""Prometheus metrics: decisions, reloads, publishes, rumour refreshes, model scores, build info, process
collectors, the protected endpoint and multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from plugin.live import LiveMatcher
from plugin.store import TokenStore
from plugin.store.reload import VersionPoller
from service.metrics import GuardMetrics

from tests.candidates import candidate
from tests.fakes import FakeRumors
from tests.paths import ROOT as REPO_ROOT


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text by (name, sorted labels)."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for fam in text_string_to_metric_families(text) for s in fam.samples}


def test_decisions_build_info_and_process_collectors(make_app) -> None:
    with TestClient(make_app(protect_trending=False)) as c:
        c.post("/v1/query/check", json={"query": "澳门赌场"})
        c.post("/v1/query/check", json={"query": "花展"})
        c.post("/v1/suggestions/filter", json={"prefix": "澳门", "suggestions": ["澳门旅游", "澳门赌场", "澳门美食"]})
        c.post("/v1/trending/review", json={"candidates": [candidate()]})
        text = c.get("/metrics").text
    s = samples(text)
    assert s[("qinglang_decisions_total", (("action", "block"), ("surface", "query")))] == 1
    assert s[("qinglang_decisions_total", (("action", "allow"), ("surface", "query")))] == 1
    assert s[("qinglang_decisions_total", (("action", "keep"), ("surface", "suggestion")))] == 2
    assert s[("qinglang_decisions_total", (("action", "drop"), ("surface", "suggestion")))] == 1
    assert sum(v for (n, labels), v in s.items()
               if n == "qinglang_decisions_total" and ("surface", "trending") in labels) == 1
    build = [labels for (n, labels), _ in s.items() if n == "qinglang_build_info"]
    assert build and dict(build[0])["python"].count(".") == 2
    assert ("process_resident_memory_bytes", ()) in s and any(n == "python_gc_objects_collected_total" for n, _ in s)
    assert ("qinglang_review_queue_oldest_age_seconds", ()) in s


def test_made_up_http_methods_share_one_label(make_app) -> None:
    with TestClient(make_app()) as c:
        for i in range(5):
            c.request(f"FOO{i}", "/v1/query/check")
        c.get("/healthz")
        text = c.get("/metrics").text
    methods = {dict(labels)["method"] for (n, labels), _ in samples(text).items()
               if n == "qinglang_requests_total"}
    assert methods == {"GET", "other"}


def test_queue_age_grows_with_a_pending_item(make_app) -> None:
    with TestClient(make_app(protect_reviews=False, protect_trending=False)) as c:
        before = samples(c.get("/metrics").text)[("qinglang_review_queue_oldest_age_seconds", ())]
        c.post("/v1/trending/review", json={"candidates": [candidate(account={"name": "某市公安局"})]})
        assert c.get("/v1/reviews").json()["total"] == 1
        after = samples(c.get("/metrics").text)[("qinglang_review_queue_oldest_age_seconds", ())]
    assert before == 0 and after >= 0 and ("qinglang_review_queue_pending", ()) in samples(c.get("/metrics").text)


def test_reloads_publishes_and_rumour_refreshes_are_counted(make_app, service_matcher) -> None:
    rumors = FakeRumors([{"id": "r1", "key": "喝盐水防病毒", "status": "false"}])
    app = make_app(rumors=rumors)
    guard = app.state.guard
    guard.live.swap(service_matcher, "v2")
    guard.refresh_rumors()
    with TestClient(app) as c:
        s = samples(c.get("/metrics").text)
    assert s[("qinglang_lexicon_reloads_total", ())] >= 1
    assert s[("qinglang_rumor_refreshes_total", (("outcome", "changed"),))] == 1
    assert s[("qinglang_lexicon_info", (("version", "v2"),))] == 1


def test_a_failing_rumour_refresh_is_counted_and_raised(make_app) -> None:
    class Broken(FakeRumors):
        def refresh(self) -> None:
            raise OSError("database is gone")

    app = make_app(rumors=Broken([]))
    try:
        app.state.guard.refresh_rumors()
    except OSError:
        pass
    else:  # pragma: no cover - the error must reach the periodic task, which logs it
        raise AssertionError("refresh error swallowed")
    text = app.state.guard.metrics.render().decode()
    assert samples(text)[("qinglang_rumor_refreshes_total", (("outcome", "failed"),))] == 1


def test_reload_failures_reach_the_metrics() -> None:
    class Store:
        def live_version(self) -> int:
            return 2

        def build_matcher(self, version: int) -> object:
            raise RuntimeError("automaton exploded")

    metrics = GuardMetrics()
    live = LiveMatcher(object(), "1")
    poller = VersionPoller(Store(), live, interval=1, on_failure=metrics.reload_failed)
    assert poller.check_once() is False and live.version == "1"
    assert samples(metrics.render().decode())[("qinglang_lexicon_reload_failures_total", ())] == 1


def test_publish_through_the_api_is_counted(make_app) -> None:
    app = make_app(four_eyes=False)
    secret = TokenStore(app.state.guard.db_path).create("ann", "admin")[1]
    auth = {"Authorization": f"Bearer {secret}"}
    with TestClient(app) as c:
        cs = c.post("/v1/admin/changesets", json={"note": "n"}, headers=auth).json()
        rev = c.post(f"/v1/admin/changesets/{cs['id']}/changes", headers=auth,
                     json={"op": "add", "entry": {"term": "线上棋牌", "category": "gambling", "action": "block"}})
        assert rev.status_code in (200, 201), rev.text
        revision = c.get(f"/v1/admin/changesets/{cs['id']}", headers=auth).json()["revision"]
        pub = c.post(f"/v1/admin/changesets/{cs['id']}/publish", headers=auth,
                     json={"expected_revision": revision, "force": True})
        assert pub.status_code == 200, pub.text
        assert samples(c.get("/metrics").text)[("qinglang_lexicon_publishes_total", ())] == 1


def test_model_score_hook_is_a_plain_callable() -> None:
    metrics = GuardMetrics()
    hook = metrics.observe_model_score
    hook("trending", "gambling", 0.93)
    hook("query", "fraud", 0.07)
    hook("query", "fraud", "not a number")  # type: ignore[arg-type]  # never raises
    s = samples(metrics.render().decode())
    assert s[("qinglang_model_score_count", (("category", "gambling"), ("surface", "trending")))] == 1
    assert s[("qinglang_model_score_bucket", (("category", "fraud"), ("le", "0.1"), ("surface", "query")))] == 1


def test_metrics_can_require_a_token(make_app) -> None:
    app = make_app(protect_metrics=True)
    secret = TokenStore(app.state.guard.db_path).create("prom", "reader")[1]
    with TestClient(app) as c:
        assert c.get("/metrics").status_code == 401
        r = c.get("/metrics", headers={"Authorization": f"Bearer {secret}"})
        assert r.status_code == 200 and "qinglang_requests_total" in r.text
    with TestClient(make_app()) as c:
        assert c.get("/metrics").status_code == 200


def test_multiprocess_mode_sums_every_worker(tmp_path: Path) -> None:
    """Two worker processes count decisions into one PROMETHEUS_MULTIPROC_DIR; a scrape answered by either
    sees the sum (and still its own scrape-time gauges)."""
    directory = tmp_path / "prom"
    directory.mkdir()
    worker = textwrap.dedent("""
        import sys
        from service.metrics import GuardMetrics
        m = GuardMetrics(version="t")
        m.decision("query", "block", int(sys.argv[1]))
        m.observe_model_score("query", "gambling", 0.9)
        m.probes["lexicon_version"] = lambda: "v7"
        if len(sys.argv) > 2:
            sys.stdout.write(m.render().decode())
    """)
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-c", worker, "2"], env=env, check=True, cwd=REPO_ROOT, timeout=120)
    out = subprocess.run([sys.executable, "-c", worker, "3", "render"], env=env, check=True, cwd=REPO_ROOT,
                         capture_output=True, text=True, timeout=120).stdout
    s = samples(out)
    assert s[("qinglang_decisions_total", (("action", "block"), ("surface", "query")))] == 5
    assert s[("qinglang_model_score_count", (("category", "gambling"), ("surface", "query")))] == 2
    assert s[("qinglang_lexicon_info", (("version", "v7"),))] == 1
    assert list(directory.glob("*.db"))


def test_serve_gives_workers_a_fresh_metrics_directory(tmp_path: Path, monkeypatch) -> None:
    from service.commands import multiprocess_metrics_dir

    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    with multiprocess_metrics_dir() as made:
        assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == made and Path(made).is_dir()
    assert not Path(made).exists() and "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    given = tmp_path / "m"
    given.mkdir()
    (given / "counter_1.db").write_bytes(b"stale")
    (given / "keep.txt").write_text("x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(given))
    with multiprocess_metrics_dir() as used:
        assert used == str(given) and not (given / "counter_1.db").exists() and (given / "keep.txt").exists()
