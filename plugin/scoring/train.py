"""Training the spam scorer (needs scikit-learn: ``pip install 'qinglang-guard[train]'``).

One logistic regression per category, each fitted on that category's spam against every benign
sample (all surfaces: a model that only ever saw titles as negatives learns "a social post is
spam"), with the benign samples of each surface given equal total weight. Hash buckets seen in
fewer than ``min_df`` training texts keep a zero weight. Weights are rounded to float16.

Thresholds are calibrated on the validation split, per surface: every category's cut sits at the
same quantile of its benign margins, the largest quantile for which the false-flag rate stays
within the surface's target — on every benign source of that surface separately
(``worst_source``, the default: a genre the model scores badly cannot hide behind a large easy
one) or pooled (``pooled``). Margins come from the runtime scorer itself, so the cuts hold exactly.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ..errors import ModelError
from .data import BENIGN, CATEGORIES, Sample
from .features import FeatureSettings, text_grams
from .metrics import flag_report, report_to_dict
from .model import LinearModel, ModelCard, content_hash
from .scorer import SpamScorer, margin_to_score

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
CALIBRATIONS = ("worst_source", "pooled")
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
    calibration: str = "worst_source"
    targets: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    features: FeatureSettings = field(default_factory=FeatureSettings)
    max_iter: int = 2000

    def __post_init__(self) -> None:
        if not self.c > 0 or self.min_df < 1 or self.max_iter < 1:
            raise ValueError("c must be positive, min_df and max_iter at least 1")
        if self.calibration not in CALIBRATIONS:
            raise ValueError(f"calibration must be one of {CALIBRATIONS}")
        if not self.targets or not all(0 <= v < 1 for v in self.targets.values()):
            raise ValueError("targets must map surfaces to rates in [0, 1)")

    def to_dict(self) -> dict[str, Any]:
        return {"c": self.c, "min_df": self.min_df, "balance_surfaces": self.balance_surfaces,
                "calibration": self.calibration, "targets": dict(self.targets), "max_iter": self.max_iter}


def featurize(texts: Sequence[str], features: FeatureSettings) -> Any:
    """A CSR matrix (texts × buckets) of the scorer's features."""
    import scipy.sparse as sp

    rows: list[npt.NDArray[np.intp]] = []
    cols: list[npt.NDArray[np.intp]] = []
    vals: list[npt.NDArray[np.float32]] = []
    for i, text in enumerate(texts):
        grams = text_grams(text, features)
        rows.append(np.full(len(grams.buckets), i, dtype=np.intp))
        cols.append(grams.buckets)
        vals.append(np.full(len(grams.buckets), grams.scale, dtype=np.float32))
    matrix = sp.csr_matrix(
        (np.concatenate(vals) if vals else np.zeros(0, np.float32),
         (np.concatenate(rows) if rows else np.zeros(0, np.intp), np.concatenate(cols) if cols else np.zeros(0, np.intp))),
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
    labels = np.array([s.label for s in samples])
    surfaces = np.array([s.surface for s in samples])
    for c in categories:
        n = int((labels == c).sum())
        if n < _MIN_POSITIVES:
            raise ModelError(f"category {c!r} has {n} training samples; at least {_MIN_POSITIVES} are needed")
    benign = labels == BENIGN
    if not benign.any():
        raise ModelError("no benign training samples")
    x = featurize([s.text for s in samples], settings.features)
    seen = np.asarray((x > 0).sum(axis=0)).ravel() >= settings.min_df
    if not seen.all():
        import scipy.sparse as sp

        x = (x @ sp.diags(seen.astype(np.float32))).tocsr()
        x.eliminate_zeros()
    # benign samples: equal total weight per surface
    weight = np.ones(len(samples))
    if settings.balance_surfaces:
        present = sorted(set(surfaces[benign]))
        for surface in present:
            m = benign & (surfaces == surface)
            weight[m] = benign.sum() / (len(present) * m.sum())
    weights = np.zeros((settings.features.n_features, len(categories)), dtype=np.float32)
    bias = np.zeros(len(categories), dtype=np.float32)
    for k, c in enumerate(categories):
        rows = benign | (labels == c)
        clf = _logistic_regression(settings.c, settings.max_iter)
        clf.fit(x[rows], (labels[rows] == c).astype(int), sample_weight=weight[rows])
        weights[:, k] = clf.coef_[0] * seen
        bias[k] = clf.intercept_[0]
    return weights.astype(np.float16), bias


def calibrate(margins: npt.NDArray[np.float64], samples: Sequence[Sample], categories: tuple[str, ...],
              settings: TrainSettings) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Thresholds per surface and category (scores, 0–1) from the benign ``samples``' ``margins``
    (one row per sample, one column per category), and what each surface's calibration achieved."""
    thresholds: dict[str, dict[str, float]] = {}
    notes: dict[str, Any] = {}
    for surface, target in settings.targets.items():
        rows = np.array([s.label == BENIGN and s.surface == surface for s in samples], dtype=bool)
        if not rows.any():
            raise ModelError(f"no benign validation samples for surface {surface!r}")
        benign = margins[rows]
        sources = np.array([s.source for s, r in zip(samples, rows) if r])
        groups = [sources == src for src in sorted(set(sources))] if settings.calibration == "worst_source" else [
            np.ones(len(sources), dtype=bool)]

        def cuts_at(q: float) -> npt.NDArray[np.float64]:
            value: npt.NDArray[np.float64] = np.quantile(benign, 1 - q, axis=0, method="higher")
            cuts: npt.NDArray[np.float64] = value + _EPS * np.maximum(1.0, np.abs(value))
            return cuts

        def within(cuts: npt.NDArray[np.float64]) -> bool:
            flagged = (benign >= cuts).any(axis=1)
            return all(flagged[g].mean() <= target for g in groups)

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
        notes[surface] = {"benign_validation_samples": int(rows.sum()), "false_flags": int(flagged.sum()),
                          "worst_source_rate": round(max(float(flagged[g].mean()) for g in groups), 5)}
    return thresholds, notes


def _counts(samples: Sequence[Sample]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for (source, label, split), n in sorted(Counter((s.source, s.label, s.split) for s in samples).items()):
        out.setdefault(f"{source}/{label}", {})[split] = n
    return out


def train_model(samples: Sequence[Sample], settings: TrainSettings | None = None, *, name: str = "spam",
                created: str | None = None, categories: tuple[str, ...] = CATEGORIES,
                training_info: Mapping[str, Any] | None = None, licence: str = "",
                intended_use: str = INTENDED_USE) -> LinearModel:
    """Fit on the ``train`` split, calibrate thresholds on ``val``, record validation figures in the
    card. ``samples`` must carry splits (:func:`~plugin.scoring.data.assign_splits`); ``test`` rows are
    never read. ``training_info`` is merged into the card's ``training`` (data sources, licences)."""
    settings = settings or TrainSettings()
    train = [s for s in samples if s.split == "train"]
    val = [s for s in samples if s.split == "val"]
    if not train or not val:
        raise ModelError("training needs samples in both the 'train' and the 'val' split")
    weights, bias = fit_weights(train, categories, settings)
    draft = ModelCard(name=name, created=created or dt.date.today().isoformat(), categories=categories,
                      thresholds={s: {c: 0.5 for c in categories} for s in settings.targets},
                      features=settings.features, weights_file=f"{name}.npz")
    scorer = SpamScorer(LinearModel(draft, weights, bias))
    margins = np.array([scorer.margins(s.text) for s in val])
    thresholds, calibration = calibrate(margins, val, categories, settings)
    digest = content_hash(weights, bias, categories, settings.features)
    training: dict[str, Any] = {
        "algorithm": f"one logistic regression per category (scikit-learn {_sklearn_version()}, liblinear, "
                     "class_weight=balanced) against all benign samples",
        "settings": settings.to_dict(),
        "samples": _counts([s for s in samples if s.split in ("train", "val")]),
        "calibration": calibration,
    }
    training.update(training_info or {})
    card = replace(draft, thresholds=thresholds, content_sha256=digest, target_false_flag_rate=dict(settings.targets),
                   training=training, intended_use=intended_use, licence=licence)
    model = LinearModel(card, weights, bias)
    tuned = SpamScorer(model)
    report = flag_report(val, [tuned.score(s.text, s.surface, evidence=0).flagged for s in val])
    metrics = {"split": "val (the thresholds were calibrated on it)", **report_to_dict(report)}
    return LinearModel(replace(card, metrics=metrics), weights, bias)
