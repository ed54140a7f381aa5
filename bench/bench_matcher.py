"""Matcher benchmark, measured the way a service meets the matcher: raw pyahocorasick on
pre-normalised text (the floor) vs the full pipeline (optionally flashtext and a regex alternation),
at 100k / 1M terms by default, on the same text, in one run.

    python bench/bench_matcher.py [--sizes 100000,1000000] [--engines raw,pipeline] [--out ...]

Each (engine, size) runs in its own subprocess so RSS figures are not mixed up. The pipeline's
compile time and RSS count everything built lazily (``Matcher.warm_up``: pinyin tables, boundary
index, offset-map tables, jieba dictionary); the process-wide tables are timed on their own. Text is
measured cold (never scanned in the process: jieba's cut cache and the prepare cache are empty for
it) and warm. A fresh Python process is timed from start to its first answered check, with the
bundled lexicons and with a 100k artefact (:mod:`plugin.matching.artefact`). Timings are CPU seconds
of the measuring process (``--wall`` for wall time): on a machine shared with other jobs, wall time
measures them too. Ratios are taken against raw pyahocorasick timed in the pipeline's own process,
interleaved with it; RSS ratios against the raw worker's own process. Long text: real
Chinese text from ../shared/data (titles, posts, claims) joined into ~1 MB; short queries: the real
hot-search titles. Terms: words from jieba's dictionary (3-8 characters; the 1M set adds
two-word compounds), inserted as gambling-like entries with every variant technique enabled.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import json
import os
import platform
import random
import re
import resource
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


#: Timings are CPU seconds of the measuring process: the machine is shared with other jobs, and wall time
#: under contention measures them as much as the matcher (the fresh-process figure gives both).
clock = time.process_time


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


def time_long(fn, text: str, repeat: int = 3) -> tuple[float, float]:
    """(MB/s of the first run: text never scanned in this process, best MB/s of ``repeat`` more)."""
    mb = len(text.encode("utf-8")) / 1e6
    t = clock()
    fn(text)
    cold = mb / (clock() - t)
    best = float("inf")
    for _ in range(repeat):
        t = clock()
        fn(text)
        best = min(best, clock() - t)
    return cold, mb / best


def time_short(fn, queries: list[str], prefix: str) -> dict[str, float]:
    """Latency per query (p50, p99) and checks per second over ``queries`` (one pass)."""
    lat = []
    t0 = clock()
    for q in queries:
        t = clock()
        fn(q)
        lat.append(clock() - t)
    total = clock() - t0
    lat.sort()
    return {
        f"{prefix}p50_us": lat[len(lat) // 2] * 1e6,
        f"{prefix}p99_us": lat[int(len(lat) * 0.99)] * 1e6,
        f"{prefix}checks_per_s": len(queries) / total,
    }


def measure(scan, long_text: str, queries: list[str]) -> dict[str, float]:
    """Cold (never scanned in this process) then warm figures, short queries first."""
    res = time_short(scan, queries, "cold_")
    cold, warm = time_long(scan, long_text)
    res.update(time_short(scan, queries, ""))
    res.update(cold_long_mb_s=cold, long_mb_s=warm, matches_long=scan(long_text))
    return res


def worker(engine: str, size: int, artefact: str | None = None) -> dict:
    long_text, queries = load_texts()
    terms = make_terms(size)
    gc.collect()
    rss0 = rss_mb()
    t = clock()
    extra: dict = {}
    if engine == "raw":
        import ahocorasick

        from plugin.normalize import dense_key, normalize

        auto = ahocorasick.Automaton()
        for i, w in enumerate(terms):
            auto.add_word(w, i)
        auto.make_automaton()
        build = clock() - t
        rss = rss_mb() - rss0
        pre_long = normalize(long_text).dense
        pre_q = [dense_key(q) for q in queries]

        def scan(s: str) -> int:
            return sum(1 for _ in auto.iter(s))

        res = measure(scan, pre_long, pre_q)
    elif engine == "pipeline":
        from plugin.lexicon import Entry, TECHNIQUES
        from plugin.matcher import Matcher
        from plugin.normalize import warm_up as normalize_tables
        from plugin.segment import segmenter
        from plugin.variants import load_variant_tables

        # process-wide tables (built once per process, whatever the lexicon): timed on their own
        t = clock()
        normalize_tables()
        load_variant_tables()
        tables_s = clock() - t
        t = clock()
        segmenter().load()
        jieba_s = clock() - t
        from plugin.boundary import WordBoundary

        t = clock()
        boundary = WordBoundary.shared()
        getattr(boundary, "load", lambda: boundary.check("一二三四", 1, 2))()  # its pair index (process-wide)
        tables_s += clock() - t
        tables_rss = rss_mb() - rss0
        # the lexicon as loaded (the input, like ``terms`` for the raw automaton) exists before timing
        entries = [Entry(term=w, category="gambling", action="block", term_id=f"gambling:{w}",
                         techniques=frozenset(TECHNIQUES)) for w in terms]
        gc.collect()
        rss0 = rss_mb()
        t = clock()
        m = Matcher.from_entries(entries, version="bench")
        compile_s = clock() - t
        rss_compiled = rss_mb() - rss0
        lazy = _warm_up_as_service(m)  # what scans would build on first use
        build = clock() - t
        rss = rss_mb() - rss0
        extra = {"compile_s": compile_s, "lazy_s": build - compile_s, "lazy": lazy, "tables_s": tables_s,
                 "jieba_load_s": jieba_s, "tables_rss_mb": tables_rss, "rss_compiled_mb": rss_compiled}
        if artefact:
            from plugin.matching.artefact import dump_matcher, load_matcher

            t = clock()
            blob = dump_matcher(m)
            dump_s = clock() - t
            Path(artefact).write_bytes(blob)
            t = clock()
            loaded = load_matcher(blob)
            load_s = clock() - t
            extra.update(artefact_mb=len(blob) / 1e6, artefact_dump_s=dump_s, artefact_load_s=load_s)
            del loaded

        def scan(s: str) -> int:
            return len(m.scan(s))

        res = measure(scan, long_text, queries)
        res["raw_same_process"] = _raw_alongside(terms, scan, long_text, queries)
    elif engine == "flashtext":
        from flashtext import KeywordProcessor

        kp = KeywordProcessor()
        for w in terms:
            kp.add_keyword(w)
        build = clock() - t
        rss = rss_mb() - rss0

        def scan(s: str) -> int:
            return len(kp.extract_keywords(s, span_info=True))

        res = measure(scan, long_text, queries[:5000])
    elif engine == "regex":
        pat = re.compile("|".join(map(re.escape, sorted(terms, key=len, reverse=True))))
        build = clock() - t
        rss = rss_mb() - rss0

        def scan(s: str) -> int:
            return sum(1 for _ in pat.finditer(s))

        res = measure(scan, long_text[:100_000], queries[:2000])
        res["matches_long"] = None
    else:
        raise SystemExit(f"unknown engine {engine}")
    res.update(engine=engine, terms=size, build_s=build, rss_mb=rss, **extra)
    return res


def _warm_up_as_service(m) -> dict[str, float]:
    """``warm_up`` the way the service calls it (with the collector freeze where the checkout has one)."""
    if not hasattr(m, "warm_up"):
        return _scan_warm_up(m)
    if "freeze_gc" in inspect.signature(m.warm_up).parameters:
        return m.warm_up(freeze_gc=True)
    return m.warm_up()


def _scan_warm_up(m) -> dict[str, float]:
    """For a matcher without ``warm_up`` (an older checkout): scans that build every lazy structure."""
    t = clock()
    for text in ("warm up 测试 ceshi bjl 123", "今天天气怎么样？", "加我vx看baijiale"):
        m.scan(text)
    return {"scans": clock() - t}


def _raw_alongside(terms: list[str], scan, long_text: str, queries: list[str]) -> dict[str, float]:
    """Raw pyahocorasick built and timed in the pipeline's own process, interleaved with the pipeline
    (warm), so a machine shared with other jobs slows both alike: the ratios are taken from these."""
    import ahocorasick

    from plugin.normalize import dense_key, normalize

    t = clock()
    auto = ahocorasick.Automaton()
    for i, w in enumerate(terms):
        auto.add_word(w, i)
    auto.make_automaton()
    build = clock() - t
    pre_long = normalize(long_text).dense
    pre_q = [dense_key(q) for q in queries]

    def raw(s: str) -> int:
        return sum(1 for _ in auto.iter(s))

    mb = len(long_text.encode("utf-8")) / 1e6
    best_raw = best_pipe = float("inf")
    for _ in range(3):
        t = clock()
        raw(pre_long)
        best_raw = min(best_raw, clock() - t)
        t = clock()
        scan(long_text)
        best_pipe = min(best_pipe, clock() - t)
    short_raw = time_short(raw, pre_q, "")
    short_pipe = time_short(scan, queries, "")
    return {"build_s": build, "long_mb_s": mb / best_raw, "pipeline_long_mb_s": mb / best_pipe,
            "p50_us": short_raw["p50_us"], "pipeline_p50_us": short_pipe["p50_us"],
            "checks_per_s": short_raw["checks_per_s"], "pipeline_checks_per_s": short_pipe["checks_per_s"]}


_FIRST_CHECK = """
import sys, time
sys.path.insert(0, {root!r})
from plugin.matcher import Matcher
artefact = {artefact!r}
if artefact:
    from plugin.matching.artefact import load_matcher
    with open(artefact, "rb") as fh:
        m = load_matcher(fh.read())
else:
    m = Matcher.from_lexicons([], bundled=True)
m.check("加我vx看baijiale 新用户bjl送38元")
print("ready", flush=True)
"""


def first_check(artefact: str | None) -> dict[str, float]:
    """Seconds from starting a fresh Python process to its first answered check (Latin query:
    every pass), the matcher built from the bundled lexicons or loaded from ``artefact``: wall time
    and the child's CPU time (user + system)."""
    code = _FIRST_CHECK.format(root=str(ROOT), artefact=artefact)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert "ready" in out.stdout, out.stderr
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--engines", default="raw,pipeline")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "matcher.json"))
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "SIZE"))
    ap.add_argument("--artefact", help="(worker) write the compiled matcher's artefact here")
    ap.add_argument("--wall", action="store_true", help="time with wall clock instead of CPU time")
    args = ap.parse_args()
    global clock
    if args.wall:
        clock = time.perf_counter
    if args.worker:
        print(json.dumps(worker(args.worker[0], int(args.worker[1]), args.artefact)))
        return
    rows = []
    artefacts: dict[int, str] = {}
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    for size in [int(x) for x in args.sizes.split(",")]:
        for engine in args.engines.split(","):
            if engine == "regex" and size > 100_000:
                continue  # compiling a 1M-way alternation takes minutes; see README
            if engine == "flashtext" and size > 100_000:
                continue
            cmd = [sys.executable, __file__, "--worker", engine, str(size)] + (["--wall"] if args.wall else [])
            if engine == "pipeline" and _has_artefact_codec():
                # (the process id in the name: two runs on one machine must not read or delete each other's)
                artefacts[size] = str(tmp / f"qinglang-bench-{os.getpid()}-{size}.artefact")
                cmd += ["--artefact", artefacts[size]]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(json.dumps(row), flush=True)
    fresh = {"bundled_lexicons": first_check(None)}
    for size, path in artefacts.items():
        if size <= 100_000:
            fresh[f"artefact_{size}"] = first_check(path)
        os.unlink(path)
    print(json.dumps({"first_check": fresh}), flush=True)
    summary = {}
    for size in sorted({r["terms"] for r in rows}):  # (ratios: separate processes, and same process)
        raw = next((r for r in rows if r["engine"] == "raw" and r["terms"] == size), None)
        pipe = next((r for r in rows if r["engine"] == "pipeline" and r["terms"] == size), None)
        if pipe and "raw_same_process" in pipe:
            same = pipe["raw_same_process"]
            summary[f"{size}_same_process"] = {
                "long_ratio": same["pipeline_long_mb_s"] / same["long_mb_s"],
                "cold_long_ratio": pipe["cold_long_mb_s"] / same["long_mb_s"],
                "short_p50_ratio": same["p50_us"] / same["pipeline_p50_us"],
                "short_throughput_ratio": same["pipeline_checks_per_s"] / same["checks_per_s"],
                "pipeline_checks_per_s": same["pipeline_checks_per_s"],
                "compile_with_lazy_ratio": pipe["build_s"] / same["build_s"],
                "artefact_load_ratio": (pipe["artefact_load_s"] / same["build_s"]
                                        if "artefact_load_s" in pipe else None),
            }
        if raw and pipe:
            summary[str(size)] = {
                "long_ratio": pipe["long_mb_s"] / raw["long_mb_s"],
                "cold_long_ratio": pipe["cold_long_mb_s"] / raw["long_mb_s"],
                "short_p50_ratio": raw["p50_us"] / pipe["p50_us"],
                "cold_short_p50_ratio": raw["p50_us"] / pipe["cold_p50_us"],
                "short_throughput_ratio": pipe["checks_per_s"] / raw["checks_per_s"],
                "compile_ratio": pipe["compile_s"] / raw["build_s"],
                "compile_with_lazy_ratio": pipe["build_s"] / raw["build_s"],
                "rss_ratio": pipe["rss_mb"] / raw["rss_mb"] if raw["rss_mb"] > 0 else None,
                "artefact_load_ratio": (pipe["artefact_load_s"] / raw["build_s"]
                                        if "artefact_load_s" in pipe else None),
            }
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "rows": rows,
        "first_check": fresh,
        "clock": "wall" if args.wall else "cpu (time.process_time of the measuring process)",
        "load_average": os.getloadavg(),
        "ratios_pipeline_vs_raw": summary,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(summary, indent=2))


def _has_artefact_codec() -> bool:
    try:
        import plugin.matching.artefact  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
