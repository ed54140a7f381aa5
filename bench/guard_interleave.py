"""Where the rumour lookup's cost in the guard comes from: the guard with an empty index, with an index that finds
nothing at once, with the shared rumours, the lookup alone, and the empty guard's check followed by the lookup.

    python bench/guard_interleave.py [--titles 800] [--rounds 2]

Thread CPU per title (best of 5 passes), bundled lexicons, result caching off, the same random hot-search titles
(fewer than the per-text folding cache holds, so every pass reads them warm); writes
``bench/results/guard_interleave.json``. When "guard with rumours" ≈ "empty check + lookup" > "empty" + "lookup
alone", the difference is what running the two side by side costs (caches), not guard logic.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_rumors  # noqa: E402
from plugin import Guard, Matcher, Surface  # noqa: E402
from plugin.rumors import RumorIndex, RumorStore, import_jsonl  # noqa: E402
from plugin.rumors.models import RumorMatchResult  # noqa: E402

OUT = ROOT / "bench" / "results" / "guard_interleave.json"


class _FindsNothing:
    """A rumour index that answers at once (the guard's own work around a lookup)."""

    threshold = 0.49

    def match(self, text: str, limit: int = 3) -> RumorMatchResult:
        return RumorMatchResult()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--titles", type=int, default=800)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = RumorStore(Path(tmp) / "rumors.db")
        import_jsonl(store, bench_rumors.SHARED)
        index = RumorIndex.from_store(store)
    titles = [json.loads(line)["title"] for line in bench_rumors.HOT.open(encoding="utf-8") if line.strip()]
    random.Random(5).shuffle(titles)
    texts = titles[: args.titles]
    matcher = Matcher.from_lexicons([], bundled=True)
    empty = Guard(matcher, rumors=None, cache_size=0)
    nothing = Guard(matcher, rumors=_FindsNothing(), cache_size=0)  # type: ignore[arg-type]
    loaded = Guard(matcher, rumors=index, cache_size=0)
    for g in (empty, nothing, loaded):
        for t in texts:
            g.check(t, Surface.QUERY)

    def cpu(fn: Callable[[str], Any]) -> float:
        best = float("inf")
        for _ in range(5):
            c0 = time.thread_time_ns()
            for t in texts:
                fn(t)
            best = min(best, (time.thread_time_ns() - c0) / len(texts) / 1000)
        return round(best, 1)

    load = [round(os.getloadavg()[0], 2)]
    rounds = []
    for _ in range(args.rounds):
        row = {"empty_guard_us": cpu(lambda t: empty.check(t, Surface.QUERY)),
               "finds_nothing_guard_us": cpu(lambda t: nothing.check(t, Surface.QUERY)),
               "rumours_guard_us": cpu(lambda t: loaded.check(t, Surface.QUERY)),
               "lookup_alone_us": cpu(lambda t: index.match(t)),
               "empty_check_then_lookup_us": cpu(lambda t: (empty.check(t, Surface.QUERY), index.match(t)))}
        rounds.append(row)
        print(row, flush=True)
    load.append(round(os.getloadavg()[0], 2))
    out = {"command": "python bench/guard_interleave.py " + " ".join(sys.argv[1:]),
           "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "load_average_before_after": load, "titles": len(texts),
           "rumors": len(index), "rounds": rounds}
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
