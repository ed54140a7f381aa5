"""Hand-made spam-scorer models for the tests: a few n-grams carry weight, everything else is zero."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from plugin.scoring import FeatureSettings, LinearModel, ModelCard, save_model
from plugin.scoring.features import text_grams
from plugin.scoring.model import content_hash

FEATURES = FeatureSettings(hash_bits=12)
CATEGORIES = ("gambling", "fraud", "blackmarket_ad")
#: n-gram → (category, weight) of the default hand-made model
SEEDED: Mapping[str, tuple[str, float]] = {"网赌": ("gambling", 12.0), "上分": ("gambling", 12.0),
                                           "刷单": ("fraud", 12.0), "日结": ("fraud", 9.0),
                                           "涨粉": ("blackmarket_ad", 12.0)}


def hand_model(seeded: Mapping[str, tuple[str, float]] = SEEDED, *, name: str = "hand",
               title: float = 0.6, post: float = 0.8) -> LinearModel:
    """A model whose only weights are ``seeded`` (bigrams); ``title`` / ``post``: every category's threshold."""
    weights = np.zeros((FEATURES.n_features, len(CATEGORIES)), dtype=np.float32)
    for gram, (cat, w) in seeded.items():
        weights[text_grams(gram, FEATURES).buckets[-1], CATEGORIES.index(cat)] = w
    weights16 = weights.astype(np.float16)
    bias = np.full(len(CATEGORIES), -1.5, dtype=np.float32)
    card = ModelCard(
        name=name, created="2026-12-07", categories=CATEGORIES,
        thresholds={"title": {c: title for c in CATEGORIES}, "post": {c: post for c in CATEGORIES}},
        features=FEATURES, weights_file=f"{name}.npz",
        content_sha256=content_hash(weights16, bias, CATEGORIES, FEATURES), intended_use="tests",
    )
    return LinearModel(card, weights16, bias)


def saved_hand_model(directory: Path, seeded: Mapping[str, tuple[str, float]] = SEEDED, *,
                     name: str = "hand") -> Path:
    """:func:`hand_model` saved in ``directory``; returns the card's path."""
    return save_model(hand_model(seeded, name=name), directory / f"{name}.json")
