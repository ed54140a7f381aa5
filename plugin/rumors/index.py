"""In-process rumour index: query or content text → matching rumours, pins and labels.

Matching runs in three steps:

1. *Analysis* (:mod:`plugin.rumors.analysis`): fold (:func:`plugin.normalize.prepare`, shared
   with the matcher), strip question and noise wording, numbers and dates, jieba tokens
   (canonicalised, stop-words dropped, runs of single characters as character pairs), content
   bigrams.
2. *Candidates* (this module): an Aho-Corasick pass over trigger phrases (curated + automatic,
   see :mod:`plugin.rumors.triggers`) plus token postings, keeping the rumours that share the
   most token weight with the text (:func:`top_candidates`, in C when built).
3. *Scoring* (:mod:`plugin.rumors.scoring`): weighted token and character-bigram overlap from
   both sides, with penalties (a candidate whose upper bound, ``ClaimScorer.bound``, is under the
   floor it needs is not scored); every tuning constant, the pin threshold included, is a field of
   :class:`~plugin.rumors.scoring.RumorScoring`, passed to the index
   (``RumorIndex(rumors, scoring=RumorScoring(threshold=0.55))``).

Texts of several sentences are matched sentence window by sentence window (1-3 sentences,
:mod:`plugin.rumors.windows`), each rumour keeping its best window: a rumour inside a long post
is not diluted.

Only ``false`` / ``misleading`` rumours pin refutations; ``disputed`` gives a 争议 label
(a limit signal) and no pin; ``true`` gives nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from array import array
import heapq
import logging
from bisect import bisect_left
import threading
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

import ahocorasick
import numpy as np

from plugin.errors import InputError
from plugin.policy import RUMOR_VERDICTS
from plugin.normalize import Prepared, prepare
from plugin.segment import segmenter

from . import windows
from .analysis import Analysis, Weights, analyze, analyze_folded, canon, is_pair, refutes_folded, sound, subwords
from .backend import RumorBackend
from .clusters import Clusters, core_claim, find_clusters
from .decision import PinModel, PinTiers, decision_margin, default_model, pair_features, shifts_topic
from .models import PinTier, Rumor, RumorMatch, RumorMatchResult
from .prefilter import PreFilter
from .scoring import DEFAULT_SCORING, ClaimFeatures, ClaimScorer, QueryFeatures, RumorScoring, char_cover
from .semantic import MAX_CHARS as EMBED_CHARS
from .semantic import RETRIEVAL_MAX_CHARS, ClaimVectors, SemanticConfirm
from .triggers import extract_triggers, trigger_key

log = logging.getLogger("qinglang.rumors")

try:  # the candidate search in C (cscoring.c); top_candidates below is its twin
    from . import cscoring
except ImportError:  # pragma: no cover - not built: the twin
    cscoring = None  # type: ignore[assignment]

__all__ = ["DEFAULT_THRESHOLD", "MAX_TEXT_CHARS", "RumorIndex"]

#: Score a rumour must reach to match (:attr:`RumorScoring.threshold`, calibrated by bench/eval_rumors.py).
DEFAULT_THRESHOLD = DEFAULT_SCORING.threshold
#: Longest text matched; longer texts are cut (posts) rather than refused.
MAX_TEXT_CHARS = 20_000
#: Analyses of query texts kept (queries and titles repeat; the analysis is the costly part).
ANALYSIS_CACHE = 20_000

#: The analysis of a query text, cached per text (claims are analysed once per build, uncached).
query_analysis = lru_cache(maxsize=ANALYSIS_CACHE)(analyze_folded)


class RumorIndex:
    """Immutable-per-build rumour index; :meth:`refresh` rebuilds from the backend.

    ``scoring`` holds the tuning parameters (:class:`~plugin.rumors.scoring.RumorScoring`);
    ``threshold``, when given, replaces its pin threshold. ``match`` is thread-safe: a refresh
    swaps the whole compiled state in one assignment.
    """

    #: ``match`` scores every sentence and run of 2-3 sentences on its own (callers need not
    #: split a title from its body).
    matches_sentence_windows = True

    def __init__(self, rumors: Iterable[Rumor], *, scoring: RumorScoring = DEFAULT_SCORING,
                 threshold: float | None = None, backend: RumorBackend | None = None,
                 model: PinModel | None | str = "default", tiers: PinTiers | None = None,
                 semantic: SemanticConfirm | None = None) -> None:
        if threshold is not None:
            scoring = dataclasses.replace(scoring, threshold=threshold)
        self.scoring = scoring
        if isinstance(model, str):
            if model != "default":
                raise ValueError(f"model must be a PinModel, None or 'default', got {model!r}")
            # an explicit threshold asks for the threshold decision (tuning, evaluation)
            model = default_model() if threshold is None else None
        self.model = model
        self.tiers = tiers or (model.tiers if model is not None else None)
        #: the optional second look at related matches (:mod:`plugin.rumors.semantic`; off: ``None``)
        self.semantic = semantic
        self._backend = backend
        self._revision = backend.revision() if backend is not None else None
        self._lock = threading.Lock()
        self._state = _State.build(rumors, scoring)
        self._state.decider = self._decider()
        self._generation = 0
        self._semantic_failed = False  # a semantic-layer failure was logged (once per index)

    @property
    def generation(self) -> int:
        """Moves whenever the same text may match differently: a rebuild (:meth:`refresh`), or the semantic
        retrieval's claim vectors becoming ready. Callers that memoise matches forget them when it moves."""
        return self._generation

    def _moved(self) -> None:
        self._generation += 1

    @property
    def retrieves(self) -> bool:
        """Whether :meth:`match` has the semantic retrieval, a costly second path (an embedding per text)
        a caller can leave out for a text (``retrieve=False``)."""
        return self.semantic is not None and self.semantic.retrieval is not None

    def _decider(self) -> "tuple[PinModel, PinTiers] | None":
        return (self.model, self.tiers) if self.model is not None and self.tiers is not None else None

    @property
    def threshold(self) -> float:
        """The pin threshold (:attr:`scoring.threshold <plugin.rumors.scoring.RumorScoring.threshold>`)."""
        return self.scoring.threshold

    @classmethod
    def from_store(cls, store: RumorBackend, **kwargs: Any) -> "RumorIndex":
        """Load every rumour of ``store``; :meth:`refresh` picks up later changes."""
        revision = store.revision()
        index = cls(store.iterate(), backend=store, **kwargs)
        index._revision = revision
        return index

    def __len__(self) -> int:
        """The number of rumours indexed (their match keys may be more: core claims of rulings)."""
        return len(self._state.rumors)

    def refresh(self, *, force: bool = False) -> bool:
        """Rebuild from the backend if it changed since the last build; True when rebuilt."""
        if self._backend is None:
            return False
        with self._lock:
            revision = self._backend.revision()
            if not force and revision == self._revision:
                return False
            state = _State.build(self._backend.iterate(), self.scoring)
            state.decider = self._decider()
            self._state = state
            self._revision = revision
            self._moved()
            return True

    def match(self, text: str, limit: int = 3, *, today: _dt.date | None = None,
              retrieve: bool = True) -> RumorMatchResult:
        """Rumours ``text`` asserts or asks about, best first (at most ``limit``).

        Texts of several sentences are matched sentence window by sentence window (1-3
        sentences, :mod:`plugin.rumors.windows`); only the first :data:`MAX_TEXT_CHARS`
        characters are read. ``retrieve=False`` leaves out the semantic retrieval (:attr:`retrieves`).
        A failure of the semantic layer (its model missing or failing) leaves the lexical decision, logged.
        """
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        p = prepare(text[:MAX_TEXT_CHARS])
        state = self._state
        if not state.may_match(p.folded):
            # no claim shares two key terms with the text: no lexical analysis needed (nor the date: the
            # ~98 % of titles that stop here cost the filter alone)
            if retrieve and self.semantic is not None:
                return self._retrieve(text, p, state, today or _dt.date.today()) or _NOTHING
            return _NOTHING
        today = today or _dt.date.today()
        matches = state.search_text(p, limit, today)
        result = RumorMatchResult.build(matches, refutes_folded(p.folded) if matches else False)
        sem = self.semantic
        if sem is not None and not result.pins:
            if result.related:
                lexical = result
                try:
                    result = sem.confirm(text, lexical)
                except Exception:  # the embedding model is a second opinion: never fail a check on it
                    self._semantic_failure()
            if not result.pins and retrieve:
                result = self._retrieve(text, p, state, today) or result
        return result

    def _semantic_failure(self) -> None:
        """Log the first failure of the semantic layer (called in an ``except`` block); the lexical decision
        stands."""
        if not self._semantic_failed:
            self._semantic_failed = True
            log.exception("rumour semantic layer failed; serving the lexical decision")

    def semantic_candidate(self, text: str, *, today: _dt.date | None = None
                           ) -> tuple[RumorMatch, list[float]] | None:
        """The nearest cluster of a one-sentence text by the semantic retrieval (its closest pinnable key, as a
        match) with the values of :data:`plugin.rumors.semantic.RETRIEVAL_FEATURES`; ``None`` without a semantic
        embedder, for a longer text, or while the claim vectors are being built (:meth:`warm_semantic`). For
        training and evaluating the retrieval model."""
        p = prepare(text[:MAX_TEXT_CHARS])
        return self._semantic_pair(text, p, self._state, today or _dt.date.today())

    def warm_semantic(self) -> bool:
        """Embed the claims for the semantic retrieval now (else a background thread does it on first need);
        False without a semantic embedder."""
        if self.semantic is None:
            return False
        self._state.claim_vectors(self.semantic, wait=True)
        return True

    def _semantic_pair(self, text: str, p: Prepared, state: "_State", today: _dt.date
                       ) -> tuple[RumorMatch, list[float]] | None:
        sem = self.semantic
        if sem is None or len(p.folded) > RETRIEVAL_MAX_CHARS or len(windows.units(p.folded)) > 1:
            return None
        vectors = state.claim_vectors(sem, on_ready=self._moved if state is self._state else None)
        if vectors is None:
            return None
        q = query_analysis(p.folded)
        if not q.words:
            return None
        near = vectors.nearest(sem.embedder.query(text[:RETRIEVAL_MAX_CHARS]))
        if near is None:
            return None
        i, cosine, margin = near
        qw, hits = state.query_weights(q), state.trigger_hits(q)
        ranked = state._finish_entries({i: state.score(q, qw, i, hits)}, 1, today)
        if not ranked:
            return None  # not active today
        m = ranked[0][0]
        return m, [cosine, margin, *state.pair_features(q, qw, hits, i, m, 0.0, 0)]

    def _retrieve(self, text: str, p: Prepared, state: "_State", today: _dt.date) -> RumorMatchResult | None:
        """The semantic retrieval's pin or related card for a text the lexical decision pinned nothing for
        (:mod:`plugin.rumors.semantic`); ``None`` when it is off or finds nothing sure enough."""
        model = self.semantic.retrieval if self.semantic is not None else None
        if model is None:
            return None
        try:
            pair = self._semantic_pair(text, p, state, today)
        except Exception:  # the embedding model is a second opinion: never fail a check on it
            self._semantic_failure()
            return None
        if pair is None:
            return None
        m, values = pair
        prob = model.probability(values)
        tier = model.tier(prob)
        if tier is None:
            return None
        found = dataclasses.replace(m, confidence=prob, tier=tier, semantic=True)
        return RumorMatchResult.build([found], refutes_folded(p.folded))

    def cluster_of(self, rumor_id: str) -> str:
        """The id of the cluster of near-duplicate claims ``rumor_id`` belongs to (its canonical rumour's id;
        the rumour's own id when it is alone or unknown)."""
        state = self._state
        i = state.by_id.get(rumor_id)
        if i is None:
            return rumor_id
        return state.rumors[state.clusters.canonical[state.rumor_of[i]]].id

    def cluster_members(self, rumor_id: str) -> tuple[str, ...]:
        """The ids of every rumour in ``rumor_id``'s cluster (canonical first)."""
        state = self._state
        head = self.cluster_of(rumor_id)
        i = state.by_id.get(head)
        if i is None:
            return (rumor_id,)
        c = state.rumor_of[i]
        return (head, *sorted(r.id for ri, r in enumerate(state.rumors) if state.clusters.canonical[ri] == c and ri != c))

    @property
    def cluster_count(self) -> int:
        """Clusters of two or more near-duplicate claims."""
        return self._state.clusters.count

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

    def candidate_features(self, text: str, limit: int = 3, *, today: _dt.date | None = None
                           ) -> list[tuple[RumorMatch, list[float]]]:
        """The best candidates of a one-sentence text (score >= ``scoring.candidate_floor``, or a lower score
        with most of the text's characters in the claim; one per cluster) with their pin-decision features (:data:`plugin.rumors.decision.FEATURES`): for
        training and evaluating the decision."""
        q = analyze(text[:MAX_TEXT_CHARS])
        return self._state.featurize(q, limit, today or _dt.date.today())

    def score_candidates(self, text: str, rumors: Iterable[Rumor], limit: int = 3) -> RumorMatchResult:
        """Score rumours retrieved elsewhere (e.g. ``backend.candidates(text)``) with this index's weights."""
        state = _State.build(rumors, self.scoring, weights=self._state.weights)
        state.decider = self._decider()
        p = prepare(text[:MAX_TEXT_CHARS])
        matches = state.search_text(p, limit, _dt.date.today())
        return RumorMatchResult.build(matches, refutes_folded(p.folded) if matches else False)


_NOTHING = RumorMatchResult()


def top_candidates(keys: list[tuple[Sequence[int], float]], sounds: list[tuple[Sequence[int], float]],
                   hits: dict[int, tuple[int, bool]], need: float, k: int) -> list[tuple[int, float]]:
    """The ``k`` best entries of the postings (the C search, ``cscoring.top_candidates``, is its twin): each entry
    gets the weight of every posting of ``keys`` (rarest first) and then of ``sounds`` (claims with a word that
    sounds like a query word) holding it, and 100 per trigger hit; when ``need`` > 0 only entries reaching it
    count. (entry, sum), highest first, ties in the order entries were met."""
    acc: dict[int, float] = {}
    get = acc.get
    # once the weight of the keys left (homophones included) cannot lift a claim not yet seen to ``need``,
    # the longer postings only add to the claims already found (looked up by bisection in the sorted
    # posting, not walked)
    rest = sum(wt for _post, wt in keys) + sum(wt for _post, wt in sounds)
    for post, wt in keys:
        if acc and need > 0 and rest < need and len(post) > len(acc):
            for i in acc:
                j = bisect_left(post, i)
                if j < len(post) and post[j] == i:
                    acc[i] += wt
        else:
            for i in post:
                acc[i] = get(i, 0.0) + wt
        rest -= wt
    for post, wt in sounds:
        for i in post:
            acc[i] = get(i, 0.0) + wt
    for i in hits:
        acc[i] = acc.get(i, 0.0) + 100.0
    if need > 0:
        acc = {i: v for i, v in acc.items() if v >= need}  # trigger hits carry +100
    return [(i, acc[i]) for i in heapq.nlargest(min(k, len(acc)), acc, key=acc.__getitem__)]


_NO_HIT = (0, False)
#: margin of :meth:`ClaimScorer.bound <plugin.rumors.scoring.ClaimScorer.bound>` against the floor (the bound
#: sums in another order than the score: rounding must never skip a candidate the score would keep)
_EPS = 1e-9


class _State:
    """The compiled index: entries, postings, trigger automaton, weights."""

    def __init__(self, scoring: RumorScoring, weights: Weights) -> None:
        self.params = scoring
        self.weights = weights
        self.scorer = ClaimScorer(weights, scoring)
        self.entries: list[ClaimFeatures] = []  # one per match key: a claim, or the core claim a ruling quotes
        self.by_id: dict[str, int] = {}  # rumour id → its first entry
        self.rumors: list[Rumor] = []
        self.rumor_of: list[int] = []  # entry → rumour (index into ``rumors``)
        self.key_texts: list[str] = []  # entry → the text it was analysed from
        self.clusters = Clusters((), ())
        self.postings: dict[str, Sequence[int]] = {}  # word → entries holding it, ascending (array('i') once built)
        self.automaton: Any = None
        self.trigger_owners: list[list[tuple[int, bool]]] = []  # automaton value → [(entry, curated)]
        self.sounds: dict[str, set[str]] = {}  # folded pinyin → claim words that sound so (typo matching)
        self.decider: tuple[PinModel, PinTiers] | None = None  # the learned pin decision (None: the threshold)
        self.prefilter: PreFilter | None = None
        self.vectors: ClaimVectors | None = None  # the semantic retrieval's claim vectors (built on first need)
        self._vectors_lock = threading.Lock()  # held while the vectors are built
        self._vectors_started = threading.Lock()  # held only to start the build once
        self._vectors_building = False

    @classmethod
    def build(cls, rumors: Iterable[Rumor], scoring: RumorScoring, weights: Weights | None = None) -> "_State":
        rumor_list = list(rumors)
        claims = [analyze(" ".join((r.claim, *r.triggers))) for r in rumor_list]
        # match keys: each claim, plus the short core claim a ruling quotes (an extra key of the same rumour)
        analyses = [(ri, r, a) for ri, (r, a) in enumerate(zip(rumor_list, claims))]
        key_texts = [r.claim for r in rumor_list]
        for ri, r in enumerate(rumor_list):
            core = core_claim(r)
            if core:
                analyses.append((ri, r, analyze(core)))
                key_texts.append(core)
        if weights is None:  # weights of this corpus (else: the weights of another index)
            weights = Weights()
            for _ri, _r, a in analyses:
                weights.add(a)
        st = cls(scoring, weights)
        st.rumors = rumor_list
        st.key_texts = key_texts
        st.clusters = find_clusters(rumor_list, claims, weights)
        postings: dict[str, list[int]] = {}
        for i, (ri, r, a) in enumerate(analyses):
            e = st.scorer.claim(r, a)
            st.entries.append(e)
            st.rumor_of.append(ri)
            st.by_id.setdefault(r.id, i)
            for t in e.words | a.subs:
                postings.setdefault(t, []).append(i)
            for sw in a.surface:
                c = canon(sw)
                if c in e.words and len(sw) > 1:
                    st.sounds.setdefault(sound(sw), set()).add(c)
            for t in e.words:
                if len(t) > 1:
                    st.sounds.setdefault(sound(t), set()).add(t)
        st.sounds.pop("", None)
        # postings as C ints: the candidate search reads each entry from the array's buffer instead of an int
        # object per entry (at 100k rumours a posting holds up to max_posting entries, scattered objects)
        st.postings = {t: array("i", post) for t, post in postings.items()}
        st._build_triggers()
        st.prefilter = PreFilter([e.analysis for e in st.entries], [r.triggers for r in rumor_list],
                                 max_posting=scoring.max_posting, texts=key_texts).compacted()
        return st

    def claim_vectors(self, semantic: SemanticConfirm, *, wait: bool = False,
                      on_ready: Callable[[], None] | None = None) -> ClaimVectors | None:
        """The vectors of the pinnable match keys for the semantic retrieval: built in a background thread on the
        first call (``None`` until ready; ``on_ready`` is called once they are), or here when ``wait``. A failed
        build is logged and not tried again for this state (the retrieval stays off)."""
        if self.vectors is not None:
            return self.vectors
        if wait:
            with self._vectors_lock:
                if self.vectors is None:
                    self.vectors = self._embed_claims(semantic)
            return self.vectors
        with self._vectors_started:  # never waits for a build: a text is matched without the retrieval meanwhile
            if self._vectors_building:
                return None
            self._vectors_building = True

        def build() -> None:
            try:
                with self._vectors_lock:
                    if self.vectors is None:
                        self.vectors = self._embed_claims(semantic)
            except Exception:  # noqa: BLE001 - a thread's failure goes to the log, the retrieval stays off
                log.exception("rumour claim vectors could not be built; the semantic retrieval is off")
                return
            if on_ready is not None:
                on_ready()

        threading.Thread(target=build, name="rumor-claim-vectors", daemon=True).start()
        return None

    def _embed_claims(self, semantic: SemanticConfirm) -> ClaimVectors:
        keys = [i for i, ri in enumerate(self.rumor_of) if RUMOR_VERDICTS[self.rumors[ri].status.value].pins]
        texts = [self.key_texts[i][:EMBED_CHARS] for i in keys]
        vectors = semantic.embedder.passages(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        return ClaimVectors(keys, [self.clusters.canonical[self.rumor_of[i]] for i in keys], vectors)

    def may_match(self, folded: str) -> bool:
        """The pre-filter (:mod:`plugin.rumors.prefilter`): False when no claim can match ``folded``."""
        return self.prefilter is None or self.prefilter.passes(folded)

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
            if self.by_id[e.rumor.id] == i:  # curated triggers once, on the rumour's own claim
                for phrase in e.rumor.triggers:
                    add(phrase, i, True)
            # the entry's analysis is the key text's when the rumour has no curated phrases (analysed once)
            analysed = self.by_id[e.rumor.id] != i or not e.rumor.triggers
            for phrase in extract_triggers(self.key_texts[i], self.weights.token,
                                           surface=e.analysis.surface if analysed else None):
                add(phrase, i, False)
        # an automatic phrase many claims share ("出现确诊病例") says nothing about which claim
        # it is, and would make every one of them a candidate: keep only the curated owners
        for slot, own in enumerate(owners):
            if len(own) > self.params.max_trigger_owners:
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

    def query_weights(self, q: Analysis) -> QueryFeatures:
        """The scoring features of a text, with the claim words its unknown words sound like."""
        qw = self.scorer.query(q)
        if self.sounds:
            for t in qw.weights:
                # a typo is a word no claim has, and no dictionary word either (jieba cuts it into
                # characters: a pair)
                if t not in self.postings and (is_pair(t) or not segmenter().is_known(t)):
                    hom = self.sounds.get(sound(t))
                    if hom:
                        qw.homophones[t] = hom
        return qw

    def score(self, q: Analysis, qw: QueryFeatures, i: int, hits: dict[int, tuple[int, bool]],
              info: dict[str, Any] | None = None, floor: float = 0.0) -> tuple[float, tuple[str, ...]]:
        """:meth:`ClaimScorer.score <plugin.rumors.scoring.ClaimScorer.score>` of entry ``i``."""
        return self.scorer.score(q, qw, self.entries[i], hits.get(i, (0, False)), info, floor)

    def candidates_scored(self, q: Analysis, threshold: float, only: Iterable[int] | None = None,
                          seen: dict[int, float] | None = None,
                          features: "tuple[QueryFeatures, dict[int, tuple[int, bool]]] | None" = None) -> windows.Found:
        """entry → (score, shared words) for the entries of one analysed text scoring >= threshold.

        ``only``: score just these entries (no candidate search); ``seen`` receives the score (or
        an upper bound below the threshold) of every entry scored."""
        out: windows.Found = {}
        if not q.words or not self.entries:
            return out
        p = self.params
        qw, hits = features or (self.query_weights(q), self.trigger_hits(q))
        bound = self.scorer.bound
        entries = self.entries
        if only is not None:
            for i in only:
                if bound(q, qw, entries[i], hits.get(i, _NO_HIT)) < threshold - _EPS:
                    continue  # cannot reach the threshold (ClaimScorer.bound)
                s, shared = self.score(q, qw, i, hits, floor=threshold)
                if s >= threshold:
                    out[i] = (s, shared)
            return out
        short = len(qw.weights) < p.content_words
        # a query-mode score is at most 0.8 * tq + 0.2 (+ 0.1 for trigger hits), and q_cred <= postings
        # weight (with the claim words a query word sounds like) + half the single-character words
        # (matched inside claim words, not in postings); character-pair credit is left out of this
        # bound (a weak signal, and the bound keeps matching fast)
        chars_part = 0.5 * sum(w for t, w in qw.weights.items() if len(t) == 1)
        need = (threshold - 0.2) / 0.8 * qw.total - chars_part if short else 0.0
        postings = self.postings
        keys = [(post, wt) for t, wt in qw.weights.items() for key in (t, *subwords(t))
                if (post := postings.get(key)) and len(post) <= p.max_posting]
        sounds = [(post, p.sound_credit * wt) for t, wt in qw.weights.items() for h in qw.homophones.get(t, ())
                  if h != t and (post := postings.get(h)) and len(post) <= p.max_posting]
        keys.sort(key=lambda kw: len(kw[0]))  # rarest keys first (see top_candidates)
        k = p.candidates if short else p.candidates_long
        ranked = (cscoring.top_candidates(keys, sounds, hits, need, k) if cscoring is not None
                  else top_candidates(keys, sounds, hits, need, k))
        acc = dict(ranked)
        cands = [i for i, _v in ranked]
        best = 0.0
        for i in cands:
            if short and seen is None and i not in hits:
                # candidates come in falling bound order: once a bound is under the relative cut
                # of the best score so far, no later candidate can be kept
                if 0.8 * min(1.0, (acc[i] + chars_part) / qw.total) + 0.3 < best * p.relative_cut:
                    break
            floor = max(threshold, best * p.relative_cut)  # below it: cut later anyway
            if seen is None and bound(q, qw, entries[i], hits.get(i, _NO_HIT)) < floor - _EPS:
                continue  # cannot reach the floor (ClaimScorer.bound): not scored, as if scored below it
            s, shared = self.score(q, qw, i, hits, floor=floor)
            if seen is not None:
                seen[i] = s
            if s >= floor:
                out[i] = (s, shared)
                best = max(best, s)
        return out

    def _finish(self, found: windows.Found, limit: int, today: _dt.date) -> list[RumorMatch]:
        return [m for m, _i in self._finish_entries(found, limit, today)]

    def _finish_entries(self, found: windows.Found, limit: int, today: _dt.date) -> list[tuple[RumorMatch, int]]:
        # one match per cluster of near-duplicate claims: its best-scoring key (a hit on any member
        # counts for the cluster), shown with the cluster's canonical refutation
        best: dict[int, tuple[float, str, int, int, tuple[str, ...]]] = {}
        for i, (s, shared) in found.items():
            ri = self.rumor_of[i]
            r = self.rumors[ri]
            if not r.active_on(today):
                continue
            c = self.clusters.canonical[ri]
            old = best.get(c)
            if old is None or (-s, r.id) < (-old[0], old[1]):
                best[c] = (s, r.id, ri, i, shared)
        scored: list[tuple[RumorMatch, int]] = []
        for c, (s, _rid, ri, i, shared) in best.items():
            r = self.rumors[ri]
            size = self.clusters.size[ri]
            head = self.rumors[c]
            canonical = head.refutations[0] if c != ri and head.refutations else None
            trig = "curated" if s == self.params.curated_score and not shared else ""
            scored.append((RumorMatch(r, s, shared, trig, head.id if size > 1 else "", size, canonical), i))
        scored.sort(key=lambda mi: (-mi[0].score, mi[0].rumor.id))
        if scored:
            floor = scored[0][0].score * self.params.relative_cut
            scored = [mi for mi in scored if mi[0].score >= floor]
        return scored[:limit]

    def admitted(self, q: Analysis, qw: QueryFeatures, found: windows.Found) -> windows.Found:
        """The candidates the decision weighs: a score of at least ``candidate_floor``, or of at least
        ``rescue_floor`` when the claim holds ``rescue_char_cover`` of the text's informative characters
        (:func:`~plugin.rumors.scoring.char_cover`): a colloquial wording says the claim's words another way
        but keeps most of their characters (车里 / 开车, 防不住 / 防护, 拉回 / 运回). Not for a text that asks
        for information (门票, 怎么, 哪一年) or turns to another event of the claim's subject
        (:func:`~plugin.rumors.decision.shifts_topic`): those share characters with the claim and ask
        something else."""
        p = self.params
        asks = q.intent or bool(qw.intent_words)
        entries = self.entries
        return {i: v for i, v in found.items()
                if v[0] >= p.candidate_floor
                or (not asks and char_cover(q.dense, entries[i].analysis.dense) >= p.rescue_char_cover
                    and not shifts_topic(qw.weights, entries[i].weights, entries[i].analysis.dense))}

    def featurize(self, q: Analysis, limit: int, today: _dt.date) -> list[tuple[RumorMatch, list[float]]]:
        """The best candidates of one analysed text (one per cluster, :meth:`admitted`) with their
        pin-decision features."""
        if not self.entries or not q.words:
            return []
        qw, hits = self.query_weights(q), self.trigger_hits(q)
        found = self.admitted(q, qw, self.candidates_scored(q, self.params.rescue_floor, features=(qw, hits)))
        if not found:
            return []
        ranked = self._finish_entries(found, max(limit, 3), today)
        matches = [m for m, _i in ranked]
        return [(m, self.pair_features(q, qw, hits, i, m, decision_margin(matches, rank), rank))
                for rank, (m, i) in enumerate(ranked[:limit])]

    def pair_features(self, q: Analysis, qw: QueryFeatures, hits: dict[int, tuple[int, bool]], i: int,
                      m: RumorMatch, margin: float, rank: int) -> list[float]:
        """The pin-decision features (:data:`plugin.rumors.decision.FEATURES`) of text ``q`` and entry ``i``
        (``m``: its match, ``margin`` to the best other candidate, ``rank`` among them)."""
        e = self.entries[i]
        info: dict[str, Any] = {}
        self.scorer.score(q, qw, e, hits.get(i, (0, False)), info)
        if not info:  # a curated trigger hit: scored outright
            info = {"score": m.score, "tq": 1.0, "tc": 1.0, "bq": 1.0, "bc": 1.0}
        return pair_features(
            info, query_words=len(qw.weights), claim_words=len(e.words), claim_weights=e.weights,
            question=q.question, intent=bool(q.intent or qw.intent_words), query_negated=q.negated,
            claim_negated=e.analysis.negated, query_numbers=qw.numbers, claim_numbers=e.numbers,
            cluster_size=m.cluster_size, margin=margin, rank=rank, query_text=q.dense, claim_text=e.analysis.dense,
            query_weights=qw.weights)

    def decide(self, q: Analysis, limit: int, today: _dt.date) -> list[RumorMatch]:
        """Matches of one analysed text by the learned decision: ``pin`` and ``related`` tiers."""
        assert self.decider is not None
        model, tiers = self.decider
        pins: list[RumorMatch] = []
        related: list[RumorMatch] = []
        for m, feats in self.featurize(q, limit, today):
            prob = 1.0 if m.trigger == "curated" else model.probability(feats)
            tier = tiers.tier(prob, m.score, self.params.threshold)
            if tier is PinTier.PIN:
                pins.append(dataclasses.replace(m, confidence=prob, tier=PinTier.PIN))
            elif tier is PinTier.RELATED:
                related.append(dataclasses.replace(m, confidence=prob, tier=PinTier.RELATED))
        pins.sort(key=lambda m: -(m.confidence or 0.0))
        if pins:
            return pins[:limit]  # a pinned refutation is on top already: no related cards beside it
        related.sort(key=lambda m: -(m.confidence or 0.0))
        return related[:limit]

    def search(self, q: Analysis, limit: int, today: _dt.date) -> list[RumorMatch]:
        """Matches of one analysed text (one window)."""
        if limit <= 0:
            return []
        if self.decider is not None:
            return self.decide(q, limit, today)
        return self._finish(self.candidates_scored(q, self.params.threshold), limit, today)

    def search_text(self, p: Prepared, limit: int, today: _dt.date) -> list[RumorMatch]:
        """Matches of a text: the best over its sentence windows (:mod:`plugin.rumors.windows`).

        Each sentence is matched like a query, and each run of 2-3 consecutive sentences is
        scored against the rumours one of its sentences nearly matched (>= ``window_seed`` x
        threshold). A text of one sentence is one window.
        """
        if limit <= 0 or not self.entries:
            return []
        threshold = self.params.threshold
        units = windows.units(p.folded) if len(p.text) > windows.SHORT_TEXT else []
        if len(units) <= 1:
            return self.search(query_analysis(p.folded), limit, today)
        best = windows.best_window(
            # the sentences of a short text through the per-text cache (a title checked as a query, then
            # as the first sentence of a trending candidate, is analysed once); a post's many sentences not
            windows.analyze_units(units, query_analysis if len(units) <= windows.WINDOW_SENTENCES else analyze_folded),
            lambda a, seen: self.candidates_scored(a, threshold, seen=seen),
            lambda a, seeds: self.candidates_scored(a, threshold, only=seeds),
            self.params.window_seed * threshold)
        return self._finish(best, limit, today)
