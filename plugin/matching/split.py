"""The joined view: where the dense view holds a spelling (贝者 for 赌, 🐧 for 企鹅, a separator
letter after each character: 代x写x论x文), a window around it is rewritten with the spellings
joined and scanned again; only keys that take in a joined character count."""

from __future__ import annotations

import bisect

from ..chardata import kind_table
from .compile import CompiledLexicon, PatternKind
from .model import Candidate, Spelling, Technique
from .native import text_kinds

__all__ = ["PAIR_KIND", "has_separated_cjk", "joined_candidates", "separator_spellings"]

_SEPARATORS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789") | frozenset(map(chr, range(0xF800, 0xF900)))
#: Every BMP character → "c" for a CJK character (U+4E00-U+9FFF), "s" for a separator (a letter, digit or
#: word emoji), "0" else (a str.translate table: a separated character is "csc" in the translated view).
PAIR_KIND = kind_table(lambda ch: "c" if "\u4e00" <= ch <= "\u9fff" else "s" if ch in _SEPARATORS else "0")


def has_separated_cjk(dense: str) -> bool:
    """Whether ``dense`` holds a letter, digit or word emoji between two CJK characters (a dense view
    without one has no separators)."""
    return "csc" in text_kinds(dense, PAIR_KIND)
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")
_LETTERS_DIGITS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _separated_pairs(dense: str) -> list[int]:
    """Starts of every CJK character followed by one letter, digit or word emoji and another CJK character."""
    kinds = text_kinds(dense, PAIR_KIND)
    out: list[int] = []
    a = kinds.find("csc")
    while a >= 0:
        out.append(a)
        a = kinds.find("csc", a + 1)
    return out


def _spelled(dense: str, pairs: list[int]) -> list[int]:
    """The pairs read as separated characters, in order: each pair of a chain (pairs two apart) of two
    or more with the same separator (代x写x论x文, 征💰信💰修💰复: three or more characters), each pair of a
    chain of two or more with letters or digits (代a写b论c文, 代1写2论3文), and a letter alone (代写x论文;
    a digit alone is a number: 第3期, 3公)."""
    keep: set[int] = set()
    i = 0
    while i < len(pairs):
        j = i + 1  # pairs[i:j] is one chain
        while j < len(pairs) and pairs[j] == pairs[j - 1] + 2:
            j += 1
        chain = pairs[i:j]
        k = 0
        while k < len(chain):  # runs of one separator inside the chain
            m = k + 1
            while m < len(chain) and dense[chain[m] + 1] == dense[chain[k] + 1]:
                m += 1
            if m - k >= 2:
                keep.update(chain[k:m])
            k = m
        k = 0
        while k < len(chain):  # runs of letters or digits inside the chain
            if dense[chain[k] + 1] not in _LETTERS_DIGITS:
                k += 1
                continue
            m = k + 1
            while m < len(chain) and dense[chain[m] + 1] in _LETTERS_DIGITS:
                m += 1
            if m - k >= 2:
                keep.update(chain[k:m])
            k = m
        keep.update(a for a in chain if dense[a + 1] in _LETTERS)
        i = j
    return sorted(keep)


def separator_spellings(dense: str) -> list[Spelling]:
    """Each CJK character followed by a separator: the same letter, digit or emoji after each of
    three or more characters, any single letter or digit after each of three or more, or one
    single letter in one place; read alone (callers skip text without one: :func:`has_separated_cjk`)."""
    return [Spelling(a, a + 2, dense[a], Technique.NOISE) for a in _spelled(dense, _separated_pairs(dense))]


def joined_candidates(c: CompiledLexicon, dense: str, spellings: list[Spelling]) -> list[Candidate]:
    """Candidates where ``spellings`` are replaced: component spellings joined (贝者博 → 赌博,
    technique ``split``), word emoji read as their word (``variant``), separator letters dropped
    (``noise``). Offsets index ``dense``; only windows around the spellings are scanned again."""
    found: list[Spelling] = []  # non-overlapping, greedy left to right, longest first
    last_end = 0
    for sp in sorted(spellings, key=lambda f: (f.start, -f.end)):
        if sp.start >= last_end:
            found.append(sp)
            last_end = sp.end
    out: list[Candidate] = []
    reach = c.split_reach
    i = 0
    while i < len(found):  # windows: spellings closer than a term's length share one
        j = i + 1
        while j < len(found) and found[j].start - found[j - 1].end < reach:
            j += 1
        _window_candidates(c, dense, found[i:j], out)
        i = j
    return out


def _window_candidates(c: CompiledLexicon, dense: str, found: list[Spelling], out: list[Candidate]) -> None:
    """Scan the joined view of one window around ``found`` and add its candidates to ``out``."""
    reach = c.split_reach
    wa = max(0, found[0].start - reach + 1)
    wb = min(len(dense), found[-1].end + reach - 1)
    parts: list[str] = []
    starts: list[int] = []  # view index → dense start
    ends: list[int] = []  # view index → dense end
    joined_at: list[int] = []  # view indexes that stand for a spelling
    joined_tech: list[Technique] = []  # ... and how it was written
    pos = wa
    for sp in found:
        parts.append(dense[pos:sp.start])
        starts.extend(range(pos, sp.start))
        ends.extend(range(pos + 1, sp.start + 1))
        for _ in sp.replacement:  # every character of the replacement stands for the whole spelling
            joined_at.append(len(starts))
            joined_tech.append(sp.technique)
            starts.append(sp.start)
            ends.append(sp.end)
        parts.append(sp.replacement)
        pos = sp.end
    parts.append(dense[pos:wb])
    starts.extend(range(pos, wb))
    ends.extend(range(pos + 1, wb + 1))
    view = "".join(parts)
    for e, pid in c.key_ends(view):
        kind = c.pat_kind[pid]
        if kind != PatternKind.TERM and kind != PatternKind.VARIANT:
            continue
        pd = c.pat_dense[pid]
        s = e - len(pd)
        k = bisect.bisect_left(joined_at, s)
        if k == len(joined_at) or joined_at[k] >= e:
            continue  # no joined character inside: the plain scan has it
        idx = c.pat_entry[pid]
        ent = c.entries[idx]
        tech = joined_tech[k]
        if ent.action == "allow" or (tech == Technique.SPLIT and "split" not in ent.techniques) or view[s:e] != pd \
                or (s > 0 and starts[s] == starts[s - 1]) or (e < len(starts) and starts[e] == starts[e - 1]):
            continue  # (a hit must not take part of a replacement word)
        gate = c.variant_of[pid][1] if kind == PatternKind.VARIANT else None  # a curated variant keeps its gate
        out.append(Candidate(starts[s], ends[e - 1], idx, tech, gate))
