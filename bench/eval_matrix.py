"""Matrix-account similarity: false links on real hot-search titles, links of generated reordered copies.

    python bench/eval_matrix.py [--data DIR]

- **False links**: the shared hot-search titles (``trending/hot_search_titles.jsonl``, ~16.9k, exact
  duplicates after normalisation removed) are treated as if every one came from a different account of
  ONE owner, the worst case: a title that links to any other is a false link (the lists are different
  days and platforms; some pairs are really the same story, so this is an upper bound). Pairs are found
  exactly for the word measure (an inverted index over words) and through a MinHash LSH at Jaccard 0.3
  for the bigram measures (a candidate generator; every pair is confirmed by ``MatrixDetector.similar``).
- **Reordered copies**: for a seeded sample of titles with at least three words, copies with the
  phrases swapped round (rotated at a word boundary), with every word shuffled, each of those with a
  filler added (竟然 / 网友热议 / ！ …), and with one word dropped; the link rate of copy to original by the character-bigram measures
  alone (before) and with the word measure (now).

Writes ``bench/results/matrix_similarity.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from datasketch import MinHash, MinHashLSH  # noqa: E402

from plugin.normalize import BREAK, dense_key  # noqa: E402
from plugin.review.matrix import WORD_PREFIX, MatrixDetector, title_shingles  # noqa: E402
from plugin.segment import segmenter  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FILLERS = ("竟然", "网友热议", "！", "了", "最新", "官方回应")


def _titles(data: Path) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in (data / "trending" / "hot_search_titles.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        title = json.loads(line).get("title") or ""
        key = dense_key(title).replace(BREAK, "")
        if key and key not in seen:
            seen.add(key)
            out.append(title)
    return out


def _bigram_pairs(shingles: list[frozenset[str]]) -> set[tuple[int, int]]:
    lsh = MinHashLSH(threshold=0.3, num_perm=64)
    hashes = []
    for i, sh in enumerate(shingles):
        m = MinHash(64)
        m.update_batch([s.encode("utf-8") for s in sh if not s.startswith(WORD_PREFIX)] or [b""])
        hashes.append(m)
        lsh.insert(str(i), m)
    pairs = set()
    for i, m in enumerate(hashes):
        for key in lsh.query(m):
            j = int(key)
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs


def _word_pairs(shingles: list[frozenset[str]]) -> set[tuple[int, int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, sh in enumerate(shingles):
        for s in sh:
            if s.startswith(WORD_PREFIX):
                index[s].append(i)
    pairs = set()
    for i, sh in enumerate(shingles):
        counts: Counter[int] = Counter()
        for s in sh:
            if s.startswith(WORD_PREFIX):
                counts.update(j for j in index[s] if j > i)
        pairs.update((i, j) for j, n in counts.items() if n >= 2)
    return pairs


def false_links(titles: list[str], detector: MatrixDetector) -> dict[str, Any]:
    shingles = [title_shingles(t) for t in titles]
    candidates = _bigram_pairs(shingles) | _word_pairs(shingles)
    linked: dict[str, set[int]] = defaultdict(set)
    pairs: Counter[str] = Counter()
    examples: dict[str, list[list[str]]] = defaultdict(list)
    for i, j in sorted(candidates):
        sim = detector.similar(shingles[i], shingles[j])
        if sim is None:
            continue
        pairs[sim[0]] += 1
        linked[sim[0]].update((i, j))
        linked["any"].update((i, j))
        if len(examples[sim[0]]) < 8:
            examples[sim[0]].append([titles[i], titles[j]])
    n = len(titles)
    bigram = linked["jaccard"] | linked["containment"]
    return {
        "titles": n, "candidate_pairs": len(candidates), "linked_pairs": dict(pairs),
        "titles_linked_bigram_measures": {"k": len(bigram), "rate": round(len(bigram) / n, 5)},
        "titles_linked_any_measure": {"k": len(linked["any"]), "rate": round(len(linked["any"]) / n, 5)},
        "titles_linked_only_by_words": len(linked["any"] - bigram),
        "examples": dict(examples),
    }


def _copies(title: str, rng: random.Random) -> dict[str, str] | None:
    key = dense_key(title).replace(BREAK, "")
    tokens = segmenter().cut(key)
    if sum(len(t) >= 2 for t in tokens) < 3 or len(tokens) < 3:
        return None
    cut = rng.randrange(1, len(tokens))
    rotated = tokens[cut:] + tokens[:cut]
    reworded = list(rotated)
    reworded.insert(rng.randrange(0, len(reworded) + 1), rng.choice(FILLERS))
    shuffled = list(tokens)
    while shuffled == tokens:
        rng.shuffle(shuffled)
    shuffled_filler = list(shuffled)
    shuffled_filler.insert(rng.randrange(0, len(shuffled) + 1), rng.choice(FILLERS))
    words = [i for i, t in enumerate(tokens) if len(t) >= 2]
    dropped = [t for i, t in enumerate(tokens) if i != rng.choice(words)]
    return {"reordered": "".join(rotated), "reordered_plus_filler": "".join(reworded),
            "shuffled": "".join(shuffled), "shuffled_plus_filler": "".join(shuffled_filler),
            "one_word_dropped": "".join(dropped)}


def reordered_links(titles: list[str], detector: MatrixDetector, bigram_only: MatrixDetector,
                    sample: int = 2000) -> dict[str, Any]:
    rng = random.Random(20261207)
    chosen = rng.sample(titles, min(sample, len(titles)))
    hits: dict[str, Counter[str]] = defaultdict(Counter)
    for title in chosen:
        copies = _copies(title, rng)
        if copies is None:
            continue
        original = title_shingles(title)
        for kind, copy in copies.items():
            if copy == dense_key(title).replace(BREAK, ""):
                continue
            shingles = title_shingles(copy)
            hits[kind]["n"] += 1
            hits[kind]["before"] += bigram_only.similar(original, shingles) is not None
            hits[kind]["now"] += detector.similar(original, shingles) is not None
    return {kind: {"copies": c["n"], "linked_before": round(c["before"] / c["n"], 4),
                   "linked_now": round(c["now"] / c["n"], 4)} for kind, c in hits.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--out", default=str(RESULTS / "matrix_similarity.json"))
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "trending").is_dir():
        data = Path("/work/shared/data")
    started = time.perf_counter()
    titles = _titles(data)
    detector = MatrixDetector()
    bigram_only = MatrixDetector(word_min=10**6)
    segmenter().cut("预热")  # jieba's dictionary loads once per process (about a second): not per title
    t0 = time.perf_counter()
    for t in titles[:2000]:
        title_shingles(t)
    shingle_us = (time.perf_counter() - t0) / min(2000, len(titles)) * 1e6

    report = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "settings": {"similarity": detector.similarity, "containment": detector.containment,
                     "containment_min": detector.containment_min, "word_similarity": detector.word_similarity,
                     "word_min": detector.word_min},
        "false_links_hot_search": false_links(titles, detector),
        "reordered_copies": reordered_links(titles, detector, bigram_only),
        "title_shingles_us_per_title": round(shingle_us, 1),
        "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared machine)",
        "seconds": round(time.perf_counter() - started, 1),
    }
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    fl = report["false_links_hot_search"]
    print(f"false links: bigram measures {fl['titles_linked_bigram_measures']}, any {fl['titles_linked_any_measure']}"
          f" of {fl['titles']} titles; reordered copies: {json.dumps(report['reordered_copies'])}")


if __name__ == "__main__":
    main()
