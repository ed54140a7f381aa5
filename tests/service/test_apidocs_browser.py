"""/docs in a real browser (Debian chromium via Playwright, the `browser` fixture of tests/service/conftest.py; skipped without it on a developer machine, failed
in CI): it renders with no request leaving the machine, and the Authorize button's bearer token is sent
with "Try it out" requests."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from plugin.store import TokenStore
from service.app import create_app
from service.config import ServiceConfig

from tests.service.server import serve


def test_docs_render_offline_and_authorize_sends_the_token(browser, tmp_path: Path, service_matcher) -> None:
    db = tmp_path / "docs.db"
    app = create_app(ServiceConfig(db_path=str(db)), matcher=service_matcher, rumors=None)
    secret = TokenStore(str(db)).create("reader-1", "reader")[1]
    with serve(app) as base:
        page = browser.new_context().new_page()
        outside: list[str] = []

        def only_local(route) -> None:
            if urlsplit(route.request.url).hostname != "127.0.0.1":
                outside.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", only_local)
        page.goto(f"{base}/docs")
        page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
        page.click("button.authorize")
        page.fill(".auth-container input", secret)
        page.click(".auth-btn-wrapper button.authorize")
        page.click(".auth-btn-wrapper button.btn-done")
        op = page.locator("#operations-reviews-list_reviews_v1_reviews_get")
        op.locator(".opblock-summary").click()
        op.locator("button.try-out__btn").click()
        with page.expect_response(lambda r: "/v1/reviews" in r.url) as answer:
            op.locator("button.execute").click()
        response = answer.value
        assert response.request.headers.get("authorization") == f"Bearer {secret}"
        assert response.status == 200
        page.goto(f"{base}/redoc")
        page.wait_for_selector("h1", timeout=30_000)
        assert outside == []
