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

import dataclasses
import datetime as dt
import gc
import hashlib
import time
from operator import attrgetter
from typing import Callable, Collection, Iterable, Sequence

from .boundary import WordBoundary
from .errors import InputError
from .lexicon import Entry, Lexicon, bundled_lexicon_paths, load_lexicons
from .matching import TECHNIQUE_RANK, Candidate, Technique
from .matching.compile import CompiledLexicon, as_bmp, compile_lexicon
from .matching.dense import dense_candidates
from .matching.filters import admissible, resolve_hits
from .matching.kinds import VIEW_ASTRAL, VIEW_LATIN_REPEAT, VIEW_LATIN_RUN, VIEW_SEPARATED, kind_bits
from .matching.latin_repeat import LatinRepeatIndex, latin_repeat_candidates
from .matching.mask import MaskResult, mask_text
from .matching.native import dense_walker, release_free_memory, shape_walker, trie_index, view_flags
from .matching.noise import NoiseSet
from .matching.patterns import pattern_hits
from .matching.pinyin import PinyinIndex, pinyin_candidates
from .matching.split import joined_candidates, separator_spellings
from .models import CheckResult, Hit, most_severe
from .normalize import NormalizedText, prepare
from .variants import VariantTables, load_variant_tables

__all__ = ["TECHNIQUE_RANK", "Candidate", "MaskResult", "Matcher", "NoiseSet", "Technique"]

_SCAN_SCOPES = ("content", "account_name")
#: Keys from which a build hands its freed heap pages back to the system (it takes a few ms).
_RELEASE_AFTER_PATTERNS = 100_000
#: The date a scan passes on when no entry has a validity window (no filter reads it then).
_UNDATED = dt.date(2000, 1, 1)
_VALID_FROM, _VALID_TO, _ENABLED, _SKIP_OF = (attrgetter("valid_from"), attrgetter("valid_to"), attrgetter("enabled"),
                                              attrgetter("skip"))


class Matcher:
    """Compiled lexicon matcher. Build with :meth:`from_lexicons` or :meth:`from_entries`."""

    def __init__(self, entries: Sequence[Entry], *, version: str = "", lexicons: Sequence[Lexicon] = (),
                 variant_tables: VariantTables | None = None, noise: NoiseSet | None = None) -> None:
        tables = variant_tables or load_variant_tables()
        version = version or _version_of(entries)
        noise = noise or NoiseSet()
        # a disabled entry stays in its lexicon version (an editor switched it off) but matches nothing
        if not all(map(_ENABLED, entries)):  # (most lexicons: every entry enabled, no loop per entry)
            entries = [e for e in entries if e.enabled]
        # entries with their own skip characters are also matched by a matcher of their own (see _entry_skips)
        skippers = _skip_matchers(entries, tables, noise, version)
        if skippers:
            entries = [dataclasses.replace(e, skip="") if e.skip else e for e in entries]
        self._attach(compile_lexicon(tuple(entries), tables), tables, version, lexicons, noise, skippers)

    def _attach(self, compiled: CompiledLexicon, tables: VariantTables, version: str,
                lexicons: Sequence[Lexicon], noise: NoiseSet, skippers: list[Matcher]) -> None:
        """Set up a matcher over ``compiled`` (shared by building and :meth:`from_compiled`)."""
        self._tables = tables
        self._lexicons = tuple(lexicons)
        self.version = version
        self.noise = noise
        self._skippers = skippers
        self._compiled = compiled
        self._boundary = WordBoundary.shared()
        self._is_word = self._boundary.is_word
        self._pinyin = PinyinIndex(compiled, tables)
        self._latin_repeat = LatinRepeatIndex(compiled)
        # whether any entry has a validity window: only then does a scan need today's date
        self._dated = any(map(_VALID_FROM, compiled.entries)) or any(map(_VALID_TO, compiled.entries))
        self._rewrites = bool(noise)  # whether the deployment's noise set rewrites texts before a scan
        self._kinds = kind_bits()  # the character kinds the scan's pass choice reads
        self._trie_index = trie_index(compiled.automaton)  # the dense walk's tables of the trie's first levels
        self._walk = dense_walker(compiled.automaton, compiled.class_table, compiled.class_codes, compiled.shift,
                                  compiled.pat_dense, compiled.pat_kind, compiled.pat_homophone, compiled.groups,
                                  self._trie_index)  # (the dense pass's C walk, its tables bound once)
        self._shape_walk = shape_walker(compiled.automaton, compiled.class_table, compiled.class_codes, compiled.shift,
                                        compiled.pat_dense, compiled.pat_kind, compiled.pat_homophone, compiled.groups,
                                        compiled.shape_sources, compiled.split_reach, compiled.shape_pairs,
                                        self._trie_index) if compiled.shape_sources else None  # (likewise)
        if len(compiled.pat_dense) >= _RELEASE_AFTER_PATTERNS:  # a big build's freed temporaries
            release_free_memory()

    @classmethod
    def from_compiled(cls, compiled: CompiledLexicon, *, version: str, noise: NoiseSet | None = None,
                      skippers: Sequence[Matcher] = ()) -> "Matcher":
        """A matcher over an already compiled lexicon (what :mod:`plugin.matching.artefact` loads):
        ``compiled`` holds enabled entries with their skip characters taken out, ``skippers`` the
        matchers of entries with skip characters of their own (:attr:`skippers`); its
        :attr:`lexicons` are empty."""
        m = cls.__new__(cls)
        m._attach(compiled, load_variant_tables(), version, (), noise or NoiseSet(), list(skippers))
        return m

    @property
    def compiled(self) -> CompiledLexicon:
        """The compiled lexicon (read-only: automaton and the tables beside it)."""
        return self._compiled

    @property
    def skippers(self) -> tuple[Matcher, ...]:
        """Matchers of the entries with skip characters of their own, one per distinct skip set
        (each with the deployment's noise set plus those characters)."""
        return tuple(self._skippers)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_lexicons(cls, paths: list[str] | tuple[str, ...] = (), bundled: bool = True, *,
                      noise: NoiseSet | None = None) -> "Matcher":
        """Load lexicon files (plain, TSV or YAML) and compile them; ``bundled`` adds the shipped ones;
        ``noise``: the deployment's extra skip / keep characters."""
        all_paths = (bundled_lexicon_paths() if bundled else []) + [str(p) for p in paths]
        lexicons = load_lexicons(all_paths)
        entries = [e for lex in lexicons for e in lex.entries]
        version = hashlib.sha256("".join(lex.sha256 for lex in lexicons).encode()).hexdigest()[:12]
        return cls(entries, version=version, lexicons=lexicons, noise=noise)

    @classmethod
    def from_entries(cls, entries: Iterable[Entry], version: str = "", *, noise: NoiseSet | None = None) -> "Matcher":
        """Compile entries that come from elsewhere (e.g. the lexicon store)."""
        return cls(list(entries), version=version, noise=noise)

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

    def warm_up(self, *, freeze_gc: bool = False) -> dict[str, float]:
        """Build now everything a scan would otherwise build on first use (the Latin-repeat keys, the
        boundary check's pair index, the offset-map tables, the jieba dictionary); returns seconds
        per structure. A service calls this before taking traffic.

        ``freeze_gc`` (for the process's owner, such as the service; off by default because it acts on the
        whole process): then collect every generation's garbage and move every object left out of the
        cyclic garbage collector's passes (:func:`gc.unfreeze`, :func:`gc.collect`, :func:`gc.freeze`;
        timed as "collector"). The matcher's tables and the dictionary are long-lived, and full collections
        that walked them cost about a quarter of a long text's scan. Frozen objects are still freed by
        their reference count (a matcher holds no reference cycle); the next freezing warm-up (a new
        lexicon version) first unfreezes, so a cycle that died among frozen objects is collected then."""
        from .normalize import warm_up as warm_normalize

        timings: dict[str, float] = {}

        def timed(name: str, build: Callable[[], object]) -> None:
            t = time.perf_counter()
            build()
            timings[name] = time.perf_counter() - t

        timed("normalize tables", warm_normalize)
        timed("jieba dictionary", self._boundary.load)
        timed("latin repeat keys", self._latin_repeat.automaton)
        timed("scan", lambda: (self.scan("warm up 测试 ceshi bjl 123"), self.scan("今天天气怎么样？"),
                               self.scan("测试 ceshi 123", scope="account_name")))
        if len(self._compiled.pat_dense) >= _RELEASE_AFTER_PATTERNS:  # what loading the dictionary left
            release_free_memory()
        if freeze_gc:
            timed("collector", _collect_and_freeze)
        return timings

    # ------------------------------------------------------------------ scanning

    def scan(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> list[Hit]:
        """All hits in ``text``; offsets index the original text."""
        if type(text) is not str or scope not in _SCAN_SCOPES:  # (the common case without a call)
            _check_input(text, scope)
        if not text:
            return []
        day = today if today is not None else (dt.date.today() if self._dated else _UNDATED)  # (_day, inlined)
        if self._rewrites:
            hits = self._scan_noise(text, scope, day, False)
        else:
            hits = self._scan_text(text, scope, day, False)
        if self._skippers:
            hits = self._entry_skips(text, scope, today, hits)
        return hits

    def _day(self, today: dt.date | None) -> dt.date:
        """The date validity windows are judged on: ``today``, else the clock's, read only when
        some entry has a window (any other date gives the same answer then)."""
        if today is not None:
            return today
        return dt.date.today() if self._dated else _UNDATED

    def first_hit(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> Hit | None:
        """A hit of ``text`` (None when nothing fires), for allow/deny checks that need no hit list:
        the passes run cheapest first and stop at the first that finds an admissible hit (the plain
        scan, then the Latin / split / separator passes, then regex entries). Any hit it returns is
        one :meth:`scan` reports; not necessarily the leftmost or the most severe."""
        _check_input(text, scope)
        if not text:
            return None
        hits = self._scan_noise(text, scope, self._day(today), True)
        if not hits and self._skippers:
            hits = self._entry_skips(text, scope, today, [])
        return hits[0] if hits else None

    def mask(self, text: str, replacement: str = "*", *, actions: Collection[str] | None = None,
             scope: str = "content", today: dt.date | None = None) -> MaskResult:
        """``text`` with every hit masked (``actions``: only hits with these actions): a hit's entry
        ``replacement`` when it has one, else ``replacement`` once per character; with the offsets of
        each masked span in the original and the masked text (:mod:`plugin.matching.mask`)."""
        hits = self.scan(text, scope=scope, today=today)
        return mask_text(text, hits, replacement, actions=actions, lexicon_version=self.version)

    def _scan_noise(self, text: str, scope: str, day: dt.date, first: bool) -> list[Hit]:
        """:meth:`_scan_text` on the text as the deployment's noise set rewrites it."""
        rewritten = self.noise.rewrite(text) if self.noise else None
        if rewritten is None:
            return self._scan_text(text, scope, day, first)
        return [rewritten.map_hit(h) for h in self._scan_text(rewritten.text, scope, day, first)]

    def _entry_skips(self, text: str, scope: str, day: dt.date | None, hits: list[Hit]) -> list[Hit]:
        """``hits`` plus the hits of entries with their own skip characters that only those
        characters' removal reveals (a hit of the same entry overlapping one of ``hits`` is not new)."""
        extra: list[Hit] = []
        for sub in self._skippers:
            if sub.noise.rewrite(text) is None:
                continue
            for h in sub.scan(text, scope=scope, today=day):
                if not any(o.term_id == h.term_id and o.start < h.end and h.start < o.end for o in hits):
                    extra.append(h)
        if not extra:
            return hits
        return sorted(hits + extra, key=lambda h: (h.start, -h.end))

    def _scan_text(self, text: str, scope: str, day: dt.date, first: bool) -> list[Hit]:
        """The passes over one text (``first``: stop after the first pass with an admissible hit)."""
        c = self._compiled
        prepared = prepare(text)
        found = pattern_hits(c, prepared, scope, day) if c.regexes and not first else []
        if c.automaton is None:  # nothing else to find
            return pattern_hits(c, prepared, scope, day)[:1] if first and c.regexes else found
        nt = prepared.normalized
        needs = view_flags(nt.dense, self._kinds)  # one kind scan decides which passes can find anything
        dense = as_bmp(nt.dense) if needs & VIEW_ASTRAL else nt.dense
        # the two walks bound once (C); a text whose walks find nothing, most short queries, makes no further call
        outputs = self._walk(dense)
        alike = self._shape_walk(dense) if self._shape_walk is not None else None
        if outputs or alike:
            cand, spellings = dense_candidates(c, dense, self._is_word, outputs, alike)
        else:
            cand, spellings = [], []
        if first and cand:
            hits = self._resolve(text, nt, dense, cand, scope, day)
            if hits:
                return hits[:1]
        if needs & VIEW_LATIN_RUN:  # two Latin letters in a row
            cand.extend(pinyin_candidates(self._pinyin, dense, nt))
            if needs & VIEW_LATIN_REPEAT:  # sssccaaam: Latin runs folded in text and keys
                cand.extend(latin_repeat_candidates(self._latin_repeat, self._pinyin, dense, nt))
        if needs & VIEW_SEPARATED:  # 代x写x论x文: a separator after each character
            spellings.extend(separator_spellings(dense))
        if spellings:
            cand.extend(joined_candidates(c, dense, spellings))
        hits = self._resolve(text, nt, dense, cand, scope, day) if cand else []
        if first:
            return hits[:1] or (pattern_hits(c, prepared, scope, day)[:1] if c.regexes else [])
        if found:
            hits = sorted(hits + found, key=lambda h: (h.start, -h.end))
        return hits

    def _resolve(self, text: str, nt: NormalizedText, dense: str, cand: list[Candidate], scope: str,
                 day: dt.date) -> list[Hit]:
        """Hits of the candidates that pass the filters."""
        kept = admissible(self._compiled, cand, dense, nt, scope, day, self._boundary)
        return resolve_hits(self._compiled, text, nt, kept) if kept else []

    def check(self, text: str, *, scope: str = "content", today: dt.date | None = None) -> CheckResult:
        """Overall action (the most severe hit; ``allow`` when nothing fires) and the hits."""
        hits = self.scan(text, scope=scope, today=today)
        return CheckResult(most_severe([h.action for h in hits]), hits, self.version)


def _collect_and_freeze() -> None:
    """Unfreeze what an earlier warm-up froze, collect every generation (no garbage gets frozen; about
    0.2 s for a 100k-word process), then move every object left out of the collector's passes."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _check_input(text: str, scope: str) -> None:
    if not isinstance(text, str):
        raise InputError(f"text must be a str, got {type(text).__name__}")
    if scope not in _SCAN_SCOPES:
        raise InputError(f"scope must be one of {', '.join(_SCAN_SCOPES)}, got {scope!r}")


def _skip_matchers(entries: Sequence[Entry], tables: VariantTables, noise: NoiseSet, version: str) -> list[Matcher]:
    """One matcher per distinct entry skip set: its entries (and every allow phrase) with the
    deployment's noise set plus those characters."""
    if not any(map(_SKIP_OF, entries)):  # (most lexicons: no entry skips characters of its own)
        return []
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        if e.skip:
            groups.setdefault(e.skip, []).append(dataclasses.replace(e, skip=""))
    if not groups:
        return []
    allows = [e for e in entries if e.action == "allow"]
    return [Matcher(group + allows, version=f"{version}+skip", variant_tables=tables, noise=noise.merged(skip))
            for skip, group in groups.items()]


def _version_of(entries: Sequence[Entry]) -> str:
    h = hashlib.sha256()
    for e in entries:
        h.update(repr(sorted(e.to_dict().items())).encode("utf-8"))
    return h.hexdigest()[:12]
