"""Snapshots of the process-wide tables: written once, read back equal, keyed, never fatal."""

from __future__ import annotations

import marshal
from pathlib import Path

import pytest

from plugin import snapshot
from plugin.normalize import _build_tables, _tables


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(snapshot.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


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


def test_empty_setting_turns_snapshots_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(snapshot.CACHE_DIR_ENV, "")
    assert snapshot.cache_dir() is None
    assert snapshot.cached("t", lambda: 7) == 7


def test_unwritable_directory_only_costs_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv(snapshot.CACHE_DIR_ENV, str(blocker / "cache"))
    assert snapshot.cached("t", lambda: "value") == "value"


def test_default_directory_is_outside_the_checkout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(snapshot.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert snapshot.cache_dir() == tmp_path / "qinglang"


def test_normalisation_tables_from_the_snapshot_equal_a_fresh_build() -> None:
    t = _tables()
    assert (t.fold_bmp, t.fold_astral, t.dense_bmp, t.dense_astral, t.folded_from) == _build_tables()
