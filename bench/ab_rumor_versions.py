"""Per-title lookup cost of one checkout of the project, for A/B runs of two versions in turn.

    python bench/ab_rumor_versions.py OUT.json [--synthetic 100000] [--compare OTHER.json]

The shared fact-check rumours (plus ``--synthetic`` rumours generated as ``bench/bench_rumors.py`` does) and the
5,000 hot-search titles ``bench_rumors`` times, matched one at a time in three passes (the per-text analysis cache
emptied before each); a title's figure is its best pass (thread CPU time): what the code costs, with less of the
noise of a shared box than one pass. Writes p50 / p99 / mean, the titles that pass the pre-filter (sorted costs)
and every title's matches to ``OUT.json``; ``--compare`` says how many titles match otherwise in another run's file
(run the script from each checkout, e.g. main's in a copy, one after the other).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_rumors  # noqa: E402
from plugin.normalize import prepare  # noqa: E402
from plugin.rumors.index import query_analysis  # noqa: E402
from plugin.segment import segmenter  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--synthetic", type=int, default=0, help="synthetic rumours added to the shared ones")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--compare", type=Path, help="another run's OUT.json: count the titles matched otherwise")
    args = ap.parse_args()
    segmenter().load()
    index, build = bench_rumors.shared_index(args.synthetic)
    rng = random.Random(11)  # bench_rumors' sample: warm-up titles, then the timed ones
    hot = [json.loads(line)["title"] for line in bench_rumors.HOT.open(encoding="utf-8") if line.strip()]
    sample = rng.sample(hot, 3 * 5000 + 200)
    warm, titles = sample[:200], sample[200:5200]
    for t in warm:
        index.match(t)
    best = {t: float("inf") for t in titles}
    matches: dict[str, object] = {}
    for k in range(args.passes):
        query_analysis.cache_clear()
        for t in titles:
            c0 = time.thread_time_ns()
            result = index.match(t)
            best[t] = min(best[t], (time.thread_time_ns() - c0) / 1000)
            if k == 0:
                matches[t] = result.to_dict()
    costs = sorted(best.values())

    def pct(p: float) -> float:
        return round(costs[min(len(costs) - 1, int(round(p / 100 * (len(costs) - 1))))], 1)

    passing = sorted(round(best[t]) for t in titles if index._state.may_match(prepare(t).folded))
    out = {"command": "python bench/ab_rumor_versions.py " + " ".join(sys.argv[1:]),
           "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_average": round(os.getloadavg()[0], 2),
           "rumors": len(index), "build_seconds": round(build, 1), "titles": len(titles), "passes": args.passes,
           "cpu_p50_us": pct(50), "cpu_p99_us": pct(99), "cpu_mean_us": round(sum(costs) / len(costs), 1),
           "passing": len(passing), "passing_cpu_us_sorted": passing, "matches": matches}
    if args.compare:
        other = json.loads(args.compare.read_text(encoding="utf-8"))["matches"]
        out["matched_otherwise"] = sum(other.get(t) != m for t, m in matches.items())
    args.out.write_text(json.dumps(out, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in out.items() if k not in ("matches", "passing_cpu_us_sorted")}))


if __name__ == "__main__":
    main()
