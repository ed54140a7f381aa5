"""Fixtures of the service tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

import pytest

from plugin import Matcher

#: The browser of the real-browser tests (``.ci/run`` installs Debian's chromium and a CJK font).
CHROMIUM = os.environ.get("QINGLANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def make_app(tmp_path: Path, service_matcher: Matcher) -> Callable[..., Any]:
    """``make_app(**settings)`` → a FastAPI app on ``tmp_path/guard.db`` with the test matcher."""
    from service.app import create_app
    from service.config import ServiceConfig

    def _make(*, rumors: Any = None, db_path: Path | None = None, **settings: Any) -> Any:
        cfg = ServiceConfig(db_path=str(db_path or tmp_path / "guard.db"), **settings)
        return create_app(cfg, matcher=service_matcher, rumors=rumors)

    return _make


def _missing(reason: str) -> None:
    """Skip on a developer machine; fail in CI (``CI=true``), where the browser must be installed."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium under Playwright (skipped when missing; a failure in CI)."""
    try:
        from playwright import sync_api
    except ImportError:
        _missing("playwright is not installed (pip install playwright==1.65.2)")
    if not Path(CHROMIUM).exists():
        _missing(f"chromium not found at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
