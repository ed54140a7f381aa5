"""Run the matcher over an independent evasion set written outside the project (run once, no tuning).

    PYTHONPATH=<checkout> python bench/eval_external_matcher.py PATH [--out FILE]

``PATH`` is a JSONL file of positives ``{"text", "clean_term", "expect": "hit", "class"}``, each
followed by its clean twin ``{"text", "clean_term", "expect": "hit", "class": "clean_twin",
"twin_of": i}`` (the same sentence with the term written plainly), and negatives ``{"text",
"expect": "none", "class"}``. The checkout on ``PYTHONPATH`` is the code measured (so the same
script measures two checkouts), with its bundled lexicons.

* **Recall** counts only positives whose clean twin is detected (terms the lexicon knows): a twin
  is detected when a hit overlaps its clean term; the positive counts (``same_entry``) when a hit
  of one of those entries is found in the disguised text, and (``any_flag``) when the text gets any
  block / review / limit hit.
* **False hits** on negatives: texts with a block / review / limit hit (``label`` hits counted
  apart).

Only counts are written (per class), never the texts: the set stays outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

FLAG_ACTIONS = ("block", "review", "limit")


def evaluate(path: str) -> dict[str, Any]:
    """Recall per class on positives with a detected twin, and false hits per class on negatives."""
    from plugin import Matcher

    matcher = Matcher.from_lexicons([], bundled=True)
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    twins = {r["twin_of"]: r for r in rows if r.get("class") == "clean_twin"}
    per: dict[str, Counter[str]] = defaultdict(Counter)
    neg: dict[str, Counter[str]] = defaultdict(Counter)
    for i, r in enumerate(rows):
        if r.get("class") == "clean_twin":
            continue
        hits = matcher.scan(r["text"])
        if r.get("expect") == "none":
            c = neg[r.get("class", "?")]
            c["n"] += 1
            c["flagged"] += any(h.action in FLAG_ACTIONS for h in hits)
            c["label_only"] += bool(hits) and not any(h.action in FLAG_ACTIONS for h in hits)
            continue
        c = per[r.get("class", "?")]
        c["n"] += 1
        twin = twins.get(i)
        if twin is None:
            continue
        at = twin["text"].find(twin["clean_term"])
        end = at + len(twin["clean_term"])
        known = {h.term_id for h in matcher.scan(twin["text"]) if at >= 0 and h.start < end and at < h.end}
        if not known:
            continue
        c["twin_detected"] += 1
        c["same_entry"] += any(h.term_id in known for h in hits)
        c["any_flag"] += any(h.action in FLAG_ACTIONS for h in hits)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 3) if b else None

    pos_total = Counter[str]()
    for c in per.values():
        pos_total.update(c)
    neg_total = Counter[str]()
    for c in neg.values():
        neg_total.update(c)
    return {
        "lexicon_version": matcher.version,
        "positives": {"n": pos_total["n"], "twin_detected": pos_total["twin_detected"],
                      "recall_same_entry": ratio(pos_total["same_entry"], pos_total["twin_detected"]),
                      "recall_any_flag": ratio(pos_total["any_flag"], pos_total["twin_detected"])},
        "negatives": {"n": neg_total["n"], "flagged": neg_total["flagged"],
                      "false_hit_rate": ratio(neg_total["flagged"], neg_total["n"]),
                      "label_only": neg_total["label_only"]},
        "positives_by_class": {k: {"n": v["n"], "twin_detected": v["twin_detected"], "same_entry": v["same_entry"],
                                   "any_flag": v["any_flag"]} for k, v in sorted(per.items())},
        "negatives_by_class": {k: {"n": v["n"], "flagged": v["flagged"], "label_only": v["label_only"]}
                               for k, v in sorted(neg.items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--out", default="", help="write the report (JSON) here as well")
    args = ap.parse_args(argv)
    report = evaluate(args.path)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
