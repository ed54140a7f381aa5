"""Evaluate the learned spam scorer against and together with the lexicons.

    python bench/eval_model.py [--data DIR] [--no-loso] [--fresh DIR | --external DIR]
    python bench/eval_model.py --tune

On the recipe's held-out TEST split of the shared data (``plugin.scoring.recipe``: per source and
label, the newest 20 % of dated sources, a fixed hash-ordered 20 % of undated ones; never read by
training or calibration), per source:

- recall per spam category: lexicons alone / model alone / lexicons OR model;
- false flags per surface and per benign source (title: hot-search, its refutation subset, THUCNews,
  HanCD, fact-check claims; post: ChineseHarm benign, CED rumour and non-rumour posts, CHECKED Weibo
  posts, HanCD article heads, fact-check texts), for the same three;
- the same with the model flag vetoed as the Guard vetoes it (:class:`plugin.scoring.veto.ContextVeto`: the
  category's lexicon context words such as crackdown news and anti-fraud advice anywhere in the text,
  allow phrases covering the evidence);
- leave-one-source-out: for each benign post genre, a model trained and calibrated without any row of
  it, flag rate on all of that genre's rows (a genre the model never saw);
- the trap: a model whose only negatives are titles, scored on benign posts;
- the near-miss set (``tests/data/benign_near_misses.jsonl``) at both surfaces' thresholds;
- latency per hot-search title (p50 / p99): lexicon check, model score, both, and ``Guard.check`` on the
  query surface without and with the model signal;
- the project's own sets: the hand-written set (dev / test), ``spam_dev4``, ``spam_dev5`` and ``spam_dev6`` (each
  written for the project by a separate writer; its train rows are in the recipe, its val rows chose settings, its test rows are reported
  here, with recall per style and per disguise). The veto columns apply the Guard's veto to the lexicon hits
  too (review-level spam hits in a text written about spam that does not solicit).

``--dev4-dev`` (instead) writes the comparison of the recipe with and without the ``spam_dev4`` train rows and
the joined view (development data only) to ``bench/results/model_dev4_dev.json``.

``--authors-dev`` (instead) compares settings on writers a model never saw (leave one writer out: the hand-written
dev rows, ``spam_dev5``'s dev rows, ``spam_dev4`` with a model fitted on the shared data alone; development rows
only) and writes ``bench/results/model_authors_dev.json`` (``--with-dev5``: ``model_authors_dev_with_dev5.json``).
``--budget-dev [--variants …]`` (instead) compares the post surface's false-flag budget (the recipe recalibrated at
several post margins) and training variants (short views, word n-grams, more benign posts) on the same unseen writers, the
short texts of their sets and a post genre left out of training (development rows only) and writes
``bench/results/model_budget_dev.json`` (a run of some variants keeps the others' rows). ``--length-dev`` (instead)
writes how short texts sit against the thresholds, per surface and length band, to ``bench/results/model_length_dev.json``.
``--window-dev`` (instead) compares scoring a long post by its best window beside the whole text, at the same budget,
on the same unseen writers (development rows only) and writes ``bench/results/model_window_dev.json``.
``--candidate-loso`` (instead) runs the leave-one-source-out of ``--loso-genres`` for the next retrain's candidate recipe
(``CANDIDATES``, ``--variants`` picks one, over the bundled recipe, 5 folds) into
``bench/results/model_candidate_loso*.json``.
``--loso-only`` runs the leave-one-source-out of ``--loso-genres`` (and the trap, when they list ``trap``) and merges
it into the report of the same model, so the slow trainings can run beside the rest of the evaluation.

``--tune`` (instead) writes the development comparison behind the recipe's settings (calibration on the val
split or cross-fitted; worst-source, capped or pooled thresholds; on train + val rows only, the val
split standing in for a test) to ``bench/results/model_tuning.json``.
``--external DIR`` (repeatable; alias ``--fresh``) also scores an independently written set (spam.jsonl
with categories gambling / fraud / blackmarket[_ad], benign_posts.jsonl whose ``kind`` ``hard_*`` marks
near misses, benign_titles.jsonl, optional near_misses.jsonl) that was never used for training or
tuning; the report gives its figures only (line numbers, never its texts), so the set stays unseen.

"Flagged" for the lexicons is a ``block``, ``review`` or ``limit`` action of a spam hit (a gambling, fraud,
black-market or ``spam_pattern`` entry); a rumour marker or clickbait phrase is another concern's flag, reported apart
as ``lexicon_any_category`` (every category, as ``qinglang evaluate`` counts).
Writes ``bench/results/model_eval.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from plugin import Matcher  # noqa: E402
from plugin.cli.evaluate import FLAG_ACTIONS  # noqa: E402
from plugin.scoring import BENIGN, CATEGORIES, Sample, SpamScorer  # noqa: E402
from plugin.scoring.data import EXTRA_SOURCES, assign_splits, dedupe, read_labelled, shared_samples  # noqa: E402
from plugin.scoring.metrics import Rate, flag_report, report_to_dict  # noqa: E402
from plugin.scoring.recipe import BUNDLED_SETTINGS, RECIPE_SPLIT, recipe_samples  # noqa: E402
from plugin.scoring.signal import ModelSignal  # noqa: E402
from plugin.scoring.model import LinearModel  # noqa: E402
from plugin.scoring.scorer import score_to_margin  # noqa: E402
from plugin.scoring.train import TrainSettings, calibrate, train_model  # noqa: E402
from plugin.scoring.frames import frame_of  # noqa: E402
from plugin.scoring.features import text_grams  # noqa: E402
from plugin.scoring.veto import PATTERN_CATEGORY, SPAM_HIT_CATEGORIES, ContextVeto  # noqa: E402
from plugin.models import ACTION_ORDER, Hit  # noqa: E402
from plugin.guard import Guard  # noqa: E402

POST_GENRES = ("ced", "chineseharm", "weibo_checked", "hancd_body", "refutation_text")
RESULTS = ROOT / "bench" / "results"


def _data_dir(arg: str | None) -> Path:
    shared = str(ROOT.parent / "shared" / "data")
    for cand in (arg, os.environ.get("QINGLANG_SHARED_DATA"), shared, "/work/shared/data"):
        if cand and Path(cand).is_dir():
            return Path(cand)
    raise SystemExit("shared data not found: pass --data DIR")


def _write_dev(name: str, split: str, **fields: Any) -> None:
    """A development run's results (date, machine, the split it used, ``fields``) as ``bench/results/NAME``."""
    dev = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": _machine(), "split": split, **fields}
    (RESULTS / name).write_text(json.dumps(dev, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.1f}"


class Context:
    """The Guard's veto of a model flag (:class:`plugin.scoring.veto.ContextVeto`: the category's lexicon
    header context words anywhere in the text, allow phrases covering the evidence)."""

    def __init__(self, matcher: Matcher) -> None:
        self.veto = ContextVeto.of(matcher)

    def vetoes(self, text: str, category: str, evidence: tuple[tuple[int, int, str], ...] = ()) -> bool:
        return bool(self.veto.reason(text, category, evidence))


class Judge:
    """Lexicon, model and combined flags of one text, cached."""

    def __init__(self, matcher: Matcher, scorer: SpamScorer, context: Context) -> None:
        self.matcher, self.scorer, self.context = matcher, scorer, context
        self._lex: dict[str, bool] = {}
        self._lex_vetoed: dict[str, bool] = {}

    def lexicon(self, text: str) -> bool:
        """Whether the lexicons flag ``text`` as spam: a hit of a spam category (:data:`SPAM_HIT_CATEGORIES`) whose
        action is in :data:`FLAG_ACTIONS`. A rumour marker or clickbait phrase at ``limit`` (扩散周知, 惊呆了) is
        another concern's flag, counted apart (:meth:`lexicon_any`)."""
        hit = self._lex.get(text)
        if hit is None:
            hit = self._lex[text] = _spam_flag(self.matcher.check(text).hits)
        return hit

    def lexicon_any(self, text: str) -> bool:
        """Whether the lexicons flag ``text`` at all (any category, as ``qinglang evaluate`` counts)."""
        return self.matcher.check(text).action in FLAG_ACTIONS

    def lexicon_vetoed(self, text: str) -> bool:
        """The lexicon flag after the Guard's frame veto of lexicon hits (:meth:`ContextVeto.lexicon_hits`:
        review-level spam hits in a text written about spam that does not solicit)."""
        hit = self._lex_vetoed.get(text)
        if hit is None:
            hit = False
            if self.lexicon(text):
                kept, _ = self.context.veto.lexicon_hits(text, self.matcher.check(text).hits, "content")
                hit = _spam_flag(kept)
            self._lex_vetoed[text] = hit
        return hit

    def lexicon_beyond_patterns(self, text: str) -> bool:
        """:meth:`lexicon_vetoed` without the review-level generic spam shapes (``spam_pattern``), which the Guard
        drops where the model read the text and did not flag it (:attr:`plugin.policy.ScoreRule.patterns_defer`)."""
        if not self.lexicon_vetoed(text):
            return False
        kept, _ = self.context.veto.lexicon_hits(text, self.matcher.check(text).hits, "content")
        review = ACTION_ORDER["review"]
        return _spam_flag(h for h in kept if not (h.category == PATTERN_CATEGORY
                                                  and ACTION_ORDER.get(h.action, 0) <= review))

    def model(self, text: str, surface: str, scorer: SpamScorer | None = None) -> tuple[bool, bool]:
        """(model flag, model flag after the context veto)."""
        result = (scorer or self.scorer).score(text, surface)
        spans = tuple((e.start, e.end, e.surface) for e in result.evidence)
        return result.flagged, result.flagged and not self.context.vetoes(text, result.category, spans)


def _spam_flag(hits: Iterable[Hit]) -> bool:
    return any(h.action in FLAG_ACTIONS and h.category in SPAM_HIT_CATEGORIES for h in hits)


def _three(samples: list[Sample], judge: Judge, scorer: SpamScorer | None = None,
           surface: Callable[[Sample], str] = lambda s: s.surface) -> dict[str, Any]:
    lex = [judge.lexicon(s.text) for s in samples]
    lex_vetoed = [judge.lexicon_vetoed(s.text) for s in samples]
    beyond = [judge.lexicon_beyond_patterns(s.text) for s in samples]
    mod = [judge.model(s.text, surface(s), scorer) for s in samples]
    out = {
        "lexicon": flag_report(samples, lex),
        "model": flag_report(samples, [m for m, _ in mod]),
        "lexicon_or_model": flag_report(samples, [a or m for a, (m, _) in zip(lex, mod)]),
        "lexicon_any_category": flag_report(samples, [judge.lexicon_any(s.text) for s in samples]),
        "lexicon_with_context_veto": flag_report(samples, lex_vetoed),
        # as the Guard decides: the model's flag after the veto, the lexicon hits after the frames, and the generic
        # spam shapes (spam_pattern) only where the model flags too (ScoreRule.patterns_defer)
        "lexicon_or_model_with_context_veto": flag_report(samples, [b or v for b, (_, v) in zip(beyond, mod)]),
        # the same with the generic shapes flagging on their own (patterns_defer off; the Guard before 2026-12-08)
        "lexicon_or_model_with_context_veto_patterns_alone": flag_report(
            samples, [a or v for a, (_, v) in zip(lex_vetoed, mod)]),
    }
    return {k: report_to_dict(v) for k, v in out.items()}


def _rate(flags: Iterable[bool]) -> dict[str, Any]:
    flags = list(flags)
    return Rate(sum(flags), len(flags)).to_dict()


def _loso(samples: list[Sample], judge: Judge, rows_of: Callable[[Sample], bool], settings: TrainSettings,
          created: str, genres: tuple[str, ...] = POST_GENRES) -> dict[str, Any]:
    """Per benign post genre: train without it, flag rate on its rows (``rows_of`` picks which rows)."""
    out: dict[str, Any] = {}
    for genre in genres:
        left = [s for s in samples if s.source == genre and s.label == BENIGN]
        rest = [s for s in samples if not (s.source == genre and s.label == BENIGN)]
        scorer = SpamScorer(train_model(rest, settings, name=f"loso_{genre}", created=created))
        rows = [s for s in left if rows_of(s)]
        mod = [judge.model(s.text, "post", scorer) for s in rows]
        lex = [judge.lexicon(s.text) for s in rows]
        out[genre] = {"rows": len(rows), "model": _rate(m for m, _ in mod),
                      "lexicon_or_model": _rate(a or m for a, (m, _) in zip(lex, mod)),
                      "lexicon_or_model_with_context_veto": _rate(judge.lexicon_vetoed(s.text) or v
                                                                  for s, (_, v) in zip(rows, mod))}
        print(f"  LOSO {genre}: model {out[genre]['model']['rate']:.2%} on {len(rows)} rows", flush=True)
    return out


def _trap(samples: list[Sample], judge: Judge, created: str) -> dict[str, Any]:
    """A model trained with titles as its only negatives, scored on the test split's benign posts."""
    rows = [s for s in samples if s.label != BENIGN or s.surface == "title"]
    settings = replace(BUNDLED_SETTINGS, targets={"title": BUNDLED_SETTINGS.targets["title"]})
    scorer = SpamScorer(train_model(rows, settings, name="titles_only", created=created))
    test = [s for s in samples if s.split == "test"
            and s.source not in (*DEV4_SOURCES, *DEV5_SOURCES, *DEV6_SOURCES, *DEV7_SOURCES)]  # apart
    posts = [s for s in test if s.label == BENIGN and s.surface == "post"]
    per_source = {src: _rate(scorer.score(s.text, "title", evidence=0).flagged for s in posts if s.source == src)
                  for src in POST_GENRES}
    spam = [s for s in test if s.label != BENIGN]
    return {"negatives": "benign titles only", "threshold": "title (0.1 % target)",
            "benign_posts_flagged": _rate(scorer.score(s.text, "title", evidence=0).flagged for s in posts),
            "benign_posts_flagged_by_source": per_source,
            "spam_recall": _rate(scorer.score(s.text, "title", evidence=0).flagged for s in spam)}


def _near_misses(path: Path, judge: Judge, scorer: SpamScorer, *, show_texts: bool = True) -> dict[str, Any]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [r["text"] for r in rows]
    out: dict[str, Any] = {"n": len(texts), "lexicon": _rate(judge.lexicon(t) for t in texts)}
    for surface in scorer.surfaces:
        mod = [judge.model(t, surface) for t in texts]
        out[surface] = {"model": _rate(m for m, _ in mod),
                        "model_with_context_veto": _rate(v for _, v in mod),
                        "lexicon_or_model": _rate(judge.lexicon(t) or m for t, (m, _) in zip(texts, mod)),
                        "lexicon_or_model_with_context_veto": _rate(judge.lexicon_vetoed(t) or v
                                                                    for t, (_, v) in zip(texts, mod)),
                        "model_flagged": [{"text": t if show_texts else f"#{i}", "vetoed": m and not v,
                                           "category": scorer.score(t, surface).category}
                                          for i, (t, (m, v)) in enumerate(zip(texts, mod)) if m]}
    return out


def _percentiles(ns: list[int]) -> dict[str, float]:
    ns = sorted(ns)
    return {"p50_us": round(ns[len(ns) // 2] / 1000, 1), "p99_us": round(ns[int(len(ns) * 0.99)] / 1000, 1),
            "mean_us": round(statistics.fmean(ns) / 1000, 1)}


def _latency(titles: list[str], matcher: Matcher, scorer: SpamScorer) -> dict[str, Any]:
    """Per title: lexicon check, model score (with and without evidence), lexicon check + model score, and
    the whole pipeline on the query surface (``Guard.check``, caches off) without and with the model signal."""
    plain = Guard(matcher, cache_size=0)
    with_model = Guard(matcher, cache_size=0, signals=[ModelSignal(scorer)])
    for t in titles[:300]:
        matcher.check(t)
        scorer.score(t)
        plain.check(t)
        with_model.check(t)
    out: dict[str, Any] = {"titles": len(titles)}
    # wall clock, and the thread's CPU time (what a title costs without the other processes of a shared
    # machine preempting it: on a loaded machine the wall-clock p99 is the scheduler's, not the code's)
    for clock_name, clock in (("wall", time.perf_counter_ns), ("thread_cpu", time.thread_time_ns)):
        timings: dict[str, list[int]] = {"lexicon": [], "model": [], "model_no_evidence": [], "lexicon_and_model": [],
                                         "guard_query": [], "guard_query_with_model": []}
        for t in titles:
            t0 = clock()
            matcher.check(t)
            t1 = clock()
            scorer.score(t, "title")
            t2 = clock()
            scorer.score(t, "title", evidence=0)
            t3 = clock()
            plain.check(t)
            t4 = clock()
            with_model.check(t)
            t5 = clock()
            timings["lexicon"].append(t1 - t0)
            timings["model"].append(t2 - t1)
            timings["model_no_evidence"].append(t3 - t2)
            timings["lexicon_and_model"].append(t2 - t0)
            timings["guard_query"].append(t4 - t3)
            timings["guard_query_with_model"].append(t5 - t4)
        out[clock_name] = {k: _percentiles(v) for k, v in timings.items()}
    out["load_average"] = round(os.getloadavg()[0], 1)
    return out


def _tune(samples: list[Sample], judge: Judge, created: str) -> dict[str, Any]:
    """The development comparison, on train + val only: models trained on the train split (itself split
    75 / 25 for the val-split calibration, or cross-fitted), scored on the val split as a stand-in test;
    and for the cross-fitted ones, a leave-one-source-out of CED and ChineseHarm-benign posts."""
    dev = [replace(s, split="") for s in samples if s.split == "train"]
    stand_in = [s for s in samples if s.split == "val"]
    inner = assign_splits(dev, test=0.0, val=0.25)
    out: dict[str, Any] = {}
    for folds in (0, 5):
        for calibration in ("worst_source", "capped", "pooled"):
            settings = replace(BUNDLED_SETTINGS, folds=folds, calibration=calibration)
            scorer = SpamScorer(train_model(inner, settings, name="tune", created=created))
            flags = [scorer.score(s.text, s.surface, evidence=0).flagged for s in stand_in]
            key = f"folds={folds} {calibration}"
            out[key] = report_to_dict(flag_report(stand_in, flags))
            if folds:
                out[key]["loso"] = {}
                for genre in ("ced", "chineseharm"):
                    rest = [s for s in inner if not (s.source == genre and s.label == BENIGN)]
                    left = [s for s in dev + stand_in if s.source == genre and s.label == BENIGN]
                    loso = SpamScorer(train_model(rest, settings, name="tune", created=created))
                    out[key]["loso"][genre] = _rate(loso.score(s.text, "post", evidence=0).flagged for s in left)
            print(f"tune {key}: " + json.dumps({c: v["rate"] for c, v in out[key]["recall"].items()}), flush=True)
    return out


def _homophone_swaps(texts: list[str], vocabulary: str, seed: int = 20261207, share: float = 0.3) -> list[str]:
    """Each text with about ``share`` of its CJK characters replaced by another character of the same
    homophone class (drawn from ``vocabulary``, characters of the training texts): the code-word churn
    of 菠菜 → 波菜, 微信 → 薇信. A development measure only."""
    import random

    from plugin.variants import load_variant_tables

    tables = load_variant_tables()
    members: dict[str, list[str]] = {}
    for ch in sorted(set(vocabulary)):
        if "\u4e00" <= ch <= "\u9fff":
            members.setdefault(tables.homophone_key(ch), []).append(ch)
    rng = random.Random(seed)
    out = []
    for text in texts:
        chars = list(text)
        for i, ch in enumerate(chars):
            if "\u4e00" <= ch <= "\u9fff" and rng.random() < share:
                others = [c for c in members.get(tables.homophone_key(ch), ()) if c != ch]
                if others:
                    chars[i] = rng.choice(others)
        out.append("".join(chars))
    return out


def _features_dev(samples: list[Sample], judge: Judge, created: str) -> dict[str, Any]:
    """Feature families compared on the development data only: fitted on train (its own 25 % calibrating),
    scored on the val split (recall, false flags per surface and source), on the val spam with homophone
    swaps, on the near-miss set, and leave-one-genre-out: a model fitted and calibrated without any CED
    post, scored on every CED post of train + val (a post genre it never saw; the test split is not read)."""
    from collections import Counter

    from plugin.scoring import FeatureSettings

    dev = [replace(s, split="") for s in samples if s.split == "train"]
    stand_in = [s for s in samples if s.split == "val"]
    inner = assign_splits(dev, test=0.0, val=0.25)
    counts = Counter(ch for s in dev for ch in s.text)
    vocabulary = "".join(ch for ch, n in counts.items() if n >= 5)
    spam = [s for s in stand_in if s.label != BENIGN]
    swapped = [replace(s, text=t) for s, t in zip(spam, _homophone_swaps([s.text for s in spam], vocabulary))]
    near = [json.loads(line)["text"] for line in (ROOT / "tests" / "data" / "benign_near_misses.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    out: dict[str, Any] = {}
    ced = [s for s in dev + stand_in if s.source == "ced" and s.label == BENIGN]
    without_ced = [s for s in inner if not (s.source == "ced" and s.label == BENIGN)]
    for name, feats in (("chars", FeatureSettings()), ("chars+shapes", FeatureSettings(shapes=True))):
        started = time.perf_counter()
        settings = replace(BUNDLED_SETTINGS, folds=0, features=feats)
        scorer = SpamScorer(train_model(inner, settings, name="dev", created=created))
        flags = [scorer.score(s.text, s.surface, evidence=0).flagged for s in stand_in]
        rep = report_to_dict(flag_report(stand_in, flags))
        rep["homophone_swapped_spam"] = report_to_dict(flag_report(
            swapped, [scorer.score(s.text, s.surface, evidence=0).flagged for s in swapped]))["recall"]
        rep["near_misses"] = {sf: _rate(judge.model(t, sf, scorer)[1] for t in near) for sf in ("title", "post")}
        loso = SpamScorer(train_model(without_ced, settings, name="dev", created=created))
        rep["loso_ced"] = _rate(loso.score(s.text, "post", evidence=0).flagged for s in ced)
        rep["seconds"] = round(time.perf_counter() - started, 1)
        out[name] = rep
        print(f"features {name}: val recall " + json.dumps({c: v["rate"] for c, v in rep["recall"].items()})
              + " swapped " + json.dumps({c: v["rate"] for c, v in rep["homophone_swapped_spam"].items()})
              + " ff " + json.dumps({c: v["rate"] for c, v in rep["false_flags"].items()})
              + " near " + json.dumps({k: v["k"] for k, v in rep["near_misses"].items()})
              + f" loso_ced {rep['loso_ced']['rate']:.2%}", flush=True)
    return out


#: The project's own hand-written dev / test set (bench/data/handwritten_spam.README.md): ``val`` rows are the dev split
#: (settings were tuned on them), ``test`` rows are reported.
HANDWRITTEN = ROOT / "bench" / "data" / "handwritten_spam.jsonl"
#: The set written for the project by a separate writer (bench/data/spam_dev4.README.md): its ``train`` rows are
#: in the recipe, ``val`` rows chose the settings (``--dev4-dev``), ``test`` rows are only reported.
DEV4 = ROOT / "bench" / "data" / "spam_dev4.jsonl"
DEV4_SOURCES = ("dev4_spam", "dev4_posts", "dev4_hard_posts", "dev4_titles", "dev4_hard_titles")
#: The second set written for the project (another writer, bench/data/spam_dev5.README.md), used as spam_dev4.
DEV5 = ROOT / "bench" / "data" / "spam_dev5.jsonl"
DEV5_SOURCES = ("dev5_spam", "dev5_posts", "dev5_hard_posts", "dev5_titles", "dev5_hard_titles")
#: The third (a writer of comments, private messages and group chats with cover stories, bench/data/spam_dev6.README.md).
DEV6 = ROOT / "bench" / "data" / "spam_dev6.jsonl"
DEV6_SOURCES = ("dev6_spam", "dev6_posts", "dev6_hard_posts", "dev6_titles", "dev6_hard_titles")
#: The fourth (a writer of posts, comments, DMs, listings and profiles, with many ordinary posts carrying legitimate
#: contacts, prices and invitations, bench/data/spam_dev7.README.md).
DEV7 = ROOT / "bench" / "data" / "spam_dev7.jsonl"
DEV7_SOURCES = ("dev7_spam", "dev7_posts", "dev7_hard_posts", "dev7_titles", "dev7_hard_titles")
#: The sets written for the project, one writer each (``--writers-dev`` leaves each out in turn).
WRITERS: tuple[tuple[str, Path], ...] = (("dev4", DEV4), ("dev5", DEV5), ("dev6", DEV6), ("dev7", DEV7))


def _handwritten(judge: Judge, path: Path = HANDWRITTEN) -> dict[str, Any]:
    """The hand-written set per split (``dev`` = its ``val`` rows, ``test``): lexicons / model / either /
    either with the veto, per category and per source (``hw_hard_*``: near misses)."""
    rows = read_labelled(path)
    out: dict[str, Any] = {}
    for split, name in (("val", "dev"), ("test", "test")):
        part = [s for s in rows if s.split == split]
        out[name] = _three(part, judge)
        out[name]["rows"] = len(part)
    return out


def _dev4_by(judge: Judge, field: str, path: Path = DEV4) -> dict[str, Any]:
    """Recall on a project set's test spam (default dev4) per ``style`` or ``disguise`` (lexicons OR model with
    the veto)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    spam = [r for r in rows if r["split"] == "test" and r["label"] != BENIGN]
    out: dict[str, Any] = {}
    for value in sorted({r[field] for r in spam}):
        part = [r for r in spam if r[field] == value]
        out[value] = _rate(judge.lexicon_vetoed(r["text"]) or judge.model(r["text"], r["surface"])[1] for r in part)
    return out


def _frame_veto_on_spam(samples: list[Sample]) -> dict[str, Any]:
    """Share of spam rows the context frames would excuse (a frame and no soliciting cue,
    :func:`plugin.scoring.frames.frame_of`): the most recall the frame veto can cost, per split and category
    (model-independent), with the frame classes that fired."""
    from collections import Counter

    out: dict[str, Any] = {}
    for split in sorted({s.split for s in samples}):
        spam = [s for s in samples if s.split == split and s.label != BENIGN]
        frames = [frame_of(s.text) for s in spam]
        out[split] = {"all": _rate(bool(f) for f in frames),
                      "by_category": {c: _rate(bool(f) for s, f in zip(spam, frames) if s.label == c)
                                      for c in sorted({s.label for s in spam})},
                      "frames": dict(Counter(f.split(":")[0] for f in frames if f))}
    return out


def _print_handwritten(hw: dict[str, Any]) -> None:
    kinds = ("lexicon", "model", "lexicon_or_model", "lexicon_or_model_with_context_veto")
    for split, rep in hw.items():
        print(f"hand-written {split}: lexicon / model / lexicon OR model / the same with the veto")
        for cat in rep["lexicon"]["recall"]:
            print(f"  recall {cat:15s} " + " / ".join(_fmt(rep[k]["recall"][cat]) for k in kinds))
        for key in rep["lexicon"]["false_flags_by_source"]:
            print(f"  false flags {key:22s} " + " / ".join(_fmt(rep[k]["false_flags_by_source"][key]) for k in kinds))


#: The settings compared by ``--cues-dev`` (name, feature settings, training settings over the recipe's).
_CUES_DEV: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("characters (the previous recipe)", {}, {}),
    ("+ cues", {"cues": True}, {}),
    ("+ cues + evasion copies", {"cues": True}, {"augment": 1, "augment_benign": 0.25}),
    ("+ evasion copies only", {}, {"augment": 1, "augment_benign": 0.25}),
    ("+ cues + copies + homophone classes", {"cues": True, "homophones": True}, {"augment": 1, "augment_benign": 0.25}),
    ("+ cues + copies, C 3", {"cues": True}, {"augment": 1, "augment_benign": 0.25, "c": 3.0}),
    ("+ cues + copies, min_df 5", {"cues": True}, {"augment": 1, "augment_benign": 0.25, "min_df": 5}),
    ("+ cues ×2, min_df 5, no copies (chosen)", {"cues": True, "cue_repeat": 2}, {"min_df": 5}),
    ("+ cues ×2 + copies, min_df 5 (the first cue model)", {"cues": True, "cue_repeat": 2},
     {"augment": 1, "augment_benign": 0.25, "min_df": 5}),
    ("+ cues ×3 + copies, min_df 5", {"cues": True, "cue_repeat": 3}, {"augment": 1, "augment_benign": 0.25, "min_df": 5}),
)


def _cues_dev(samples: list[Sample], judge: Judge, created: str) -> dict[str, Any]:
    """Cue features, evasion copies and their settings compared on development data only: fitted on the
    train split (25 % of it calibrating, folds 0), scored on the val split, on the val spam disguised by
    the evasion classes, and on the hand-written set's dev rows (model alone and lexicons OR model). The
    hand-written test rows are not read."""
    from plugin.scoring import FeatureSettings

    dev = [replace(s, split="") for s in samples if s.split == "train"]
    stand_in = [s for s in samples if s.split == "val"]
    inner = assign_splits(dev, test=0.0, val=0.25)
    hw = [s for s in read_labelled(HANDWRITTEN) if s.split == "val"]
    # the val spam disguised by the evasion classes (a robustness measure; the val rows are never trained on)
    from collections import Counter

    from plugin.scoring.augment import augment

    counts = Counter(ch for s in dev for ch in s.text)
    vocabulary = "".join(sorted(ch for ch, n in counts.items() if n >= 5))
    disguised = [replace(s, text=augment(s.text, vocabulary=vocabulary)) for s in stand_in if s.label != BENIGN]
    out: dict[str, Any] = {}
    for name, features, training in _CUES_DEV:
        settings = replace(BUNDLED_SETTINGS, folds=0, min_df=2, augment=0, augment_benign=0.0,
                           features=FeatureSettings(**features))
        settings = replace(settings, **training)
        scorer = SpamScorer(train_model(inner, settings, name="dev", created=created))
        rep = report_to_dict(flag_report(stand_in, [scorer.score(s.text, s.surface, evidence=0).flagged
                                                    for s in stand_in]))
        rep["disguised_val_spam"] = report_to_dict(flag_report(
            disguised, [scorer.score(s.text, s.surface, evidence=0).flagged for s in disguised]))["recall"]
        model = [scorer.score(s.text, s.surface, evidence=0).flagged for s in hw]
        either = [judge.lexicon(s.text) or m for s, m in zip(hw, model)]
        rep["handwritten_dev"] = {"model": report_to_dict(flag_report(hw, model)),
                                  "lexicon_or_model": report_to_dict(flag_report(hw, either))}
        out[name] = rep
        print(f"{name}: val recall " + json.dumps({c: v["rate"] for c, v in rep["recall"].items()})
              + " ff " + json.dumps({c: v["k"] for c, v in rep["false_flags"].items()})
              + " disguised " + json.dumps({c: v["rate"] for c, v in rep["disguised_val_spam"].items()})
              + " hw-dev model " + json.dumps({c: v["k"] for c, v in rep["handwritten_dev"]["model"]["recall"].items()})
              + " either " + json.dumps({c: v["k"] for c, v in
                                         rep["handwritten_dev"]["lexicon_or_model"]["recall"].items()}), flush=True)
    return out


#: The settings compared by ``--dev4-dev`` (name, whether the project's rows are in, training settings over the
#: recipe's).
_DEV4_DEV: tuple[tuple[str, bool, dict[str, Any]], ...] = (
    ("shared data only (the previous recipe)", False, {"features": {"joined": False}}),
    ("+ dev4 train rows", True, {"features": {"joined": False}}),
    ("+ dev4 train rows + joined view (chosen)", True, {"features": {"joined": True}}),
)


def _dev4_dev(data: Path, judge: Judge, created: str, variants: str = "") -> dict[str, Any]:
    """The project's rows in the recipe, compared on development data only: fitted on the train split (shared
    train + dev4 train), calibrated on the val split (folds 0), scored on the dev4 val rows, the shared val spam
    and the hand-written dev rows (lexicons OR model with the veto). No test row is read."""
    out: dict[str, Any] = {}
    hw = [s for s in read_labelled(HANDWRITTEN) if s.split == "val"]
    chosen = [v for i, v in enumerate(_DEV4_DEV) if not variants or str(i) in variants.split(",")]
    for name, project, training in chosen:
        samples = [s for s in recipe_samples(data, project=project) if s.split != "test"]
        features = replace(BUNDLED_SETTINGS.features, **training.get("features", {}))
        settings = replace(BUNDLED_SETTINGS, folds=0, features=features,
                           **{k: v for k, v in training.items() if k != "features"})
        started = time.perf_counter()
        scorer = SpamScorer(train_model(samples, settings, name="dev", created=created))
        dev4 = [s for s in read_labelled(DEV4) if s.split == "val"]
        shared_val = [s for s in samples if s.split == "val" and s.label != BENIGN and not s.source.startswith("dev4")]
        rep = {"thresholds": {sf: dict(t) for sf, t in scorer.card.thresholds.items()},
               "dev4_val": _three(dev4, judge, scorer), "handwritten_dev": _three(hw, judge, scorer),
               "shared_val_spam_model": report_to_dict(flag_report(
                   shared_val, [scorer.score(s.text, s.surface, evidence=0).flagged for s in shared_val]))["recall"],
               "seconds": round(time.perf_counter() - started, 1)}
        out[name] = rep
        either = rep["dev4_val"]["lexicon_or_model_with_context_veto"]
        print(f"{name}: dev4 val either+veto recall " + json.dumps({c: v["k"] for c, v in either["recall"].items()})
              + " ff " + json.dumps({c: v["k"] for c, v in either["false_flags_by_source"].items()})
              + " model recall " + json.dumps({c: v["k"] for c, v in rep["dev4_val"]["model"]["recall"].items()})
              + " hw-dev either+veto " + json.dumps(
                  {c: v["k"] for c, v in rep["handwritten_dev"]["lexicon_or_model_with_context_veto"]["recall"].items()})
              + " hw ff " + json.dumps({c: v["k"] for c, v in
                                        rep["handwritten_dev"]["lexicon_or_model_with_context_veto"]["false_flags_by_source"].items()})
              + " shared val model " + json.dumps({c: v["rate"] for c, v in rep["shared_val_spam_model"].items()}),
              flush=True)
    return out


#: The settings compared by ``--authors-dev`` (name, feature settings and training settings over the recipe's).
_AUTHORS_DEV: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("the recipe (cues ×2, joined view)", {}, {}),
    ("+ topic cues", {"topic_cues": True}, {}),
    ("+ budget to the weakest category", {}, {"allocation": "weakest_first"}),
    ("+ framed rows left out, short views around topic words", {}, {"skip_framed": True, "short_views": "topic"}),
    ("+ spam_dev6's train and val rows", {}, {"with_dev6": True}),
)

def _either(rep: dict[str, Any]) -> str:
    """One line of a :func:`_three` report: lexicons OR model with the veto (model alone in brackets)."""
    both, model = rep["lexicon_or_model_with_context_veto"], rep["model"]
    return ("recall " + " / ".join(f"{v['k']}({model['recall'][c]['k']})/{v['n']}" for c, v in both["recall"].items())
            + "; flagged " + ", ".join(f"{src} {v['k']}/{v['n']}" for src, v in both["false_flags_by_source"].items()))


def _authors_dev(data: Path, judge: Judge, created: str, variants: str = "", *, with_dev5: bool = False
                 ) -> dict[str, Any]:
    """Variants compared on authors a model never saw (development rows only; no test row is read): each is
    fitted on the train split and calibrated on the val split (folds 0) twice. With the shared data and
    ``spam_dev4``'s train rows it is scored on the hand-written dev rows and ``spam_dev5``'s dev rows (two other
    writers), ``spam_dev6``'s train and val rows when the set is there (a third writer, never trained on here) and
    ``spam_dev4``'s val rows (a writer it saw); with the shared data only (``spam_dev4`` left out) on all of
    ``spam_dev4``'s train and val rows. Lexicons OR model with the Guard's veto, and the model alone.
    ``with_dev5``: ``spam_dev5``'s train rows join the first model (its near misses as learned negatives), which
    is then scored on ``spam_dev5``'s val rows only (a writer it saw). A variant with ``with_dev6`` adds
    ``spam_dev6``'s train and val rows to both models (its near misses set no threshold) and scores its val rows
    only: what a third writer's rows do for the others."""
    hw = [s for s in read_labelled(HANDWRITTEN) if s.split == "val"]
    dev5 = [s for s in read_labelled(DEV5) if s.split == "val" or (s.split == "train" and not with_dev5)]
    dev6 = [s for s in read_labelled(DEV6) if s.split != "test"] if DEV6.is_file() else []
    dev7 = [s for s in read_labelled(DEV7) if s.split != "test"] if DEV7.is_file() else []
    dev4_rows = read_labelled(DEV4)
    with_dev4 = [s for s in recipe_samples(data) if s.split != "test" and s.source not in (*DEV6_SOURCES, *DEV7_SOURCES)
                 and (with_dev5 or s.source not in DEV5_SOURCES)]
    without_dev4 = [s for s in recipe_samples(data, project=False) if s.split != "test"]
    near = [Sample(json.loads(line)["text"], BENIGN, "post", "near_misses")
            for line in (ROOT / "tests" / "data" / "benign_near_misses.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    out: dict[str, Any] = {}
    chosen = [v for i, v in enumerate(_AUTHORS_DEV) if not variants or str(i) in variants.split(",")]
    dev6_own = [s for s in dev6 if s.split in ("train", "val")]
    for name, features, training in chosen:
        options = {k: v for k, v in training.items() if k != "with_dev6"}
        settings = replace(BUNDLED_SETTINGS, folds=0, features=replace(BUNDLED_SETTINGS.features, **features),
                           calibration_skip=(*BUNDLED_SETTINGS.calibration_skip, "dev6_hard_posts", "dev6_hard_titles"),
                           **options)
        more = dev6_own if training.get("with_dev6") else []
        started = time.perf_counter()
        seen = SpamScorer(train_model([*with_dev4, *more], settings, name="dev", created=created))
        unseen = SpamScorer(train_model([*without_dev4, *more], settings, name="dev", created=created))
        rep = {"handwritten_dev": _three(hw, judge, seen),
               "dev4_val_seen": _three([s for s in dev4_rows if s.split == "val"], judge, seen),
               "dev4_unseen": _three([s for s in dev4_rows if s.split != "test"], judge, unseen),
               "near_misses_post": _three(near, judge, seen),
               "seconds": round(time.perf_counter() - started, 1)}
        if dev5:
            rep["dev5_dev"] = _three(dev5, judge, seen)
        if dev6:
            rep["dev6_dev"] = _three([s for s in dev6 if not more or s.split == "val"], judge, seen)
        if dev7:
            rep["dev7_dev"] = _three(dev7, judge, seen)
        out[name] = rep
        print(f"{name} ({rep['seconds']} s)", flush=True)
        for key in ("handwritten_dev", "dev5_dev", "dev6_dev", "dev7_dev", "dev4_unseen", "dev4_val_seen",
                    "near_misses_post"):
            if key in rep:
                print(f"  {key:16s} {_either(rep[key])}", flush=True)
    if dev7:  # the bundled card, which never saw spam_dev7 either
        out["bundled card on spam_dev7"] = {"model": judge.scorer.version, "dev7_dev": _three(dev7, judge)}
        print(f"bundled card {judge.scorer.version}\n  dev7_dev         "
              f"{_either(out['bundled card on spam_dev7']['dev7_dev'])}", flush=True)
    return out


#: The settings compared by ``--writers-dev`` (name, feature settings and training settings over the recipe's).
_WRITERS_DEV: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("the recipe", {}, {}),
    ("benign sources weighted by the square root of their rows", {}, {"source_balance": "sqrt"}),
    ("benign rows that reach someone weigh 3", {}, {"benign_reach_weight": 3.0}),
    ("benign rows that reach someone weigh 6", {}, {"benign_reach_weight": 6.0}),
    ("square-root sources, reaching benign rows weigh 3", {}, {"source_balance": "sqrt", "benign_reach_weight": 3.0}),
    # measured before spam_dev7 and removed: the benign rows that reach someone held to the source cap as one more
    # calibration group (``calibrate_reach``; bench/results/model_writers_dev_before_dev7.json): no threshold changed
    # measured and removed: a token for a way to reach the writer without any topic word (``reach_alone``; its row in
    # bench/results/model_writers_dev.json): 13 spam texts fewer of 1,080, the same ordinary posts flagged
)


def _writers_dev(data: Path, judge: Judge, created: str, variants: str = "") -> dict[str, Any]:
    """Leave one writer out (development rows only; no test row is read): for each set written for the project
    (:data:`WRITERS`, those imported), a model fitted on the shared train split and every *other* writer's train rows
    and calibrated on their val split (folds 0; every writer's near misses set no threshold) scores the left-out
    writer's train + val rows. Lexicons OR model with the Guard's veto, and the model alone; ``total`` sums the
    writers. The hand-written dev rows and the shared near-miss set are scored by the model that left out the last
    writer."""
    shared = [s for s in recipe_samples(data, project=False) if s.split != "test"]
    writers = [(name, [s for s in read_labelled(path) if s.split != "test"]) for name, path in WRITERS if path.is_file()]
    hw = [s for s in read_labelled(HANDWRITTEN) if s.split == "val"]
    near = [Sample(json.loads(line)["text"], BENIGN, "post", "near_misses")
            for line in (ROOT / "tests" / "data" / "benign_near_misses.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    skip = tuple(f"{name}_{kind}" for name, _ in WRITERS for kind in ("hard_posts", "hard_titles"))
    out: dict[str, Any] = {}
    chosen = [v for i, v in enumerate(_WRITERS_DEV) if not variants or str(i) in variants.split(",")]
    for name, features, training in chosen:
        settings = replace(BUNDLED_SETTINGS, folds=0, features=replace(BUNDLED_SETTINGS.features, **features),
                           calibration_skip=tuple(dict.fromkeys((*BUNDLED_SETTINGS.calibration_skip, *skip))),
                           **training)
        started = time.perf_counter()
        rep: dict[str, Any] = {}
        total: dict[str, list[int]] = {}
        for left, rows in writers:
            others = [s for w, r in writers if w != left for s in r]
            scorer = SpamScorer(train_model([*shared, *others], settings, name="dev", created=created))
            rep[left] = _three(rows, judge, scorer)
            alone = rep[left]["lexicon_or_model_with_context_veto_patterns_alone"]
            both, model = rep[left]["lexicon_or_model_with_context_veto"], rep[left]["model"]
            for c, v in both["recall"].items():
                t = total.setdefault(c, [0, 0, 0, 0])
                t[0] += v["k"]
                t[1] += model["recall"][c]["k"]
                t[2] += v["n"]
                t[3] += alone["recall"][c]["k"]
            for src, v in both["false_flags_by_source"].items():
                kind = src.split("/", 1)[1].split("_", 1)[1]
                t = total.setdefault(kind, [0, 0, 0, 0])
                t[0] += v["k"]
                t[1] += rep[left]["model"]["false_flags_by_source"][src]["k"]
                t[2] += v["n"]
                t[3] += alone["false_flags_by_source"][src]["k"]
        rep["handwritten_dev"] = _three(hw, judge, scorer)
        rep["near_misses_post"] = _three(near, judge, scorer)
        rep["total"] = {k: {"with_veto": a, "model": b, "n": n, "with_veto_patterns_alone": d}
                        for k, (a, b, n, d) in total.items()}
        rep["seconds"] = round(time.perf_counter() - started, 1)
        out[name] = rep
        print(f"{name} ({rep['seconds']} s)", flush=True)
        for key in (*(w for w, _ in writers), "handwritten_dev", "near_misses_post"):
            print(f"  {key:16s} {_either(rep[key])}", flush=True)
        print("  total            " + "; ".join(f"{k} {a}({b})/{n}" for k, (a, b, n, _) in total.items()), flush=True)
        print("  patterns alone   " + "; ".join(f"{k} {d}/{n}" for k, (_, _, n, d) in total.items()), flush=True)
    return out


#: What ``--budget-dev`` compares: a name, training settings that differ from the recipe's and the post-surface
#: safety margins to recalibrate at (the title surface keeps the recipe's half target).
_BUDGET_DEV: tuple[tuple[str, dict[str, Any], tuple[float, ...]], ...] = (
    ("the recipe", {}, (0.5, 0.75, 1.0)),
    ("short views around every cue", {"short_views": "cues"}, (0.5,)),
    ("short views around topic words", {"short_views": "topic"}, (0.5,)),
    ("word unigrams and bigrams", {"features": {"words": True}}, (0.5, 0.75)),
    ("Baidu news summaries as benign posts", {"benign_extra": True}, (0.5, 0.75)),
    ("words and Baidu news summaries", {"features": {"words": True}, "benign_extra": True}, (0.5, 0.75)),
    ("benign rows a frame excuses left out", {"skip_framed": True}, (0.5, 0.75)),
    ("words, benign rows a frame excuses left out", {"features": {"words": True}, "skip_framed": True}, (0.5, 0.75)),
    ("words, frames left out, short views around topic words",
     {"features": {"words": True}, "skip_framed": True, "short_views": "topic"}, (0.5,)),
    ("words, C 10", {"features": {"words": True}, "c": 10.0}, (0.5,)),
    ("frames left out, short views around topic words", {"skip_framed": True, "short_views": "topic"}, (0.5,)),
)
#: A short text (a comment, a search query, a username-like line): this many characters, ends included.
SHORT_TEXT = (6, 15)


def _is_short(text: str) -> bool:
    return SHORT_TEXT[0] <= len(text.strip()) <= SHORT_TEXT[1]


def _calibrator(model: LinearModel, calib: list[Sample]) -> Callable[[TrainSettings], SpamScorer]:
    """Recalibrations of ``model``'s weights on ``calib`` (its val rows): settings → a scorer with the thresholds
    :func:`plugin.scoring.train.calibrate` gives (the weights and their margins are computed once)."""
    scorer = SpamScorer(model)
    margins = np.array([scorer.margins(s.text) for s in calib])

    def with_settings(settings: TrainSettings) -> SpamScorer:
        thresholds, _ = calibrate(margins, calib, model.card.categories, settings)
        return SpamScorer(LinearModel(replace(model.card, thresholds=thresholds), model.weights, model.bias))
    return with_settings


def _short_report(samples: list[Sample], judge: Judge, scorer: SpamScorer) -> dict[str, Any]:
    """Spam caught and benign texts flagged among the short texts of ``samples`` (lexicons OR model with the
    veto; the model alone), each on its own surface."""
    rows = [s for s in samples if _is_short(s.text)]
    spam = [s for s in rows if s.is_spam]
    benign = [s for s in rows if not s.is_spam]
    both = [judge.lexicon_vetoed(s.text) or judge.model(s.text, s.surface, scorer)[1] for s in spam]
    alone = [judge.model(s.text, s.surface, scorer)[0] for s in spam]
    return {"spam": _rate(both), "spam_model": _rate(alone),
            "spam_by_surface": {sf: _rate(f for s, f in zip(spam, both) if s.surface == sf)
                                for sf in sorted({s.surface for s in spam})},
            "benign_flagged": _rate(judge.lexicon_vetoed(s.text) or judge.model(s.text, s.surface, scorer)[1]
                                    for s in benign)}


def _budget_dev(data: Path, judge: Judge, created: str, variants: str = "") -> dict[str, Any]:
    """The post surface's false-flag budget and training variants (development rows only; no test row is read):
    per variant of :data:`_BUDGET_DEV`, models fitted on the train split (folds 0) and recalibrated on the val split
    at each of its post margins, scored on writers they never saw (as ``--authors-dev``: the hand-written dev rows,
    ``spam_dev5``'s train + val rows, ``spam_dev4``'s train + val rows with a model fitted without it), the shared
    val spam and benign posts, the near-miss set, the short texts of those sets, and leave one genre out (CED,
    ChineseHarm benign: a model fitted and calibrated without the genre, flag rate on its train + val rows)."""
    hw = [s for s in read_labelled(HANDWRITTEN) if s.split == "val"]
    dev5 = [s for s in read_labelled(DEV5) if s.split != "test"]
    dev4 = [s for s in read_labelled(DEV4) if s.split != "test"]
    dev = [s for s in recipe_samples(data) if s.split != "test" and s.source not in DEV5_SOURCES]
    without_dev4 = [s for s in recipe_samples(data, project=False) if s.split != "test"]
    near = [Sample(json.loads(line)["text"], BENIGN, "post", "near_misses")
            for line in (ROOT / "tests" / "data" / "benign_near_misses.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    val = [s for s in dev if s.split == "val" and s.source not in (*DEV4_SOURCES, *DEV5_SOURCES)]
    out: dict[str, Any] = {}
    chosen = [v for i, v in enumerate(_BUDGET_DEV) if not variants or str(i) in variants.split(",")]
    extra = [s for s in assign_splits(shared_samples(data, EXTRA_SOURCES), **RECIPE_SPLIT) if s.split != "test"]
    for variant, training, post_margins in chosen:
        options = {k: v for k, v in training.items() if k not in ("features", "benign_extra")}
        base = replace(BUNDLED_SETTINGS, folds=0, features=replace(BUNDLED_SETTINGS.features,
                                                                    **training.get("features", {})), **options)
        started = time.perf_counter()
        more = extra if training.get("benign_extra") else []

        def fitted(rows: list[Sample], name: str) -> Callable[[TrainSettings], SpamScorer]:
            model = train_model(rows, base, name=name, created=created)
            print(f"  {variant}: fitted {name} ({time.perf_counter() - started:.0f} s)", flush=True)
            return _calibrator(model, [s for s in rows if s.split == "val"])

        seen, unseen = fitted(dedupe([*dev, *more]), "seen"), fitted(dedupe([*without_dev4, *more]), "unseen")
        loso = {g: fitted(dedupe([s for s in dev if not (s.source == g and s.label == BENIGN)] + more), f"loso_{g}")
                for g in ("ced", "chineseharm")}
        for m in post_margins:
            settings = replace(base, surface_margins={"post": m})
            a, b = seen(settings), unseen(settings)
            rep: dict[str, Any] = {
                "training": training, "post_margin": m,
                "thresholds": {sf: dict(t) for sf, t in a.card.thresholds.items()},
                "handwritten_dev": _three(hw, judge, a), "dev5_dev": _three(dev5, judge, a),
                "dev4_unseen": _three(dev4, judge, b), "shared_val": _three(val, judge, a),
                "near_misses_post": _three(near, judge, a),
                "short_texts": {"handwritten_dev": _short_report(hw, judge, a),
                                "dev5_dev": _short_report(dev5, judge, a), "dev4_unseen": _short_report(dev4, judge, b)},
                "leave_one_genre_out": {}}
            for g, cal in loso.items():
                rows = [s for s in dev if s.source == g and s.label == BENIGN]
                sc = cal(settings)
                mod = [judge.model(s.text, "post", sc) for s in rows]
                rep["leave_one_genre_out"][g] = {"rows": len(rows), "model": _rate(f for f, _ in mod),
                                                 "lexicon_or_model_with_context_veto": _rate(
                                                     judge.lexicon_vetoed(s.text) or v for s, (_, v) in zip(rows, mod))}
            name = f"{variant}, post margin {m}"
            out[name] = rep
            print(f"{name}: post cuts " + " / ".join(f"{v:.3f}" for v in a.card.thresholds["post"].values()),
                  flush=True)
            for key in ("handwritten_dev", "dev5_dev", "dev4_unseen", "shared_val", "near_misses_post"):
                print(f"  {key:16s} {_either(rep[key])}", flush=True)
            print("  short           " + "; ".join(
                f"{k} {v['spam']['k']}/{v['spam']['n']} (benign {v['benign_flagged']['k']}/{v['benign_flagged']['n']})"
                for k, v in rep["short_texts"].items()), flush=True)
            print("  LOGO            " + "; ".join(f"{g} {v['model']['k']}/{v['rows']} ({v['model']['rate']:.2%})"
                                                   for g, v in rep["leave_one_genre_out"].items()), flush=True)
    return out


def _length_dev(data: Path, created: str) -> dict[str, Any]:
    """Whether a threshold by text length is what the data asks for (development rows only): a model fitted on the
    train split and calibrated on the val split (folds 0, ``spam_dev5`` left out), and per surface and length band
    (short: :data:`SHORT_TEXT`; long: more) the val benign texts' margin over the nearest category cut (the
    99th and 99.9th percentiles: how close the band's tail comes to a flag) and the spam of ``spam_dev5`` (a writer
    the model never saw) caught at its own surface's cuts and at the post cuts."""
    dev = [s for s in recipe_samples(data) if s.split != "test" and s.source not in DEV5_SOURCES]
    model = train_model(dev, replace(BUNDLED_SETTINGS, folds=0), name="length", created=created)
    scorer = SpamScorer(model)
    cuts = {sf: np.array([score_to_margin(t[c]) for c in model.card.categories])
            for sf, t in model.card.thresholds.items()}
    val = [s for s in dev if s.split == "val" and not s.is_spam and s.source not in BUNDLED_SETTINGS.calibration_skip]
    spam = [s for s in read_labelled(DEV5) if s.split != "test" and s.is_spam]

    def band(text: str) -> str:
        return "short" if len(text.strip()) <= SHORT_TEXT[1] else "long"

    out: dict[str, Any] = {"benign_val": {}, "dev5_spam": {}}
    for surface in cuts:
        for b in ("short", "long"):
            rows = [s for s in val if s.surface == surface and band(s.text) == b]
            if rows:
                over = np.array([(scorer.margins(s.text) - cuts[surface]).max() for s in rows])
                out["benign_val"][f"{surface}/{b}"] = {
                    "rows": len(rows), "flagged": int((over >= 0).sum()),
                    "margin_over_cut_p99": round(float(np.quantile(over, 0.99)), 2),
                    "margin_over_cut_p999": round(float(np.quantile(over, 0.999)), 2)}
            rows = [s for s in spam if s.surface == surface and band(s.text) == b]
            if rows:
                margins = [scorer.margins(s.text) for s in rows]
                out["dev5_spam"][f"{surface}/{b}"] = {
                    "rows": len(rows), "caught": int(sum((m >= cuts[surface]).any() for m in margins)),
                    "caught_at_post_cuts": int(sum((m >= cuts["post"]).any() for m in margins))}
    for key, v in out.items():
        print(key, json.dumps(v, ensure_ascii=False), flush=True)
    return out


#: Window lengths and strides (dense-view characters) ``--window-dev`` compares.
WINDOWS: tuple[tuple[int, int], ...] = ((20, 5), (30, 10), (60, 15))


def _best_window_margins(scorer: SpamScorer, text: str, length: int, stride: int) -> npt.NDArray[np.float64]:
    """Per category, the highest margin of a window of ``length`` dense-view characters (every ``stride``, and the
    last), each window scored as a text of its own (its occurrences' weights over the square root of their count,
    plus the bias; an occurrence belongs to the window its start is in); ``-inf`` for a text shorter than
    ``length + stride`` (one window would be the text itself)."""
    grams = text_grams(text, scorer.card.features)
    n, k = len(grams.chars), len(scorer.categories)
    if n < length + stride or len(grams.buckets) == 0:
        return np.full(k, -np.inf)
    starts = np.concatenate([np.arange(count) if size else np.array([a for a, _ in grams.spans[:count]], dtype=np.int64)
                             for size, count in grams.blocks])
    weights = scorer.model.weights.astype(np.float64)[grams.buckets]
    summed = np.zeros((n + 1, k))
    np.add.at(summed, starts + 1, weights)
    counts = np.zeros(n + 1)
    np.add.at(counts, starts + 1, 1.0)
    summed, counts = summed.cumsum(axis=0), counts.cumsum()
    first = np.unique(np.r_[np.arange(0, n - length + 1, stride), n - length])
    window = (summed[first + length] - summed[first]) / np.sqrt(np.maximum(counts[first + length] - counts[first], 1))[:, None]
    best: npt.NDArray[np.float64] = (window + scorer.model.bias.astype(np.float64)).max(axis=0)
    return best


def _window_dev(data: Path, judge: Judge, created: str) -> dict[str, Any]:
    """Whether scoring a long post by its best window (a cover story that reaches the offer late) catches more spam
    of writers the models never saw at the same false-flag budget (development rows only; no test row is read). The
    ``--authors-dev`` models (fitted on the train split; ``spam_dev4`` left out of the second); per window setting,
    the window margins join the text's as three more columns of :func:`plugin.scoring.train.calibrate` (every column
    at the same quantile of its benign val margins, the surface's budget and per-source cap shared by both), and a
    text is flagged when either its margin or its best window's reaches its cut. Lexicons OR model with the veto
    (the category whose margin is furthest over its cut; the evidence of the whole text)."""
    hw = [s for s in read_labelled(HANDWRITTEN) if s.split == "val"]
    dev5 = [s for s in read_labelled(DEV5) if s.split != "test"]
    dev4 = [s for s in read_labelled(DEV4) if s.split != "test"]
    seen_rows = [s for s in recipe_samples(data) if s.split != "test" and s.source not in (*DEV5_SOURCES, *DEV6_SOURCES)]
    unseen_rows = [s for s in recipe_samples(data, project=False) if s.split != "test"]
    near = [Sample(json.loads(line)["text"], BENIGN, "post", "near_misses")
            for line in (ROOT / "tests" / "data" / "benign_near_misses.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    settings = replace(BUNDLED_SETTINGS, folds=0)
    models = {name: SpamScorer(train_model(rows, settings, name=name, created=created))
              for name, rows in (("seen", seen_rows), ("unseen", unseen_rows))}
    calib = {"seen": [s for s in seen_rows if s.split == "val"], "unseen": [s for s in unseen_rows if s.split == "val"]}
    scored = {"handwritten_dev": (hw, "seen"), "dev5_dev": (dev5, "seen"), "dev4_unseen": (dev4, "unseen"),
              "near_misses_post": (near, "seen")}
    cats = models["seen"].categories
    out: dict[str, Any] = {}
    for length, stride in ((0, 0), *WINDOWS):
        def columns(name: str, rows: list[Sample]) -> npt.NDArray[np.float64]:
            sc = models[name]
            full = np.array([sc.margins(s.text) for s in rows])
            if not length:
                return full
            windows = np.array([_best_window_margins(sc, s.text, length, stride) for s in rows])
            return np.hstack([full, np.where(np.isfinite(windows), windows, -1e9)])

        names = cats if not length else (*cats, *(f"window:{c}" for c in cats))
        cuts = {}
        for name, rows in calib.items():
            thresholds, _ = calibrate(columns(name, rows), rows, names, settings)
            cuts[name] = {sf: np.array([score_to_margin(t[c]) for c in names]) for sf, t in thresholds.items()}
        rep: dict[str, Any] = {"window": [length, stride]} if length else {"window": None}
        for key, (rows, name) in scored.items():
            flags = []
            for s, m in zip(rows, columns(name, rows)):
                over = m - cuts[name][s.surface]
                top = int(over.argmax())
                flagged = bool(over[top] >= 0)
                if flagged:
                    result = models[name].score(s.text, s.surface, explain=True)
                    spans = tuple((e.start, e.end, e.surface) for e in result.evidence)
                    flagged = not judge.context.vetoes(s.text, cats[top % len(cats)], spans)
                flags.append(judge.lexicon_vetoed(s.text) or flagged)
            rep[key] = report_to_dict(flag_report(rows, flags))
        label = f"best window of {length} every {stride}" if length else "the text only (the recipe)"
        out[label] = rep
        print(label + " | " + " | ".join(
            f"{key} " + "/".join(str(v["k"]) for v in rep[key]["recall"].values()) + " flagged "
            + ",".join(f"{src} {v['k']}/{v['n']}" for src, v in rep[key]["false_flags_by_source"].items() if "post" in src)
            for key in scored), flush=True)
    return out


#: Category names an external set may use for the scorer's categories.
_CATEGORY_ALIASES = {"blackmarket": "blackmarket_ad", "black_market": "blackmarket_ad"}


def _fresh(folder: Path, judge: Judge, scorer: SpamScorer) -> dict[str, Any]:
    """An independently written set: spam.jsonl (text, category), benign_posts.jsonl (text, optional kind:
    ``hard_*`` marks a near miss, reported as the source ``fresh_hard_posts``), benign_titles.jsonl (text),
    and optionally near_misses.jsonl (text). Only figures are reported, never its texts."""
    def rows(name: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]

    def category(row: dict[str, Any]) -> str:
        cat = _CATEGORY_ALIASES.get(row["category"], row["category"])
        if cat not in CATEGORIES:
            raise SystemExit(f"{folder}: unknown category {row['category']!r}")
        return str(cat)

    samples = [Sample(r["text"], category(r), "post", "fresh_spam") for r in rows("spam.jsonl")]
    samples += [Sample(r["text"], BENIGN, "post",
                       "fresh_hard_posts" if str(r.get("kind", "")).startswith("hard_") else "fresh_posts")
                for r in rows("benign_posts.jsonl")]
    samples += [Sample(r["text"], BENIGN, "title", "fresh_titles") for r in rows("benign_titles.jsonl")]
    out = _three(samples, judge)
    spam_as_titles = [replace(s, surface="title") for s in samples if s.label != BENIGN]
    out["spam_at_title_threshold"] = report_to_dict(flag_report(
        spam_as_titles, [judge.lexicon(s.text) or judge.model(s.text, "title")[0] for s in spam_as_titles]))
    if (folder / "near_misses.jsonl").is_file():
        out["near_misses"] = _near_misses(folder / "near_misses.jsonl", judge, scorer, show_texts=False)
        out["near_misses"].pop("title", None)
    return out


def _table(report: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: report[k][key] for k in report}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None)
    ap.add_argument("--no-loso", action="store_true", help="skip the leave-one-source-out and trap trainings")
    ap.add_argument("--tune", action="store_true", help="only run the development comparison (slow)")
    ap.add_argument("--features-dev", action="store_true",
                    help="only compare the feature families on the development data (model_features_dev.json)")
    ap.add_argument("--fresh", "--external", dest="fresh", action="append", default=[],
                    help="folder of an independently written evaluation set (spam.jsonl, benign_posts.jsonl "
                         "[kind hard_*: near misses], benign_titles.jsonl, optional near_misses.jsonl); only its "
                         "figures are reported; repeatable")
    ap.add_argument("--loso-genres", default=",".join(POST_GENRES),
                    help="comma-separated post genres for the leave-one-source-out (default: all)")
    ap.add_argument("--loso-only", action="store_true",
                    help="only the leave-one-source-out of --loso-genres (and the trap when it lists 'trap'), merged "
                         "into an existing --out report of the same model (runs of several genres may run side by "
                         "side)")
    ap.add_argument("--candidate-loso", action="store_true",
                    help="only the leave-one-source-out of --loso-genres for a candidate recipe of the next retrain "
                         "(CANDIDATES[--variants] over the bundled recipe), merged into "
                         "bench/results/model_candidate_loso*.json")
    ap.add_argument("--dev4-dev", action="store_true",
                    help="only compare the recipe with and without the project's rows on development data "
                         "(model_dev4_dev.json)")
    ap.add_argument("--variants", default="", help="--dev4-dev, --authors-dev, --budget-dev: comma-separated indices "
                                                    "of the variants to run")
    ap.add_argument("--authors-dev", action="store_true",
                    help="only compare settings on writers the model never saw, development rows only "
                         "(model_authors_dev.json; --variants picks some)")
    ap.add_argument("--writers-dev", action="store_true",
                    help="only compare settings leaving each writer of the project's sets out in turn, development "
                         "rows only (model_writers_dev.json; --variants picks some)")
    ap.add_argument("--with-dev5", action="store_true", help="--authors-dev: spam_dev5's train rows in the first model")
    ap.add_argument("--budget-dev", action="store_true",
                    help="only compare the post surface's false-flag budget on development rows "
                         "(-> bench/results/model_budget_dev.json)")
    ap.add_argument("--length-dev", action="store_true",
                    help="only measure how short texts sit against the thresholds (-> bench/results/model_length_dev.json)")
    ap.add_argument("--window-dev", action="store_true",
                    help="only compare scoring long posts by their best window on writers the models never saw "
                         "(-> bench/results/model_window_dev.json)")
    ap.add_argument("--cues-dev", action="store_true",
                    help="only compare cue features and evasion copies on the development data (model_cues_dev.json)")
    ap.add_argument("--handwritten-only", action="store_true",
                    help="only score the hand-written dev / test set (bench/data/handwritten_spam.jsonl) and add the figures, keyed by model version, to bench/results/model_handwritten.json")
    ap.add_argument("--model", default=None, help="model card to evaluate (default: the bundled model)")
    ap.add_argument("--out", default=str(RESULTS / "model_eval.json"))
    args = ap.parse_args()

    data = _data_dir(args.data)
    created = time.strftime("%Y-%m-%d")
    samples = recipe_samples(data)
    scorer = SpamScorer.load(args.model) if args.model else SpamScorer.bundled()
    matcher = Matcher.from_lexicons([], bundled=True)
    judge = Judge(matcher, scorer, Context(matcher))
    if args.handwritten_only:
        hw = _handwritten(judge)
        hw["frame_veto_on_spam"] = _frame_veto_on_spam(read_labelled(HANDWRITTEN))
        hw["dev5"] = _handwritten(judge, DEV5)
        hw["dev6"] = _handwritten(judge, DEV6)
        hw["dev7"] = _handwritten(judge, DEV7)
        _print_handwritten({k: v for k, v in hw.items() if k in ("dev", "test")})
        out = RESULTS / "model_handwritten.json"
        runs = json.loads(out.read_text(encoding="utf-8")) if out.is_file() else {}
        runs[scorer.version] = {"date": time.strftime("%Y-%m-%d %H:%M"), **hw}
        out.write_text(json.dumps(runs, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return
    if args.features_dev:
        _write_dev("model_features_dev.json", "train + val only: fitted on train (25 % of it calibrating), scored on val",
                   margin=BUNDLED_SETTINGS.margin, features=_features_dev(samples, judge, created))
        return
    if args.dev4_dev:
        _write_dev("model_dev4_dev.json", "train + val only: fitted on train (shared + dev4), calibrated on val, "
                   "scored on the dev4 val rows, the shared val spam and the hand-written dev rows",
                   settings=_dev4_dev(data, judge, created, args.variants))
        return
    if args.authors_dev:
        name = "model_authors_dev_with_dev5.json" if args.with_dev5 else "model_authors_dev.json"
        _write_dev(name, "train + val only: fitted on train, calibrated on val (folds 0); scored on writers the model "
                   "never saw (hand-written dev, spam_dev5 train + val [with --with-dev5: its val rows, a writer it "
                   "saw], spam_dev4 train + val with spam_dev4 left out) and on spam_dev4 val",
                   settings=_authors_dev(data, judge, created, args.variants, with_dev5=args.with_dev5))
        return
    if args.writers_dev:
        new = _writers_dev(data, judge, created, args.variants)
        kept = RESULTS / "model_writers_dev.json"  # a run of some variants keeps the others' rows
        runs = json.loads(kept.read_text(encoding="utf-8")).get("settings", {}) if kept.is_file() else {}
        runs.update(new)
        _write_dev("model_writers_dev.json", "train + val only: leave one writer out; fitted on the shared train split "
                   "and the other writers' train rows, calibrated on their val split (folds 0); scored on the left-out "
                   "writer's train + val rows", writers=[w for w, p in WRITERS if p.is_file()], settings=runs)
        return
    if args.window_dev:
        _write_dev("model_window_dev.json", "train + val only: fitted on train, calibrated on val (folds 0) with the best "
                   "window's margins beside the text's; scored on writers the model never saw", windows=_window_dev(
                       data, judge, created))
        return
    if args.length_dev:
        _write_dev("model_length_dev.json", "train + val only: fitted on train, calibrated on val (folds 0); val benign "
                   "texts and spam_dev5's train + val spam (a writer the model never saw)", short_text=list(SHORT_TEXT),
                   bands=_length_dev(data, created))
        return
    if args.budget_dev:
        new = _budget_dev(data, judge, created, args.variants)
        kept = RESULTS / "model_budget_dev.json"  # read after the run: a run of some variants keeps the others' rows
        runs = json.loads(kept.read_text(encoding="utf-8")).get("settings", {}) if kept.is_file() else {}
        runs.update(new)
        _write_dev("model_budget_dev.json", "train + val only: fitted on train, recalibrated on val (folds 0) at each "
                   "post margin; scored on writers the model never saw, the shared val rows, the near-miss set and "
                   "a genre left out", title_margin=BUNDLED_SETTINGS.margin_of("title"), short_text=list(SHORT_TEXT),
                   settings=runs)
        return
    if args.cues_dev:
        _write_dev("model_cues_dev.json", "train + val only: fitted on train (25 % of it calibrating), scored on val "
                   "and on the hand-written dev rows", margin=BUNDLED_SETTINGS.margin,
                   settings=_cues_dev(samples, judge, created))
        return
    if args.tune:
        _write_dev("model_tuning.json", "train + val only: models fitted on train, scored on val",
                   sweep=_tune(samples, judge, created))
        return
    if args.candidate_loso:
        _candidate_loso(samples, judge, created, args.loso_genres, args.variants)
        return
    if args.loso_only:
        _merge_loso(Path(args.out), scorer.version, samples, judge, created, args.loso_genres)
        return
    test = [s for s in samples if s.split == "test"
            and s.source not in (*DEV4_SOURCES, *DEV5_SOURCES, *DEV6_SOURCES, *DEV7_SOURCES)]  # apart
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"), "machine": _machine(), "model": scorer.version,
        "data": str(data), "split": "test (held out; per source and label the newest 20 % of dated sources, a "
                                     "hash-ordered 20 % of undated ones)",
        "lexicon_flag_actions": list(FLAG_ACTIONS),
        "lexicon_flag_categories": list(SPAM_HIT_CATEGORIES),
        "thresholds": {s: dict(t) for s, t in scorer.card.thresholds.items()},
    }
    print(f"test split: {len(test)} rows; model {scorer.version}", flush=True)
    report["test"] = _three(test, judge)
    report["near_misses"] = _near_misses(ROOT / "tests" / "data" / "benign_near_misses.jsonl", judge, scorer)
    hot = [s.text for s in test if s.source == "hot_search"]
    report["latency_per_title"] = _latency(hot, judge.matcher, scorer)
    if not args.no_loso:
        genres = tuple(g for g in args.loso_genres.split(",") if g)
        report["leave_one_source_out"] = _loso(samples, judge, lambda s: True, BUNDLED_SETTINGS, created, genres)
        report["trap_titles_only_negatives"] = _trap(samples, judge, created)
    report["handwritten"] = _handwritten(judge)
    report["dev4"] = _handwritten(judge, DEV4)
    report["dev4"]["test_by_style"] = _dev4_by(judge, "style")
    report["dev4"]["test_by_disguise"] = _dev4_by(judge, "disguise")
    report["dev5"] = _handwritten(judge, DEV5)
    report["dev5"]["test_by_style"] = _dev4_by(judge, "style", DEV5)
    report["dev5"]["test_by_disguise"] = _dev4_by(judge, "disguise", DEV5)
    report["dev6"] = _handwritten(judge, DEV6)
    report["dev6"]["test_by_style"] = _dev4_by(judge, "style", DEV6)
    report["dev7"] = _handwritten(judge, DEV7)
    report["dev7"]["test_by_style"] = _dev4_by(judge, "style", DEV7)
    report["frame_veto_on_spam"] = {"shared_data": _frame_veto_on_spam(samples),
                                    "handwritten": _frame_veto_on_spam(read_labelled(HANDWRITTEN))}
    if args.fresh:
        report["external"] = {Path(f).name: _fresh(Path(f), judge, scorer) for f in args.fresh}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    _summary(report)
    print(f"written to {args.out}")


def _merge_loso(out: Path, version: str, samples: list[Sample], judge: Judge, created: str, genres: str) -> None:
    """The leave-one-source-out of ``genres`` (and the trap when listed), merged under a file lock into the report
    at ``out``, which must be of the same model."""
    import fcntl

    names = [g for g in genres.split(",") if g]
    loso = _loso(samples, judge, lambda s: True, BUNDLED_SETTINGS, created, tuple(g for g in names if g != "trap"))
    trap = _trap(samples, judge, created) if "trap" in names else None
    for _ in range(180):  # the main run, started beside this one, may still be writing its report
        if out.is_file() and json.loads(out.read_text(encoding="utf-8") or "{}").get("model") == version:
            break
        time.sleep(10)
    with open(out, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        report = json.load(fh)
        if report.get("model") != version:
            raise SystemExit(f"{out} reports {report.get('model')}, not {version}: run the evaluation first")
        report.setdefault("leave_one_source_out", {}).update(loso)
        if trap is not None:
            report["trap_titles_only_negatives"] = trap
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"merged into {out}: " + ", ".join(names))


#: Candidates for the next retrain (``--candidate-loso --variants i``): the results file's name suffix, training settings
#: over the bundled recipe's and feature settings over its features (chosen with ``--budget-dev`` on writers the models
#: never saw; docs/model.md).
CANDIDATES: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("", {"skip_framed": True, "short_views": "topic"}, {}),
    ("_words", {"skip_framed": True, "short_views": "topic"}, {"words": True}),
)


def _candidate_loso(samples: list[Sample], judge: Judge, created: str, genres: str, variant: str) -> None:
    """The bundled recipe's leave-one-source-out (5 folds, as the bundled card's) with the settings of
    :data:`CANDIDATES` ``[variant]`` (default 0) for ``genres``, merged under a file lock into
    ``bench/results/model_candidate_loso<suffix>.json`` (runs of several genres may run side by side)."""
    import fcntl

    suffix, training, features = CANDIDATES[int(variant or 0)]
    settings = replace(BUNDLED_SETTINGS, features=replace(BUNDLED_SETTINGS.features, **features), **training)
    loso = _loso(samples, judge, lambda s: True, settings, created, tuple(g for g in genres.split(",") if g))
    out = RESULTS / f"model_candidate_loso{suffix}.json"
    with open(out, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        report = json.loads(fh.read() or "{}")
        report.update({"date": time.strftime("%Y-%m-%d %H:%M"), "machine": _machine(), "candidate": {**training, **({"features": features} if features else {})},
                       "settings": settings.to_dict(),
                       "split": "every row of the genre left out (test rows included, as the bundled card's figure)"})
        report.setdefault("leave_one_source_out", {}).update(loso)
        fh.seek(0)
        fh.truncate()
        fh.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"merged into {out}: {genres}")


def _fmt(rate: dict[str, Any]) -> str:
    return f"{rate['rate']:.2%} ({rate['k']}/{rate['n']})"


def _summary(report: dict[str, Any]) -> None:
    t = report["test"]
    print("recall per category (test): lexicon / model / lexicon OR model")
    for cat in CATEGORIES:
        print(f"  {cat:15s} " + " / ".join(_fmt(t[k]["recall"][cat]) for k in ("lexicon", "model", "lexicon_or_model")))
    print("false flags per surface and source (test): lexicon / model / lexicon OR model")
    for key in t["model"]["false_flags_by_source"]:
        print(f"  {key:32s} " + " / ".join(_fmt(t[k]["false_flags_by_source"][key])
                                           for k in ("lexicon", "model", "lexicon_or_model")))
    nm = report["near_misses"]
    print(f"near misses: lexicon {_fmt(nm['lexicon'])}; " + "; ".join(
        f"model@{s} {_fmt(nm[s]['model'])} (with veto {_fmt(nm[s]['model_with_context_veto'])})"
        for s in ("title", "post")))
    lat = report["latency_per_title"]
    for clock_name in ("wall", "thread_cpu"):
        print(f"latency per title ({clock_name}): " + ", ".join(f"{k} p50 {v['p50_us']} µs / p99 {v['p99_us']} µs"
                                                             for k, v in lat.get(clock_name, {}).items()))
    for genre, r in report.get("leave_one_source_out", {}).items():
        print(f"  left out {genre}: model {_fmt(r['model'])}, lexicon OR model {_fmt(r['lexicon_or_model'])}")
    for name, ext in report.get("external", {}).items():
        kinds = ("lexicon", "model", "lexicon_or_model", "lexicon_or_model_with_context_veto")
        print(f"external set {name}: lexicon / model / lexicon OR model / the same with the veto")
        for cat, _ in ext["lexicon"]["recall"].items():
            print(f"  recall {cat:15s} " + " / ".join(_fmt(ext[k]["recall"][cat]) for k in kinds))
        for key in ext["lexicon"]["false_flags_by_source"]:
            print(f"  false flags {key:22s} " + " / ".join(_fmt(ext[k]["false_flags_by_source"][key]) for k in kinds))
    _print_handwritten(report["handwritten"])
    print("dev4 (written for the project; train rows in the recipe, val chose settings, test reported):")
    _print_handwritten({k: v for k, v in report["dev4"].items() if k in ("dev", "test")})
    print("dev5 (written for the project by another writer; train rows in the recipe, test reported):")
    _print_handwritten({k: v for k, v in report["dev5"].items() if k in ("dev", "test")})
    print("dev6 (a third writer: comments, messages, group chats with cover stories; train rows in the recipe):")
    _print_handwritten({k: v for k, v in report["dev6"].items() if k in ("dev", "test")})
    if "dev7" in report:
        print("dev7 (a fourth writer: posts, comments, listings; ordinary posts with contacts; train rows in the recipe):")
        _print_handwritten({k: v for k, v in report["dev7"].items() if k in ("dev", "test")})
    for where, per_split in report["frame_veto_on_spam"].items():
        print(f"frame veto would excuse spam ({where}): " + ", ".join(
            f"{split} {_fmt(r['all'])}" for split, r in per_split.items()))
    if "trap_titles_only_negatives" in report:
        print(f"trap (titles-only negatives): benign posts flagged "
              f"{_fmt(report['trap_titles_only_negatives']['benign_posts_flagged'])}")


if __name__ == "__main__":
    main()
