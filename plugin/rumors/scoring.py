"""How similar an analysed text is to one claim: the tuning parameters and the score.

The score is a weighted token overlap and character-bigram overlap, measured from both sides
(how much of the text the claim explains, how much of the claim the text covers); the larger
side counts more, so short searches for part of a claim and long posts that repeat a claim
both score high. A short query all of whose content words are in the claim may cover less of
it when those words are specific. Penalties: the query names the subject but not what the
claim says, asks for information (门票, 简历, 怎么), shares only names with the claim, replaces
the claim's subject with its own (喝醋 vs 干手器 ... 杀死病毒), conflicts on places, people,
numbers or dates, or omits the place / person the claim is about. Automatic trigger hits add a
small phrase bonus; a curated trigger hit matches outright.

:meth:`ClaimScorer.bound` is a cheap upper bound of the score (each word credited at most what a word
sharing a character with the other side can get, the penalties that provably apply): the index scores
no candidate whose bound is under the floor it needs.

Every tuning constant is a field of :class:`RumorScoring` (the pin threshold included); the
defaults are calibrated on the dev split of ``bench/data/rumor_paraphrases.jsonl``
(``bench/eval_rumors.py``). :class:`ClaimScorer` holds one set of parameters and word weights
and turns analyses into :class:`ClaimFeatures` / :class:`QueryFeatures` and scores.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Any

from plugin.chardata import is_cjk
from plugin.errors import RumorError
from plugin.numerals import quantities_agree

from .analysis import INTENT_WORDS, Analysis, Weights, char_sound, is_entity, is_name, is_pair, subwords
from .models import Rumor

try:  # the bound in C (cscoring.c); ClaimScorer.bound_py is its pure-Python twin
    from . import cscoring
except ImportError:  # pragma: no cover - not built: the twin
    cscoring = None  # type: ignore[assignment]

__all__ = ["DEFAULT_SCORING", "ClaimFeatures", "ClaimScorer", "QueryFeatures", "RumorScoring", "char_cover"]


@dataclass(frozen=True, slots=True)
class RumorScoring:
    """Tuning parameters of rumour matching (defaults calibrated by ``bench/eval_rumors.py``).

    ``RumorIndex(rumors, scoring=RumorScoring(threshold=0.55))`` pins less; every field keeps
    its default unless given. Invalid values raise :class:`~plugin.errors.RumorError`.
    """

    # -- what matches
    threshold: float = 0.49  #: score a rumour must reach to match (pin / label) without the learned decision
    candidate_floor: float = 0.3  #: score a candidate needs for the learned pin decision to weigh it
    #: ... or this lower score when the claim holds ``rescue_char_cover`` of the text's informative characters
    #: (a colloquial wording of the claim: its words differ, its characters do not: 车里 / 开车, 防不住 / 防护)
    rescue_floor: float = 0.15
    rescue_char_cover: float = 0.7  #: character coverage of the text by the claim that admits a low-score candidate
    relative_cut: float = 0.75  #: secondary matches must reach this fraction of the best score
    curated_score: float = 0.95  #: the score of a curated trigger hit
    window_seed: float = 0.5  #: a sentence scoring this fraction of the threshold seeds its 2-3 sentence windows
    # -- candidates
    candidates: int = 12  #: rumours fully scored per query
    candidates_long: int = 15  #: ... per text of ``content_words`` or more content words
    max_posting: int = 1000  #: words in more claims than this only score, they do not nominate candidates
    max_trigger_owners: int = 50  #: automatic trigger phrases in more claims than this are not used
    # -- query or post
    content_words: int = 12  #: texts with this many content words (and 1.5x the claim's) are posts
    long_claim: int = 40  #: content words of a claim above which it gets no character-pair credit
    # -- the score
    base: float = 0.55  #: share of the score the main side gives alone (the rest scales with the other side)
    min_claim_cover: float = 0.4  #: claim coverage under which a query only names the subject
    short_cover: float = 0.5  #: a specific, fully explained query needs this fraction of ``min_claim_cover``
    full_query: float = 0.85  #: query coverage that counts as "every content word of the query is in the claim"
    evidence: float = 5.0  #: matched query weight specific enough to pin a claim the query covers only partly
    rare_weight: float = 7.0  #: a shared word this informative may match alone (if it is most of the query)
    pair_credit: float = 0.5  #: credit of a word all of whose character pairs occur in the other text
    sound_credit: float = 0.8  #: credit of a query word that sounds like a claim word (folded pinyin)
    # -- penalties (factors)
    low_cover_penalty: float = 0.6  #: names the subject but not what the claim says about it
    intent_penalty: float = 0.5  #: asks for tickets / prices / how-to about the subject
    topic_penalty: float = 0.6  #: shares only names with the claim, nothing of what it says
    subject_penalty: float = 0.7  #: each side starts with a subject (first content word) the other lacks
    name_penalty: float = 0.7  #: the claim names a place / person the query names nothing of
    conflict_penalty: float = 0.5  #: different place / person / number: another event

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise RumorError(f"rumour scoring: {f.name} must be a positive integer, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
                raise RumorError(f"rumour scoring: {f.name} must be a number >= 0, got {value!r}")
        for name in ("threshold", "candidate_floor", "rescue_floor", "rescue_char_cover", "relative_cut", "curated_score", "window_seed", "base", "min_claim_cover",
                     "short_cover", "full_query", "pair_credit", "sound_credit", "low_cover_penalty",
                     "intent_penalty", "topic_penalty", "subject_penalty", "name_penalty", "conflict_penalty"):
            if getattr(self, name) > 1:
                raise RumorError(f"rumour scoring: {name} must be between 0 and 1, got {getattr(self, name)!r}")


#: The calibrated parameters.
DEFAULT_SCORING = RumorScoring()


@dataclass(slots=True)
class ClaimFeatures:
    """An indexed claim as the score reads it."""

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
    #: the characters of its words, sub-words and bigrams, each once (a str: a few hundred bytes, where a set
    #: took ~2.7 KB per claim): a query word sharing none gets no credit
    held: str = ""
    packed: tuple[Any, ...] = ()  # what the C bound reads (:meth:`ClaimScorer.bound`): its buffer and ``held``


@dataclass(slots=True)
class QueryFeatures:
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
    #: what the C bound reads (the scorer, its vocabulary version, the buffer), made at its first call (homophones
    #: filled)
    packed: tuple[Any, ...] | None = None


@lru_cache(maxsize=50_000)
def _asks_for_information(word: str) -> bool:
    """An intent word (门票, 价格 ...) or a compound of one (门票价格, 官网入口)."""
    return word in INTENT_WORDS or any(s in INTENT_WORDS for s in subwords(word))


@lru_cache(maxsize=200_000)
def reach(word: str) -> frozenset[str]:
    """The characters a credit of ``word`` can rest on: its own and those of its (canonical) sub-words."""
    return frozenset(word).union(*subwords(word))


def _held(a: Analysis) -> str:
    """The characters of an analysis' words, sub-words and bigrams, each once."""
    return "".join(dict.fromkeys("".join((*a.words, *a.subs, *a.bigrams))))


def _first_word(a: Analysis) -> str:
    return next((t for t in a.words if not t.startswith("#")), "")


def _sub_credit(pair: str, present: frozenset[str], inside: frozenset[str] = frozenset()) -> float:
    """Credit of a character pair (挂烫, 喝醋) whose characters the other text has: 0.7 times the
    share of the pair's information in those characters (喝醋 vs 喝: little; vs 醋: most); a
    character only found inside one of the other text's words counts half (病读, a typo, vs 病毒)."""
    total = got = 0.0
    for ch in subwords(pair):
        w = _cover_weight(ch)
        total += w
        if ch in present:
            got += w
        elif ch in inside:
            got += 0.5 * w
    return 0.7 * got / total if got else 0.0


@lru_cache(maxsize=50_000)
def _cover_weight(ch: str) -> float:
    """Dictionary informativeness of one character (the corpus part does not matter for shares): the
    weight of character-level coverage (a word written another way still shares its characters:
    离京 / 北京, 更换 / 换, 呼吸阀 / 阀门)."""
    return max(_background().background(ch) - 4.0, 1.0)


@lru_cache(maxsize=1)
def _background() -> Weights:
    """Corpus-free weights (dictionary informativeness only)."""
    return Weights()


def char_cover(text: str, other: str) -> float:
    """The share of ``text``'s Chinese characters (distinct, weighted by :func:`_cover_weight`) that
    ``other`` holds too: coverage that does not depend on segmentation or on the wording of a word."""
    weighted, total = _weighted_chars(text)
    if not weighted:
        return 0.0
    held = _weighted_chars(other)[0]
    return sum(w for ch, w in weighted.items() if ch in held) / total


def sound_cover(text: str, other: str) -> float:
    """:func:`char_cover` by sound: the share of ``text``'s weighted Chinese characters whose folded syllable
    (:func:`plugin.rumors.analysis.char_sound`) one of ``other``'s characters has, so a homophone typo (纸金 /
    纸巾, 沉箱 / 沉香) still counts; never under :func:`char_cover`."""
    weighted, total = _weighted_chars(text)
    if not weighted:
        return 0.0
    heard = _sounds(other)
    return sum(w for ch, w in weighted.items() if char_sound(ch) in heard or ch in heard) / total


@lru_cache(maxsize=4096)
def _sounds(text: str) -> frozenset[str]:
    """The folded syllables of ``text``'s Chinese characters, and the characters without one."""
    return frozenset(char_sound(ch) or ch for ch in _weighted_chars(text)[0])


@lru_cache(maxsize=4096)
def _weighted_chars(text: str) -> tuple[dict[str, float], float]:
    """``text``'s distinct Chinese characters with their :func:`_cover_weight`, and the weights' sum (kept per
    text: a query is compared with each candidate, a claim with each query that reaches it; read only)."""
    weighted = {ch: _cover_weight(ch) for ch in dict.fromkeys(text) if is_cjk(ch)}
    return weighted, sum(weighted.values())


class ClaimScorer:
    """Scores analysed texts against claims with one set of word weights and :class:`RumorScoring`."""

    def __init__(self, weights: Weights, params: RumorScoring = DEFAULT_SCORING) -> None:
        self.weights = weights
        self.params = params
        #: integer ids of the claims' words and sub-words, and of their character bigrams: what the C bound
        #: compares (a text's word no claim has gets none: it can be no claim's word)
        self._word_ids: dict[str, int] = {}
        self._bigram_ids: dict[str, int] = {}
        #: id(set) → (that set, the ids of its words): the claim words a text word sounds like are the index's own
        #: sets, shared by every text (the set is kept, so its id stays its own)
        self._sound_cache: dict[int, tuple[set[str], tuple[int, ...]]] = {}
        #: per text word and bigram seen: (id, the characters its credit can rest on) and (id, weight)
        self._word_info: dict[str, tuple[int, tuple[int, ...]]] = {}
        self._bigram_info: dict[str, tuple[int, float]] = {}
        #: moves whenever a claim adds ids: the texts' buffers and the caches above are made again
        self._vocabulary = 0
        p = params
        self._packed = tuple(float(x) for x in (
            max(0.7, p.pair_credit), p.sound_credit, p.pair_credit, p.base, p.content_words, p.min_claim_cover,
            p.short_cover, p.full_query, p.evidence, p.rare_weight, p.low_cover_penalty, p.intent_penalty,
            p.topic_penalty, p.subject_penalty, p.name_penalty, p.curated_score))

    # ------------------------------------------------------------------ features

    def claim(self, rumor: Rumor, a: Analysis) -> ClaimFeatures:
        """The features of a claim (its analysis: claim and curated trigger phrases)."""
        w = self.weights
        words = frozenset(a.words)
        chars = frozenset(ch for t in words if len(t) > 1 and not t.startswith("#") for ch in t)
        weights = {t: w.token(t) for t in words}
        parents: dict[str, list[str]] = {}
        for t in words:
            for sw in subwords(t):
                parents.setdefault(sw, []).append(t)
        e = ClaimFeatures(
            rumor, a, words, a.subs, chars, sum(weights.values()) or 1.0,
            sum(w.bigram(b) for b in a.bigrams) or 1.0, weights,
            {k: tuple(v) for k, v in parents.items()},
            tuple(t for t in words if is_entity(t)), tuple(t for t in words if t.startswith("#")),
            tuple(t for t in words if is_name(t)),
            tuple(t for t in words if len(t) > 1 and not t.startswith("#")),
            len(words) > self.params.long_claim,
            _first_word(a), _held(a))
        e.packed = (self._claim_blob(e), e.held)
        return e

    def _claim_blob(self, e: ClaimFeatures) -> bytes:
        """What the C bound reads of a claim, as ints and floats in one buffer (the layout is read by
        ``claim_view`` in cscoring.c): its words by id (sorted) with their weights and flags, each word's character
        pairs as bigram ids, its sub-words by id with the words holding them, its bigram ids."""
        word_ids, bigram_ids = self._word_ids, self._bigram_ids
        sizes = len(word_ids), len(bigram_ids)
        bigrams = sorted(bigram_ids.setdefault(b, len(bigram_ids)) for b in e.analysis.bigrams)
        order = sorted(e.words, key=lambda t: word_ids.setdefault(t, len(word_ids)))
        at = {t: k for k, t in enumerate(order)}
        pair_words = set(e.pair_words)
        pair_offsets, pairs = [0], []
        for t in order:
            if t in pair_words:
                pairs += [bigram_ids.get(t[i : i + 2], -1) for i in range(len(t) - 1)]
            pair_offsets.append(len(pairs))
        subs = sorted(e.sub_parents, key=lambda sw: word_ids.setdefault(sw, len(word_ids)))
        sub_offsets, parents = [0], []
        for sw in subs:
            parents += [at[t] for t in e.sub_parents[sw]]
            sub_offsets.append(len(parents))
        names = set(e.names)
        if (len(word_ids), len(bigram_ids)) != sizes:  # new ids: what was read of texts before may be wrong
            self._vocabulary += 1
            self._word_info.clear()
            self._bigram_info.clear()
            self._sound_cache.clear()
        header = array("i", [len(order), len(pairs), len(subs), len(parents), len(bigrams),
                             int(e.long) | (2 if e.names else 0), at[e.first] if e.first else -1, 0])
        return b"".join((
            header.tobytes(), array("d", [e.word_weight, e.bigram_weight]).tobytes(),
            array("d", [e.weights[t] for t in order]).tobytes(), array("i", [word_ids[t] for t in order]).tobytes(),
            array("i", pair_offsets).tobytes(), array("i", pairs).tobytes(),
            array("i", [word_ids[sw] for sw in subs]).tobytes(), array("i", sub_offsets).tobytes(),
            array("i", parents).tobytes(), array("i", bigrams).tobytes(),
            bytes((1 if t in names else 0) | (2 if t.startswith("#") else 0) for t in order)))

    def _query_blob(self, q: Analysis, qw: QueryFeatures) -> bytes:
        """What the C bound reads of a text, in one buffer (``query_view`` in cscoring.c), with this scorer's ids."""
        word_info, hom = self._word_info, qw.homophones
        ids: list[int] = []
        first: list[int] = []
        reach_chars: list[int] = []
        hom_ids: list[int] = []
        reach_offsets, hom_offsets = [0], [0]
        heard: set[int] = set()
        for t in qw.weights:
            info = word_info.get(t) or self._new_word_info(t)
            ids.append(info[0])
            first.append(t == qw.first)
            reach_chars += info[1]
            reach_offsets.append(len(reach_chars))
            h = hom.get(t)
            if h:
                known = self._sound_ids(h)
                hom_ids += known
                heard.update(known)
                hom_offsets.append(len(hom_ids))
            else:
                hom_offsets.append(-1 - len(hom_ids))  # no homophones (negative: None in the twin)
        wid = self._word_ids.get
        words = sorted({i for i in ids if i >= 0})
        pieces = [i for x in qw.subs | qw.chars if (i := wid(x, -1)) >= 0]
        subs = [i for x in qw.subs if (i := wid(x, -1)) >= 0]
        bigram_info = self._bigram_info
        # a bigram no claim has (id -1) is never in common
        bigrams = sorted(x for b in q.bigrams if (x := bigram_info.get(b) or self._new_bigram_info(b))[0] >= 0)
        intent = [wid(x, -1) for x in qw.intent_words]
        flags = int(bool(q.intent)) | (2 if qw.names else 0) | (4 if qw.first else 0)
        header = [len(ids), len(reach_chars), len(hom_ids), len(words), len(pieces), len(words) + len(subs),
                  len(heard), len(bigrams), len(intent), flags, 0, 0]
        floats = array("d", (qw.total, qw.bigram_total, *qw.weights.values(), *(w for _i, w in bigrams)))
        ints = array("i", header)
        for part in (ids, first, reach_offsets, reach_chars, hom_offsets, hom_ids, words, pieces, words, subs,
                     sorted(heard), [i for i, _w in bigrams], intent):
            ints.extend(part)
        head = 4 * len(header)
        raw = ints.tobytes()
        return b"".join((raw[:head], floats.tobytes(), raw[head:]))

    def _new_word_info(self, word: str) -> tuple[int, tuple[int, ...]]:
        """A text word's id (-1: no claim's word) and the characters its credit can rest on, kept per word."""
        if len(self._word_info) >= 200_000:
            self._word_info.clear()
        info = self._word_info[word] = (self._word_ids.get(word, -1), tuple(map(ord, reach(word))))
        return info

    def _new_bigram_info(self, bigram: str) -> tuple[int, float]:
        """A text bigram's id (-1: no claim's bigram) and weight, kept per bigram."""
        if len(self._bigram_info) >= 200_000:
            self._bigram_info.clear()
        info = self._bigram_info[bigram] = (self._bigram_ids.get(bigram, -1), self.weights.bigram(bigram))
        return info

    def _sound_ids(self, words: set[str]) -> tuple[int, ...]:
        """The ids of a set of claim words a text word sounds like (the index's own sets, kept per set object)."""
        cached = self._sound_cache.get(id(words))
        if cached is not None and cached[0] is words:
            return cached[1]
        wid = self._word_ids.get
        known = tuple(i for x in words if (i := wid(x, -1)) >= 0)
        if len(self._sound_cache) >= 50_000:
            self._sound_cache.clear()
        self._sound_cache[id(words)] = (words, known)
        return known

    def query(self, q: Analysis) -> QueryFeatures:
        """The features of a query or post (homophones are filled in by the index)."""
        w = self.weights
        tw = {t: w.token(t) for t in q.words}
        return QueryFeatures(
            tw, sum(tw.values()) or 1.0, sum(w.bigram(b) for b in q.bigrams) or 1.0, frozenset(tw), q.subs,
            frozenset(ch for t in tw if len(t) > 1 and not t.startswith("#") for ch in t),
            tuple(t for t in tw if is_entity(t)), tuple(t for t in tw if t.startswith("#")),
            tuple(t for t in tw if _asks_for_information(t)), tuple(t for t in tw if is_name(t) or is_pair(t)),
            _first_word(q),
        )

    # ------------------------------------------------------------------ credit

    def credit(self, word: str, words: frozenset[str], subs: frozenset[str], chars: frozenset[str],
               bigrams: frozenset[str] = frozenset()) -> float:
        """How much of ``word`` the other text explains: 1 same word, 0.7 part of a longer word,
        0.5 a single character inside one of its words (喷 / 喷洒), 0.4 a sub-word of it present,
        else up to ``pair_credit`` for the share of its character pairs found in the other text
        (驿城区 / 驿城, 疾控 inside 疾控中心: segmentation differs), else 0."""
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
        return self.pair_credit(word, bigrams)

    def pair_credit(self, word: str, bigrams: frozenset[str]) -> float:
        """``pair_credit`` times the share of ``word``'s character pairs found in ``bigrams``."""
        if not bigrams or word[0] == "#":
            return 0.0
        n = len(word) - 1
        full = self.params.pair_credit
        if n == 1:
            return full if word in bigrams else 0.0
        k = 0
        for i in range(n):
            if word[i : i + 2] in bigrams:
                k += 1
        return full * k / n if k else 0.0

    # ------------------------------------------------------------------ the score

    def bound(self, q: Analysis, qw: QueryFeatures, e: ClaimFeatures, hit: tuple[int, bool] = (0, False)) -> float:
        """An upper bound of :meth:`score` for a claim made by this scorer (:meth:`claim`), at a fraction of its
        cost: :meth:`bound_py`, computed in C when the extension is built (sums in another order: compare
        with a margin)."""
        if cscoring is None or not e.packed:
            return self.bound_py(q, qw, e, hit)
        packed = qw.packed
        if packed is None or packed[0] is not self or packed[1] != self._vocabulary:
            packed = qw.packed = (self, self._vocabulary, self._query_blob(q, qw))  # once per text, for these ids
        return cscoring.bound(packed[2], e.packed[0], e.packed[1], self._packed, hit[0], hit[1])

    def bound_py(self, q: Analysis, qw: QueryFeatures, e: ClaimFeatures, hit: tuple[int, bool] = (0, False)) -> float:
        """An upper bound of :meth:`score` at a fraction of its cost: a word of either side that is the other
        side's own word is credited 1, one sharing a character (of it or its sub-words) with the other side
        at most ``max(0.7, pair_credit)`` (``sound_credit`` when it may sound like one), any other 0; the
        bigram part is exact, and a penalty counts only when these credits prove it applies. A candidate whose
        bound is under the floor a caller needs cannot reach it: it need not be scored."""
        p = self.params
        n_auto, curated = hit
        if curated:
            return p.curated_score
        tw = qw.weights
        if len(tw) < 2:
            return 0.0
        part = max(0.7, p.pair_credit)  # the most a word that is not the other side's own word gets
        sound = p.sound_credit
        ewords, held, homophones = e.words, e.held, qw.homophones
        q_ub = 0.0
        n_shared = 0
        top = ""
        first_missing = False
        for t, wt in tw.items():
            c = 1.0 if t in ewords else (part if any(ch in held for ch in reach(t)) else 0.0)
            if c < sound and homophones:
                hom = homophones.get(t)
                if hom and not hom.isdisjoint(ewords):
                    c = sound
            if c:
                q_ub += c * wt
                n_shared += 1
                top = t
            elif t == qw.first:
                first_missing = True
        if not n_shared:
            return 0.0
        # the claim words the text may explain: what claim_credit can credit, found from the text's side
        qwords = qw.words
        same = qwords & ewords
        maybe = set((qw.subs | qw.chars) & ewords)  # 0.7 / 0.5 (setdefault: never more)
        parents = e.sub_parents
        for s in (*qwords, *qw.subs):
            maybe.update(parents.get(s, ()))  # _sub_credit <= 0.7, else 0.4
        maybe -= same
        ew = e.weights
        c_ub = sum(ew[t] for t in same) + 0.7 * sum(ew[t] for t in maybe)
        common = q.bigrams & e.analysis.bigrams
        if common and not e.long:  # character-pair credit: pair_credit * the share of a word's pairs in common
            paired = {t for t in e.pair_words if t not in same and t not in maybe
                      and any(t[i : i + 2] in common for i in range(len(t) - 1))}
            c_ub += sum(self.pair_credit(t, common) * ew[t] for t in paired)
            maybe |= paired
        if homophones:  # a claim word a text word sounds like: sound_credit (or its own credit if more)
            heard = set().union(*homophones.values()) & ewords
            heard -= same
            c_ub += sound * sum(ew[t] for t in heard)
            maybe |= heard
        maybe |= same
        wb = self.weights.bigram
        sb = sum(wb(b) for b in common)
        tq = q_ub / qw.total
        qs = 0.8 * tq + 0.2 * sb / qw.bigram_total
        cs = 0.8 * min(c_ub / e.word_weight, 1.0) + 0.2 * sb / e.bigram_weight
        if len(tw) >= max(p.content_words, 1.5 * len(e.words)):
            score = cs * (p.base + (1 - p.base) * qs)
        else:
            score = qs * (p.base + (1 - p.base) * cs)
            specific = tq >= p.full_query and q_ub >= p.evidence and cs >= p.min_claim_cover * p.short_cover
            if cs < p.min_claim_cover and not specific:
                score *= p.low_cover_penalty
            if q.intent or any(t not in ewords for t in qw.intent_words):
                score *= p.intent_penalty
            elif not any(not is_name(t) and not t.startswith("#") for t in maybe):
                score *= p.topic_penalty
            if qw.first and e.first and first_missing and e.first not in maybe:
                score *= p.subject_penalty
            if e.names and not qw.names and maybe.isdisjoint(e.names):
                score *= p.name_penalty
        score += 0.05 * min(n_auto, 2)
        if n_shared < 2 and not (tw[top] >= p.rare_weight and tq >= 0.8):
            score *= 0.5
        return min(score, 1.0)

    def score(self, q: Analysis, qw: QueryFeatures, e: ClaimFeatures, hit: tuple[int, bool] = (0, False),
              info: dict[str, Any] | None = None, floor: float = 0.0) -> tuple[float, tuple[str, ...]]:
        """Similarity of the analysed text to claim ``e`` (see the module docstring) and the words
        they share. ``hit``: (automatic trigger hits, curated trigger hit?) of the text in the claim.
        ``info`` (when given) receives the parts of the score. A result below ``floor`` may be
        returned early as an upper bound (saves scoring candidates that cannot match)."""
        p = self.params
        n_auto, curated = hit
        if curated:
            return p.curated_score, ()
        tw = qw.weights
        shared: list[str] = []
        q_cred = 0.0
        q_missing: list[str] = []
        heard: set[str] = set()  # claim words a query word sounds like (homophone typo: 病读 / 病毒)
        q_credit: dict[str, float] = {}  # query word → how much of it the claim explains (kept for ``info``)
        homophones = qw.homophones
        ewords, esubs = e.words, e.subs
        for t, wt in tw.items():
            if t in ewords:
                c = 1.0
            elif t in esubs:
                c = 0.7
            else:
                c = self.credit(t, ewords, esubs, e.chars, e.analysis.bigrams)
            if c < p.sound_credit and homophones:
                hom = homophones.get(t)
                if hom and not hom.isdisjoint(e.words):
                    heard |= hom & e.words
                    c = p.sound_credit
            if c:
                q_cred += c * wt
                shared.append(t)
                if info is not None:
                    q_credit[t] = c
            else:
                q_missing.append(t)
        if not shared:
            return 0.0, ()
        n_q = len(tw)
        if n_q < 2:
            return 0.0, tuple(shared)  # a bare topic word is not a claim
        tq = q_cred / qw.total
        post = n_q >= max(p.content_words, 1.5 * len(e.words))
        if not post and info is None:
            upper = 0.8 * tq + 0.2 + 0.05 * min(n_auto, 2)  # query mode: qs <= 0.8 tq + 0.2, factors <= 1
            if upper < floor:
                return upper, tuple(shared)
        c_credit = self.claim_credit(q, qw, e)
        for t in heard:
            if c_credit.get(t, 0.0) < p.sound_credit:
                c_credit[t] = p.sound_credit
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
            score = cs * (p.base + (1 - p.base) * qs)  # a post that may repeat the claim
        else:
            score = qs * (p.base + (1 - p.base) * cs)  # a search for (part of) the claim
            # a short query covers little of a long claim; that is enough when every content word
            # of the query is in the claim, together they are specific (rare) enough and the claim
            # is not so long that they are a small part of it
            specific = tq >= p.full_query and q_cred >= p.evidence and cs >= p.min_claim_cover * p.short_cover
            if cs < p.min_claim_cover and not specific:
                score *= p.low_cover_penalty  # names the subject but not what the claim says about it
                penalties.append("low_cover")
            if q.intent or any(t not in e.words for t in qw.intent_words):
                score *= p.intent_penalty  # asks for tickets / prices / how-to about the subject
                penalties.append("intent")
            elif not any(not is_name(t) and not t.startswith("#") for t in c_credit):
                score *= p.topic_penalty  # only names shared, nothing of what the claim says: 约基奇太强了
                penalties.append("topic")
            # each side starts with a subject the other lacks: 喝醋 能杀死新冠病毒 vs 干手器 能在30秒内
            # 杀死新冠病毒 (Chinese claims put the subject first)
            if qw.first and e.first and qw.first in q_missing and e.first not in c_credit:
                score *= p.subject_penalty
                penalties.append("subject")
            # the claim is about a named place / person the query does not name: 新增1例 vs 长垣市新增1例
            if e.names and not qw.names and not any(t in c_credit for t in e.names):
                score *= p.name_penalty
                penalties.append("unnamed")
        if self.conflict(qw, e, c_credit):
            score *= p.conflict_penalty  # different place / person / number: another event
            penalties.append("conflict")
        score += 0.05 * min(n_auto, 2)
        if len(shared) < 2 and not (tw[shared[0]] >= p.rare_weight and tq >= 0.8):
            score *= 0.5  # one common shared word is not enough evidence
            penalties.append("one_word")
        if info is not None:
            info.update(tq=round(tq, 3), tc=round(tc, 3), bq=round(bq, 3), bc=round(bc, 3),
                        qs=round(qs, 3), cs=round(cs, 3), q_cred=round(q_cred, 2), post=post, shared=shared,
                        missing=q_missing, claim_credit={t: round(c, 2) for t, c in c_credit.items()},
                        query_credit={t: round(c, 2) for t, c in q_credit.items()},
                        penalties=penalties, triggers=n_auto, score=round(min(score, 1.0), 4))
        return min(score, 1.0), tuple(shared)

    def claim_credit(self, q: Analysis, qw: QueryFeatures, e: ClaimFeatures) -> dict[str, float]:
        """Claim word → how much of it the query explains (same rules as :meth:`credit`)."""
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
                        c = self.pair_credit(t, common)
                        if c:
                            out[t] = c
        return out

    def conflict(self, qw: QueryFeatures, e: ClaimFeatures, c_credit: dict[str, float]) -> bool:
        """Both sides name something (entity or number) the other does not."""
        if qw.entities and e.entities:
            if any(not self.credit(t, e.words, e.subs, e.chars, e.analysis.bigrams) for t in qw.entities) and any(
                t not in c_credit for t in e.entities
            ):
                return True
        if qw.numbers and e.numbers:
            near = [quantities_agree(a[1:], b[1:]) for a in qw.numbers for b in e.numbers]  # number tokens: #60
            if not any(near) and any(n is False for n in near):
                return True  # comparable numbers / dates, none agreeing
        return False
