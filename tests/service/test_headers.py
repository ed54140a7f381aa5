"""service/headers.py on the whole service: nosniff everywhere, the page headers on the editor page only."""

from __future__ import annotations

from fastapi.testclient import TestClient



def test_every_response_is_nosniff_and_only_pages_get_the_page_policy(make_app) -> None:
    app = make_app(max_body_bytes=100)
    with TestClient(app) as client:
        api = [client.get("/healthz"), client.post("/v1/query/check", json={"query": "花展"}),
               client.post("/v1/query/check", content=b"x" * 200), client.get("/nope")]
        assert [r.status_code for r in api] == [200, 200, 413, 404]
        for r in api:
            assert r.headers.get_list("x-content-type-options") == ["nosniff"]
            assert "content-security-policy" not in r.headers  # /docs and the JSON API keep working as they are
        page = client.get("/admin/ui/login")
        assert page.status_code == 200
        for name in ("content-security-policy", "x-frame-options", "referrer-policy", "x-content-type-options"):
            assert len(page.headers.get_list(name)) == 1, name  # installed once although asked twice
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
