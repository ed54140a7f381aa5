"""The normalising Aho-Corasick lexicon matcher.

Pipeline for one text (see ``docs/matching.md``; each step is a module of :mod:`plugin.matching`):

1. :func:`plugin.normalize.prepare` gives the *dense* view (folded, noise removed, repeats
   collapsed, sentence ends kept as breaks) with a map back to the original, and the folded text.
2. The dense view is mapped 1:1 to homophone classes and scanned ONCE by one automaton whose keys
   are the class strings of every term, curated variant and shape-alike variant
   (:mod:`~plugin.matching.compile`, :mod:`~plugin.matching.dense`). Split-character spellings
   (弓长 → 张) are joined in the text instead: where the dense view holds a known component
   spelling, a joined view is scanned by the same automaton (:mod:`~plugin.matching.split`).
3. Each candidate is verified against the dense text: an identical string is a direct hit
   (exact / normalized / traditional / invisible / noise / repeat, or the variant's technique);
   otherwise, where the entry enables it, a homophone hit needs most characters identical and
   must not itself be a dictionary word.
4. Text with Latin letters also gets a pinyin pass over windows around the letters
   (:mod:`~plugin.matching.pinyin`); regex entries run on the folded text
   (:mod:`~plugin.matching.patterns`).
5. Filters: validity window, scope, allow phrases, context rules, word boundaries (jieba on a
   window around the hit), then offsets are mapped back to the original
   (:mod:`~plugin.matching.filters`).

Every pass yields :class:`~plugin.matching.Candidate` values; hits report a
:class:`~plugin.matching.Technique`. A compiled :class:`Matcher` is immutable and safe to share
across threads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Iterable, Sequence

from .boundary import WordBoundary
from .errors import InputError
from .lexicon import Entry, Lexicon, bundled_lexicon_paths, load_lexicons
from .matching import TECHNIQUE_RANK, Candidate, Technique
from .matching.compile import as_bmp, compile_lexicon
from .matching.dense import dense_pass
from .matching.filters import admissible, resolve_hits
from .matching.patterns import pattern_hits
from .matching.pinyin import LATIN_RUN, PinyinIndex, pinyin_candidates
from .matching.split import LATIN_IN_CJK, joined_candidates, separator_spellings
from .models import CheckResult, Hit, most_severe
from .normalize import prepare
from .variants import VariantTables, load_variant_tables

__all__ = ["TECHNIQUE_RANK", "Candidate", "Matcher", "Technique"]

_SCAN_SCOPES = ("content", "account_name")


class Matcher:
    """Compiled lexicon matcher. Build with :meth:`from_lexicons` or :meth:`from_entries`."""

    def __init__(self, entries: Sequence[Entry], *, version: str = "", lexicons: Sequence[Lexicon] = (),
                 variant_tables: VariantTables | None = None) -> None:
        self._tables = variant_tables or load_variant_tables()
        self._lexicons = tuple(lexicons)
        self.version = version or _version_of(entries)
        # a disabled entry stays in its lexicon version (an editor switched it off) but matches nothing
        self._compiled = compile_lexicon(tuple(e for e in entries if e.enabled), self._tables)
        self._boundary = WordBoundary.shared()
        self._is_word = self._boundary.is_word
        self._pinyin = PinyinIndex(self._compiled.entries, self._tables.syllable)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_lexicons(cls, paths: list[str] | tuple[str, ...] = (), bundled: bool = True) -> "Matcher":
        """Load lexicon files (plain, TSV or YAML) and compile them; ``bundled`` adds the shipped ones."""
        all_paths = (bundled_lexicon_paths() if bundled else []) + [str(p) for p in paths]
        lexicons = load_lexicons(all_paths)
        entries = [e for lex in lexicons for e in lex.entries]
        version = hashlib.sha256("".join(lex.sha256 for lex in lexicons).encode()).hexdigest()[:12]
        return cls(entries, version=version, lexicons=lexicons)

    @classmethod
    def from_entries(cls, entries: Iterable[Entry], version: str = "") -> "Matcher":
        """Compile entries that come from elsewhere (e.g. the lexicon store)."""
        return cls(list(entries), version=version)

    @property
    def entries(self) -> tuple[Entry, ...]:
        """The compiled entries (allow entries included)."""
        return self._compiled.entries

    @property
    def disabled_patterns(self) -> tuple[str, ...]:
        """Term ids of pattern entries left out because RE2 cannot run their regex (published by an
        earlier release; the lexicon parser refuses such patterns now)."""
        return self._compiled.disabled_patterns

    @property
    def lexicons(self) -> tuple[Lexicon, ...]:
        """The lexicon files this matcher was built from (empty for :meth:`from_entries`)."""
        return self._lexicons

    # ------------------------------------------------------------------ scanning

    def scan(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> list[Hit]:
        """All hits in ``text``; offsets index the original text."""
        if not isinstance(text, str):
            raise InputError(f"text must be a str, got {type(text).__name__}")
        if scope not in _SCAN_SCOPES:
            raise InputError(f"scope must be one of {', '.join(_SCAN_SCOPES)}, got {scope!r}")
        if not text:
            return []
        c = self._compiled
        prepared = prepare(text)
        found = pattern_hits(c, prepared, scope, today or dt.date.today()) if c.regexes else []
        if c.automaton is None:  # nothing else to find
            return found
        nt = prepared.normalized
        dense = as_bmp(nt.dense)
        cand, spellings = dense_pass(c, dense, self._is_word)
        if LATIN_RUN.search(dense):  # (the passes' preconditions are tested here: most texts fail them)
            cand.extend(pinyin_candidates(self._pinyin, dense, nt))
        if LATIN_IN_CJK.search(dense):  # 代x写x论x文: a separator after each character
            spellings.extend(separator_spellings(dense))
        if spellings:
            cand.extend(joined_candidates(c, dense, spellings))
        if not cand:
            return found
        kept = admissible(c, cand, dense, nt, scope, today or dt.date.today(), self._boundary)
        hits = resolve_hits(c, text, nt, kept)
        if found:
            hits = sorted(hits + found, key=lambda h: (h.start, -h.end))
        return hits

    def check(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> CheckResult:
        """Overall action (the most severe hit; ``allow`` when nothing fires) and the hits."""
        hits = self.scan(text, scope=scope, today=today)
        return CheckResult(most_severe([h.action for h in hits]), hits, self.version)


def _version_of(entries: Sequence[Entry]) -> str:
    h = hashlib.sha256()
    for e in entries:
        h.update(repr(sorted(e.to_dict().items())).encode("utf-8"))
    return h.hexdigest()[:12]
