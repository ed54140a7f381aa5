"""`qinglang serve --workers 2 --log-format json` end to end: every scrape sums both workers' counters, the logs
are JSON lines with request ids, and a new database is warned about."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.paths import ROOT
from tests.service.server import free_port


def _value(text: str, name: str, **labels: str) -> float:
    return sum(s.value for fam in text_string_to_metric_families(text) for s in fam.samples
               if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


def test_two_workers_share_metrics_and_log_json(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QINGLANG_", "PROMETHEUS_"))}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from service.cli import main; main()", "serve", "--port", str(port), "--workers", "2",
         "--db", str(tmp_path / "new.db"), "--log-format", "json", "--log-level", "info"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 120
        while True:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.time() < deadline, "serve did not come up"
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=10) as c:  # new connections: both workers take requests
            for i in range(12):
                r = httpx.post(f"{base}/v1/query/check", json={"query": "澳门赌场"}, headers={"X-Request-ID": f"t-{i}"})
                assert r.status_code == 200 and r.headers["x-request-id"] == f"t-{i}"
            scrapes = [c.get("/metrics").text for _ in range(6)]
            ready = c.get("/readyz").json()
        for text in scrapes:
            assert _value(text, "qinglang_requests_total", endpoint="/v1/query/check") == 12
            assert _value(text, "qinglang_decisions_total", surface="query") == 12
        # (either worker answers: one created the database, the other found it empty)
        assert ready["status"] == "warning" and "database '(admin only)'" in ready["warnings"][0]
        assert "new.db" not in ready["warnings"][0]  # where the data is: admins only
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "qinglang.access" and line.get("request_id", "").startswith("t-")]
    assert len(access) == 12 and all(a["route"] == "/v1/query/check" and a["status"] == 200 for a in access)
    assert any(line.get("event") == "startup_warning" and line["level"] == "warning" for line in lines)
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)  # uvicorn's lines are JSON too
    assert not [line for line in err.splitlines() if line.strip() and not line.startswith("{")]
