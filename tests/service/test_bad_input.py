"""Bad input gets a clear 4xx naming the problem, never a 500, and stores nothing."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.candidates import candidate
from tests.service.tokens import authorize
JSON = {"content-type": "application/json"}


@pytest.fixture()
def client(make_app):
    with TestClient(make_app(max_body_bytes=64 * 1024, max_suggestions=20, max_candidates=10, max_query_chars=100,
                             max_text_chars=2000), raise_server_exceptions=False) as c:
        authorize(c)  # the review queue needs a token
        yield c


@pytest.mark.parametrize("body, status, needle", [
    (b"{not json", 400, "not valid JSON"),
    (b"", 400, "required"),
    (b"[]", 422, "JSON object"),
    (b'"query"', 422, "JSON object"),
    (b"null", 422, "JSON object"),
    (b'{"query": 5}', 422, "query"),
    (b'{"query": ["a"]}', 422, "query"),
    (b'{"query": ""}', 422, "query"),
    (b'{}', 422, "query"),
    (b'{"query": "a", "extra": 1}', 422, "extra"),
    (b'{"query": "a\\u0007b"}', 422, "control character"),
    (b'{"query": "a\\ud800b"}', 400, "JSON"),
    (b'{"query": "' + b"x" * 101 + b'"}', 422, "max_query_chars"),
    (b'\xff\xfe\x00', 400, ""),
])
def test_query_check_bad_input(client, body, status, needle):
    r = client.post("/v1/query/check", content=body, headers=JSON)
    assert r.status_code == status, r.text
    assert needle in r.text
    assert r.json()["error"]


def test_wrong_content_type_is_a_clear_error(client):
    r = client.post("/v1/query/check", content=b"query=abc", headers={"content-type": "application/x-www-form-urlencoded"})
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize("body, field", [
    ({"prefix": "a"}, "suggestions"),
    ({"prefix": "a", "suggestions": "abc"}, "suggestions"),
    ({"prefix": "a", "suggestions": ["ok", 3]}, "suggestions[1]"),
    ({"prefix": 1, "suggestions": []}, "prefix"),
    ({"prefix": "a", "suggestions": ["x"] * 21}, "suggestions"),
    ({"prefix": "a", "suggestions": ["ok", "y" * 101]}, "suggestions[1]"),
    ({"prefix": "a", "suggestions": [], "lang": "zh"}, "lang"),
])
def test_suggestions_bad_input(client, body, field):
    r = client.post("/v1/suggestions/filter", json=body)
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["errors"]]


@pytest.mark.parametrize("mutate, field", [
    (lambda c: c.update(topic_type="sports"), "candidates[1].topic_type"),
    (lambda c: c.update(domain="astrology"), "candidates[1].domain"),
    (lambda c: c.pop("title"), "candidates[1].title"),
    (lambda c: c.pop("account"), "candidates[1].account"),
    (lambda c: c["account"].pop("id"), "candidates[1].account.id"),
    (lambda c: c.update(colour="red"), "candidates[1].colour"),
    (lambda c: c["declared"].update(ai_generated="yes"), "candidates[1].declared.ai_generated"),
    (lambda c: c["account"].update(certified_domains=["finance", "magic"]), "candidates[1].account.certified_domains[1]"),
    (lambda c: c["account"].update(registered_at="last tuesday"), "candidates[1].account.registered_at"),
    (lambda c: c["account"].update(violations_90d=-1), "candidates[1].account.violations_90d"),
    (lambda c: c.update(metrics={"engagement_per_min": [1, "many"]}), "candidates[1].metrics.engagement_per_min[1]"),
    (lambda c: c.update(metrics={"engagement_per_min": [1, -5]}), "candidates[1].metrics.engagement_per_min[1]"),
    (lambda c: c.update(title="标题\x00"), "candidates[1].title"),
    (lambda c: c.update(text="x" * 2001), "candidates[1].text"),
])
def test_trending_bad_candidate_names_the_field_and_stores_nothing(client, mutate, field):
    bad = candidate(id="bad")
    mutate(bad)
    r = client.post("/v1/trending/review", json={"candidates": [candidate(id="good"), bad]})
    assert r.status_code == 422, r.text
    assert field in [d["field"] for d in r.json()["errors"]], r.json()
    assert field in r.json()["detail"]
    assert client.get("/v1/reviews", params={"status": "all"}).json()["total"] == 0


def test_nan_is_rejected(client):
    body = json.dumps({"candidates": [candidate()]}).replace('"engagement_per_min": [10', '"engagement_per_min": [NaN')
    r = client.post("/v1/trending/review", content=body.encode(), headers=JSON)
    assert r.status_code == 422 and "engagement_per_min" in r.text


def test_too_many_candidates(client):
    r = client.post("/v1/trending/review", json={"candidates": [candidate(id=str(i)) for i in range(11)]})
    assert r.status_code == 422 and "max_candidates" in r.text


def test_oversized_body_is_413(client):
    r = client.post("/v1/query/check", content=b'{"query": "' + b"a" * 70_000 + b'"}', headers=JSON)
    assert r.status_code == 413 and "max_body_bytes" in r.json()["detail"]


def test_oversized_chunked_body_is_413(client):
    def chunks():
        yield b'{"candidates": ['
        for _ in range(200):
            yield json.dumps(candidate()).encode() + b","
        yield b"{}]}"
    r = client.post("/v1/trending/review", content=chunks(), headers=JSON)
    assert r.status_code == 413
    assert client.get("/v1/reviews", params={"status": "all"}).json()["total"] == 0


@pytest.mark.parametrize("body", [
    {"decision": "maybe"},
    {"decision": "review"},
    {"note": "ok"},
    {"decision": "approve", "reviewer": ""},  # identities come from the token, never a field
    {"decision": "approve", "note": 5},
    {"decision": "approve", "when": "now"},
])
def test_bad_review_decision(client, body):
    rid = client.post("/v1/trending/review", json={"candidates": [candidate(account={"name": "某市公安局"})]}).json()["results"][0]["review_id"]
    r = client.post(f"/v1/reviews/{rid}/decision", json=body)
    assert r.status_code == 422, r.text
    assert client.get(f"/v1/reviews/{rid}").json()["status"] == "pending"


def test_unknown_routes_and_methods(client):
    assert client.get("/v1/nope").status_code == 404
    assert client.get("/v1/query/check").status_code == 405
    assert client.get("/v1/reviews/rv_unknown").status_code == 404


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/v1/query/check", "/v1/suggestions/filter", "/v1/trending/review"]), body=_json)
def test_fuzzed_bodies_never_500(client, path, body):
    r = client.post(path, json=body)
    assert r.status_code < 500, (path, body, r.text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=100))
def test_any_text_never_500(client, text):
    r = client.post("/v1/query/check", json={"query": text})
    assert r.status_code in (200, 422), r.text
    r = client.post("/v1/suggestions/filter", json={"prefix": text[:5], "suggestions": [text]})
    assert r.status_code in (200, 422), r.text
