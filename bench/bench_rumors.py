"""Rumour index benchmark: match latency (p50 / p99) and import / build throughput.

    python bench/bench_rumors.py [--synthetic 100000] [--queries 5000]

Two configurations:

- ``shared``: the shared fact-check data (``/work/shared/data/rumors/rumor_refutations.jsonl``)
  imported through ``import_jsonl`` (import throughput measured here);
- ``synthetic``: N synthetic rumours (claims built from random jieba dictionary words, seeded)
  bulk-upserted into SQLite (throughput) and indexed (build time).

Queries: real hot-search titles plus the paraphrase set (``bench/data``), timed one by one
in-process with ``time.perf_counter_ns`` after a warm-up. Writes ``bench/results/rumors.json``.
Target: p99 <= 2 ms per match in-process.
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


def time_queries(index: RumorIndex, queries: list[str]) -> dict:
    for q in queries[:200]:
        index.match(q)
    lat = []
    pinned = 0
    for q in queries:
        t0 = time.perf_counter_ns()
        res = index.match(q)
        lat.append((time.perf_counter_ns() - t0) / 1e6)
        pinned += bool(res.pins)
    return {"queries": len(queries), "p50_ms": round(percentile(lat, 50), 4), "p90_ms": round(percentile(lat, 90), 4),
            "p99_ms": round(percentile(lat, 99), 4), "max_ms": round(max(lat), 3),
            "mean_ms": round(sum(lat) / len(lat), 4), "with_pins": pinned}


def synthetic_rumors(n: int, seed: int = 7) -> list[Rumor]:
    rng = random.Random(seed)
    vocab = [w for w, f in segmenter().words(min_len=2, max_len=4) if f >= 3]
    rng.shuffle(vocab)
    vocab = vocab[:60000]
    preds = ["能预防", "可以治疗", "出现确诊病例", "将要封城", "会导致", "已经停止", "宣布取消", "检测呈阳性"]
    out = []
    for i in range(n):
        words = rng.sample(vocab, rng.randint(3, 7))
        k = rng.randint(1, len(words) - 1)
        claim = "".join(words[:k]) + rng.choice(preds) + "".join(words[k:])
        status = rng.choice([RumorStatus.FALSE] * 6 + [RumorStatus.MISLEADING, RumorStatus.DISPUTED, RumorStatus.TRUE])
        out.append(Rumor(id=f"syn{i:06d}", claim=claim, status=status,
                         refutations=(Refutation(title="【辟谣】" + claim, source="bench"),)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=5000)
    args = ap.parse_args()

    rng = random.Random(11)
    hot = [json.loads(line)["title"] for line in HOT.open(encoding="utf-8") if line.strip()]
    para = [json.loads(line)["query"] for line in PARAPHRASES.open(encoding="utf-8") if line.strip()]
    queries = para + rng.sample(hot, max(0, args.queries - len(para)))
    result: dict = {"command": "python bench/bench_rumors.py " + " ".join(sys.argv[1:]),
                    "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
                    "target": "p99 <= 2 ms per match in-process"}
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
            "index_build_seconds": round(build, 3), "match": time_queries(index, queries),
        }
        print("shared", json.dumps(result["shared"], ensure_ascii=False))

        if args.synthetic:
            rumors = synthetic_rumors(args.synthetic)
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
                "match": time_queries(index, queries),
            }
            print("synthetic", json.dumps(result["synthetic"], ensure_ascii=False))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
