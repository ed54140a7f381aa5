"""The editorial console (service/ui.py, service/console.py) in a real browser — the entry list (matcher search,
filters, enable / disable), the "test a text" box, previews on an uploaded corpus with progress, the review
desk (filters, Chinese clauses, keyboard decisions, audit), 候选新词 and bulk upload — and in-process: what
the pages refuse (CSRF, roles, bounds), pagination and the JSON twin of the test box."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from plugin.store import LexiconStore, TokenStore
from service import previews
from service.app import create_app
from service.config import ServiceConfig
from service.ui import CSRF_FIELD, PREFIX, csrf_token
from tests.candidates import candidate
from tests.service.browser import login, screenshot
from tests.service.flash import flash
from tests.service.server import serve
from tests.service.tokens import make_tokens
from tests.store_config import make_config

SITE = "http://testserver"
#: Spam titles sharing a code word the test lexicons do not know (菠菜导师), each rejected for 百家乐.
_LEFT = ["今晚", "找", "跟着", "新手问", "老铁", "速来", "私信", "认准", "高手", "兄弟们"]
_RIGHT = ["带飞", "稳赚", "上岸", "在线", "怎么下注", "包赢", "回血", "开单", "拉群", "返水"]
SPAM = [f"{left}菠菜导师{right}百家乐" for left, right in zip(_LEFT, _RIGHT)]
#: Titles the queue holds: 澳门首家 is a ``review`` entry; 震惊 a clickbait label (clause 000 二.3).
PENDING = ["澳门首家线上娱乐开业", "震惊！澳门首家竟然这样", "澳门首家又出新花样"]
CLEAN = ["城市公园春季花展开幕", "地铁新线路今日开通", "新学期开学第一天"]


def _app(db_path: Path):
    LexiconStore(db_path, make_config()).ensure_seeded()  # live = version 1 of the store (who changed what)
    app = create_app(ServiceConfig(db_path=str(db_path), store=make_config(reload_interval=0.1)))
    tokens = make_tokens(db_path)
    tokens["rev"] = TokenStore(db_path).create("rev", "reviewer")[1]
    return app, tokens


def _queue(client, tokens: dict[str, str]) -> None:
    titles = SPAM + PENDING + CLEAN
    cands = [candidate(id=f"c{i}", title=t, account={"id": f"acc{i}", "name": f"账号{i}"})
             for i, t in enumerate(titles)]
    r = client.post("/v1/trending/review", json={"candidates": cands},
                    headers={"Authorization": f"Bearer {tokens['adm']}"})
    assert r.status_code == 200, r.text
    decisions = [x["decision"] for x in r.json()["results"]]
    assert decisions[:len(SPAM)] == ["reject"] * len(SPAM) and set(decisions[len(SPAM):len(SPAM) + 3]) == {"review"}


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    """(app, base url, tokens) of a live service with a queue of reviewed candidates."""
    db_path = tmp_path_factory.mktemp("console") / "guard.db"
    app, tokens = _app(db_path)
    with serve(app) as base:
        _queue(httpx.Client(base_url=base), tokens)
        yield app, base, tokens


def _page(browser, base: str, secret: str, lang: str = ""):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    login(page, base, secret, lang)
    page.refused = refused  # type: ignore[attr-defined]
    return page


# ---- in a real browser ---------------------------------------------------------------------------------------


def test_entries_search_through_the_matcher_filter_and_disable(browser, console) -> None:
    app, base, tokens = console
    ed = _page(browser, base, tokens["ed"])
    assert ed.get_by_test_id("nav").inner_text().split() == ["词条", "审核台", "候选新词", "批量导入", "审核记录"]
    assert "北京时间" in ed.locator("header").inner_text()
    ed.get_by_test_id("search-q").fill("bjl")  # pinyin initials of 百家乐: found through the compiled matcher
    ed.get_by_test_id("search").click()
    rows = ed.get_by_test_id("entries").inner_text()
    assert "百家乐" in rows and "赌博" in rows and "拦截" in rows and "block" not in rows
    assert ed.get_by_test_id("matched").first.inner_text() == "（匹配方式：拼音首字母）"
    screenshot(ed, "console-entries")
    ed.goto(f"{base}{PREFIX}/")
    ed.get_by_test_id("filter-category").select_option("persona")
    ed.get_by_test_id("search").click()
    assert ed.get_by_test_id("entries-count").inner_text() == "（版本 1，共 1 条）"
    assert "炫富" in ed.get_by_test_id("entries").inner_text()
    # disable 炫富 without deleting it: an edit in a new draft, live once an approver publishes it
    ed.get_by_test_id("toggle").click()
    assert ed.get_by_test_id("msg").inner_text().startswith("persona:炫富：已停用（草稿 #")
    cs = app.state.guard.lexicon_store.changesets("draft")[0]["id"]
    ap = _page(browser, base, tokens["ann"])
    ap.goto(f"{base}{PREFIX}/changesets/{cs}")
    assert "已停用" in ap.get_by_test_id("changes").inner_text()  # a readable diff: 状态 启用 → 已停用
    ap.get_by_test_id("publish").click()
    assert ap.get_by_test_id("version-title").inner_text().startswith("版本 2")
    assert app.state.guard.live.current().scan("晒炫富") == []  # compiled without it
    ap.goto(f"{base}{PREFIX}/?state=disabled")
    assert "炫富" in ap.get_by_test_id("entries").inner_text()
    assert ap.get_by_test_id("entry-state").first.inner_text() == "已停用"
    ap.goto(f"{base}{PREFIX}/history?term_id=persona:炫富")
    history = ap.get_by_test_id("history").inner_text()
    assert "启用 → 已停用" in history.replace("\n", " ").replace("  ", " ") or "已停用" in history
    assert "\\u" not in history and "{" not in history
    assert ed.refused == [] and ap.refused == []


def test_the_test_box_explains_hits_decisions_and_who_changed_the_entry(browser, console) -> None:
    app, base, tokens = console
    page = _page(browser, base, tokens["rita"])
    page.goto(f"{base}{PREFIX}/reviews")  # the box is on every page
    page.get_by_test_id("test-text").fill("今晚bjl开局")
    page.get_by_test_id("test-text").press("Enter")
    assert page.get_by_test_id("test-highlight").locator("mark").inner_text() == "bjl"
    hits = page.get_by_test_id("test-hits").inner_text()
    assert "百家乐" in hits and "拼音首字母" in hits and "bundled" in hits
    surfaces = page.get_by_test_id("test-surfaces").inner_text()
    assert "搜索词\t拦截\t词库" in surfaces and "热搜榜单\t拒绝上榜" in surfaces and "搜索联想词\t移除" in surfaces
    assert "该搜索词涉及赌博内容" in surfaces
    screenshot(page, "console-test")
    page.goto(f"{base}{PREFIX}/test?text={quote('晒炫富')}&lang=en")  # English, switchable
    assert page.get_by_test_id("test-hits").inner_text().strip().endswith("no entry matches")


def test_preview_on_an_uploaded_corpus_shows_progress_then_the_summary(browser, console, tmp_path: Path) -> None:
    app, base, tokens = console
    ed = _page(browser, base, tokens["eve"])
    ed.get_by_test_id("draft-note").fill("网赌黑话")
    ed.get_by_test_id("new-draft").click()
    ed.get_by_test_id("term").fill("菠菜")
    ed.get_by_test_id("category").select_option("gambling")
    ed.get_by_test_id("action").select_option("block")
    ed.get_by_test_id("add").click()
    corpus = tmp_path / "queries.txt"
    corpus.write_text("\n".join(["菠菜导师带飞", "菠菜怎么炒好吃", "今天天气不错"] * 40), encoding="utf-8")
    ed.get_by_test_id("preview-file").set_input_files(str(corpus))
    ed.get_by_test_id("preview-upload").click()
    ed.get_by_test_id("preview-summary").wait_for(timeout=20_000)  # the page refreshed itself until done
    assert "120 条文本" in ed.get_by_test_id("preview-title").inner_text()
    assert ed.get_by_test_id("newly-blocked").inner_text() == "80"
    assert set(ed.get_by_test_id("examples-newly_blocked").locator("mark").all_inner_texts()) == {"菠菜"}
    screenshot(ed, "console-preview")


def test_review_desk_filters_cites_clauses_and_decides_by_keyboard(browser, console) -> None:
    app, base, tokens = console
    page = _page(browser, base, tokens["rev"])
    page.get_by_test_id("nav-reviews").click()
    assert page.get_by_test_id("desk-title").inner_text() == "审核台：待审 3 条"
    page.get_by_test_id("desk-category").select_option("clickbait")
    page.get_by_test_id("desk-filter").click()
    rows = page.get_by_test_id("desk-row")
    assert rows.count() == 1 and "震惊！澳门首家竟然这样" in rows.inner_text()
    page.goto(f"{base}{PREFIX}/reviews")
    desk = page.get_by_test_id("desk").inner_text()
    assert "《清朗·整治“自媒体”无底线博流量》三.1 热搜榜单强化拟上榜信息审核" in desk
    screenshot(page, "console-desk")
    page.keyboard.press("o")  # the first item
    assert page.get_by_test_id("item-title").inner_text() == "澳门首家线上娱乐开业"
    reasons = page.get_by_test_id("item-reasons").inner_text()
    assert "标题/正文命中赌博词条（送审）：澳门首家" in reasons and "词库命中" in reasons
    assert "账号0" not in page.get_by_test_id("item-account").inner_text()
    page.keyboard.press("j")  # next pending item, then back
    assert page.get_by_test_id("item-title").inner_text() == "震惊！澳门首家竟然这样"
    assert "《清朗·整治“自媒体”无底线博流量》二.3 以偏概全设置话题" in page.get_by_test_id("item-reasons").inner_text()
    screenshot(page, "console-item")
    page.keyboard.press("k")
    page.get_by_test_id("decide-note").fill("线上赌场广告")
    page.get_by_test_id("decide-note").blur()
    page.keyboard.press("r")  # reject, as the signed-in reviewer; the desk moves on to the next item
    assert page.get_by_test_id("msg").inner_text() == "已处理：拒绝上榜"
    assert page.get_by_test_id("item-title").inner_text() == "震惊！澳门首家竟然这样"
    decided = [i for i in app.state.guard.reviews.list_items("decided")]
    assert [(i["candidate"]["title"], i["human"]["reviewer"], i["human"]["note"]) for i in decided] == \
        [("澳门首家线上娱乐开业", "rev", "线上赌场广告")]
    page.get_by_test_id("nav-audit").click()
    audit = page.get_by_test_id("audit").inner_text()
    assert "token:rev\t人工处理" in audit and "人工审核 → 拒绝上榜：线上赌场广告" in audit
    assert page.refused == []


def test_discovery_proposes_code_words_and_adds_them_to_a_draft_unpublished(browser, console) -> None:
    app, base, tokens = console
    store = app.state.guard.lexicon_store
    live_before = store.live_version()
    ed = _page(browser, base, tokens["ed"])
    ed.get_by_test_id("nav-discover").click()
    ed.get_by_test_id("discover-run").click()
    assert "前景 13 条" in ed.get_by_test_id("discover-corpus").inner_text()  # 10 rejected + 3 queued
    row = ed.get_by_test_id("proposal").filter(has_text="菠菜导师")
    assert row.count() == 1
    text = row.inner_text()
    assert "\t10\t0\t" in text and "赌博" in text
    screenshot(ed, "console-discover")
    row.get_by_test_id("proposal-add").click()
    assert "“菠菜导师”已作为候选新词加入草稿" in ed.get_by_test_id("msg").inner_text()
    cs = int(re.search(r"/changesets/(\d+)", ed.url).group(1))
    [change] = [c for c in store.changeset(cs)["changes"] if c["term_id"] == "gambling:菠菜导师"]
    assert change["entry"]["tags"] == ["候选新词"] and change["entry"]["action"] == "review"
    assert store.live_version() == live_before  # nothing published
    assert app.state.guard.live.current().scan("菠菜导师") == []


def test_bulk_upload_previews_then_drafts(browser, console, tmp_path: Path) -> None:
    app, base, tokens = console
    ed = _page(browser, base, tokens["ed"])
    ed.get_by_test_id("nav-upload").click()
    bad = tmp_path / "bad.tsv"
    bad.write_text("网赌平台\tgambling\tblock\n只有一列\n", encoding="utf-8")
    ed.get_by_test_id("upload-file").set_input_files(str(bad))
    ed.get_by_test_id("upload-preview").click()
    assert "upload.tsv:2" in ed.get_by_test_id("upload-issues").inner_text()
    assert ed.get_by_test_id("upload-refused").is_visible() and ed.get_by_test_id("upload-confirm").count() == 0
    words = tmp_path / "words.txt"
    words.write_text("网赌平台\n线上博彩\n", encoding="utf-8")
    ed.get_by_test_id("upload-file").set_input_files(str(words))
    ed.get_by_test_id("upload-category").select_option("gambling")
    ed.get_by_test_id("upload-preview").click()
    changes = ed.get_by_test_id("upload-changes").inner_text()
    assert "新增\tgambling:网赌平台" in changes and "新增\tgambling:线上博彩" in changes
    drafts_before = len(app.state.guard.lexicon_store.changesets("draft"))
    assert drafts_before == len(app.state.guard.lexicon_store.changesets("draft"))  # a preview drafts nothing
    ed.get_by_test_id("upload-confirm").click()
    assert "已导入草稿" in ed.get_by_test_id("msg").inner_text()
    assert "gambling:线上博彩" in ed.get_by_test_id("changes").inner_text()


# ---- in-process ----------------------------------------------------------------------------------------------


@pytest.fixture
def site(db_path: Path):
    app, tokens = _app(db_path)
    with TestClient(app, follow_redirects=False) as client:
        _queue(client, tokens)
        yield app, client, tokens


def _sign_in(client: TestClient, secret: str) -> str:
    r = client.post(f"{PREFIX}/login", data={"token": secret}, headers={"Origin": SITE})
    assert r.status_code == 303
    return csrf_token(secret)


def _pending(app) -> list[str]:
    return [i["id"] for i in app.state.guard.reviews.list_items("pending")]


def test_deciding_needs_the_csrf_token_same_origin_and_a_reviewer(site) -> None:
    app, client, tokens = site
    item = _pending(app)[0]
    url = f"{PREFIX}/reviews/{item}/decide"
    token = _sign_in(client, tokens["rita"])  # a reader
    r = client.post(url, data={"decision": "reject", CSRF_FIELD: token}, headers={"Origin": SITE})
    assert r.status_code == 303 and "err" in flash(r)
    token = _sign_in(client, tokens["rev"])
    assert client.post(url, data={"decision": "reject"}, headers={"Origin": SITE}).status_code == 403
    r = client.post(url, data={"decision": "reject", CSRF_FIELD: token}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post(url, data={"decision": "review", CSRF_FIELD: token}, headers={"Origin": SITE})
    assert r.status_code == 303 and "err" in flash(r)  # not a human decision
    assert len(_pending(app)) == 3
    r = client.post(url, data={"decision": "limit", "note": "x", "reviewer": "someone-else", CSRF_FIELD: token},
                    headers={"Origin": SITE})
    assert r.status_code == 303 and r.headers["location"].startswith(f"{PREFIX}/reviews")
    assert app.state.guard.reviews.get(item)["human"]["reviewer"] == "rev"  # from the token, never a field
    r = client.post(url, data={"decision": "reject", CSRF_FIELD: token}, headers={"Origin": SITE})
    assert "already decided" in flash(r)["err"]
    r = client.post(url, data={"decision": "reject", "note": "a\x1bb", CSRF_FIELD: token}, headers={"Origin": SITE})
    assert r.status_code == 422


def test_console_posts_refuse_cross_site_and_readers(site) -> None:
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    token = _sign_in(client, tokens["rita"])
    for path, data in ((f"{PREFIX}/entries/toggle", {"term_id": "gambling:百家乐", "enabled": "false"}),
                       (f"{PREFIX}/discover/add", {"term": "菠菜导师", "category": "gambling"})):
        assert client.post(path, data={**data, CSRF_FIELD: token}, headers={"Origin": "https://evil.example"}).status_code == 403
        r = client.post(path, data={**data, CSRF_FIELD: token}, headers={"Origin": SITE})
        assert r.status_code == 303 and "err" in flash(r)  # a reader may not draft
    assert store.changesets("draft") == []
    token = _sign_in(client, tokens["ed"])
    r = client.post(f"{PREFIX}/entries/toggle", data={"term_id": "gambling:百家乐", "enabled": "maybe", CSRF_FIELD: token},
                    headers={"Origin": SITE})
    assert r.status_code == 422
    r = client.post(f"{PREFIX}/entries/toggle", data={"term_id": "gambling:没有这个", "enabled": "false",
                                                      CSRF_FIELD: token}, headers={"Origin": SITE})
    assert "err" in flash(r)
    r = client.post(f"{PREFIX}/discover/add", data={"term": "菠" * 80, "category": "gambling", CSRF_FIELD: token},
                    headers={"Origin": SITE})
    assert "err" in flash(r)
    assert store.changesets("draft") == []  # a refused change leaves no empty draft behind


def test_entry_pages_page_and_filter_by_author_and_date(site, monkeypatch) -> None:
    from service import ui

    app, client, tokens = site
    _sign_in(client, tokens["rita"])
    monkeypatch.setattr(ui, "PAGE_SIZE", 3)
    html = client.get(f"{PREFIX}/").text
    total = len(app.state.guard.lexicon_store.entries())
    assert f"第 1 / {-(-total // 3)} 页" in html and html.count('data-testid="entry-row"') == 3
    page2 = client.get(f"{PREFIX}/?page=2").text
    assert page2.count('data-testid="entry-row"') == min(3, total - 3) and 'data-testid="page-prev"' in page2
    assert "共 0 条" in client.get(f"{PREFIX}/?author=nobody").text
    assert f"共 {total} 条" in client.get(f"{PREFIX}/?author=BUNDLED").text
    assert "共 0 条" in client.get(f"{PREFIX}/?changed_to=2000-01-01").text
    assert client.get(f"{PREFIX}/?changed_to=yesterday").status_code == 422
    assert client.get(f"{PREFIX}/?q=&changeset=&changed_from=&state=").status_code == 200  # the form's empty fields
    assert client.get(f"{PREFIX}/?q={'x' * 201}").status_code == 422


def test_the_console_is_chinese_first_english_on_request_in_the_display_zone(db_path: Path) -> None:
    LexiconStore(db_path, make_config()).ensure_seeded()
    app = create_app(ServiceConfig(db_path=str(db_path), store=make_config(), display_timezone="Europe/London",
                                   console_language="en"))
    tokens = make_tokens(db_path)
    with TestClient(app, follow_redirects=False) as client:
        _sign_in(client, tokens["rita"])
        assert "Entries" in client.get(f"{PREFIX}/").text  # the deployment's default language
        created = app.state.guard.lexicon_store.version_info(1)["created_at"]
        r = client.get(f"{PREFIX}/versions/1?lang=zh")
        assert "版本 1" in r.text and "qinglang_lang=zh" in r.headers["set-cookie"]
        assert "词条" in client.get(f"{PREFIX}/").text  # the cookie keeps the choice
        import datetime as dt
        import zoneinfo
        local = dt.datetime.fromisoformat(created).astimezone(zoneinfo.ZoneInfo("Europe/London"))
        assert local.strftime("%Y-%m-%d %H:%M") in r.text


def test_the_test_api_explains_a_text_for_a_reader_token(site) -> None:
    app, client, tokens = site
    assert client.post("/v1/admin/test", json={"text": "bjl"}).status_code == 401
    r = client.post("/v1/admin/test", json={"text": "今晚bjl"}, headers={"Authorization": f"Bearer {tokens['rita']}"})
    assert r.status_code == 200, r.text
    body = r.json()
    [hit] = body["hits"]
    assert (hit["term_id"], hit["technique"], hit["start"], hit["end"]) == ("gambling:百家乐", "initials", 2, 5)
    assert hit["changed"]["author"] == "bundled" and body["lexicon_version"] == "1"
    assert {s["surface"]: s["decision"] for s in body["surfaces"]} == {
        "content": "block", "query": "block", "suggestion": "drop", "search_hit": "drop", "trending": "reject"}
    r = client.post("/v1/admin/test", json={"text": "x" * 2001}, headers={"Authorization": f"Bearer {tokens['rita']}"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")


def test_a_long_preview_runs_as_a_job_with_progress(site, monkeypatch) -> None:
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    cs = store.create_changeset("ed", "x")
    store.set_change(cs, "add", entry={"term": "菠菜", "category": "gambling", "action": "block"}, editor="ed")
    _sign_in(client, tokens["ed"])  # previewing is an editor's right
    monkeypatch.setattr(previews, "SYNC_TEXTS", 2)
    r = client.get(f"{PREFIX}/changesets/{cs}?preview=1")
    assert r.status_code == 303 and "?job=" in r.headers["location"]
    job = r.headers["location"].split("job=")[1]
    for _ in range(200):
        page = client.get(r.headers["location"]).text
        if 'data-testid="preview-summary"' in page:
            break
        assert 'http-equiv="refresh"' in page and "<progress" in page
        time.sleep(0.05)
    assert 'data-testid="preview-summary"' in page and previews.get(store, job).done == previews.get(store, job).total
    assert 'data-testid="preview-lost"' in client.get(f"{PREFIX}/changesets/{cs}?job=nope").text


def test_the_test_box_shows_rumour_pins(make_app, fake_rumors) -> None:
    app = make_app(rumors=fake_rumors)
    tokens = make_tokens(Path(app.state.guard.db_path))
    with TestClient(app, follow_redirects=False) as client:
        _sign_in(client, tokens["rita"])
        html = client.get(f"{PREFIX}/test", params={"text": "喝盐水防病毒是真的吗"}).text
    pins = html.split('data-testid="test-pins"', 1)[1].split("</ul>", 1)[0]
    assert "喝盐水不能预防病毒" in pins and "https://example.org/r1" in pins
    surfaces = html.split('data-testid="test-surfaces"', 1)[1].split("</table>", 1)[0]
    assert "热搜榜单" in surfaces and "拒绝上榜" in surfaces and "谣言库" in surfaces


def test_entries_of_a_draft_are_searched_through_the_draft_matcher(site) -> None:
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    cs = store.create_changeset("ed", "x")
    store.set_change(cs, "add", entry={"term": "菠菜导师", "category": "gambling", "action": "block"}, editor="ed")
    _sign_in(client, tokens["rita"])
    live = client.get(f"{PREFIX}/", params={"q": "bcds"}).text
    assert "共 0 条" in live  # not in the live version
    html = client.get(f"{PREFIX}/", params={"q": "bcds", "changeset": cs}).text
    rows = html.split('data-testid="entries"', 1)[1].split("</table>", 1)[0]
    assert "菠菜导师" in rows and "拼音首字母" in rows and f"ed（草稿 #{cs}）" in rows
    assert "err" in flash(client.get(f"{PREFIX}/", params={"changeset": 999}))


def test_every_console_post_needs_the_csrf_token_and_the_same_origin(site) -> None:
    """Each state-changing route of the page (editor, desk, discovery, upload, previews), found from the app's
    routes so a new one cannot be left out: a signed-in admin's post without the token, or with it from
    another site, is refused before the route runs."""
    app, client, tokens = site
    token = _sign_in(client, tokens["adm"])
    posts = sorted({r.path_format for r in iter_route_contexts(app.routes) if r.path_format.startswith(PREFIX)
                    and "POST" in (r.methods or ()) and r.path_format != f"{PREFIX}/login"})
    assert {f"{PREFIX}/upload", f"{PREFIX}/discover/add", f"{PREFIX}/reviews/{{item_id}}/decide",
            f"{PREFIX}/changesets/{{cs_id}}/preview", f"{PREFIX}/entries/toggle"} <= set(posts)
    before = (app.state.guard.lexicon_store.changesets("all"), _pending(app))
    for path in posts:
        url = path.replace("{cs_id}", "1").replace("{item_id}", "rv_x")
        r = client.post(url, data={"note": "x"}, headers={"Origin": SITE})
        assert r.status_code == 403 and "CSRF" in r.text, (path, r.text)
        r = client.post(url, data={"note": "x", CSRF_FIELD: token}, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and "cross-site" in r.text, (path, r.text)
    assert (app.state.guard.lexicon_store.changesets("all"), _pending(app)) == before


def test_one_discovery_run_at_a_time(site) -> None:
    from service import console

    app, client, tokens = site
    _sign_in(client, tokens["rita"])  # a reader may look, not run discovery (seconds of CPU per run)
    r = client.get(f"{PREFIX}/discover?run=1")
    assert r.status_code == 303 and "needs 'editor'" in flash(r).get("err", "")
    _sign_in(client, tokens["ed"])
    with console.DISCOVERY_RUN:  # a run in another request is still working
        r = client.get(f"{PREFIX}/discover?run=1")
    assert r.status_code == 303 and "already" in flash(r).get("err", "")
    r = client.get(f"{PREFIX}/discover?run=1")
    assert r.status_code == 200 and 'data-testid="discover' in r.text


def test_a_review_item_with_times_at_the_end_of_the_calendar_is_shown(site) -> None:
    """A trending client may send any timestamp up to year 9999 (with or without a zone): shown in the display zone,
    9999-12-31 23:59 UTC is in year 10000, and the desk's item page answered 500 (OverflowError)."""
    app, client, tokens = site
    cand = candidate(id="far", title="澳门首家年末特别活动", event_started_at="9999-12-31T23:59:59-12:00",
                     account={"id": "acc-far", "name": "账号far", "registered_at": "9999-12-31T23:59:59-12:00",
                              "renamed_at": "0001-01-01T00:00:00+14:00"})
    r = client.post("/v1/trending/review", json={"candidates": [cand]}, headers={"Authorization": f"Bearer {tokens['adm']}"})
    assert r.status_code == 200, r.text
    item = r.json()["results"][0]["review_id"]
    _sign_in(client, tokens["rev"])
    for path in (f"{PREFIX}/reviews/{item}", f"{PREFIX}/reviews", f"{PREFIX}/audit"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
    assert "9999-12-31" in client.get(f"{PREFIX}/reviews/{item}").text


def test_the_test_box_reads_who_changed_only_the_entries_it_hit(site, monkeypatch) -> None:
    """Every "test a text" (any reader, the JSON twin too) read who last changed every entry of the live version
    (one row per entry: a 100,000-entry lexicon read whole at each request) to show it for a few hits."""
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    asked: list[object] = []
    real = store.entry_changes
    monkeypatch.setattr(store, "entry_changes", lambda *a, **kw: asked.append(kw.get("term_ids")) or real(*a, **kw))
    r = client.post("/v1/admin/test", json={"text": "今晚bjl"}, headers={"Authorization": f"Bearer {tokens['rita']}"})
    assert r.json()["hits"][0]["changed"]["author"] == "bundled"
    assert asked == [{"gambling:百家乐"}]
    assert set(store.entry_changes(1, term_ids={"gambling:百家乐", "nope"})) == {"gambling:百家乐"}
    assert store.entry_changes(1, term_ids=set()) == {}
