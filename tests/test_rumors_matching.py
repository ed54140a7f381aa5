"""Matching quality on a small fixture set: positives (paraphrases, questions, traditional
characters, noise) and near-topic negatives; pin / label rules per status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugin.errors import InputError
from plugin.rumors import Refutation, Rumor, RumorIndex, RumorStatus, RumorStore, import_jsonl

HERE = Path(__file__).parent / "rumors"
CASES = [json.loads(line) for line in (HERE / "matching_cases.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> RumorIndex:
    store = RumorStore(tmp_path_factory.mktemp("rumors") / "q.db")
    import_jsonl(store, HERE / "rumors_small.jsonl")
    return RumorIndex.from_store(store)


@pytest.mark.parametrize("case", CASES, ids=[c["text"] or "<empty>" for c in CASES])
def test_fixture_cases(index: RumorIndex, case: dict) -> None:
    pins = index.match(case["text"]).pins
    if case["expect"]:
        assert pins, f"no pin for {case['text']!r}"
        assert pins[0]["rumor_id"] in case["expect"]
    else:
        assert pins == []


def test_issue_examples_pin_the_right_claim(index: RumorIndex) -> None:
    pins = index.match("喝热水能杀死病毒吗").pins
    assert pins[0]["rumor_id"] == "t001"
    assert pins[0]["claim"] == "喝 60℃ 的水可以杀死病毒？"
    assert index.match("斯洛伐克总理确诊新冠了").pins[0]["rumor_id"] == "t002"


def test_pin_shape_and_order(index: RumorIndex) -> None:
    res = index.match("喝热水能杀死病毒吗", limit=3)
    d = res.to_dict()
    assert set(d) == {"pins", "labels"}
    scores = [p["score"] for p in d["pins"]]
    assert scores == sorted(scores, reverse=True)
    for p in d["pins"]:
        assert set(p) == {"rumor_id", "score", "claim", "refutation"}
        assert set(p["refutation"]) == {"title", "url", "source"}
        assert 0 < p["score"] <= 1
    assert d["pins"][0]["refutation"]["title"].startswith("【辟谣】")
    assert d["pins"][0]["refutation"]["source"] == "丁香医生"


def test_limit(index: RumorIndex) -> None:
    assert len(index.match("喝热水能杀死病毒吗", limit=1).pins) == 1
    assert index.match("喝热水能杀死病毒吗", limit=0).pins == []


def test_disputed_gives_label_without_pin(index: RumorIndex) -> None:
    res = index.match("口罩戴反了会影响防护效果吗")
    assert res.pins == []
    assert [lab["label"] for lab in res.labels] == ["争议"]
    assert res.labels[0]["status"] == "disputed" and res.labels[0]["action"] == "limit"


def test_true_claims_give_nothing(index: RumorIndex) -> None:
    res = index.match("勤洗手可以降低感染风险吗")
    assert res.pins == [] and res.labels == []


def test_misleading_pins_with_its_label(index: RumorIndex) -> None:
    res = index.match("打了新冠疫苗会影响备孕吗")
    assert res.pins[0]["rumor_id"] == "t007"
    assert res.labels[0]["label"] == "失实"
    assert res.pins[0]["refutation"]["url"] == "https://www.piyao.org.cn/example2"


def test_content_repeating_a_rumor_is_labelled(index: RumorIndex) -> None:
    post = "紧急扩散！！专家说了，吃大蒜可以杀灭新冠病毒，家里老人孩子每天吃几瓣，转给你关心的人"
    res = index.match(post)
    assert res.labels and res.labels[0]["label"] == "谣言" and res.labels[0]["rumor_id"] == "t003"
    assert res.labels[0]["refutation"]["title"]


def test_refuting_text_gets_pin_but_no_rumor_label(index: RumorIndex) -> None:
    res = index.match("辟谣：吃大蒜可以杀灭新冠病毒是谣言")
    assert res.pins and res.pins[0]["rumor_id"] == "t003"
    assert res.refuting and res.labels == []


def test_validity_window_and_curated_trigger() -> None:
    import datetime as dt

    r = Rumor(id="w1", claim="某市自来水被投毒", status=RumorStatus.FALSE, triggers=("水厂投毒",),
              refutations=(Refutation(title="自来水安全"),), valid_from="2024-01-01", valid_until="2024-12-31")
    index = RumorIndex([r])
    assert index.match("听说水厂投毒了", today=dt.date(2024, 6, 1)).pins[0]["rumor_id"] == "w1"
    assert index.match("听说水厂投毒了", today=dt.date(2025, 6, 1)).pins == []


def test_refresh_picks_up_changes(tmp_path) -> None:
    store = RumorStore(tmp_path / "r.db")
    index = RumorIndex.from_store(store)
    assert index.match("大蒜能杀新冠病毒吗").pins == []
    assert index.refresh() is False
    import_jsonl(store, HERE / "rumors_small.jsonl")
    assert index.refresh() is True
    assert index.match("大蒜能杀新冠病毒吗").pins[0]["rumor_id"] == "t003"
    store.delete(["t003"])
    index.refresh()
    assert all(p["rumor_id"] != "t003" for p in index.match("大蒜能杀新冠病毒吗").pins)


def test_bad_input_type(index: RumorIndex) -> None:
    with pytest.raises(InputError):
        index.match(None)  # type: ignore[arg-type]


def test_huge_and_control_text_does_not_crash(index: RumorIndex) -> None:
    assert index.match("\x00\x01" * 10 + "喝热水能杀死病毒吗").pins
    index.match("病毒" * 100_000)


def test_store_candidates_search(tmp_path) -> None:
    store = RumorStore(tmp_path / "c.db")
    import_jsonl(store, HERE / "rumors_small.jsonl")
    ids = [r.id for r in store.candidates("斯洛伐克总理确诊新冠", limit=5)]
    assert ids and ids[0] == "t002"
    res = RumorIndex.from_store(store).score_candidates("斯洛伐克总理确诊新冠", store.candidates("斯洛伐克总理确诊新冠"))
    assert res.pins[0]["rumor_id"] == "t002"
