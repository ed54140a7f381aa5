"""Fixtures of the service tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from plugin import Matcher


@pytest.fixture()
def make_app(tmp_path: Path, service_matcher: Matcher) -> Callable[..., Any]:
    """``make_app(**settings)`` → a FastAPI app on ``tmp_path/guard.db`` with the test matcher."""
    from service.app import create_app
    from service.config import ServiceConfig

    def _make(*, rumors: Any = None, db_path: Path | None = None, **settings: Any) -> Any:
        cfg = ServiceConfig(db_path=str(db_path or tmp_path / "guard.db"), **settings)
        return create_app(cfg, matcher=service_matcher, rumors=rumors)

    return _make
