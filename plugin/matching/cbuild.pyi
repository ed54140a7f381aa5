"""Types of the C extension built from ``cbuild.c`` (see :mod:`plugin.matching.native_build`)."""

from array import array
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

def reading_rows(text: str, ends: array[int], kinds: bytes, entries: array[int], eligible: bytes, wanted: bytes,
                 choices: dict[str, tuple[str, ...]], width: int, max_keys: int, pid_bits: int, /) -> tuple[bytes, bytes]: ...
def add_keys(add: Callable[[str, int], object], text: str, ends: array[int], pids: array[int], /) -> list[tuple[int, ...]]: ...
def initials_index(initials: str, ends: array[int], block: bytes, min_syllables: int, not_initial: str,
                   /) -> tuple[bytes, bytes, bytes]: ...
def slotted_rows(cls: type[T], names: tuple[str, ...], columns: tuple[Sequence[Any], ...], /) -> list[T]: ...
