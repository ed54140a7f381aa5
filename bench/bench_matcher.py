"""Matcher benchmark: raw pyahocorasick (the floor) vs the full pipeline vs flashtext vs a regex
alternation, at 10k / 100k / 1M terms, on the same text, in one run.

    python bench/bench_matcher.py [--sizes 10000,100000,1000000] [--out bench/results/matcher.json]

Each (engine, size) runs in its own subprocess so RSS figures are not mixed up. Long text: real
Chinese text from ../shared/data (titles, posts, claims) joined into ~1 MB; short queries: the real
hot-search titles. Terms: words from jieba's dictionary (3-8 characters; the 1M set adds
two-word compounds), inserted as gambling-like entries with every variant technique enabled.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
if not DATA.exists():
    DATA = Path(os.environ.get("QINGLANG_SHARED_DATA", "/work/shared/data"))
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def load_texts() -> tuple[str, list[str]]:
    """(long text of ~1 MB UTF-8, short queries)."""
    parts: list[str] = []
    for rel, key in [
        ("benign/thucnews_titles_sample.jsonl", "title"),
        ("spam/chineseharm_gambling_fraud_ad_benign.jsonl", "text"),
        ("clickbait/hancd_clickbait_titles.jsonl", "content_head"),
        ("rumors/ced_weibo_rumor_vs_nonrumor.jsonl", "text"),
    ]:
        with open(DATA / rel, encoding="utf-8") as fh:
            parts.extend(json.loads(line)[key] or "" for line in fh)
    long_text = "\n".join(parts)
    raw = long_text.encode("utf-8")[:1_000_000]
    long_text = raw.decode("utf-8", "ignore")
    with open(DATA / "trending/hot_search_titles.jsonl", encoding="utf-8") as fh:
        queries = [json.loads(line)["title"] for line in fh]
    return long_text, queries


def make_terms(n: int) -> list[str]:
    import jieba

    dict_path = Path(jieba.__file__).parent / "dict.txt"
    words = []
    with open(dict_path, encoding="utf-8") as fh:
        for line in fh:
            w = line.split(" ", 1)[0]
            if 3 <= len(w) <= 8 and re.fullmatch(r"[\u4e00-\u9fff]+", w):
                words.append(w)
    rnd = random.Random(20261121)
    rnd.shuffle(words)
    if n <= len(words):
        return words[:n]
    out = list(words)
    seen = set(out)
    while len(out) < n:
        w = rnd.choice(words) + rnd.choice(words)
        if w not in seen and len(w) <= 12:
            seen.add(w)
            out.append(w)
    return out


def time_long(fn, text: str, repeat: int = 3) -> float:
    """Best MB/s over ``repeat`` runs."""
    mb = len(text.encode("utf-8")) / 1e6
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t)
    return mb / best


def time_short(fn, queries: list[str]) -> dict[str, float]:
    lat = []
    for q in queries[:200]:  # warm up
        fn(q)
    t0 = time.perf_counter()
    for q in queries:
        t = time.perf_counter()
        fn(q)
        lat.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    lat.sort()
    return {
        "p50_us": lat[len(lat) // 2] * 1e6,
        "p99_us": lat[int(len(lat) * 0.99)] * 1e6,
        "checks_per_s": len(queries) / total,
    }


def worker(engine: str, size: int) -> dict:
    long_text, queries = load_texts()
    terms = make_terms(size)
    gc.collect()
    rss0 = rss_mb()
    t = time.perf_counter()
    if engine == "raw":
        import ahocorasick

        from plugin.normalize import dense_key, normalize

        auto = ahocorasick.Automaton()
        for i, w in enumerate(terms):
            auto.add_word(w, i)
        auto.make_automaton()
        build = time.perf_counter() - t
        rss = rss_mb() - rss0
        pre_long = normalize(long_text).dense
        pre_q = [dense_key(q) for q in queries]

        def scan(s: str) -> int:
            return sum(1 for _ in auto.iter(s))

        res = {"long_mb_s": time_long(scan, pre_long), **time_short(scan, pre_q),
               "matches_long": scan(pre_long)}
    elif engine == "pipeline":
        from plugin.lexicon import Entry, TECHNIQUES
        from plugin.matcher import Matcher
        from plugin.normalize import _tables
        from plugin.variants import load_variant_tables

        _tables()
        load_variant_tables()  # process-wide tables, not part of compiling a lexicon
        from plugin.segment import segmenter

        segmenter().load()
        # the lexicon as loaded (the input, like ``terms`` for the raw automaton) exists before timing
        entries = [Entry(term=w, category="gambling", action="block", term_id=f"gambling:{w}",
                         techniques=frozenset(TECHNIQUES)) for w in terms]
        gc.collect()
        rss0 = rss_mb()
        t = time.perf_counter()
        m = Matcher.from_entries(entries, version="bench")
        build = time.perf_counter() - t
        rss = rss_mb() - rss0

        def scan(s: str) -> int:
            return len(m.scan(s))

        res = {"long_mb_s": time_long(scan, long_text), **time_short(scan, queries),
               "matches_long": scan(long_text)}
    elif engine == "flashtext":
        from flashtext import KeywordProcessor

        kp = KeywordProcessor()
        for w in terms:
            kp.add_keyword(w)
        build = time.perf_counter() - t
        rss = rss_mb() - rss0

        def scan(s: str) -> int:
            return len(kp.extract_keywords(s, span_info=True))

        res = {"long_mb_s": time_long(scan, long_text, 1), **time_short(scan, queries[:5000]),
               "matches_long": scan(long_text)}
    elif engine == "regex":
        pat = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))
        build = time.perf_counter() - t
        rss = rss_mb() - rss0

        def scan(s: str) -> int:
            return sum(1 for _ in pat.finditer(s))

        res = {"long_mb_s": time_long(scan, long_text[:100_000], 1), **time_short(scan, queries[:2000]),
               "matches_long": None}
    else:
        raise SystemExit(f"unknown engine {engine}")
    res.update(engine=engine, terms=size, build_s=build, rss_mb=rss)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--engines", default="raw,pipeline,flashtext,regex")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "matcher.json"))
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "SIZE"))
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]))))
        return
    rows = []
    for size in [int(x) for x in args.sizes.split(",")]:
        for engine in args.engines.split(","):
            if engine == "regex" and size > 100_000:
                continue  # compiling a 1M-way alternation takes minutes; see README
            if engine == "flashtext" and size > 100_000:
                continue
            out = subprocess.run([sys.executable, __file__, "--worker", engine, str(size)],
                                 capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for size in {r["terms"] for r in rows}:
        raw = next((r for r in rows if r["engine"] == "raw" and r["terms"] == size), None)
        pipe = next((r for r in rows if r["engine"] == "pipeline" and r["terms"] == size), None)
        if raw and pipe:
            summary[str(size)] = {
                "long_ratio": pipe["long_mb_s"] / raw["long_mb_s"],
                "short_ratio": raw["p50_us"] / pipe["p50_us"],
                "short_throughput_ratio": pipe["checks_per_s"] / raw["checks_per_s"],
                "compile_ratio": pipe["build_s"] / raw["build_s"],
                "rss_ratio": pipe["rss_mb"] / raw["rss_mb"] if raw["rss_mb"] > 0 else None,
            }
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "rows": rows,
        "ratios_pipeline_vs_raw": summary,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
