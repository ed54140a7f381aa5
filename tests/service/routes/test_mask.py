"""service/routes/mask.py: POST /v1/mask masks the lexicon hits of a text, bounded like the checks."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def test_mask_route(make_app: Any) -> None:
    client = TestClient(make_app())
    r = client.post("/v1/mask", json={"text": "这里有刷单返利，快来"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "刷单返利" not in body["text"] and body["lexicon_version"]
    (span,) = body["spans"]
    assert "这里有刷单返利，快来"[span["start"]:span["end"]] == "刷单返利"
    assert body["text"][span["masked_start"]:span["masked_end"]] == span["written"] == "****"
    r = client.post("/v1/mask", json={"text": "这里有刷单返利", "replacement": "#", "actions": ["label"]})
    assert r.status_code == 200 and r.json()["text"] == "这里有刷单返利"  # only label hits are masked


def test_mask_route_refuses_bad_input(make_app: Any) -> None:
    client = TestClient(make_app(max_text_chars=10))
    for body in ({"text": ""}, {"text": "x", "replacement": ""}, {"text": "x", "replacement": "123456789"},
                 {"text": "x", "actions": ["bogus"]}, {"text": "x", "extra": 1}, {"text": 5},
                 {"text": "x", "replacement": "\u202e"}, {"text": "x", "replacement": "*\n"}):  # bidi, line break
        r = client.post("/v1/mask", json=body)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), body
    r = client.post("/v1/mask", json={"text": "x" * 11})
    assert r.status_code in (413, 422) and r.headers["content-type"].startswith("application/problem+json")
