"""Hot-reload load run: publish lexicon versions while check requests flow; count failed requests.

    python bench/bench_reload.py [--seconds 20] [--publishes 8] [--clients 4] [--out bench/results/reload.json]

A service process (this script with ``--serve``: uvicorn on loopback, the real matcher, the
admin poller at ``--interval``) answers ``GET /v1/check``; the main process sends requests from
``--clients`` threads over keep-alive connections and meanwhile publishes ``--publishes`` new
versions straight into the SQLite store (as ``qinglang lexicon apply`` from another process
would). Each publish adds a fresh synthetic term; the run records how long until responses
show the new version and that the term is then matched. Reported: requests, failures (non-200,
transport errors, a response whose version does not match its hits), latency percentiles and
reload lag. Until ``service.app`` is on main the served app is a minimal one (live matcher +
admin module), which is exactly what the reload path needs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Synthetic content: characters chosen so the generated terms never collide with bundled terms.
_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def _term(i: int) -> str:
    rnd = random.Random(i)
    return "测" + "".join(rnd.choice(_CHARS) for _ in range(4)) + f"{i:03d}号"


def build_app(db: str, interval: float) -> Any:
    """A minimal service: the editorial extension over the store's live version (the tests' stand-in app,
    tests/service/editorial_app.py) + ``/v1/check``."""
    from plugin.store import LexiconStore, StoreConfig
    from tests.service.editorial_app import editorial_app

    store = LexiconStore(db, StoreConfig(reload_interval=interval))
    store.ensure_seeded()
    app = editorial_app(store)

    @app.get("/v1/check")
    def check(text: str) -> dict:
        m = app.state.guard.live.current()  # one matcher for the whole request
        hits = m.scan(text)
        return {"lexicon_version": str(m.version), "hits": [h.to_dict() for h in hits]}

    return app


def serve(db: str, port: int, interval: float) -> None:
    import uvicorn

    uvicorn.run(build_app(db, interval), host="127.0.0.1", port=port, log_level="warning")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def run(db: str, *, seconds: float = 20.0, publishes: int = 8, clients: int = 4, interval: float = 0.5) -> dict:
    """Run the load; returns the result dict (failures must be 0)."""
    import httpx

    from plugin.store import LexiconStore

    store = LexiconStore(db)
    store.ensure_seeded()
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, __file__, "--serve", "--db", db, "--port", str(port),
                             "--interval", str(interval)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/v1/check", params={"text": "x"}, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("service did not start")
            time.sleep(0.1)

        texts = ["今晚的比赛结果出来了", "这家店的菜真不错", "网上赌场 百家乐 在线开户", "震惊！你绝对想不到",
                 "春节回家的路上", "某网红炫富翻车"] + [f"新词{_term(i)}出现了" for i in range(publishes)]
        warm_started = time.perf_counter()
        for text in texts:  # warm-up: the first scans initialise jieba etc. in the service (not a reload cost)
            httpx.get(f"{base}/v1/check", params={"text": text}, timeout=30)
        warmup_s = time.perf_counter() - warm_started
        stop = threading.Event()
        lock = threading.Lock()
        lat: list[float] = []
        failures: list[str] = []
        first_seen: dict[str, float] = {}
        counts = {"requests": 0}

        def client(k: int) -> None:
            rnd = random.Random(k)
            with httpx.Client(base_url=base, timeout=10) as c:
                while not stop.is_set():
                    text = rnd.choice(texts)
                    t0 = time.perf_counter()
                    try:
                        r = c.get("/v1/check", params={"text": text})
                        ok = r.status_code == 200
                        body = r.json() if ok else {}
                    except Exception as exc:  # transport error
                        ok, body = False, {"error": repr(exc)}
                    dt_ = time.perf_counter() - t0
                    if dt_ > 0.5:
                        slow.append((round(time.monotonic() - started, 2), round(dt_, 2)))
                    with lock:
                        counts["requests"] += 1
                        lat.append(dt_)
                        if not ok:
                            failures.append(str(body)[:200])
                            continue
                        v = body["lexicon_version"]
                        first_seen.setdefault(v, time.monotonic())
                        # consistency: a term published in version n must hit in every response of version >= n
                        if text.startswith("新词"):
                            i = texts.index(text) - 6
                            published_in = published.get(i)
                            if published_in is not None and v.isdigit() and int(v) >= published_in \
                                    and not any(h["term"] == _term(i) for h in body["hits"]):
                                failures.append(f"version {v} misses {_term(i)} published in {published_in}")

        slow: list[tuple[float, float]] = []
        published: dict[int, int] = {}
        publish_times: dict[str, float] = {}
        publish_at: list[float] = []
        threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        gap = seconds / (publishes + 1)
        for i in range(publishes):
            time.sleep(gap)
            cs = store.create_changeset("bench-editor", f"bench term {i}")
            rev = store.set_change(cs, "add", entry={"term": _term(i), "category": "gambling", "action": "review"},
                                   editor="bench-editor")["revision"]
            n = store.publish(cs, approver="bench-approver", expected_revision=rev, force=True)
            published[i] = n
            publish_times[str(n)] = time.monotonic()
            publish_at.append(round(publish_times[str(n)] - started, 2))
        time.sleep(max(gap, interval * 3))
        settle = time.monotonic() + 15  # a slow reload (busy machine) still counts: wait for the last version
        while publish_times and max(publish_times, key=int) not in first_seen and time.monotonic() < settle:
            time.sleep(0.05)
        stop.set()
        for t in threads:
            t.join(15)
        elapsed = time.monotonic() - started
        lags = [first_seen[v] - t for v, t in publish_times.items() if v in first_seen]
        return {
            "bench": "reload",
            "command": f"python bench/bench_reload.py --seconds {seconds} --publishes {publishes} "
                       f"--clients {clients} --interval {interval}",
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
            "lexicon_entries": len(store.entries(1)),
            "warmup_s": round(warmup_s, 2), "seconds": round(elapsed, 2), "clients": clients, "poll_interval_s": interval,
            "requests": counts["requests"], "failed_requests": len(failures), "failure_examples": failures[:5],
            "requests_per_s": round(counts["requests"] / elapsed, 1),
            "latency_ms": {"p50": round(_pct(lat, 50) * 1000, 2), "p99": round(_pct(lat, 99) * 1000, 2),
                           "max": round(max(lat) * 1000, 2) if lat else 0.0,
                           "mean": round(statistics.fmean(lat) * 1000, 2) if lat else 0.0},
            "slow_requests_over_500ms": {"count": len(slow), "first": slow[:10], "publish_at_s": publish_at},
            "versions_published": sorted(int(v) for v in publish_times),
            "versions_seen": sorted(int(v) for v in first_seen if v.isdigit()),
            "reload_lag_s": {"max": round(max(lags), 3) if lags else None,
                             "mean": round(statistics.fmean(lags), 3) if lags else None,
                             "seen": len(lags), "published": len(publish_times)},
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--db", default="")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--publishes", type=int, default=8)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--interval", type=float, default=0.5, help="poll interval of the service (s)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "reload.json"))
    args = ap.parse_args()
    if args.serve:
        serve(args.db, args.port, args.interval)
        return
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        res = run(args.db or str(Path(tmp) / "bench.db"), seconds=args.seconds, publishes=args.publishes,
                  clients=args.clients, interval=args.interval)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False, indent=2))
    if res["failed_requests"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
