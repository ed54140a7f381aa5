"""The editor web page in a real browser: Debian chromium driven headless by Playwright."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.store.app import make_app, make_tokens
from tests.store.fixtures import db_path  # noqa: F401
from tests.store.server import serve

CHROMIUM = os.environ.get("QINGLANG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright==1.65.2)")
if not Path(CHROMIUM).exists():
    pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def login(page, base: str, secret: str) -> None:
    page.goto(f"{base}/admin/ui/")
    assert page.url.endswith("/admin/ui/login")
    page.get_by_test_id("token").fill(secret)
    page.get_by_test_id("login").click()
    page.wait_for_url(f"{base}/admin/ui/")


def test_editor_drafts_previews_and_approver_publishes_and_rolls_back(browser, db_path: Path) -> None:
    app = make_app(db_path)
    tokens = make_tokens(db_path)
    with serve(app) as base:
        # the editor searches, drafts and previews
        ed = browser.new_context().new_page()
        login(ed, base, tokens["ed"])
        assert "ed (editor)" in ed.get_by_test_id("who").inner_text()
        ed.get_by_test_id("search-q").fill("百家")
        ed.get_by_test_id("search").click()
        rows = ed.get_by_test_id("entries").inner_text()
        assert "gambling:百家乐" in rows and "clickbait:震惊" not in rows
        ed.get_by_test_id("draft-note").fill("红包赌博")
        ed.get_by_test_id("new-draft").click()
        assert "draft #1 opened" in ed.get_by_test_id("msg").inner_text()
        ed.get_by_test_id("term").fill("抢红包")
        ed.get_by_test_id("category").select_option("gambling")
        ed.get_by_test_id("action").select_option("block")
        ed.get_by_test_id("add").click()
        assert "add gambling:抢红包" in ed.get_by_test_id("msg").inner_text()
        ed.get_by_test_id("term").fill("   ")
        ed.get_by_test_id("category").select_option("gambling")
        ed.get_by_test_id("add").click()
        assert "empty term" in ed.get_by_test_id("err").inner_text()
        ed.get_by_test_id("preview").click()
        assert ed.get_by_test_id("newly-blocked").inner_text() == "3"
        marks = ed.get_by_test_id("examples-newly_blocked").locator("mark").all_inner_texts()
        assert marks and set(marks) == {"抢红包"}
        assert ed.get_by_test_id("publish").count() == 0  # editors cannot publish

        # the approver reviews and publishes (force: it blocks 3 of 8 sample texts)
        ap = browser.new_context().new_page()
        login(ap, base, tokens["ann"])
        ap.goto(f"{base}/admin/ui/changesets/1")
        ap.get_by_test_id("publish").click()
        assert "newly blocks 3 of 8" in ap.get_by_test_id("err").inner_text()
        ap.get_by_test_id("publish-force").check()
        ap.get_by_test_id("publish").click()
        assert "Version 2" in ap.get_by_test_id("version-title").inner_text()
        assert "gambling:抢红包" in ap.get_by_test_id("version-diff").inner_text()
        assert app.state.guard.live.version == "2"

        # history of the entry, then a rollback: requested by the editor, published by the approver
        ap.goto(f"{base}/admin/ui/history?term_id=gambling:抢红包")
        assert "v2..live" in ap.get_by_test_id("history").inner_text()
        ed.goto(f"{base}/admin/ui/")
        ed.get_by_test_id("rollback-note-1").fill("too broad")
        ed.get_by_test_id("rollback-1").click()
        assert "rollback to version 1 drafted as #2" in ed.get_by_test_id("msg").inner_text()
        assert "rollback to version 1" in ed.get_by_test_id("cs-rollback").inner_text()
        assert app.state.guard.live.version == "2"  # a request publishes nothing
        ap.goto(f"{base}/admin/ui/changesets/2")
        ap.get_by_test_id("publish").click()
        assert "Version 3" in ap.get_by_test_id("version-title").inner_text()
        assert app.state.guard.live.version == "3"
        ap.goto(f"{base}/admin/ui/")
        assert "Live version 3" in ap.get_by_test_id("live").inner_text()

        # an approver who changed someone else's draft cannot publish it
        ed.goto(f"{base}/admin/ui/")
        ed.get_by_test_id("new-draft").click()
        ed.get_by_test_id("term").fill("线上棋牌")
        ed.get_by_test_id("category").select_option("gambling")
        ed.get_by_test_id("add").click()
        ap.goto(f"{base}/admin/ui/changesets/3")
        ap.get_by_test_id("term").fill("网络赌球")
        ap.get_by_test_id("category").select_option("gambling")
        ap.get_by_test_id("add").click()
        assert ap.get_by_test_id("cs-contributors").inner_text() == "ed, ann"
        ap.get_by_test_id("publish").click()
        assert "four-eyes" in ap.get_by_test_id("err").inner_text()
        assert app.state.guard.live.version == "3"
