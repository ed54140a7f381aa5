"""The project's own fixed patterns, on RE2: matching time linear in the text for every regex we ship.

Editor-supplied lexicon patterns go through :mod:`plugin.lexicon_regex`; every other pattern in
``plugin/`` and ``service/`` is compiled here (``tests/plugin/test_fixed_regex.py`` fails on any use of
Python's backtracking ``re``). RE2 has no backreferences and no lookaround: code that needs them
checks the neighbouring characters itself.

Differences from Python's ``re`` that patterns here must respect:

- ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII only. For Python's Unicode meaning write
  :data:`WORD` / :data:`SPACE` (classes equal to ``str.isalnum() or "_"`` and ``str.isspace()``) or
  ``\\p{Nd}``.
- ``$`` matches only at the end of the text (Python's also matches before a final newline).
- Flags are written inline: ``(?i)``, ``(?s)``, ``(?m)``.

A ``str`` holding an unpaired surrogate (which UTF-8 cannot encode) is matched with each surrogate
read as U+FFFD: offsets stay the same, a match never contains a surrogate.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Protocol

import re2

__all__ = ["SPACE", "WORD", "FixedMatch", "FixedPattern", "CheckedMatch", "FixedBytesPattern", "compile", "compile_bytes", "escape", "finditer_checked", "sub_checked", "first_surrogate", "without_surrogates"]

#: Python's ``\\s`` for ``str`` (the characters ``str.isspace()`` accepts), as an RE2 class body.
SPACE = r"\t\n\x0b\f\r\x1c-\x20\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}"
#: Python's ``\\w`` for ``str`` (``str.isalnum()`` or ``_``), as an RE2 class body.
WORD = r"\p{L}\p{N}_"

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
_OPTIONS.max_mem = 8 << 20


class FixedMatch(Protocol):
    """What is read of a match (RE2's match object; offsets are ``str`` offsets)."""

    @property
    def string(self) -> str: ...
    def group(self, group: int | str = ..., /) -> str | Any: ...  # None for a group that took no part
    def groups(self, default: Any = ...) -> tuple[Any, ...]: ...
    def groupdict(self, default: Any = ...) -> dict[str, Any]: ...
    def span(self, group: int | str = ...) -> tuple[int, int]: ...
    def start(self, group: int | str = ...) -> int: ...
    def end(self, group: int | str = ...) -> int: ...
    def __getitem__(self, group: int | str) -> str | Any: ...


def first_surrogate(text: str) -> int | None:
    """Offset of the first unpaired surrogate in ``text`` (None when there is none).

    Surrogates cannot be in an RE2 pattern (RE2 reads UTF-8): checks for them are this plain code."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def without_surrogates(text: str, replacement: str = "\ufffd") -> str:
    """``text`` with every unpaired surrogate as ``replacement`` (one character keeps offsets)."""
    if first_surrogate(text) is None:
        return text
    return "".join(replacement if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def _expand(template: str, m: FixedMatch) -> str:
    """``template`` with ``\\1`` ... ``\\99`` and ``\\g<name>`` replaced by ``m``'s groups (RE2's own
    expansion garbles characters beyond ASCII)."""
    if "\\" not in template:
        return template
    out: list[str] = []
    i, n = 0, len(template)
    while i < n:
        ch = template[i]
        nxt = template[i + 1] if i + 1 < n else ""
        if ch == "\\" and nxt.isdigit():
            j = i + 3 if i + 2 < n and template[i + 2].isdigit() else i + 2  # \\1 to \\99
            out.append(m.group(int(template[i + 1:j])) or "")
            i = j
        elif ch == "\\" and nxt == "g" and template.startswith("<", i + 2) and ">" in template[i + 3:]:
            end = template.index(">", i + 3)
            name = template[i + 3:end]
            out.append(m.group(int(name) if name.isdigit() else name) or "")
            i = end + 1
        elif ch == "\\" and nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class FixedPattern:
    """A compiled fixed pattern with the ``re.Pattern`` methods the project uses."""

    __slots__ = ("_rx", "pattern")

    def __init__(self, pattern: str) -> None:
        try:
            self._rx: Any = re2.compile(pattern, _OPTIONS)
        except re2.error as exc:
            reason = exc.args[0] if exc.args else exc
            if isinstance(reason, bytes):
                reason = reason.decode("utf-8", "replace")
            raise ValueError(f"RE2 cannot compile {pattern!r}: {reason}") from None
        self.pattern = pattern

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> FixedMatch | None:
        """The first match at or after ``pos``."""
        try:
            return self._rx.search(text, pos, endpos)  # type: ignore[no-any-return]
        except UnicodeEncodeError:
            return self._rx.search(without_surrogates(text), pos, endpos)  # type: ignore[no-any-return]

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> FixedMatch | None:
        """A match starting at ``pos``."""
        try:
            return self._rx.match(text, pos, endpos)  # type: ignore[no-any-return]
        except UnicodeEncodeError:
            return self._rx.match(without_surrogates(text), pos, endpos)  # type: ignore[no-any-return]

    def fullmatch(self, text: str, pos: int = 0, endpos: int | None = None) -> FixedMatch | None:
        """A match of the whole of ``text[pos:endpos]``."""
        try:
            return self._rx.fullmatch(text, pos, endpos)  # type: ignore[no-any-return]
        except UnicodeEncodeError:
            return self._rx.fullmatch(without_surrogates(text), pos, endpos)  # type: ignore[no-any-return]

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[FixedMatch]:
        """Every non-overlapping match, left to right."""
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                text = without_surrogates(text)
        return self._rx.finditer(text, pos, endpos)  # type: ignore[no-any-return]

    def sub(self, repl: str | Callable[[FixedMatch], str], text: str, count: int = 0) -> str:
        """``text`` with every match replaced (a template with ``\\1`` / ``\\g<name>``, or a function);
        built from :meth:`finditer` (RE2's own ``sub`` costs several µs even when nothing matches)."""
        parts: list[str] = []
        last = done = 0
        source = text
        for m in self.finditer(text):
            if not parts:
                source = m.string  # the text searched (surrogates read as U+FFFD)
            start, end = m.span()
            parts += [source[last:start], repl(m) if callable(repl) else _expand(repl, m)]
            last = end
            done += 1
            if count and done >= count:
                break
        if not parts:
            return text
        parts.append(source[last:])
        return "".join(parts)

    def __repr__(self) -> str:
        return f"FixedPattern({self.pattern!r})"


class FixedBytesPattern:
    """A compiled fixed pattern searched in UTF-8 bytes (offsets are byte offsets; a search from an
    offset costs nothing extra, where a ``str`` search re-encodes the text)."""

    __slots__ = ("_rx", "pattern")

    def __init__(self, pattern: bytes) -> None:
        try:
            self._rx: Any = re2.compile(pattern, _OPTIONS)
        except re2.error as exc:
            raise ValueError(f"RE2 cannot compile {pattern!r}: {exc.args[0] if exc.args else exc}") from None
        self.pattern = pattern

    def search(self, data: bytes, pos: int = 0, endpos: int | None = None) -> FixedMatch | None:
        """The first match at or after byte ``pos``."""
        return self._rx.search(data, pos, endpos)  # type: ignore[no-any-return]



class CheckedMatch:
    """A match found by :func:`finditer_checked`: ``str`` offsets and groups of the text searched."""

    __slots__ = ("_text", "_spans")

    def __init__(self, text: str, spans: list[tuple[int, int]]) -> None:
        self._text = text
        self._spans = spans

    def span(self, group: int = 0) -> tuple[int, int]:
        return self._spans[group]

    def start(self, group: int = 0) -> int:
        return self._spans[group][0]

    def end(self, group: int = 0) -> int:
        return self._spans[group][1]

    def group(self, group: int = 0) -> str | None:
        s, e = self._spans[group]
        return None if s < 0 else self._text[s:e]


def finditer_checked(rx: FixedBytesPattern, text: str,
                     accept: Callable[[CheckedMatch], bool]) -> Iterator[CheckedMatch]:
    """Every match of ``rx`` in ``text`` that ``accept`` allows, left to right, not overlapping; after a
    refused match the search goes on from the character after its start.

    This is how a lookbehind / lookahead (which RE2 lacks) is written: ``accept`` reads the characters
    before and after the match in ``text``. The text is encoded once and searched in UTF-8 bytes, so
    the cost stays linear however many matches are refused."""
    data = text.encode("utf-8", "surrogatepass")
    ascii_only = len(data) == len(text)
    n = len(data)
    done_b = done_c = 0  # offsets converted so far (byte, character): they only grow

    def char_offset(b: int) -> int:
        nonlocal done_b, done_c
        if ascii_only or b < 0:
            return b
        if b < done_b:  # back from the furthest offset converted (inside the last match)
            return done_c - len(data[b:done_b].decode("utf-8", "surrogatepass"))
        done_c += len(data[done_b:b].decode("utf-8", "surrogatepass"))
        done_b = b
        return done_c

    pos = 0
    while pos <= n:
        m = rx.search(data, pos)
        if m is None:
            return
        n_groups = len(m.groups())
        conv = {b: char_offset(b) for b in sorted({b for g in range(n_groups + 1) for b in m.span(g)})}
        spans = [(conv[m.span(g)[0]], conv[m.span(g)[1]]) for g in range(n_groups + 1)]
        found = CheckedMatch(text, spans)
        bs, be = m.span()
        if accept(found):
            yield found
            pos = be if be > bs else be + 1
        else:
            pos = bs + 1
        while pos < n and 0x80 <= data[pos] < 0xC0:  # a character boundary
            pos += 1


def sub_checked(rx: FixedBytesPattern, text: str, repl: Callable[[CheckedMatch], str],
                accept: Callable[[CheckedMatch], bool]) -> str:
    """``text`` with each match of :func:`finditer_checked` replaced by ``repl(match)``."""
    parts: list[str] = []
    last = 0
    for m in finditer_checked(rx, text, accept):
        s, e = m.span()
        parts += [text[last:s], repl(m)]
        last = e
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)


def compile_bytes(pattern: bytes) -> FixedBytesPattern:
    """Compile a fixed pattern for UTF-8 bytes on RE2; raises ``ValueError`` when RE2 refuses it."""
    return FixedBytesPattern(pattern)


def compile(pattern: str) -> FixedPattern:  # noqa: A001 - mirrors re.compile
    """Compile a fixed pattern on RE2; raises ``ValueError`` naming the pattern when RE2 refuses it."""
    return FixedPattern(pattern)


def escape(text: str) -> str:
    """``text`` as a literal inside a pattern."""
    return re2.escape(text)  # type: ignore[no-any-return]
