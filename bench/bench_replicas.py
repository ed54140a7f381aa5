"""Replicas on one PostgreSQL: cold start with and without the compiled artefact, check throughput of 1 / 2 / 4
service processes, and publish-to-live latency on every replica.

    python bench/bench_replicas.py [--entries 100000] [--seconds 5] [--clients 8] [--out bench/results/replicas.json]

A throw-away PostgreSQL cluster (tests/pg.py: initdb + pg_ctl on loopback, the Debian ``postgresql``
package) holds the store.

1. Cold start at ``--entries`` synthetic entries (a TSV lexicon seeded as version 1): in this process,
   a replica's time from "version N is live" to "a matcher of N is ready", compiling it
   (``LexiconStore.build_matcher`` + warm-up, what every replica did before artefacts) versus loading the
   stored artefact (``load_or_build_matcher`` on a second store object, as another replica would);
   with the raw pyahocorasick build of the same terms as the yardstick.
2. Throughput: four service processes (tests/service/replica.py: uvicorn, the real app, one worker each)
   on one small lexicon version; ``--clients`` threads send ``POST /v1/query/check`` for ``--seconds`` to
   the first 1, 2 and 4 of them (keep-alive, round robin). The machine has 2 cores, shared: 4 processes
   cannot run 4 checks at once, so the figure shows what sharing a database costs, not how replicas scale
   on a bigger machine.
3. Publish-to-live: a version is published straight into the store (as another replica's admin API
   would); each replica is polled until its responses carry the new version. The replicas' poll interval
   is 30 s, so the latency is the NOTIFY path; the first replica to wake builds the artefact, the others
   wait for it and load it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥金木水火土"
_QUERIES = ["今天天气怎么样", "网上赌场开业了", "线上棋牌开局送金币", "某网红炫富翻车", "周末去哪里玩", "百家乐攻略大全"]


def _terms(n: int) -> list[str]:
    rnd = random.Random(7)
    out = dict.fromkeys("测" + "".join(rnd.choice(_CHARS) for _ in range(4)) + f"{i}号" for i in range(n))
    return list(out)


def cold_start(pg_url: str, n: int, work: Path) -> dict[str, Any]:
    """Compile vs artefact load of one ``n``-entry version (in this process)."""
    import ahocorasick

    from plugin.store import LexiconStore, StoreConfig

    terms = _terms(n)
    tsv = work / "bench.tsv"
    tsv.write_text("".join(f"{t}\tgambling\tblock\n" for t in terms), encoding="utf-8")
    cfg = StoreConfig(bundled_paths=(str(tsv),))
    t = time.perf_counter()
    store = LexiconStore(pg_url, cfg)
    version = store.ensure_seeded()
    seed_s = time.perf_counter() - t

    t = time.perf_counter()
    compiled = store.build_matcher(version)
    compiled.scan("warm up 测试 ceshi abc 123")  # the lazily built tables, as the store does before storing
    compile_s = time.perf_counter() - t

    t = time.perf_counter()
    store.build_matcher(version).scan("warm up 测试 ceshi abc 123")
    compile_again_s = time.perf_counter() - t

    t = time.perf_counter()
    store.load_or_build_matcher(version)  # compiles again, and stores the artefact
    build_and_store_s = time.perf_counter() - t
    size = store.artefacts()[0]["size"]

    replica = LexiconStore(pg_url, cfg)
    loads = []
    for _ in range(3):
        t = time.perf_counter()
        m = replica.load_or_build_matcher(version)
        loads.append(time.perf_counter() - t)
        assert replica.last_matcher_source == "artefact"
    assert m.scan(terms[123]) and m.scan(terms[123]) == compiled.scan(terms[123])

    t = time.perf_counter()
    a = ahocorasick.Automaton()
    for i, term in enumerate(terms):
        a.add_word(term, i)
    a.make_automaton()
    raw_s = time.perf_counter() - t
    load_s = statistics.median(loads)
    return {"entries": len(terms), "seed_seconds": round(seed_s, 2), "compile_seconds_first_in_process": round(compile_s, 2),
            "compile_seconds_again": round(compile_again_s, 2),
            "build_and_store_artefact_seconds": round(build_and_store_s, 2), "artefact_bytes": size,
            "artefact_load_seconds": round(load_s, 3), "artefact_load_runs": [round(x, 3) for x in loads],
            "raw_pyahocorasick_build_seconds": round(raw_s, 3),
            "load_vs_raw_build": round(load_s / raw_s, 2), "compile_again_vs_load": round(compile_again_s / load_s, 1)}


def _drive(urls: list[str], seconds: float, clients: int) -> dict[str, Any]:
    import httpx

    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        mine: list[float] = []
        bad = 0
        with httpx.Client(timeout=10) as c:
            for i in itertools.count():
                if time.monotonic() >= stop:
                    break
                url = urls[(k + i) % len(urls)]
                t = time.perf_counter()
                try:
                    r = c.post(url + "/v1/query/check", json={"query": _QUERIES[i % len(_QUERIES)]})
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - t)
                bad += not ok
        with lock:
            lat.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    took = time.monotonic() - started
    lat.sort()
    return {"replicas": len(urls), "requests": len(lat), "errors": errors[0],
            "requests_per_second": round(len(lat) / took, 1),
            "p50_ms": round(lat[len(lat) // 2] * 1000, 2) if lat else None,
            "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 2) if lat else None}


def replicas_run(pg_url: str, seconds: float, clients: int) -> dict[str, Any]:
    import httpx

    from plugin.store import LexiconStore
    from tests.service.replica import replicas
    from tests.service.server import free_port
    from tests.store_config import LEXICONS, make_config

    store = LexiconStore(pg_url, make_config())
    store.ensure_seeded()
    store.load_or_build_matcher(store.live_version())
    env = {"QINGLANG_DB_PATH": pg_url, "QINGLANG_BUNDLED_PATHS": ",".join(LEXICONS),
           "QINGLANG_RELOAD_INTERVAL": "30", "QINGLANG_CHECK_CACHE_SIZE": "0", "QINGLANG_LOG_LEVEL": "warning"}
    started = time.perf_counter()
    with replicas([{**env, "QINGLANG_PORT": str(free_port())} for _ in range(4)], timeout=240) as procs:
        start_s = time.perf_counter() - started
        urls = [u for u, _ in procs]
        runs = [_drive(urls[:k], seconds, clients) for k in (1, 2, 4)]

        version = store.live_version()
        cs = store.create_changeset("bench")
        rev = store.set_change(cs, "add", entry={"term": "测试发布词", "category": "gambling", "action": "block"},
                               editor="bench")["revision"]
        t0 = time.perf_counter()
        new = store.publish(cs, approver="bench-approver", expected_revision=rev, force=True)
        lag: dict[str, float] = {}
        with httpx.Client(timeout=10) as c:
            while len(lag) < len(urls) and time.perf_counter() - t0 < 60:
                for u in urls:
                    if u not in lag and c.post(u + "/v1/query/check",
                                               json={"query": "x"}).json()["lexicon_version"] == str(new):
                        lag[u] = round(time.perf_counter() - t0, 3)
                time.sleep(0.02)
    return {"replica_start_seconds_4_in_parallel": round(start_s, 1), "throughput": runs,
            "publish_to_live": {"from_version": version, "to_version": new, "seconds_per_replica": sorted(lag.values()),
                                "all_live": len(lag) == len(urls)}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "replicas.json"))
    args = ap.parse_args()

    from tests.pg import start_cluster

    server = start_cluster()
    try:
        with tempfile.TemporaryDirectory() as work:
            cold = cold_start(server.create_database(), args.entries, Path(work))
        print(json.dumps(cold, ensure_ascii=False), flush=True)
        multi = replicas_run(server.create_database(), args.seconds, args.clients)
        print(json.dumps(multi, ensure_ascii=False), flush=True)
    finally:
        server.stop()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "load_average_1m_at_end": load,
                    "note": "2 cores shared with other jobs: absolute figures vary with the load"},
        "postgresql": str(server.bin_dir),
        "cold_start": cold, **multi,
        "command": "python bench/bench_replicas.py " + " ".join(sys.argv[1:]),
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
