"""Service hardening from a red-team run: integers beyond SQLite's range, clean 422 locations, blank
titles, enum spelling, the review-time zone, and matrix history items sent back to manual review."""

from __future__ import annotations

import re
import sqlite3
import types
import typing
from typing import Any

import annotated_types
import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from service.config import ServiceConfig
from service.errors import clean_loc
from service.schemas import DB_INT_MAX, DB_INT_MIN
from tests.candidates import candidate
from tests.service.tokens import authorize
T = "/v1/trending/review"


@pytest.fixture()
def client(make_app, fake_rumors):
    with TestClient(make_app(rumors=fake_rumors), raise_server_exceptions=False) as c:
        authorize(c)  # the review queue needs a token
        yield c


def _review(client, *cands) -> list[dict[str, Any]]:
    r = client.post(T, json={"candidates": list(cands)})
    assert r.status_code == 200, r.text
    return r.json()["results"]


# ---- integers beyond SQLite's range ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [f"/v1/reviews?offset={2**63}", f"/v1/audit?after={2**63}",
                                  f"/v1/reviews?offset={10**20}", f"/v1/audit?after={10**20}"])
def test_huge_integers_in_queries_are_422(client, path):
    r = client.get(path)
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] in ("offset", "after")


def test_largest_sqlite_integer_is_fine(client):
    assert client.get(f"/v1/reviews?offset={2**63 - 1}").json()["items"] == []
    assert client.get(f"/v1/audit?after={2**63 - 1}").json()["events"] == []


def _bounded(tp: Any, meta: list[Any], seen: set[type]) -> list[str]:
    """Integer types reachable from ``tp`` whose bounds do not keep them within SQLite's range."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(tp)
        return _bounded(base, meta + extra, seen)
    if origin in (typing.Union, types.UnionType):
        return [p for a in typing.get_args(tp) for p in _bounded(a, meta, seen)]
    if origin in (list, tuple, set, frozenset, typing.Literal):
        return [p for a in typing.get_args(tp) if isinstance(a, type) or typing.get_origin(a)
                for p in _bounded(a, [], seen)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        if tp in seen:
            return []
        seen.add(tp)
        return [f"{tp.__name__}.{name}: {p}" for name, f in tp.model_fields.items()
                for p in _bounded(f.annotation, list(f.metadata), seen)]
    if tp is int:
        flat = [m for x in meta for m in (x.metadata if isinstance(x, FieldInfo) else [x])]
        ge = [m.ge for m in flat if isinstance(m, annotated_types.Ge)]
        le = [m.le for m in flat if isinstance(m, annotated_types.Le)]
        if not (ge and le and max(ge) >= DB_INT_MIN and min(le) <= DB_INT_MAX):
            return ["int without bounds within SQLite's range"]
    return []


def test_every_integer_parameter_is_bounded():
    import service.admin
    import service.ui
    from service.routes import checks, reviews, system, trending

    problems = []
    for mod in (checks, reviews, system, trending, service.admin, service.ui):
        for route in mod.router.routes:
            d = route.dependant
            for p in d.path_params + d.query_params + d.body_params:
                for why in _bounded(p.field_info.annotation, list(p.field_info.metadata), set()):
                    problems.append(f"{route.path} {p.name}: {why}")
    from service import schemas

    for model in vars(schemas).values():  # request bodies read with parse_body (not route parameters)
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__name__.endswith("Request"):
            problems += _bounded(model, [], set())
    assert problems == []


# ---- 422 locations -------------------------------------------------------------------------------------------

_CLEAN_FIELD = re.compile(r"^[A-Za-z_]\w*(\[\d+\]|\.[A-Za-z_]\w*)*$")


@pytest.mark.parametrize("change, field", [
    ({"id": True}, "candidates[0].id"),
    ({"id": ""}, "candidates[0].id"),
    ({"id": 1.5}, "candidates[0].id"),
    ({"id": 10**30}, "candidates[0].id"),
    ({"title": "   "}, "candidates[0].title"),
    ({"title": "\u3000\u200b\t"}, "candidates[0].title"),
    ({"title": ""}, "candidates[0].title"),
    ({"domain": "astrology"}, "candidates[0].domain"),
    ({"account": {"certified_domains": ["medicine"]}}, "candidates[0].account.certified_domains[0]"),
    ({"account": {"id": "  "}}, "candidates[0].account.id"),
    ({"metrics": {"engagement_per_min": [1, "x"]}}, "candidates[0].metrics.engagement_per_min[1]"),
])
def test_422_names_the_field_cleanly(client, change, field):
    r = client.post(T, json={"candidates": [candidate(**change)]})
    assert r.status_code == 422, r.text
    body = r.json()
    fields = [d["field"] for d in body["errors"]]
    assert fields == [field], body
    assert all(_CLEAN_FIELD.match(f) for f in fields)
    assert all(not isinstance(p, str) or "[" not in p for d in body["errors"] for p in d["loc"])
    assert "function-after" not in r.text and "functools" not in r.text and "0x" not in r.text
    assert client.get("/v1/reviews", params={"status": "all"}).json()["total"] == 0  # nothing stored


def test_union_member_errors_are_merged():
    assert clean_loc(("body", "candidates", 0, "id", "function-after[check_text(), constrained-str]")) == \
        ("body", "candidates", 0, "id")
    assert clean_loc(("body", "candidates", 0, "id", "int")) == ("body", "candidates", 0, "id")
    # an unknown field keeps its (client-chosen) name, even when it looks like an internal segment
    assert clean_loc(("body", "candidates", 0, "int"), keep_last=True) == ("body", "candidates", 0, "int")


def test_unknown_field_named_like_a_type_is_still_reported(client):
    c = candidate()
    c["int"] = 1
    r = client.post(T, json={"candidates": [c]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "candidates[0].int"


# ---- enum spelling -------------------------------------------------------------------------------------------


def test_enum_like_values_are_normalised(client):
    (r,) = _review(client, candidate(topic_type=" Domain_Info ", domain=" Medical",
                                     account={"certified_domains": ["Education", " medical ", "ＬＥＧＡＬ"]}))
    assert r["decision"] == "approve"
    stored = client.get(f"/v1/reviews/{r['review_id']}").json()["candidate"]
    assert stored["domain"] == "medical" and stored["account"]["certified_domains"] == ["education", "medical", "legal"]
    assert stored["topic_type"] == "domain_info"


# ---- the review-time zone --------------------------------------------------------------------------------------


def test_review_timezone_setting(make_app, tmp_path):
    c = candidate(event_started_at="2024-06-01T10:00:00+08:00", account={"renamed_at": "2024-06-01T09:30:00"})
    with TestClient(make_app(protect_trending=False)) as client:
        assert client.app.state.guard.engine.settings.naive_timezone == "Asia/Shanghai"
        assert _review(client, c)[0]["decision"] == "approve"
    with TestClient(make_app(review_timezone="UTC", db_path=tmp_path / "utc.db", protect_trending=False)) as client:
        assert _review(client, c)[0]["decision"] == "review"
    with pytest.raises(ValueError, match="review_timezone"):
        ServiceConfig(review_timezone="Nowhere/Land")
    assert ServiceConfig.from_env({"QINGLANG_REVIEW_TIMEZONE": "+08:00"}).review.naive_timezone == "+08:00"


def test_placeholder_sources_setting(make_app):
    c = candidate(topic_type="social_event", declared={"source": "网传"})
    with TestClient(make_app(protect_trending=False)) as client:
        assert _review(client, c)[0]["decision"] == "limit"
    cfg = ServiceConfig.from_env({"QINGLANG_PLACEHOLDER_SOURCES": "不详, 未知"})
    assert cfg.review.placeholder_sources == ("不详", "未知")


# ---- matrix near-duplicates send history items back to the queue -----------------------------------------------


def _m(cid: str, title: str, **account: Any) -> dict[str, Any]:
    return candidate(id=cid, title=title, account={"id": f"acc_{cid}", "name": "号" + cid, **account})


def test_history_item_goes_back_to_the_queue_once(client, tmp_path):
    (first,) = _review(client, _m("h1", "男子酒驾撞上护栏", mcn="风行传媒"))
    assert first["decision"] == "approve"
    assert client.get(f"/v1/reviews/{first['review_id']}").json()["status"] == "auto"

    (second,) = _review(client, _m("h2", "今日看点：男子酒驾撞上护栏，现场画面曝光，网友热议", mcn=" 风行传媒 "))
    assert second["decision"] == "review"
    item = client.get(f"/v1/reviews/{first['review_id']}").json()
    assert item["status"] == "pending" and item["automatic"]["decision"] == "approve"
    assert item["requeued"]["by_item_id"] == second["review_id"] and "matrix" in item["requeued"]["reason"]
    pending = {i["id"] for i in client.get("/v1/reviews").json()["items"]}
    assert {first["review_id"], second["review_id"]} <= pending

    (third,) = _review(client, _m("h3", "男子酒驾撞上护栏！！", mcn="风行传媒"))  # links to both again
    assert third["decision"] == "review"
    events = client.get(f"/v1/reviews/{first['review_id']}/audit").json()["events"]
    assert [e["event"] for e in events] == ["auto_decision", "requeued"]  # requeued once, no second queue row
    assert client.get("/v1/reviews", params={"status": "all"}).json()["total"] == 3

    r = client.post(f"/v1/reviews/{first['review_id']}/decision", json={"decision": "reject"})
    assert r.status_code == 200 and r.json()["status"] == "decided"
    (fourth,) = _review(client, _m("h4", "男子酒驾撞上护栏。", mcn="风行传媒"))
    assert client.get(f"/v1/reviews/{first['review_id']}").json()["status"] == "decided"  # stays decided
    assert fourth["decision"] == "review"


def test_rejected_history_item_is_not_requeued(client):
    (first,) = _review(client, _m("r1", "线上赌场开业大酬宾活动火热进行中", mcn="M"))
    assert first["decision"] == "reject"
    _review(client, _m("r2", "线上赌场开业大酬宾活动火热进行中！", mcn="M"))
    assert client.get(f"/v1/reviews/{first['review_id']}").json()["status"] == "auto"


def test_requeue_survives_restart(make_app, tmp_path):
    db = tmp_path / "restart.db"
    with TestClient(make_app(db_path=db)) as c1:
        authorize(c1)
        (first,) = _review(c1, _m("s1", "某地一小学食堂被曝饭菜发霉", owner_id="own-77"))
    with TestClient(make_app(db_path=db)) as c2:  # history reloaded from SQLite, with the item ids
        authorize(c2)
        (second,) = _review(c2, _m("s2", "某地一小学食堂被曝饭菜发霉！！家长愤怒", owner_id="OWN-77"))
        assert second["decision"] == "review"
        assert c2.get(f"/v1/reviews/{first['review_id']}").json()["status"] == "pending"


def test_requeue_rows_are_append_only(client):
    _review(client, _m("a1", "男子酒驾撞上护栏", mcn="风行"))
    _review(client, _m("a2", "今日看点：男子酒驾撞上护栏，现场画面曝光", mcn="风行"))
    conn = client.app.state.guard.reviews.conn
    assert conn.execute("SELECT COUNT(*) FROM review_requeues").fetchone()[0] == 1
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("DELETE FROM review_requeues")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("UPDATE review_requeues SET reason = 'x'")
