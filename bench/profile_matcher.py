"""Where a scan's time goes: cProfile of the full pipeline at 100k jieba words (as in
``bench_matcher.py``) on the ~1 MB long text (cold, then warm) and on the hot-search titles; with
``--part compile``, where the compile's time goes (``Matcher.from_entries`` and ``warm_up``, after
the process-wide tables are built).

    python bench/profile_matcher.py [--size 100000] [--top 25] [--part long|short|all|compile] [--passes]
    python bench/profile_matcher.py --calls [TITLE ...]
    python bench/profile_matcher.py --tail
    python bench/profile_matcher.py --stages-before DIR

Prints the functions by own time (tottime) per part; ``--passes`` instead times each pass of
``Matcher._scan_text`` (CPU seconds, best of ``--repeat`` runs, no profiler) on the long text and on
all titles; ``--calls`` lists every Python call (and every call into the C extensions) a scan of each
title makes, from ``Matcher.scan`` to its result; ``--tail`` times every title (best of ``--repeat``
passes, CPU time) and compares the fastest half, the next 40 %, the slowest 10 % and the slowest 1 %:
what the slow titles hold (Latin runs, separators, candidates, hits, length) and what share of the
time each kind of title takes; ``--stages-before DIR`` times the dense pass, the filters, hit building and
the pinyin pass of this checkout against those of another checkout ``DIR`` (an earlier commit, e.g. from
``git archive``) in one process, on the same inputs, alternated (best of 7; the outputs are checked equal
first): on a shared machine, two processes differ by more than these stages do. docs/matching.md quotes
runs of each.
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
    ap.add_argument("--calls", nargs="*", metavar="TITLE", help="list the calls a scan of each title makes")
    ap.add_argument("--tail", action="store_true", help="what the slowest titles do differently")
    ap.add_argument("--stages-before", metavar="DIR", help="time the scan stages against another checkout's")
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
    if args.calls is not None:
        for title in args.calls or ["赖冠霖粉丝让他去扫街", "李诚儒加盟我就是演员", "FPX战胜LGD"]:
            list_calls(m, title)
        return
    if args.tail:
        tail(m, queries, args.repeat)
        return
    if args.stages_before:
        stages_before(m, queries, Path(args.stages_before))
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
PASSES = ("prepare", "view_flags", "dense_candidates", "pinyin_candidates", "latin_repeat_candidates",
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


def list_calls(m, title: str) -> None:
    """Every Python call, and every call into the project's C extensions, of one scan of ``title`` (its
    preparation not cached: the first scan of a text)."""
    from plugin.normalize import _prepare_shared

    m.scan(title)
    _prepare_shared.cache_clear()
    calls: list[str] = []

    def record(frame, event, arg) -> None:
        if event == "call":
            calls.append(frame.f_code.co_name)
        elif event == "c_call" and any(ext in (getattr(arg, "__module__", "") or "")
                                       for ext in ("cloops", "cwordtable", "cbuild")):
            calls.append(f"{arg.__name__} (C)")

    sys.setprofile(record)
    try:
        hits = m.scan(title)
    finally:
        sys.setprofile(None)
    print(f"{title}: {len(hits)} hits, {len(calls)} calls, {sum(c.endswith('(C)') for c in calls)} of them C")
    print("  " + " → ".join(calls))


def tail(m, queries: list[str], repeat: int) -> None:
    """Each title's best CPU time over ``repeat`` passes; the slow titles against the fast ones."""
    from plugin.matching.dense import dense_pass
    from plugin.matching.native import VIEW_LATIN_RUN, VIEW_SEPARATED, view_flags
    from plugin.normalize import prepare

    best = [float("inf")] * len(queries)
    for _ in range(repeat):
        for i, q in enumerate(queries):
            t = time.process_time()
            m.scan(q)
            best[i] = min(best[i], time.process_time() - t)
    c = m.compiled
    rows = []
    for q, sec in zip(queries, best):
        dense = prepare(q).normalized.dense
        flags = view_flags(dense, m._kinds)
        cand, spellings = dense_pass(c, dense, m._is_word, m._trie_index)
        rows.append((sec, bool(flags & VIEW_LATIN_RUN), bool(flags & VIEW_SEPARATED), len(cand), len(spellings),
                     len(m.scan(q)), len(q)))
    rows.sort()
    n = len(rows)
    total = sum(r[0] for r in rows)
    print(f"{n} titles, best of {repeat}: mean {total / n * 1e6:.1f} µs, p50 {rows[n // 2][0] * 1e6:.1f}, "
          f"p90 {rows[int(n * .9)][0] * 1e6:.1f}, p99 {rows[int(n * .99)][0] * 1e6:.1f}")
    print(f"  {'titles':18s} {'n':>6s} {'mean µs':>8s} {'Latin':>6s} {'sep.':>5s} {'cand.':>6s} {'spell.':>6s} "
          f"{'hits':>5s} {'chars':>6s} {'time share':>10s}")
    for label, part in (("fastest 50 %", rows[:n // 2]), ("next 40 %", rows[n // 2:int(n * .9)]),
                        ("slowest 10 %", rows[int(n * .9):]), ("slowest 1 %", rows[int(n * .99):])):
        k = len(part)
        print(f"  {label:18s} {k:6d} {sum(r[0] for r in part) / k * 1e6:8.1f} "
              + " ".join(f"{sum(r[j] for r in part) / k:{w}.2f}" for j, w in ((1, 6), (2, 5), (3, 6), (4, 6), (5, 5)))
              + f" {sum(r[6] for r in part) / k:6.1f} {sum(r[0] for r in part) / total:10.2f}")


def _module_of(checkout: Path, name: str):
    """``plugin/matching/<name>.py`` of ``checkout``, loaded as a module of this checkout's package (its
    relative imports read this checkout's modules)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"plugin.matching.{name}_before",
                                                  checkout / "plugin" / "matching" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    mod.__package__ = "plugin.matching"
    spec.loader.exec_module(mod)
    return mod


def stages_before(m, queries: list[str], checkout: Path) -> None:
    """CPU seconds of the scan stages over every title, this checkout's and ``checkout``'s alternated."""
    import datetime as dt

    from plugin.matching import dense, filters, pinyin
    from plugin.matching.native import VIEW_LATIN_RUN, view_flags
    from plugin.normalize import prepare

    old = {name: _module_of(checkout, name) for name in ("dense", "filters", "pinyin")}
    c = m.compiled
    day = dt.date(2000, 1, 1)
    rows = []
    for q in queries:
        nt = prepare(q).normalized
        latin = bool(view_flags(nt.dense, m._kinds) & VIEW_LATIN_RUN)
        cand, _ = dense.dense_pass(c, nt.dense, m._is_word, m._trie_index)
        if latin:
            cand += pinyin.pinyin_candidates(m._pinyin, nt.dense, nt)
        rows.append((q, nt, cand, latin))
    kept = {q: filters.admissible(c, cand, nt.dense, nt, "content", day, m._boundary) for q, nt, cand, _ in rows}
    for q, nt, cand, latin in rows:  # the same outputs first
        assert old["dense"].dense_pass(c, nt.dense, m._is_word, m._trie_index)[0] == \
            dense.dense_pass(c, nt.dense, m._is_word, m._trie_index)[0], q
        assert old["filters"].admissible(c, cand, nt.dense, nt, "content", day, m._boundary) == kept[q], q
        assert old["filters"].resolve_hits(c, q, nt, kept[q]) == filters.resolve_hits(c, q, nt, kept[q]), q
    indexes = {"before": old["pinyin"].PinyinIndex(c, m._tables), "after": pinyin.PinyinIndex(c, m._tables)}
    latin_rows = [r for r in rows if r[3]]
    stages = [
        ("dense pass", rows, lambda mods, idx: lambda r: mods["dense"].dense_pass(c, r[1].dense, m._is_word,
                                                                                   m._trie_index)),
        ("filters (admissible)", [r for r in rows if r[2]],
         lambda mods, idx: lambda r: mods["filters"].admissible(c, r[2], r[1].dense, r[1], "content", day,
                                                               m._boundary)),
        ("offsets, technique, hits", [r for r in rows if kept[r[0]]],
         lambda mods, idx: lambda r: mods["filters"].resolve_hits(c, r[0], r[1], kept[r[0]])),
        ("pinyin pass and initials", latin_rows,
         lambda mods, idx: lambda r: pinyin.pinyin_candidates(idx, r[1].dense, r[1])),
    ]
    new = {"dense": dense, "filters": filters, "pinyin": pinyin}
    print(f"=== scan stages, CPU s over the titles that reach them, best of 7 alternated runs: {checkout} / this checkout")
    for name, rs, make in stages:
        fns = {"before": make(old, indexes["before"]), "after": make(new, indexes["after"])}
        best = {"before": float("inf"), "after": float("inf")}
        for k in range(7):
            for label in (("before", "after") if k % 2 else ("after", "before")):
                fn = fns[label]
                t = time.process_time()
                for r in rs:
                    fn(r)
                best[label] = min(best[label], time.process_time() - t)
        print(f"  {name:28s} {len(rs):6d} titles  before {best['before']:.3f}  after {best['after']:.3f}")


if __name__ == "__main__":
    main()
