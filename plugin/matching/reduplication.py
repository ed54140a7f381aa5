"""Reduplicated words are not stutters: repeat folding must not turn 看看片场 into 看片场 and hit 看片.

Repeats collapse in the dense view (赌赌博博 → 赌博). A hit whose first (or last) character was
written exactly twice, where that doubled character is a word in its own right (看看, 常常, 刚刚),
while no other character of the hit was repeated, is a real reduplicated word next to the rest
of the term, not a repeat evasion: it is dropped. Stutters repeat more (秒秒秒下款), repeat inside
the term (刷单单返利) or are no word (透透视视挂).
"""

from __future__ import annotations

from collections.abc import Callable

from ..normalize import NormalizedText, dense_key

__all__ = ["reduplicated_word_edge"]


def _written(nt: NormalizedText, i: int) -> int:
    """How many times dense character ``i`` was written in a row in the original text."""
    dense = nt.dense
    if (i + 1 == len(dense) or dense[i + 1] != dense[i]) and nt.side_by_side(i):
        return 1  # (the original's next character is the next dense one, another: no repeat to take in)
    s, e = nt.orig_span(i, i + 1)
    return len(dense_key(nt.original[s:e], collapse=False)) if e - s > 1 else 1


def reduplicated_word_edge(nt: NormalizedText, s: int, e: int, spellings: tuple[str, ...],
                           is_word: Callable[[str], bool]) -> bool:
    """Whether dense ``[s, e)`` starts or ends on a reduplicated word (see the module doc) that none
    of the entry's ``spellings`` (term and curated variants) holds there (万万没想到, 动动手指 and
    the variant 加绿泡泡 hold one)."""
    if not nt.collapsed or e - s < 2:  # (nothing collapsed: every character was written once)
        return False
    first, last = _written(nt, s), _written(nt, e - 1)
    if first != 2 and last != 2:  # (most hits: the inner characters need no look-up then)
        return False
    dense = nt.dense
    runs = [first, *(_written(nt, i) for i in range(s + 1, e - 1)), last]
    if runs[0] == 2 and all(r == 1 for r in runs[1:]) and is_word(dense[s] * 2):
        return not any(dense_key(t, collapse=False).startswith(dense[s] * 2) for t in spellings)
    if runs[-1] == 2 and all(r == 1 for r in runs[:-1]) and is_word(dense[e - 1] * 2):
        return not any(dense_key(t, collapse=False).endswith(dense[e - 1] * 2) for t in spellings)
    return False
