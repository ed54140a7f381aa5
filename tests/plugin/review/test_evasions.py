"""Review rules hardened against evasions found by a red-team run: rumours in the body only, spam terms
in the account name, sustained / short engagement spikes, timestamps at the event start and without a
zone, hearsay as a source, matrix titles with numerals / padding, an omitted domain, spoofed and
accidental account-name hits."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plugin import Matcher
from plugin.lexicon import Entry
from plugin.review import Candidate, ReviewEngine, ReviewSettings
from plugin.review.domains import DomainInference
from plugin.review.engine import body_chunks
from plugin.review.matrix import MatrixDetector, arabic_numerals, group_key, title_shingles
from plugin.review.names import NameScanner, accidental_hit
from plugin.review.rules.labels import source_problem
from plugin.review.settings import DEFAULT_PLACEHOLDER_SOURCES, resolve_timezone
from plugin.review.spike import detect_spike
from plugin.rumors.models import RumorMatchResult
from tests.candidates import NOW, candidate, review, rules_of
from tests.fakes import FakeRumors
def reason(result, rule: str):
    return next(r for r in result.reasons if r.rule == rule)


# ---- rumours in the body only ------------------------------------------------------------------------


class DilutedRumors(FakeRumors):
    """Like the real index, a claim buried in a much longer text no longer matches: the key must make up
    at least ``share`` of the text."""

    def __init__(self, rumors: list[dict[str, Any]], share: float = 0.3) -> None:
        super().__init__(rumors)
        self.share = share
        self.calls: list[str] = []

    def match(self, text: str, limit: int = 3) -> RumorMatchResult:
        self.calls.append(text)
        res = super().match(text, limit)
        if not any(len(r["key"]) >= self.share * len(text) for r in self.rumors if r["key"] in text):
            return RumorMatchResult()
        return res


@pytest.fixture()
def diluted() -> DilutedRumors:
    return DilutedRumors([{"id": "r1", "key": "喝盐水防病毒", "claim": "喝盐水可以预防病毒感染", "status": "false"}])


def test_rumour_in_the_body_under_a_harmless_title_is_rejected(service_matcher, diluted):
    c = candidate(title="周末去哪儿玩的攻略大全，城郊露营地推荐", text="听说喝盐水防病毒啊")
    (r,) = review(service_matcher, c, rumors=diluted)
    assert r.decision == "reject" and r.refutations[0]["rumor_id"] == "r1"
    assert "听说喝盐水防病毒啊" in diluted.calls  # the body alone was matched


def test_rumour_deep_in_a_long_body_is_found_sentence_by_sentence(service_matcher, diluted):
    filler = "今天天气很好适合出门。" * 40
    engine = ReviewEngine(settings=ReviewSettings(rumor_chunk_chars=20, rumor_max_chunks=3))
    hidden = candidate(title="周末出游提醒", text=filler + "喝盐水防病毒吧。" + filler)
    (r,) = review(service_matcher, hidden, rumors=diluted, engine=engine)
    # beyond rumor_max_chunks without a hearsay cue: the bound on the work holds
    assert r.decision == "approve"
    cued = candidate(title="周末出游提醒", text=filler + "网传喝盐水防病毒。" + filler)
    (r,) = review(service_matcher, cued, rumors=diluted, engine=engine)
    assert r.decision == "reject"  # chunks with hearsay markers are matched first
    assert len(diluted.calls) <= 2 * (2 + 3)  # title, title + text, 3 chunks per candidate
    # a long text is never matched whole: title + its beginning, then the chunks
    assert max(len(text) for text in diluted.calls) <= len("周末出游提醒") + 1 + 20


def test_body_chunks_cut_at_sentence_ends_within_the_size():
    text = "第一句话。第二句话！第三句很长很长很长很长很长很长很长很长很长很长。" + "x" * 45
    chunks = body_chunks(text, 12)
    assert all(len(c) <= 12 for _, _, c in chunks)
    assert "".join(c for _, _, c in chunks) == text
    assert all(text[a:b] == c for a, b, c in chunks)
    assert chunks[0][2] == "第一句话。第二句话！"


# ---- content lexicon terms in the account name ----------------------------------------------------------


def test_spam_terms_in_the_account_name_count(service_matcher):
    (r,) = review(service_matcher, candidate(account={"name": "刷单返利工作室"}))
    assert r.decision == "reject"
    why = reason(r, "account_name_lexicon")
    assert "刷单返利" in why.detail and why.clause
    assert any(h["field"] == "account_name" and h["term"] == "刷单返利" for h in r.hits)
    (rv,) = review(service_matcher, candidate(account={"name": "加微信领取福利"}))
    assert rv.decision == "review" and "account_name_lexicon" in rules_of(rv)


def test_label_and_limit_terms_in_the_account_name_are_not_judged(service_matcher):
    for name in ("摆拍达人", "惊呆了小编"):  # persona label, clickbait limit
        (r,) = review(service_matcher, candidate(account={"name": name}))
        assert "account_name_lexicon" not in rules_of(r), name
        assert r.decision == "approve", name


# ---- engagement spikes -------------------------------------------------------------------------------------


@pytest.mark.parametrize("series", [
    [10, 12, 11, 500, 520, 510, 530],   # a burst lasting four minutes so far
    [10, 10, 12, 500, 520, 510],        # three minutes
    [5, 800],                           # only two points: stricter ratio, no z-score
    [20, 22, 19, 25, 21, 23, 900],      # a one-minute jump
    [0, 0, 0, 0, 30],
    [2 ** i for i in range(12)],        # steady doubling, but far above the baseline by now
    [2, 4, 8, 16, 32, 500, 510, 520],   # growth, then a jump out of the trend
])
def test_spikes_are_detected(series):
    assert detect_spike(series) is not None, series


@pytest.mark.parametrize("series", [
    [2, 4, 8, 16, 32, 64],                    # steady exponential growth (organic)
    [10, 10, 10, 20, 40, 80, 160],
    [10, 15, 14, 22, 30, 45, 70],             # noisy organic growth
    [10, 20, 30, 40, 50, 60, 70],             # linear
    [10, 12, 11, 13, 12, 10, 11, 12, 11, 900, 12],  # burst over, back to baseline
    [10, 50, 5, 60, 8, 55, 58],               # alternating noise
    [10] * 12 + [49],                         # 4.9× a flat baseline
    [1, 12],                                  # ratio 12 but level below min_value
    [3, 25, 29, 30],                          # level 25..30 over a tiny baseline: below the floors
    [900],
])
def test_no_spike(series):
    assert detect_spike(series) is None, series


def test_min_jump_is_an_absolute_floor():
    assert detect_spike([1, 1, 1, 1, 31], min_value=30, min_jump=20) is not None
    assert detect_spike([25, 25, 25, 25, 60], min_value=30, min_jump=40, ratio=1.5, robust_z=1) is None
    assert detect_spike([25, 25, 25, 25, 60], min_value=30, min_jump=30, ratio=1.5, robust_z=1) is not None


def test_sustained_spike_through_the_rule(service_matcher):
    (r,) = review(service_matcher, candidate(metrics={"engagement_per_min": [10, 12, 11, 500, 520, 510, 530]}))
    assert r.decision == "limit" and r.freeze_interactions
    assert "last 4 minutes" in reason(r, "engagement_spike").detail
    (ok,) = review(service_matcher, candidate(metrics={"engagement_per_min": [2, 4, 8, 16, 32, 64]}))
    assert not ok.freeze_interactions


# ---- timestamps --------------------------------------------------------------------------------------------


EVENT = "2024-06-01T10:00:00+08:00"


def test_renamed_exactly_at_the_event_start_is_reviewed(service_matcher):
    same_instant = "2024-06-01T02:00:00Z"
    (r,) = review(service_matcher, candidate(event_started_at=EVENT, account={"renamed_at": same_instant}))
    assert r.decision == "review" and "new_or_renamed_account" in rules_of(r)
    (before,) = review(service_matcher, candidate(event_started_at=EVENT, account={"renamed_at": "2024-06-01T01:59:59Z"}))
    assert "new_or_renamed_account" not in rules_of(before)


def test_naive_timestamps_are_read_in_the_configured_zone(service_matcher):
    c = candidate(event_started_at=EVENT, account={"renamed_at": "2024-06-01T09:30:00"})  # 09:30 Beijing time
    (r,) = review(service_matcher, c)
    assert "new_or_renamed_account" not in rules_of(r)
    (utc,) = review(service_matcher, c, engine=ReviewEngine(settings=ReviewSettings(naive_timezone="UTC")))
    assert "new_or_renamed_account" in rules_of(utc)  # 09:30 UTC = 17:30 Beijing, after the event
    naive_event = candidate(event_started_at="2024-06-01T10:00:00", account={"registered_at": "2024-06-01T10:30:00+08:00"})
    (r,) = review(service_matcher, naive_event)
    assert "new_or_renamed_account" in rules_of(r)


def test_time_zone_setting_is_checked():
    assert resolve_timezone("+08:00").utcoffset(None) == dt.timedelta(hours=8)
    assert ReviewSettings().timezone.utcoffset(dt.datetime(2024, 1, 1)) == dt.timedelta(hours=8)
    with pytest.raises(ValueError):
        ReviewSettings(naive_timezone="Mars/Olympus_Mons")


# ---- hearsay as a source -------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", ["网传", "网友", "据说", "听说", "朋友圈", "网络", "不详", "未知", "无", "转载",
                                    "網傳", " 网 传 ", "来源：网络", "据网友称", "N/A", "Unknown", "来源：", "…"])
def test_hearsay_and_placeholders_are_no_source(service_matcher, source):
    (r,) = review(service_matcher, candidate(topic_type="social_event", declared={"source": source}))
    assert r.decision == "limit" and "来源" in r.required_labels
    assert repr(source) in reason(r, "source_required").detail


@pytest.mark.parametrize("source", ["新华社", "转载自新华社", "据新华社报道", "央视新闻", "本台记者"])
def test_real_sources_count(service_matcher, source):
    (r,) = review(service_matcher, candidate(topic_type="social_event", declared={"source": source}))
    assert "source_required" not in rules_of(r), source


def test_placeholder_list_is_configurable():
    assert source_problem("某某平台", ("某某平台",)) is not None
    assert source_problem("网传", ("某某平台",)) is None
    assert "网传" in DEFAULT_PLACEHOLDER_SOURCES


# ---- matrix accounts ---------------------------------------------------------------------------------------


def _m(cid: str, title: str, **account: Any) -> dict[str, Any]:
    return candidate(id=cid, title=title, account={"id": f"acc_{cid}", "name": "号" + cid, **account})


def test_numerals_and_near_synonyms_in_matrix_titles(service_matcher):
    a, b = review(service_matcher, _m("a", "某市地铁三号线今晨突发故障停运", mcn="蓝海MCN"),
                  _m("b", "某市地铁3号线今早突发故障停运", mcn="蓝海MCN"))
    assert a.decision == b.decision == "review"
    assert arabic_numerals("第十二届二〇二四年一百零三") == "第12届2024年103"
    assert title_shingles("地铁三号线") == title_shingles("地铁3号线")


def test_padded_title_is_contained(service_matcher):
    a, b = review(service_matcher, _m("a", "男子酒驾撞上护栏", mcn="风行"),
                  _m("b", "今日看点：男子酒驾撞上护栏，现场画面曝光，网友热议", mcn="风行"))
    assert a.decision == b.decision == "review"
    assert "containment" in str(next(x for x in a.rule_results if x["rule"] == "matrix_accounts")["data"])


def test_containment_needs_a_minimum_size(service_matcher):
    # 暴雨预警 (3 bigrams) is inside the long title, but is too short for containment to count
    rs = review(service_matcher, _m("a", "暴雨预警", mcn="M"), _m("b", "今日多地发布暴雨预警，出行请注意安全", mcn="M"))
    assert all("matrix_accounts" not in rules_of(r) for r in rs)


def test_mcn_and_owner_names_are_normalised(service_matcher):
    rs = review(service_matcher, _m("a", "网红奶茶店被曝使用过期原料", mcn="XingHuo MCN"),
                _m("b", "网红奶茶店被曝使用过期原料！", mcn=" xinghuo   mcn "),
                _m("c", "网红奶茶店被曝使用过期原料？", mcn="ＸｉｎｇＨｕｏ ＭＣＮ"))
    assert [r.decision for r in rs] == ["review"] * 3
    assert group_key(" Own-1 ") == group_key("ＯＷＮ-1") == "own-1"


def test_history_links_carry_the_stored_review_id(service_matcher):
    engine = ReviewEngine()
    first = Candidate.model_validate(_m("h1", "某地一小学食堂被曝饭菜发霉", owner_id="o7"))
    engine.remember([first], NOW, ["rv_first"])
    (r,) = review(service_matcher, _m("h2", "今日看点：某地一小学食堂被曝饭菜发霉，家长愤怒", owner_id="O7 "), engine=engine)
    assert r.decision == "review" and r.linked_review_ids == ("rv_first",)


def test_group_scan_finds_containment_in_history():
    det = MatrixDetector(group_scan=10)
    old = Candidate.model_validate(_m("o", "男子酒驾撞上护栏", mcn="M"))
    det.remember([old], NOW)
    new = Candidate.model_validate(_m("n", "今日看点：男子酒驾撞上护栏，现场画面曝光，网友热议", mcn="m"))
    (links,) = det.find([new], NOW)
    assert links and links[0].measure == "containment" and not links[0].in_batch
    assert MatrixDetector(group_scan=0).find([new], NOW) == [[]]


# ---- domain inference ----------------------------------------------------------------------------------------


def test_omitted_domain_is_inferred_and_reviewed(service_matcher):
    (r,) = review(service_matcher, candidate(title="内部消息：这只股票明天必涨停，跟着买稳赚", text=None, domain=None))
    assert r.decision == "review"
    why = reason(r, "domain_certification")
    assert why.clause.startswith("001 第2条") and "inferred" in why.detail and "finance" in why.detail
    (ok,) = review(service_matcher, candidate(title="内部消息：这只股票明天必涨停，跟着买稳赚", text=None,
                                              account={"certified_domains": ["finance"]}))
    assert "domain_certification" not in rules_of(ok)
    (med,) = review(service_matcher, candidate(title="祖传秘方三天根治糖尿病，医院不会告诉你", text=None))
    assert med.decision == "review" and "medical" in reason(med, "domain_certification").detail


def test_declared_domain_still_rejects(service_matcher):
    (r,) = review(service_matcher, candidate(title="这只基金三个月收益翻倍", domain="finance"))
    assert r.decision == "reject" and "inferred" not in reason(r, "domain_certification").detail


@pytest.mark.parametrize("title, topic", [
    ("城市公园春季花展开幕", "entertainment"),
    ("儿童用药常识", "domain_info"),               # one plain term (用药, not 用药 + 药)
    ("男子被送往医院治疗", "social_event"),          # news about a hospital, not medical advice
    ("今年高考作文题目公布", "other"),               # one plain term
])
def test_no_domain_inferred(service_matcher, title, topic):
    (r,) = review(service_matcher, candidate(title=title, text=None, topic_type=topic, declared={"source": "新华社"}))
    assert "domain_certification" not in rules_of(r), title


def test_domain_inference_counts_distinct_terms_leftmost_longest():
    inf = DomainInference({"medical": {"terms": ["药", "用药"], "strong": ["秘方"]}})
    assert inf.scores("用药用药")[0].terms == ("用药",)
    assert inf.infer("用药") == []
    assert inf.infer("秘方")[0].score == 2
    with pytest.raises(ValueError):
        DomainInference({"astrology": {"terms": ["星座"]}})
    assert DomainInference.from_file().infer("炒股必涨停")[0].domain == "finance"


# ---- account names -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def name_matcher() -> Matcher:
    """Account-name entries as a lexicon might have them: no homophone technique, no boundary check."""
    techs = frozenset({"pinyin", "shape", "split"})
    terms = ["人民", "日报", "人民日报", "新华社", "公安局", "解放军", "北京"]
    return Matcher.from_entries([Entry(term=t, category="account_name", action="review", scope="account_name",
                                       techniques=techs, boundary="none") for t in terms], version="names-1")


@pytest.mark.parametrize("name, term", [
    ("新花社", "新华社"), ("中国解放君", "解放军"), ("工安局通报", "公安局"),  # homophones (3+ characters)
    ("公a安局通报", "公安局"),                                             # a letter slipped in
    ("人民日报", "人民日报"), ("北京日报", "日报"), ("人民曰报", "人民日报"),
])
def test_spoofed_names_are_found(name_matcher, name, term):
    hits = NameScanner().scan(name_matcher, name)
    assert term in {h.term for h in hits}, (name, hits)


@pytest.mark.parametrize("name", ["每日报价助手", "每日报道精选", "为人民服务的小张", "人民的名义剧迷", "背景音乐分享"])
def test_accidental_and_weak_name_hits_are_dropped(name_matcher, name):
    assert NameScanner().scan(name_matcher, name) == [], name


def test_accidental_hit_keeps_hits_inside_one_word():
    assert accidental_hit("每日报价助手", 1, 3)
    assert not accidental_hit("人民日报", 2, 4)       # inside 人民日报
    assert not accidental_hit("北京日报", 2, 4)
    assert not accidental_hit("某市公安局", 2, 4)     # inside 公安局


def test_weak_terms_count_next_to_another_hit(name_matcher):
    assert {h.term for h in NameScanner().scan(name_matcher, "人民快讯北京站")} == {"人民", "北京"}
    assert NameScanner().scan(name_matcher, "人民快讯") == []


def test_account_name_rule_uses_the_scanner(name_matcher):
    (r,) = review(name_matcher, candidate(account={"name": "新花社快讯"}))
    assert r.decision == "review" and "homophone" in reason(r, "account_name").detail
    for name in ("每日报价助手", "为人民服务的小张"):
        (ok,) = review(name_matcher, candidate(account={"name": name}))
        assert "account_name" not in rules_of(ok), name
