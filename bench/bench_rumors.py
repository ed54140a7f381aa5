"""Rumour index benchmark: match latency (p50 / p99) and import / build throughput.

    python bench/bench_rumors.py [--synthetic 100000] [--queries 5000]

Two configurations:

- ``shared``: the shared fact-check data (``/work/shared/data/rumors/rumor_refutations.jsonl``)
  imported through ``import_jsonl`` (import throughput measured here);
- ``synthetic``: N synthetic rumours generated from the real ones (each a real claim with about
  40 % of its words replaced by dictionary words of the same length, seeded) plus the real ones,
  bulk-upserted into SQLite (throughput) and indexed (build time).

Queries, timed one by one in-process with ``time.perf_counter_ns`` (wall) and ``time.thread_time_ns``
(CPU time of the thread: the cost without the scheduling waits of a shared box) after a warm-up: ``titles``,
random real hot-search titles (each seen once: cold caches; the target: p50 <= 30 us, p99 <=
300 us with 100k rumours), and ``mixed``, the paraphrase set plus titles. Also: the share of titles
the pre-filter (:mod:`plugin.rumors.prefilter`) sends to the full analysis, and its own CPU time per
text (a second pass over the same texts). ``shared.guard``: the guard pipeline's CPU time per title with the
shared rumours and with none (:func:`guard_cost`: what the lookup costs the service, measured in process so the
load of a shared box does not decide it). Writes ``bench/results/rumors.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plugin.rumors import Refutation, Rumor, RumorIndex, RumorStatus, RumorStore, import_jsonl  # noqa: E402
from plugin.segment import segmenter  # noqa: E402

SHARED = Path(os.environ.get("QINGLANG_RUMOR_DATA", "/work/shared/data/rumors/rumor_refutations.jsonl"))
HOT = Path(os.environ.get("QINGLANG_HOT_TITLES", "/work/shared/data/trending/hot_search_titles.jsonl"))
PARAPHRASES = ROOT / "bench" / "data" / "rumor_paraphrases.jsonl"
OUT = ROOT / "bench" / "results" / "rumors.json"


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def time_queries(index: RumorIndex, queries: list[str], warm: list[str]) -> dict:
    for q in warm:
        index.match(q)
    lat = []
    cpu = []
    pinned = 0
    for q in queries:
        c0 = time.thread_time_ns()
        t0 = time.perf_counter_ns()
        res = index.match(q)
        lat.append((time.perf_counter_ns() - t0) / 1e6)
        cpu.append((time.thread_time_ns() - c0) / 1e6)
        pinned += bool(res.pins)
    from plugin.normalize import prepare

    state = index._state  # bench helper: the pre-filter's pass rate and its own cost (texts folded already)
    passed = 0
    filter_cpu = []
    for q in queries:
        folded = prepare(q).folded
        c0 = time.thread_time_ns()
        passed += state.may_match(folded)
        filter_cpu.append((time.thread_time_ns() - c0) / 1e6)
    return {"queries": len(queries), "p50_us": round(percentile(lat, 50) * 1000, 1),
            "p90_us": round(percentile(lat, 90) * 1000, 1), "p99_us": round(percentile(lat, 99) * 1000, 1),
            "max_ms": round(max(lat), 3), "mean_us": round(sum(lat) / len(lat) * 1000, 1),
            # CPU time of the matching thread: what the match costs without the waits of a shared box
            "cpu_p50_us": round(percentile(cpu, 50) * 1000, 1), "cpu_p99_us": round(percentile(cpu, 99) * 1000, 1),
            "with_pins": pinned,
            "prefilter_pass_rate": round(passed / len(queries), 4),
            # the pre-filter alone, on the same texts a second time (its tables warm in the cache)
            "prefilter_cpu_p50_us": round(percentile(filter_cpu, 50) * 1000, 1),
            "prefilter_cpu_p99_us": round(percentile(filter_cpu, 99) * 1000, 1)}


def guard_cost(index: RumorIndex, titles: list[str], rounds: int = 4, fresh: list[str] | None = None) -> dict:
    """CPU time of the guard pipeline (:class:`plugin.Guard`, bundled lexicons, result caching off) per hot-search
    title, with this rumour index and with none, on the query and the trending surface; the two guards take turns
    over the same titles (halves swapped each round) so the load of a shared box falls on both alike. After the
    first round the per-text analysis cache of the index (:data:`plugin.rumors.index.query_analysis`) holds the
    titles that reach the analysis: what a text seen before costs. ``fresh`` titles are measured ``cold`` too: each
    checked once by each guard (the first in turn alternating), the analysis cache emptied before each pass — what
    a text never seen before costs."""
    from plugin import Guard, Matcher, Surface
    from plugin.rumors.index import query_analysis

    matcher = Matcher.from_lexicons([], bundled=True)
    guards = {"empty": Guard(matcher, rumors=None, cache_size=0), "rumors": Guard(matcher, rumors=index, cache_size=0)}
    for g in guards.values():
        for t in titles[:200]:
            g.check(t, Surface.QUERY)
    half = len(titles) // 2
    cpu: dict[tuple[str, str], float] = {}
    for r in range(rounds):
        for part in (titles[:half], titles[half:]) if r % 2 else (titles[half:], titles[:half]):
            for name, g in (guards.items() if r % 2 else reversed(guards.items())):
                for surface in (Surface.QUERY, Surface.TRENDING):
                    c0 = time.thread_time_ns()
                    for t in part:
                        g.check(t, surface)
                    key = (name, surface.value)
                    cpu[key] = cpu.get(key, 0.0) + (time.thread_time_ns() - c0)
    per = {k: v / (rounds * len(titles)) / 1000 for k, v in cpu.items()}
    out: dict = {"titles": len(titles), "rounds": rounds}
    for surface in ("query", "trending"):
        empty, loaded = per[("empty", surface)], per[("rumors", surface)]
        out[surface] = {"empty_cpu_us": round(empty, 1), "rumors_cpu_us": round(loaded, 1),
                        "throughput_ratio": round(empty / loaded, 3)}
    if fresh:
        cold: dict[str, float] = {"empty": 0.0, "rumors": 0.0}
        chunks = [fresh[i:i + 100] for i in range(0, len(fresh), 100)]
        for k, chunk in enumerate(chunks):
            for name, g in (guards.items() if k % 2 else reversed(guards.items())):
                query_analysis.cache_clear()
                c0 = time.thread_time_ns()
                for t in chunk:
                    g.check(t, Surface.QUERY)
                cold[name] += time.thread_time_ns() - c0
        empty, loaded = cold["empty"] / len(fresh) / 1000, cold["rumors"] / len(fresh) / 1000
        out["cold_query"] = {"titles": len(fresh), "empty_cpu_us": round(empty, 1), "rumors_cpu_us": round(loaded, 1),
                             "throughput_ratio": round(empty / loaded, 3)}
    return out


def synthetic_rumors(n: int, real: list[Rumor], seed: int = 7) -> list[Rumor]:
    """``n`` claims generated from the real ones: each word replaced by a dictionary word of the same
    length with probability 0.4 (other subjects, places, predicates in the real claims' shapes)."""
    from plugin.rumors.analysis import analyze

    rng = random.Random(seed)
    by_len: dict[int, list[str]] = {}
    for w, f in segmenter().words(min_len=1, max_len=4):
        if f >= 3:
            by_len.setdefault(len(w), []).append(w)
    shapes = [a for a in (analyze(r.claim[:120]).surface for r in real) if len(a) >= 2]
    out = []
    for i in range(n):
        words = [rng.choice(by_len[len(w)]) if len(w) in by_len and rng.random() < 0.4 else w
                 for w in rng.choice(shapes)]
        claim = "".join(words)
        status = rng.choice([RumorStatus.FALSE] * 6 + [RumorStatus.MISLEADING, RumorStatus.DISPUTED, RumorStatus.TRUE])
        out.append(Rumor(id=f"syn{i:06d}", claim=claim, status=status,
                         refutations=(Refutation(title="【辟谣】" + claim, source="bench"),)))
    return out


def shared_index(synthetic: int = 0) -> tuple[RumorIndex, float]:
    """An index of the shared rumours (and ``synthetic`` generated ones, :func:`synthetic_rumors`) built from a
    throw-away store, with its build seconds: what the A/B scripts compare code versions on."""
    with tempfile.TemporaryDirectory() as tmp:
        store = RumorStore(Path(tmp) / "rumors.db")
        report = import_jsonl(store, SHARED)
        if synthetic:
            rumors = synthetic_rumors(synthetic, report.rumors)
            for k in range(0, len(rumors), 10_000):
                store.upsert(rumors[k : k + 10_000])
        t0 = time.perf_counter()
        index = RumorIndex.from_store(store)
        return index, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=5000)
    args = ap.parse_args()

    rng = random.Random(11)
    hot = [json.loads(line)["title"] for line in HOT.open(encoding="utf-8") if line.strip()]
    para = [json.loads(line)["query"] for line in PARAPHRASES.open(encoding="utf-8") if line.strip()]
    sample = rng.sample(hot, min(len(hot), 3 * args.queries + 200))
    warm, titles, more = sample[:200], sample[200 : 200 + args.queries], sample[200 + args.queries :]
    mixed = para + more[: max(0, args.queries - len(para))]
    result: dict = {"command": "python bench/bench_rumors.py " + " ".join(sys.argv[1:]),
                    "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                "note": "2-core box shared with other work; one query at a time, in-process"},
                    "target": "hot-search titles: p50 <= 30 us, p99 <= 300 us per match with 100k rumours",
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_average_before_after": [round(os.getloadavg()[0], 2)]}

    def timings(index: RumorIndex) -> dict:
        return {"titles": time_queries(index, titles, warm), "mixed": time_queries(index, mixed, [])}
    segmenter().load()
    with tempfile.TemporaryDirectory() as tmp:
        store = RumorStore(Path(tmp) / "shared.db")
        t0 = time.perf_counter()
        report = import_jsonl(store, SHARED)
        dt = time.perf_counter() - t0
        t1 = time.perf_counter()
        index = RumorIndex.from_store(store)
        build = time.perf_counter() - t1
        result["shared"] = {
            "rumors": len(report.rumors), "skipped": len(report.skipped),
            "import_seconds": round(dt, 3), "import_rows_per_s": round(len(report.rumors) / dt, 1),
            "index_build_seconds": round(build, 3), "clusters": index.cluster_count, "match": timings(index),
            "guard": guard_cost(index, more[: args.queries], fresh=more[args.queries : 2 * args.queries]),
        }
        print("shared", json.dumps(result["shared"], ensure_ascii=False))

        if args.synthetic:
            rumors = synthetic_rumors(args.synthetic, report.rumors)
            syn = RumorStore(Path(tmp) / "syn.db")
            t0 = time.perf_counter()
            for i in range(0, len(rumors), 10_000):
                syn.upsert(rumors[i : i + 10_000])
            dt = time.perf_counter() - t0
            t1 = time.perf_counter()
            index = RumorIndex.from_store(syn)
            build = time.perf_counter() - t1
            # the shared rumours too, so the paraphrase queries still find their claims
            syn.upsert(report.rumors)
            index.refresh()
            result["synthetic"] = {
                "rumors": len(index), "upsert_seconds": round(dt, 3),
                "upsert_rows_per_s": round(len(rumors) / dt, 1), "index_build_seconds": round(build, 3),
                "clusters": index.cluster_count, "match": timings(index),
            }
            print("synthetic", json.dumps(result["synthetic"], ensure_ascii=False))
    result["load_average_before_after"].append(round(os.getloadavg()[0], 2))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
