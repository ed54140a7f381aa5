"""Copy a hand-written rumour query set into ``bench/data/`` with a dev / test split by rumour.

    python bench/split_rumor_set.py SOURCE.jsonl bench/data/rumor_dev4.jsonl

Each row gets ``split``: ``dev`` or ``test`` by a hash of the rumour it is about (for a positive the
smallest id of its ``rumor_id`` and ``also`` claims, copies of one claim; ``near_rumor_id`` for a
near-topic negative; the query itself for a plain negative), so every query about one rumour lands
on the same side and the dev half can train and tune the pin
decision (``bench/train_rumor_pin.py --real``) while the test half stays held out
(``bench/eval_rumors.py``). The rows are otherwise copied as they are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any


def split_key(row: dict[str, Any]) -> str:
    """What decides a row's side: its rumour (a positive's smallest id among its target and the ``also``
    claims, so the queries about copies of one claim stay together; a near-topic row's rumour), else
    its query."""
    if row.get("rumor_id"):
        return min([str(row["rumor_id"]), *map(str, row.get("also") or [])])
    return str(row.get("near_rumor_id") or row["query"])


def split_of(row: dict[str, Any]) -> str:
    """``dev`` or ``test``: the parity of the first hash byte of :func:`split_key`."""
    return "dev" if hashlib.sha1(split_key(row).encode("utf-8")).digest()[0] % 2 == 0 else "test"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("out", type=Path)
    args = ap.parse_args(argv)
    rows = [json.loads(line) for line in args.source.open(encoding="utf-8") if line.strip()]
    counts: dict[str, int] = {}
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            row = {**row, "split": split_of(row)}
            counts[row["split"]] = counts.get(row["split"], 0) + 1
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(json.dumps({"rows": len(rows), **counts}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
