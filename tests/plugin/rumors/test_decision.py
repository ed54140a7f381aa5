"""The learned pin decision: tiers, the bundled model, per-surface tiers (plugin.rumors.decision)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugin.errors import RumorError
from plugin.rumors import PinTier, Refutation, Rumor, RumorIndex, RumorMatch, RumorStatus
from plugin.rumors.decision import (FEATURES, TOPIC_SHIFT_WORDS, PinModel, PinTiers, decision_margin,
                                    default_model, pair_features, predicate_vetoed, query_predicate_cover,
                                    query_predicate_unexplained, retier, shifts_topic)
from plugin.rumors.scoring import char_cover

RUMORS = [
    Rumor(id="r1", claim="喝热水能杀死新冠病毒", status=RumorStatus.FALSE,
          refutations=(Refutation(title="【辟谣】喝热水", summary="不能。", source="某平台"),)),
    Rumor(id="r2", claim="约基奇新冠检测呈阳性", status=RumorStatus.FALSE),
    Rumor(id="r3", claim="上海迪士尼拒绝游客入园", status=RumorStatus.FALSE),
]


def test_tiers_are_checked() -> None:
    assert PinTiers(0.8, 0.5, 0.4).tier(0.9, 0.1, 0.49) is PinTier.PIN
    assert PinTiers(0.8, 0.5, 0.4).tier(0.45, 0.6, 0.49) is PinTier.PIN  # score threshold passed, not vetoed
    assert PinTiers(0.8, 0.5, 0.4).tier(0.6, 0.3, 0.49) is PinTier.RELATED
    assert PinTiers(0.8, 0.5, 0.55).tier(0.52, 0.6, 0.49) is PinTier.RELATED  # vetoed, still related
    assert PinTiers(0.8, 0.5, 0.4).tier(0.2, 0.6, 0.49) is None
    for bad in ((0.5, 0.6, 0.1), (0.0, 0.0, 0.0), (1.5, 0.5, 0.1), (0.5, 0.4, 0.6), (0.5, 0.4, -0.1)):
        with pytest.raises(RumorError):
            PinTiers(*bad)


def test_the_bundled_model_is_a_dot_product_with_its_card() -> None:
    model = default_model()
    assert model is not None
    assert 0 < model.tiers.related <= model.tiers.pin <= 1 and 0 <= model.tiers.veto <= model.tiers.pin
    data = model.to_dict()
    assert data["features"] == list(FEATURES) and PinModel.from_dict(data).coef.tolist() == model.coef.tolist()
    card = Path(__file__).resolve().parents[3] / "plugin" / "rumors" / "data" / "PIN_MODEL.md"
    assert card.is_file() and "licence" in card.read_text(encoding="utf-8").lower()
    assert model.probability([0.0] * len(FEATURES)) == pytest.approx(
        1 / (1 + __import__("math").exp(-float((-model.mean / model.scale) @ model.coef + model.intercept))))


def test_a_malformed_model_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"features": ["score"], "mean": [0], "scale": [1], "coef": [1], "intercept": 0,
                                "tiers": {"pin": 0.9, "related": 0.5}}), encoding="utf-8")
    with pytest.raises(RumorError, match="features"):
        PinModel.load(path)
    with pytest.raises(RumorError):
        PinModel.load(tmp_path / "missing.json")


def test_the_index_decides_with_the_model_and_reports_its_confidence() -> None:
    index = RumorIndex(RUMORS)
    assert index.model is not None
    res = index.match("喝热水真的能杀死病毒吗")
    assert [p.rumor_id for p in res.pins] == ["r1"]
    assert res.pins[0].tier is PinTier.PIN and res.pins[0].confidence is not None
    # the threshold decision (no model) gives no confidence
    assert RumorIndex(RUMORS, model=None).match("喝热水真的能杀死病毒吗").pins[0].confidence is None
    features = index.candidate_features("喝热水真的能杀死病毒吗")
    assert features and len(features[0][1]) == len(FEATURES)


def test_a_surface_can_be_stricter() -> None:
    index = RumorIndex(RUMORS)
    res = index.match("喝热水真的能杀死病毒吗")
    conf = res.pins[0].confidence
    assert conf is not None
    strict = retier(res, PinTiers(1.0, conf - 0.001, 1.0), index.threshold)  # confidence is rounded to 4 places
    assert strict.pins == () and [p.rumor_id for p in strict.related] == ["r1"] and strict.labels == ()
    assert retier(res, index.tiers, index.threshold).pins == res.pins  # type: ignore[arg-type]


def test_character_coverage_survives_another_wording() -> None:
    # 离京 / 北京, 更换 / 换: the words differ, the informative characters are shared
    assert char_cover("离开北京隔离两周", "离京人员一律隔离") > char_cover("北京天气预报", "离京人员一律隔离")
    assert char_cover("", "离京") == 0.0 and char_cover("换牙刷", "更换牙刷") == pytest.approx(1.0)
    feats = pair_features({"score": 0.5}, query_words=2, claim_words=3, claim_weights={}, question=False,
                          intent=False, query_negated=False, claim_negated=False, query_numbers=(),
                          claim_numbers=(), cluster_size=1, margin=0.0, rank=0, query_text="换牙刷",
                          claim_text="阳转阴更换牙刷", query_weights={"换": 1.0, "牙刷": 5.0})
    named = dict(zip(FEATURES, feats))
    assert named["char_q"] == pytest.approx(1.0) and 0 < named["char_c"] < 1
    assert named["sound_q"] == pytest.approx(1.0)


def test_what_the_query_says_beyond_the_names_is_read_from_its_own_credit() -> None:
    weights = {"石家庄": 6.0, "疫情": 2.0, "发布会": 5.0}
    # the claim explains 疫情 (weight 2) of the query's predicate weight 7: a near-topic query
    near = query_predicate_cover({"query_credit": {"石家庄": 1.0, "疫情": 1.0}}, weights)
    assert near == pytest.approx(2 / 7)
    assert query_predicate_cover({"query_credit": {"石家庄": 1.0, "疫情": 1.0, "发布会": 1.0}}, weights) == 1.0
    assert query_predicate_cover({"query_credit": {"石家庄": 1.0}}, {"石家庄": 6.0}) == 0.0  # names only
    # the scorer fills in what each query word gets from the claim
    index = RumorIndex(RUMORS, model=None)
    info = index.explain("喝热水真的能杀死病毒吗", "r1")
    assert info["query_credit"] and set(info["query_credit"]) <= set(info["shared"])


def test_a_query_turned_to_another_event_of_the_subject_shifts_topic() -> None:
    claim = {"石家庄": 6.0, "封城": 5.0}
    assert shifts_topic({"石家庄": 6.0, "新闻发布会": 5.0}, claim, "石家庄封城")  # a compound of 发布会
    assert shifts_topic({"新冠": 2.0, "症状": 4.0}, {"新冠": 2.0, "病毒": 2.0}, "新冠病毒")
    # the claim says it too: no shift
    assert not shifts_topic({"疫苗": 3.0, "症状": 4.0}, {"疫苗": 3.0, "症状": 4.0}, "打疫苗时的症状")
    assert not shifts_topic({"石家庄": 6.0, "封城": 5.0}, claim, "石家庄封城")
    assert "发布会" in TOPIC_SHIFT_WORDS


def test_the_margin_skips_copies_matched_through_the_same_words() -> None:
    a, b, c = RUMORS
    copy = Rumor(id="r4", claim="约基奇检测呈阳性", status=RumorStatus.FALSE)
    ranked = [RumorMatch(b, 0.7, ("约基奇", "阳性")), RumorMatch(copy, 0.68, ("约基奇", "阳性")),
              RumorMatch(c, 0.4, ("上海",))]
    # the copy scoring alike says nothing against the first: the margin is to the next other candidate
    assert decision_margin(ranked, 0) == pytest.approx(0.3)
    assert decision_margin(ranked, 1) == pytest.approx(0.28)
    assert decision_margin(ranked, 2) == pytest.approx(-0.3)
    # a candidate matched through other words competes
    other = [RumorMatch(b, 0.7, ("约基奇", "阳性")), RumorMatch(a, 0.68, ("新冠", "阳性"))]
    assert decision_margin(other, 0) == pytest.approx(0.02) and decision_margin(other, 1) == pytest.approx(-0.02)
    assert decision_margin(other[:1], 0) == pytest.approx(0.7)


def test_two_claims_matched_through_the_same_words_are_no_copies() -> None:
    """Claims about one thing that say different things compete, and matches with no words in common (curated
    triggers) are never copies."""
    prevents = Rumor(id="p", claim="喝板蓝根能预防新冠病毒", status=RumorStatus.FALSE)
    cures = Rumor(id="c", claim="喝板蓝根可以治疗新冠病毒感染", status=RumorStatus.FALSE)
    words = ("板蓝根", "新冠", "病毒")
    ranked = [RumorMatch(prevents, 0.7, words), RumorMatch(cures, 0.68, words)]
    assert decision_margin(ranked, 0) == pytest.approx(0.02) and decision_margin(ranked, 1) == pytest.approx(-0.02)
    trigger = [RumorMatch(prevents, 0.9, ()), RumorMatch(cures, 0.9, ())]
    assert decision_margin(trigger, 0) == pytest.approx(0.0)


def test_what_the_query_says_about_the_names_and_the_claim_leaves_unexplained() -> None:
    # 石家庄 疫情 发布会 against a 石家庄 lockdown claim: 发布会 (5 of the query's 13) is said and not explained
    weights = {"石家庄": 6.0, "疫情": 2.0, "发布会": 5.0}
    near = {"query_credit": {"石家庄": 1.0, "疫情": 1.0}, "claim_credit": {"石家庄": 1.0, "疫情": 1.0}}
    assert query_predicate_unexplained(near, weights) == pytest.approx(5 / 13)
    asks = {"query_credit": {"石家庄": 1.0, "疫情": 1.0, "发布会": 0.5}}
    assert query_predicate_unexplained(asks, weights) == pytest.approx(2.5 / 13)
    assert query_predicate_unexplained({"query_credit": {"石家庄": 1.0}}, {"石家庄": 6.0}) == 0.0  # names only


def test_the_predicate_veto_caps_a_candidate_at_the_related_tier() -> None:
    n = len(FEATURES)
    cover, unexplained = FEATURES.index("q_pred_cover"), FEATURES.index("q_pred_unexplained")
    feats = [0.0] * n
    feats[cover], feats[unexplained] = 0.1, 0.4  # the claim explains a tenth of what the query says of its names
    assert predicate_vetoed(feats, 0.3) and not predicate_vetoed(feats, 0.0) and not predicate_vetoed(feats, 0.1)
    names_only = [0.0] * n  # no predicate word in the query: nothing to veto on
    assert not predicate_vetoed(names_only, 0.3)
    sure = PinModel([0.0] * n, [1.0] * n, [0.0] * n, 5.0, PinTiers(0.8, 0.5, 0.6), predicate_floor=0.3)
    assert sure.probability(names_only) > 0.99 and sure.probability(feats) == pytest.approx(0.5)
    assert sure.tiers.tier(sure.probability(feats), 0.9, 0.49) is PinTier.RELATED  # never a pin
    again = PinModel.from_dict(sure.to_dict())
    assert again.predicate_floor == 0.3 and again.probability(feats) == pytest.approx(0.5)
    for bad in (-0.1, 1.0, True):
        with pytest.raises(RumorError, match="predicate_floor"):
            PinModel([0.0] * n, [1.0] * n, [0.0] * n, 0.0, PinTiers(0.8, 0.5), predicate_floor=bad)  # type: ignore[arg-type]
