"""Hashed character n-gram features, shared by training and scoring (one definition, so a trained
model and the scorer always agree).

The text view is the matcher's dense view (:func:`plugin.normalize.normalize`: width, case,
traditional→simplified and look-alike folding, invisible characters, punctuation and spaces removed,
repeats collapsed, sentence ends kept as one break character) of the text with the scheme, port and
path of every URL blanked out (the host stays: ``https://x.cyou/?c=daa1`` reads ``x.cyou``; a random
path looks like a contact id and taught an early model that link-sharing social posts are spam), and
with ASCII digits folded to ``0`` when ``fold_digits`` is set, so ``加v 1 2 3`` and ``加V：９８７``
share their n-grams. Blanking keeps the text's length, so view offsets still map to the original. Every character
n-gram of length ``ngram_min``..``ngram_max`` is hashed to one of ``2**hash_bits`` buckets with a fixed
64-bit multiplicative hash of its code points (no Python ``hash()``: stable across processes).

Two optional feature families (off in older cards, which therefore score exactly as before) survive
code-word churn, where a spammer swaps a word for a homophone or hides a contact id:

- ``homophones``: the 2- and 3-grams of the *homophone-class view* (every CJK character mapped to its
  toneless-reading class, :meth:`plugin.variants.VariantTables.homophone_key`, the matcher's own
  table), hashed apart from the character n-grams, so 菠菜 / 波菜 / 播彩 share features;
- ``shapes``: tokens for the shape of contact and money patterns, which stay while the words change:
  digit runs by length class (``D2`` … ``D5+``: phone, QQ and WeChat numbers), Latin runs (``L`` for
  pinyin or an English word, ``H`` for a letter-and-digit handle such as ``vx8023``), each also paired
  with the character before it (``加`` + ``D5+``);
- ``topic_cues``: one token per class of topic words present (what is promised, offered, bet on, the money
  scheme, illicit goods: :data:`plugin.scoring.cues.TOPIC_CUE_NAMES`), and one per class with a way to reach
  the sender beside it;
- ``words``: word unigrams (two characters or more) and word bigrams (three characters or more) of the dense view
  as the one segmenter cuts it (:func:`plugin.segment.segmenter`: jieba's dictionary, precise mode, about 3 µs a
  title in C), hashed apart from the character n-grams: a word and the word beside it, which character 3-grams
  see only in part (明天 | 下雨);
- ``cues``: one token per structural spam cue present in the text (:mod:`plugin.scoring.cues`: contact
  handles and ids, links written out or disguised, money amounts, rates and odds, calls to action,
  split characters, Latin letters inside Chinese words, pictographs, and their conjunctions), each a
  feature with its own learned weight.

A text's feature vector is the bucket counts divided by the square root of the number of n-grams.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any


import numpy as np
import numpy.typing as npt

from .. import fixed_regex
from ..normalize import NormalizedText, prepare
from ..segment import segmenter
from .cues import cue_spans, topic_cue_spans
from ..variants import load_variant_tables

__all__ = ["FEATURE_SCHEME", "REACH_CUES", "FeatureSettings", "Grams", "has_reach", "text_grams", "url_blanked"]

#: Identifies the hashing scheme below; a model trained with another scheme is refused.
FEATURE_SCHEME = "urlhost-dense-cp-mul64-v1"

_BASE = np.uint64(0x110000)  # > every code point: distinct n-grams have distinct keys
_MIX1 = np.uint64(0x9E3779B97F4A7C15)
_MIX2 = np.uint64(0xBF58476D1CE4E5B9)
_SHIFT = np.uint64(31)
_NO_DIGITS = {0: 1}  # the break character (code point 0) becomes 1, so no code point is 0
_DIGITS = str.maketrans("\x00123456789", "\x01000000000")
_EMPTY = np.zeros(0, dtype=np.int64)
#: Added to the keys of a feature family before mixing, so it hashes apart from the character n-grams.
_SALT_HOMOPHONE = np.uint64(0x5BD1E9955BD1E995)
_SALT_SHAPE = np.uint64(0xC2B2AE3D27D4EB4F)
_SALT_SHAPE_INT = int(_SALT_SHAPE)
#: Salts of the word unigrams and bigrams (:attr:`FeatureSettings.words`), and how a bigram's two keys combine.
_SALT_WORD = 0x27D4EB2F165667C5
_SALT_WORD_PAIR = 0x94D049BB133111EB
_WORD_PAIR_MIX = 0x100000001B3
#: Cue tokens share the shape tokens' salt; the prefix (not a character of any dense view) keeps them apart.
_CUE_PREFIX = "\x02cue:"
#: Cues that give the reader a way to act (reach the sender): a topic cue with one of them is its own token.
REACH_CUES = frozenset({"contact", "contact_id", "link", "cta"})
#: Shapes in the dense view (digits folded to 0): digit runs, Latin runs with or without digits.
_SHAPE = fixed_regex.compile(r"[a-z0]*[a-z][a-z0]*|0+")
#: A URL: optional scheme, a host name or IPv4 address, optional port and path / query / fragment.
_URL = fixed_regex.compile(r"(?i)(https?://|www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,12}|\p{Nd}{1,3}(?:\.\p{Nd}{1,3}){3})(:\p{Nd}{1,5})?"
                  r"([/?#][\x21-\x7e]*)?")
_URL_HINT = fixed_regex.compile(r"(?i)https?:|www\.|[a-z0-9]\.[a-z]{2,12}[:/?#]")
#: Deleted by normalisation (an invisible character), so a blanked URL part vanishes from the view.
_BLANK = "\u200b"


def _blank_url(m: fixed_regex.FixedMatch) -> str:
    """The URL with its scheme, port and path blanked (same length); a bare host is left alone."""
    if not (m.group(1) or m.group(4)):
        return m.group(0)
    out = list(m.group(0))
    for group in (1, 3, 4):
        if m.group(group):
            a, b = m.span(group)
            out[a - m.start():b - m.start()] = _BLANK * (b - a)
    return "".join(out)


def url_blanked(text: str) -> str:
    """``text`` with the scheme, port and path of every URL blanked out (length unchanged)."""
    if _URL_HINT.search(text) is None:
        return text
    return _URL.sub(_blank_url, text)


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How texts become feature vectors (stored in the model card)."""

    ngram_min: int = 1
    ngram_max: int = 3
    hash_bits: int = 18
    fold_digits: bool = True
    scheme: str = FEATURE_SCHEME
    homophones: bool = False
    shapes: bool = False
    cues: bool = False
    #: Add the n-grams of the *joined view* that take in a joined character: component spellings read as the
    #: character they spell (十尃采彡 → 博彩, 亻乍 → 作; the matcher's split table) and word emoji as their word
    #: (🐧 → 企鹅), hashed like character n-grams, so what the model learned of 博彩 applies to its disguise.
    joined: bool = False
    #: Add one token per topic cue class present (:data:`plugin.scoring.cues.TOPIC_CUE_NAMES`: what is promised,
    #: offered, bet on, the money scheme, illicit goods), and one more for the class when the text also gives a
    #: way to reach the sender (a contact, contact id, link or call to action; needs ``cues``): a class's weight
    #: carries to its words the training rows hardly used. Counted ``cue_repeat`` times, like the cues.
    topic_cues: bool = False
    #: Add word unigrams and bigrams of the segmenter's cut of the dense view (see the module docstring).
    words: bool = False
    #: Each cue token counts this many times (a larger value makes a cue's weight cheaper to learn under
    #: the regulariser than an n-gram's: a prior towards structure over one corpus's wording).
    cue_repeat: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.ngram_min <= self.ngram_max <= 3:
            raise ValueError("n-gram lengths must satisfy 1 <= ngram_min <= ngram_max <= 3")
        if not 1 <= self.cue_repeat <= 8:
            raise ValueError("cue_repeat must be between 1 and 8")
        if not 8 <= self.hash_bits <= 22:
            raise ValueError("hash_bits must be between 8 and 22")
        if self.scheme != FEATURE_SCHEME:
            raise ValueError(f"unknown feature scheme {self.scheme!r} (this version reads {FEATURE_SCHEME!r})")

    @property
    def n_features(self) -> int:
        """Number of hash buckets."""
        return 1 << self.hash_bits

    def to_dict(self) -> dict[str, Any]:
        """The card's ``features``; the optional families only when on, so a card written before they
        existed keeps its content hash."""
        d = asdict(self)
        for family in ("homophones", "shapes", "cues", "joined", "topic_cues", "words"):
            if not d[family]:
                del d[family]
        if d["cue_repeat"] == 1:
            del d["cue_repeat"]
        return d

    @classmethod
    def from_dict(cls, data: Any) -> "FeatureSettings":
        """Settings from a card's ``features`` mapping; ``ValueError`` on unknown keys or bad values."""
        if not isinstance(data, dict):
            raise ValueError("features must be a mapping")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown feature settings: {sorted(unknown)}")
        types = {"ngram_min": int, "ngram_max": int, "hash_bits": int, "fold_digits": bool, "scheme": str,
                 "homophones": bool, "shapes": bool, "cues": bool, "cue_repeat": int, "joined": bool,
                 "topic_cues": bool, "words": bool}
        for key, value in data.items():
            want = types[key]
            if type(value) is not want:  # bool is not an int here, and an int is not a bool
                raise ValueError(f"features.{key} must be {want.__name__}")
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Grams:
    """The hashed features of one text. ``buckets`` lists every occurrence in blocks: the character
    n-grams of length ``ngram_min`` first (in text order), then the next length, and so on; then (when
    on) the homophone-class n-grams the same way; then the shape and cue tokens, whose view spans are ``spans``.
    ``blocks`` lists ``(n, count)`` per block (``n == 0``: the shape block)."""

    view: NormalizedText
    chars: str
    buckets: npt.NDArray[np.int64]
    ngram_min: int
    blocks: tuple[tuple[int, int], ...] = ()
    spans: tuple[tuple[int, int], ...] = ()

    @property
    def scale(self) -> float:
        """The factor every count is multiplied by: 1 / sqrt(number of n-grams)."""
        n = len(self.buckets)
        return 1.0 / float(np.sqrt(n)) if n else 0.0

    def position(self, i: int) -> tuple[int, int]:
        """Start in the view and length of occurrence ``i``."""
        for n, count in self.blocks:
            if i < count:
                return (i, n) if n else (self.spans[i][0], self.spans[i][1] - self.spans[i][0])
            i -= count
        raise IndexError("occurrence out of range")

    def ngram(self, i: int) -> str:
        """The view text of occurrence ``i`` (folded; digits read ``0`` when folded)."""
        start, n = self.position(i)
        return self.chars[start:start + n]

    def original_span(self, i: int) -> tuple[int, int]:
        """Offsets in the ORIGINAL text of occurrence ``i``."""
        start, n = self.position(i)
        return self.view.orig_span(start, start + n)


def _ngram_keys(cps: npt.NDArray[np.uint64], n_min: int, n_max: int,
                blocks: list[tuple[int, int]]) -> list[npt.NDArray[np.uint64]]:
    """The keys of every n-gram of ``cps`` (lengths ``n_min``..``n_max``), recording their blocks."""
    keys: list[npt.NDArray[np.uint64]] = []
    key = cps
    for n in range(1, n_max + 1):
        if n > 1:
            if len(key) <= 1:
                break
            key = key[:-1] * _BASE + cps[n - 1:]
        if n >= n_min:
            keys.append(key)
            blocks.append((n, len(key)))
    return keys


def _codepoints(chars: str) -> npt.NDArray[np.uint64]:
    return np.frombuffer(chars.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _shape_tokens(chars: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Shape tokens of the dense view and their view spans (see the module docstring)."""
    tokens: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _SHAPE.finditer(chars):
        run = m.group(0)
        if run[0] == "0" and run.count("0") == len(run):
            shape = f"D{min(len(run), 5)}" if len(run) > 1 else ""
        elif "0" in run:
            shape = "H"
        else:
            shape = "L" if len(run) > 1 else ""
        if not shape:
            continue
        a, b = m.span()
        tokens.append(shape)
        spans.append((a, b))
        if a > 0:
            tokens.append(chars[a - 1] + shape)
            spans.append((a - 1, b))
    return tokens, spans


def text_grams(text: str, settings: FeatureSettings) -> Grams:
    """The hashed features of ``text`` (see the module docstring)."""
    view = prepare(url_blanked(text)).normalized
    chars = view.dense.translate(_DIGITS if settings.fold_digits else _NO_DIGITS)
    if len(chars) < settings.ngram_min:
        return Grams(view, chars, _EMPTY, settings.ngram_min, ((settings.ngram_min, 0),))
    # every code point is >= 1 here (the break character was moved to 1), so keys are distinct
    blocks: list[tuple[int, int]] = []
    keys = _ngram_keys(_codepoints(chars), settings.ngram_min, settings.ngram_max, blocks)
    spans: tuple[tuple[int, int], ...] = ()
    if settings.homophones and len(chars) > 1:
        classes = load_variant_tables().homophone_key(chars)
        keys += [k ^ _SALT_HOMOPHONE for k in _ngram_keys(_codepoints(classes), max(2, settings.ngram_min),
                                                           settings.ngram_max, blocks)]
    extra: list[int] = []  # word keys, and keys in the character n-grams' key space, with their view spans
    extra_spans: list[tuple[int, int]] = []
    if settings.words and len(chars) > 1:
        extra, extra_spans = _word_keys(chars)
    if settings.joined and len(chars) > 1:
        joined_keys, joined_spans = _joined_keys(chars, settings.ngram_min, settings.ngram_max)
        extra += joined_keys
        extra_spans += joined_spans
    tokens: list[str] = []
    token_spans: list[tuple[int, int]] = []
    if settings.shapes:
        tokens, token_spans = _shape_tokens(chars)
    reach = False
    if settings.cues:
        for name, start, end in cue_spans(view.original, view, chars):
            tokens += [_CUE_PREFIX + name] * settings.cue_repeat
            token_spans += [(start, end)] * settings.cue_repeat
            reach = reach or name in REACH_CUES
    if settings.topic_cues:
        for name, start, end in topic_cue_spans(chars):
            for token in (name, name + "+reach") if reach else (name,):
                tokens += [_CUE_PREFIX + token] * settings.cue_repeat
                token_spans += [(start, end)] * settings.cue_repeat
    if tokens or extra:
        keys.append(np.array([*extra, *(_token_key(t) ^ _SALT_SHAPE_INT for t in tokens)], dtype=np.uint64))
        blocks.append((0, len(extra) + len(tokens)))
        spans = (*extra_spans, *token_spans)
    mixed = np.concatenate(keys) * _MIX1
    mixed ^= mixed >> _SHIFT
    mixed *= _MIX2
    mixed >>= np.uint64(64 - settings.hash_bits)
    return Grams(view, chars, mixed.view(np.int64), settings.ngram_min, tuple(blocks), spans)


def has_reach(text: str, settings: FeatureSettings) -> bool:
    """Whether ``text`` gives a way to reach someone: one of :data:`REACH_CUES` (a contact handle or id, a link, a
    call to action) in the features' dense view of it."""
    view = prepare(url_blanked(text)).normalized
    chars = view.dense.translate(_DIGITS if settings.fold_digits else _NO_DIGITS)
    return any(name in REACH_CUES for name, _, _ in cue_spans(view.original, view, chars))


@lru_cache(maxsize=1)
def _join_tables() -> tuple[dict[str, str], dict[str, str], frozenset[str]]:
    """The matcher's component spellings and word emoji, and every character one of them starts with."""
    tables = load_variant_tables()
    starts = frozenset(form[0] for form in tables.split_join) | frozenset(tables.emoji_join)
    return tables.split_join, tables.emoji_join, starts


def _joined_view(chars: str) -> tuple[str, list[tuple[int, int]], list[bool]]:
    """The joined view of ``chars`` (component spellings and word emoji replaced, greedy left to right, longest
    first), the ``chars`` span each of its characters comes from, and whether it is a joined character."""
    split, emoji, _ = _join_tables()
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    joined: list[bool] = []
    i, n = 0, len(chars)
    while i < n:
        ch = chars[i]
        if ch in emoji:
            for w in emoji[ch]:
                out.append(w)
                spans.append((i, i + 1))
                joined.append(True)
            i += 1
            continue
        for size in (3, 2):
            form = chars[i:i + size]
            if len(form) == size and form in split:
                out.append(split[form])
                spans.append((i, i + size))
                joined.append(True)
                i += size
                break
        else:
            out.append(ch)
            spans.append((i, i + 1))
            joined.append(False)
            i += 1
    return "".join(out), spans, joined


def _joined_keys(chars: str, n_min: int, n_max: int) -> tuple[list[int], list[tuple[int, int]]]:
    """Keys (the character n-grams' key space) and ``chars`` spans of the joined view's n-grams that take in a
    joined character (see :attr:`FeatureSettings.joined`)."""
    split, emoji, starts = _join_tables()
    if starts.isdisjoint(chars) or not any(c in emoji or chars[i:i + 2] in split or chars[i:i + 3] in split
                                           for i, c in enumerate(chars) if c in starts):
        return [], []  # most texts: nothing to join
    view, spans, joined = _joined_view(chars)
    keys: list[int] = []
    out_spans: list[tuple[int, int]] = []
    cps = [1 if c == "\x00" else ord(c) for c in view]
    for start in range(len(view)):
        key = 0
        for n in range(1, n_max + 1):
            end = start + n
            if end > len(view):
                break
            key = key * 0x110000 + cps[end - 1]
            if n >= n_min and any(joined[start:end]):
                keys.append(key & 0xFFFFFFFFFFFFFFFF)
                out_spans.append((spans[start][0], spans[end - 1][1]))
    return keys, out_spans


def _token_key(token: str) -> int:
    """A shape token's key: its code points as one base-0x110000 number, folded into 64 bits."""
    key = 0
    for ch in token:
        key = (key * 0x110000 + ord(ch)) & 0xFFFFFFFFFFFFFFFF
    return key



def _word_keys(chars: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Keys and view spans of the word unigrams (two characters or more) and word bigrams (three or more) of
    ``chars`` as the segmenter cuts it. The break character (``\x01``) is no word and pairs with nothing."""
    edges = segmenter().edges(chars)
    keys: list[int] = []
    spans: list[tuple[int, int]] = []
    prev, prev_start = -1, 0
    for a, b in zip(edges, edges[1:]):
        word = chars[a:b]
        if word == "\x01":
            prev = -1
            continue
        key = _token_key(word)
        if b - a >= 2:
            keys.append(key ^ _SALT_WORD)
            spans.append((a, b))
        if prev >= 0 and b - prev_start >= 3:
            keys.append(((prev * _WORD_PAIR_MIX + key) & 0xFFFFFFFFFFFFFFFF) ^ _SALT_WORD_PAIR)
            spans.append((prev_start, b))
        prev, prev_start = key, a
    return keys, spans
