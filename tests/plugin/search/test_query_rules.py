"""ES query-ruleset export, validated against the documented shape of PUT _query_rules/<ruleset_id>.

Documented constraints checked here (Elasticsearch reference, "Create or update query ruleset" and
"Create or update a query rule", 8.15+): ``rules`` is a required array; each rule has ``rule_id``
(string), ``type`` (``pinned`` or ``exclude``), ``criteria`` (array of objects with ``type`` from the
documented list, ``metadata`` (string; not for ``always``) and ``values`` (array)), and ``actions``
with exactly one of ``ids`` / ``docs`` (each doc has ``_index`` and ``_id``); at most 100 rules per
ruleset by default; a pinned query pins at most 100 documents.
"""

import json

import pytest

from plugin.search.query_rules import build_query_ruleset, build_query_rulesets
from plugin.rumors import Rumor, RumorStatus

DOC_CRITERIA = {"global", "exact", "exact_fuzzy", "fuzzy", "prefix", "suffix", "contains",
                "lt", "lte", "gt", "gte", "always"}


def assert_documented_ruleset(body):
    assert set(body) == {"rules"} and isinstance(body["rules"], list)
    assert len(body["rules"]) <= 100
    ids = [r["rule_id"] for r in body["rules"]]
    assert len(ids) == len(set(ids))
    for rule in body["rules"]:
        assert set(rule) <= {"rule_id", "type", "criteria", "actions", "priority"}
        assert isinstance(rule["rule_id"], str) and rule["rule_id"]
        assert rule["type"] in {"pinned", "exclude"}
        assert isinstance(rule["criteria"], list) and rule["criteria"]
        for c in rule["criteria"]:
            assert c["type"] in DOC_CRITERIA
            if c["type"] != "always":
                assert isinstance(c["metadata"], str) and c["metadata"]
                assert isinstance(c["values"], list) and c["values"]
                assert all(isinstance(v, str) and v for v in c["values"])
        actions = rule["actions"]
        assert len(set(actions) & {"ids", "docs"}) == 1 and set(actions) <= {"ids", "docs"}
        pinned = actions.get("ids") or actions.get("docs")
        assert 1 <= len(pinned) <= 100
        for doc in actions.get("docs", []):
            assert set(doc) == {"_index", "_id"}
    json.dumps(body)  # serialisable as the request body


RUMORS = [
    {"rumor_id": "r1", "claim": "吃大蒜能预防新冠肺炎", "status": "false", "triggers": ["大蒜预防新冠", "大蒜 杀死 新冠病毒"]},
    {"rumor_id": "r2", "claim": "喝高度白酒可以杀死病毒！", "status": "misleading"},
    {"rumor_id": "r3", "claim": "某地封城", "status": "disputed"},
    {"rumor_id": "r4", "claim": "疫苗有效", "status": "true"},
    Rumor(id="r5", claim="短", status=RumorStatus.FALSE),
]


def test_ruleset_shape_and_content():
    body = build_query_ruleset(RUMORS, index="refs")
    assert_documented_ruleset(body)
    by_id = {r["rule_id"]: r for r in body["rules"]}
    assert set(by_id) == {"rumor-r1", "rumor-r2"}  # disputed/true never pin; r5 too short to trigger on
    assert by_id["rumor-r1"]["criteria"][0]["values"] == ["大蒜预防新冠", "大蒜杀死新冠病毒"]
    assert by_id["rumor-r2"]["criteria"][0] == {"type": "contains", "metadata": "user_query", "values": ["喝高度白酒可以杀死病毒"]}
    assert by_id["rumor-r1"]["actions"] == {"docs": [{"_index": "refs", "_id": "r1"}]}


def test_split_over_rule_limit():
    many = [{"rumor_id": f"x{i}", "claim": f"谣言内容第{i}条传闻", "status": "false"} for i in range(250)]
    with pytest.raises(ValueError, match="max_rules"):
        build_query_ruleset(many)
    sets = build_query_rulesets(many, ruleset_id="rs")
    assert list(sets) == ["rs-1", "rs-2", "rs-3"]
    for body in sets.values():
        assert_documented_ruleset(body)
    assert sum(len(b["rules"]) for b in sets.values()) == 250


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="duplicate"):
        build_query_ruleset([RUMORS[0], RUMORS[0]])
    with pytest.raises(ValueError, match="criteria_type"):
        build_query_ruleset(RUMORS, criteria_type="gt")
    from plugin.errors import RumorError
    with pytest.raises(RumorError, match="status"):
        build_query_ruleset([{"rumor_id": "z", "claim": "x", "status": "fake"}])
