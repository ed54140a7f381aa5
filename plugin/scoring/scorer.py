"""The spam scorer: a hashed character n-gram linear model scored with numpy.

``SpamScorer.load(path)`` reads a model (see :mod:`plugin.scoring.model`); ``scorer.score(text,
surface)`` returns a :class:`ScoreResult`: the score of the category nearest to (or furthest over)
its threshold on that surface, whether that makes the text flagged, every category's score, and the
n-grams that pushed the score up most as :class:`Evidence` spans in the ORIGINAL text.

The score is a signal for review, not a verdict: a policy decides what a flag does (by default a
``review``, never a ``block`` on its own), and lexicon allow phrases and context rules may veto it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from ..errors import InputError
from .features import FeatureSettings, Grams, text_grams
from .model import LinearModel, ModelCard, load_model

__all__ = [
    "BUNDLED_MODEL",
    "DEFAULT_EVIDENCE",
    "MAX_SCORED_CHARS",
    "Evidence",
    "ScoreResult",
    "SpamScorer",
    "TextScorer",
    "bundled_model_path",
    "margin_to_score",
    "score_to_margin",
]

#: File name of the bundled default model's card (in ``plugin/scoring/data/``).
BUNDLED_MODEL = "spam_default.json"
#: Characters of a text that are scored (the rest is ignored).
MAX_SCORED_CHARS = 20_000
#: Evidence spans returned per result unless asked otherwise.
DEFAULT_EVIDENCE = 3
#: Longest evidence span (characters of the folded view) built by joining neighbouring n-grams.
_MAX_EVIDENCE_CHARS = 8


@dataclass(frozen=True, slots=True)
class Evidence:
    """One n-gram that raised the score: ``surface == text[start:end]`` of the ORIGINAL text;
    ``ngram`` is the folded form the model saw; ``weight`` its contribution to the category's margin."""

    ngram: str
    start: int
    end: int
    surface: str
    weight: float

    def to_dict(self) -> dict[str, Any]:
        return {"ngram": self.ngram, "start": self.start, "end": self.end, "surface": self.surface,
                "weight": round(self.weight, 4)}


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """The scorer's judgement of one text on one surface.

    ``category`` is the category whose score is highest relative to its threshold on ``surface``;
    ``score`` (0–1) is that category's score and ``threshold`` its threshold; ``flagged`` is
    ``score >= threshold``. ``scores`` holds every category's score; ``evidence`` the n-grams that
    raised ``category``'s score most, strongest first (for a flagged result, or when explained).
    ``model_version`` names the weights.
    """

    score: float
    category: str
    flagged: bool
    surface: str
    threshold: float
    scores: Mapping[str, float]
    evidence: tuple[Evidence, ...]
    model_version: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "category": self.category,
            "flagged": self.flagged,
            "surface": self.surface,
            "threshold": round(self.threshold, 4),
            "scores": {c: round(s, 4) for c, s in self.scores.items()},
            "evidence": [e.to_dict() for e in self.evidence],
            "model_version": self.model_version,
        }


@runtime_checkable
class TextScorer(Protocol):
    """What the pipeline needs from a learned scorer (:class:`SpamScorer` is one; test fakes are others)."""

    @property
    def version(self) -> str:
        """Identity of the model (changes when the weights change)."""
        ...

    @property
    def surfaces(self) -> tuple[str, ...]:
        """Surfaces the scorer has thresholds for."""
        ...

    def score(self, text: str, surface: str = "title", *, evidence: int = DEFAULT_EVIDENCE,
              explain: bool = False) -> ScoreResult:
        """Score ``text`` as shown on ``surface``; evidence for a flagged result (any with ``explain``)."""
        ...

    def score_surfaces(self, text: str, *, evidence: int = DEFAULT_EVIDENCE) -> tuple[ScoreResult, ...]:
        """``score`` on every surface at once; evidence for the flagged results."""
        ...


def bundled_model_path() -> Path:
    """Path of the bundled default model's card."""
    return Path(str(resources.files("plugin.scoring") / "data" / BUNDLED_MODEL))


def score_to_margin(p: float) -> float:
    """The linear margin whose score is ``p`` (inverse of :func:`margin_to_score`)."""
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def margin_to_score(x: float) -> float:
    """The score (0–1, the logistic function) of a linear margin."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


class SpamScorer:
    """Scores texts with a loaded :class:`~plugin.scoring.model.LinearModel` (read-only, thread-safe)."""

    __slots__ = ("_model", "_weights", "_bias", "_features", "_categories", "_cuts")

    def __init__(self, model: LinearModel) -> None:
        self._model = model
        card = model.card
        self._weights: npt.NDArray[np.float32] = model.weights.astype(np.float32)  # float32 sums are faster
        self._weights.setflags(write=False)
        self._bias: npt.NDArray[np.float64] = model.bias.astype(np.float64)
        self._features: FeatureSettings = card.features
        self._categories = card.categories
        # per surface: the margin (logit) cut of every category
        self._cuts = {s: np.array([score_to_margin(t[c]) for c in card.categories], dtype=np.float64)
                      for s, t in card.thresholds.items()}

    @classmethod
    def load(cls, path: str | Path) -> "SpamScorer":
        """Load a model from its card (``.json``) or weights (``.npz``) path; raises
        :class:`~plugin.errors.ModelError` when the files are invalid."""
        return cls(load_model(path))

    @classmethod
    def bundled(cls) -> "SpamScorer":
        """The bundled default model (trained on the shared evaluation data; see its card)."""
        return cls.load(bundled_model_path())

    @property
    def card(self) -> ModelCard:
        return self._model.card

    @property
    def model(self) -> LinearModel:
        return self._model

    @property
    def version(self) -> str:
        return self._model.card.version

    @property
    def categories(self) -> tuple[str, ...]:
        return self._categories

    @property
    def surfaces(self) -> tuple[str, ...]:
        return self._model.card.surfaces

    def __repr__(self) -> str:
        return f"SpamScorer({self.version!r})"

    def margins(self, text: str) -> npt.NDArray[np.float64]:
        """The raw linear margin of every category (training and calibration read these)."""
        grams = text_grams(self._checked(text), self._features)
        return self._margins(grams.buckets, grams.scale)

    def _margins(self, buckets: npt.NDArray[np.int64], scale: float) -> npt.NDArray[np.float64]:
        if len(buckets) == 0:
            return self._bias.copy()
        summed: npt.NDArray[np.float64] = self._weights.take(buckets, axis=0).sum(axis=0, dtype=np.float64)
        summed *= scale
        summed += self._bias
        return summed

    @staticmethod
    def _checked(text: str) -> str:
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        return text if len(text) <= MAX_SCORED_CHARS else text[:MAX_SCORED_CHARS]

    def score(self, text: str, surface: str = "title", *, evidence: int = DEFAULT_EVIDENCE,
              explain: bool = False) -> ScoreResult:
        """Score ``text`` shown on ``surface`` (``title`` or ``post`` for the bundled model).

        Only the first :data:`MAX_SCORED_CHARS` characters are scored. Evidence spans (at most
        ``evidence``; 0 for none) are found for a flagged result, or for any result with
        ``explain``. Raises :class:`~plugin.errors.InputError` for a non-string text or a surface
        the model has no thresholds for.
        """
        if surface not in self._cuts:
            raise InputError(f"unknown surface {surface!r}; this model knows {list(self._cuts)}")
        grams = text_grams(self._checked(text), self._features)
        margins = self._margins(grams.buckets, grams.scale)
        return self._result(text, grams, margins, surface, evidence, explain)

    def score_surfaces(self, text: str, *, evidence: int = DEFAULT_EVIDENCE) -> tuple[ScoreResult, ...]:
        """:meth:`score` on every surface of the model at once (the n-grams are found once), in the
        card's surface order; evidence for the flagged results."""
        grams = text_grams(self._checked(text), self._features)
        margins = self._margins(grams.buckets, grams.scale)
        return tuple(self._result(text, grams, margins, s, evidence, False) for s in self._cuts)

    def _result(self, text: str, grams: Grams, margins: npt.NDArray[np.float64], surface: str, evidence: int,
                explain: bool) -> ScoreResult:
        over = margins - self._cuts[surface]
        k = int(over.argmax())
        flagged = bool(over[k] >= 0)
        scores = {c: margin_to_score(float(m)) for c, m in zip(self._categories, margins)}
        wanted = evidence > 0 and len(grams.buckets) > 0 and (flagged or explain)
        spans = self._evidence(text, grams, k, evidence) if wanted else ()
        category = self._categories[k]
        threshold = float(self._model.card.thresholds[surface][category])
        return ScoreResult(
            score=scores[category], category=category, flagged=flagged, surface=surface,
            threshold=threshold, scores=scores, evidence=spans, model_version=self.version,
        )

    def _evidence(self, original: str, grams: Grams, k: int, limit: int) -> tuple[Evidence, ...]:
        """Spans of the n-gram occurrences that add most to category ``k``'s margin, strongest first.

        Occurrences are taken in order of contribution; one that overlaps or touches a chosen span
        joins it while the span stays within :data:`_MAX_EVIDENCE_CHARS` view characters (``加``
        ``我`` ``微信`` become one span ``加我微信`` with their summed weight), and is dropped when it
        overlaps a span that is full; spans never overlap.
        """
        contrib = self._weights[grams.buckets, k] * np.float32(grams.scale)
        order = np.argsort(-contrib, kind="stable")
        spans: list[list[float]] = []  # [view start, view end, weight]
        for i in order[: 4 * limit + 8]:
            weight = float(contrib[i])
            if weight <= 0:
                break
            start, n = grams.position(int(i))
            end = start + n
            placed = False
            for span in spans:
                if start <= span[1] and span[0] <= end:  # overlaps or touches
                    if max(end, span[1]) - min(start, span[0]) <= _MAX_EVIDENCE_CHARS:
                        span[0], span[1], span[2] = min(start, span[0]), max(end, span[1]), span[2] + weight
                        placed = True
                        break
                    if start < span[1] and span[0] < end:  # overlaps a full span: already shown
                        placed = True
                        break
            if not placed and len(spans) < limit:
                spans.append([start, end, weight])
        merged: list[list[float]] = []  # spans that grew into each other become one
        for span in sorted(spans):
            if merged and span[0] < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], span[1])
                merged[-1][2] += span[2]
            else:
                merged.append(span)
        out = []
        for vs, ve, weight in sorted(merged, key=lambda sp: -sp[2]):
            a, b = grams.view.orig_span(int(vs), int(ve))
            out.append(Evidence(grams.chars[int(vs):int(ve)].replace("\x01", "|"), a, b, original[a:b], weight))
        return tuple(out)
