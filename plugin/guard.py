"""The guard: the one pipeline every surface calls (normalise → match → judge → act).

```python
from plugin import Guard, Matcher, Surface
guard = Guard(Matcher.from_lexicons([], bundled=True), rumors=index)   # or a LiveMatcher
verdict = guard.check("澳门赌场网址", Surface.QUERY)
verdict.action, verdict.notice, verdict.to_dict()
guard.filter_suggestions("澳门", ["澳门旅游", "澳门赌场"]).kept
```

1. *normalise* and *match*: the live matcher (:class:`plugin.protocols.TextMatcher`; one
   :func:`plugin.normalize.prepare` per text, shared with the rumour analysis) yields hits;
   the rumour lookup (:class:`plugin.protocols.RumorLookup`: the embedded index or the search-engine
   backend) yields pins and labels; each :class:`plugin.protocols.Signal` (e.g. a learned scorer)
   yields a :class:`~plugin.models.SignalHit`.
2. *judge*: :class:`plugin.policy.Policy` maps the signals to the surface's decision, notice and labels.
3. *act*: the caller serialises the :class:`Verdict` (``to_dict()``) or acts on ``verdict.action``.

Every result for the per-keystroke surfaces is cached here, once: lexicon (and signal) results per
text for the current matcher object (a new lexicon version starts an empty cache, so it is never
answered from old results), rumour matches until :meth:`Guard.refresh_rumors` says the index
changed. ``cache_size=0`` turns caching off. The guard is thread-safe.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

from .live import LiveMatcher
from .models import ACTION_ORDER, Action, CheckResult, Hit, SignalHit, Surface
from .policy import DEFAULT_POLICY, HitLabel, Policy
from .protocols import (MatcherSource, RefreshableRumorLookup, RetrievingRumorLookup, RumorLookup, Signal,
                        TextMatcher)
from .rumors.decision import PinTiers, retier
from .rumors.models import Pin, RumorLabel, RumorMatchResult
from .scoring.veto import PATTERN_CATEGORY, ContextVeto
from .rumors.scoring import DEFAULT_SCORING

__all__ = ["DroppedSuggestion", "Explanation", "Guard", "Label", "SuggestionVerdict", "Verdict"]

#: A label on a verdict: one a lexicon hit requires, or a rumour's (谣言 / 失实 / 争议).
Label = HitLabel | RumorLabel

_NO_RUMORS = RumorMatchResult()
_SAME: Any = object()


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a verdict is what it is (``check(..., explain=True)``)."""

    surface: str
    #: (term_id, the entry's action, its action on this surface) per hit
    hit_actions: tuple[tuple[str, str, str], ...]
    #: (rumor_id, status, score, shared words) per matched rumour
    rumors: tuple[tuple[str, str, float, tuple[str, ...]], ...]
    signals: tuple[SignalHit, ...]
    #: "lexicon", "rumor", "signal" or "" (nothing: the surface's mildest decision)
    decided_by: str
    #: (signal, reason) of the scorer flags the lexicon's allow phrases / context rules vetoed, and
    #: (``lexicon:<term_id>``, ``frame:…``) of the lexicon hits a frame about spam vetoed
    vetoed: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "surface": self.surface,
            "hits": [{"term_id": t, "action": a, "surface_action": s} for t, a, s in self.hit_actions],
            "rumors": [{"rumor_id": r, "status": st, "score": sc, "shared": list(sh)} for r, st, sc, sh in self.rumors],
            "signals": [s.to_dict() for s in self.signals],
            "decided_by": self.decided_by,
            "vetoed": [{"signal": n, "reason": r} for n, r in self.vetoed],
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """The guard's answer for one text on one surface.

    ``action`` is the surface's decision (query: allow / review / block; suggestion and search hit:
    keep / drop; trending: approve ... reject; content: the lexicon action); ``lexicon_action`` the
    most severe hit's action as the lexicon has it; ``reason`` names what decided (``lexicon:<category>``,
    ``rumor:<rumor id>``, ``signal:<name>``; ``""`` for the mildest decision).
    """

    surface: Surface
    action: str
    lexicon_action: str
    hits: tuple[Hit, ...] = ()
    pins: tuple[Pin, ...] = ()
    labels: tuple[Label, ...] = ()
    notice: str | None = None
    lexicon_version: str = ""
    reason: str = ""
    signals: tuple[SignalHit, ...] = ()
    explanation: Explanation | None = None
    #: medium-confidence refutations (相关辟谣): shown beside the results, never on top of them
    related: tuple[Pin, ...] = ()

    @property
    def rumor_labels(self) -> tuple[RumorLabel, ...]:
        """The labels that come from rumour matches."""
        return tuple(lab for lab in self.labels if isinstance(lab, RumorLabel))

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``POST /v1/query/check`` (``related`` / ``signals`` / ``explanation`` only when there are any)."""
        out: dict[str, Any] = {
            "action": self.action,
            "lexicon_action": self.lexicon_action,
            "hits": [h.to_dict() for h in self.hits],
            "pins": [p.to_dict() for p in self.pins],
            "labels": [lab.to_dict() for lab in self.labels],
            "notice": self.notice,
            "lexicon_version": self.lexicon_version,
        }
        if self.related:
            out["related"] = [p.to_dict() for p in self.related]
        if self.signals:
            out["signals"] = [s.to_dict() for s in self.signals]
        if self.explanation is not None:
            out["explanation"] = self.explanation.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class DroppedSuggestion:
    """A suggestion taken out, and why: ``cause`` is ``prefix``, ``lexicon``, ``rumor`` or ``signal``."""

    text: str
    reason: str
    hits: tuple[Hit, ...]
    cause: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "reason": self.reason, "hits": [h.to_dict() for h in self.hits]}


@dataclass(frozen=True, slots=True)
class SuggestionVerdict:
    """:meth:`Guard.filter_suggestions`: the suggestions kept (input order) and those dropped."""

    kept: tuple[str, ...]
    dropped: tuple[DroppedSuggestion, ...]
    lexicon_version: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``POST /v1/suggestions/filter``."""
        return {"kept": list(self.kept), "dropped": [d.to_dict() for d in self.dropped],
                "lexicon_version": self.lexicon_version}


@dataclass(frozen=True, slots=True)
class _Lexical:
    """The cached part of a check: the matcher's result and the signals' hits for one text."""

    result: CheckResult
    signals: tuple[SignalHit, ...]


class _CallableSource:
    """A zero-argument callable that returns the live matcher, as a :class:`MatcherSource`."""

    def __init__(self, fn: Callable[[], TextMatcher]) -> None:
        self.current = fn


def _source_of(matcher: TextMatcher | MatcherSource | Callable[[], TextMatcher]) -> MatcherSource:
    if isinstance(matcher, MatcherSource):
        return matcher
    if isinstance(matcher, TextMatcher):
        return LiveMatcher(matcher)
    if callable(matcher):
        return _CallableSource(matcher)
    raise TypeError(f"Guard needs a matcher (check / scan / version) or a holder of one (current()), "
                    f"not {type(matcher).__name__}")


#: The surfaces whose rumour lookups take the semantic retrieval when the index has it (an embedding per text,
#: ~20 ms of a core): the search box, one text per request. Suggestion lists and trending batches (many texts per
#: request) are matched without it.
RETRIEVAL_SURFACES = frozenset({Surface.QUERY})


class Guard:
    """Runs the pipeline for every surface. ``matcher``: a compiled matcher, a holder of the live one
    (:class:`plugin.live.LiveMatcher`, asked once per call) or a function returning it; ``rumors``: a
    rumour lookup or ``None``; ``policy``: the table (:data:`plugin.policy.DEFAULT_POLICY`);
    ``signals``: further scorers (:class:`plugin.protocols.Signal`);
    ``cache_size``: texts memoised per lexicon version (and rumour matches per index build);
    ``max_pins``: rumours looked up per text; ``rumor_tiers``: a surface's own thresholds for the
    learned pin decision (:class:`plugin.rumors.decision.PinTiers`; others use the index's)."""

    def __init__(
        self,
        matcher: TextMatcher | MatcherSource | Callable[[], TextMatcher],
        rumors: RumorLookup | None = None,
        policy: Policy = DEFAULT_POLICY,
        *,
        signals: Sequence[Signal] = (),
        cache_size: int = 50_000,
        max_pins: int = 3,
        rumor_tiers: Mapping[Surface, PinTiers] | None = None,
    ) -> None:
        if cache_size < 0 or max_pins < 0:
            raise ValueError("cache_size and max_pins must be 0 or more")
        self.source: MatcherSource = _source_of(matcher)
        self._rumors = rumors
        self.policy = policy
        self.signals = tuple(signals)
        self.cache_size = cache_size
        self.max_pins = max_pins
        self.rumor_tiers: dict[Surface, PinTiers] = dict(rumor_tiers or {})
        self._lock = threading.Lock()
        self._veto: tuple[TextMatcher | None, ContextVeto] = (None, ContextVeto(()))
        self._bound: tuple[TextMatcher, tuple[str, ...], Callable[[str], _Lexical]] = self._bind(self.matcher())
        #: the lookup as one with a generation and an optional semantic retrieval (its type checked once here)
        self._retrieving = rumors if isinstance(rumors, RetrievingRumorLookup) else None
        self._rumor_generation = self._retrieving.generation if self._retrieving is not None else None
        self._rumor_cached: Callable[[str, bool], RumorMatchResult] = self._memo(self._match_rumors)

    # -- the parts -------------------------------------------------------------------------------
    @property
    def rumors(self) -> RumorLookup | None:
        """The rumour lookup (fixed for the Guard's life: :meth:`replace` gives a Guard with another)."""
        return self._rumors

    def matcher(self) -> TextMatcher:
        """The live matcher: take it once and use it for a whole request."""
        return self.source.current()

    def scan(self, text: str, *, scope: str = "content", matcher: TextMatcher | None = None) -> list[Hit]:
        """Every lexicon hit in ``text`` (not cached: long texts, account names)."""
        return list((matcher or self.matcher()).scan(text, scope=scope))

    def evaluate_signals(self, text: str) -> tuple[SignalHit, ...]:
        """What the signals say about ``text`` (not cached: long texts)."""
        return tuple(hit for s in self.signals if (hit := s.evaluate(text)) is not None) if text else ()

    def match_rumors(self, text: str, surface: Surface | None = None) -> RumorMatchResult:
        """The rumour lookup's pins and labels for ``text`` (not cached: long texts), in ``surface``'s
        tiers when it has its own."""
        return self._tiered(self._match_rumors(text, surface in RETRIEVAL_SURFACES), surface)

    def _tiered(self, result: RumorMatchResult, surface: Surface | None) -> RumorMatchResult:
        tiers = self.rumor_tiers.get(surface) if surface is not None else None
        if tiers is None:
            return result
        threshold = getattr(self._rumors, "threshold", DEFAULT_SCORING.threshold)
        return retier(result, tiers, float(threshold))

    def _match_rumors(self, text: str, retrieve: bool) -> RumorMatchResult:
        rumors = self._rumors
        if rumors is None or not text:
            return _NO_RUMORS
        lookup = self._retrieving
        if not retrieve and lookup is not None and lookup.retrieves:
            return lookup.match(text, limit=self.max_pins, retrieve=False)
        return rumors.match(text, limit=self.max_pins)

    def _rumors_memoised(self, text: str, where: Surface) -> RumorMatchResult:
        """The memoised match of ``text`` (forgotten first when the index's generation moved); the semantic
        retrieval only on :data:`RETRIEVAL_SURFACES`."""
        lookup = self._retrieving
        if lookup is None:
            return self._rumor_cached(text, False)
        generation = lookup.generation
        if generation != self._rumor_generation:
            self._rumor_generation = generation
            self.forget_rumors()
        return self._rumor_cached(text, where in RETRIEVAL_SURFACES and lookup.retrieves)

    def _memo(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return functools.lru_cache(maxsize=self.cache_size)(fn) if self.cache_size > 0 else fn

    def _lexical(self, matcher: TextMatcher, text: str, scope: str = "content") -> _Lexical:
        """The matcher's check and the signals for ``text``, memoised per matcher object and signal
        versions (content scope)."""
        if scope != "content":
            return self._evaluate(matcher, text, scope)
        bound = self._bound
        if bound[0] is not matcher or (self.signals and bound[1] != self._signal_versions()):
            bound = self._bind(matcher)
        return bound[2](text)

    def _signal_versions(self) -> tuple[str, ...]:
        """The versions of the signals that have one — their ``cache_key`` when they name one (a learned
        model: a newly published model version or card starts an empty cache, like a new lexicon version)."""
        return tuple(str(getattr(s, "cache_key", getattr(s, "version", ""))) for s in self.signals)

    def _bind(self, matcher: TextMatcher) -> tuple[TextMatcher, tuple[str, ...], Callable[[str], _Lexical]]:
        """Start the memo of ``matcher`` (a new lexicon or model version is never answered from old results)."""
        bound = (matcher, self._signal_versions(), self._memo(functools.partial(self._evaluate, matcher)))
        with self._lock:
            self._bound = bound
        return bound

    def without_framed(self, text: str, hits: Sequence[Hit], surface: Surface | str,
                       matcher: TextMatcher | None = None,
                       signals: Sequence[SignalHit] | None = None) -> list[Hit]:
        """``hits`` of ``text`` without the review-level spam hits a text written about spam vetoes (advice,
        crackdown news, a victim's story, a warning that does not solicit) and, given the text's ``signals`` on
        ``surface`` (:meth:`signals_on`), without the generic spam shapes that defer to a scorer that read it and
        did not flag (:meth:`_defer_patterns`), as :meth:`check` drops them."""
        where = Surface(surface)
        kept, _ = self._context_veto(matcher or self.matcher()).lexicon_hits(text, hits, where.value)
        if signals is not None:
            kept, _ = self._defer_patterns(kept, signals, where)
        return list(kept)

    def _context_veto(self, matcher: TextMatcher) -> ContextVeto:
        """The allow phrases and context rules of ``matcher``'s lexicon as a veto on scorer flags (built
        once per lexicon version)."""
        held = self._veto
        if held[0] is not matcher:
            held = (matcher, ContextVeto.of(matcher))
            self._veto = held
        return held[1]

    def signals_on(self, text: str, surface: Surface | str, *, matcher: TextMatcher | None = None,
                   found: Sequence[SignalHit] | None = None) -> tuple[SignalHit, ...]:
        """The signals about ``text`` as they count on ``surface`` (not cached unless ``found`` is given:
        long texts): each hit through :meth:`plugin.policy.Policy.signal_on`, scorer flags vetoed by the
        lexicon's allow phrases and context rules (:class:`plugin.scoring.veto.ContextVeto`)."""
        return self._resolve(matcher or self.matcher(), text, Surface(surface),
                             self.evaluate_signals(text) if found is None else found)[0]

    def _resolve(self, matcher: TextMatcher, text: str, where: Surface, found: Sequence[SignalHit]
                 ) -> tuple[tuple[SignalHit, ...], tuple[tuple[str, str], ...]]:
        """(signals on ``where``, (signal, veto reason) of the vetoed scorer flags)."""
        if not found:
            return (), ()
        kept: list[SignalHit] = []
        vetoed: list[tuple[str, str]] = []
        rule = self.policy.surface(where).score
        for hit in found:
            on = self.policy.signal_on(hit, where)
            if on is None:
                continue
            if on.flags and rule.veto:
                why = self._context_veto(matcher).reason(text, on.category, on.evidence)
                if why:
                    vetoed.append((on.signal, why))
                    continue
            kept.append(on)
        return tuple(kept), tuple(vetoed)

    def _defer_patterns(self, hits: tuple[Hit, ...], signals: Sequence[SignalHit], where: Surface
                        ) -> tuple[tuple[Hit, ...], tuple[tuple[str, str], ...]]:
        """``hits`` without the review-level (or milder) generic spam shapes (``spam_pattern``) when the surface's
        row lets them defer (:attr:`plugin.policy.ScoreRule.patterns_defer`), a live scorer read the text and its
        flag does not stand on ``where`` (after the veto); with ``(lexicon:<term_id>, deferred:<scorer>)`` of each."""
        rule = self.policy.surface(where).score
        if not (hits and rule.patterns_defer and rule.scorer_surface) or any(s.flags for s in signals):
            return hits, ()
        review = ACTION_ORDER[Action.REVIEW.value]
        drop = [h.category == PATTERN_CATEGORY and 0 < ACTION_ORDER.get(h.action_on(where), 0) <= review for h in hits]
        if not any(drop):  # (most hits: no generic shape, so no scorer to look up)
            return hits, ()
        name = next((s.name for s in self.signals if getattr(s, "current", lambda: None)() is not None), None)
        if name is None:
            return hits, ()
        return (tuple(h for h, d in zip(hits, drop) if not d),
                tuple((f"lexicon:{h.term_id or h.term}", f"deferred:{name}") for h, d in zip(hits, drop) if d))

    def _evaluate(self, matcher: TextMatcher, text: str, scope: str = "content") -> _Lexical:
        return _Lexical(matcher.check(text, scope=scope), self.evaluate_signals(text))

    # -- rumour index and cache ------------------------------------------------------------------
    def refresh_rumors(self) -> bool:
        """Reload the rumour index from its store (when it can); forget memoised matches if it changed."""
        rumors = self.rumors
        if not isinstance(rumors, RefreshableRumorLookup):
            return False
        changed = rumors.refresh() is not False  # RumorIndex.refresh() says whether it changed
        if changed:
            self.forget_rumors()
        return changed

    def forget_rumors(self) -> None:
        """Drop memoised rumour matches (after the index changed)."""
        self._rumor_cached = self._memo(self._match_rumors)

    def cache_info(self) -> dict[str, Any]:
        """Sizes and hit counts of the two caches (``/healthz``)."""
        check = getattr(self._bound[2], "cache_info", None)
        rumor = getattr(self._rumor_cached, "cache_info", None)
        return {"size": self.cache_size, "check": check()._asdict() if check else None,
                "rumor": rumor()._asdict() if rumor else None}

    # -- verdicts --------------------------------------------------------------------------------
    def check(self, text: str, surface: Surface | str = Surface.QUERY, *, scope: str = "content",
              explain: bool = False) -> Verdict:
        """The verdict for ``text`` shown on ``surface``."""
        return self._check(self.matcher(), text, Surface(surface), scope=scope, explain=explain)

    def _check(self, matcher: TextMatcher, text: str, where: Surface, *, scope: str = "content",
               explain: bool = False) -> Verdict:
        policy = self.policy
        row = policy.surface(where)
        lex = self._lexical(matcher, text, scope)
        hits = policy.with_tags(lex.result.hits)  # tag rules of the policy, as per-surface overrides
        # review-level spam hits in a text written about spam (advice, crackdown news) that does not solicit
        hits, framed = self._context_veto(matcher).lexicon_hits(text, hits, where.value)
        signals, vetoed = self._resolve(matcher, text, where, lex.signals)
        hits, deferred = self._defer_patterns(hits, signals, where)
        vetoed = (*framed, *deferred, *vetoed)
        action = policy.action(hits, where, [s.action for s in signals])
        decision = row.by_action[action]
        rumor = _NO_RUMORS
        # the rumour lookup is skipped when a pin could change nothing (a suggestion already dropped)
        pins_matter = row.pin_notice is not None or row.on_pin is None or row.rank(decision) < row.rank(row.on_pin)
        if row.rumors and text and pins_matter:
            rumor = self._tiered(self._rumors_memoised(text, where), where)
        decision, by = row.decide(action, pinned=bool(rumor.pins), disputed=bool(rumor.disputed))
        reason = ""
        if by == "rumor":
            reason = f"rumor:{(rumor.pins or rumor.disputed)[0].rumor_id}"
        elif by == "lexicon":
            by, reason = self._lexicon_reason(hits, signals, action, where)
        labels: tuple[Label, ...] = (*policy.hit_labels(hits, where), *rumor.labels)
        notice = policy.notice(where, decision, hits, pinned=bool(rumor.pins),
                               extra_categories=[s.category for s in signals
                                                 if s.category and row.by_action[s.action] == decision])
        explanation = None
        if explain:
            explanation = Explanation(
                where.value, tuple((h.term_id, h.action, h.action_on(where)) for h in hits),
                tuple((m.rumor.id, m.rumor.status.value, round(m.score, 4), m.shared) for m in rumor.matches),
                signals, by, vetoed)
        return Verdict(where, decision, lex.result.action, hits, rumor.pins, labels, notice, str(matcher.version),
                       reason, signals, explanation, rumor.related)

    @staticmethod
    def _lexicon_reason(hits: Sequence[Hit], signals: Sequence[SignalHit], action: str,
                        where: Surface) -> tuple[str, str]:
        """(decided by, reason) for a decision the lexicon action ``action`` led to: the first hit at
        that action, else the first signal."""
        top = next((h for h in hits if h.action_on(where) == action), None)
        if top is not None:
            return "lexicon", f"lexicon:{top.category}"
        sig = next(s for s in signals if s.action == action)
        return "signal", f"signal:{sig.signal}"

    def prefix_drops(self, prefix: str) -> bool:
        """Whether a suggestion prefix (what the user typed) drops every suggestion (policy: a ``block`` hit)."""
        return bool(self._prefix_drop_hits(self.matcher(), prefix))

    def _prefix_drop_hits(self, matcher: TextMatcher, prefix: str) -> tuple[Hit, ...]:
        """The prefix's hits when the policy says they drop every suggestion, else ``()``."""
        if not prefix:
            return ()
        hits = tuple(self._lexical(matcher, prefix).result.hits)
        return hits if self.policy.prefix_drops(hits) else ()

    def filter_suggestions(self, prefix: str, items: Iterable[str]) -> SuggestionVerdict:
        """Keep (in input order) the suggestions safe to show. A prefix the policy says drops everything
        (a ``block`` hit) drops every suggestion (``prefix:<category>``); each other suggestion is
        checked on the suggestion surface (lexicon, rumours, signals)."""
        matcher = self.matcher()
        prefix_hits = self._prefix_drop_hits(matcher, prefix)
        kept: list[str] = []
        dropped: list[DroppedSuggestion] = []
        keep = self.policy.surface(Surface.SUGGESTION).mildest
        if prefix_hits:
            worst = self.policy.action(prefix_hits, Surface.SUGGESTION)
            top = next(h for h in prefix_hits if h.action_on(Surface.SUGGESTION) == worst)
        for text in items:
            if prefix_hits:
                dropped.append(DroppedSuggestion(text, f"prefix:{top.category}", prefix_hits, "prefix"))
                continue
            verdict = self._check(matcher, text, Surface.SUGGESTION)
            if verdict.action == keep:
                kept.append(text)
            else:
                cause = verdict.reason.partition(":")[0]
                dropped.append(DroppedSuggestion(text, verdict.reason, verdict.hits, cause))
        return SuggestionVerdict(tuple(kept), tuple(dropped), str(matcher.version))

    def passes(self, text: str, surface: Surface | str) -> bool:
        """Whether ``text`` gets the surface's mildest decision (a search hit is kept ...)."""
        where = Surface(surface)
        return self.check(text, where).action == self.policy.surface(where).mildest

    def replace(self, *, rumors: RumorLookup | None = _SAME, policy: Policy = _SAME) -> "Guard":
        """A guard over the same matcher with other rumours and / or another policy (its own caches)."""
        return Guard(self.source, self.rumors if rumors is _SAME else rumors,
                     self.policy if policy is _SAME else policy,
                     signals=self.signals, cache_size=self.cache_size, max_pins=self.max_pins,
                     rumor_tiers=self.rumor_tiers)
