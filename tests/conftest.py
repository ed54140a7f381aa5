"""Fixtures shared by more than one test package. Matchers are compiled once per session (tables + jieba
take ~1-2 s); fixtures of one package live in that package's conftest.py."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from plugin import Matcher, load_lexicon
from plugin.variants import load_variant_tables
from tests.fakes import FakeRumors
from tests.paths import DATA

CORE = DATA / "core"


@pytest.fixture(scope="session")
def core_matcher() -> Matcher:
    """The core test lexicon with small shape/split tables (independent of bundled data)."""
    lex = load_lexicon(str(CORE / "test_lexicon.yaml"))
    tables = load_variant_tables(str(CORE / "shape.yaml"), str(CORE / "split.yaml"))
    return Matcher(list(lex.entries), variant_tables=tables)


@pytest.fixture(scope="session")
def bundled_matcher() -> Matcher:
    """The bundled lexicons as shipped."""
    return Matcher.from_lexicons([], bundled=True)


@pytest.fixture(scope="session")
def service_matcher() -> Matcher:
    """The real matcher over a small project-made lexicon (one compile per session)."""
    lex = load_lexicon(str(DATA / "service" / "lexicon.yaml"))
    return Matcher.from_entries(list(lex.entries), version="svc-test-1")


@pytest.fixture()
def fake_rumors() -> FakeRumors:
    return FakeRumors([
        {"id": "r1", "key": "喝盐水防病毒", "claim": "喝盐水可以预防病毒感染", "status": "false",
         "refutation_title": "喝盐水不能预防病毒", "url": "https://example.org/r1"},
        {"id": "r2", "key": "某地水源污染", "claim": "某地水源被污染", "status": "disputed"},
    ])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "guard.db"


# A real OpenSearch-compatible engine (osmem-server on loopback, helpers in tests/osmem.py): one server per
# module, a fresh clone per test.
@pytest.fixture(scope="module")
def osmem():
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False, addr="127.0.0.1:0")
    yield server
    server.close()


@pytest.fixture
def os_url(osmem):
    clone = osmem.clone()
    yield clone.url
    clone.close()


# A throw-away PostgreSQL cluster (tests/pg.py): one per session, a fresh database per test. Without the
# server a test skips locally and fails in CI.
@pytest.fixture(scope="session")
def pg_server():
    from tests.pg import start_cluster

    try:
        server = start_cluster()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL could not be started (CI needs it): {exc}")
        pytest.skip(f"PostgreSQL could not be started: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty PostgreSQL database (its URL)."""
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request, tmp_path: Path) -> str:
    """The same test on both backends: a SQLite file path, then a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "guard.db")
    return request.getfixturevalue("pg_url")


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "sqlite_only: the test inspects the SQLite file itself")


def pytest_collection_modifyitems(config, items) -> None:
    """A ``sqlite_only`` test has no PostgreSQL variant: that parameter is deselected (not skipped, so a skip
    in the run always means a missing component)."""
    dropped = [i for i in items if i.get_closest_marker("sqlite_only") and "[postgresql]" in i.nodeid]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]
