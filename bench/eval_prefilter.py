"""Recall and cost of the rumour pre-filter: which positives reach the full analysis, how many real titles do.

    python bench/eval_prefilter.py [--show-dev] [--no-hot]

Loads the shared fact-check data into a temporary store and builds the index as the service does, then for
every positive (``expect: pin``) of the project's hand-written rumour query sets in ``bench/data``
(``rumor_paraphrases``, ``rumor_fresh``, ``rumor_dev4``, ``rumor_dev5``; per split) reports:

- ``pass``: the share the pre-filter (:mod:`plugin.rumors.prefilter`) lets through to the analysis;
- ``reachable``: the share whose target cluster (``rumor_id`` or an ``also``) is among the analysis's candidates
  when the pre-filter is switched off (what the filter can lose at most), and ``lost``: those the filter stops;
- ``pinned_without_filter`` / ``pinned``: hit@1 with the filter off and on (the filter's cost in pins);
- per ``kind`` (typo, abbreviation, colloquial ...) the pass rate.

And the cost: the share of the real hot-search titles (``/work/shared/data/trending/hot_search_titles.jsonl``)
that pass, and how many of them are pinned (target <= 0.1 %) or get only a related card. ``--show-dev`` prints the dev-split positives the filter stops (never the test split's). Writes
``bench/results/rumors_prefilter.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plugin.normalize import prepare  # noqa: E402
from plugin.rumors import RumorIndex, RumorStore, import_jsonl  # noqa: E402

SHARED = Path(os.environ.get("QINGLANG_RUMOR_DATA", "/work/shared/data/rumors/rumor_refutations.jsonl"))
HOT = Path(os.environ.get("QINGLANG_HOT_TITLES", "/work/shared/data/trending/hot_search_titles.jsonl"))
SETS = {name: ROOT / "bench" / "data" / f"rumor_{name}.jsonl" for name in ("paraphrases", "fresh", "dev4", "dev5")}
OUT = ROOT / "bench" / "results" / "rumors_prefilter.json"
#: Candidates looked at for ``reachable`` (as ``bench/eval_rumors.py``'s candidate recall).
DEPTH = 10


def targets(index: RumorIndex, row: dict[str, Any]) -> set[str]:
    """The clusters a positive may pin."""
    return {index.cluster_of(r) for r in (row["rumor_id"], *row.get("also", ()))}


def measure(index: RumorIndex, rows: list[dict[str, Any]], show: bool) -> dict[str, Any]:
    """Pass, reachable, lost and pins (filter off / on) of the positives of one split."""
    state = index._state  # bench helper: the pre-filter on its own, and the analysis without it
    today = dt.date.today()
    n = passed = reachable = lost = pinned = pinned_off = 0
    kinds: dict[str, list[int]] = {}
    blocked: list[str] = []
    for row in rows:
        want = targets(index, row)
        ok = state.may_match(prepare(row["query"]).folded)
        cands = {m.cluster_id or m.rumor.id for m, _f in index.candidate_features(row["query"], DEPTH, today=today)}
        reach = bool(cands & want)
        res = index.match(row["query"], limit=3)
        hit = bool(res.pins) and (res.pins[0].cluster_id or res.pins[0].rumor_id) in want
        saved, state.prefilter = state.prefilter, None
        try:
            off = index.match(row["query"], limit=3)
        finally:
            state.prefilter = saved
        hit_off = bool(off.pins) and (off.pins[0].cluster_id or off.pins[0].rumor_id) in want
        n += 1
        passed += ok
        reachable += reach
        lost += reach and not ok
        pinned += hit
        pinned_off += hit_off
        k = kinds.setdefault(row.get("kind", ""), [0, 0])
        k[0] += 1
        k[1] += ok
        if show and not ok:
            blocked.append(f"{row.get('kind', '')}\t{row['query']}\t{'reach' if reach else '-'}\t"
                           f"{'pin-off' if hit_off else '-'}")
    for line in blocked:
        print("  blocked:", line)
    return {"positives": n, "pass": round(passed / max(n, 1), 4), "passed": passed,
            "reachable": reachable, "lost": lost, "pinned": pinned, "pinned_without_filter": pinned_off,
            "pass_by_kind": {k: round(v[1] / v[0], 3) for k, v in sorted(kinds.items())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show-dev", action="store_true", help="print the dev positives the filter stops")
    ap.add_argument("--no-hot", action="store_true", help="skip the hot-search titles")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = RumorStore(Path(tmp) / "eval.db")
        import_jsonl(store, SHARED)
        t0 = time.perf_counter()
        index = RumorIndex.from_store(store)
        build = time.perf_counter() - t0
    result: dict[str, Any] = {"command": "python bench/eval_prefilter.py",
                              "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rumors": len(index),
                              "index_build_seconds": round(build, 2), "sets": {}}
    total: dict[str, list[int]] = {}
    for name, path in SETS.items():
        rows = [r for r in map(json.loads, path.open(encoding="utf-8")) if r.get("expect") == "pin"]
        per: dict[str, Any] = {}
        for split in sorted({r.get("split", "") for r in rows}):
            print(f"{name} {split}", flush=True)
            m = per[split] = measure(index, [r for r in rows if r.get("split", "") == split],
                                     args.show_dev and split == "dev")
            t = total.setdefault(split, [0, 0, 0, 0])
            t[0] += m["positives"]
            t[1] += m["passed"]
            t[2] += m["lost"]
            t[3] += m["reachable"]
        result["sets"][name] = per
    result["all"] = {split: {"positives": t[0], "pass": round(t[1] / t[0], 4), "lost": t[2], "reachable": t[3]}
                     for split, t in total.items()}
    if not args.no_hot and HOT.exists():
        state = index._state
        titles = [json.loads(line)["title"] for line in HOT.open(encoding="utf-8") if line.strip()]
        folded = [prepare(t).folded for t in titles]
        t0 = time.process_time()
        passed = sum(state.may_match(f) for f in folded)
        cpu = time.process_time() - t0
        # pins and related cards of the titles (only those that pass can get one)
        outcomes = [index.match(t, limit=3) for t, f in zip(titles, folded) if state.may_match(f)]
        pinned = sum(1 for r in outcomes if r.pins)
        related = sum(1 for r in outcomes if r.related and not r.pins)
        result["hot_search"] = {"titles": len(titles), "pass": passed, "pass_rate": round(passed / len(titles), 4),
                                "prefilter_cpu_mean_us": round(cpu / len(titles) * 1e6, 1),
                                "pinned": pinned, "pin_rate": round(pinned / len(titles), 5), "related_only": related}
    OUT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"all": result["all"], "hot_search": result.get("hot_search"),
                      **{f"{k}/{s}": {x: v[x] for x in ("pass", "lost", "pinned", "pinned_without_filter")}
                         for k, per in result["sets"].items() for s, v in per.items()}}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
