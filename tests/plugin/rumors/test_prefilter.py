"""The pre-filter: texts that share nothing specific with any claim skip the analysis (plugin.rumors.prefilter)."""

from __future__ import annotations

from plugin.normalize import prepare
from plugin.rumors import Rumor, RumorIndex, RumorStatus
from plugin.rumors.analysis import analyze
from plugin.rumors.prefilter import PreFilter

CLAIMS = ["喝热水能杀死新冠病毒", "挂烫机喷出的蒸汽可用于衣物消毒杀菌", "长春市8、9、10号静默三天", "石正丽叛逃美国"]


def _filter() -> PreFilter:
    return PreFilter([analyze(c) for c in CLAIMS], [("水厂投毒",)])


def test_texts_explained_by_a_claim_pass() -> None:
    pf = _filter()
    for text in ("喝开水能杀灭病毒吗", "挂烫机 消毒", "紧急扩散！挂烫机可以消毒，大家赶紧转发", "长春静默三天是真的吗",
                 "新型冠状病毒怕热水吗", "听说水厂投毒了"):  # equivalents, phrases, a clause, a curated trigger
        assert pf.passes(prepare(text).folded), text


def test_unrelated_or_barely_related_texts_do_not() -> None:
    pf = _filter()
    for text in ("今天天气不错", "长春", "病毒", "世界杯决赛阿根廷夺冠，梅西捧杯，热水澡后看球的球迷沸腾了"):
        assert not pf.passes(prepare(text).folded), text


def test_the_index_skips_the_analysis_of_filtered_texts() -> None:
    index = RumorIndex([Rumor(id=f"r{i}", claim=c, status=RumorStatus.FALSE) for i, c in enumerate(CLAIMS)])
    assert index.match("今天天气不错").pins == ()
    assert [p.rumor_id for p in index.match("喝热水真的能杀死病毒吗").pins] == ["r0"]


def test_question_frames_and_reworded_characters_count_for_coverage() -> None:
    # the frame (是真的不, 听说) is no part of the clause, and characters of the claim cut into other words
    # (烫机 ... 蒸汽 vs 蒸汽挂烫机) still explain the text
    pf = PreFilter([analyze(c) for c in ("发往北京的快递停运", "挂烫机喷出的蒸汽可用于衣物消毒杀菌")])
    assert pf.passes(prepare("往北京寄的快递都停运了是真的不").folded)
    assert pf.passes(prepare("我听说挂烫机蒸汽能给衣服消毒").folded)
    assert not pf.passes(prepare("北京今天的天气怎么样").folded)


def test_colloquial_forms_of_the_synonym_table_are_key_terms() -> None:
    pf = PreFilter([analyze("孩子接种疫苗后发烧不能吃退烧药")])
    assert pf.passes(prepare("娃儿打针后发烧不能吃退热药").folded)


def test_a_text_must_name_enough_of_what_the_claim_says() -> None:
    # two key terms of a long claim (a place and a common word) are not what the claim says
    pf = PreFilter([analyze("黑龙江杜尔伯特蒙古族自治县人民医院检测出多例阳性病例并连夜转运隔离密切接触者")])
    assert pf.passes(prepare("杜尔伯特人民医院检测出阳性").folded)
    assert not pf.passes(prepare("杜尔伯特人民公园").folded)


def test_latin_words_and_rare_characters_weigh_in_the_coverage() -> None:
    # the claim explains the common characters of the title, not the name in it
    pf = PreFilter([analyze("一个人跳舞四种感觉会传染病毒")])
    assert pf.passes(prepare("一个人跳舞会传染病毒").folded)
    assert not pf.passes(prepare("一个舞BLACKPINK跳出了四种感觉").folded)
