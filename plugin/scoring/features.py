"""Hashed character n-gram features, shared by training and scoring (one definition, so a trained
model and the scorer always agree).

The text view is the matcher's dense view (:func:`plugin.normalize.normalize`: width, case,
traditional→simplified and look-alike folding, invisible characters, punctuation and spaces removed,
repeats collapsed, sentence ends kept as one break character) of the text with the scheme, port and
path of every URL blanked out (the host stays: ``https://x.cyou/?c=daa1`` reads ``x.cyou``; a random
path looks like a contact id and taught an early model that link-sharing social posts are spam), and
with ASCII digits folded to ``0`` when ``fold_digits`` is set, so ``加v 1 2 3`` and ``加V：９８７``
share their n-grams. Blanking keeps the text's length, so view offsets still map to the original. Every character
n-gram of length ``ngram_min``..``ngram_max`` is hashed to one of ``2**hash_bits`` buckets with a fixed
64-bit multiplicative hash of its code points (no Python ``hash()``: stable across processes).

A text's feature vector is the bucket counts divided by the square root of the number of n-grams.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import re

import numpy as np
import numpy.typing as npt

from ..normalize import NormalizedText, prepare

__all__ = ["FEATURE_SCHEME", "FeatureSettings", "Grams", "text_grams", "url_blanked"]

#: Identifies the hashing scheme below; a model trained with another scheme is refused.
FEATURE_SCHEME = "urlhost-dense-cp-mul64-v1"

_BASE = np.uint64(0x110000)  # > every code point: distinct n-grams have distinct keys
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_SHIFT = np.uint64(31)
_NO_DIGITS = {0: 1}  # the break character (code point 0) becomes 1, so no code point is 0
_DIGITS = str.maketrans("\x00123456789", "\x01000000000")
_EMPTY = np.zeros(0, dtype=np.int64)
#: A URL: optional scheme, a host name or IPv4 address, optional port and path / query / fragment.
_URL = re.compile(r"(?i)(https?://|www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,12}|\d{1,3}(?:\.\d{1,3}){3})(:\d{1,5})?"
                  r"([/?#][\x21-\x7e]*)?")
_URL_HINT = re.compile(r"(?i)https?:|www\.|[a-z0-9]\.[a-z]{2,12}[:/?#]")
#: Deleted by normalisation (an invisible character), so a blanked URL part vanishes from the view.
_BLANK = "\u200b"


def _blank_url(m: re.Match[str]) -> str:
    """The URL with its scheme, port and path blanked (same length); a bare host is left alone."""
    if not (m.group(1) or m.group(4)):
        return m.group(0)
    out = list(m.group(0))
    for group in (1, 3, 4):
        if m.group(group):
            a, b = m.span(group)
            out[a - m.start():b - m.start()] = _BLANK * (b - a)
    return "".join(out)


def url_blanked(text: str) -> str:
    """``text`` with the scheme, port and path of every URL blanked out (length unchanged)."""
    if _URL_HINT.search(text) is None:
        return text
    return _URL.sub(_blank_url, text)


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How texts become feature vectors (stored in the model card)."""

    ngram_min: int = 1
    ngram_max: int = 3
    hash_bits: int = 18
    fold_digits: bool = True
    scheme: str = FEATURE_SCHEME

    def __post_init__(self) -> None:
        if not 1 <= self.ngram_min <= self.ngram_max <= 3:
            raise ValueError("n-gram lengths must satisfy 1 <= ngram_min <= ngram_max <= 3")
        if not 8 <= self.hash_bits <= 22:
            raise ValueError("hash_bits must be between 8 and 22")
        if self.scheme != FEATURE_SCHEME:
            raise ValueError(f"unknown feature scheme {self.scheme!r} (this version reads {FEATURE_SCHEME!r})")

    @property
    def n_features(self) -> int:
        """Number of hash buckets."""
        return 1 << self.hash_bits

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "FeatureSettings":
        """Settings from a card's ``features`` mapping; ``ValueError`` on unknown keys or bad values."""
        if not isinstance(data, dict):
            raise ValueError("features must be a mapping")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown feature settings: {sorted(unknown)}")
        types = {"ngram_min": int, "ngram_max": int, "hash_bits": int, "fold_digits": bool, "scheme": str}
        for key, value in data.items():
            want = types[key]
            if type(value) is not want:  # bool is not an int here, and an int is not a bool
                raise ValueError(f"features.{key} must be {want.__name__}")
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Grams:
    """The hashed n-grams of one text. ``buckets`` lists every occurrence, n-grams of length
    ``ngram_min`` first (in text order), then the next length, and so on."""

    view: NormalizedText
    chars: str
    buckets: npt.NDArray[np.int64]
    ngram_min: int

    @property
    def scale(self) -> float:
        """The factor every count is multiplied by: 1 / sqrt(number of n-grams)."""
        n = len(self.buckets)
        return 1.0 / float(np.sqrt(n)) if n else 0.0

    def position(self, i: int) -> tuple[int, int]:
        """Start in the view and length of occurrence ``i``."""
        n = self.ngram_min
        block = len(self.chars) - n + 1
        while i >= block:
            i -= block
            n += 1
            block = len(self.chars) - n + 1
        return i, n

    def ngram(self, i: int) -> str:
        """The view text of occurrence ``i`` (folded; digits read ``0`` when folded)."""
        start, n = self.position(i)
        return self.chars[start:start + n]

    def original_span(self, i: int) -> tuple[int, int]:
        """Offsets in the ORIGINAL text of occurrence ``i``."""
        start, n = self.position(i)
        return self.view.orig_span(start, start + n)


def text_grams(text: str, settings: FeatureSettings) -> Grams:
    """The hashed n-grams of ``text`` (see the module docstring)."""
    view = prepare(url_blanked(text)).normalized
    chars = view.dense.translate(_DIGITS if settings.fold_digits else _NO_DIGITS)
    if len(chars) < settings.ngram_min:
        return Grams(view, chars, _EMPTY, settings.ngram_min)
    # every code point is >= 1 here (the break character was moved to 1), so keys are distinct
    cps = np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    keys: list[npt.NDArray[np.uint64]] = []
    key = cps
    for n in range(1, settings.ngram_max + 1):
        if n > 1:
            if len(key) <= 1:
                break
            key = key[:-1] * _BASE + cps[n - 1:]
        if n >= settings.ngram_min:
            keys.append(key)
    mixed = np.concatenate(keys) * _MIX1
    mixed ^= mixed >> _SHIFT
    mixed *= _MIX2
    mixed >>= np.uint64(64 - settings.hash_bits)
    return Grams(view, chars, mixed.view(np.int64), settings.ngram_min)
