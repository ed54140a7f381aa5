"""Where a scan's time goes: cProfile of the full pipeline at 100k jieba words (as in
``bench_matcher.py``) on the ~1 MB long text (cold, then warm) and on the hot-search titles; with
``--part compile``, where the compile's time goes (``Matcher.from_entries`` and ``warm_up``, after
the process-wide tables are built).

    python bench/profile_matcher.py [--size 100000] [--top 25] [--part long|short|all|compile] [--passes]

Prints the functions by own time (tottime) per part; ``--passes`` instead times each pass of
``Matcher._scan_text`` (CPU seconds, best of ``--repeat`` runs, no profiler) on the long text and on
all titles. docs/matching.md quotes runs of both.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_matcher import load_texts, make_terms  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--part", default="all", choices=("long", "short", "all", "compile"))
    ap.add_argument("--passes", action="store_true", help="time each pass instead of profiling")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from plugin.lexicon import TECHNIQUES, Entry
    from plugin.matcher import Matcher

    long_text, queries = load_texts()
    entries = [Entry(term=w, category="gambling", action="block", term_id=f"gambling:{w}",
                     techniques=frozenset(TECHNIQUES)) for w in make_terms(args.size)]
    if args.part == "compile":
        from plugin.boundary import WordBoundary
        from plugin.normalize import warm_up
        from plugin.variants import load_variant_tables

        warm_up()
        load_variant_tables()
        WordBoundary.shared().load()
        Matcher.from_entries(entries[:1000], version="profile").warm_up(freeze_gc=True)  # (lazily built process-wide tables)
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.runcall(lambda: Matcher.from_entries(entries, version="profile").warm_up(freeze_gc=True))
        print(f"=== compile + warm_up of {args.size} entries: {time.perf_counter() - t:.2f} s under the profiler")
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
        return
    t = time.perf_counter()
    m = Matcher.from_entries(entries, version="profile")
    m.warm_up(freeze_gc=True)  # as the service does
    print(f"compile + warm_up: {time.perf_counter() - t:.2f} s")
    if args.passes:
        time_passes(m, long_text, queries, args.repeat)
        return
    parts = []
    if args.part in ("long", "all"):
        parts += [("long text, cold", lambda: m.scan(long_text)), ("long text, warm", lambda: m.scan(long_text))]
    if args.part in ("short", "all"):
        parts += [("short queries (cold)", lambda: [m.scan(q) for q in queries])]
    for name, fn in parts:
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.runcall(fn)
        print(f"\n=== {name}: {time.perf_counter() - t:.2f} s under the profiler")
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)


#: The passes of ``Matcher._scan_text`` (names in :mod:`plugin.matcher`), timed one by one.
PASSES = ("prepare", "view_flags", "dense_pass", "pinyin_candidates", "latin_repeat_candidates",
          "separator_spellings", "joined_candidates", "pattern_hits", "admissible", "resolve_hits")


def time_passes(m, long_text: str, queries: list[str], repeat: int) -> None:
    """CPU seconds per pass (best of ``repeat`` warm runs; the whole scan besides), long text and titles.
    ``prepare`` of a short text is cached after its first run; the normalisation itself runs in the
    first use of ``Prepared.normalized``, counted in "other"."""
    import plugin.matcher as pm

    spent: dict[str, float] = {}

    def timed(name, fn):
        def run(*a, **k):
            t = time.process_time()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - t
        return run

    originals = {name: getattr(pm, name) for name in PASSES if hasattr(pm, name)}
    for name, fn in originals.items():
        setattr(pm, name, timed(name, fn))
    try:
        for label, texts in (("long text (~1 MB)", [long_text]), (f"short queries (all {len(queries)})", queries)):
            best: dict[str, float] = {}
            for _ in range(repeat):
                spent.clear()
                t = time.process_time()
                for text in texts:
                    m.scan(text)
                total = time.process_time() - t
                if total < best.get("whole scan", float("inf")):
                    best = dict(spent, **{"whole scan": total})
            best["other (normalisation, calls)"] = best["whole scan"] - sum(v for k, v in best.items()
                                                                            if k != "whole scan")
            print(f"\n=== {label}: CPU s, best of {repeat}")
            for name, sec in sorted(best.items(), key=lambda kv: -kv[1]):
                print(f"  {name:30s} {sec:8.3f}")
    finally:
        for name, fn in originals.items():
            setattr(pm, name, fn)


if __name__ == "__main__":
    main()
