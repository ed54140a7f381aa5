"""Helpers of the real-browser tests (Debian chromium driven headless by Playwright; the ``browser`` fixture
is in ``tests/service/conftest.py``): signing in, and screenshots of the main screens for docs/editorial.md."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["login", "screenshot"]


def login(page, base: str, secret: str, lang: str = "") -> None:
    """Sign in (``lang``: switch the console's language first; Chinese is the default)."""
    page.goto(f"{base}/admin/ui/")
    assert page.url.endswith("/admin/ui/login")
    if lang:
        page.goto(f"{base}/admin/ui/login?lang={lang}")
    page.get_by_test_id("token").fill(secret)
    page.get_by_test_id("login").click()
    page.wait_for_url(f"{base}/admin/ui/")


def screenshot(page, name: str) -> None:
    """Save a screenshot of ``page`` as ``<dir>/<name>.png`` when ``QINGLANG_SCREENSHOTS=<dir>`` is set
    (``docs/img`` refreshes the documentation's pictures); nothing otherwise."""
    target = os.environ.get("QINGLANG_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=False)
