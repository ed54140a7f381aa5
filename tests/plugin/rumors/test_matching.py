"""Matching quality on a small fixture set: positives (paraphrases, questions, traditional
characters, noise) and near-topic negatives; pin / label rules per status."""

from __future__ import annotations

import json
import random
from array import array

import pytest

from plugin.errors import InputError
from plugin.rumors import Refutation, Rumor, RumorIndex, RumorScoring, RumorStatus, RumorStore, import_jsonl
from tests.paths import DATA

HERE = DATA / "rumors"
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
        assert pins[0].rumor_id in case["expect"]
    else:
        assert pins == ()


def test_issue_examples_pin_the_right_claim(index: RumorIndex) -> None:
    pins = index.match("喝热水能杀死病毒吗").pins
    assert pins[0].rumor_id == "t001"
    assert pins[0].claim == "喝 60℃ 的水可以杀死病毒？"
    assert index.match("斯洛伐克总理确诊新冠了").pins[0].rumor_id == "t002"


def test_pin_shape_and_order(index: RumorIndex) -> None:
    res = index.match("喝热水能杀死病毒吗", limit=3)
    d = res.to_dict()
    assert set(d) == {"pins", "labels"}
    scores = [p["score"] for p in d["pins"]]
    assert scores == sorted(scores, reverse=True)
    for p in d["pins"]:
        assert set(p) >= {"rumor_id", "score", "claim", "refutation", "verdict_label", "headline", "tier", "cluster_id"}
        assert set(p["refutation"]) >= {"title", "url", "source", "summary", "checker", "published_at"}
        assert 0 < p["score"] <= 1
    assert d["pins"][0]["refutation"]["title"].startswith("【辟谣】")
    assert d["pins"][0]["refutation"]["source"] == "丁香医生"


def test_limit(index: RumorIndex) -> None:
    assert len(index.match("喝热水能杀死病毒吗", limit=1).pins) == 1
    assert index.match("喝热水能杀死病毒吗", limit=0).pins == ()


def test_disputed_gives_label_without_pin(index: RumorIndex) -> None:
    res = index.match("口罩戴反了会影响防护效果吗")
    assert res.pins == ()
    assert [lab.label for lab in res.labels] == ["争议"]
    assert res.labels[0].status == "disputed" and res.labels[0].action == "limit"


def test_true_claims_give_nothing(index: RumorIndex) -> None:
    res = index.match("勤洗手可以降低感染风险吗")
    assert res.pins == () and res.labels == ()


def test_misleading_pins_with_its_label(index: RumorIndex) -> None:
    res = index.match("打了新冠疫苗会影响备孕吗")
    assert res.pins[0].rumor_id == "t007"
    assert res.labels[0].label == "失实"
    assert res.pins[0].refutation.url == "https://www.piyao.org.cn/example2"


def test_content_repeating_a_rumor_is_labelled(index: RumorIndex) -> None:
    post = "紧急扩散！！专家说了，吃大蒜可以杀灭新冠病毒，家里老人孩子每天吃几瓣，转给你关心的人"
    res = index.match(post)
    assert res.labels and res.labels[0].label == "谣言" and res.labels[0].rumor_id == "t003"
    assert res.labels[0].refutation.title


def test_refuting_text_gets_pin_but_no_rumor_label(index: RumorIndex) -> None:
    res = index.match("辟谣：吃大蒜可以杀灭新冠病毒是谣言")
    assert res.pins and res.pins[0].rumor_id == "t003"
    assert res.refuting and res.labels == ()


def test_validity_window_and_curated_trigger() -> None:
    import datetime as dt

    r = Rumor(id="w1", claim="某市自来水被投毒", status=RumorStatus.FALSE, triggers=("水厂投毒",),
              refutations=(Refutation(title="自来水安全"),), valid_from="2024-01-01", valid_until="2024-12-31")
    index = RumorIndex([r])
    assert index.match("听说水厂投毒了", today=dt.date(2024, 6, 1)).pins[0].rumor_id == "w1"
    assert index.match("听说水厂投毒了", today=dt.date(2025, 6, 1)).pins == ()


def test_refresh_picks_up_changes(tmp_path) -> None:
    store = RumorStore(tmp_path / "r.db")
    index = RumorIndex.from_store(store)
    assert index.match("大蒜能杀新冠病毒吗").pins == ()
    assert index.refresh() is False
    import_jsonl(store, HERE / "rumors_small.jsonl")
    assert index.refresh() is True
    assert index.match("大蒜能杀新冠病毒吗").pins[0].rumor_id == "t003"
    store.delete(["t003"])
    index.refresh()
    assert all(p.rumor_id != "t003" for p in index.match("大蒜能杀新冠病毒吗").pins)


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
    assert res.pins[0].rumor_id == "t002"


EXTRA = [
    ("e01", "北京即将全面封城，人员只出不进"),
    ("e02", "挂烫机喷出的蒸汽可用于衣物消毒杀菌"),
    ("e03", "喝60℃的水可以杀死病毒"),
    ("e04", "干手器能在30秒内杀死新冠病毒"),
    ("e05", "熏醋可以预防新冠病毒"),
    ("e06", "钟南山院士被传染"),
    ("e07", "1月9日，西安封控区、管控区相继解封"),
    ("e08", "西安1月25日全面解封"),
    ("e09", "地铁3号线全线停运"),
    ("e10", "65岁以上老人不能接种新冠疫苗"),
    ("e11", "候鸟迁徙会传播新冠病毒"),
    ("e12", "瑞德西韦能治愈新冠肺炎"),
    ("e13", "上海迪士尼拒绝这些地区来访者"),
]


@pytest.fixture(scope="module")
def wide(tmp_path_factory) -> RumorIndex:
    """The small fixture plus claims for the keyword, number, date and benign-query cases."""
    store = RumorStore(tmp_path_factory.mktemp("wide") / "w.db")
    import_jsonl(store, HERE / "rumors_small.jsonl")
    store.upsert(Rumor(id=i, claim=c, status=RumorStatus.FALSE, refutations=(Refutation(title="【辟谣】" + c),))
                 for i, c in EXTRA)
    return RumorIndex.from_store(store)


def _top(index: RumorIndex, text: str) -> str | None:
    pins = index.match(text).pins
    return pins[0].rumor_id if pins else None


@pytest.mark.parametrize("query,want", [
    ("北京 封城", "e01"),  # two rare words, both in a longer claim
    ("挂烫机 消毒", "e02"),  # jieba cuts 挂烫机 into characters
    ("紧急扩散！挂烫机可以消毒，大家赶紧转发", "e02"),  # chain-message noise
    ("西安1月9日解封了吗", "e07"),  # the date as a whole, not 1 and 9
    ("西安一月二十五日解封", "e08"),
    ("地铁三号线停运了", "e09"),  # 三号线 = 3号线
    ("六十五岁以上老人不能打疫苗吗", "e10"),
])
def test_keyword_number_and_date_queries(wide: RumorIndex, query: str, want: str) -> None:
    res = wide.match(query)
    # found: pinned, or (a two-word keyword query the bundled decision is less sure of) a related card
    assert [m.rumor_id for m in (res.pins or res.related)][:1] == [want]


@pytest.mark.parametrize("query", [
    "钟南山院士简历",  # the claim's person + a generic noun: not what the claim says
    "候鸟迁徙路线",
    "瑞德西韦股票",
    "上海迪士尼",  # a bare topic
    "地铁5号线停运了",  # another line
])
def test_entity_with_generic_noun_does_not_pin(wide: RumorIndex, query: str) -> None:
    assert wide.match(query).pins == ()


def test_remedy_subject_must_match(wide: RumorIndex) -> None:
    # 醋 is the subject: claims about 60℃ water or hand dryers killing the virus are other claims
    pins = [p.rumor_id for p in wide.match("喝醋能杀死新冠病毒", limit=5).pins]
    assert "e03" not in pins and "e04" not in pins
    assert wide.score("喝醋能杀死新冠病毒", "e04") < wide.score("干手器能杀死新冠病毒", "e04")


def test_rumor_inside_a_long_post(wide: RumorIndex) -> None:
    filler = "今天天气不错，我们去公园散步了。晚饭吃了面条和饺子。周末准备去看电影，顺便买点水果。"
    claim = "喝60度的热水可以杀死病毒"
    alone = wide.match(claim).pins[0]
    assert alone.rumor_id == "e03"
    for n in (1, 5, 40):
        for post in (filler * n + claim + "。", claim + "。" + filler * n, filler * n + claim + "。" + filler * n):
            pins = wide.match(post).pins
            assert pins and pins[0].rumor_id == "e03", (n, post[:40])
            assert pins[0].score >= alone.score - 1e-9  # surrounding text does not dilute it


def test_long_text_limits(wide: RumorIndex) -> None:
    from plugin.rumors.index import MAX_TEXT_CHARS

    assert MAX_TEXT_CHARS >= 10_000
    far = "今天天气不错。" * 1000 + "熏醋可以预防新冠病毒。"  # beyond the old 2,000-character cut
    assert len(far) < MAX_TEXT_CHARS and _top(wide, far) == "e05"


@pytest.mark.parametrize("typo,right,want", [
    ("口造戴反了会影响防护效果吗", "口罩戴反了会影响防护效果吗", "t004"),  # 口造 for 口罩 (z / zh)
    ("候鸟迁徙会传波新冠病毒吗", "候鸟迁徙会传播新冠病毒吗", "e11"),  # 传波 for 传播
    ("地铁3号线全线亭运", "地铁3号线全线停运", "e09"),  # 亭运 for 停运
])
def test_homophone_typos_score_nearly_as_the_right_words(wide: RumorIndex, typo: str, right: str, want: str) -> None:
    matches = wide.match(typo).matches  # t004 is disputed: a 争议 label, no pin
    assert matches and matches[0].rumor.id == want
    assert wide.score(typo, want) >= 0.9 * wide.score(right, want)


RESCUE = [Rumor(id="a", claim="天津一男子喷酒精消毒后开车抽烟引发燃烧", status=RumorStatus.FALSE),
          Rumor(id="c", claim="喝热水能杀死新冠病毒", status=RumorStatus.FALSE)]


def test_a_colloquial_wording_holding_the_claims_characters_reaches_the_decision() -> None:
    # 车里 / 开车, 着火 / 燃烧: the words differ, the score is under candidate_floor, the characters are the claim's
    query = "天津有人车里喷完酒精抽烟着火了"
    index = RumorIndex(RESCUE)
    found = index.candidate_features(query)
    assert [m.rumor.id for m, _f in found] == ["a"]
    assert found[0][0].score < index.scoring.candidate_floor
    assert [p.rumor_id for p in index.match(query).pins + index.match(query).related] == ["a"]
    # the rescue switched off: no candidate
    assert RumorIndex(RESCUE, scoring=RumorScoring(rescue_char_cover=1.0)).candidate_features(query) == []


def test_a_text_asking_for_information_is_not_rescued() -> None:
    index = RumorIndex(RESCUE)
    assert index.candidate_features("天津车里喷完酒精抽烟着火了怎么办") == []
    assert index.candidate_features("天津车里喷酒精抽烟着火是哪一天") == []


def test_the_c_candidate_search_is_the_python_search() -> None:
    # postings with repeated weights (ties ranked by the order entries are met), hits only, need cuts, the
    # bisection path of the twin (rest of the weight under need), k over and under the number found
    from plugin.rumors import index as index_module
    from plugin.rumors.scoring import cscoring

    if cscoring is None:
        pytest.skip("the C extension is not built")
    rng = random.Random(3)
    for _ in range(400):
        n = rng.choice([5, 40, 3000])
        keys = [(sorted(rng.sample(range(n), rng.randint(1, min(n, 60)))), rng.choice([0.5, 1.0, 2.5, rng.random() * 3]))
                for _ in range(rng.randint(0, 8))]
        keys.sort(key=lambda kw: len(kw[0]))
        sounds = [(sorted(rng.sample(range(n), rng.randint(1, min(n, 10)))), 0.8) for _ in range(rng.randint(0, 2))]
        met = [i for post, _w in keys[-2:] for i in post]  # hits on entries of the longest postings too
        hits = {rng.choice(met) if met and rng.random() < 0.5 else rng.randrange(n + 5): (1, False)
                for _ in range(rng.randint(0, 3))}
        need = rng.choice([0.0, 0.0, 0.7, 1.5, 3.0, 8.0])
        k = rng.choice([1, 3, 12, 15, 500])
        want = index_module.top_candidates(keys, sounds, hits, need, k)
        assert cscoring.top_candidates(keys, sounds, hits, need, k) == want, (keys, sounds, hits, need, k)
        # the postings as the index stores them (C ints), for the C search and the twin alike
        packed = [(array("i", post), w) for post, w in keys]
        packed_sounds = [(array("i", post), w) for post, w in sounds]
        assert cscoring.top_candidates(packed, packed_sounds, hits, need, k) == want
        assert index_module.top_candidates(packed, packed_sounds, hits, need, k) == want
    with pytest.raises(TypeError, match="C ints"):
        cscoring.top_candidates([(array("d", [1.0]), 1.0)], [], {}, 0.0, 3)
    # k far over the entries read: the allocation follows the entries, not k
    keys = [(list(range(50)), 1.0)]
    assert cscoring.top_candidates(keys, [], {}, 0.0, 2**61 + 1) == index_module.top_candidates(keys, [], {}, 0.0, 50)


def test_the_c_candidate_search_runs_no_python_code_between_its_passes() -> None:
    # the postings are sized in one pass and read in a second: a conversion method that changed them in between
    # (a weight's __float__, an entry's __index__) overflowed or hung the search; such values are refused
    from plugin.rumors.scoring import cscoring

    if cscoring is None:
        pytest.skip("the C extension is not built")
    post = [1, 2, 3]

    class Growing:
        def __float__(self) -> float:
            post.extend(range(100, 200))
            return 1.0

    class Clearing:
        def __index__(self) -> int:
            post.clear()
            return 4

    with pytest.raises(TypeError, match="weights must be floats"):
        cscoring.top_candidates([(post, Growing())], [], [], 0.0, 5)
    with pytest.raises(TypeError, match="ids must be ints"):
        cscoring.top_candidates([([1, Clearing(), 3], 1.0)], [], [], 0.0, 5)
    with pytest.raises(TypeError, match="ids must be ints"):
        cscoring.top_candidates([], [], [Clearing()], 0.0, 5)
    assert cscoring.top_candidates([([1, 2, 3], 2)], [], [], 0.0, 5) == [(1, 2.0), (2, 2.0), (3, 2.0)]
