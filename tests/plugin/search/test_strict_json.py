"""plugin.search.strict_json: bounded JSON for search bodies and upstream answers."""

import pytest

from plugin.search.strict_json import MAX_DEPTH, MAX_INT, loads


@pytest.mark.parametrize("raw,needle", [
    (b'{"size": 1e400}', "out of range"),
    (b'{"a": -1e309}', "out of range"),
    (b"-Infinity", "-Infinity"),
    (b'[Infinity]', "Infinity"),
    (b'{"x": NaN}', "NaN"),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}"),
    (b'{"q": ' * 900 + b"1" + b"}" * 900, "deeper than"),
    (b"[" * 100_000, "deeper than"),
    (b"{" * 50_000, ""),  # not JSON (keys missing) or too deep: a ValueError either way
    (str(MAX_INT + 1).encode(), "out of range"),
    (b"-" + str(MAX_INT + 1).encode(), "out of range"),
    (b"9" * 5000, "out of range"),
    (b'"\\udc00"', "lone surrogate"),
    (b'{"\\ud800": 1}', "lone surrogate"),
    (b"\xc3\x28", "not UTF-8"),
    (b"{", "line 1"),
    (b"", "Expecting value"),
])
def test_refused(raw, needle):
    with pytest.raises(ValueError) as exc:
        loads(raw)
    assert needle in str(exc.value)


def test_accepted():
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH) is not None
    assert loads(str(MAX_INT).encode()) == MAX_INT and loads(b"-9223372036854775808") == -(2**63)
    assert loads('{"q": "大蒜 \\ud83d\\ude00", "f": 1.5e300}') == {"q": "大蒜 😀", "f": 1.5e300}
    assert loads(b"[[1]]", max_depth=2) == [[1]]
    with pytest.raises(ValueError):
        loads(b"[[[1]]]", max_depth=2)
