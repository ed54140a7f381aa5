"""A/B of the rumour lookup's candidate work in one process: the score bound and the C candidate search on, then off.

    python bench/ab_rumor_lookup.py [--synthetic 100000] [--rounds 4]

One index (the shared fact-check rumours, plus ``--synthetic`` rumours generated as ``bench/bench_rumors.py`` does),
the same 3,000 random hot-search titles (``bench_rumors``' seed), matched one at a time; the two ways take turns
(the first alternating), the analysis cache emptied before each pass (every title new to it, as in
``bench_rumors``). ``new``: :meth:`plugin.rumors.scoring.ClaimScorer.bound` skips candidates under their floor and
``cscoring.top_candidates`` ranks the postings; ``old``: every candidate scored (the bound replaced by one that
never prunes) and the Python twin ranks them: the code before both. Thread CPU time per title (p50 / p99 / mean),
the titles that pass the pre-filter apart (what the change touches), and that both ways return the same matches.
Writes ``bench/results/rumors_lookup_ab.json`` (``rumors_lookup_ab_<N>.json`` with ``--synthetic N``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_rumors  # noqa: E402
from plugin.normalize import prepare  # noqa: E402
from plugin.rumors import index as index_module  # noqa: E402
from plugin.rumors.scoring import ClaimScorer  # noqa: E402
from plugin.segment import segmenter  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def _percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def _figures(cpu: list[float]) -> dict[str, float]:
    return {"p50_us": round(_percentile(cpu, 50), 1), "p99_us": round(_percentile(cpu, 99), 1),
            "mean_us": round(sum(cpu) / len(cpu), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", type=int, default=0, help="synthetic rumours added to the shared ones")
    ap.add_argument("--rounds", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(11)
    hot = [json.loads(line)["title"] for line in bench_rumors.HOT.open(encoding="utf-8") if line.strip()]
    sample = rng.sample(hot, 3 * 3000 + 200)
    warm, titles = sample[:200], sample[200:3200]
    segmenter().load()
    index, build = bench_rumors.shared_index(args.synthetic)
    passing = {t for t in titles if index._state.may_match(prepare(t).folded)}
    new_bound, new_search = ClaimScorer.bound, index_module.cscoring

    def old() -> None:
        ClaimScorer.bound = lambda self, *a: 2.0  # type: ignore[method-assign,assignment,misc]  # never prunes
        index_module.cscoring = None

    def new() -> None:
        ClaimScorer.bound = new_bound  # type: ignore[method-assign]
        index_module.cscoring = new_search

    ways: dict[str, Callable[[], None]] = {"new": new, "old": old}
    for t in warm:
        index.match(t)
    cpu: dict[str, list[list[float]]] = {"new": [], "old": []}
    results: dict[str, list[dict[str, Any]]] = {}
    load = [round(os.getloadavg()[0], 2)]
    for r in range(args.rounds):
        for name in (("old", "new") if r % 2 else ("new", "old")):
            ways[name]()
            index_module.query_analysis.cache_clear()
            times, out = [], []
            for t in titles:
                c0 = time.thread_time_ns()
                res = index.match(t)
                times.append((time.thread_time_ns() - c0) / 1000)
                out.append(res.to_dict())
            cpu[name].append(times)
            results.setdefault(name, out)
            print(name, _figures(times), flush=True)
    new()
    load.append(round(os.getloadavg()[0], 2))
    per_title = {name: [min(run[k] for run in runs) for k in range(len(titles))] for name, runs in cpu.items()}
    report_out = {
        "command": "python bench/ab_rumor_lookup.py " + " ".join(sys.argv[1:]),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_average_before_after": load,
        "rumors": len(index), "index_build_seconds": round(build, 1), "titles": len(titles),
        "passing_titles": len(passing), "rounds": args.rounds, "same_matches": results["new"] == results["old"],
        "note": "thread CPU per title; per title the best of its rounds; 'passing': the titles the pre-filter "
                "sends to the full analysis",
    }
    for name, best in per_title.items():
        report_out[name] = {"all": _figures(best),
                            "passing": _figures([v for t, v in zip(titles, best) if t in passing]),
                            "rounds": [_figures(run) for run in cpu[name]]}
    print(json.dumps(report_out, ensure_ascii=False))
    out = RESULTS / (f"rumors_lookup_ab_{args.synthetic}.json" if args.synthetic else "rumors_lookup_ab.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report_out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
