"""The bundled default model's recipe: the shared evaluation data, its split and the settings.

``qinglang model train --bundled-recipe`` runs :func:`train_bundled`; ``bench/eval_model.py`` reads
the same :func:`recipe_samples`, so the held-out test split it reports on is the one the model never
saw. The split is deterministic (no random state): per (source, label), dated sources give their
newest 20 % to test and the 20 % before that to validation; undated sources do the same in the
order of a hash of each text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .data import SHARED_SOURCES, Sample, assign_splits, shared_samples
from .features import FeatureSettings
from .model import LinearModel
from .train import INTENDED_USE, TrainSettings, train_model

__all__ = ["BUNDLED_NAME", "BUNDLED_SETTINGS", "RECIPE_SPLIT", "bundled_card_info", "recipe_samples", "train_bundled"]

#: Name of the bundled model (its card and weights files are ``<name>.json`` / ``<name>.npz``).
BUNDLED_NAME = "spam_default"
#: How the shared data is split (arguments of :func:`~plugin.scoring.data.assign_splits`).
RECIPE_SPLIT: dict[str, Any] = {"mode": "time", "test": 0.2, "val": 0.2}
#: Training settings of the bundled model (chosen on the development data and the hand-written dev split; see
#: docs/model.md): character n-grams of the normalised view plus the structural cues (shape tokens cost
#: recall and the unseen post genre; each cue counted twice, a prior towards structure over wording; no
#: evasion copies: with the cues on they cost recall, on disguised spam too), buckets seen in fewer than 5
#: texts dropped (rare n-grams are one corpus's style), fitted on train + val, thresholds calibrated on 5-fold out-of-fold margins to half of each
#: surface's target false-flag rate (a safety margin: a 0.1 % target rests on a few tail texts).
BUNDLED_SETTINGS = TrainSettings(folds=5, margin=0.5, min_df=5,
                                 features=FeatureSettings(shapes=False, cues=True, cue_repeat=2))

_LICENCE = (
    "Weights derived from the shared evaluation data. ChineseHarm-bench (the spam posts and the benign posts) is "
    "CC BY-NC 4.0; several other sources are research-only or state no licence (see training.data). The bundled "
    "model is therefore for evaluation and research, not for commercial use: platforms retrain on their own "
    "moderators' decisions (qinglang model train)."
)


def recipe_samples(data_dir: str | Path) -> list[Sample]:
    """The shared data as split by the recipe (train / val / test)."""
    return assign_splits(shared_samples(data_dir), **RECIPE_SPLIT)


def bundled_card_info() -> dict[str, Any]:
    """What the bundled card records about its data and split."""
    return {
        "recipe": "qinglang model train --bundled-recipe",
        "data": [{"source": s.name, "file": s.file, "surface": s.surface, "role": s.role, "licence": s.licence}
                 for s in SHARED_SOURCES],
        "split": {**RECIPE_SPLIT, "unit": "per (source, label); dated sources by date (newest to test), "
                  "undated by a hash of the text; duplicates (same dense text) removed first"},
    }


def train_bundled(data_dir: str | Path, *, created: str | None = None,
                  settings: TrainSettings = BUNDLED_SETTINGS) -> LinearModel:
    """Train the bundled default model from the shared data in ``data_dir``."""
    return train_model(recipe_samples(data_dir), settings, name=BUNDLED_NAME, created=created,
                       training_info=bundled_card_info(), licence=_LICENCE,
                       intended_use=INTENDED_USE + " The bundled model is for evaluation only (CC BY-NC 4.0 data).")
