"""The values the matching steps hand each other: how a hit matched, a raw match before the
filters, a spelling to join, a context gate in dense form."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate, chain
from typing import NamedTuple, overload

__all__ = ["TECHNIQUE_RANK", "Candidate", "ContextGate", "PatternTexts", "Spelling", "Technique"]


class Technique(StrEnum):
    """How a hit matched; the value is what :attr:`plugin.models.Hit.technique` reports.

    Declared best first: when one entry matches the same place twice, the earlier one wins.
    """

    EXACT = "exact"
    NORMALIZED = "normalized"
    TRADITIONAL = "traditional"
    INVISIBLE = "invisible"
    NOISE = "noise"
    REPEAT = "repeat"
    VARIANT = "variant"
    SPLIT = "split"
    SHAPE = "shape"
    HOMOPHONE = "homophone"
    PINYIN = "pinyin"
    INITIALS = "initials"
    PATTERN = "pattern"


#: Lower is better: which technique wins when one entry matches the same place twice (keyed by the
#: members, which are strings: ``TECHNIQUE_RANK["exact"]`` works).
TECHNIQUE_RANK: dict[str, int] = {tech: rank for rank, tech in enumerate(Technique)}


@dataclass(frozen=True, slots=True)
class ContextGate:
    """A context rule in dense form: at least one of ``requires`` (when any) and none of
    ``excludes`` within ``within`` characters either side of a match."""

    requires: tuple[str, ...]
    excludes: tuple[str, ...]
    within: int

    def allows(self, view: str, start: int, end: int) -> bool:
        """Whether the match ``view[start:end]`` passes the gate (the match itself is not context)."""
        window = view[max(0, start - self.within):start] + "\x01" + view[end:end + self.within]
        if self.requires and not any(w in window for w in self.requires):
            return False
        if self.excludes and any(w in window for w in self.excludes):
            return False
        return True


class Candidate(NamedTuple):
    """A raw match on the dense view, before the filters.

    ``entry`` indexes the compiled entries. ``technique`` is ``None`` for a dense string identical to
    the term: the technique (exact, normalized, traditional, ...) is read off the original surface
    once the match survives the filters. ``gate``: a curated variant's own context rule. (A named
    tuple: every pass makes one per raw match, and a frozen dataclass costs three times as much to
    build.)
    """

    start: int
    end: int
    entry: int
    technique: Technique | None
    gate: ContextGate | None = None


@dataclass(frozen=True, slots=True)
class Spelling:
    """A place in the dense view that reads as ``replacement`` once joined: a split-character
    spelling (弓长 → 张), a word emoji (🐧 → 企鹅) or a character with a separator letter after it."""

    start: int
    end: int
    replacement: str
    technique: Technique


class PatternTexts(Sequence[str]):
    """The dense text of every automaton key, packed: one string holding them all and the end of
    each (a list of a million short strings costs about four times the memory). Read-only;
    ``texts[i]`` is a slice of :attr:`text`."""

    __slots__ = ("text", "ends")

    def __init__(self, texts: Iterable[str] = ()) -> None:
        texts = texts if isinstance(texts, list) else list(texts)
        #: every text, one after the other
        self.text: str = "".join(texts)
        #: where each text ends in :attr:`text` (uint32; the C loops read it)
        self.ends: array[int] = array("I", accumulate(map(len, texts)))

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self.ends)))]
        ends = self.ends
        end = ends[i]  # (raises IndexError out of range; a negative index counts from the end)
        if i < 0:
            i += len(ends)
        return self.text[ends[i - 1] if i else 0:end]

    def __len__(self) -> int:
        return len(self.ends)

    def __iter__(self) -> Iterator[str]:
        return map(self.text.__getitem__, map(slice, chain((0,), self.ends), self.ends))
