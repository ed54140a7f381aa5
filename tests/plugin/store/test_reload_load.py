"""A short version of bench/bench_reload.py: publish versions while requests flow; 0 failed requests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from tests.paths import ROOT



def test_publishing_under_load_fails_no_request(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_reload", ROOT / "bench" / "bench_reload.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    res = bench.run(str(tmp_path / "load.db"), seconds=2.0, publishes=2, clients=2, interval=0.2)
    assert res["failed_requests"] == 0, res["failure_examples"]
    assert res["requests"] > 50
    assert res["versions_published"] == [2, 3]
    assert {2, 3} <= set(res["versions_seen"])  # both versions went live without a restart
