"""Copy a spam set written for the project by a separate writer (spam_dev4, spam_dev5, spam_dev6) into labelled rows with a split.

    python bench/import_spam_dev4.py /work/devdata/spam_dev4    # → bench/data/spam_dev4.jsonl
    python bench/import_spam_dev4.py /work/devdata/spam_dev5 --name dev5    # → bench/data/spam_dev5.jsonl
    python bench/import_spam_dev4.py /work/notes/dev6/spam --name dev6      # → bench/data/spam_dev6.jsonl

Reads ``spam.jsonl`` (text, category, style) with ``spam_meta.jsonl`` (same order: disguise),
``benign_posts.jsonl`` (text, kind; ``hard_*`` kinds are near misses) and ``benign_titles_meta.jsonl``
(text, near_miss). A set written without styles or meta files (``spam_dev6``: spam.jsonl with text and category,
benign_titles.jsonl with text only) gets the style of its length (:func:`length_style`: ``short`` up to
:data:`SHORT_CHARS` characters, a comment or a reply; ``long`` above), no disguise, every spam row on the post
surface, and its titles as ordinary titles. It writes one labelled row per text (docs/model.md: ``text``, ``label``, ``surface``,
``source``, ``split``, plus ``style`` / ``disguise`` / ``kind`` for the per-class figures):

``dev4`` below is the set's ``--name``. ``hard`` (spam_meta, when given: the writer's own "hard to catch") is kept.

- spam: ``source`` ``dev4_spam``; ``surface`` ``title`` for the title-like styles (``post_title``,
  ``search_query``: scored at the title thresholds, as the Guard would), ``post`` for the others;
- benign posts: ``dev4_posts`` or ``dev4_hard_posts``; benign titles: ``dev4_titles`` or ``dev4_hard_titles``.

**Split** (deterministic, no random state): per stratum (spam: category × style; benign posts: kind; titles:
near miss or not), rows ordered by the sha256 of their text give the first 60 % to ``train``, the next 20 %
to ``val`` and the rest to ``test``. The bundled recipe trains on ``train``, calibrates with ``val`` (out of
fold, with the shared data's train + val) and never reads ``test``; ``bench/eval_model.py`` reports it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"
#: Spam styles shown as titles (a hot-search entry, a query): scored at the title thresholds.
TITLE_STYLES = frozenset({"post_title", "search_query"})
_CATEGORY = {"blackmarket": "blackmarket_ad"}
TRAIN, VAL = 0.6, 0.2
#: A spam text without a style (a set written without them) up to this many characters is ``short`` (a comment or a
#: reply), longer ``long``.
SHORT_CHARS = 40


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _split(strata: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Each stratum's rows in sha256 order: the first 60 % train, the next 20 % val, the rest test."""
    out = []
    for rows in strata.values():
        rows.sort(key=lambda r: hashlib.sha256(r["text"].encode("utf-8")).hexdigest())
        n = len(rows)
        first_val, first_test = round(n * TRAIN), round(n * (TRAIN + VAL))
        for i, row in enumerate(rows):
            row["split"] = "train" if i < first_val else ("val" if i < first_test else "test")
            out.append(row)
    return out


def length_style(text: str) -> str:
    """The style of a spam text written without one: ``short`` (a comment or a reply) or ``long``."""
    return "short" if len(text) <= SHORT_CHARS else "long"


def convert(folder: Path, name: str = "dev4") -> list[dict[str, Any]]:
    """The set's labelled rows with their split, in a fixed order (``name``: the prefix of their sources)."""
    spam = _rows(folder / "spam.jsonl")
    with_meta = (folder / "spam_meta.jsonl").is_file()
    meta = _rows(folder / "spam_meta.jsonl") if with_meta else [{"text": r["text"]} for r in spam]
    if [r["text"] for r in spam] != [m["text"] for m in meta]:
        raise SystemExit("spam.jsonl and spam_meta.jsonl are not in the same order")
    strata: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r, m in zip(spam, meta):
        label = _CATEGORY.get(r["category"], r["category"])
        style = r.get("style") or length_style(r["text"])
        strata[f"spam/{label}/{style}"].append({
            "text": r["text"], "label": label, "surface": "title" if style in TITLE_STYLES else "post",
            "source": f"{name}_spam", "style": style, **({"disguise": m["disguise"]} if "disguise" in m else {}),
            **({"hard": bool(m["hard"])} if "hard" in m else {})})
    for r in _rows(folder / "benign_posts.jsonl"):
        hard = r["kind"].startswith("hard_")
        strata[f"post/{r['kind']}"].append({"text": r["text"], "label": "benign", "surface": "post",
                                            "source": f"{name}_hard_posts" if hard else f"{name}_posts",
                                            "kind": r["kind"]})
    titles = folder / "benign_titles_meta.jsonl"
    for r in _rows(titles if titles.is_file() else folder / "benign_titles.jsonl"):
        near = bool(r.get("near_miss", False))
        strata[f"title/{near}"].append({"text": r["text"], "label": "benign", "surface": "title",
                                        "source": f"{name}_hard_titles" if near else f"{name}_titles"})
    rows = _split(strata)
    order = {"train": 0, "val": 1, "test": 2}
    return sorted(rows, key=lambda r: (r["source"], r.get("label", ""), order[r["split"]],
                                       hashlib.sha256(r["text"].encode("utf-8")).hexdigest()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--name", default="dev4", help="the set's name: sources <name>_spam …, default file "
                                                   "bench/data/spam_<name>.jsonl")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    rows = convert(args.folder, args.name)
    args.out = args.out or DATA / f"spam_{args.name}.jsonl"
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[f"{row['source']}/{row['label']}/{row['split']}"] += 1
    json.dump(dict(sorted(counts.items())), sys.stdout, indent=1)
    print(f"\n{len(rows)} rows written to {args.out}")


if __name__ == "__main__":
    main()
