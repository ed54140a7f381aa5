"""A learned spam scorer: hashed character n-grams, one linear model per category, scored with numpy.

Public API::

    from plugin.scoring import SpamScorer
    scorer = SpamScorer.bundled()               # or SpamScorer.load("my_model.json")
    result = scorer.score("…", surface="post")  # ScoreResult(score, category, flagged, evidence, …)

Training (``plugin.scoring.train``) needs the optional ``train`` extra (scikit-learn); scoring needs
only numpy. See ``docs/model.md``.
"""

from .data import BENIGN, CATEGORIES, SURFACES, Sample
from .features import FeatureSettings
from .model import LinearModel, ModelCard, load_model, save_model
from .scorer import Evidence, ScoreResult, SpamScorer, TextScorer, bundled_model_path

__all__ = [
    "BENIGN",
    "CATEGORIES",
    "SURFACES",
    "Evidence",
    "FeatureSettings",
    "LinearModel",
    "ModelCard",
    "Sample",
    "ScoreResult",
    "SpamScorer",
    "TextScorer",
    "bundled_model_path",
    "load_model",
    "save_model",
]
