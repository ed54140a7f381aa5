"""A cheap pre-filter: most texts (hot-search titles, queries) share nothing specific with any claim
and never need the full analysis (jieba, weights, scoring).

One Aho-Corasick automaton over the claims' **key terms** — each match key's content words as
written, every equivalent wording of its canonical words (确诊 / 阳了 for 感染), their dictionary
sub-words and character pairs, the phrases the analysis rewrites (新型冠状病毒), two characters or
more — runs over the folded text (:attr:`plugin.normalize.Prepared.folded`). A text goes on to the
full analysis when it holds a curated trigger phrase, or when one of the claims owning its rarest
terms (at most :data:`SEED_CLAIMS` claims are examined, rarest terms first) has

- two distinct key terms in it (a rare term of three characters or more, such as the name 石正丽,
  counts twice: a typo or a character pair beside it may do the rest),
- and, for a short text (a query, a title): key terms worth at least :data:`MIN_CLAIM_COVER` of the
  claim's content-word weight (each word by its specificity, log inverse claim frequency: a place
  and a common word of a long claim are not what it says), and terms (or, at :data:`SINGLE_CREDIT`,
  single characters of the claim) covering at least :data:`MIN_COVER` of the text's content, each
  character weighed by how informative it is (:func:`char_weight`: a claim that explains the common
  characters of a title, 一个 ... 感觉, and not the name in it, BLACKPINK, does not explain it).

Terms in more claims than ``max_posting`` are not keys. The work per text is bounded by
``SEED_CLAIMS`` whatever the size of the index.

The filter is a necessary condition in practice, not in theory: a match whose second shared word
comes only from a homophone typo or a character pair the automaton cannot see is lost, unless a
rare term carries it. ``bench/bench_rumors.py`` measures the share of titles it lets through, and
``bench/eval_rumors.py`` the decisions (the positives it blocks are misses there).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import chain
from functools import lru_cache

import ahocorasick

from plugin.chardata import is_cjk
from plugin.normalize import BREAK, prepare
from plugin.segment import segmenter

from .analysis import PHRASE_EQUIVALENTS, QUESTION_RE, Analysis, equivalents, subwords
from .triggers import trigger_key

__all__ = ["MIN_COVER", "SEED_CLAIMS", "RARE_TERM_CLAIMS", "RARE_TERM_CHARS", "SHORT_TEXT_CHARS", "MIN_CLAIM_COVER", "SINGLE_CREDIT", "PreFilter", "char_weight"]

#: At most this many claims are examined per text: the owners of its rarest key terms (a text whose
#: terms are all in more claims than this shares nothing specific with any claim).
SEED_CLAIMS = 100
#: Texts up to this many characters (queries, titles) must be covered enough by one claim's key terms.
SHORT_TEXT_CHARS = 60
#: Share of a short text's characters (fillers aside) one claim's key terms must cover.
MIN_COVER = 0.6
# particles, pronouns, light verbs and numerals: not counted in a short text's length
_FILLER = frozenset("的了吗呢吧啊呀是在有和与也都就才再还又很太最我你他她它们这那个不没要会能可以说被把让给到去来"
                    "零〇一二两三四五六七八九十百千万亿")

#: Share of a claim's content-word weight (by specificity) the key terms a short text shares with it must reach.
MIN_CLAIM_COVER = 0.2
#: Coverage credit of a character of the text found only as a single character of the claim (not in a
#: shared word of two or more characters).
SINGLE_CREDIT = 0.75
#: A single key term of at least this many characters in at most this many claims lets a text through.
RARE_TERM_CHARS = 3
RARE_TERM_CLAIMS = 5


class PreFilter:
    """The key-term automaton of a set of match keys (claims)."""

    def __init__(self, analyses: Sequence[Analysis], curated: Sequence[Iterable[str]] = (), *,
                 max_posting: int = 1000, texts: Sequence[str] = ()) -> None:
        postings: dict[str, set[int]] = {}
        chars: list[frozenset[str]] = []
        for i, a in enumerate(analyses):
            for term in _terms(a):
                postings.setdefault(term, set()).add(i)
            # the characters of the claim as written count too (照片, 曝光: words the analysis drops)
            chars.append(_chars(a) | _raw_chars(texts[i]) if i < len(texts) else _chars(a))
        # a phrase the analysis rewrites (新型冠状病毒 → 新冠病毒) stands for the words it becomes
        for phrase, target in PHRASE_EQUIVALENTS.items():
            pieces = {w[i:j] for w in target.split() for i in range(len(w)) for j in range(i + 2, len(w) + 1)}
            owners = set().union(*(postings.get(x, set()) for x in pieces))
            if owners and phrase not in postings:
                postings[phrase] = owners
        n = max(len(analyses), 1)
        self._keys: list[tuple[str, tuple[int, ...]]] = []
        self._idf: list[float] = []  # slot → how specific its term is (log inverse claim frequency, + 1)
        self._rare: set[int] = set()  # slots of rare terms (count twice)
        slot_of: dict[str, int] = {}
        claim_slots: list[set[int]] = [set() for _ in analyses]
        auto = ahocorasick.Automaton()
        for term, owners in postings.items():
            if len(owners) > max_posting:
                continue  # too common to nominate
            slot = len(self._keys)
            auto.add_word(term, slot)
            slot_of[term] = slot
            self._keys.append((term, tuple(sorted(owners))))
            self._idf.append(math.log((n + 1) / (len(owners) + 1)) + 1.0)
            if len(term) >= RARE_TERM_CHARS and len(owners) <= RARE_TERM_CLAIMS:
                self._rare.add(slot)
            for i in owners:
                claim_slots[i].add(slot)
        self._claim_slots = [frozenset(x) for x in claim_slots]
        self._claim_chars = chars
        # the weight of what each claim says: its content words of two characters or more, by specificity
        # (a word too common to be a key weighs as little as the commonest key)
        floor = math.log((n + 1) / (max_posting + 1)) + 1.0
        self._claim_weight = [
            sum(self._idf[slot_of[w]] if w in slot_of else floor for w in _claim_words(a)) or 1.0 for a in analyses]
        for phrases in curated:
            for phrase in phrases:
                key = trigger_key(phrase)
                if len(key) >= 2:
                    auto.add_word(key, -1)
        self._auto = auto if len(auto) else None
        if self._auto is not None:
            self._auto.make_automaton()
            _char_counts()  # loaded with the index, not by the first text

    def __len__(self) -> int:
        return len(self._keys)

    def passes(self, folded: str) -> bool:
        """Whether the folded text (:attr:`plugin.normalize.Prepared.folded`) may match a claim."""
        auto = self._auto
        if auto is None:
            return False
        # question / hedge wording (是真的吗, 听说, 靠谱不 ...) is no part of what a claim must explain
        text = QUESTION_RE.sub("", folded.replace(BREAK, "。").replace(" ", ""))
        keys = self._keys
        hits: list[tuple[int, int]] = []  # (slot, end)
        for end, slot in auto.iter(text):
            if slot < 0:
                return True  # a curated trigger phrase
            hits.append((slot, end))
        if not hits:
            return False
        hit_slots = {slot for slot, _end in hits}
        # the claims examined: those owning the text's rarest terms, up to SEED_CLAIMS of them (a claim
        # the text is about shares one of its more specific terms; common words alone nominate nothing)
        ranked = sorted(hit_slots, key=lambda x: len(keys[x][1]))
        if len(keys[ranked[0]][1]) > SEED_CLAIMS:
            return False  # no term specific to a claim (only common ones)
        seed_slots: list[int] = []
        total = 0
        for slot in ranked:
            total += len(keys[slot][1])
            if seed_slots and total > SEED_CLAIMS:
                break
            seed_slots.append(slot)
        counts = Counter(chain.from_iterable(keys[s][1] for s in seed_slots))
        others = hit_slots.difference(seed_slots)
        rare, idf, claim_weight, slots_of = self._rare, self._idf, self._claim_weight, self._claim_slots
        rare_seeds = rare.intersection(seed_slots)
        short = len(text) <= SHORT_TEXT_CHARS
        weights: list[float] = []
        clauses: list[tuple[int, int, float]] = []
        for i, k in counts.items():
            # two distinct key terms of the claim (a rare term counts twice: a typo or a pair beside it
            # may do the rest)
            if k < 2 and others.isdisjoint(slots_of[i]) and (not rare_seeds or rare_seeds.isdisjoint(slots_of[i])):
                continue
            mine = hit_slots.intersection(slots_of[i])
            if not short:
                return True
            # the text names enough of what the claim says, not one name and a common word of it
            if sum(idf[s] for s in mine) < MIN_CLAIM_COVER * claim_weight[i]:
                continue
            if not clauses:
                weights = _position_weights(text)
                clauses = _clauses(text, weights)
            covered: dict[int, float] = {}
            for slot, end in hits:
                if slot in mine:
                    for x in range(end - len(keys[slot][0]) + 1, end + 1):
                        covered[x] = 1.0
            claim_chars = self._claim_chars[i]
            for x, ch in enumerate(text):  # a character found only somewhere in the claim is weaker evidence
                if x not in covered and ch in claim_chars:
                    covered[x] = SINGLE_CREDIT
            # one clause explained enough (a title is one clause; a chain message repeats the claim in one),
            # each character counted by how informative it is: a claim that explains only the common
            # characters of a title (一个 ... 感觉) does not explain the title
            for start, stop, content in clauses:
                if sum(weights[x] * c for x, c in covered.items() if start <= x < stop) >= MIN_COVER * content:
                    return True
        return False


_CLAUSE_END = frozenset("，,。！!？?；;：:、~～…")


#: Weight of one letter of a latin word (BLACKPINK, NBA): content a claim must explain too.
LATIN_WEIGHT = 1.0


@lru_cache(maxsize=1)
def _char_counts() -> dict[str, int]:
    """How often each character occurs in the dictionary's words (weighted by the words' counts)."""
    counts: dict[str, int] = {}
    for word, freq in segmenter().words(min_len=1):
        for ch in word:
            counts[ch] = counts.get(ch, 0) + freq
    return counts


@lru_cache(maxsize=20_000)
def char_weight(ch: str) -> float:
    """How informative one content character is (0 for fillers, digits and punctuation): log inverse
    frequency in the dictionary's words, scaled so a common character (的-like) weighs about 1 and a
    rare one up to 3 (unknown characters count as rare)."""
    if is_cjk(ch):
        if ch in _FILLER:
            return 0.0
        n = _char_counts().get(ch, 0)
        total = segmenter().total
        return min(3.0, max(0.5, (math.log(total / (n + 1)) - 3.0) / 3.0))
    if ch.isascii() and ch.isalpha():
        return LATIN_WEIGHT
    return 0.0


def _position_weights(text: str) -> list[float]:
    return [char_weight(ch) for ch in text]


def _clauses(text: str, weights: Sequence[float]) -> list[tuple[int, int, float]]:
    """(start, stop, content weight) of each clause of ``text`` and of the whole text."""
    out: list[tuple[int, int, float]] = []
    start = 0
    for i, ch in enumerate(text + "。"):
        if ch in _CLAUSE_END:
            n = sum(1 for c in text[start:i] if is_cjk(c) and c not in _FILLER)
            if n >= 2:
                out.append((start, i, sum(weights[start:i])))
            start = i + 1
    if len(out) > 1:
        out.append((0, len(text), sum(c for _s, _e, c in out)))
    return out


def _claim_words(a: Analysis) -> set[str]:
    """The content words of a claim (two characters or more, numbers aside) as written."""
    return {w for w in a.surface if len(w) >= 2 and not w[0].isdigit()}


def _chars(a: Analysis) -> frozenset[str]:
    """Every content character of a claim: they count for coverage, not as terms (a paraphrase cut into
    other words: 杨絮 vs 飞絮, 寄快递 vs 快递停运)."""
    return frozenset(c for w in a.surface for c in w if is_cjk(c) and c not in _FILLER)


def _raw_chars(text: str) -> frozenset[str]:
    """The content characters of a claim's folded text."""
    return frozenset(c for c in prepare(text).folded if is_cjk(c) and c not in _FILLER)


def _terms(a: Analysis) -> set[str]:
    """The key terms of a claim: its content words of two characters or more as written, every wording of
    their canonical forms, their dictionary sub-words."""
    out: set[str] = set()
    for w in a.surface:
        if not w[0].isdigit() and len(w) >= 2:
            out.add(w)
    for w in a.words:
        if w.startswith("#"):
            continue
        for v in equivalents(w):
            if len(v) >= 2:
                out.add(v)
        for s in subwords(w):
            if len(s) >= 2:
                out.add(s)
    return out
