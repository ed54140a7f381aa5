"""A cheap pre-filter: most texts (hot-search titles, queries) share nothing specific with any claim
and never need the full analysis (jieba, weights, scoring).

One Aho-Corasick automaton over the claims' **key terms** — each match key's content words as
written, every equivalent wording of its canonical words (确诊 / 阳了 for 感染), their dictionary
sub-words and character pairs, the phrases the analysis rewrites (新型冠状病毒), two characters or
more — runs over the folded text (:attr:`plugin.normalize.Prepared.folded`). A text goes on to the
full analysis when it holds a curated trigger phrase, or when some claim that owns one of its less
common terms (in at most :data:`SEED_CLAIMS` claims) has two distinct key terms in it (a rare term
of three characters or more, such as the name 石正丽, counts twice: a typo or a character pair
beside it may do the rest) and, for a short text (a query, a title), those terms cover at least
:data:`MIN_COVER` of its characters (particles aside): a match explains most of a short text.
Terms in more claims than ``max_posting`` are not keys: they never nominate a candidate.

The filter is a necessary condition in practice, not in theory: a match whose second shared word
comes only from a homophone typo or a character pair the automaton cannot see is lost, unless a
rare term carries it. ``bench/bench_rumors.py`` measures how many paraphrase-set decisions change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import ahocorasick

from plugin.chardata import is_cjk
from plugin.normalize import BREAK

from .analysis import PHRASE_EQUIVALENTS, QUESTION_RE, Analysis, equivalents, subwords
from .triggers import trigger_key

__all__ = ["MIN_COVER", "SEED_CLAIMS", "RARE_TERM_CLAIMS", "RARE_TERM_CHARS", "SHORT_TEXT_CHARS", "PreFilter"]

#: Only claims holding a key term found in at most this many claims are examined (a text whose terms are
#: all common shares nothing specific with any claim).
SEED_CLAIMS = 30
#: Texts up to this many characters (queries, titles) must be covered enough by one claim's key terms.
SHORT_TEXT_CHARS = 60
#: Share of a short text's characters (fillers aside) one claim's key terms must cover.
MIN_COVER = 0.6
# particles, pronouns, light verbs and numerals: not counted in a short text's length
_FILLER = frozenset("的了吗呢吧啊呀是在有和与也都就才再还又很太最我你他她它们这那个不没要会能可以说被把让给到去来"
                    "零〇一二两三四五六七八九十百千万亿")

#: A single key term of at least this many characters in at most this many claims lets a text through.
RARE_TERM_CHARS = 3
RARE_TERM_CLAIMS = 5


class PreFilter:
    """The key-term automaton of a set of match keys (claims)."""

    def __init__(self, analyses: Sequence[Analysis], curated: Sequence[Iterable[str]] = (), *,
                 max_posting: int = 1000) -> None:
        postings: dict[str, set[int]] = {}
        for i, a in enumerate(analyses):
            for term in _terms(a):
                postings.setdefault(term, set()).add(i)
        # a phrase the analysis rewrites (新型冠状病毒 → 新冠病毒) stands for the words it becomes
        for phrase, target in PHRASE_EQUIVALENTS.items():
            pieces = {w[i:j] for w in target.split() for i in range(len(w)) for j in range(i + 2, len(w) + 1)}
            owners = set().union(*(postings.get(x, set()) for x in pieces))
            if owners and phrase not in postings:
                postings[phrase] = owners
        self._keys: list[tuple[str, tuple[int, ...]]] = []
        claim_slots: list[set[int]] = [set() for _ in analyses]
        auto = ahocorasick.Automaton()
        for term, owners in postings.items():
            if len(owners) > max_posting and len(term) > 1:
                continue  # too common to nominate (one character never nominates: it only covers)
            slot = len(self._keys)
            auto.add_word(term, slot)
            self._keys.append((term, tuple(sorted(owners))))
            for i in owners:
                claim_slots[i].add(slot)
        self._claim_slots = [frozenset(x) for x in claim_slots]
        for phrases in curated:
            for phrase in phrases:
                key = trigger_key(phrase)
                if len(key) >= 2:
                    auto.add_word(key, -1)
        self._auto = auto if len(auto) else None
        if self._auto is not None:
            self._auto.make_automaton()

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
        seeds: list[tuple[int, ...]] = []
        singles: list[tuple[int, int]] = []  # one-character words: they only cover
        for end, slot in auto.iter(text):
            if slot < 0:
                return True  # a curated trigger phrase
            term, owners = keys[slot]
            if len(term) > 1:
                hits.append((slot, end))
                if len(owners) <= SEED_CLAIMS:
                    seeds.append(owners)
            else:
                singles.append((slot, end))
        if not seeds:
            return False  # no term specific to a claim (or only common ones)
        short = len(text) <= SHORT_TEXT_CHARS
        clauses = _clauses(text) if short else []
        slots_of = self._claim_slots
        for i in set().union(*seeds):
            mine = slots_of[i]
            terms: set[str] = set()
            for slot, _end in hits:
                if slot in mine:
                    term, owners = keys[slot]
                    terms.add(term)
                    if len(term) >= RARE_TERM_CHARS and len(owners) <= RARE_TERM_CLAIMS:
                        terms.add("")  # a rare term counts twice: a typo or a pair beside it may do the rest
            if len(terms) < 2:
                continue
            if not short:
                return True
            covered: set[int] = set()
            for slot, end in hits + singles:
                if slot in mine:
                    covered.update(range(end - len(keys[slot][0]) + 1, end + 1))
            # one clause explained enough (a title is one clause; a chain message repeats the claim in one)
            for start, stop, content in clauses:
                if sum(1 for x in covered if start <= x < stop) >= MIN_COVER * content:
                    return True
        return False


_CLAUSE_END = frozenset("，,。！!？?；;：:、~～…")


def _clauses(text: str) -> list[tuple[int, int, int]]:
    """(start, stop, content characters) of each clause of ``text`` and of the whole text."""
    out: list[tuple[int, int, int]] = []
    start = 0
    for i, ch in enumerate(text + "。"):
        if ch in _CLAUSE_END:
            content = sum(1 for c in text[start:i] if is_cjk(c) and c not in _FILLER)
            if content >= 2:
                out.append((start, i, content))
            start = i + 1
    if len(out) > 1:
        out.append((0, len(text), sum(c for _s, _e, c in out)))
    return out


def _terms(a: Analysis) -> set[str]:
    out: set[str] = set()
    for w in a.surface:
        if not w[0].isdigit() and (len(w) >= 2 or is_cjk(w)):
            out.add(w)  # one-character words too: they count for coverage, not as terms
        # every character of the claim counts for coverage (a paraphrase cut into other words:
        # 杨絮 vs 飞絮, 寄快递 vs 快递停运)
        out.update(c for c in w if is_cjk(c) and c not in _FILLER)
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
