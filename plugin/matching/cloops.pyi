"""Types of the C extension built from ``cloops.c`` (see :mod:`plugin.matching.native`)."""

from typing import Any

def encode_classes(view: str, codes: bytes, shift: int, /) -> str: ...
def dense_outputs(automaton: Any, dense: str, codes: bytes, shift: int, pat_dense: list[str], pat_kind: bytes,
                  pat_flags: bytes, groups: list[tuple[int, ...]], /) -> list[tuple[int, int, int, bool]]: ...
