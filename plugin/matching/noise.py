"""Configurable noise: characters a deployment (or one entry) adds to the skipped set, and
characters a deployment never skips.

The built-in noise set (punctuation, symbols, emoji, spaces; :mod:`plugin.normalize`) is shared by
every consumer of a prepared text. A :class:`NoiseSet` changes it for one matcher without touching
that: ``skip`` characters are removed from the text before it is prepared, ``keep`` characters are
written as a sentence end (so noise skipping never crosses them), and hits are mapped back to the
original offsets (:class:`Rewritten`). A hit whose surface held a removed character reports
technique ``noise``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

from ..models import Hit

__all__ = ["NoiseSet", "Rewritten"]

_STOP = "。"  # what a kept character is written as: a sentence end
#: Techniques a match identical to the term reports; with a removed character inside it is ``noise``.
_DIRECT = frozenset({"exact", "normalized", "traditional", "invisible", "repeat"})


@dataclass(frozen=True, slots=True)
class NoiseSet:
    """Extra characters to skip between the characters of a term (``skip``: 丨, 卍, a filler letter)
    and characters never to skip (``keep``: a field separator such as ``|`` that must end a term).
    A character in both is kept."""

    skip: str = ""
    keep: str = ""

    def __post_init__(self) -> None:
        for name in ("skip", "keep"):
            value = getattr(self, name)
            if not isinstance(value, str) or any(ord(ch) < 0x20 or ch.isspace() for ch in value):
                raise ValueError(f"noise {name} must be a string of visible characters, got {value!r}")

    def __bool__(self) -> bool:
        return bool(self.skip or self.keep)

    def merged(self, skip: str) -> "NoiseSet":
        """This set with ``skip`` added (an entry's own skip characters)."""
        return NoiseSet("".join(dict.fromkeys(self.skip + skip)), self.keep)

    def rewrite(self, text: str) -> "Rewritten | None":
        """``text`` without the skip characters and with the kept ones as sentence ends; None when
        ``text`` holds none of them."""
        if _char_set(self.skip + self.keep).isdisjoint(text):
            return None
        keep = set(self.keep)
        skip = set(self.skip) - keep
        out: list[str] = []
        pos: list[int] = []
        for i, ch in enumerate(text):
            if ch in skip:
                continue
            out.append(_STOP if ch in keep else ch)
            pos.append(i)
        return Rewritten(text, "".join(out), pos)


@lru_cache(maxsize=256)
def _char_set(chars: str) -> frozenset[str]:
    """The characters of ``chars`` (cached per noise set)."""
    return frozenset(chars)


@dataclass(frozen=True, slots=True)
class Rewritten:
    """A text rewritten by a :class:`NoiseSet`: ``pos[i]`` is where ``text[i]`` came from."""

    original: str
    text: str
    pos: list[int]

    def map_hit(self, h: Hit) -> Hit:
        """``h`` (found on :attr:`text`) on the original text."""
        if not h.end > h.start:
            return h
        s, e = self.pos[h.start], self.pos[h.end - 1] + 1
        surface = self.original[s:e]
        tech = h.technique
        if tech in _DIRECT and e - s > h.end - h.start:
            tech = "noise"  # a skip character inside
        return dataclasses.replace(h, start=s, end=e, surface=surface, technique=tech)
