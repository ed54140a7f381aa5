"""HTTP benchmark of the guard service on loopback, with bounded request counts.

    python bench/bench_service.py                      # default matrix: 1 and 2 uvicorn workers
    python bench/bench_service.py --workers 1 --quick  # smaller run

Starts the real server (uvicorn, in a child process) on a free loopback port, warms it up, then
drives it with a small keep-alive HTTP/1.1 client (asyncio, pre-built requests, one process) and
measures throughput and per-request latency (send → full response) for:

- suggestion filtering, 10 suggestions per request
- query checks (one hot-search title per request)
- trending review, batches of 1 and of 50 candidates (each batch is stored in SQLite)

Each configuration runs with an empty rumour index and with the shared fact-check rumours
(2,413, ``/work/shared/data/rumors/rumor_refutations.jsonl``) imported into the server's database
(``--rumors empty shared``), in the same run and with the same worker count.

Texts: trending titles from /work/shared/data when present (else synthetic). Lexicons: the bundled
ones plus, when present, the shared gambling / advertising term lists as extra lexicons (so the
matcher does realistic work). Results go to bench/results/service.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("QINGLANG_SHARED", "/work/shared"))
RESULTS = ROOT / "bench" / "results" / "service.json"


# ---------------------------------------------------------------- server side (child process)

def _extra_lexicons(tmp: Path) -> list[str]:
    """The shared term lists as plain-text lexicons with a header (category, action)."""
    out = []
    for name, category, action in (("gambling_terms.characterma.txt", "gambling", "block"),
                                   ("advertising_terms.fwwdn.txt", "blackmarket_ad", "review")):
        src = SHARED / "data" / "lexicons" / name
        if not src.exists():
            continue
        terms = list(dict.fromkeys(t.strip() for t in src.read_text(encoding="utf-8").splitlines() if len(t.strip()) >= 2))
        dst = tmp / f"bench_{category}.txt"
        dst.write_text(f"# category: {category}\n# action: {action}\n" + "\n".join(terms) + "\n", encoding="utf-8")
        out.append(str(dst))
    return out


def _factory():  # uvicorn --factory entry point (one call per worker process)
    sys.path.insert(0, str(ROOT))
    from plugin import Matcher
    from service.app import create_app
    from service.config import ServiceConfig

    paths = [p for p in os.environ.get("BENCH_LEXICONS", "").split(os.pathsep) if p]
    matcher = Matcher.from_lexicons(paths, bundled=True)
    # the trending route stores review state and needs a token by default; the bench client sends none
    return create_app(ServiceConfig.from_env(protect_trending=False), matcher=matcher)


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    uvicorn.run("bench_service:_factory", factory=True, host="127.0.0.1", port=args.port, workers=args.workers,
                http=args.http, loop=args.loop, log_level="warning", access_log=False,
                app_dir=str(Path(__file__).parent))


# ---------------------------------------------------------------- client side

def _titles(n: int, seed: int = 7) -> list[str]:
    path = SHARED / "data" / "trending" / "hot_search_titles.jsonl"
    rng = random.Random(seed)
    if path.exists():
        titles = [json.loads(line)["title"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        titles = [t for t in titles if 2 <= len(t) <= 60]
        rng.shuffle(titles)
        return titles[:n]
    chars = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质"
    return ["".join(rng.choice(chars) for _ in range(rng.randint(4, 20))) for _ in range(n)]


def _request(path: str, body: dict[str, Any]) -> bytes:
    data = json.dumps(body, ensure_ascii=False).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    return head + data


def suggestion_requests(n: int, per_request: int = 10, pool: int = 5000) -> list[bytes]:
    """``n`` requests of ``per_request`` suggestions drawn uniformly from ``pool`` distinct titles.
    After warm-up nearly every text is cached; real traffic has a long tail of rarely seen
    suggestions, so the bench also runs with the cache off (``--cache-sizes ... 0``) as the floor."""
    titles = _titles(pool)
    rng = random.Random(1)
    out = []
    for i in range(n):
        sugg = rng.sample(titles, per_request)
        prefix = sugg[0][: rng.randint(1, 3)]
        out.append(_request("/v1/suggestions/filter", {"prefix": prefix, "suggestions": sugg}))
    return out


def _candidate(i: int, title: str, rng: random.Random) -> dict[str, Any]:
    topic = rng.choice(["current_affairs", "public_policy", "social_event", "domain_info", "entertainment", "other"])
    owner = f"owner{rng.randint(0, 400)}"
    return {
        "id": f"c{i}",
        "title": title,
        "text": title + "。" + rng.choice(["现场视频曝光", "官方已回应", "网友热议", "详情见正文"]),
        "topic_type": topic,
        "domain": rng.choice([None, None, None, "finance", "medical"]),
        "declared": {"source": rng.choice([None, "新华社", "本台记者"]), "ai_generated": False, "fiction": False},
        "detected": {"ai_generated": rng.random() < 0.1, "old_news": rng.random() < 0.05},
        "account": {"id": f"acc{rng.randint(0, 5000)}", "name": rng.choice(["小王看世界", "北京生活圈", "财经老李", "娱乐八卦君"]),
                    "verified_org": rng.random() < 0.2, "certified_domains": rng.choice([[], ["finance"]]),
                    "registered_at": "2024-01-01T00:00:00Z", "renamed_at": None, "owner_id": owner,
                    "mcn": rng.choice([None, "mcn1", "mcn2"]), "violations_90d": rng.randint(0, 3)},
        "event_started_at": "2025-06-01T00:00:00Z",
        "metrics": {"engagement_per_min": [rng.randint(10, 60) for _ in range(12)] + [rng.choice([50, 60, 2000])]},
    }


def query_requests(n: int, pool: int = 5000) -> list[bytes]:
    titles = _titles(pool, seed=5)
    rng = random.Random(2)
    return [_request("/v1/query/check", {"query": rng.choice(titles)}) for _ in range(n)]


def trending_requests(n: int, batch: int) -> list[bytes]:
    titles = _titles(5000, seed=3)
    rng = random.Random(batch)
    out = []
    k = 0
    for _ in range(n):
        cands = []
        for _ in range(batch):
            cands.append(_candidate(k, titles[k % len(titles)], rng))
            k += 1
        out.append(_request("/v1/trending/review", {"candidates": cands}))
    return out


async def _drive(port: int, requests: list[bytes], concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    next_i = 0

    async def worker() -> None:
        nonlocal next_i
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_i < len(requests):
                req = requests[next_i]
                next_i += 1
                t0 = time.perf_counter()
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - started
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": len(latencies),
        "concurrency": concurrency,
        "seconds": round(wall, 3),
        "req_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(q[49] * 1000, 3),
        "p90_ms": round(q[89] * 1000, 3),
        "p99_ms": round(q[98] * 1000, 3),
        "max_ms": round(latencies[-1] * 1000, 3),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(port: int, proc: subprocess.Popen, timeout: float = 90) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited during start-up")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


def run_config(workers: int, http: str, loop: str, scale: float, concurrency: int, lexicons: list[str],
               cache_size: int, rumors: str = "empty") -> dict[str, Any]:
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        if rumors == "shared":
            sys.path.insert(0, str(ROOT))
            from plugin.rumors import RumorStore, import_jsonl

            import_jsonl(RumorStore(Path(tmp) / "bench.db"), SHARED / "data" / "rumors" / "rumor_refutations.jsonl")
        env = {**os.environ, "BENCH_LEXICONS": os.pathsep.join(lexicons), "QINGLANG_DB_PATH": str(Path(tmp) / "bench.db"),
               "QINGLANG_MAX_CANDIDATES": "100", "QINGLANG_CHECK_CACHE_SIZE": str(cache_size), "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, __file__, "--serve", "--port", str(port), "--workers", str(workers),
                                 "--http", http, "--loop", loop], env=env, cwd=ROOT)
        try:
            _wait_up(port, proc)
            import httpx

            info = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
            out: dict[str, Any] = {"workers": workers, "http": http, "loop": loop, "check_cache_size": cache_size,
                                   "rumors": rumors, "lexicon_version": info["lexicon_version"]}
            # warm-up: every worker compiles lazily-built tables on first use
            asyncio.run(_drive(port, suggestion_requests(400 * workers), concurrency))
            asyncio.run(_drive(port, trending_requests(20 * workers, 1), 4))
            scenarios = {
                "suggestions_10": (suggestion_requests(int(20000 * scale)), concurrency),
                "query_check": (query_requests(int(20000 * scale)), concurrency),
                "trending_batch_1": (trending_requests(int(3000 * scale), 1), concurrency),
                "trending_batch_50": (trending_requests(int(200 * scale), 50), 4),
            }
            for name, (reqs, conc) in scenarios.items():
                out[name] = asyncio.run(_drive(port, reqs, conc))
                if name == "suggestions_10":
                    cache = httpx.get(f"http://127.0.0.1:{port}/healthz").json().get("check_cache", {}).get("check")
                    if cache:
                        total = cache["hits"] + cache["misses"]
                        out[name]["cache_hit_rate_incl_warmup"] = round(cache["hits"] / total, 3) if total else None
                print(f"workers={workers} http={http} cache={cache_size} rumors={rumors} {name}: {out[name]['req_per_s']} req/s, "
                      f"p50 {out[name]['p50_ms']} ms, p99 {out[name]['p99_ms']} ms", flush=True)
            return out
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _client_loop() -> str:
    """uvloop for the load generator when installed (less client CPU on a shared 2-core box)."""
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        return "uvloop"
    except ImportError:
        return "asyncio"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2], help="uvicorn worker counts to try")
    ap.add_argument("--http", nargs="*", default=["auto"], help="uvicorn HTTP implementations to try (auto, h11, httptools)")
    ap.add_argument("--cache-sizes", type=int, nargs="*", default=[50_000, 0],
                    help="check_cache_size values to try (0: every suggestion is matched afresh)")
    ap.add_argument("--loop", default="auto", help="uvicorn event loop (auto, asyncio, uvloop)")
    ap.add_argument("--concurrency", type=int, default=8, help="client connections (closed loop)")
    ap.add_argument("--quick", action="store_true", help="a tenth of the requests")
    ap.add_argument("--no-shared-lexicons", action="store_true", help="bundled lexicons only")
    ap.add_argument("--rumors", nargs="*", default=["empty", "shared"], choices=["empty", "shared"],
                    help="rumour index: empty, or the shared fact-check rumours imported")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    if args.serve:
        args.workers = args.workers[0] if isinstance(args.workers, list) else args.workers
        args.http = args.http[0] if isinstance(args.http, list) else args.http
        _serve(args)
        return
    scale = 0.1 if args.quick else 1.0
    client_loop = _client_loop()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        lexicons = [] if args.no_shared_lexicons else _extra_lexicons(Path(tmp))
        sys.path.insert(0, str(ROOT))
        from plugin import Matcher

        n_entries = len(Matcher.from_lexicons(lexicons, bundled=True).entries)
        runs = [run_config(w, h, args.loop, scale, args.concurrency, lexicons, c, r)
                for c in args.cache_sizes for h in args.http for w in args.workers for r in args.rumors]
    try:
        import httptools  # noqa: F401
        has_httptools = True
    except ImportError:
        has_httptools = False
    result = {
        "benchmark": "service HTTP on loopback (bench/bench_service.py)",
        "command": " ".join(["python", "bench/bench_service.py", *sys.argv[1:]]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "httptools_installed": has_httptools,
        "lexicon_entries": n_entries,
        "client": f"one {client_loop} process, keep-alive HTTP/1.1, closed loop; latency = send to full response",
        "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "target": "suggestions_10: >= 3000 req/s with p99 <= 20 ms",
        "runs": runs,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
