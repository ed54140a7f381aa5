"""The typed joins between the parts of the guard: what a matcher, a matcher holder and a rumour
lookup must offer. The real classes (:class:`plugin.matcher.Matcher`, :class:`plugin.live.LiveMatcher`,
:class:`plugin.rumors.RumorIndex`, :class:`plugin.search.rumor_backend.SearchEngineRumorBackend`)
and the fakes in the tests obey them; :class:`plugin.guard.Guard` takes any of them.

Storage of rumours is another protocol, :class:`plugin.rumors.backend.RumorBackend` (re-exported
here): :class:`plugin.rumors.RumorStore` (SQLite) and the search-engine backend implement it.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from .models import CheckResult, Hit, SignalHit
from .rumors.backend import RumorBackend
from .rumors.models import RumorMatchResult

__all__ = [
    "MatcherSource", "RefreshableRumorLookup", "RumorBackend", "RumorLookup", "SentenceWindowLookup", "Signal",
    "TextMatcher",
]


@runtime_checkable
class TextMatcher(Protocol):
    """A compiled lexicon: immutable, thread-safe; ``version`` is its lexicon version."""

    @property
    def version(self) -> str: ...

    def scan(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> list[Hit]:
        """Every hit in ``text`` (offsets index ``text``)."""
        ...

    def check(self, text: str, *, scope: str = "content") -> CheckResult:
        """The most severe hit's action and the hits."""
        ...


@runtime_checkable
class MatcherSource(Protocol):
    """Holds the live matcher (:class:`plugin.live.LiveMatcher`): ask once per request."""

    def current(self) -> TextMatcher: ...


@runtime_checkable
class RumorLookup(Protocol):
    """Rumours a text asserts or asks about: pins and labels, best first (at most ``limit``)."""

    def match(self, text: str, limit: int = 3) -> RumorMatchResult: ...


@runtime_checkable
class RefreshableRumorLookup(RumorLookup, Protocol):
    """A rumour lookup that reloads from its store (:meth:`plugin.rumors.RumorIndex.refresh`)."""

    def refresh(self) -> bool | None:
        """Reload if the store changed; ``False`` when nothing changed."""
        ...


@runtime_checkable
class RetrievingRumorLookup(RumorLookup, Protocol):
    """A rumour lookup with a costly second path (the semantic retrieval: an embedding per text) that a caller
    can leave out for a text, and a generation that moves whenever the same text may match differently
    (:class:`plugin.rumors.RumorIndex`)."""

    @property
    def retrieves(self) -> bool:
        """Whether :meth:`match` has the costly path."""
        ...

    @property
    def generation(self) -> int:
        """Moves when memoised matches must be forgotten (a rebuild, claim vectors ready)."""
        ...

    def match(self, text: str, limit: int = 3, *, retrieve: bool = True) -> RumorMatchResult: ...


@runtime_checkable
class SentenceWindowLookup(RumorLookup, Protocol):
    """A rumour lookup that scores every sentence window of a text on its own, so a title and its body
    can be matched in one call (:class:`plugin.rumors.RumorIndex`)."""

    matches_sentence_windows: bool


@runtime_checkable
class Signal(Protocol):
    """One more opinion about a text, run by the guard on every surface (a learned spam scorer, a
    second rumour source ...). ``evaluate`` returns ``None`` when it has nothing to say; its
    :class:`~plugin.models.SignalHit` action goes through the policy like a lexicon hit's action.
    Signals must be thread-safe and deterministic per text (results are cached per lexicon version)."""

    @property
    def name(self) -> str: ...

    def evaluate(self, text: str) -> SignalHit | None: ...
