"""Sentence windows of a long text: a rumour inside a post is matched as if it stood alone.

A text is cut into sentences (its folded sentence ends; a sentence over :data:`UNIT_CHARS`
characters also at commas). Each sentence is matched like a query, and each run of 2-3
consecutive sentences is scored against the rumours one of its sentences nearly matched.
Each rumour keeps its best window score, so unrelated text around a claim does not dilute it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from plugin.normalize import BREAK

from .analysis import Analysis, analyze_folded

__all__ = ["MAX_UNITS", "SHORT_TEXT", "UNIT_CHARS", "WINDOW_SENTENCES", "Found", "analyze_units", "best_window",
           "join", "units"]

#: Texts up to this many characters are one window.
SHORT_TEXT = 8
#: Longest run of consecutive sentences scored as one window.
WINDOW_SENTENCES = 3
#: Distinct sentences (pieces) of a long text that are matched; the rest is ignored.
MAX_UNITS = 400
#: A longer sentence is cut at commas into pieces of at most this many characters.
UNIT_CHARS = 120

#: Rumour entry → (score, shared words): what one window matched.
Found = dict[int, tuple[float, tuple[str, ...]]]

#: Clause marks a long sentence is cut at (each written as "，" to cut with one ``str.split``).
_UNIT_MARKS = str.maketrans({mark: "，" for mark in ",：:、"})


def units(folded: str) -> list[str]:
    """Sentences of a folded text (split at its sentence ends); long ones cut at commas."""
    out: list[str] = []
    for sent in folded.split(BREAK):
        sent = sent.strip()
        if not sent:
            continue
        if len(sent) <= UNIT_CHARS:
            out.append(sent)
            continue
        piece = ""
        for part in sent.translate(_UNIT_MARKS).split("，"):
            if piece and len(piece) + len(part) > UNIT_CHARS:
                out.append(piece)
                piece = ""
            piece = piece + "，" + part if piece else part
        if piece:
            out.append(piece)
    return out


def analyze_units(pieces: Sequence[str], analyze: Callable[[str], Analysis] = analyze_folded) -> list[Analysis]:
    """The analysis of each sentence; a repeated sentence (spam, boilerplate) is analysed once and
    the sentences after :data:`MAX_UNITS` distinct ones are left out. ``analyze``: the analysis of one
    folded sentence (the index passes its per-text cache: a title checked as a query and then as the first
    sentence of a post is analysed once)."""
    cache: dict[str, Analysis] = {}
    analyses: list[Analysis] = []
    for u in pieces:
        a = cache.get(u)
        if a is None:
            if len(cache) >= MAX_UNITS:
                break
            a = cache[u] = analyze(u)
        analyses.append(a)
    return analyses


def join(parts: Sequence[Analysis]) -> Analysis:
    """One analysis for consecutive sentences (words in order, sub-words, bigrams, intent)."""
    words: dict[str, None] = {}
    surface: list[str] = []
    subs: set[str] = set()
    bigrams: set[str] = set()
    intent = False
    for a in parts:
        for w in a.words:
            words.setdefault(w, None)
        surface.extend(a.surface)
        subs |= a.subs
        bigrams |= a.bigrams
        intent = intent or a.intent
    return Analysis(tuple(words), frozenset(subs - words.keys()), tuple(surface), frozenset(bigrams), intent)


def best_window(analyses: Sequence[Analysis], search: Callable[[Analysis, dict[int, float]], Found],
                rescore: Callable[[Analysis, set[int]], Found], seed: float) -> Found:
    """Each rumour's best score over the sentence windows of a text.

    ``search(analysis, seen)``: the full candidate search of one sentence, filling ``seen`` with
    the score (or an upper bound) of every rumour it scored; a rumour scoring at least ``seed``
    there is a seed of the windows holding the sentence. ``rescore(analysis, seeds)``: the
    scores of just those rumours for a window of 2 to :data:`WINDOW_SENTENCES` sentences.
    """
    best: Found = {}

    def keep(found: Found) -> None:
        for i, (s, shared) in found.items():
            if i not in best or s > best[i][0]:
                best[i] = (s, shared)

    # one sentence at a time: full candidate search; remember what each sentence nearly matched
    near_by_words: dict[frozenset[str], set[int]] = {}
    near: list[set[int]] = []
    for a in analyses:
        key = frozenset(a.words)
        if key not in near_by_words:
            seen: dict[int, float] = {}
            keep(search(a, seen))
            near_by_words[key] = {i for i, s in seen.items() if s >= seed}
        near.append(near_by_words[key])
    # 2-3 consecutive sentences: only the rumours one of them nearly matched
    done: set[tuple[int, ...]] = set()
    for start in range(len(analyses)):
        for k in range(2, WINDOW_SENTENCES + 1):
            if start + k > len(analyses):
                break
            seeds: set[int] = set().union(*near[start : start + k])
            if not seeds:
                continue
            ident = tuple(id(a) for a in analyses[start : start + k])
            if ident in done:
                continue
            done.add(ident)
            keep(rescore(join(analyses[start : start + k]), seeds))
    return best
