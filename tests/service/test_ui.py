"""The editor web page (service/ui.py): in a real browser (Debian chromium driven headless by Playwright;
skipped when either is missing, failed in CI), and its defences in-process: CSRF token and same-origin check on every
form post, redirects that stay on the site, security headers, cookie flags, free-text fields."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.auth import COOKIE
from service.ui import CSRF_FIELD, PREFIX, csrf_token
from tests.service.browser import login
from tests.service.editorial_app import make_app
from tests.service.flash import flash
from tests.service.server import serve
from tests.service.tokens import make_tokens


def test_editor_drafts_previews_and_approver_publishes_and_rolls_back(browser, db_path: Path) -> None:
    app = make_app(db_path)
    tokens = make_tokens(db_path)
    with serve(app) as base:
        # the editor searches, drafts and previews
        ed = browser.new_context().new_page()
        refused: list[str] = []  # the page works under its CSP: nothing refused, the stylesheet applies
        ed.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        login(ed, base, tokens["ed"], lang="en")
        assert ed.get_by_test_id("who").inner_text() == "ed（editor）"
        ed.get_by_test_id("search-q").fill("百家")
        ed.get_by_test_id("search").click()
        rows = ed.get_by_test_id("entries").inner_text()
        assert "百家乐\tGambling\tblock" in rows and "震惊" not in rows
        ed.get_by_test_id("draft-note").fill("红包赌博")
        ed.get_by_test_id("new-draft").click()
        assert "draft #1 opened" in ed.get_by_test_id("msg").inner_text()
        assert ed.get_by_test_id("msg").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(231, 246, 231)"
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
        login(ap, base, tokens["ann"], lang="en")
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
        assert "v2～live" in ap.get_by_test_id("history").inner_text()
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
        assert refused == []



# ---- in-process: CSRF, same-origin, redirects, headers, cookies ----------------------------------------------

SITE = "http://testserver"
EVIL = "https://evil.example"


@pytest.fixture
def site(db_path: Path):
    """(app, client, tokens) with the editor page; the client sends no Origin unless a test does."""
    app = make_app(db_path)
    tokens = make_tokens(db_path)
    with TestClient(app, follow_redirects=False) as client:
        yield app, client, tokens


def _sign_in(client: TestClient, secret: str) -> str:
    r = client.post(f"{PREFIX}/login", data={"token": secret}, headers={"Origin": SITE})
    assert r.status_code == 303 and r.headers["location"] == f"{PREFIX}/", r.text
    return csrf_token(secret)


def _drafts(app) -> list:
    return app.state.guard.lexicon_store.changesets("draft")


def test_the_page_carries_its_csrf_token_in_every_form(site) -> None:
    app, client, tokens = site
    token = _sign_in(client, tokens["ann"])
    html = client.get(f"{PREFIX}/").text
    forms = re.findall(r'<form [^>]*method="post".*?</form>', html, re.S)
    assert forms and all(f'name="{CSRF_FIELD}" value="{token}"' in f for f in forms)


def test_a_redirect_message_is_shown_once_and_a_link_cannot_plant_one(site) -> None:
    """The message travels in a cookie read once by the next page; ``?err=`` / ``?msg=`` in a link from elsewhere
    are not shown (they would put an outsider's words in the editors' console)."""
    app, client, tokens = site
    token = _sign_in(client, tokens["rita"])  # a reader: drafting is refused
    r = client.post(f"{PREFIX}/changesets", data={"note": "x", CSRF_FIELD: token}, headers={"Origin": SITE})
    err = flash(r)["err"]
    page = client.get(r.headers["location"])
    shown = re.findall(r'<p class="err" data-testid="err">(.*?)</p>', page.text)
    assert shown and html.unescape(shown[0]) == err
    assert 'data-testid="err"' not in client.get(f"{PREFIX}/").text  # read once
    planted = client.get(f"{PREFIX}/", params={"err": "会话已过期，请拨打 400-000-0000", "msg": "planted"}).text
    assert "400-000-0000" not in planted and "planted" not in planted
    client.cookies.set("qg_flash", "%7Bnot json", path=PREFIX)
    assert client.get(f"{PREFIX}/").status_code == 200  # a cookie that does not parse is ignored


def test_a_cookie_post_without_the_csrf_token_is_refused(site) -> None:
    app, client, tokens = site
    token = _sign_in(client, tokens["ed"])
    for data in ({"note": "x"}, {"note": "x", CSRF_FIELD: ""}, {"note": "x", CSRF_FIELD: csrf_token(tokens["eve"])}):
        r = client.post(f"{PREFIX}/changesets", data=data, headers={"Origin": SITE})
        assert r.status_code == 403 and "CSRF" in r.text, r.text
    assert _drafts(app) == []
    r = client.post(f"{PREFIX}/changesets", data={"note": "x", CSRF_FIELD: token}, headers={"Origin": SITE})
    assert r.status_code == 303 and r.headers["location"] == f"{PREFIX}/changesets/1"
    assert flash(r) == {"msg": "已新建草稿 #1"}
    assert len(_drafts(app)) == 1


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": "https://testserver"},          # another scheme is another origin
    {"Origin": "http://testserver:8080"},      # and so is another port
    {"Origin": "http://testserver.evil.example"},
    {"Referer": f"{EVIL}/admin/ui/"},
    {},                                        # neither Origin nor Referer
], ids=["evil", "null", "scheme", "port", "suffix", "referer", "none"])
def test_a_cross_site_post_is_refused_even_with_the_token(site, headers) -> None:
    app, client, tokens = site
    token = _sign_in(client, tokens["ann"])
    r = client.post(f"{PREFIX}/changesets", data={"note": "x", CSRF_FIELD: token}, headers=headers)
    assert r.status_code == 403 and "cross-site" in r.text, r.text
    r = client.post(f"{PREFIX}/rollback", data={"to_version": 1, CSRF_FIELD: token}, headers=headers)
    assert r.status_code == 403
    assert _drafts(app) == [] and app.state.guard.lexicon_store.live_version() == 1


def test_a_same_site_referer_is_enough_without_origin(site) -> None:
    app, client, tokens = site
    token = _sign_in(client, tokens["ed"])
    r = client.post(f"{PREFIX}/changesets", data={"note": "x", CSRF_FIELD: token},
                    headers={"Referer": f"{SITE}{PREFIX}/"})
    assert r.status_code == 303 and len(_drafts(app)) == 1


def test_login_and_logout_posts_must_come_from_the_site(site) -> None:
    app, client, tokens = site
    r = client.post(f"{PREFIX}/login", data={"token": tokens["ed"]}, headers={"Origin": EVIL})
    assert r.status_code == 403 and COOKIE not in r.headers.get("set-cookie", "")
    _sign_in(client, tokens["ed"])
    assert client.post(f"{PREFIX}/logout", headers={"Origin": SITE}).status_code == 403  # no CSRF token
    r = client.post(f"{PREFIX}/logout", data={CSRF_FIELD: csrf_token(tokens["ed"])}, headers={"Origin": SITE})
    assert r.status_code == 303 and f"{COOKIE}=" in r.headers["set-cookie"]


@pytest.mark.parametrize("referer", [
    f"{EVIL}/admin/ui/changesets/1",
    "//evil.example/admin/ui/",
    f"{SITE}//evil.example/",
    f"{SITE}/elsewhere",
    "javascript:alert(1)",
])
def test_redirects_never_leave_the_editor_page(site, referer) -> None:
    """A reader posting to an editor's form is sent back with the error: to the same-site page it came
    from, never to whatever the Referer names."""
    app, client, tokens = site
    token = _sign_in(client, tokens["rita"])
    r = client.post(f"{PREFIX}/changesets", data={"note": "x", CSRF_FIELD: token},
                    headers={"Origin": SITE, "Referer": referer})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"{PREFIX}/" and "err" in flash(r), r.headers
    r = client.post(f"{PREFIX}/changesets", data={"note": "x", CSRF_FIELD: token},
                    headers={"Origin": SITE, "Referer": f"{SITE}{PREFIX}/versions/1?x=1"})
    assert r.headers["location"] == f"{PREFIX}/versions/1" and "err" in flash(r)


def test_pages_send_security_headers(site) -> None:
    app, client, tokens = site
    _sign_in(client, tokens["ed"])
    for path in (f"{PREFIX}/login", f"{PREFIX}/", f"{PREFIX}/versions/1", f"{PREFIX}/editor.css"):
        h = client.get(path).headers
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src 'self';" in csp, path
        assert "'unsafe-inline'" not in csp and "form-action 'self'" in csp
        assert h["x-frame-options"] == "DENY" and h["referrer-policy"] == "same-origin", path
        assert h["x-content-type-options"] == "nosniff" and h["cache-control"] == "no-store", path
    assert client.get(f"{PREFIX}/editor.css").headers["content-type"].startswith("text/css")
    page = client.get(f"{PREFIX}/").text
    assert "<style" not in page and "<script>" not in page and " on" + "click=" not in page  # nothing inline
    assert client.get(f"{PREFIX}/console.js").headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("base_url, secure", [("http://testserver", False), ("https://testserver", True)])
def test_login_cookie_is_http_only_strict_and_secure_over_https(db_path: Path, base_url, secure) -> None:
    app = make_app(db_path)
    tokens = make_tokens(db_path)
    with TestClient(app, base_url=base_url, follow_redirects=False) as client:
        r = client.post(f"{PREFIX}/login", data={"token": tokens["ed"]}, headers={"Origin": base_url})
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and ("secure" in cookie) is secure


@pytest.mark.parametrize("path, data, field", [
    ("/changesets", {"note": "红包\x1b[2J"}, "note"),
    ("/changesets", {"note": "a\x00b"}, "note"),
    ("/changesets/1/change", {"op": "add", "term": "抢红包\x1b]0;x\x07", "category": "gambling"}, "term"),
    ("/changesets/1/change", {"op": "add", "term": "抢红包", "category": "gambling", "note": "\x9b31m"}, "note"),
    ("/changesets/1/change", {"op": "add", "term": "抢红包", "category": "gam\u202ebling"}, "category"),
    ("/rollback", {"to_version": "1", "note": "a\x00b"}, "note"),
    ("/changesets/1/publish", {"expected_revision": "0", "note": "ok\x1b"}, "note"),
])
def test_form_fields_refuse_control_characters(site, path, data, field) -> None:
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    store.create_changeset("ed", "")
    token = _sign_in(client, tokens["ann"])
    r = client.post(PREFIX + path, data={**data, CSRF_FIELD: token}, headers={"Origin": SITE})
    assert r.status_code == 422, r.text
    assert [d["loc"][-1] for d in r.json()["errors"]] == [field]
    assert store.changeset(1)["changes"] == [] and len(_drafts(app)) == 1 and store.live_version() == 1


def test_errors_read_in_the_editors_language(site) -> None:
    """A refused publish (four-eyes) and a validation refusal: a Chinese headline naming the kind of error,
    the store's own words after it; in English, the store's words."""

    from service.i18n import LANG_COOKIE

    app, client, tokens = site
    token = _sign_in(client, tokens["ann"])
    store = app.state.guard.lexicon_store
    cs = store.create_changeset("ann", "x")
    rev = store.set_change(cs, "add", entry={"term": "网络赌球", "category": "gambling", "action": "block"},
                           editor="ann")["revision"]
    post = {"expected_revision": str(rev), CSRF_FIELD: token}

    def error(path: str, data: dict) -> str:
        r = client.post(f"{PREFIX}{path}", data=data, headers={"Origin": SITE})
        assert r.status_code == 303 and "err" in flash(r), r.headers
        return flash(r)["err"]

    zh = error(f"/changesets/{cs}/publish", post)
    assert zh.startswith("四眼原则") and "four-eyes" in zh, zh
    bad = error(f"/changesets/{cs}/change", {"op": "add", "term": "线上棋牌", "category": "gambling",
                                            "action": "block", "severity": "9", CSRF_FIELD: token})
    assert bad.startswith(("词条字段无效", "草稿有问题")) and "severity" in bad, bad
    client.cookies.set(LANG_COOKIE, "en")
    en = error(f"/changesets/{cs}/publish", post)
    assert en.startswith("four-eyes") and "四眼" not in en, en


def test_a_reader_cannot_run_a_preview_from_the_page(site) -> None:
    """Previewing is an editor's right (the API's preview route needs one): the page's preview link, a GET,
    ran the preview — or started a background job holding one of the few job slots — for any reader."""
    app, client, tokens = site
    _sign_in(client, tokens["ed"])
    client.post(f"{PREFIX}/changesets", data={"note": "x", CSRF_FIELD: csrf_token(tokens["ed"])},
                headers={"Origin": SITE})
    _sign_in(client, tokens["rita"])
    r = client.get(f"{PREFIX}/changesets/1", params={"preview": "1"})
    assert r.status_code == 303 and "needs 'editor'" in flash(r)["err"]
    assert client.get(r.headers["location"]).status_code == 200  # the page itself is still readable
    _sign_in(client, tokens["ed"])
    r = client.get(f"{PREFIX}/changesets/1", params={"preview": "1"})
    assert r.status_code == 200 and 'data-testid="preview-summary"' in r.text


def test_entry_searches_of_a_draft_compile_its_matcher_once_and_one_at_a_time(site) -> None:
    """Searching a draft or an older version compiles a matcher (seconds at 100k entries) and any reader may
    search: each draft revision / version compiles once per process, and one compile at a time."""
    from service import ui

    app, client, tokens = site
    store = app.state.guard.lexicon_store
    cs = store.create_changeset("ed", "x")
    store.set_change(cs, "add", entry={"term": "菠菜", "category": "gambling", "action": "block"}, editor="ed")
    compiled: list[str] = []
    factory = store.matcher_factory

    def counting(entries, version):
        compiled.append(version)
        return factory(entries, version)

    store.matcher_factory = counting
    _sign_in(client, tokens["rita"])
    for _ in range(3):
        r = client.get(f"{PREFIX}/", params={"q": "菠菜", "changeset": str(cs)})
        assert r.status_code == 200 and "菠菜" in r.text
    assert compiled == [f"draft#{cs}"]
    store.set_change(cs, "add", entry={"term": "菠菜网", "category": "gambling", "action": "block"}, editor="ed")
    with ui.SEARCH_COMPILE:  # another search is compiling: a new revision's search is refused, not queued
        r = client.get(f"{PREFIX}/", params={"q": "菠菜", "changeset": str(cs)})
        assert r.status_code == 303 and "err" in flash(r)
        assert client.get(f"{PREFIX}/", params={"q": "菠菜"}).status_code == 200  # the live matcher: no compile
    assert client.get(f"{PREFIX}/", params={"q": "菠菜", "changeset": str(cs)}).status_code == 200
    assert compiled == [f"draft#{cs}", f"draft#{cs}"]


def test_a_refused_toggle_leaves_no_empty_draft(site) -> None:
    """Toggling into a new draft created the draft first: a refused change left an empty draft behind."""
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    token = _sign_in(client, tokens["ed"])
    r = client.post(f"{PREFIX}/entries/toggle", data={"term_id": "gambling:没有这个词", "enabled": "false",
                                                      CSRF_FIELD: token}, headers={"Origin": SITE})
    assert r.status_code == 303 and "err" in flash(r)
    assert store.changesets("draft") == []
    term_id = store.entries()[0].term_id
    r = client.post(f"{PREFIX}/entries/toggle", data={"term_id": term_id, "enabled": "false", CSRF_FIELD: token},
                    headers={"Origin": SITE})
    (draft,) = store.changesets("draft")
    assert draft["n_changes"] == 1 and draft["author"] == "ed" and term_id in draft["note"]


def test_the_draft_page_says_who_discarded_it(site) -> None:
    app, client, tokens = site
    token = _sign_in(client, tokens["ed"])
    cs = app.state.guard.lexicon_store.create_changeset("ed", "x")
    r = client.post(f"{PREFIX}/changesets/{cs}/discard", data={CSRF_FIELD: token}, headers={"Origin": SITE})
    assert r.status_code == 303 and "msg" in flash(r), r.headers
    page = client.get(f"{PREFIX}/changesets/{cs}").text
    events = re.search(r'data-testid="cs-events">(.*?)</p>', page, re.S)
    assert events is not None and "ed 于 " in events.group(1) and "放弃" in events.group(1), page[-800:]


@pytest.mark.parametrize("changeset", ["99999999999999999999", "-1", "１", "7x"])
def test_a_bulk_upload_into_a_draft_number_that_cannot_be_one_is_refused_not_drafted_elsewhere(site, changeset) -> None:
    app, client, tokens = site
    token = _sign_in(client, tokens["ed"])
    before = len(_drafts(app))
    r = client.post(f"{PREFIX}/upload", headers={"Origin": SITE},
                    data={"mode": "confirm", "content": "线上棋牌\n", "suffix": "txt", "category": "gambling",
                          "changeset": changeset, CSRF_FIELD: token})
    assert r.status_code == 303 and "changeset" in flash(r).get("err", "")
    assert len(_drafts(app)) == before
    ok = client.post(f"{PREFIX}/upload", headers={"Origin": SITE},
                     data={"mode": "confirm", "content": "线上棋牌\n", "suffix": "txt", "category": "gambling",
                           "changeset": "0", CSRF_FIELD: token})
    assert ok.status_code == 303 and "/changesets/" in ok.headers["location"] and len(_drafts(app)) == before + 1


def _changes_table(page: str) -> str:
    found = re.search(r'data-testid="changes">(.*?)</table>', page, re.S)
    assert found is not None, page[-800:]
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def test_the_approver_sees_every_field_an_edit_changes(site) -> None:
    """An edit keeps its term_id through an explicit ``id`` while its term and category change, or changes only
    a variant's context: the draft page listed neither (term, category and a variant's context were left out of
    the readable diff), so the approver read "edit gambling:百家乐" with nothing about the term now blocked."""
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    base = store.entry_map()["gambling:百家乐"]
    cs = store.create_changeset("ed", "variant with a context")
    store.set_change(cs, "edit", editor="ed", term_id=base.term_id,
                     entry={**base.to_dict(), "variants": [{"text": "bjl百家", "context": {"requires_any": ["赌"]}}]})
    store.publish(cs, approver="ann", expected_revision=store.changeset(cs)["revision"], force=True)

    cs = store.create_changeset("ed", "typo")
    store.set_change(cs, "edit", editor="ed", term_id=base.term_id,
                     entry={"id": base.term_id, "term": "新华社", "category": "account_name", "action": "block",
                            "variants": ["bjl百家"]})
    _sign_in(client, tokens["ann"])
    table = _changes_table(client.get(f"{PREFIX}/changesets/{cs}").text)
    assert "新华社" in table and "百家乐" in table.replace(base.term_id, ""), table
    assert "account_name" in table or "账号名称" in table, table
    assert "requires_any" in table, table  # the context the edit drops
    history = client.get(f"{PREFIX}/history", params={"term_id": base.term_id}).text
    assert "requires_any" in history, history[-1500:]


def test_a_large_draft_page_shows_its_changes_a_page_at_a_time(site, monkeypatch) -> None:
    """The draft page rendered every change of the draft: an import of 20,000 terms made a 10 MB page that took
    seconds of a core to render, for any reader, at every load. The changes are paged; each one is on some page."""
    import service.ui as ui

    monkeypatch.setattr(ui, "CHANGES_PER_PAGE", 3)
    app, client, tokens = site
    store = app.state.guard.lexicon_store
    terms = [f"线上棋牌{i}号" for i in range(7)]
    cs = store.create_changeset("ed", "many")
    for term in terms:
        store.set_change(cs, "add", editor="ed", entry={"term": term, "category": "gambling", "action": "block"})
    _sign_in(client, tokens["rita"])
    shown: list[str] = []
    for page in (1, 2, 3):
        table = _changes_table(client.get(f"{PREFIX}/changesets/{cs}", params={"page": page}).text)
        on_page = [t for t in terms if f"gambling:{t}" in table]
        assert len(on_page) == (3 if page < 3 else 1), (page, table)
        shown += on_page
    assert sorted(shown) == sorted(terms)
    assert "第 1 / 3 页" in client.get(f"{PREFIX}/changesets/{cs}").text
