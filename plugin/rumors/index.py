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

from .analysis import INTENT_WORDS, Analysis, Weights, analyze, is_entity, refutes, subwords
from .backend import RumorBackend
from .models import Refutation, Rumor, RumorStatus
from .triggers import extract_triggers, trigger_key

__all__ = ["DEFAULT_THRESHOLD", "MAX_TEXT_CHARS", "RumorIndex", "RumorMatch", "RumorMatchResult"]

#: Score a rumour must reach to match (calibrated by bench/eval_rumors.py on the dev split).
DEFAULT_THRESHOLD = 0.5
#: Longest text matched; longer texts are cut (posts) rather than refused.
MAX_TEXT_CHARS = 2000
_CANDIDATES = 40  # rumours fully scored per query
_MAX_POSTING = 3000  # words in more claims than this only score, they do not nominate candidates
_SCORE_CURATED = 0.95
_RELATIVE_CUT = 0.75  # secondary matches must reach this fraction of the best score
_CONTENT_WORDS = 12  # texts with at least this many content words (and 1.5x the claim's) are posts
_INTENT_PENALTY = 0.6
_CONFLICT_PENALTY = 0.5
_MIN_CLAIM_COVER = 0.4
_LOW_COVER_PENALTY = 0.6
_BASE = 0.55  # share of the score the main side gives alone (the rest scales with the other side)
_RARE_WEIGHT = 7.0  # a shared word this informative may match alone (if it is most of the query)


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
    words: frozenset[str]
    subs: frozenset[str]
    chars: frozenset[str]  # characters of the multi-character words
    word_weight: float
    bigram_weight: float
    weights: dict[str, float]  # word → weight
    sub_parents: dict[str, tuple[str, ...]]  # sub-word → the claim words containing it
    entities: tuple[str, ...]
    numbers: tuple[str, ...]


def _near(a: str, b: str) -> bool:
    """Numbers ('#60', '#56') equal or within 10 % of each other."""
    try:
        x, y = float(a[1:]), float(b[1:])
    except ValueError:
        return a == b
    return x == y or abs(x - y) <= 0.1 * max(abs(x), abs(y))


def _credit(word: str, words: frozenset[str], subs: frozenset[str], chars: frozenset[str]) -> float:
    """How much of ``word`` the other text explains: 1 same word, 0.7 part of a longer word,
    0.5 a single character inside one of its words (喷 / 喷洒), 0.4 a sub-word of it present, else 0."""
    if word in words:
        return 1.0
    if word in subs:
        return 0.7
    if len(word) == 1:
        return 0.5 if word in chars else 0.0
    for s in subwords(word):
        if s in words or s in subs:
            return 0.4
    return 0.0


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


@dataclass(slots=True)
class _Query:
    """An analysed text with its word weights and the sets scoring needs."""

    weights: dict[str, float]
    total: float
    bigram_total: float
    words: frozenset[str]
    subs: frozenset[str]
    chars: frozenset[str]
    entities: tuple[str, ...]
    numbers: tuple[str, ...]
    intent_words: tuple[str, ...]

    @classmethod
    def build(cls, q: Analysis, w: Weights) -> "_Query":
        tw = {t: w.token(t) for t in q.words}
        return cls(
            tw, sum(tw.values()) or 1.0, sum(w.bigram(b) for b in q.bigrams) or 1.0, frozenset(tw), q.subs,
            frozenset(ch for t in tw if len(t) > 1 and not t.startswith("#") for ch in t),
            tuple(t for t in tw if is_entity(t)), tuple(t for t in tw if t.startswith("#")),
            tuple(t for t in tw if t in INTENT_WORDS),
        )


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
            words = frozenset(a.words)
            chars = frozenset(ch for t in words if len(t) > 1 and not t.startswith("#") for ch in t)
            weights = {t: w.token(t) for t in words}
            parents: dict[str, list[str]] = {}
            for t in words:
                for sw in subwords(t):
                    parents.setdefault(sw, []).append(t)
            st.entries.append(_Entry(
                r, a, words, a.subs, chars, sum(weights.values()) or 1.0,
                sum(w.bigram(b) for b in a.bigrams) or 1.0, weights,
                {k: tuple(v) for k, v in parents.items()},
                tuple(t for t in words if is_entity(t)), tuple(t for t in words if t.startswith("#"))))
            st.by_id[r.id] = i
            for t in words | a.subs:
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

    def query_weights(self, q: Analysis) -> "_Query":
        return _Query.build(q, self.weights)

    def score(self, q: Analysis, qw: "_Query", i: int,
              hits: dict[int, tuple[int, bool]]) -> tuple[float, tuple[str, ...]]:
        """Similarity of the analysed text to entry ``i`` (see the module docstring)."""
        e = self.entries[i]
        n_auto, curated = hits.get(i, (0, False))
        if curated:
            return _SCORE_CURATED, ()
        tw = qw.weights
        shared: list[str] = []
        q_cred = 0.0
        for t, wt in tw.items():
            c = _credit(t, e.words, e.subs, e.chars)
            if c:
                q_cred += c * wt
                shared.append(t)
        if not shared:
            return 0.0, ()
        n_q = len(tw)
        if n_q < 2:
            return 0.0, tuple(shared)  # a bare topic word is not a claim
        c_credit = self._claim_credit(qw, e)
        c_cred = sum(c * e.weights[t] for t, c in c_credit.items())
        tq, tc = q_cred / qw.total, c_cred / e.word_weight
        wb = self.weights.bigram
        eb = e.analysis.bigrams
        sb = sum(wb(b) for b in q.bigrams if b in eb)
        bq, bc = sb / qw.bigram_total, sb / e.bigram_weight
        qs = 0.8 * tq + 0.2 * bq
        cs = 0.8 * tc + 0.2 * bc
        if n_q >= max(_CONTENT_WORDS, 1.5 * len(e.words)):
            score = cs * (_BASE + (1 - _BASE) * qs)  # a post that may repeat the claim
        else:
            score = qs * (_BASE + (1 - _BASE) * cs)  # a search for (part of) the claim
            if cs < _MIN_CLAIM_COVER:
                score *= _LOW_COVER_PENALTY  # names the subject but not what the claim says about it
            if q.intent or any(t not in e.words for t in qw.intent_words):
                score *= _INTENT_PENALTY  # asks for tickets / prices / how-to about the subject
        if self._conflict(qw, e, c_credit):
            score *= _CONFLICT_PENALTY  # different place / person / number: another event
        score += 0.05 * min(n_auto, 2)
        if len(shared) < 2 and not (tw[shared[0]] >= _RARE_WEIGHT and tq >= 0.8):
            score *= 0.5  # one common shared word is not enough evidence
        return min(score, 1.0), tuple(shared)

    @staticmethod
    def _claim_credit(qw: "_Query", e: _Entry) -> dict[str, float]:
        """Claim word → how much of it the query explains (same rules as :func:`_credit`)."""
        out: dict[str, float] = {}
        for t in qw.words & e.words:
            out[t] = 1.0
        for t in qw.subs & e.words:
            out.setdefault(t, 0.7)
        for t in qw.chars & e.words:
            out.setdefault(t, 0.5)
        for s in qw.words | qw.subs:
            for parent in e.sub_parents.get(s, ()):
                out.setdefault(parent, 0.4)
        return out

    @staticmethod
    def _conflict(qw: "_Query", e: _Entry, c_credit: dict[str, float]) -> bool:
        """Both sides name something (entity or number) the other does not."""
        if qw.entities and e.entities:
            if any(not _credit(t, e.words, e.subs, e.chars) for t in qw.entities) and any(
                t not in c_credit for t in e.entities
            ):
                return True
        if qw.numbers and e.numbers and not any(_near(a, b) for a in qw.numbers for b in e.numbers):
            return True
        return False

    def search(self, text: str, threshold: float, limit: int, today: _dt.date) -> list[RumorMatch]:
        if limit <= 0 or not self.entries:
            return []
        q = analyze(text)
        if not q.words:
            return []
        qw = self.query_weights(q)
        hits = self.trigger_hits(q)
        acc: dict[int, float] = {}
        for t, wt in qw.weights.items():
            for key in (t, *subwords(t)):
                post = self.postings.get(key)
                if not post or len(post) > _MAX_POSTING:
                    continue
                for i in post:
                    acc[i] = acc.get(i, 0.0) + wt
        for i in hits:
            acc[i] = acc.get(i, 0.0) + 100.0
        cands = heapq.nlargest(_CANDIDATES, acc.items(), key=lambda kv: kv[1]) if len(acc) > _CANDIDATES \
            else list(acc.items())
        scored: list[RumorMatch] = []
        short = len(qw.weights) < _CONTENT_WORDS
        chars_part = 0.5 * sum(w for t, w in qw.weights.items() if len(t) == 1)
        for i, upper in cands:
            # a query-mode score is at most 0.8 * tq + 0.2 (no trigger hit), and q_cred <= postings
            # weight + half the single-character words (matched inside claim words, not in postings)
            if short and i not in hits and 0.8 * min(1.0, (upper + chars_part) / qw.total) + 0.2 < threshold:
                continue
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
