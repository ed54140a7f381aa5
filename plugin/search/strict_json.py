"""JSON for search bodies and upstream answers, with bounds: nesting depth, finite numbers, integer size.

Python's ``json`` accepts ``NaN`` / ``Infinity``, turns ``1e400`` into ``inf``, parses integers of
thousands of digits and recurses once per nesting level. :func:`loads` refuses all of that with a
``ValueError`` naming the problem, so a caller can answer 400 (a client body) or 502 (an upstream answer).
"""

from __future__ import annotations

import json
import math
from typing import Any

from .. import fixed_regex

__all__ = ["MAX_DEPTH", "MAX_INT", "loads"]

#: Deepest nesting accepted (objects and arrays); search bodies need a few dozen levels at most.
MAX_DEPTH = 100
#: Largest integer magnitude accepted: the engines' widest integer type is ``unsigned_long`` (2^64 - 1).
MAX_INT = 2**64 - 1
_MAX_INT_DIGITS = len(str(MAX_INT)) + 1  # sign
_SURROGATE_ESCAPE = fixed_regex.compile(r"\\u[dD][89a-fA-F]")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows (non-finite numbers are refused)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:40]} is out of range (non-finite numbers are refused)")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS or abs(value := int(text)) > MAX_INT:
        raise ValueError(f"integer {text[:40]}{'...' if len(text) > 40 else ''} is out of range (at most 2^64 - 1)")
    return value


def _check_tree(value: Any, limit: int, strings: bool) -> None:
    """Refuse nesting deeper than ``limit`` and (``strings``) lone surrogates in keys and strings.
    Iterative: no recursion on hostile input."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if strings:
                _check_strings(node.keys())
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            if strings and isinstance(node, str):
                _check_strings((node,))
            continue
        if depth > limit:
            raise ValueError(f"nested deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, str)))


def _check_strings(texts: Any) -> None:
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"string {text[:40]!r} holds a lone surrogate (\\ud800-\\udfff escape)") from None


def loads(raw: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """Decode ``raw`` (UTF-8) as JSON; ``ValueError`` with a one-line reason when it is not JSON, nests
    deeper than ``max_depth``, holds a non-finite number (``NaN``, ``Infinity``, ``1e400``) or an integer
    beyond :data:`MAX_INT`, or a lone surrogate (``\\ud800``) that no UTF-8 text can carry."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
    except UnicodeDecodeError as e:
        raise ValueError(f"not UTF-8: {e.reason} at byte {e.start}") from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int)
    except RecursionError:
        raise ValueError(f"nested deeper than {max_depth} levels") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"{e.msg} (line {e.lineno}, column {e.colno})") from None
    _check_tree(value, max_depth, strings=_SURROGATE_ESCAPE.search(text) is not None)
    return value
