"""Structural spam cues: each cue class on its disguises, and texts without them."""

from __future__ import annotations

import pytest

from plugin.normalize import prepare
from plugin.scoring.cues import (CUE_NAMES, MAX_CUE_CHARS, TOPIC_CUE_NAMES, cue_spans,
                                  topic_cue_spans)
from plugin.scoring.features import FeatureSettings, text_grams


def _cues(text: str) -> dict[str, str]:
    view = prepare(text).normalized
    chars = view.dense.translate(str.maketrans("123456789", "000000000"))
    out = {}
    for name, start, end in cue_spans(text, view, chars):
        a, b = view.orig_span(start, end)
        out[name] = text[a:b]
    return out


@pytest.mark.parametrize(("text", "cue"), [
    ("有需要的加V信详聊", "contact"),
    ("老板们好，扣扣联系", "contact"),
    ("飞机找我", "contact"),
    ("🐧 找我", "contact"),
    ("薇：ab8866cd", "contact_id"),
    ("电话 1 3 8 1 2 3 4 5 6 7 8", "contact_id"),
    ("网址 ak❶❷❸.com 进入", "link"),
    ("点cc进入", "link"),
    ("日结300元", "money"),
    ("首存赠送百分之五十", "rate"),
    ("收益20%", "rate"),
    ("一个月翻十倍", "rate"),
    ("有意者私聊", "cta"),
    ("体 育 外 围 开盘", "spaced"),
    ("菠-菜平台", "spaced"),
    ("bo彩平t注册", "mixed"),
    ("🍗台首充", "emoji"),
    ("尊敬的客户您好", "address"),
    ("您的额度即将冻结", "urgent"),
])
def test_each_cue_class_finds_its_disguises(text: str, cue: str) -> None:
    assert cue in _cues(text)


@pytest.mark.parametrize("text", [
    "今天和家人去公园散步，天气很好",
    "国足这场踢得还可以，下半场的换人很关键",
    "孩子上幼儿园第一周，每天早上哭着不肯去",
])
def test_ordinary_text_carries_no_soliciting_cue(text: str) -> None:
    assert not {"contact", "contact_id", "link", "cta", "spaced", "address", "urgent"} & set(_cues(text))


def test_conjunctions_need_both_cues_and_spans_map_to_the_original() -> None:
    text = "兼职日赚500，加我V信 abc12345"
    cues = _cues(text)
    assert {"money", "cta", "contact", "contact_id", "money+cta", "cta+contact", "money+contact"} <= set(cues)
    assert cues["money"] in text and "500" in cues["money"]
    assert "cta+contact" not in _cues("有意者私聊")


def test_cue_names_are_the_tokens_emitted_and_each_counts_once() -> None:
    text = "私聊私聊私聊，加V信，加V信"
    view = prepare(text).normalized
    names = [n for n, _, _ in cue_spans(text, view, view.dense)]
    assert len(names) == len(set(names)) and set(names) <= set(CUE_NAMES)


def test_only_the_first_characters_are_searched() -> None:
    text = "好的" * MAX_CUE_CHARS + "私聊我"
    view = prepare(text).normalized
    assert not [n for n, _, _ in cue_spans(text, view, view.dense)]


def test_the_cue_family_adds_tokens_only_when_on() -> None:
    text = "有意者私聊，加V信 ab8866"
    plain = text_grams(text, FeatureSettings())
    with_cues = text_grams(text, FeatureSettings(cues=True))
    assert len(with_cues.buckets) > len(plain.buckets)
    shown = {with_cues.ngram(i) for i in range(len(plain.buckets), len(with_cues.buckets))}
    assert {"有意者", "v信ab0000"} <= shown
    assert "cues" not in FeatureSettings().to_dict() and FeatureSettings(cues=True).to_dict()["cues"] is True


@pytest.mark.parametrize(("text", "topic"), [
    ("稳赚不赔，零风险", "topic:promise"),
    ("长期收购二手账号，量大从优", "topic:offer"),
    ("百家乐龙虎斗，首充送彩金", "topic:betting"),
    ("网贷逾期，征信花了也能下款", "topic:scheme"),
    ("出售实名手机卡和银行卡四件套", "topic:goods"),
])
def test_each_topic_class_finds_its_words(text: str, topic: str) -> None:
    dense = prepare(text).normalized.dense
    found = {name: dense[a:b] for name, a, b in topic_cue_spans(dense)}
    assert topic in found and found[topic] in dense
    assert set(found) <= set(TOPIC_CUE_NAMES)


def test_ordinary_text_carries_no_topic_cue() -> None:
    for text in ("今天天气不错，出门散步", "周末去爬山，风景很好", ""):
        assert list(topic_cue_spans(prepare(text).normalized.dense)) == []


def test_topic_tokens_pair_with_a_way_to_reach_the_sender_only_when_on() -> None:
    settings = FeatureSettings(cues=True, topic_cues=True)

    def tokens(text: str) -> set[str]:
        plain = text_grams(text, FeatureSettings(cues=True))
        grams = text_grams(text, settings)
        return {grams.ngram(i) for i in range(len(plain.buckets), len(grams.buckets))}

    # one class (百家乐 and 上分 are both betting words), once alone and once with the call to action
    assert tokens("百家乐上分私聊") == {"百家乐"}
    with_cta = text_grams("百家乐上分私聊", settings)
    without = text_grams("百家乐上分", settings)
    assert len(with_cta.buckets) - len(text_grams("百家乐上分私聊", FeatureSettings(cues=True)).buckets) == 2
    assert len(without.buckets) - len(text_grams("百家乐上分", FeatureSettings(cues=True)).buckets) == 1
    assert len(set(with_cta.buckets[-2:].tolist())) == 2
    assert "topic_cues" not in FeatureSettings().to_dict()
    assert FeatureSettings.from_dict(settings.to_dict()).topic_cues is True


@pytest.mark.parametrize("text", ["宠物免费领养，有意者私信", "做单亲爸爸太难了", "对方拒不赔偿怎么办"])
def test_a_topic_cue_is_a_word_of_the_text_not_the_edge_of_another(text: str) -> None:
    """免费领 in 免费领养, 做单 in 做单亲, 不赔 in 不赔偿: a dictionary word crosses the cue's edge, so no cue."""
    assert list(topic_cue_spans(text)) == []


def test_a_later_occurrence_that_is_a_word_counts() -> None:
    text = "免费领养小猫，刷单返利日赚500"
    spans = set(topic_cue_spans(text))
    # 免费领 (inside 免费领养) is passed over for 返利, the class's next occurrence
    assert ("topic:promise", 9, 11) in spans and text[9:11] == "返利"
    assert {name for name, _s, _e in spans} == {"topic:promise", "topic:scheme"}


