"""Snapshots of the process-wide tables: written once, read back equal, keyed, never fatal."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path

import pytest

from plugin import snapshot
from plugin.normalize import _build_tables, _tables
from tests.paths import ROOT


@pytest.fixture()
def cache(tmp_path: Path) -> Iterator[Path]:
    snapshot.configure(tmp_path / "cache")
    yield tmp_path / "cache"
    snapshot.configure(None)


def test_built_once_then_read_back(cache: Path) -> None:
    calls: list[int] = []

    def build() -> dict[str, tuple[int, ...]]:
        calls.append(1)
        return {"a": (1, 2)}

    assert snapshot.cached("t", build) == {"a": (1, 2)}
    assert snapshot.cached("t", build) == {"a": (1, 2)}
    assert len(calls) == 1
    files = list(cache.iterdir())
    assert [f.name for f in files] == [f"t-{snapshot.tables_id()}.marshal"]


def test_unreadable_snapshot_is_rebuilt(cache: Path) -> None:
    cache.mkdir()
    path = cache / f"t-{snapshot.tables_id()}.marshal"
    path.write_bytes(b"\xff not marshal")
    assert snapshot.cached("t", lambda: [1, 2, 3]) == [1, 2, 3]
    assert marshal.loads(path.read_bytes()) == [1, 2, 3]


def test_empty_setting_turns_snapshots_off() -> None:
    snapshot.configure("")
    try:
        assert snapshot.cache_dir() is None
        assert snapshot.cached("t", lambda: 7) == 7
    finally:
        snapshot.configure(None)


def test_unwritable_directory_only_costs_the_build(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    snapshot.configure(blocker / "cache")
    try:
        assert snapshot.cached("t", lambda: "value") == "value"
    finally:
        snapshot.configure(None)


def test_default_directory_is_the_users_cache_outside_the_checkout() -> None:
    snapshot.configure(None)
    assert snapshot.cache_dir() == Path.home() / ".cache" / "qinglang"
    assert ROOT not in (snapshot.cache_dir() or Path("/")).parents


def test_normalisation_tables_from_the_snapshot_equal_a_fresh_build() -> None:
    t = _tables()
    assert (t.fold_bmp, t.fold_astral, t.dense_bmp, t.dense_astral, t.folded_from) == _build_tables()


def test_buffer_built_once_then_mapped(cache: Path) -> None:
    calls: list[int] = []

    def build() -> bytes:
        calls.append(1)
        return b"QLWT-buffer"

    first = snapshot.cached_buffer("b", build, bytes)
    second = snapshot.cached_buffer("b", build, lambda buf: (type(buf).__name__, bytes(buf)))
    assert first == b"QLWT-buffer" and second == ("mmap", b"QLWT-buffer")
    assert len(calls) == 1
    assert [f.name for f in cache.iterdir()] == [f"b-{snapshot.tables_id()}.bin"]


def test_buffer_the_opener_refuses_is_rebuilt(cache: Path) -> None:
    cache.mkdir()
    path = cache / f"b-{snapshot.tables_id()}.bin"
    path.write_bytes(b"damaged")

    def open_(buf: bytes) -> bytes:
        data = bytes(buf)
        if data != b"good":
            raise ValueError("not a table")
        return data

    assert snapshot.cached_buffer("b", lambda: b"good", open_) == b"good"
    assert path.read_bytes() == b"good"
    path.write_bytes(b"")  # an empty file cannot be mapped: rebuilt too
    assert snapshot.cached_buffer("b", lambda: b"good", open_) == b"good"


def test_buffer_without_snapshots_is_built() -> None:
    snapshot.configure("")
    try:
        assert snapshot.cached_buffer("b", lambda: b"x", bytes) == b"x"
    finally:
        snapshot.configure(None)
