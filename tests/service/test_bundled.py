"""The service and the review rules on the bundled lexicons (the real matcher, compiled once per session)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from plugin.review import Candidate, ReviewEngine
from plugin.models import Surface
from plugin.policy import DEFAULT_POLICY
from service.app import create_app
from service.config import ServiceConfig
from tests.candidates import candidate
def _entry(matcher, action: str, scope: str = "content"):
    """A bundled entry with ``action`` that fires on its own in a neutral sentence (no validity window)."""
    for e in matcher.entries:
        if e.action == action and e.scope == scope and not e.valid_from and not e.valid_to \
                and len(e.term) >= 2 and not e.term.isascii() and (scope != "account_name" or e.severity >= 2):  # weak names
            hits = matcher.scan(f"今天{e.term}。", scope=scope)
            if hits and all(h.action == action for h in hits):
                return e
    pytest.skip(f"no plain bundled entry with action {action!r}")


@pytest.fixture(scope="module")
def client(bundled_matcher, tmp_path_factory):
    db = tmp_path_factory.mktemp("bundled") / "g.db"
    with TestClient(create_app(ServiceConfig(db_path=str(db), protect_trending=False), matcher=bundled_matcher, rumors=None)) as c:
        yield c


@pytest.mark.parametrize("action", ["block", "review", "limit", "label"])
def test_lexicon_action_drives_the_review_decision(bundled_matcher, action):
    e = _entry(bundled_matcher, action)
    (r,) = ReviewEngine().review([Candidate.model_validate(candidate(title=f"今天{e.term}。", text=None))],
                                 matcher=bundled_matcher)
    assert r.decision == DEFAULT_POLICY.surface(Surface.TRENDING).by_action[action], (e.term, r)
    lex = [x for x in r.reasons if x.rule == "lexicon" and e.category in x.detail]
    assert lex and lex[0].clause  # cites the entry's own clause or the category's seed clause


@pytest.mark.parametrize("action, expected", [("block", "block"), ("review", "review")])
def test_query_check_on_bundled_terms(client, bundled_matcher, action, expected):
    e = _entry(bundled_matcher, action)
    body = client.post("/v1/query/check", json={"query": f"今天{e.term}。"}).json()
    assert body["action"] == expected and body["hits"] and body["lexicon_version"] == bundled_matcher.version
    if expected == "block":
        assert body["notice"]


def test_suggestions_on_bundled_terms(client, bundled_matcher):
    e = _entry(bundled_matcher, "block")
    body = client.post("/v1/suggestions/filter", json={"prefix": "今天", "suggestions": ["今天天气", f"今天{e.term}。"]}).json()
    assert body["kept"] == ["今天天气"] and body["dropped"][0]["reason"] == f"lexicon:{e.category}"


def test_label_only_suggestions_are_dropped_by_default(client, bundled_matcher):
    e = _entry(bundled_matcher, "label")
    body = client.post("/v1/suggestions/filter", json={"prefix": "今天", "suggestions": [f"今天{e.term}。", "今天天气"]}).json()
    assert body["kept"] == ["今天天气"] and body["dropped"][0]["reason"] == f"lexicon:{e.category}"


def test_account_names_on_bundled_lexicon(client, bundled_matcher):
    e = _entry(bundled_matcher, "review", scope="account_name")
    res = client.post("/v1/trending/review", json={"candidates": [candidate(account={"name": f"{e.term}小编"})]}).json()
    r = res["results"][0]
    assert r["decision"] == "review" and any(x["rule"] == "account_name" for x in r["reasons"])
    assert any(h["field"] == "account_name" for h in r["hits"])


def test_clean_titles_are_approved(client):
    cands = [candidate(id=str(i), title=t) for i, t in enumerate(["城市公园春季花展开幕", "周末去哪儿玩", "新学期开学第一天"])]
    results = client.post("/v1/trending/review", json={"candidates": cands}).json()["results"]
    assert [r["decision"] for r in results] == ["approve"] * 3
