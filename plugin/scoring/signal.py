"""The spam scorer as a Guard signal (:class:`plugin.protocols.Signal`).

```python
from plugin import Guard
from plugin.scoring import SpamScorer
from plugin.scoring.signal import ModelSignal
guard = Guard(matcher, signals=[ModelSignal(SpamScorer.bundled())])
guard.check("兼职刷单，日结300，加微信详聊", "query").action    # 'review' (never 'block' by default)
```

``evaluate(text)`` scores the text once on every scorer surface (``title``, ``post``) and returns a
:class:`~plugin.models.SignalHit` carrying one flag per scorer surface the text is over its card
threshold on, with the evidence spans in the original text; ``None`` when it is over none. What a flag
does on each guard surface (which scorer surface's thresholds apply, and the action: ``review`` by
default) is the policy's business (:class:`plugin.policy.ScoreRule`, :meth:`plugin.policy.Policy.signal_on`),
and the guard vetoes a flag with the lexicon's allow phrases and context rules
(:class:`plugin.scoring.veto.ContextVeto`).

The scorer is held in a :class:`plugin.live.LiveMatcher`-style holder (``current()``), so a published
model version swaps in without a restart; ``version`` names the live model, and the guard's cache is
keyed on ``cache_key`` (the version and the card's thresholds).
"""

from __future__ import annotations

import json
from typing import Any

from ..live import LiveMatcher
from ..models import SignalHit
from .scorer import DEFAULT_EVIDENCE, TextScorer

__all__ = ["MODEL_SIGNAL", "ModelSignal"]

#: The signal name of the spam scorer (``signal:spam_model`` in verdict reasons).
MODEL_SIGNAL = "spam_model"


class ModelSignal:
    """A :class:`TextScorer` (or a holder of the live one: anything with ``current()``) as a signal."""

    def __init__(self, scorer: TextScorer | Any | None, *, name: str = MODEL_SIGNAL,
                 evidence: int = DEFAULT_EVIDENCE) -> None:
        self.holder: Any = scorer if hasattr(scorer, "current") else LiveMatcher(scorer, "")
        self._name = name
        self._cache_key: tuple[Any, str] = (None, "")  # (scorer, its key): computed once per live scorer
        self.evidence = evidence

    @property
    def name(self) -> str:
        return self._name

    def current(self) -> TextScorer | None:
        """The live scorer (``None``: no model, the signal says nothing)."""
        scorer: TextScorer | None = self.holder.current()
        return scorer

    @property
    def version(self) -> str:
        """The live model's version (``""`` without one)."""
        scorer = self.current()
        return scorer.version if scorer is not None else ""

    @property
    def cache_key(self) -> str:
        """What an answer of this signal depends on: the live model's version and, when it has a card, the
        card's thresholds (a card recalibrated on the same weights keeps its version string)."""
        scorer = self.current()
        if scorer is None:
            return ""
        known = self._cache_key
        if known[0] is scorer:
            return known[1]
        thresholds = getattr(getattr(scorer, "card", None), "thresholds", None)
        key = scorer.version
        if thresholds:
            key += "#" + json.dumps(thresholds, sort_keys=True, default=str)
        self._cache_key = (scorer, key)
        return key

    def evaluate(self, text: str) -> SignalHit | None:
        scorer = self.current()
        if scorer is None or not text:
            return None
        results = scorer.score_surfaces(text, evidence=self.evidence)
        flagged = [r for r in results if r.flagged]
        if not flagged:
            return None
        top = max(flagged, key=lambda r: r.score)
        return SignalHit(
            self._name, "review", round(top.score, 4), top.category, f"model {scorer.version}",
            evidence=tuple((e.start, e.end, e.surface) for e in top.evidence),
            flags=tuple((r.surface, r.category, round(r.score, 4)) for r in flagged),
        )
