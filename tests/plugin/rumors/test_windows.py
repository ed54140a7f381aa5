"""Sentence windows of long texts (plugin.rumors.windows): sentences, their analyses, the best
score of each rumour over windows of 1-3 sentences."""

from __future__ import annotations

from plugin.normalize import prepare
from plugin.rumors import Rumor, RumorIndex, RumorStatus
from plugin.rumors import windows
from plugin.rumors.analysis import Analysis, analyze


def test_units_are_sentences_and_long_sentences_are_cut_at_commas() -> None:
    assert windows.units(prepare("今天天气很好。喝热水能杀死病毒！\n  \n转发").folded) == [
        "今天天气很好", "喝热水能杀死病毒", "转发"]
    long = "，".join(["这是一段很长的文字内容"] * 30)  # one sentence of 329 characters
    pieces = windows.units(long)
    assert len(pieces) > 1 and all(len(p) <= windows.UNIT_CHARS for p in pieces)
    assert "，".join(pieces) == long


def test_a_sentence_in_a_post_is_analysed_as_it_would_be_alone() -> None:
    # folded once, like the text alone (folding twice dropped the emoji's folded form and joined
    # 挂 烫机 into one run; 薴 went on to 苎)
    sentences = ["網傳：喝熱水能殺死新冠病毒", "挂🐧烫机消毒", "薴麻", "六十五岁以上老人不能打疫苗"]
    post = "。".join(sentences)
    assert windows.analyze_units(windows.units(prepare(post).folded)) == [analyze(s) for s in sentences]


def test_repeated_sentences_are_analysed_once_and_the_count_is_bounded() -> None:
    analyses = windows.analyze_units(["喝热水", "吃大蒜", "喝热水"])
    assert analyses[0] is analyses[2]
    many = [f"第{i}句话" for i in range(windows.MAX_UNITS + 50)]
    assert len(windows.analyze_units(many)) == windows.MAX_UNITS


def test_join_keeps_words_in_order_and_merges_the_rest() -> None:
    a, b = analyze("喝热水"), analyze("能杀死新冠病毒吗 怎么办")
    j = windows.join([a, b])
    assert j.words == tuple(dict.fromkeys(a.words + b.words))
    assert j.bigrams == a.bigrams | b.bigrams and j.intent == (a.intent or b.intent)
    assert j.surface == a.surface + b.surface and not (j.subs & set(j.words))


def test_best_window_seeds_multi_sentence_windows_with_near_matches() -> None:
    s1, s2, s3 = (analyze(t) for t in ("喝热水", "能杀死新冠病毒", "今天天气很好"))
    searched: list[Analysis] = []
    rescored: list[tuple[tuple[str, ...], set[int]]] = []

    def search(a: Analysis, seen: dict[int, float]) -> windows.Found:
        searched.append(a)
        if a is s1:
            seen[7] = 0.3  # a near match: seeds the windows holding s1
            seen[8] = 0.1  # too weak to seed
        return {}

    def rescore(a: Analysis, seeds: set[int]) -> windows.Found:
        rescored.append((a.words, seeds))
        return {7: (0.8, ("热水",))} if set(s1.words + s2.words) <= set(a.words) else {}

    best = windows.best_window([s1, s2, s3], search, rescore, seed=0.25)
    assert searched == [s1, s2, s3]
    assert [seeds for _w, seeds in rescored] == [{7}, {7}]  # s1+s2 and s1+s2+s3; s2+s3 has no seed
    assert best == {7: (0.8, ("热水",))}


def test_a_rumour_inside_a_long_post_matches_as_it_would_alone() -> None:
    index = RumorIndex([Rumor(id="r1", claim="喝热水能杀死新冠病毒", status=RumorStatus.FALSE)])
    alone = index.match("喝热水能杀死新冠病毒").matches[0].score
    post = "今天去了超市。排队的人很多。" * 20 + "有人说喝热水能杀死新冠病毒。" + "晚上吃了火锅。" * 20
    assert index.match(post).matches[0].score == alone


def test_the_analysis_of_a_sentence_is_asked_of_the_function_given() -> None:
    asked: list[str] = []

    def analysed(u: str) -> Analysis:
        asked.append(u)
        return analyze(u)

    assert windows.analyze_units(["喝热水", "吃大蒜", "喝热水"], analysed) == [analyze("喝热水"), analyze("吃大蒜"), analyze("喝热水")]
    assert asked == ["喝热水", "吃大蒜"]


def test_a_short_texts_sentences_share_the_per_text_analyses() -> None:
    from plugin.rumors.index import query_analysis

    index = RumorIndex([Rumor(id="r1", claim="喝热水能杀死新冠病毒", status=RumorStatus.FALSE)])
    title = "喝热水能杀死新冠病毒吗"
    query_analysis.cache_clear()
    alone = index.match(title)
    assert query_analysis.cache_info().misses == 1
    index.match(title + "。网友热议")  # the title again, as the first sentence of a post: analysed once
    info = query_analysis.cache_info()
    assert info.hits >= 1 and info.misses == 2
    assert alone.pins and index.match(title + "。网友热议").pins[0].rumor_id == "r1"
