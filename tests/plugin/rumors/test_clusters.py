"""Clusters of near-duplicate claims and the core claim of a ruling (plugin.rumors.clusters)."""

from __future__ import annotations

from plugin.rumors import Refutation, Rumor, RumorIndex, RumorStatus
from plugin.rumors.clusters import core_claim


def _r(rid: str, claim: str, origin: str, url: str = "", status: RumorStatus = RumorStatus.FALSE,
       summary: str = "不实。") -> Rumor:
    ref = Refutation(title="【辟谣】" + claim, summary=summary, url=url, source=origin)
    return Rumor(id=rid, claim=claim, status=status, refutations=(ref,), origin=origin)


RUMORS = [
    _r("w1", "喝茶可以预防新型冠状病毒", "tencent_jiaozhen", "https://vp.fact.qq.com/article?id=1"),
    _r("p1", "喝茶能预防新冠病毒感染？", "piyao_org_cn", "https://www.piyao.org.cn/1.htm"),
    _r("d1", "喝茶可以预防新冠病毒？", "dxy_piyao"),
    _r("x1", "童子尿可以预防新型冠状病毒", "tencent_jiaozhen"),  # the same template, another subject
    _r("s1", "深圳市学校开学时间：高三初三3月2日开学，高一高二3月9日开学", "weibo_checked_fake"),
    _r("s2", "重庆市学校开学时间：高三初三3月2日开学，高一高二3月9日开学", "weibo_checked_fake"),
    _r("n1", "西安1月9日解封", "piyao_org_cn"),
    _r("n2", "西安1月25日解封", "piyao_org_cn"),
    _r("t1", "喝茶可以预防新冠病毒", "dxy_piyao", status=RumorStatus.TRUE),  # another verdict family
    _r("k1", "紧急通知！！长垣市明天起全面封城，所有人不得外出，超市药店全部关门，学校停课，工厂停工，"
       "家里多囤点粮食蔬菜和口罩，请互相转告注意防护", "weibo_checked_fake",
       summary="经查，该微博称“长垣市明天起全面封城”不实，详情：https://weibo.com/1/abc"),
]


def test_near_duplicates_form_one_cluster_named_by_the_best_source() -> None:
    index = RumorIndex(RUMORS)
    assert index.cluster_of("w1") == index.cluster_of("d1") == "p1"  # the national platform first
    assert set(index.cluster_members("w1")) == {"p1", "w1", "d1"}
    for alone in ("x1", "s1", "s2", "n1", "n2", "t1"):  # other subject, place, date or verdict
        assert index.cluster_of(alone) == alone
    assert index.cluster_count == 1


def test_a_hit_on_any_member_pins_the_cluster_once_with_its_canonical_refutation() -> None:
    index = RumorIndex(RUMORS, model=None)  # the score threshold decides: clusters, not the learned decision
    res = index.match("喝茶可以预防新冠吗", limit=3)
    assert len(res.pins) == 1
    pin = res.pins[0]
    assert pin.cluster_id == "p1" and pin.cluster_size == 3
    assert pin.refutation.url == "https://www.piyao.org.cn/1.htm"
    assert [lab.to_dict()["cluster_id"] for lab in res.labels] == ["p1"]  # the label names the cluster too


def test_a_ruling_quotes_the_core_claim_as_an_extra_key() -> None:
    assert core_claim(RUMORS[-1]) == "长垣市明天起全面封城"
    assert core_claim(RUMORS[0]) == ""
    query = "长垣市全面封城了吗"
    index = RumorIndex(RUMORS)
    assert [p.rumor_id for p in index.match(query).pins] == ["k1"]
    # without the quoted key the short query covers too little of the long post for the score threshold
    plain = [r if r.id != "k1" else Rumor(id=r.id, claim=r.claim, status=r.status, origin=r.origin) for r in RUMORS]
    assert RumorIndex(plain, model=None).match(query).pins == ()
    assert [p.rumor_id for p in RumorIndex(RUMORS, model=None).match(query).pins] == ["k1"]


def test_a_name_and_its_longer_form_are_one_name() -> None:
    # 武汉 / 武汉市: the same place written two ways, not the same template about two places
    rumors = [Rumor(id="a", claim="十一期间武汉硚口区有一千多人去过青岛", status=RumorStatus.FALSE),
              Rumor(id="b", claim="十一期间武汉市硚口区有一千多人去过青岛？", status=RumorStatus.FALSE),
              Rumor(id="c", claim="十一期间重庆渝中区有一千多人去过青岛", status=RumorStatus.FALSE)]
    index = RumorIndex(rumors)
    assert index.cluster_of("a") == index.cluster_of("b")
    assert index.cluster_of("c") == "c"


def test_a_claim_copied_in_a_longer_post_joins_it() -> None:
    """A post repeating a fact-check's claim with words of its own (the poster's comment, a handle) covers the claim
    and holds its wording; the overlap from both sides is low, yet it is the same rumour."""
    claim = _r("c", "柳州奖励援鄂医疗队员每人一辆汽车", "tencent_jiaozhen")
    post = _r("w", "柳州奖励援鄂医疗队员，每人奖励一辆汽车，赠奖车每辆都已打有英雄字样，今后开出来停车不收费，"
                   "大家觉得这样的奖励合适吗 L比特币科技的微博视频", "weibo_checked_fake")
    other = _r("o", "柳州螺蛳粉工厂全部停产，市场上买不到螺蛳粉了", "tencent_jiaozhen")
    index = RumorIndex([claim, post, other])
    assert index.cluster_of("w") == index.cluster_of("c") == "c"
    assert index.cluster_of("o") == "o"


def test_a_claim_copied_in_posts_about_two_places_joins_neither_to_the_other() -> None:
    tail = "，所有人不得外出，超市药店全部关门，学校停课，工厂停工，家里多囤点粮食蔬菜和口罩，请互相转告注意防护"
    claim = _r("c", "明天起居民出行正常化公交恢复运营", "piyao_org_cn")
    shenzhen = _r("s", "深圳市政府通知：明天起居民出行正常化公交恢复运营" + tail, "weibo_checked_fake")
    chongqing = _r("q", "重庆市政府通知：明天起居民出行正常化公交恢复运营" + tail, "weibo_checked_fake")
    index = RumorIndex([claim, shenzhen, chongqing])
    assert index.cluster_of("s") != index.cluster_of("q")  # the same post about two places: two rumours
    assert "c" in {index.cluster_of("s"), index.cluster_of("q")}  # the claim joins one of them


def test_two_short_claims_are_never_copies() -> None:
    # a short claim whose words a slightly longer one holds says less than it: no copy (气溶胶 vs 楼道气溶胶)
    general = _r("g", "新型冠状病毒会通过气溶胶传播", "tencent_jiaozhen")
    specific = _r("s", "新冠感染者居家隔离，会经楼道气溶胶传播病毒", "tencent_jiaozhen")
    index = RumorIndex([general, specific])
    assert index.cluster_of("g") == "g" and index.cluster_of("s") == "s"
