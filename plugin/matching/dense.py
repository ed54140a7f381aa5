"""The dense pass: one scan of the dense view's homophone classes finds exact, variant, shape and
homophone candidates at once, and the split-character spellings the joined view needs."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

from .compile import HOMOPHONE_FLAG, SHAPE_FLAG, CompiledLexicon, PatternKind, shape_alike, shape_ranked
from .model import Candidate, Spelling, Technique
from .native import Output, ShapeOutput, shape_outputs
from .numeral_digits import NO_DIGITS, NUMERAL_READ, digits_as_numerals
from .polyphony import reading_ok

__all__ = ["dense_candidates", "homophone_ok", "with_shape_outputs"]

# hot-loop constants: plain ints compare fastest, and enum attribute lookups cost per access
_TERM, _VARIANT, _FORM = int(PatternKind.TERM), int(PatternKind.VARIANT), int(PatternKind.FORM)
_SHAPE_KIND, _UNCOLLAPSED = int(PatternKind.SHAPE), int(PatternKind.PINYIN)
_SHAPE, _HOMOPHONE, _VARIANT_TECH = Technique.SHAPE, Technique.HOMOPHONE, Technique.VARIANT
#: ``Candidate`` built from its five fields without the named tuple's ``__new__`` frame (one per raw match)
_tuple_new = tuple.__new__


def dense_candidates(c: CompiledLexicon, dense: str, is_word: Callable[[str], bool], outputs: list[Output],
                     found: list[ShapeOutput] | None) -> tuple[list[Candidate], list[Spelling]]:
    """Candidates and spellings (split forms, word emoji) of the keys found in ``dense``, from its walks' results:
    ``outputs`` of the dense walk (:func:`~plugin.matching.native.dense_walker`, bound once per matcher: only
    outputs that can be kept, with how many characters differ from the pattern and whether a digit is involved)
    and ``found`` of the shape walk (:func:`~plugin.matching.native.shape_walker`; None or empty: none). A key
    whose dense text is identical is a direct hit (technique read off the surface later) or its variant's
    technique; otherwise, where the entry enables it, a shape-alike of the same homophone class
    (:func:`~plugin.matching.compile.shape_alike`) or a homophone hit when :func:`homophone_ok`; shape-alikes of
    another class, which are no keys, come from ``found``. ``is_word`` tells dictionary words (a real word is no
    evasion). A matcher that walked a text and found nothing skips this call."""
    cand: list[Candidate] = []
    spellings: list[Spelling] = []
    pat_entry = c.pat_entry
    pat_kind = c.pat_kind
    pat_homo = c.pat_homophone
    pat_text, pat_ends = c.pat_dense.text, c.pat_dense.ends  # (PatternTexts.__getitem__, inlined below)
    if found:  # (most texts have none)
        outputs = _merged_shape_outputs(c, dense, outputs, found)
    for s, e, pid, differ, digits in outputs:
        if not differ:
            kind = pat_kind[pid]
            if kind == _TERM:
                cand.append(_tuple_new(Candidate, (s, e, pat_entry[pid], None, None)))
            elif kind == _FORM:
                reads_as, tech = c.forms[pat_entry[pid]]
                spellings.append(Spelling(s, e, reads_as, tech))
            elif kind == _VARIANT:
                tech, gate = c.variant_of[pid]
                cand.append(Candidate(s, e, pat_entry[pid], tech, gate))
            elif kind == _SHAPE_KIND:
                cand.append(Candidate(s, e, pat_entry[pid], _SHAPE))
            elif kind == _UNCOLLAPSED:  # 时#时#彩: the term's own repeat, kept across a separator
                cand.append(Candidate(s, e, pat_entry[pid], None))
            continue
        # a TERM pattern, not identical (other kinds are hits only when identical)
        if differ < 0:  # a shape-alike of another class (with_shape_outputs)
            cand.append(Candidate(s, e, pat_entry[pid], _SHAPE))
            continue
        pd = pat_text[pat_ends[pid - 1] if pid else 0:pat_ends[pid]]
        seg = dense[s:e]
        if digits:  # 3公 for 三公 (numeral_digits)
            read = digits_as_numerals(seg, pd)
            if read == NUMERAL_READ:
                cand.append(Candidate(s, e, pat_entry[pid], _VARIANT_TECH))
            if read != NO_DIGITS:
                continue
        flags = pat_homo[pid]
        if not flags:
            continue
        n = e - s
        if differ == 1 and flags & SHAPE_FLAG and shape_alike(seg, pd, c):  # (best: no homophone then)
            cand.append(Candidate(s, e, pat_entry[pid], _SHAPE))
        elif flags & HOMOPHONE_FLAG and n >= 2 and differ <= max(1, n // 3) and not is_word(seg):
            reading = c.pat_reading.get(pid)  # a polyphonic term: the reading in context (polyphony)
            if reading is None or reading_ok(seg, pd, reading, c.class_table):
                cand.append(Candidate(s, e, pat_entry[pid], _HOMOPHONE))
    return cand, spellings


def with_shape_outputs(c: CompiledLexicon, dense: str, outputs: list[Output], index: bytes = b"") -> list[Output]:
    """``outputs`` with the shape-alike spellings of another homophone class found in ``dense``
    (:func:`~plugin.matching.native.shape_outputs`: no keys of their own, 己经 for 已经) that are among
    their term's first alike spellings (:func:`~plugin.matching.compile.shape_ranked`), as outputs whose
    ``differ`` is -1, each where its key's output would be (by end, then start, then pattern); ``index``:
    :func:`~plugin.matching.native.trie_index` of the automaton (the walk's tables), or empty."""
    found = _shape_found(c, dense, index)
    return _merged_shape_outputs(c, dense, outputs, found) if found else outputs


def _shape_found(c: CompiledLexicon, dense: str, index: bytes) -> list[ShapeOutput]:
    """:func:`~plugin.matching.native.shape_outputs` of ``dense`` with ``c``'s tables."""
    return shape_outputs(c.automaton, dense, c.class_table, c.class_codes, c.shift, c.pat_dense, c.pat_kind,
                         c.pat_homophone, c.groups, c.shape_sources, c.split_reach, c.shape_pairs, index)


def _merged_shape_outputs(c: CompiledLexicon, dense: str, outputs: list[Output],
                          found: list[ShapeOutput]) -> list[Output]:
    """``outputs`` with the ranked spellings of ``found`` merged in (:func:`with_shape_outputs`)."""
    pat_dense = c.pat_dense
    extra = sorted((e, s, pid) for s, e, pid, p in found if shape_ranked(pat_dense[pid], p - s, dense[p], c.shape_groups))
    if not extra:
        return outputs
    order = [(o[1], o[0], o[2]) for o in outputs]
    merged = list(outputs)
    for k, (e, s, pid) in enumerate(extra):  # (ascending: each goes after those inserted before it)
        at = bisect_right(order, (e, s, pid)) + k
        merged.insert(at, (s, e, pid, -1, 0))
    return merged


def homophone_ok(seg: str, term: str, is_word: Callable[[str], bool]) -> bool:
    """Whether ``seg`` (same homophone classes as ``term``) counts as a homophone of it: most
    characters identical, and not itself a dictionary word (读博 is not 赌博)."""
    n = len(term)
    if n < 2:
        return False
    same = sum(1 for a, b in zip(seg, term) if a == b)
    if same < n - max(1, n // 3):
        return False
    return not is_word(seg)
