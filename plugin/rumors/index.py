"""In-process rumour index: query or content text → matching rumours, pins and labels.

Matching runs in three steps:

1. *Analysis* (:mod:`plugin.rumors.analysis`): fold, strip question and noise wording,
   numbers and dates, jieba tokens (canonicalised, stop-words dropped, runs of single
   characters as character pairs), content bigrams.
2. *Candidates*: an Aho-Corasick pass over trigger phrases (curated + automatic, see
   :mod:`plugin.rumors.triggers`) plus token postings, keeping the rumours that share the
   most token weight with the text.
3. *Scoring*: weighted token overlap and character-bigram overlap, measured from both
   sides (how much of the text the claim explains, how much of the claim the text
   covers); the larger side counts more, so short searches for part of a claim and long
   posts that repeat a claim both score high. A short query all of whose content words are
   in the claim may cover less of it when those words are specific. Penalties: the query
   names the subject but not what the claim says, asks for information (门票, 简历,
   怎么), shares only names with the claim, replaces the claim's subject with its own
   (喝醋 vs 干手器 ... 杀死病毒), conflicts on places, people, numbers or dates, or omits the
   place / person the claim is about. Automatic trigger hits add a small phrase bonus; a
   curated trigger hit matches outright. The score threshold is calibrated on the dev split
   of ``bench/data/rumor_paraphrases.jsonl`` (``bench/eval_rumors.py``).

Texts of several sentences are matched sentence window by sentence window (1-3 sentences),
each rumour keeping its best window: a rumour inside a long post is not diluted.

Only ``false`` / ``misleading`` rumours pin refutations; ``disputed`` gives a 争议 label
(a limit signal) and no pin; ``true`` gives nothing.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import re
import threading
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any, Iterable

import ahocorasick

from plugin.errors import InputError

from plugin.normalize import BREAK, Prepared, prepare

from plugin.segment import segmenter

from .analysis import (INTENT_WORDS, Analysis, Weights, analyze, analyze_folded, canon, is_entity, is_name, is_pair,
                       number_key, refutes_folded, sound, subwords)
from .backend import RumorBackend
from .models import Refutation, Rumor, RumorStatus
from .triggers import extract_triggers, trigger_key

__all__ = ["DEFAULT_THRESHOLD", "MAX_TEXT_CHARS", "RumorIndex", "RumorMatch", "RumorMatchResult"]

#: Score a rumour must reach to match (calibrated by bench/eval_rumors.py on the dev split).
DEFAULT_THRESHOLD = 0.49
#: Longest text matched; longer texts are cut (posts) rather than refused.
MAX_TEXT_CHARS = 20_000
#: Texts of more than one sentence are matched window by window (1-3 sentences), best window kept.
_SHORT_TEXT = 8  # shorter texts are one window
_WINDOW_SENTENCES = 3
_WINDOW_SEED = 0.5  # a sentence scoring this fraction of the threshold seeds its 2-3 sentence windows
_MAX_UNITS = 400  # distinct sentences (pieces) of a long text that are matched; the rest is ignored
_UNIT_CHARS = 120  # a longer sentence is cut at commas into pieces
_CANDIDATES = 25  # rumours fully scored per query
_CANDIDATES_LONG = 15  # ... per text of _CONTENT_WORDS or more content words (no score bound prunes them)
_MAX_POSTING = 1000  # words in more claims than this only score, they do not nominate candidates
_SCORE_CURATED = 0.95
_MAX_TRIGGER_OWNERS = 50  # automatic trigger phrases in more claims than this are not used
_RELATIVE_CUT = 0.75  # secondary matches must reach this fraction of the best score
_CONTENT_WORDS = 12  # texts with at least this many content words (and 1.5x the claim's) are posts
_INTENT_PENALTY = 0.5
_CONFLICT_PENALTY = 0.5
_MIN_CLAIM_COVER = 0.4
_LOW_COVER_PENALTY = 0.6
_BASE = 0.55  # share of the score the main side gives alone (the rest scales with the other side)
_RARE_WEIGHT = 7.0  # a shared word this informative may match alone (if it is most of the query)
_EVIDENCE = 5.0  # matched query weight that is specific enough to pin a claim the query covers only partly
_FULL_QUERY = 0.85  # query coverage that counts as "every content word of the query is in the claim"
_TOPIC_PENALTY = 0.6  # a query that shares only names with the claim, nothing of what it says
_PAIR_CREDIT = 0.5  # credit of a word all of whose character pairs occur in the other text
_SOUND_CREDIT = 0.8  # credit of a query word that sounds like a claim word (folded pinyin)
_LONG_CLAIM = 40  # content words of a claim above which it is matched without character-pair credit
_SHORT_COVER = 0.5  # a specific, fully explained query needs this fraction of _MIN_CLAIM_COVER
_SUBJECT_PENALTY = 0.7  # each side starts with a subject (first content word) the other lacks
_NAME_PENALTY = 0.7  # the claim names a place / person the query names nothing of


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
    names: tuple[str, ...] = ()  # proper names (places, people, organisations)
    pair_words: tuple[str, ...] = ()  # words that may get character-pair credit (2+ characters)
    long: bool = False  # a post-length claim: no character-pair credit (cost, and little to gain)
    first: str = ""  # the first content word (not a number): usually the subject


def _first_word(a: Analysis) -> str:
    return next((t for t in a.words if not t.startswith("#")), "")


def _near(a: str, b: str) -> bool | None:
    """Numbers ('#60', '#56') equal or within 10 % of each other; dates ('#1月9日') by month and
    day (a month alone, '#1月', agrees with any day of it). ``None``: not comparable (a date and
    a plain number)."""
    ka, kb = number_key(a), number_key(b)
    if ka[0] == "date" and kb[0] == "date":
        return ka[1] == kb[1] and (ka[2] is None or kb[2] is None or ka[2] == kb[2])
    if ka[0] == "num" and kb[0] == "num":
        x, y = ka[1], kb[1]
        return x == y or abs(x - y) <= 0.1 * max(abs(x), abs(y))
    if ka[0] == "str" and kb[0] == "str":
        return a == b
    return None


def _credit(word: str, words: frozenset[str], subs: frozenset[str], chars: frozenset[str],
            bigrams: frozenset[str] = frozenset()) -> float:
    """How much of ``word`` the other text explains: 1 same word, 0.7 part of a longer word,
    0.5 a single character inside one of its words (喷 / 喷洒), 0.4 a sub-word of it present,
    else up to 0.5 for the share of its character pairs found in the other text (驿城区 / 驿城,
    疾控 inside 疾控中心: segmentation differs), else 0."""
    if word in words:
        return 1.0
    if word in subs:
        return 0.7
    if len(word) == 1:
        return 0.5 if word in chars else 0.0
    if is_pair(word):
        c = _sub_credit(word, words | subs, chars)
        if c:
            return c
    else:
        for s in subwords(word):
            if s in words or s in subs:
                return 0.4
    return _pair_credit(word, bigrams)


def _sub_credit(pair: str, present: frozenset[str], inside: frozenset[str] = frozenset()) -> float:
    """Credit of a character pair (挂烫, 喝醋) whose characters the other text has: 0.7 times the
    share of the pair's information in those characters (喝醋 vs 喝: little; vs 醋: most); a
    character only found inside one of the other text's words counts half (病读, a typo, vs 病毒)."""
    total = got = 0.0
    for ch in subwords(pair):
        w = _char_weight(ch)
        total += w
        if ch in present:
            got += w
        elif ch in inside:
            got += 0.5 * w
    return 0.7 * got / total if got else 0.0


@lru_cache(maxsize=50_000)
def _char_weight(ch: str) -> float:
    """Dictionary informativeness of one character (the corpus part does not matter for shares)."""
    return max(_background().background(ch) - 4.0, 1.0)


@lru_cache(maxsize=1)
def _background() -> Weights:
    """Corpus-free weights (dictionary informativeness only)."""
    return Weights()


def _pair_credit(word: str, bigrams: frozenset[str]) -> float:
    if not bigrams or word[0] == "#":
        return 0.0
    n = len(word) - 1
    if n == 1:
        return _PAIR_CREDIT if word in bigrams else 0.0
    k = 0
    for i in range(n):
        if word[i : i + 2] in bigrams:
            k += 1
    return _PAIR_CREDIT * k / n if k else 0.0


class RumorIndex:
    """Immutable-per-build rumour index; :meth:`refresh` rebuilds from the backend.

    ``match`` is thread-safe: a refresh swaps the whole compiled state in one assignment.
    """

    #: ``match`` scores every sentence and run of 2-3 sentences on its own (callers need not
    #: split a title from its body).
    matches_sentence_windows = True

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
        """Rumours ``text`` asserts or asks about, best first (at most ``limit``).

        Texts of several sentences are matched sentence window by sentence window (1-3
        sentences, see :meth:`_State.search_text`); only the first :data:`MAX_TEXT_CHARS`
        characters are read.
        """
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        p = prepare(text[:MAX_TEXT_CHARS])
        matches = self._state.search_text(p, self.threshold, limit, today or _dt.date.today())
        return RumorMatchResult.build(matches, refutes_folded(p.folded) if matches else False)

    def score(self, text: str, rumor_id: str) -> float:
        """The similarity of ``text`` (as one window) to one indexed rumour (0 when unknown): for tuning."""
        state = self._state
        i = state.by_id.get(rumor_id)
        if i is None:
            return 0.0
        q = analyze(text[:MAX_TEXT_CHARS])
        if not q.words:
            return 0.0
        return state.score(q, state.query_weights(q), i, state.trigger_hits(q))[0]

    def explain(self, text: str, rumor_id: str) -> dict[str, Any]:
        """The parts of :meth:`score` (coverages, penalties): for tuning and debugging."""
        state = self._state
        i = state.by_id.get(rumor_id)
        q = analyze(text[:MAX_TEXT_CHARS])
        if i is None or not q.words:
            return {}
        info: dict[str, Any] = {}
        state.score(q, state.query_weights(q), i, state.trigger_hits(q), info)
        return info

    def score_candidates(self, text: str, rumors: Iterable[Rumor], limit: int = 3) -> RumorMatchResult:
        """Score rumours retrieved elsewhere (e.g. ``backend.candidates(text)``) with this index's weights."""
        state = _State.build(rumors, weights=self._state.weights)
        p = prepare(text[:MAX_TEXT_CHARS])
        matches = state.search_text(p, self.threshold, limit, _dt.date.today())
        return RumorMatchResult.build(matches, refutes_folded(p.folded) if matches else False)


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
    names: tuple[str, ...] = ()  # names, and character pairs (often pieces of a name jieba does not know)
    first: str = ""
    homophones: dict[str, set[str]] = field(default_factory=dict)  # word → claim words that sound like it

    @classmethod
    def build(cls, q: Analysis, w: Weights) -> "_Query":
        tw = {t: w.token(t) for t in q.words}
        return cls(
            tw, sum(tw.values()) or 1.0, sum(w.bigram(b) for b in q.bigrams) or 1.0, frozenset(tw), q.subs,
            frozenset(ch for t in tw if len(t) > 1 and not t.startswith("#") for ch in t),
            tuple(t for t in tw if is_entity(t)), tuple(t for t in tw if t.startswith("#")),
            tuple(t for t in tw if t in INTENT_WORDS), tuple(t for t in tw if is_name(t) or is_pair(t)),
            _first_word(q),
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
        self.sounds: dict[str, set[str]] = {}  # folded pinyin → claim words that sound so (typo matching)

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
                tuple(t for t in words if is_entity(t)), tuple(t for t in words if t.startswith("#")),
                tuple(t for t in words if is_name(t)),
                tuple(t for t in words if len(t) > 1 and not t.startswith("#")),
                len(words) > _LONG_CLAIM,
                _first_word(a)))
            st.by_id[r.id] = i
            for t in words | a.subs:
                st.postings.setdefault(t, []).append(i)
            for sw in a.surface:
                c = canon(sw)
                if c in words and len(sw) > 1:
                    st.sounds.setdefault(sound(sw), set()).add(c)
            for t in words:
                if len(t) > 1:
                    st.sounds.setdefault(sound(t), set()).add(t)
        st.sounds.pop("", None)
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
        # an automatic phrase many claims share ("出现确诊病例") says nothing about which claim
        # it is, and would make every one of them a candidate: keep only the curated owners
        for slot, own in enumerate(owners):
            if len(own) > _MAX_TRIGGER_OWNERS:
                owners[slot] = [(i, c) for i, c in own if c]
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
        qw = _Query.build(q, self.weights)
        if self.sounds:
            for t in qw.weights:
                # a typo is a word no claim has, and no dictionary word either (jieba cuts it into
                # characters: a pair)
                if t not in self.postings and (is_pair(t) or not segmenter().is_known(t)):
                    hom = self.sounds.get(sound(t))
                    if hom:
                        qw.homophones[t] = hom
        return qw

    def score(self, q: Analysis, qw: "_Query", i: int, hits: dict[int, tuple[int, bool]],
              info: dict[str, Any] | None = None, floor: float = 0.0) -> tuple[float, tuple[str, ...]]:
        """Similarity of the analysed text to entry ``i`` (see the module docstring); ``info``
        (when given) receives the parts of the score. A result below ``floor`` may be returned
        early as an upper bound (saves scoring candidates that cannot match)."""
        e = self.entries[i]
        n_auto, curated = hits.get(i, (0, False))
        if curated:
            return _SCORE_CURATED, ()
        tw = qw.weights
        shared: list[str] = []
        q_cred = 0.0
        q_missing: list[str] = []
        heard: set[str] = set()  # claim words a query word sounds like (homophone typo: 病读 / 病毒)
        homophones = qw.homophones
        ewords, esubs = e.words, e.subs
        for t, wt in tw.items():
            if t in ewords:
                c = 1.0
            elif t in esubs:
                c = 0.7
            else:
                c = _credit(t, ewords, esubs, e.chars, e.analysis.bigrams)
            if c < _SOUND_CREDIT and homophones:
                hom = homophones.get(t)
                if hom and not hom.isdisjoint(e.words):
                    heard |= hom & e.words
                    c = _SOUND_CREDIT
            if c:
                q_cred += c * wt
                shared.append(t)
            else:
                q_missing.append(t)
        if not shared:
            return 0.0, ()
        n_q = len(tw)
        if n_q < 2:
            return 0.0, tuple(shared)  # a bare topic word is not a claim
        tq = q_cred / qw.total
        post = n_q >= max(_CONTENT_WORDS, 1.5 * len(e.words))
        if not post and info is None:
            upper = 0.8 * tq + 0.2 + 0.05 * min(n_auto, 2)  # query mode: qs <= 0.8 tq + 0.2, factors <= 1
            if upper < floor:
                return upper, tuple(shared)
        c_credit = self._claim_credit(q, qw, e)
        for t in heard:
            if c_credit.get(t, 0.0) < _SOUND_CREDIT:
                c_credit[t] = _SOUND_CREDIT
        c_cred = sum(c * e.weights[t] for t, c in c_credit.items())
        tc = c_cred / e.word_weight
        wb = self.weights.bigram
        eb = e.analysis.bigrams
        sb = sum(wb(b) for b in q.bigrams if b in eb)
        bq, bc = sb / qw.bigram_total, sb / e.bigram_weight
        qs = 0.8 * tq + 0.2 * bq
        cs = 0.8 * tc + 0.2 * bc
        penalties: list[str] = []
        if post:
            score = cs * (_BASE + (1 - _BASE) * qs)  # a post that may repeat the claim
        else:
            score = qs * (_BASE + (1 - _BASE) * cs)  # a search for (part of) the claim
            # a short query covers little of a long claim; that is enough when every content word
            # of the query is in the claim, together they are specific (rare) enough and the claim
            # is not so long that they are a small part of it
            specific = tq >= _FULL_QUERY and q_cred >= _EVIDENCE and cs >= _MIN_CLAIM_COVER * _SHORT_COVER
            if cs < _MIN_CLAIM_COVER and not specific:
                score *= _LOW_COVER_PENALTY  # names the subject but not what the claim says about it
                penalties.append("low_cover")
            if q.intent or any(t not in e.words for t in qw.intent_words):
                score *= _INTENT_PENALTY  # asks for tickets / prices / how-to about the subject
                penalties.append("intent")
            elif not any(not is_name(t) and not t.startswith("#") for t in c_credit):
                score *= _TOPIC_PENALTY  # only names shared, nothing of what the claim says: 约基奇太强了
                penalties.append("topic")
            # each side starts with a subject the other lacks: 喝醋 能杀死新冠病毒 vs 干手器 能在30秒内
            # 杀死新冠病毒 (Chinese claims put the subject first)
            if qw.first and e.first and qw.first in q_missing and e.first not in c_credit:
                score *= _SUBJECT_PENALTY
                penalties.append("subject")
            # the claim is about a named place / person the query does not name: 新增1例 vs 长垣市新增1例
            if e.names and not qw.names and not any(t in c_credit for t in e.names):
                score *= _NAME_PENALTY
                penalties.append("unnamed")
        if self._conflict(qw, e, c_credit):
            score *= _CONFLICT_PENALTY  # different place / person / number: another event
            penalties.append("conflict")
        score += 0.05 * min(n_auto, 2)
        if len(shared) < 2 and not (tw[shared[0]] >= _RARE_WEIGHT and tq >= 0.8):
            score *= 0.5  # one common shared word is not enough evidence
            penalties.append("one_word")
        if info is not None:
            info.update(tq=round(tq, 3), tc=round(tc, 3), bq=round(bq, 3), bc=round(bc, 3),
                        qs=round(qs, 3), cs=round(cs, 3), q_cred=round(q_cred, 2), post=post, shared=shared,
                        missing=q_missing, claim_credit={t: round(c, 2) for t, c in c_credit.items()},
                        penalties=penalties, triggers=n_auto, score=round(min(score, 1.0), 4))
        return min(score, 1.0), tuple(shared)

    @staticmethod
    def _claim_credit(q: Analysis, qw: "_Query", e: _Entry) -> dict[str, float]:
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
                if parent not in out:
                    out[parent] = _sub_credit(parent, qw.words | qw.subs) if is_pair(parent) else 0.4
        if len(out) < len(e.words) and not e.long:
            common = q.bigrams & e.analysis.bigrams
            if common:
                for t in e.pair_words:
                    if t not in out:
                        c = _pair_credit(t, common)
                        if c:
                            out[t] = c
        return out

    @staticmethod
    def _conflict(qw: "_Query", e: _Entry, c_credit: dict[str, float]) -> bool:
        """Both sides name something (entity or number) the other does not."""
        if qw.entities and e.entities:
            if any(not _credit(t, e.words, e.subs, e.chars, e.analysis.bigrams) for t in qw.entities) and any(
                t not in c_credit for t in e.entities
            ):
                return True
        if qw.numbers and e.numbers:
            near = [_near(a, b) for a in qw.numbers for b in e.numbers]
            if not any(near) and any(n is False for n in near):
                return True  # comparable numbers / dates, none agreeing
        return False

    def candidates_scored(self, q: Analysis, threshold: float, only: Iterable[int] | None = None,
                          seen: dict[int, float] | None = None) -> dict[int, tuple[float, tuple[str, ...]]]:
        """entry → (score, shared words) for the entries of one analysed text scoring >= threshold.

        ``only``: score just these entries (no candidate search); ``seen`` receives the score (or
        an upper bound below the threshold) of every entry scored."""
        out: dict[int, tuple[float, tuple[str, ...]]] = {}
        if not q.words or not self.entries:
            return out
        qw = self.query_weights(q)
        hits = self.trigger_hits(q)
        if only is not None:
            for i in only:
                s, shared = self.score(q, qw, i, hits, floor=threshold)
                if s >= threshold:
                    out[i] = (s, shared)
            return out
        acc: dict[int, float] = {}
        get = acc.get
        postings = self.postings
        for t, wt in qw.weights.items():
            for key in (t, *subwords(t)):
                post = postings.get(key)
                if not post or len(post) > _MAX_POSTING:
                    continue
                for i in post:
                    acc[i] = get(i, 0.0) + wt
        if qw.homophones:  # claims with a word that sounds like a query word (homophone typos)
            for t, wt in qw.weights.items():
                for h in qw.homophones.get(t, ()):
                    post = self.postings.get(h) if h != t else None
                    if post and len(post) <= _MAX_POSTING:
                        for i in post:
                            acc[i] = acc.get(i, 0.0) + _SOUND_CREDIT * wt
        for i in hits:
            acc[i] = acc.get(i, 0.0) + 100.0
        short = len(qw.weights) < _CONTENT_WORDS
        # a query-mode score is at most 0.8 * tq + 0.2 (+ 0.1 for trigger hits), and q_cred <= postings
        # weight (with the claim words a query word sounds like) + half the single-character words
        # (matched inside claim words, not in postings); character-pair credit is left out of this
        # bound (a weak signal, and the bound keeps matching fast)
        chars_part = 0.5 * sum(w for t, w in qw.weights.items() if len(t) == 1)
        if short:
            need = (threshold - 0.2) / 0.8 * qw.total - chars_part
            if need > 0:
                acc = {i: v for i, v in acc.items() if v >= need}  # trigger hits carry +100
        cands = heapq.nlargest(min(_CANDIDATES if short else _CANDIDATES_LONG, len(acc)), acc, key=acc.__getitem__)
        best = 0.0
        for i in cands:
            if short and seen is None and i not in hits:
                # candidates come in falling bound order: once a bound is under the relative cut
                # of the best score so far, no later candidate can be kept
                if 0.8 * min(1.0, (acc[i] + chars_part) / qw.total) + 0.3 < best * _RELATIVE_CUT:
                    break
            floor = max(threshold, best * _RELATIVE_CUT)  # below it: cut later anyway
            s, shared = self.score(q, qw, i, hits, floor=floor)
            if seen is not None:
                seen[i] = s
            if s >= floor:
                out[i] = (s, shared)
                best = max(best, s)
        return out

    def _finish(self, found: dict[int, tuple[float, tuple[str, ...]]], limit: int,
                today: _dt.date) -> list[RumorMatch]:
        scored: list[RumorMatch] = []
        for i, (s, shared) in found.items():
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

    def search(self, q: Analysis, threshold: float, limit: int, today: _dt.date) -> list[RumorMatch]:
        """Matches of one analysed text (one window)."""
        if limit <= 0:
            return []
        return self._finish(self.candidates_scored(q, threshold), limit, today)

    def search_text(self, p: Prepared, threshold: float, limit: int, today: _dt.date) -> list[RumorMatch]:
        """Matches of a text: the best over its sentence windows.

        The text is cut into sentences (。！？!?；; and line breaks; a sentence over
        :data:`_UNIT_CHARS` characters also at commas); each sentence is matched like a query,
        and each run of 2-3 consecutive sentences is scored against the rumours one of its
        sentences nearly matched (>= ``_WINDOW_SEED`` x threshold). Each rumour keeps its best
        window score: a rumour inside a long post scores as it would alone, and unrelated text
        around it does not dilute it. A text of one sentence is one window.
        """
        if limit <= 0 or not self.entries:
            return []
        units = _units(p.folded) if len(p.text) > _SHORT_TEXT else []
        if len(units) <= 1:
            return self.search(analyze_folded(p.folded), threshold, limit, today)
        # repeated sentences (spam, boilerplate) are analysed and matched once
        cache: dict[str, Analysis] = {}
        analyses: list[Analysis] = []
        for u in units:
            a = cache.get(u)
            if a is None:
                if len(cache) >= _MAX_UNITS:
                    break
                a = cache[u] = analyze_folded(u)
            analyses.append(a)
        best: dict[int, tuple[float, tuple[str, ...]]] = {}

        def keep(found: dict[int, tuple[float, tuple[str, ...]]]) -> None:
            for i, (s, shared) in found.items():
                if i not in best or s > best[i][0]:
                    best[i] = (s, shared)

        # one sentence at a time: full candidate search; remember what each sentence nearly matched
        near_by_words: dict[frozenset[str], set[int]] = {}
        near: list[set[int]] = []
        for a in analyses:
            key = frozenset(a.words)
            if key not in near_by_words:
                seen: dict[int, float] = {}
                keep(self.candidates_scored(a, threshold, seen=seen))
                near_by_words[key] = {i for i, s in seen.items() if s >= _WINDOW_SEED * threshold}
            near.append(near_by_words[key])
        # 2-3 consecutive sentences: only the rumours one of them nearly matched
        done: set[tuple[int, ...]] = set()
        for start in range(len(analyses)):
            for k in range(2, _WINDOW_SENTENCES + 1):
                if start + k > len(analyses):
                    break
                seeds = set().union(*near[start : start + k])
                if not seeds:
                    continue
                ident = tuple(id(a) for a in analyses[start : start + k])
                if ident in done:
                    continue
                done.add(ident)
                keep(self.candidates_scored(_join(analyses[start : start + k]), threshold, only=seeds))
        return self._finish(best, limit, today)


_UNIT_SPLIT = re.compile("[，,：:、]")


def _units(folded: str) -> list[str]:
    """Sentences of a folded text (split at its sentence ends); long ones cut at commas."""
    out: list[str] = []
    for sent in folded.split(BREAK):
        sent = sent.strip()
        if not sent:
            continue
        if len(sent) <= _UNIT_CHARS:
            out.append(sent)
            continue
        piece = ""
        for part in _UNIT_SPLIT.split(sent):
            if piece and len(piece) + len(part) > _UNIT_CHARS:
                out.append(piece)
                piece = ""
            piece = piece + "，" + part if piece else part
        if piece:
            out.append(piece)
    return out


def _join(parts: list[Analysis]) -> Analysis:
    """One analysis for consecutive sentences (words in order, sub-words, bigrams, intent)."""
    words: dict[str, None] = {}
    surface: list[str] = []
    subs: set[str] = set()
    bigrams: set[str] = set()
    intent = False
    for a in parts:
        for w in a.words:
            words.setdefault(w, None)
        surface.extend(a.surface)
        subs |= a.subs
        bigrams |= a.bigrams
        intent = intent or a.intent
    return Analysis(tuple(words), frozenset(subs - words.keys()), tuple(surface), frozenset(bigrams), intent)
