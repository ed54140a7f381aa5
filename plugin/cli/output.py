"""Terminal-safe output for CLI listings: stored text (notes, names, terms, sample texts) is shown with
its control characters escaped, so nothing in the database can send escape sequences to a terminal.

``printable(text)`` escapes C0/C1 control characters other than newline and tab (``ESC`` → ``\\x1b``),
line / paragraph separators, bidirectional controls and lone surrogates; ``echo`` is ``click.echo``
of that. :class:`SafeConsole` is a rich console that does the same to every string it renders (table
cells included) and reads no rich markup in them.
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.text import Text

from .. import fixed_regex

__all__ = ["SafeConsole", "echo", "printable"]

#: C0 controls but tab and newline, DEL, C1 controls, line / paragraph separators, bidirectional
#: controls (ALM, LRM, RLM, embeddings, overrides, isolates) and lone surrogates.
_UNSAFE = fixed_regex.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(m: fixed_regex.FixedMatch) -> str:
    n = ord(m.group(0))
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def printable(text: Any) -> str:
    """``str(text)`` with terminal control characters shown as escapes (``\\x1b``, ``\\u202e``)."""
    shown = str(text)
    if fixed_regex.first_surrogate(shown) is not None:  # RE2 reads UTF-8: surrogates are escaped here
        shown = "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in shown)
    return _UNSAFE.sub(_escape, shown)


def echo(message: Any = "", *, err: bool = False) -> None:
    """``click.echo`` of :func:`printable` ``(message)``."""
    click.echo(printable(message), err=err)


class SafeConsole(Console):
    """A rich console for stored text: every string is escaped with :func:`printable` and rendered
    as plain text (a note reading ``[red]...`` stays as typed)."""

    def __init__(self, **kw: Any) -> None:
        kw.setdefault("markup", False)
        super().__init__(**kw)

    def render_str(self, text: str, **kw: Any) -> Text:
        return super().render_str(printable(text), **kw)
