"""In-process rumour index: query or content text → matching rumours, pins and labels.

Matching runs in three steps:

1. *Analysis* (:mod:`plugin.rumors.analysis`): fold, strip question wording, jieba
   tokens (canonicalised, stop-words dropped), content bigrams.
2. *Candidates*: an Aho-Corasick pass over trigger phrases (curated + automatic, see
   :mod:`plugin.rumors.triggers`) plus token postings, keeping the rumours that share the
   most token weight with the text.
3. *Scoring*: weighted token overlap and character-bigram overlap, measured from both
   sides (how much of the text the claim explains, how much of the claim the text
   covers); the larger side counts more, so short searches for part of a claim and long
   posts that repeat a claim both score high. A rumour needs at least two shared content
   tokens, or one rare token that makes up most of the query. Automatic trigger hits add
   a small phrase bonus; a curated trigger hit matches outright. The score threshold is
   calibrated on the dev split of ``bench/data/rumor_paraphrases.jsonl``
   (``bench/eval_rumors.py``).

Only ``false`` / ``misleading`` rumours pin refutations; ``disputed`` gives a 争议 label
(a limit signal) and no pin; ``true`` gives nothing.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable

import ahocorasick

from plugin.errors import InputError

from .analysis import Analysis, Weights, analyze, refutes
from .backend import RumorBackend
from .models import Refutation, Rumor, RumorStatus
from .triggers import extract_triggers, trigger_key

__all__ = ["DEFAULT_THRESHOLD", "MAX_TEXT_CHARS", "RumorIndex", "RumorMatch", "RumorMatchResult"]

#: Score a rumour must reach to match (calibrated by bench/eval_rumors.py on the dev split).
DEFAULT_THRESHOLD = 0.5
#: Longest text matched; longer texts are cut (posts) rather than refused.
MAX_TEXT_CHARS = 2000
_CANDIDATES = 40  # rumours fully scored per query
_MAX_POSTING = 20000  # tokens in more claims than this only score, they do not nominate candidates
_SCORE_CURATED = 0.95
_RELATIVE_CUT = 0.75  # secondary matches must reach this fraction of the best score


@dataclass(frozen=True, slots=True)
class RumorMatch:
    """One rumour that matched a text."""

    rumor: Rumor
    score: float
    shared: tuple[str, ...] = ()  # canonical tokens in common (explanation)
    trigger: str = ""  # the curated trigger that matched, if any

    def refutation(self) -> Refutation:
        """The refutation to show: the first stored, else one derived from the claim."""
        if self.rumor.refutations:
            return self.rumor.refutations[0]
        return Refutation(title="【辟谣】" + self.rumor.claim)


@dataclass(frozen=True, slots=True)
class RumorMatchResult:
    """Pins (refutations to show first) and labels for one text."""

    matches: tuple[RumorMatch, ...] = ()
    refuting: bool = False  # the text itself refutes (辟谣 / 谣言 / 不实 ...): no 谣言 label
    pins: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def build(cls, matches: list[RumorMatch], refuting: bool) -> "RumorMatchResult":
        pins: list[dict[str, Any]] = []
        labels: list[dict[str, Any]] = []
        for m in matches:
            status = m.rumor.status
            score = round(m.score, 4)
            if status.pins:
                ref = m.refutation().pin_dict()
                pins.append({"rumor_id": m.rumor.id, "score": score, "claim": m.rumor.claim, "refutation": ref})
                if not refuting:
                    labels.append({"label": status.label, "rumor_id": m.rumor.id, "status": status.value,
                                   "score": score, "action": "label", "refutation": ref})
            elif status is RumorStatus.DISPUTED:
                labels.append({"label": status.label, "rumor_id": m.rumor.id, "status": status.value,
                               "score": score, "action": "limit", "refutation": None})
        return cls(tuple(matches), refuting, pins, labels)

    def to_dict(self) -> dict[str, Any]:
        return {"pins": self.pins, "labels": self.labels}


@dataclass(slots=True)
class _Entry:
    rumor: Rumor
    analysis: Analysis
    tokens: frozenset[str]
    token_weight: float
    bigram_weight: float


class RumorIndex:
    """Immutable-per-build rumour index; :meth:`refresh` rebuilds from the backend.

    ``match`` is thread-safe: a refresh swaps the whole compiled state in one assignment.
    """

    def __init__(self, rumors: Iterable[Rumor], *, threshold: float = DEFAULT_THRESHOLD,
                 backend: RumorBackend | None = None) -> None:
        self.threshold = threshold
        self._backend = backend
        self._revision = backend.revision() if backend is not None else None
        self._lock = threading.Lock()
        self._state = _State.build(rumors)

    @classmethod
    def from_store(cls, store: RumorBackend, **kwargs: Any) -> "RumorIndex":
        """Load every rumour of ``store``; :meth:`refresh` picks up later changes."""
        revision = store.revision()
        index = cls(store.iterate(), backend=store, **kwargs)
        index._revision = revision
        return index

    def __len__(self) -> int:
        return len(self._state.entries)

    def refresh(self, *, force: bool = False) -> bool:
        """Rebuild from the backend if it changed since the last build; True when rebuilt."""
        if self._backend is None:
            return False
        with self._lock:
            revision = self._backend.revision()
            if not force and revision == self._revision:
                return False
            self._state = _State.build(self._backend.iterate())
            self._revision = revision
            return True

    def match(self, text: str, limit: int = 3, *, today: _dt.date | None = None) -> RumorMatchResult:
        """Rumours ``text`` asserts or asks about, best first (at most ``limit``)."""
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        text = text[:MAX_TEXT_CHARS]
        matches = self._state.search(text, self.threshold, limit, today or _dt.date.today())
        return RumorMatchResult.build(matches, refutes(text) if matches else False)

    def score(self, text: str, rumor_id: str) -> float:
        """The similarity of ``text`` to one indexed rumour (0 when unknown): for tuning."""
        state = self._state
        i = state.by_id.get(rumor_id)
        if i is None:
            return 0.0
        q = analyze(text[:MAX_TEXT_CHARS])
        return state.score(q, state.query_weights(q), i, state.trigger_hits(q))[0]

    def score_candidates(self, text: str, rumors: Iterable[Rumor], limit: int = 3) -> RumorMatchResult:
        """Score rumours retrieved elsewhere (e.g. ``backend.candidates(text)``) with this index's weights."""
        state = _State.build(rumors, weights=self._state.weights)
        matches = state.search(text[:MAX_TEXT_CHARS], self.threshold, limit, _dt.date.today())
        return RumorMatchResult.build(matches, refutes(text) if matches else False)


class _State:
    """The compiled index: entries, postings, trigger automaton, weights."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.by_id: dict[str, int] = {}
        self.postings: dict[str, list[int]] = {}
        self.weights = Weights()
        self.automaton: Any = None
        self.trigger_owners: list[list[tuple[int, bool]]] = []  # automaton value → [(entry, curated)]

    @classmethod
    def build(cls, rumors: Iterable[Rumor], weights: Weights | None = None) -> "_State":
        st = cls()
        analyses: list[tuple[Rumor, Analysis]] = []
        for r in rumors:
            a = analyze(" ".join((r.claim, *r.triggers)))
            analyses.append((r, a))
            if weights is None:
                st.weights.add(a)
        if weights is not None:
            st.weights = weights
        w = st.weights
        for i, (r, a) in enumerate(analyses):
            tokens = a.token_set
            st.entries.append(_Entry(r, a, tokens, sum(w.token(t) for t in tokens) or 1.0,
                                     sum(w.bigram(b) for b in a.bigrams) or 1.0))
            st.by_id[r.id] = i
            for t in tokens:
                st.postings.setdefault(t, []).append(i)
        st._build_triggers()
        return st

    def _build_triggers(self) -> None:
        keys: dict[str, int] = {}
        owners: list[list[tuple[int, bool]]] = []

        def add(phrase: str, i: int, curated: bool) -> None:
            key = trigger_key(phrase) if curated else phrase
            if len(key) < 2:
                return
            slot = keys.get(key)
            if slot is None:
                slot = keys[key] = len(owners)
                owners.append([])
            owners[slot].append((i, curated))

        for i, e in enumerate(self.entries):
            for phrase in e.rumor.triggers:
                add(phrase, i, True)
            for phrase in extract_triggers(e.rumor.claim, self.weights.token):
                add(phrase, i, False)
        self.trigger_owners = owners
        if keys:
            auto = ahocorasick.Automaton()
            for key, slot in keys.items():
                auto.add_word(key, slot)
            auto.make_automaton()
            self.automaton = auto

    def trigger_hits(self, q: Analysis) -> dict[int, tuple[int, bool]]:
        """entry → (number of automatic trigger hits, curated hit?)."""
        hits: dict[int, tuple[int, bool]] = {}
        if self.automaton is None or not q.dense:
            return hits
        for _end, slot in self.automaton.iter(q.dense):
            for i, curated in self.trigger_owners[slot]:
                n, c = hits.get(i, (0, False))
                hits[i] = (n + (0 if curated else 1), c or curated)
        return hits

    def query_weights(self, q: Analysis) -> tuple[dict[str, float], float, float]:
        w = self.weights
        tw = {t: w.token(t) for t in q.token_set}
        return tw, sum(tw.values()) or 1.0, sum(w.bigram(b) for b in q.bigrams) or 1.0

    def score(self, q: Analysis, qw: tuple[dict[str, float], float, float], i: int,
              hits: dict[int, tuple[int, bool]]) -> tuple[float, tuple[str, ...]]:
        tw, q_tok, q_big = qw
        e = self.entries[i]
        n_auto, curated = hits.get(i, (0, False))
        if curated:
            return _SCORE_CURATED, ()
        shared = [t for t in tw if t in e.tokens]
        if not shared:
            return 0.0, ()
        sw = sum(tw[t] for t in shared)
        tq, tc = sw / q_tok, sw / e.token_weight
        wb = self.weights.bigram
        sb = sum(wb(b) for b in q.bigrams if b in e.analysis.bigrams)
        bq, bc = sb / q_big, sb / e.bigram_weight
        qs = 0.7 * tq + 0.3 * bq
        cs = 0.7 * tc + 0.3 * bc
        score = 0.7 * max(qs, cs) + 0.3 * min(qs, cs) + 0.05 * min(n_auto, 2)
        if len(shared) < 2 and not (tw[shared[0]] >= 7.0 and tq >= 0.8):
            score *= 0.5  # one common shared word is not enough evidence
        return min(score, 1.0), tuple(shared)

    def search(self, text: str, threshold: float, limit: int, today: _dt.date) -> list[RumorMatch]:
        if limit <= 0 or not self.entries:
            return []
        q = analyze(text)
        if not q.tokens:
            return []
        qw = self.query_weights(q)
        hits = self.trigger_hits(q)
        acc: dict[int, float] = {}
        for t, wt in qw[0].items():
            post = self.postings.get(t)
            if not post or len(post) > _MAX_POSTING:
                continue
            for i in post:
                acc[i] = acc.get(i, 0.0) + wt
        for i in hits:
            acc[i] = acc.get(i, 0.0) + 100.0
        cands = heapq.nlargest(_CANDIDATES, acc.items(), key=lambda kv: kv[1]) if len(acc) > _CANDIDATES \
            else list(acc.items())
        scored: list[RumorMatch] = []
        for i, _ in cands:
            s, shared = self.score(q, qw, i, hits)
            if s < threshold:
                continue
            r = self.entries[i].rumor
            if not r.active_on(today):
                continue
            trig = "curated" if s == _SCORE_CURATED and not shared else ""
            scored.append(RumorMatch(r, s, shared, trig))
        scored.sort(key=lambda m: (-m.score, m.rumor.id))
        if scored:
            floor = scored[0].score * _RELATIVE_CUT
            scored = [m for m in scored if m.score >= floor]
        return scored[:limit]
