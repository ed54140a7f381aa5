"""Regex lexicon entries on RE2: matching time linear in the text, whatever the pattern.

Every editor-supplied pattern (an entry's ``regex``) is compiled here, with RE2 only
(PyPI ``google-re2``, which never falls back to Python's backtracking ``re``). Patterns RE2
cannot run in linear time (backreferences, lookahead / lookbehind) are refused with RE2's
reason; so are patterns that need more than :data:`MAX_MEM` bytes, patterns longer than
:data:`MAX_REGEX_LEN` characters and patterns that match the empty string.

Word boundaries are written as consumed alternatives, ``(?:^|[^a-z0-9])`` before and
``(?:$|[^a-z0-9])`` after, and the hit is the named group ``(?P<hit>...)`` when the pattern
has one (else the whole match). The scan resumes at the hit's end, so a boundary character
consumed after one hit can start the next (see ``docs/lexicon-format.md``).

Matching runs on the folded text with every Unicode decimal digit as ASCII ``0-9`` (RE2's
``\\d`` is ASCII only; Python's matched any decimal digit).
"""

from __future__ import annotations

import sys
import unicodedata
from functools import lru_cache
from typing import Any, Iterator, Mapping, Protocol, Sequence

import re2

from . import fixed_regex

__all__ = ["HIT_GROUP", "MAX_MEM", "MAX_PROGRAM_SIZE", "MAX_REGEX_LEN", "CompiledPattern", "PatternError", "PatternSet", "RegexMatch",
           "RegexText", "compile_pattern", "pattern_problem"]

#: Longest pattern accepted (characters).
MAX_REGEX_LEN = 300
#: RE2 memory budget per pattern (compiled program plus the DFA cache). A pattern whose program
#: does not fit is refused; a search whose DFA outgrows it falls back to RE2's NFA (still linear).
MAX_MEM = 4 << 20
#: Name of the group that delimits the hit inside a match (boundary characters stay outside).
HIT_GROUP = "hit"
#: Most instructions of a pattern's compiled program (RE2's ``programsize``; the bundled patterns have at most 300).
#: RE2 is linear in the text, but once a search's DFA outgrows :data:`MAX_MEM` it runs as an NFA whose cost per
#: byte grows with the program: ``[^x]{1,1000}y`` (9,004 instructions) took 1.2 s on a 20,000-character text,
#: ``[^x]{1,200}y`` (1,804) 7 ms (``bench/bench_regex_program.py``, ``bench/results/regex_program.json``).
MAX_PROGRAM_SIZE = 2000
#: The scan resumes at the hit's end but at most this many bytes before the match's end, so a
#: pattern with a long tail after its hit group cannot make the scan quadratic.
MAX_TAIL_BYTES = 32

_OPTIONS = re2.Options()
_OPTIONS.max_mem = MAX_MEM
_OPTIONS.log_errors = False  # RE2 would print every refused pattern to stderr


class PatternError(ValueError):
    """A pattern RE2 refuses (or that breaks a lexicon rule); the message says why."""


class RegexMatch(Protocol):
    """What is read of an RE2 match: the span of the match or of a group (``-1, -1`` when it took no part)."""

    def span(self, group: int = ...) -> tuple[int, int]: ...


class CompiledPattern(Protocol):
    """What is used of a compiled RE2 pattern (``re2`` ships no types)."""

    @property
    def groupindex(self) -> Mapping[str, int]: ...

    def search(self, text: str | bytes, pos: int = ...) -> RegexMatch | None: ...

    def __hash__(self) -> int: ...


#: A decimal digit other than ASCII 0-9 (searched with RE2 on the UTF-8 bytes: a few ms per MB).
_OTHER_DIGIT: CompiledPattern = re2.compile(r"[^\P{Nd}0-9]", _OPTIONS)


@lru_cache(maxsize=1)
def _digit_table() -> dict[int, int]:
    """Every non-ASCII decimal digit → its ASCII digit (built on first use)."""
    table = {}
    for cp in range(128, sys.maxunicode + 1):
        if unicodedata.category(chr(cp)) == "Nd":
            table[cp] = ord("0") + unicodedata.decimal(chr(cp))
    return table


@lru_cache(maxsize=4096)
def _hit_group(rx: CompiledPattern) -> int | None:
    """The number of ``rx``'s :data:`HIT_GROUP` (None without one); RE2 builds its group dict on every ask."""
    return rx.groupindex.get(HIT_GROUP)


def compile_pattern(pattern: str) -> CompiledPattern:
    """The RE2 object of ``pattern``; raises :class:`PatternError` when RE2 refuses it."""
    if not isinstance(pattern, str):
        raise PatternError(f"regex must be a string, got {type(pattern).__name__}")
    if not pattern.strip():
        raise PatternError("regex must be a non-empty string")
    if len(pattern) > MAX_REGEX_LEN:
        raise PatternError(f"regex longer than {MAX_REGEX_LEN} characters")
    if fixed_regex.first_surrogate(pattern) is not None or "\x00" in pattern:
        raise PatternError("regex contains a NUL or an unpaired surrogate character")
    try:
        rx: CompiledPattern = re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(f"RE2 cannot compile it ({reason}); backreferences and lookahead / lookbehind "
                           "are not supported: write boundaries as (?:^|[^a-z0-9]) … (?:$|[^a-z0-9]) and put the "
                           f"hit in (?P<{HIT_GROUP}>…)") from None
    if rx.search("") is not None:
        raise PatternError("regex matches the empty string")
    size = int(getattr(rx, "programsize", 0))
    if size > MAX_PROGRAM_SIZE:
        raise PatternError(f"regex compiles to {size} instructions (at most {MAX_PROGRAM_SIZE}): a long counted "
                           "repetition such as .{0,1000} or a nested one makes every long text take seconds to scan; "
                           "use a shorter reach (.{0,150})")
    return rx


def pattern_problem(pattern: Any) -> str | None:
    """Why ``pattern`` is refused as an entry's regex (None when it is fine)."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None


class PatternSet:
    """Several patterns searched in one pass over a text (RE2's ``Set``): which of them occur, not where
    (:meth:`RegexText.occurring`). Each pattern passes :func:`compile_pattern`'s checks first."""

    __slots__ = ("_set", "size")

    def __init__(self, patterns: Sequence[str]) -> None:
        rx_set = re2.Set.SearchSet(_OPTIONS)
        try:
            for pattern in patterns:
                compile_pattern(pattern)
                rx_set.Add(pattern)
            rx_set.Compile()
        except re2.error as exc:
            raise PatternError(f"RE2 cannot build the pattern set ({exc})") from None
        self._set = rx_set
        self.size = len(patterns)


class RegexText:
    """A text prepared once for any number of patterns: UTF-8 bytes for RE2, hits as ``str`` offsets."""

    __slots__ = ("text", "_data", "_ascii")

    def __init__(self, text: str) -> None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # an unpaired surrogate: read as U+FFFD (one character keeps offsets)
            text = fixed_regex.without_surrogates(text)
            data = text.encode("utf-8")
        if len(data) != len(text) and _OTHER_DIGIT.search(data):
            text = text.translate(_digit_table())
            data = text.encode("utf-8")
        self.text = text
        self._data = data
        self._ascii = len(data) == len(text)

    def occurring(self, patterns: PatternSet) -> list[int]:
        """The indices (in the set's order) of the patterns of ``patterns`` that occur in the text."""
        return sorted(patterns._set.Match(self._data) or ())

    def spans(self, rx: CompiledPattern) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of every non-empty hit of ``rx`` (character offsets), left to right."""
        data = self._data
        n = len(data)
        hit = _hit_group(rx)
        pos = 0
        bpos = cpos = 0  # last byte offset converted and its character offset (offsets only grow)
        while pos <= n:
            m = rx.search(data, pos)
            if m is None:
                return
            ms, me = m.span()
            s, e = m.span(hit) if hit is not None else (ms, me)
            if s < 0:
                s, e = ms, me
            if e > s:
                if self._ascii:
                    yield s, e
                else:
                    cpos += len(data[bpos:s].decode("utf-8"))
                    cs = cpos
                    cpos += len(data[s:e].decode("utf-8"))
                    bpos = e
                    yield cs, cpos
            nxt = max(e, me - MAX_TAIL_BYTES)
            if nxt <= pos:
                nxt = pos + 1
            while nxt < n and 0x80 <= data[nxt] < 0xC0:  # a character boundary
                nxt += 1
            pos = nxt
