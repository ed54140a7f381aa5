"""Filters between candidates and hits, in this order: scope, validity window, allow phrases,
context rules (the entry's and a curated variant's), word boundaries; then offsets are mapped back
to the original text, the technique of direct hits is read off the surface and one hit is kept per
entry and place."""

from __future__ import annotations

import datetime as dt
from operator import itemgetter

from ..boundary import WordBoundary
from ..lexicon import Entry
from ..models import Hit
from ..normalize import BREAK, NormalizedText, char_class, dense_key, fold_text
from ..chardata import has_cjk
from .compile import CompiledLexicon
from .model import TECHNIQUE_RANK, Candidate, Technique
from .native import record_maker
from .reduplication import reduplicated_word_edge

__all__ = ["admissible", "applies", "boundary_ok", "direct_technique", "entry_hit", "resolve_hits"]


def applies(entry: Entry, scope: str, today: dt.date) -> bool:
    """Whether ``entry`` takes part in a scan of ``scope`` on ``today`` (scope and validity window)."""
    if entry.scope != scope and entry.scope != "any":
        return False
    if (entry.valid_from or entry.valid_to) and not entry.active_on(today):
        return False
    return True


_READ_IN_LATIN = (Technique.PINYIN, Technique.INITIALS)
_EXACT, _PINYIN = Technique.EXACT, Technique.PINYIN
_SORT_KEY = itemgetter(0)


def _spellings(ent: Entry) -> tuple[str, ...]:
    """The term and curated variant texts of ``ent``."""
    return (ent.term, *(v.text for v in ent.variants)) if ent.variants else (ent.term,)


def admissible(c: CompiledLexicon, cand: list[Candidate], dense: str, nt: NormalizedText, scope: str,
               today: dt.date, boundary: WordBoundary) -> list[Candidate]:
    """The candidates that pass scope, validity, allow phrases, context rules and word boundaries.

    Candidates of several entries often share a place (one class key, several terms): the word
    boundary answer depends only on the place, the entry's boundary mode and whether the hit was
    read in Latin letters, so it is worked out once per such key within the call."""
    entries = c.entries
    gates = c.gates
    allow_spans: list[tuple[int, int]] = []
    kept: list[Candidate] = []
    bounds: dict[tuple[int, int, str, bool], bool] = {}
    # (the reduplicated-word filter looks only at a hit with an edge on a character written more than once)
    repeats = nt.repeat_edges() if nt.collapsed else None
    quick = boundary.quick()  # (boundary_ok in one C call where it needs no offset map, when built)
    for k in cand:
        start, end, idx, tech, own_gate = k  # (one unpack: this loop runs per candidate)
        ent = entries[idx]
        if ent.scope != scope and ent.scope != "any":  # (applies(), inlined)
            continue
        if (ent.valid_from or ent.valid_to) and not ent.active_on(today):
            continue
        if ent.action == "allow":
            allow_spans.append((start, end))
            continue
        gate = gates[idx]
        if gate is not None and not gate.allows(dense, start, end):
            continue
        if own_gate is not None and not own_gate.allows(dense, start, end):
            continue
        mode = ent.boundary
        if mode != "none":
            pinyin = tech == _PINYIN
            key = (start, end, mode, pinyin)
            ok = bounds.get(key)
            if ok is None:
                ok = quick(dense, start, end, mode, pinyin) if quick is not None else None
                if ok is None:  # (a separator to look up, or a Latin-only mode)
                    ok = boundary_ok(dense, start, end, ent, tech, nt, boundary)
                bounds[key] = ok
            if not ok:
                continue
        if repeats is not None and (start in repeats or end - 1 in repeats) and tech not in _READ_IN_LATIN \
                and reduplicated_word_edge(nt, start, end, _spellings(ent), boundary.is_word):
            continue  # 看看片场 is not 看片
        kept.append(k)
    if allow_spans and kept:  # a hit inside an allow phrase is dropped (震惊中外 keeps 震惊 quiet)
        kept = [k for k in kept if not any(a <= k.start and k.end <= b for a, b in allow_spans)]
    return kept


def boundary_ok(dense: str, s: int, e: int, ent: Entry, tech: Technique | None, nt: NormalizedText,
                boundary: WordBoundary) -> bool:
    """Word boundaries: Latin / digit edges must not sit inside a longer Latin word or number; CJK
    terms (``auto``: up to four characters) must not have a jieba token across an edge."""
    mode = ent.boundary
    if mode == "none":
        return True
    if mode in _LATIN_ONLY_MODES:  # no CJK word check; Latin (and digit) edges only
        return tech == Technique.PINYIN or _latin_edges_ok(dense, s, e, nt, digits=mode == "latin_word_digits")
    seg = dense[s:e]
    first, last = seg[0], seg[-1]
    # (a space or punctuation in the original text ends the word: "VX 886621", "VX：886621")
    if tech != Technique.PINYIN:
        if first.isascii() and first.isalnum() and s > 0 and dense[s - 1].isascii() and dense[s - 1].isalnum() \
                and not _separated(nt, s):
            return False
        if last.isascii() and last.isalnum() and e < len(dense) and dense[e].isascii() and dense[e].isalnum() \
                and not _separated(nt, e):
            return False
    if mode == "auto" and (len(seg) > 4 or seg.isascii() or not has_cjk(seg)):
        return True
    return boundary.check(dense, s, e, strict=(mode == "strict"), containing_ok=(mode == "crossing"))


_LATIN_ONLY_MODES = ("latin_word", "latin_word_digits")


def _latin_edges_ok(dense: str, s: int, e: int, nt: NormalizedText, *, digits: bool) -> bool:
    """Boundary modes ``latin_word`` (a letter at an edge must not continue a run of letters:
    ``vx123`` keeps ``vx``) and ``latin_word_digits`` (a letter or digit at an edge must not continue
    a run of letters and digits)."""
    def word_char(ch: str) -> bool:
        return ch.isascii() and (ch.isalnum() if digits else ch.isalpha())

    if word_char(dense[s]) and s > 0 and word_char(dense[s - 1]) and not _separated(nt, s):
        return False
    if word_char(dense[e - 1]) and e < len(dense) and word_char(dense[e]) and not _separated(nt, e):
        return False
    return True


def _separated(nt: NormalizedText, i: int) -> bool:
    """Whether the original text had a deleted character (space, punctuation) before dense ``i``."""
    return nt.separated(i)


def resolve_hits(c: CompiledLexicon, text: str, nt: NormalizedText, kept: list[Candidate]) -> list[Hit]:
    """Hits of the admissible candidates on the original ``text``: one per entry and place (best
    technique, then longest), none inside another hit of the same entry, sorted by position."""
    entries = c.entries
    min_len = c.min_len
    best: dict[tuple[int, int], tuple[tuple[int, int], int, int, int, Technique]] = {}  # (sort key, ...)
    # the offset table (orig_span's first step, inlined: this runs per candidate); None: the offsets are the
    # dense view's own
    table = nt.offsets() if nt.deleted else None
    n_table = len(table) if table is not None else 0
    dense = nt.dense
    collapsed = nt.collapsed
    for start, end, idx, tech, _gate in kept:
        if table is None:
            os_, oe = start, end
        elif 0 <= start < end < n_table:
            os_, oe = table[start], table[end - 1] + 1
            if collapsed and (table[end] != oe or dense[end] == dense[end - 1]):
                os_, oe = nt.orig_span(start, end)  # (the end may take in trailing repeats)
        else:
            os_, oe = nt.orig_span(start, end)
        surface = text[os_:oe]
        if min_len and idx in min_len and tech in (None, Technique.HOMOPHONE) \
                and len(dense_key(surface, collapse=False)) < min_len[idx]:
            continue  # 轻松 alone is not 轻轻松松
        if tech is None:
            term = entries[idx].term
            tech = _EXACT if surface == term else direct_technique(surface, term)
        key = (idx, os_)
        prev = best.get(key)
        if prev is not None and (TECHNIQUE_RANK[prev[4]], prev[1] - prev[2]) <= (TECHNIQUE_RANK[tech], os_ - oe):
            continue
        best[key] = ((os_, -oe), os_, oe, idx, tech)
    hits: list[Hit] = []
    last_end: dict[int, int] = {}
    places = list(best.values())
    if len(places) > 1:
        places.sort(key=_SORT_KEY)  # by start, longest first (stable: ties keep the candidates' order)
    for _, os_, oe, idx, tech in places:
        if last_end.get(idx, -1) >= oe:
            continue  # inside another hit of the same entry
        last_end[idx] = oe
        ent = entries[idx]  # (entry_hit, inlined: one frame less per hit)
        hits.append(_new_hit((ent.term, ent.category, ent.action, os_, oe, text[os_:oe], str(tech),  # str(): the value
                              ent.term_id, ent.severity, ent.clause, ent.surface_actions, ent.tags, ent.replacement)))
    return hits


#: Builds a :class:`Hit` from its fields in order, setting its slots directly (in C when built: the frozen
#: dataclass's ``__init__`` costs a generic attribute set per field, and a title can have dozens of hits).
_new_hit = record_maker(Hit, ("t", "c", "block", 0, 1, "t", "exact", "c:t", 1, "", (), (), ""))


def entry_hit(ent: Entry, text: str, start: int, end: int, technique: str) -> Hit:
    """The hit of entry ``ent`` on the original ``text[start:end]`` (:func:`resolve_hits` builds its hits the
    same way, inline)."""
    return _new_hit((ent.term, ent.category, ent.action, start, end, text[start:end], technique,
                     ent.term_id, ent.severity, ent.clause, ent.surface_actions, ent.tags, ent.replacement))


def direct_technique(surface: str, term: str) -> Technique:
    """How a dense match identical to ``term`` got there: exact, or which normalisation it needed
    (noise, repeat, invisible, traditional, normalized: the first that applies)."""
    if surface == term:
        return Technique.EXACT
    folded = fold_text(surface)  # invisible characters deleted, one character each otherwise
    dense = dense_key(surface, collapse=False)  # noise deleted, sentence ends kept as BREAK
    if len(dense) - dense.count(BREAK) < len(folded):
        return Technique.NOISE
    if len(dense) > len(dense_key(term, collapse=False)):
        return Technique.REPEAT
    if len(folded) < len(surface):
        return Technique.INVISIBLE
    if any(char_class(ch) == "traditional" for ch in surface):
        return Technique.TRADITIONAL
    return Technique.NORMALIZED
