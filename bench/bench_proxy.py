"""Proxy overhead and suggestion over-fetch cost, against one osmem server in one run.

    /work/main/.venv/bin/python bench/bench_proxy.py [--docs 5000] [--queries 400]

Indexes trending titles (/work/shared/data/trending/hot_search_titles.jsonl) into a local
osmem-server, serves the search proxy (service/proxy.py) with uvicorn on loopback, and times the
same queries, interleaved, four ways:

* ``direct``:  httpx → osmem ``/news/_search``
* ``proxy``:   httpx → proxy (guard: query check, rumour lookup, title filtering) → osmem
* ``hooks``:   opensearch-py GuardedClient (in-process hooks, no extra hop) vs plain opensearch-py
* ``suggest``: completion suggestions, plain (size 5) vs guarded (size 5, over-fetch ×3 + filter)

Target: proxy adds ≤ 20 % to p50 latency. Results: bench/results/proxy.json.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from opensearchpy import OpenSearch  # noqa: E402
from osmem_server import OsmemServer  # noqa: E402

from plugin.lexicon import Entry  # noqa: E402
from plugin.matcher import Matcher  # noqa: E402
from plugin.search import SearchGuard, SearchGuardConfig, guard_client  # noqa: E402
from plugin.search.rumor_backend import SearchEngineRumorBackend  # noqa: E402
from service import proxy  # noqa: E402
from service.config import ServiceConfig  # noqa: E402

DATA = Path("/work/shared/data")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def summary(xs: list[float]) -> dict:
    ms = [x * 1000 for x in xs]
    return {"n": len(ms), "p50_ms": round(pct(ms, 50), 3), "p95_ms": round(pct(ms, 95), 3),
            "mean_ms": round(statistics.fmean(ms), 3)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_matcher() -> tuple[Matcher, int]:
    """Block entries from the shared gambling word list (load only; the bundled lexicons may still be empty)."""
    terms = [t.strip() for t in (DATA / "lexicons/gambling_terms.characterma.txt").read_text().splitlines()]
    terms = sorted({t for t in terms if 2 <= len(t) <= 20})
    entries = [Entry(term=t, category="gambling", action="block", term_id=f"bench:{i}") for i, t in enumerate(terms)]
    return Matcher.from_entries(entries, version="bench"), len(entries)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default=str(ROOT / "bench/results/proxy.json"))
    args = ap.parse_args()
    rng = random.Random(args.seed)

    titles = [json.loads(line)["title"] for line in (DATA / "trending/hot_search_titles.jsonl").open()]
    titles = [t for t in titles if t][: args.docs]
    rumors = [json.loads(line) for line in (DATA / "rumors/rumor_refutations.jsonl").open()][:500]
    matcher, n_terms = build_matcher()

    with OsmemServer.start(japanese=False, addr="127.0.0.1:0") as server:
        client = OpenSearch(hosts=[server.url])
        client.indices.create(index="news", body={"mappings": {"properties": {
            "title": {"type": "text", "analyzer": "cjk"}, "suggest": {"type": "completion"}}}})
        for start in range(0, len(titles), 1000):
            lines = []
            for i, t in enumerate(titles[start : start + 1000], start):
                lines += [{"index": {"_index": "news", "_id": str(i)}}, {"title": t, "suggest": {"input": [t]}}]
            client.bulk(body=lines)
        client.indices.refresh(index="news")
        backend = SearchEngineRumorBackend(client)
        backend.create_index()
        backend.bulk_import([r for r in rumors if r.get("claim")])

        guard = SearchGuard(matcher, backend, SearchGuardConfig(hit_fields=("title",)))
        variants = {  # name -> guard behind the proxy
            "proxy_passthrough": SearchGuard(matcher, None, SearchGuardConfig(hit_fields=())),
            "proxy_filter": SearchGuard(matcher, None, SearchGuardConfig(hit_fields=("title",))),
            "proxy_filter_es_rumors": guard,
        }
        servers = []
        ports = {}
        for name, g in variants.items():
            app = FastAPI()
            app.state.guard = SimpleNamespace(config=ServiceConfig(upstream_url=server.url, check_threads=4),
                                              live=SimpleNamespace(current=lambda: matcher), rumors=g.rumors,
                                              check_limiter=None)
            app.state.search_guard = g
            proxy.install(app)
            port = ports[name] = free_port()
            uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
            threading.Thread(target=uv.run, daemon=True).start()
            servers.append(uv)
        for uv in servers:
            while not uv.started:
                time.sleep(0.02)

        queries = []
        for _ in range(args.queries):
            t = rng.choice(titles)
            n = rng.randint(2, min(8, max(2, len(t))))
            s = rng.randint(0, max(0, len(t) - n))
            queries.append(t[s : s + n])
        bodies = [{"query": {"match": {"title": q}}, "size": 10} for q in queries]

        http = httpx.Client(timeout=30)
        urls = {"direct": f"{server.url}/news/_search"}
        urls.update({name: f"http://127.0.0.1:{port}/es/news/_search" for name, port in ports.items()})
        for b in bodies[:30]:  # warm-up: connections, caches, matcher tables
            for url in urls.values():
                http.post(url, json=b)
        times: dict[str, list[float]] = {name: [] for name in urls}
        removed = pinned = blocked = 0
        for b in bodies:
            order = list(urls)
            rng.shuffle(order)
            for mode in order:
                t0 = time.perf_counter()
                r = http.post(urls[mode], json=b)
                times[mode].append(time.perf_counter() - t0)
                if mode == "proxy_filter_es_rumors":
                    q = r.json().get("qinglang", {})
                    removed += q.get("removed", 0)
                    pinned += bool(q.get("pinned"))
                    blocked += bool(q.get("blocked"))

        # in-process hooks vs plain client
        guarded = guard_client(client, guard)
        hook_times: dict[str, list[float]] = {"plain_client": [], "guarded_client": []}
        for b in bodies:
            for mode, c in (("plain_client", client), ("guarded_client", guarded)):
                t0 = time.perf_counter()
                c.search(index="news", body=b)
                hook_times[mode].append(time.perf_counter() - t0)

        # suggestion over-fetch
        sugg_times: dict[str, list[float]] = {"plain": [], "guarded": []}
        returned = []
        for _ in queries:
            prefix = rng.choice(titles)[:2]
            body = {"size": 0, "suggest": {"s": {"prefix": prefix, "completion": {"field": "suggest", "size": 5}}}}
            t0 = time.perf_counter()
            client.search(index="news", body=body)
            sugg_times["plain"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            r = guarded.search(index="news", body=body)
            sugg_times["guarded"].append(time.perf_counter() - t0)
            returned.append(len(r["suggest"]["s"][0]["options"]))
        n_rumors = backend.count()
        for uv in servers:
            uv.should_exit = True

    d = summary(times["direct"])
    http_result: dict = {"direct": d}
    for name in variants:
        p = summary(times[name])
        added = (p["p50_ms"] - d["p50_ms"]) / d["p50_ms"]
        http_result[name] = {**p, "added_p50_ms": round(p["p50_ms"] - d["p50_ms"], 3),
                             "added_p50_pct": round(100 * added, 1), "meets_20pct_target": added <= 0.20}
    http_result.update(proxy_removed_hits=removed, proxy_pinned_queries=pinned, proxy_blocked_queries=blocked)
    result = {
        "command": "python bench/bench_proxy.py " + " ".join(sys.argv[1:]),
        "docs": len(titles), "queries": len(queries), "block_terms": n_terms, "rumors_indexed": n_rumors,
        "http": http_result,
        "in_process_hooks": {k: summary(v) for k, v in hook_times.items()},
        "suggest_overfetch_x3": {**{k: summary(v) for k, v in sugg_times.items()},
                                 "mean_options_returned": round(statistics.fmean(returned), 2)},
    }
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
