"""Where a scan's time goes: cProfile of the full pipeline at 100k jieba words (as in
``bench_matcher.py``) on the ~1 MB long text (cold, then warm) and on the hot-search titles; with
``--part compile``, where the compile's time goes (``Matcher.from_entries`` and ``warm_up``, after
the process-wide tables are built).

    python bench/profile_matcher.py [--size 100000] [--top 25] [--part long|short|all|compile]

Prints the functions by own time (tottime) per part; docs/matching.md quotes a run.
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
        Matcher.from_entries(entries[:1000], version="profile").warm_up()  # (lazily built process-wide tables)
        prof = cProfile.Profile()
        t = time.perf_counter()
        prof.runcall(lambda: Matcher.from_entries(entries, version="profile").warm_up())
        print(f"=== compile + warm_up of {args.size} entries: {time.perf_counter() - t:.2f} s under the profiler")
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.top)
        return
    t = time.perf_counter()
    m = Matcher.from_entries(entries, version="profile")
    m.warm_up()
    print(f"compile + warm_up: {time.perf_counter() - t:.2f} s")
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


if __name__ == "__main__":
    main()
