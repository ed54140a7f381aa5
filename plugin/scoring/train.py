"""Training the spam scorer (needs scikit-learn: ``pip install 'qinglang-guard[train]'``).

One logistic regression per category, each fitted on that category's spam against every benign
sample (all surfaces: a model that only ever saw titles as negatives learns "a social post is
spam"), with the benign samples of each surface given equal total weight. Hash buckets seen in
fewer than ``min_df`` training texts keep a zero weight. Weights are rounded to float16.

Thresholds are calibrated on the validation split (or, with ``folds``, on out-of-fold margins of
train + validation while the final model is fitted on both), per surface: every category's cut sits
at the same quantile of its benign margins, the largest quantile for which the surface's false-flag
rate stays within its target (times ``margin``, or the surface's own ``surface_margins`` entry: 0.5 calibrates to
half the target, a safety margin for the few tail samples a low target rests on) and

- ``capped`` (the default): no benign source of the surface exceeds ``source_cap`` times the target
  (a genre the model scores badly cannot hide behind a large easy one);  a source with fewer rows than one
  flag at that rate (a hundred hand-written near misses against a 0.5 % cap) cannot show it and counts in
  the surface's pooled rate only (listed in the card as ``pooled_only``);
- ``worst_source``: every benign source stays within the target itself (strictest; costs recall);
- ``pooled``: only the surface as a whole counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import ModelError
from .augment import SHORT_VIEW_ANCHORS, augment, short_view
from .data import BENIGN, CATEGORIES, Sample, order_key
from .features import FeatureSettings, has_reach, text_grams
from .frames import frame_of
from .metrics import flag_report, report_to_dict
from .model import LinearModel, ModelCard, content_hash
from .scorer import SpamScorer, margin_to_score, score_to_margin

__all__ = [
    "CALIBRATIONS",
    "DEFAULT_TARGETS",
    "INTENDED_USE",
    "TrainSettings",
    "calibrate",
    "featurize",
    "fit_weights",
    "train_model",
]

#: Target false-flag rate per surface (share of benign texts flagged).
DEFAULT_TARGETS: Mapping[str, float] = {"title": 0.001, "post": 0.005}
#: How thresholds are calibrated (see the module docstring).
CALIBRATIONS = ("capped", "worst_source", "pooled")
#: How a surface's false-flag budget is shared among the categories: ``equal`` (every category's cut at the same
#: quantile of its benign margins) or ``weakest_first`` (the budget goes, one benign flag at a time, to the category
#: whose spam is caught least, so the per-category recall target is met where it is hardest).
ALLOCATIONS = ("equal", "weakest_first")
#: How a surface's benign weight is shared among its sources (:attr:`TrainSettings.source_balance`).
SOURCE_BALANCES = ("size", "sqrt")
#: Default intended-use statement of a card.
INTENDED_USE = (
    "A review-level signal: a flag sends a text to human review, never blocks it on its own; lexicon allow "
    "phrases and context rules (crackdown news, anti-fraud advisories) should veto it. Retrain on your own "
    "moderators' decisions before relying on it."
)
_MIN_POSITIVES = 5
_EPS = 1e-7  # relative: a cut sits just above the highest benign margin it must not flag


@dataclass(frozen=True, slots=True)
class TrainSettings:
    """Training and calibration settings (recorded in the card)."""

    c: float = 30.0
    min_df: int = 2
    balance_surfaces: bool = True
    calibration: str = "capped"
    source_cap: float = 2.0
    targets: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    features: FeatureSettings = field(default_factory=FeatureSettings)
    max_iter: int = 2000
    folds: int = 0
    #: Disguised copies (:func:`plugin.scoring.augment.augment`) added per spam row when fitting (0: none).
    augment: int = 0
    #: Share of benign rows that get one copy disguised by the character-level evasion classes only.
    augment_benign: float = 0.0
    #: Calibrate to this share of each surface's target (0.5: half the target), a safety margin for the
    #: few tail samples a low target rests on; the card still records the target itself.
    margin: float = 1.0
    #: Benign sources trained on as negatives but left out of the calibration: curated near-miss sets (anti-fraud
    #: advice, homonyms …) are not a sample of traffic, so they should not spend a surface's false-flag budget;
    #: their own rate is reported apart.
    calibration_skip: tuple[str, ...] = ()
    #: How a surface's false-flag budget is shared among the categories (:data:`ALLOCATIONS`).
    allocation: str = "equal"
    #: Add a short view (:func:`plugin.scoring.augment.short_view`: 8-15 characters around a topic word, with
    #: ``cues`` around a structural cue too; empty: none) of every row, spam and benign alike, when fitting: short
    #: spam (comments, queries) carries few n-grams, and the benign views keep brevity from reading as spam.
    short_views: str = ""
    #: Per-surface safety margins that replace :attr:`margin` on the surfaces they name (``{"post": 1.0}``: the
    #: post surface calibrates to its whole target while titles keep the default margin).
    surface_margins: Mapping[str, float] = field(default_factory=dict)
    #: Leave benign rows written in a context frame that excuses a flag (:func:`plugin.scoring.frames.frame_of`:
    #: crackdown news, advice, a victim's story, a code word's everyday sense, in a text that does not solicit) out of
    #: the fit and the calibration: the Guard's veto excuses them at run time, so the model need not learn their
    #: spam words (赌场 in a crackdown report) as benign.
    skip_framed: bool = False
    #: How the benign rows of a surface share its weight among their sources: ``size`` (every row alike, so the
    #: largest genre dominates) or ``sqrt`` (a source's total weight grows with the square root of its rows, so a small
    #: genre, such as ordinary posts carrying legitimate contacts, is not outvoted by a large one that never does).
    source_balance: str = "size"
    #: Benign rows that give a way to reach someone (a contact, contact id, link or call to action:
    #: :data:`plugin.scoring.features.REACH_CUES`) weigh this many times a benign row without one, so reaching the
    #: writer is not learnt as spam by itself (1: no change).
    benign_reach_weight: float = 1.0

    def __post_init__(self) -> None:
        if not self.c > 0 or self.min_df < 1 or self.max_iter < 1:
            raise ValueError("c must be positive, min_df and max_iter at least 1")
        if self.folds == 1 or not 0 <= self.folds <= 20:
            raise ValueError("folds must be 0 (calibrate on the val split) or 2 to 20")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}")
        if self.allocation not in ALLOCATIONS:
            raise ValueError(f"allocation must be one of {ALLOCATIONS}")
        if not 0 < self.margin <= 1 or not all(0 < v <= 1 for v in self.surface_margins.values()):
            raise ValueError("margin and every surface margin must be in (0, 1]")
        if not set(self.surface_margins) <= set(self.targets):
            raise ValueError("surface_margins may only name surfaces that have a target")
        if self.short_views and self.short_views not in SHORT_VIEW_ANCHORS:
            raise ValueError(f"short_views must be empty or one of {SHORT_VIEW_ANCHORS}")
        if not 0 <= self.augment <= 4 or not 0 <= self.augment_benign <= 1:
            raise ValueError("augment must be 0 to 4 copies and augment_benign a share in [0, 1]")
        if self.source_balance not in SOURCE_BALANCES:
            raise ValueError(f"source_balance must be one of {SOURCE_BALANCES}")
        if not 1 <= self.benign_reach_weight <= 20:
            raise ValueError("benign_reach_weight must be between 1 and 20")
        if not self.source_cap >= 1:
            raise ValueError("source_cap must be at least 1")
        if not self.targets or not all(0 <= v < 1 for v in self.targets.values()):
            raise ValueError("targets must map surfaces to rates in [0, 1)")

    def margin_of(self, surface: str) -> float:
        """The safety margin the calibration of ``surface`` uses (:attr:`surface_margins`, else :attr:`margin`)."""
        return float(self.surface_margins.get(surface, self.margin))

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.c, "min_df": self.min_df, "balance_surfaces": self.balance_surfaces,
                "calibration": self.calibration, "source_cap": self.source_cap, "targets": dict(self.targets),
                "max_iter": self.max_iter, "folds": self.folds, "margin": self.margin,
                **({"augment": self.augment, "augment_benign": self.augment_benign}
                   if self.augment or self.augment_benign else {}),
                **({"calibration_skip": list(self.calibration_skip)} if self.calibration_skip else {}),
                **({"allocation": self.allocation} if self.allocation != "equal" else {}),
                **({"surface_margins": dict(self.surface_margins)} if self.surface_margins else {}),
                **({"short_views": self.short_views} if self.short_views else {}),
                **({"skip_framed": True} if self.skip_framed else {}),
                **({"source_balance": self.source_balance} if self.source_balance != "size" else {}),
                **({"benign_reach_weight": self.benign_reach_weight} if self.benign_reach_weight != 1 else {})}


def featurize(texts: Sequence[str], features: FeatureSettings) -> Any:
    """A CSR matrix (texts × buckets) of the scorer's features."""
    import scipy.sparse as sp

    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    vals: list[npt.NDArray[np.float32]] = []
    for i, text in enumerate(texts):
        grams = text_grams(text, features)
        rows.append(np.full(len(grams.buckets), i, dtype=np.int64))
        cols.append(grams.buckets)
        vals.append(np.full(len(grams.buckets), grams.scale, dtype=np.float32))
    if not texts:
        return sp.csr_matrix((0, features.n_features), dtype=np.float32)
    matrix = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(len(texts), features.n_features), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def _logistic_regression(c: float, max_iter: int) -> Any:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise ModelError("training needs scikit-learn: pip install 'qinglang-guard[train]'") from None
    return LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=max_iter)


def _sklearn_version() -> str:
    try:
        import sklearn
    except ImportError:
        return "missing"
    return str(sklearn.__version__)


def fit_weights(samples: Sequence[Sample], categories: tuple[str, ...], settings: TrainSettings,
                ) -> tuple[npt.NDArray[np.float16], npt.NDArray[np.float32]]:
    """Fit one model per category on ``samples`` (all of them; split them first); returns float16
    weights (buckets × categories) and float32 biases."""
    return _fit(featurize([s.text for s in samples], settings.features), samples, categories, settings)


def _augmented(x: Any, samples: Sequence[Sample], settings: TrainSettings) -> tuple[Any, list[Sample]]:
    """``x`` and ``samples`` with the disguised copies of :attr:`TrainSettings.augment` appended (spam: every
    evasion class; a hash-chosen share of benign rows: the character-level classes only)."""
    if not (settings.augment or settings.augment_benign or settings.short_views):
        return x, list(samples)
    import scipy.sparse as sp

    counts = Counter(ch for s in samples for ch in s.text)
    vocabulary = "".join(sorted(ch for ch, n in counts.items() if n >= 5))
    extra: list[Sample] = []
    for s in samples:
        view = short_view(s.text, settings.short_views) if settings.short_views else None
        if view is not None:
            extra.append(replace(s, text=view))
        if s.is_spam:
            text = s.text
            for _ in range(settings.augment):
                text = augment(text, vocabulary=vocabulary)
                extra.append(replace(s, text=text))
        elif int(order_key(s)[:8], 16) < settings.augment_benign * 0x100000000:
            extra.append(replace(s, text=augment(s.text, vocabulary=vocabulary, benign=True)))
    if not extra:
        return x, list(samples)
    return sp.vstack([x, featurize([s.text for s in extra], settings.features)]).tocsr(), [*samples, *extra]


def _fit(x: Any, samples: Sequence[Sample], categories: tuple[str, ...], settings: TrainSettings,
         ) -> tuple[npt.NDArray[np.float16], npt.NDArray[np.float32]]:
    """:func:`fit_weights` on the feature matrix ``x`` of ``samples`` (plus their disguised copies)."""
    x, samples = _augmented(x, samples, settings)
    labels = np.array([s.label for s in samples])
    surfaces = np.array([s.surface for s in samples])
    for c in categories:
        n = int((labels == c).sum())
        if n < _MIN_POSITIVES:
            raise ModelError(f"category {c!r} has {n} training samples; at least {_MIN_POSITIVES} are needed")
    benign = labels == BENIGN
    if not benign.any():
        raise ModelError("no benign training samples")
    seen = np.asarray((x > 0).sum(axis=0)).ravel() >= settings.min_df
    if not seen.all():
        import scipy.sparse as sp

        x = (x @ sp.diags(seen.astype(np.float32))).tocsr()
        x.eliminate_zeros()
    weight = _benign_weights(samples, benign, surfaces, settings)
    weights = np.zeros((settings.features.n_features, len(categories)), dtype=np.float32)
    bias = np.zeros(len(categories), dtype=np.float32)
    for k, c in enumerate(categories):
        rows = benign | (labels == c)
        y = (labels[rows] == c).astype(int)
        xk = x[rows]
        clf = _logistic_regression(settings.c, settings.max_iter)
        clf.fit(xk, y, sample_weight=weight[rows])
        weights[:, k] = clf.coef_[0] * seen
        bias[k] = clf.intercept_[0]
    return weights.astype(np.float16), bias


def _benign_weights(samples: Sequence[Sample], benign: npt.NDArray[np.bool_], surfaces: npt.NDArray[np.str_],
                    settings: TrainSettings) -> npt.NDArray[np.float64]:
    """Sample weights: spam rows 1; benign rows of a surface share equal total weight per surface
    (:attr:`TrainSettings.balance_surfaces`), among their sources by :attr:`TrainSettings.source_balance`, rows with
    a way to reach someone counting :attr:`TrainSettings.benign_reach_weight` times; the benign total is kept."""
    weight = np.ones(len(samples))
    if settings.benign_reach_weight != 1:
        reach = np.array([b and has_reach(s.text, settings.features) for s, b in zip(samples, benign)], dtype=bool)
        weight[reach] = settings.benign_reach_weight
    if settings.source_balance == "sqrt":
        sources = np.array([s.source for s in samples])
        for surface in sorted(set(surfaces[benign])):
            on = benign & (surfaces == surface)
            for src in sorted(set(sources[on])):
                m = on & (sources == src)
                weight[m] *= np.sqrt(m.sum()) / m.sum()
    present = sorted(set(surfaces[benign])) if settings.balance_surfaces else [None]
    for surface in present:
        m = benign & (surfaces == surface) if surface is not None else benign
        weight[m] *= benign.sum() / (len(present) * weight[m].sum())
    return weight


def calibrate(margins: npt.NDArray[np.float64], samples: Sequence[Sample], categories: tuple[str, ...],
              settings: TrainSettings) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Thresholds per surface and category (scores, 0–1) from the benign ``samples``' ``margins``
    (one row per sample, one column per category), and what each surface's calibration achieved."""
    thresholds: dict[str, dict[str, float]] = {}
    notes: dict[str, Any] = {}
    for surface, goal in settings.targets.items():
        target = goal * settings.margin_of(surface)
        rows = np.array([s.label == BENIGN and s.surface == surface and s.source not in settings.calibration_skip
                         for s in samples], dtype=bool)
        if not rows.any():
            raise ModelError(f"no benign validation samples for surface {surface!r}")
        benign = margins[rows]
        sources = np.array([s.source for s, r in zip(samples, rows) if r])
        source_limit = {"worst_source": target, "pooled": 1.0, "capped": settings.source_cap * target}[
            settings.calibration]
        # a source too small to show the limit (fewer rows than one flag at it) counts in the pooled rate only:
        # held to "no flag at all", a hundred near misses would push every threshold above every benign margin
        held = sorted(src for src in set(sources) if (sources == src).sum() * source_limit >= 1)
        groups = [sources == src for src in held]

        def cuts_at(q: float) -> npt.NDArray[np.float64]:
            value: npt.NDArray[np.float64] = np.quantile(benign, 1 - q, axis=0, method="higher")
            cuts: npt.NDArray[np.float64] = value + _EPS * np.maximum(1.0, np.abs(value))
            return cuts

        def within(cuts: npt.NDArray[np.float64]) -> bool:
            flagged = (benign >= cuts).any(axis=1)
            return bool(flagged.mean() <= target) and all(flagged[g].mean() <= source_limit for g in groups)

        if settings.allocation == "weakest_first":
            best = _weakest_first(benign, margins, samples, categories, within)
        else:
            lo, hi = 0.0, float(target)
            best = cuts_at(0.0)  # above every benign margin
            for _ in range(40):
                q = (lo + hi) / 2
                cuts = cuts_at(q)
                if within(cuts):
                    best, lo = cuts, q
                else:
                    hi = q
        flagged = (benign >= best).any(axis=1)
        thresholds[surface] = {c: margin_to_score(float(m)) for c, m in zip(categories, best)}
        notes[surface] = {"calibrated_to": target,
                          "benign_validation_samples": int(rows.sum()), "false_flags": int(flagged.sum()),
                          "worst_source_rate": round(max((float(flagged[g].mean()) for g in groups), default=0.0), 5),
                          "pooled_only": sorted(set(sources) - set(held))}
    return thresholds, notes


def _weakest_first(benign: npt.NDArray[np.float64], margins: npt.NDArray[np.float64], samples: Sequence[Sample],
                   categories: tuple[str, ...], within: Callable[[npt.NDArray[np.float64]], bool],
                   ) -> npt.NDArray[np.float64]:
    """Cuts that share the false-flag budget weakest category first: every cut starts above all ``benign`` margins
    of its category; then, while ``within`` holds, the category whose spam (every spam row of ``samples``, its
    ``margins``; caught when any category's cut is reached) is caught least lowers its cut to the next benign
    margin; a category whose next step would break ``within`` keeps its cut and the others go on."""
    spam = np.array([s.label != BENIGN for s in samples], dtype=bool)
    labels = np.array([s.label for s in samples])[spam]
    spam_margins = margins[spam]
    members = [labels == c for c in categories]
    # each category's distinct benign margins, highest first: a cut just above the k-th lets exactly those above it
    steps = [np.unique(benign[:, c])[::-1] for c in range(len(categories))]

    def cut(c: int, k: int) -> float:
        value = float(steps[c][k])
        return value + _EPS * max(1.0, abs(value))

    ks = [0] * len(categories)
    cuts = np.array([cut(c, 0) for c in range(len(categories))])
    held: set[int] = set()
    while len(held) < len(categories):
        caught = (spam_margins >= cuts).any(axis=1)
        recall = [float(caught[m].mean()) if m.any() else 1.0 for m in members]
        c = min((c for c in range(len(categories)) if c not in held), key=lambda c: (recall[c], c))
        if ks[c] + 1 >= len(steps[c]):
            held.add(c)
            continue
        trial = cuts.copy()
        trial[c] = cut(c, ks[c] + 1)
        if within(trial):
            ks[c] += 1
            cuts = trial
        else:
            held.add(c)
    return cuts


def _counts(samples: Sequence[Sample]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (source, label, split), n in sorted(Counter((s.source, s.label, s.split) for s in samples).items()):
        out.setdefault(f"{source}/{label}", {})[split] = n
    return out


def _fold_ids(samples: Sequence[Sample], folds: int) -> npt.NDArray[np.intp]:
    """A fold per sample, stratified per (source, label) in the hash order of the texts."""
    ids = np.zeros(len(samples), dtype=np.intp)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, s in enumerate(samples):
        groups.setdefault((s.source, s.label), []).append(i)
    for rows in groups.values():
        rows.sort(key=lambda i: order_key(samples[i]))
        for j, i in enumerate(rows):
            ids[i] = j % folds
    return ids


def _out_of_fold_margins(x: Any, dev: Sequence[Sample], categories: tuple[str, ...], settings: TrainSettings,
                         ) -> npt.NDArray[np.float64]:
    """Margins of every ``dev`` row from the model fitted on the other folds."""
    folds = _fold_ids(dev, settings.folds)
    margins = np.zeros((len(dev), len(categories)))
    for f in range(settings.folds):
        held = folds == f
        fit_rows = np.flatnonzero(~held)
        weights, bias = _fit(x[fit_rows], [dev[int(i)] for i in fit_rows], categories, settings)
        margins[held] = x[np.flatnonzero(held)] @ weights.astype(np.float32) + bias
    return margins


def train_model(samples: Sequence[Sample], settings: TrainSettings | None = None, *, name: str = "spam",
                created: str | None = None, categories: tuple[str, ...] = CATEGORIES,
                training_info: Mapping[str, Any] | None = None, licence: str = "",
                intended_use: str = INTENDED_USE) -> LinearModel:
    """Train a model and calibrate its thresholds; ``test`` rows are never read.

    With ``settings.folds`` 0: fit on the ``train`` split, calibrate on ``val`` with the runtime
    scorer's own margins, and record the figures on ``val`` in the card. With ``folds`` k >= 2:
    fit on ``train`` + ``val`` together, calibrate on out-of-fold margins (k models, each fitted
    without one fold of train + val) and record those cross-validated figures: more data for the
    final model, and every benign row helps to set the thresholds. ``samples`` must carry splits
    (:func:`~plugin.scoring.data.assign_splits`). ``training_info`` is merged into the card's
    ``training`` (data sources, licences).
    """
    settings = settings or TrainSettings()
    if settings.skip_framed:
        samples = [s for s in samples if s.is_spam or not frame_of(s.text)]
    train = [s for s in samples if s.split == "train"]
    val = [s for s in samples if s.split == "val"]
    if not train or not val:
        raise ModelError("training needs samples in both the 'train' and the 'val' split")
    draft = ModelCard(name=name, created=created or dt.date.today().isoformat(), categories=categories,
                      thresholds={s: {c: 0.5 for c in categories} for s in settings.targets},
                      features=settings.features, weights_file=f"{name}.npz")
    if settings.folds:
        judged = train + val
        x = featurize([s.text for s in judged], settings.features)
        margins = _out_of_fold_margins(x, judged, categories, settings)
        weights, bias = _fit(x, judged, categories, settings)
        figures_on = f"train + val, out of fold ({settings.folds} folds; the thresholds were calibrated on them)"
    else:
        judged = val
        weights, bias = fit_weights(train, categories, settings)
        scorer = SpamScorer(LinearModel(draft, weights, bias))
        margins = np.array([scorer.margins(s.text) for s in val])
        figures_on = "val (the thresholds were calibrated on it)"
    thresholds, calibration = calibrate(margins, judged, categories, settings)
    cuts = {surface: np.array([score_to_margin(t[c]) for c in categories]) for surface, t in thresholds.items()}
    flags = [bool((m >= cuts[s.surface]).any()) if s.surface in cuts else False for s, m in zip(judged, margins)]
    training: dict[str, Any] = {
        "algorithm": f"one logistic regression per category (scikit-learn {_sklearn_version()}, liblinear, "
                     "class_weight=balanced) against all benign samples",
        "settings": settings.to_dict(),
        "samples": _counts([s for s in samples if s.split in ("train", "val")]),
        "calibration": calibration,
    }
    training.update(training_info or {})
    digest = content_hash(weights, bias, categories, settings.features)
    card = replace(draft, thresholds=thresholds, content_sha256=digest,
                   target_false_flag_rate=dict(settings.targets), training=training, intended_use=intended_use,
                   licence=licence, metrics={"split": figures_on, **report_to_dict(flag_report(judged, flags))})
    return LinearModel(card, weights, bias)
