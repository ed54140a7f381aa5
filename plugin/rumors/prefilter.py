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

Classes of variation a searcher's text shows are tolerated by mechanism, not by example: a key term written as a
sound-alike typo (:meth:`PreFilter.sound_hits`: the same syllables, one character otherwise, where that reads as a
typo) counts as the term; a claim's numbers are key terms as searchers write them (:func:`number_terms`: 14天 and
十四天, dates, holidays, hotline numbers); the synonym and phrase tables of the analysis give the equivalent
wordings of the claim's words.

The work is arranged for speed without changing a decision (``tests/plugin/rumors/test_prefilter.py`` keeps
the rule written claim by claim as the reference, and holds both implementations to it): question wording is
removed in C (``QUESTION_RE.sub``: ``cprefilter.Frames`` for a text of the BMP); for such a text the rest is
one C call (``cprefilter.Filter.decide``, its buffers taken once per build): the key terms found by hashing the
text's windows into a table of the keys (what the automaton finds, in its order, without its scattered nodes:
:attr:`PreFilter.key_tables`), the sound-alike windows, the seeds, and the per-claim work (claims holding two key
terms, their need, the coverage of the text by their characters, each character's weight from a table) over flat
tables (:attr:`PreFilter.tables`), reading the owners of the text's terms in order rather than each claim's row.
A text with a character beyond the BMP takes the same steps with the automaton (over UTF-16 code units) and the
C loops one by one. Without the extension the Python twin
decides the same: the claims with a second term found through that term's owners when cheaper, many claims
sharing two terms of a short text (near-copies of one post) weighed over flat arrays, the coverage asked once
per distinct (terms, characters) pair. :meth:`PreFilter.compacted` re-allocates the tables together after a
build.

The filter is a necessary condition in practice, not in theory: a match whose second shared word
comes only from a typo the sound keys do not read as one, or a character pair the automaton cannot see, is lost,
unless a rare term carries it. ``bench/bench_rumors.py`` measures the share of titles it lets through, and
``bench/eval_rumors.py`` the decisions (the positives it blocks are misses there).
"""

from __future__ import annotations

import math
import pickle
from collections import Counter
from collections.abc import Iterable, Sequence, Set as AbstractSet
from itertools import chain
from functools import lru_cache

import ahocorasick
import numpy as np

from plugin.chardata import is_cjk
from plugin.normalize import BREAK, prepare
from plugin.numerals import FIXED_HOLIDAYS, MEASURE_WORDS, chinese_numerals, dates_to_digits, quantities_to_digits
from plugin.segment import segmenter

from plugin.variants import syllables

from .analysis import PHRASE_EQUIVALENTS, QUESTION_RE, Analysis, equivalents, fold_syllable, fractions, subwords
from .triggers import trigger_key

try:
    from . import cprefilter
except ImportError:  # not built (a checkout without ``pip install``): the Python twin decides the same
    cprefilter = None  # type: ignore[assignment]

__all__ = ["NATIVE", "MIN_COVER", "SEED_CLAIMS", "RARE_TERM_CLAIMS", "RARE_TERM_CHARS", "SHORT_TEXT_CHARS", "MIN_CLAIM_COVER", "SINGLE_CREDIT", "SOUND_TERM_CHARS", "NUMBER_TERM_DIGITS", "NUMBER_TERM_MIN", "PreFilter",
           "char_weight", "number_terms", "sound_codes"]

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
#: Claims owning another term of the text are found through that term's owners when they are at most this
#: many times the claims examined (a C-level set operation per owner against a Python step per claim).
OWNERS_PER_CLAIM = 32
#: Above this many claims with two key terms in a short text, their key-term weights are summed in bulk
#: (arrays) rather than claim by claim.
BULK_CLAIMS = 12
#: ... when the text has at most this many distinct key terms and content characters (bit masks over
#: them are sums of powers of two, exact in a float).
BULK_BITS = 52
#: A single key term of at least this many characters in at most this many claims lets a text through.
RARE_TERM_CHARS = 3
RARE_TERM_CLAIMS = 5
#: Key terms of two to this many characters are found in a text also as a sound-alike typo: the same
#: syllables (toneless, input-method confusions folded), one character written otherwise (光古 for 光谷,
#: 纸金 for 纸巾, 鼻烟癌 for 鼻咽癌).
SOUND_TERM_CHARS = 6
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_U64 = (1 << 64) - 1
#: A bare number of at least this many digits in a claim (a hotline, a code: 96010) is a key term.
NUMBER_TERM_DIGITS = 5
#: A quantity with its unit is a key term from this value on (14天, 十四天; 3人 or 2年 are in too many titles).
NUMBER_TERM_MIN = 10
#: Whether the C extension (``cprefilter.c``) does the per-claim work.
NATIVE: bool = cprefilter is not None


class PreFilter:
    """The key-term automaton of a set of match keys (claims).

    The tables are public for tests and tools; they are built once and never changed:
    ``terms[slot]`` the key term of an automaton slot, ``owners[slot]`` the claims holding it (sorted),
    ``idf[slot]`` how specific it is (log inverse claim frequency, + 1), ``rare`` the slots that count
    twice, ``claim_slots[claim]`` its key-term slots, ``claim_chars[claim]`` its content characters,
    ``claim_need[claim]`` the key-term weight a short text must share with it
    (:data:`MIN_CLAIM_COVER` times its content-word weight); ``tables`` the same as flat arrays for the C
    loops (owners, claims' slots and characters as offset rows; rarity, idf and length per slot; need per
    claim: the order ``cprefilter.c`` documents); ``sound_tables`` what :meth:`sound_hits` reads in C (syllable
    codes, the table from a term's codes to its slots and their characters, filler flags, common two-character
    words); ``key_tables`` the key terms and curated triggers as the C scan reads them (:func:`_key_tables`).
    """

    def __init__(self, analyses: Sequence[Analysis], curated: Sequence[Iterable[str]] = (), *,
                 max_posting: int = 1000, texts: Sequence[str] = ()) -> None:
        postings: dict[str, set[int]] = {}
        chars: list[frozenset[str]] = []
        for i, a in enumerate(analyses):
            folded = prepare(texts[i]).folded if i < len(texts) else ""
            # slots in an order no string hash decides: the same in every replica
            for term in sorted(_terms(a) | number_terms(folded)):
                postings.setdefault(term, set()).add(i)
            # the characters of the claim as written count too (照片, 曝光: words the analysis drops)
            chars.append(_chars(a) | _raw_chars(folded))
        # a phrase the analysis rewrites (新型冠状病毒 → 新冠病毒) stands for the words it becomes
        for phrase, target in PHRASE_EQUIVALENTS.items():
            pieces = {w[i:j] for w in target.split() for i in range(len(w)) for j in range(i + 2, len(w) + 1)}
            owners = set().union(*(postings.get(x, set()) for x in pieces))
            if owners and phrase not in postings:
                postings[phrase] = owners
        n = max(len(analyses), 1)
        self.terms: list[str] = []
        self.owners: list[tuple[int, ...]] = []
        self.idf: list[float] = []
        self.rare: frozenset[int] = frozenset()
        rare: set[int] = set()
        slot_of: dict[str, int] = {}
        claim_slots: list[set[int]] = [set() for _ in analyses]
        # the automaton reads UTF-16 code units shown as latin-1 (an alphabet of 256 symbols: a node's
        # children are few, so the scan is several times faster than over characters); a match ending
        # on an odd byte is character-aligned
        ids = list(range(len(analyses)))  # one int object per claim, allocated together (cache locality)
        auto = ahocorasick.Automaton()
        for term, owners in postings.items():
            if len(owners) > max_posting:
                continue  # too common to nominate
            slot = len(self.terms)
            auto.add_word(_u16(term), slot)
            slot_of[term] = slot
            self.terms.append(term)
            self.owners.append(tuple(ids[i] for i in sorted(owners)))
            self.idf.append(math.log((n + 1) / (len(owners) + 1)) + 1.0)
            if len(term) >= RARE_TERM_CHARS and len(owners) <= RARE_TERM_CLAIMS:
                rare.add(slot)
            for i in owners:
                claim_slots[i].add(slot)
        self.rare = frozenset(rare)
        self._posting_len = [len(o) for o in self.owners]
        # each claim's key-term slots as one flat sorted array, for the claims examined in bulk
        # (:meth:`_bulk`)
        self._claim_offsets = np.zeros(len(claim_slots) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in claim_slots], out=self._claim_offsets[1:])
        self._claim_flat = np.fromiter(chain.from_iterable(sorted(x) for x in claim_slots), dtype=np.int32,
                                       count=int(self._claim_offsets[-1]))
        # and its content characters (code points, sorted)
        self._char_offsets = np.zeros(len(chars) + 1, dtype=np.int64)
        np.cumsum([len(x) for x in chars], out=self._char_offsets[1:])
        self._char_flat = np.fromiter(chain.from_iterable(sorted(map(ord, x)) for x in chars), dtype=np.int32,
                                      count=int(self._char_offsets[-1]))
        self._idf = np.asarray(self.idf, dtype=np.float64)
        self._term_len = [len(t) for t in self.terms]
        self.claim_slots = [frozenset(x) for x in claim_slots]
        self.claim_chars = chars
        # the weight of what each claim says: its content words of two characters or more, by specificity
        # (a word too common to be a key weighs as little as the commonest key)
        floor = math.log((n + 1) / (max_posting + 1)) + 1.0
        self.claim_need = [MIN_CLAIM_COVER * (
            sum(self.idf[slot_of[w]] if w in slot_of else floor for w in _claim_words(a)) or 1.0) for a in analyses]
        self._need = np.asarray(self.claim_need, dtype=np.float64)
        # the owners of each slot as one flat array, and per slot its rarity and length: with the claims'
        # slots, characters, idf and need, what the C loops read (``cprefilter.c``)
        owner_offsets = np.zeros(len(self.owners) + 1, dtype=np.int64)
        np.cumsum(self._posting_len, out=owner_offsets[1:])
        owner_flat = np.fromiter(chain.from_iterable(self.owners), dtype=np.int32, count=int(owner_offsets[-1]))
        rare_flags = np.zeros(len(self.terms), dtype=np.uint8)
        rare_flags[sorted(self.rare)] = 1
        self.tables: tuple[np.ndarray, ...] = (
            owner_flat, owner_offsets, self._claim_flat, self._claim_offsets, self._char_flat, self._char_offsets,
            rare_flags, self._idf, np.asarray(self._term_len, dtype=np.int32), self._need)
        self.sound_tables, self._sound_keys = _sound_tables(self.terms)
        keys = dict(zip(self.terms, range(len(self.terms))))
        for phrases in curated:
            for phrase in phrases:
                key = trigger_key(phrase)
                if len(key) >= 2:
                    auto.add_word(_u16(key), -1)
                    keys[key] = -1  # (over a term's slot, as in the automaton)
        self.key_tables = _key_tables(keys)
        self._auto = auto if len(auto) else None
        if self._auto is not None:
            self._auto.make_automaton()
            _char_counts()  # loaded with the index, not by the first text
        self._native = self._native_filter()

    def _native_filter(self) -> "cprefilter.Filter | None":
        """The C decision over this filter's tables (None without the extension): it holds their buffers once."""
        if cprefilter is None:
            return None
        return cprefilter.Filter(self.tables, self.sound_tables, self.key_tables, _weight_table(), "".join(sorted(_CLAUSE_END)),
                                 SEED_CLAIMS, SHORT_TEXT_CHARS, MIN_COVER, SINGLE_CREDIT, SOUND_TERM_CHARS)

    def __getstate__(self) -> dict[str, object]:
        state = self.__dict__.copy()
        state["_native"] = None  # holds buffers, not data: built again on load
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._native = self._native_filter()

    def __len__(self) -> int:
        return len(self.terms)

    def compacted(self) -> "PreFilter":
        """A copy whose tables are allocated together, in order (a pickle round trip of this object, in
        process). Built amid the index's temporaries they are scattered over the heap, and the look-ups of
        one text miss the cache: at 100k rumours the copy answers in about 20 % less time per text, for
        ~3 s more build and ~50 MB (the claim numbers are no longer shared ints)."""
        copy: PreFilter = pickle.loads(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        return copy

    def passes(self, folded: str) -> bool:
        """Whether the folded text (:attr:`plugin.normalize.Prepared.folded`) may match a claim."""
        auto = self._auto
        if auto is None:
            return False
        # question / hedge wording (是真的吗, 听说, 靠谱不 ...) is no part of what a claim must explain
        text = QUESTION_RE.sub("", folded.replace(BREAK, "。").replace(" ", ""))
        if self._native is not None:
            try:
                return self._native.decide(text)
            except ValueError:  # a character beyond the BMP (told in O(1)): the steps below, C loops and all
                pass
        hits = self._hits(text)
        if hits is None:
            return True  # a curated trigger phrase
        if not hits:
            return False  # (a typo counts beside a key term written as it is: most titles hold none)
        hits.extend(self.sound_hits(text))
        hit_slots = {slot for slot, _end in hits}
        if len(hit_slots) == 1 and hit_slots.isdisjoint(self.rare):
            return False  # one key term, not a rare one: no claim holds two of the text's (a third of titles)
        # the claims examined: those owning the text's rarest terms, up to SEED_CLAIMS of them (a claim
        # the text is about shares one of its more specific terms; common words alone nominate nothing)
        size = self._posting_len
        ranked = sorted(hit_slots, key=lambda slot: (size[slot], slot))
        if size[ranked[0]] > SEED_CLAIMS:
            return False  # no term specific to a claim (only common ones)
        seed_slots: list[int] = []
        total = 0
        for slot in ranked:
            total += size[slot]
            if seed_slots and total > SEED_CLAIMS:
                break
            seed_slots.append(slot)
        if cprefilter is not None:
            return self._decided_native(text, hits, hit_slots, seed_slots)
        return self._decided(text, hits, hit_slots, seed_slots)

    def _decided_native(self, text: str, hits: list[tuple[int, int]], hit_slots: set[int],
                        seed_slots: list[int]) -> bool:
        """:meth:`_decided` by the C loops: the claims naming two key terms (and enough of what they
        say), then the coverage of their characters."""
        short = len(text) <= SHORT_TEXT_CHARS
        claims = cprefilter.claims_naming(self.tables, seed_slots, sorted(hit_slots), short)
        if not claims:
            return False
        if not short:
            return True
        weights = _position_weights(text)
        return cprefilter.explains(self.tables, claims, [slot for slot, _end in hits], [end for _slot, end in hits],
                                   text, weights, _clauses(text, weights), MIN_COVER, SINGLE_CREDIT)

    def _decided(self, text: str, hits: list[tuple[int, int]], hit_slots: set[int], seed_slots: list[int]) -> bool:
        """Whether a claim owning one of ``seed_slots`` (the text's rarest key terms) holds two key terms of
        ``text`` and, for a short text, says enough of it (the Python twin of :meth:`_decided_native`)."""
        owners = self.owners
        size = self._posting_len
        if len(seed_slots) == 1:
            counts: dict[int, int] = dict.fromkeys(owners[seed_slots[0]], 1)
        else:
            counts = Counter(chain.from_iterable(owners[s] for s in seed_slots))
        # two distinct key terms of the claim: two seeds, or a seed and another term of the text (a rare
        # seed counts twice: a typo or a pair beside it may do the rest)
        extra = hit_slots.difference(seed_slots)
        extra.update(self.rare.intersection(seed_slots))
        found = [i for i, k in counts.items() if k > 1]
        if extra:
            # the claims owning another term: through the terms' owners when they are fewer than the
            # claims examined (a rare extra term), else claim by claim
            if sum(size[s] for s in extra) <= OWNERS_PER_CLAIM * len(counts):
                owning = set().union(*(counts.keys() & owners[s] for s in extra))
                found.extend(i for i in owning if counts[i] < 2)
            else:
                slots_of = self.claim_slots
                found.extend(i for i, k in counts.items() if k < 2 and not extra.isdisjoint(slots_of[i]))
        if not found:
            return False
        if len(text) > SHORT_TEXT_CHARS:
            return True
        return self._explained(text, hits, hit_slots, found)

    def _explained(self, text: str, hits: list[tuple[int, int]], hit_slots: set[int], found: list[int]) -> bool:
        """Whether one of the ``found`` claims (two key terms in the short ``text``) names enough of what
        it says (:data:`MIN_CLAIM_COVER`) and explains enough of the text (:data:`MIN_COVER`).

        Claims alike for the text (the same key terms in it, the same of its characters) are asked once:
        near-copies of one post are many."""
        cover: _Coverage | None = None
        if len(found) > BULK_CLAIMS and len(hit_slots) <= BULK_BITS:
            kept = self._bulk(hit_slots, found)
            if kept is None:
                return False
            cover = _Coverage(text, hits, self._term_len)
            alike = self._bulk_alike(cover, *kept)
        else:
            idf, need, slots_of, chars_of = self.idf, self.claim_need, self.claim_slots, self.claim_chars
            alike = set()
            for i in found:
                mine = hit_slots.intersection(slots_of[i])
                if sum(idf[s] for s in sorted(mine)) >= need[i]:  # (in slot order, as the C loops and the bulk path add)
                    if cover is None:
                        cover = _Coverage(text, hits, self._term_len)
                    alike.add((frozenset(mine), chars_of[i].intersection(cover.by_char)))
        return cover is not None and any(cover.explained(mine, chars) for mine, chars in alike)

    def _bulk(self, hit_slots: set[int], found: list[int]) -> "tuple[np.ndarray, np.ndarray, list[int]] | None":
        """The ``found`` claims naming enough (their key terms in the text weigh at least their
        :attr:`claim_need`), with those terms as a bit mask over ``sorted(hit_slots)``; array work for many
        claims at once. None when no claim names enough."""
        claims = np.asarray(found, dtype=np.int64)
        slot_list = sorted(hit_slots)
        slots = np.asarray(slot_list, dtype=np.int32)
        terms, owner = _gather(self._claim_flat, self._claim_offsets, claims)
        where = np.minimum(np.searchsorted(slots, terms), len(slot_list) - 1)
        shared = slots[where] == terms
        owner, where = owner[shared], where[shared]
        weight = np.bincount(owner, weights=self._idf[slots][where], minlength=len(claims))
        keep = weight >= self._need[claims]
        if not keep.any():
            return None
        bits = np.bincount(owner, weights=np.exp2(where), minlength=len(claims))
        return claims[keep], bits[keep], slot_list

    def _bulk_alike(self, cover: "_Coverage", claims: np.ndarray, bits: np.ndarray, slot_list: list[int]
                    ) -> set[tuple[frozenset[int], frozenset[str]]]:
        """The distinct (key terms in the text, characters of the text) of ``claims`` (terms as bit masks)."""
        chars = sorted(cover.by_char)
        codes = np.asarray([ord(c) for c in chars], dtype=np.int32)
        alike: set[tuple[int, int]] = set()
        if len(codes) > BULK_BITS:
            chars_of = self.claim_chars
            return {(frozenset(s for k, s in enumerate(slot_list) if b >> k & 1), chars_of[i].intersection(chars))
                    for i, b in zip(claims.tolist(), bits.astype(np.int64).tolist())}
        if len(codes):
            held, owner = _gather(self._char_flat, self._char_offsets, claims)
            where = np.minimum(np.searchsorted(codes, held), len(codes) - 1)
            shared = codes[where] == held
            char_bits = np.bincount(owner[shared], weights=np.exp2(where[shared]), minlength=len(claims))
            alike.update(zip(bits.astype(np.int64).tolist(), char_bits.astype(np.int64).tolist()))
        else:
            alike.update((b, 0) for b in bits.astype(np.int64).tolist())
        return {(frozenset(s for k, s in enumerate(slot_list) if b >> k & 1),
                 frozenset(c for k, c in enumerate(chars) if m >> k & 1)) for b, m in alike}

    def sound_hits(self, text: str) -> list[tuple[int, int]]:
        """(slot, end character) of every key term ``text`` holds as a sound-alike typo (:data:`SOUND_TERM_CHARS`):
        the same syllables, exactly one character written otherwise, and read as a typo — the two characters
        differing are no particle or numeral (是一 is no typo of 十一), a window of two characters is no common
        word of its own (可以 is none of 可疑), and neither edge is glued to its neighbour in a common word
        (官方回应 holds 方回, no typo of 返回). By window start, then length, then slot."""
        if cprefilter is not None:
            return cprefilter.sound_hits(self.sound_tables, self.terms, text, SOUND_TERM_CHARS)
        keys = self._sound_keys
        if not keys:
            return []
        coded = text.translate(_code_chars())
        terms = self.terms
        common = _common_pairs()
        out: list[tuple[int, int]] = []
        for i in range(len(text) - 1):
            for k in range(2, min(SOUND_TERM_CHARS, len(text) - i) + 1):
                window = coded[i:i + k]
                if "\0" in window:
                    break
                for slot in keys.get(window, ()):
                    differ = [(a, b) for a, b in zip(text[i:i + k], terms[slot]) if a != b]
                    if (len(differ) == 1 and differ[0][0] not in _FILLER and differ[0][1] not in _FILLER
                            and not (k == 2 and text[i:i + 2] in common)
                            and not (i > 0 and text[i - 1:i + 1] in common)
                            and not (i + k < len(text) and text[i + k - 1:i + k + 1] in common)):
                        out.append((slot, i + k - 1))
        return out

    def _hits(self, text: str) -> list[tuple[int, int]] | None:
        """(slot, end character) of every key term in ``text``, in scan order; None on a curated trigger."""
        auto = self._auto
        assert auto is not None
        wide = _u16(text)
        hits: list[tuple[int, int]] = []
        if len(wide) == 2 * len(text):
            for end, slot in auto.iter(wide):
                if end & 1:
                    if slot < 0:
                        return None
                    hits.append((slot, end >> 1))
            return hits
        # astral characters take two code units: map unit offsets back, and check each match
        unit_char = [i for i, ch in enumerate(text) for _unit in range(2 if ord(ch) > 0xFFFF else 1)]
        terms = self.terms
        for end, slot in auto.iter(wide):
            if end & 1:
                x = unit_char[end >> 1]
                if slot < 0:
                    return None
                if text[x - len(terms[slot]) + 1 : x + 1] == terms[slot]:
                    hits.append((slot, x))
        return hits


@lru_cache(maxsize=1)
def sound_codes() -> np.ndarray:
    """A code per BMP character (uint16, 0 for none): equal for characters of the same toneless syllable, the
    usual input-method confusions folded (:func:`plugin.rumors.analysis.fold_syllable` over the shared reading
    table :func:`plugin.variants.syllables`, the one the matcher's homophone keys use)."""
    table = syllables()
    folded = {ch: fold_syllable(sy) for ch, sy in table.items() if len(ch) == 1 and ord(ch) < 0x10000 and sy}
    number = {sy: k for k, sy in enumerate(sorted(set(folded.values())), 1)}
    codes = np.zeros(0x10000, dtype=np.uint16)
    for ch, sy in folded.items():
        codes[ord(ch)] = number[sy]
    codes.setflags(write=False)
    return codes


@lru_cache(maxsize=1)
def _common_pairs() -> frozenset[str]:
    """The common two-character words of the dictionary (:meth:`plugin.segment.Segmenter.is_common`)."""
    seg = segmenter()
    return frozenset(w for w, _f in seg.words(min_len=2, max_len=2)
                     if seg.is_common(w) and ord(w[0]) < 0x10000 and ord(w[1]) < 0x10000)


@lru_cache(maxsize=1)
def _typo_tables() -> tuple[np.ndarray, np.ndarray]:
    """The filler flags (uint8 per BMP character) and the common two-character words of BMP characters as
    sorted ``first << 16 | second`` (uint32): what ``cprefilter.sound_hits`` reads beside the sound table."""
    filler = np.zeros(0x10000, dtype=np.uint8)
    filler[[ord(c) for c in _FILLER]] = 1
    common = np.asarray(sorted(ord(w[0]) << 16 | ord(w[1]) for w in _common_pairs()), dtype=np.uint32)
    filler.setflags(write=False)
    common.setflags(write=False)
    return filler, common


@lru_cache(maxsize=1)
def _code_chars() -> dict[int, str]:
    """:func:`sound_codes` as a ``str.translate`` table onto code characters (``\\0`` for none): the Python twin's."""
    codes = sound_codes()
    table = {x: chr(int(c)) for x, c in enumerate(codes) if c}
    return _DefaultNul(table)


class _DefaultNul(dict[int, str]):
    """A translate table giving ``\\0`` for every character it does not hold."""

    def __missing__(self, key: int) -> str:
        return "\0"


#: Bits of the sound tables' prefix bitmap (128 KB: it stays in cache where the hash table, at 100k rumours, does not).
_PREFIX_BITS = 1 << 20


def _sound_tables(terms: Sequence[str]) -> tuple[tuple[np.ndarray, ...], dict[str, list[int]]]:
    """The sound-alike table of ``terms`` for the C loops (``cprefilter.sound_hits``: codes, then an open-addressing
    table from the FNV-1a hash of a term's codes to its row of slots and their terms' characters, the typo tables and
    a bitmap of the hashes of every code prefix, which ends a window early) and the same as a dict for the Python
    twin."""
    codes = sound_codes()
    by_code: dict[str, list[int]] = {}
    by_hash: dict[int, list[int]] = {}
    prefixes = np.zeros(_PREFIX_BITS // 8, dtype=np.uint8)  # every code prefix of two or more, hashed
    for slot, term in enumerate(terms):
        if not 2 <= len(term) <= SOUND_TERM_CHARS or any(ord(c) >= 0x10000 or not codes[ord(c)] for c in term):
            continue
        seq = [int(codes[ord(c)]) for c in term]
        by_code.setdefault("".join(map(chr, seq)), []).append(slot)
        h = _FNV_OFFSET
        for k, c in enumerate(seq, 1):
            h = ((h ^ c) * _FNV_PRIME) & _U64
            if k >= 2:
                bit = (h ^ (h >> 29)) & (_PREFIX_BITS - 1)
                prefixes[bit >> 3] |= 1 << (bit & 7)
        by_hash.setdefault(h, []).append(slot)
    size = 1
    while size < 2 * len(by_hash):
        size *= 2
    # one probe reads one entry: (hash, start << 32 | count); a row entry holds its slot and its term's characters
    # (two per word), so comparing a window with the terms of its row reads no term object
    table = np.zeros(2 * size if by_hash else 0, dtype=np.uint64)
    rows: list[int] = []
    mask = size - 1
    for h, slots in by_hash.items():
        p = (h ^ (h >> 29)) & mask
        while table[2 * p + 1]:
            p = (p + 1) & mask
        table[2 * p], table[2 * p + 1] = h, len(rows) // _ROW_WORDS << 32 | len(slots)
        for slot in slots:  # ascending: slots were visited in order
            chars = [ord(c) for c in terms[slot]] + [0] * (2 * (_ROW_WORDS - 1) - len(terms[slot]))
            rows.append(slot)
            rows.extend(chars[k] | chars[k + 1] << 16 for k in range(0, len(chars), 2))
    return (codes, table, np.asarray(rows, dtype=np.uint32), *_typo_tables(), prefixes), by_code


#: Words of a sound-table row entry (``cprefilter.c``): the slot, then the term's characters two per word.
_ROW_WORDS = 4


@lru_cache(maxsize=1)
def _weight_table() -> np.ndarray:
    """:func:`char_weight` of every BMP character (float64), what ``cprefilter.Filter`` reads."""
    weigh = char_weight.__wrapped__
    table = np.fromiter((weigh(chr(x)) for x in range(0x10000)), dtype=np.float64, count=0x10000)
    table.setflags(write=False)
    return table


def _key_tables(keys: dict[str, int]) -> tuple[np.ndarray, ...]:
    """The key terms and curated triggers (``keys``: text → slot, -1 for a trigger) of the BMP for ``cprefilter``'s
    scan, which finds what the automaton finds in a BMP text without it: an open-addressing table from the FNV-1a hash
    of a key's characters to its row entries (value, offset in ``pool``, length), the characters, and two bitmaps of
    hashes — of every prefix some key continues (a window that no key continues ends there) and of the keys."""
    rows: list[int] = []
    pool: list[int] = []
    by_hash: dict[int, list[int]] = {}
    prefixes = bytearray(_PREFIX_BITS // 8)
    whole = bytearray(_PREFIX_BITS // 8)
    for key, value in keys.items():
        if any(ord(c) >= 0x10000 for c in key):
            continue  # never in a BMP text
        h = _FNV_OFFSET
        for k, c in enumerate(key, 1):
            h = ((h ^ ord(c)) * _FNV_PRIME) & _U64
            bit = (h ^ (h >> 29)) & (_PREFIX_BITS - 1)
            (whole if k == len(key) else prefixes)[bit >> 3] |= 1 << (bit & 7)
        by_hash.setdefault(h, []).append(len(rows) // 3)
        rows.extend((value, len(pool), len(key)))
        pool.extend(map(ord, key))
    size = 1
    while size < 2 * len(by_hash):
        size *= 2
    table = np.zeros(2 * size if by_hash else 0, dtype=np.uint64)
    flat = np.asarray(rows, dtype=np.int32).reshape(-1, 3)
    ordered: list[np.ndarray] = []
    mask = size - 1
    start = 0
    for h, entries in by_hash.items():
        p = (h ^ (h >> 29)) & mask
        while table[2 * p + 1]:
            p = (p + 1) & mask
        table[2 * p], table[2 * p + 1] = h, start << 32 | len(entries)
        ordered.append(flat[entries])
        start += len(entries)
    rows_out = np.concatenate(ordered).reshape(-1) if ordered else np.zeros(0, dtype=np.int32)
    return (table, rows_out, np.asarray(pool, dtype=np.uint16), np.frombuffer(bytes(prefixes), dtype=np.uint8),
            np.frombuffer(bytes(whole), dtype=np.uint8))


class _Coverage:
    """How much of one short text a claim explains, clause by clause (:data:`MIN_COVER`): each character
    by how informative it is (:func:`char_weight`), a character inside a shared key term fully, one found
    only somewhere in the claim at :data:`SINGLE_CREDIT`. Built once per text, asked per claim."""

    def __init__(self, text: str, hits: Sequence[tuple[int, int]], term_len: Sequence[int]) -> None:
        self.weights = _position_weights(text)
        self.clauses = _clauses(text, self.weights)
        weights = self.weights
        # each hit's characters that weigh something (the others add nothing), in scan order
        self.hits = [(slot, [x for x in range(end - term_len[slot] + 1, end + 1) if weights[x]]) for slot, end in hits]
        self.by_char: dict[str, list[int]] = {}
        for x, ch in enumerate(text):
            if weights[x]:
                self.by_char.setdefault(ch, []).append(x)

    def explained(self, slots: AbstractSet[int], claim_chars: frozenset[str]) -> bool:
        """Whether a claim whose key terms in the text are ``slots`` explains one clause enough."""
        credit: dict[int, float] = {}
        for slot, positions in self.hits:
            if slot in slots:
                for x in positions:
                    credit[x] = 1.0
        singles = [x for ch in claim_chars.intersection(self.by_char) for x in self.by_char[ch] if x not in credit]
        singles.sort()
        for x in singles:
            credit[x] = SINGLE_CREDIT
        weights = self.weights
        # one clause explained enough (a title is one clause; a chain message repeats the claim in one):
        # a claim that explains only the common characters of a title (一个 ... 感觉) does not explain it
        for start, stop, content in self.clauses:
            if sum(weights[x] * c for x, c in credit.items() if start <= x < stop) >= MIN_COVER * content:
                return True
        return False


def _gather(flat: np.ndarray, offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The values of ``rows`` of a flat ragged array (row ``r`` is ``flat[offsets[r]:offsets[r + 1]]``),
    concatenated, and for each value the position of its row in ``rows``."""
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    index = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    return flat[index], np.repeat(np.arange(len(rows)), lengths)


def _u16(s: str) -> str:
    """UTF-16-BE code units shown as latin-1 (what the automaton reads)."""
    return s.encode("utf-16-be", "surrogatepass").decode("latin-1")


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
    return list(map(char_weight, text))


def _clauses(text: str, weights: Sequence[float]) -> list[tuple[int, int, float]]:
    """(start, stop, content weight) of each clause of ``text`` (two content characters or more) and of
    the whole text. ``weights``: :func:`char_weight` of each character (non-zero for the content
    characters, and for latin letters, which do not count as content here)."""
    out: list[tuple[int, int, float]] = []
    start = 0
    for i in [x for x, ch in enumerate(text) if ch in _CLAUSE_END] + [len(text)]:
        if sum(1 for x in range(start, i) if weights[x] and not text[x].isascii()) >= 2:
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


def _raw_chars(folded: str) -> frozenset[str]:
    """The content characters of a claim's folded text."""
    return frozenset(c for c in folded if is_cjk(c) and c not in _FILLER)


_DIGITS = frozenset("0123456789")
_UNITS_LONGEST = tuple(sorted({u for group in MEASURE_WORDS.values() for u in group}, key=lambda u: (-len(u), u)))


def _digit_run(text: str, i: int) -> int:
    """The end of the run of ASCII digits starting at ``i``."""
    while i < len(text) and text[i] in _DIGITS:
        i += 1
    return i


def _spellings(n: int) -> tuple[str, ...]:
    """``n`` in digits and in Chinese numerals (14, 十四; 30000, 3万, 三万)."""
    forms = (str(n), *chinese_numerals(n))
    if n >= 10**4 and n % 10**4 == 0:
        forms += (f"{n // 10**4}万",)
    return forms


def number_terms(folded: str) -> set[str]:
    """The numbers of a claim's folded text as searchers write them, key terms beside its words (the analysis
    keeps a number without its unit, and the words cannot hold it): a quantity with its unit in digits and in
    Chinese numerals from :data:`NUMBER_TERM_MIN` on (14天, 十四天; 30000元, 3万元, 三万元), a date (5月6日, 5月6号,
    五月六日), the fixed-date holiday the claim names or whose date it gives (元旦 ↔ 1月1日), a bare number of
    :data:`NUMBER_TERM_DIGITS` digits or more (96010), a percentage from :data:`NUMBER_TERM_MIN` on (95%,
    百分之九十五) and a fraction (八分之一, 1/8). Decimals are left out."""
    if not folded:
        return set()
    text = dates_to_digits(quantities_to_digits(folded))
    out = {h for h in FIXED_HOLIDAYS if h in folded}
    for num, den in fractions(folded):
        out.add(f"{num}/{den}")
        out.update(f"{d}分之{n}" for d, n in zip(_spellings(den)[:2], _spellings(num)[:2]))
    i = 0
    while i < len(text):
        if text[i] not in _DIGITS:
            i += 1
            continue
        j = _digit_run(text, i)
        n = int(text[i:j])
        if text[i - 1:i] == "." or (text[j:j + 1] == "." and text[j + 1:j + 2] in _DIGITS):
            i = _digit_run(text, j + 1) if text[j:j + 1] == "." else j
            continue  # a decimal (3.5%, 1.5倍)
        k = _digit_run(text, j + 1)
        if text[j:j + 1] == "月" and k > j + 1 and text[k:k + 1] in ("日", "号"):
            day = int(text[j + 1:k])
            for m, d in zip(_spellings(n)[:2], _spellings(day)[:2]):  # in digits, in numerals
                out.update((f"{m}月{d}日", f"{m}月{d}号"))
            out.update(h for h, date in FIXED_HOLIDAYS.items() if date == f"{n}月{day}日")
            i = k + 1
            continue
        unit = "%" if text[j:j + 1] == "%" else next((u for u in _UNITS_LONGEST if text.startswith(u, j)), "")
        if unit == "%" and n >= NUMBER_TERM_MIN:
            out.update((f"{n}%", *(f"百分之{f}" for f in _spellings(n)[1:2])))
        elif unit and n >= NUMBER_TERM_MIN:
            out.update(f + unit for f in _spellings(n))
        elif not unit and j - i >= NUMBER_TERM_DIGITS:
            out.add(text[i:j])
        i = j
    return {t for t in out if len(t) >= 2}


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
