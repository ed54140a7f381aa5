"""hit@1 and false-pin rate of the two rumour backends (embedded index vs search engine) on one evaluation set.

    /work/main/.venv/bin/python bench/eval_rumor_backends.py \
        --rumors RUMORS.jsonl --cases bench/data/rumor_paraphrases.jsonl

``--rumors``: rumour records (the rumour store's JSONL export, or rows with id / claim / verdict).
``--cases``: one JSON object per line with the query text (``query`` or ``text``) and the expected
rumour id (``rumor_id`` / ``expected``; null or missing for a query that must pin nothing).
hit@1: share of positive cases whose first pin is the expected rumour. False-pin rate: share of
negative cases that get any pin. The embedded backend is ``plugin.rumors.RumorIndex``; the
search-engine backend runs on a local osmem-server (both return the same ``RumorMatchResult``). Writes
bench/results/rumor_backends.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load_jsonl(path: str) -> list[dict]:
    rows = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise SystemExit(f"{path}:{n}: not JSON: {e}") from None
    return rows


def score(match, cases: list[dict]) -> dict:
    pos = neg = hits = false_pins = 0
    t0 = time.perf_counter()
    for case in cases:
        text = case.get("query") or case.get("text") or ""
        expected = case.get("rumor_id", case.get("expected"))
        pins = match(text)
        if expected:
            pos += 1
            hits += bool(pins) and pins[0].rumor_id == str(expected)
        else:
            neg += 1
            false_pins += bool(pins)
    return {"positives": pos, "negatives": neg, "hit_at_1": round(hits / pos, 4) if pos else None,
            "false_pin_rate": round(false_pins / neg, 4) if neg else None,
            "ms_per_query": round(1000 * (time.perf_counter() - t0) / max(1, len(cases)), 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rumors", required=True)
    ap.add_argument("--cases", default=str(ROOT / "bench/data/rumor_paraphrases.jsonl"))
    ap.add_argument("--out", default=str(ROOT / "bench/results/rumor_backends.json"))
    args = ap.parse_args()
    import tempfile

    from opensearchpy import OpenSearch
    from osmem_server import OsmemServer

    from plugin.rumors import RumorIndex, RumorStore, parse_jsonl
    from plugin.search.rumor_backend import SearchEngineRumorBackend

    # project schema or fact-check rows; rows without a usable verdict are skipped
    records = parse_jsonl(Path(args.rumors).read_text(encoding="utf-8").splitlines(), args.rumors).rumors
    cases = load_jsonl(args.cases)
    result: dict = {"command": "python bench/eval_rumor_backends.py " + " ".join(sys.argv[1:]),
                    "rumors": len(records), "cases": len(cases)}

    with tempfile.TemporaryDirectory() as tmp:
        store = RumorStore(str(Path(tmp) / "eval.db"))
        store.upsert(records)
        index = RumorIndex.from_store(store)
        result["embedded"] = score(lambda t: index.match(t, limit=1).pins, cases)

    with OsmemServer.start(japanese=False, addr="127.0.0.1:0") as server:
        backend = SearchEngineRumorBackend(OpenSearch(hosts=[server.url]))
        backend.create_index()
        backend.bulk_import(records)
        result["search_engine"] = score(lambda t: backend.match(t, limit=1).pins, cases)

    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
