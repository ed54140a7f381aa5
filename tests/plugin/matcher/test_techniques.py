"""Matching techniques, each with negatives; offsets always index the original text."""

from __future__ import annotations

import datetime as dt

import pytest

from plugin import InputError, Matcher


def _hits(m: Matcher, text: str, **kw):
    return [(h.term, h.technique, h.start, h.end, h.surface) for h in m.scan(text, **kw)]


@pytest.mark.parametrize(
    "text, term, technique, span",
    [
        ("网络赌博网站", "赌博", "exact", (2, 4)),
        ("ＱＱ群", "QQ", "normalized", (0, 2)),
        ("qq群", "QQ", "normalized", (0, 2)),
        ("𝐐𝐐号", "QQ", "normalized", (0, 2)),
        ("網絡賭博", "赌博", "traditional", (2, 4)),
        ("在线博彩", "博彩", "exact", (2, 4)),
        ("赌\u200b博", "赌博", "invisible", (0, 3)),
        ("赌\u00ad博", "赌博", "invisible", (0, 3)),
        ("赌\ufeff博", "赌博", "invisible", (0, 3)),
        ("赌\ufe0f博", "赌博", "invisible", (0, 3)),
        ("赌.博", "赌博", "noise", (0, 3)),
        ("来 赌 * 博 啦", "赌博", "noise", (2, 7)),
        ("赌🎲博", "赌博", "noise", (0, 3)),
        ("赌赌赌博博", "赌博", "repeat", (0, 5)),
        ("来\n赌\n博\n", "赌博", "noise", (2, 5)),  # vertical text: one character per line
        ("标题\r\n赌\r\n博\r\n吧", "赌博", "noise", (4, 8)),
        ("tou注", "投注", "pinyin", (0, 4)),
        ("兼zhi日结", "兼职日结", "pinyin", (0, 6)),
        ("jianzhirijie", "兼职日结", "pinyin", (0, 12)),
        ("快来 tou zhu 吧", "投注", "pinyin", (3, 10)),
        ("快来 tóu zhù 吧", "投注", "pinyin", (3, 10)),  # tone marks
        ("兼职日洁", "兼职日结", "homophone", (0, 4)),
        ("收购银航卡", "收购银行卡", "homophone", (0, 5)),  # 行 read hang in 银行
        ("收购yinhangka", "收购银行卡", "pinyin", (0, 11)),
        ("shishicai计划", "时时彩", "pinyin", (0, 9)),  # reduplicated syllables in full pinyin
        ("投住一百", "投注", "homophone", (0, 2)),
        ("搏彩", "博彩", "shape", (0, 2)),
        ("贝者博", "赌博", "split", (0, 3)),
        ("弓长三丰", "张三丰", "split", (0, 4)),
        ("加企鹅号联系", "QQ", "variant", (1, 3)),
    ],
)
def test_technique(core_matcher: Matcher, text: str, term: str, technique: str, span: tuple[int, int]) -> None:
    hits = [h for h in core_matcher.scan(text) if h.term == term]
    assert hits, f"{term} not found in {text!r}: {core_matcher.scan(text)}"
    h = hits[0]
    assert (h.technique, (h.start, h.end)) == (technique, span)
    assert text[h.start:h.end] == h.surface


@pytest.mark.parametrize(
    "text",
    [
        "打开挂号页面",  # 开挂 straddles 打开|挂号
        "路口交通",  # 口交 straddles 路口|交通
        "他说要赌。博物馆今天闭馆",  # sentence end between 赌 and 博
        "他说要赌！博物馆",
        "他说要赌\n博物馆今天闭馆",  # line break between two multi-character lines
        "要\n赌\n博物馆",  # the vertical run ends at 赌; 博物馆 is its own line
        "警方破获网络赌博案",  # crackdown news: context excludes
        "谨防网络赌博",
        "南极的企鹅很可爱",  # 企鹅 without contact context
        "震惊中外的大案",  # allow phrase
        "touzhuxyz",  # pinyin inside a longer Latin word
        "mytouzhu",
        "独播剧场",  # homophone that is a different word
        "新品首发",  # outside its validity window (2020)
        "人民日报评论",  # account-name scope only
    ],
)
def test_negatives(core_matcher: Matcher, text: str) -> None:
    assert core_matcher.scan(text, today=dt.date(2024, 6, 1)) == []


def test_validity_window(core_matcher: Matcher) -> None:
    assert _hits(core_matcher, "新品首发", today=dt.date(2020, 6, 1))
    assert not _hits(core_matcher, "新品首发", today=dt.date(2021, 1, 1))


def test_account_name_scope(core_matcher: Matcher) -> None:
    assert _hits(core_matcher, "人民日报评论", scope="account_name")[0][0] == "人民日报"
    assert core_matcher.scan("网络赌博", scope="account_name") == []


def test_check_most_severe(core_matcher: Matcher) -> None:
    res = core_matcher.check("震惊！网络赌博")
    assert res.action == "block"
    assert {h.action for h in res.hits} == {"block", "label"}
    assert core_matcher.check("今天天气很好").action == "allow"


def test_hits_report_original_offsets_after_deletions(core_matcher: Matcher) -> None:
    text = "【广告】\u200b\u200b点这里：赌 . 博，还有 ＱＱ"
    for h in core_matcher.scan(text):
        assert text[h.start:h.end] == h.surface
        assert h.surface[0] not in " .\u200b" and h.surface[-1] not in " .\u200b"


def test_rejects_non_str(core_matcher: Matcher) -> None:
    with pytest.raises(InputError):
        core_matcher.scan(b"bytes")  # type: ignore[arg-type]


def test_rejects_unknown_scope(core_matcher: Matcher) -> None:
    for scope in ("nonsense", "ACCOUNT_NAME", None):
        with pytest.raises(InputError, match="scope"):
            core_matcher.scan("赌博", scope=scope)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text, term, technique",
    [
        ("РС蛋蛋", "PC蛋蛋", "normalized"),  # upper-case Cyrillic look-alikes
        ("ΡC蛋蛋", "PC蛋蛋", "normalized"),  # Greek capital rho
        ("加拿大⑵⑧", "加拿大28", "normalized"),  # parenthesised digits ⑵⑧
        ("赌丶博", "赌博", "noise"),  # dot radical as a separator
        ("赌の博", "赌博", "noise"),
        ("赌。博。网。站", "赌博", "noise"),  # one-character sentences
    ],
)
def test_lookalike_and_separator_folding(bundled_matcher: Matcher, text: str, term: str, technique: str) -> None:
    hits = [h for h in bundled_matcher.scan(text) if h.term == term]
    assert hits and hits[0].technique == technique, bundled_matcher.scan(text)
    assert text[hits[0].start:hits[0].end] == hits[0].surface


@pytest.mark.parametrize(
    "text, term, surface",
    [
        ("touzhu vip 下载", "投注", "touzhu"),  # a pinyin word followed by an English word
        ("tóu zhù, kuai lai", "投注", "tóu zhù"),  # spaced syllables with tone marks, more pinyin after
        ("go touzhu now", "投注", "touzhu"),
    ],
)
def test_pinyin_word_among_other_latin_words(core_matcher: Matcher, text: str, term: str, surface: str) -> None:
    hits = [h for h in core_matcher.scan(text) if h.term == term]
    assert hits and hits[0].technique == "pinyin" and hits[0].surface == surface, core_matcher.scan(text)


@pytest.mark.parametrize("text", ["touzhuvip", "mytouzhu now", "go mytouzhu"])
def test_pinyin_inside_a_latin_word_is_not_a_hit(core_matcher: Matcher, text: str) -> None:
    assert not [h for h in core_matcher.scan(text) if h.term == "投注"]


def test_latin_term_ends_at_a_space_or_punctuation(bundled_matcher: Matcher) -> None:
    for text in ("详聊 VX 886621", "详聊 VX：886621"):
        assert any(h.term == "VX" for h in bundled_matcher.scan(text)), text
    assert not any(h.term == "VX" for h in bundled_matcher.scan("详聊vx886621"))  # one Latin/digit word


def test_empty_and_control_text(core_matcher: Matcher) -> None:
    assert core_matcher.scan("") == []
    assert core_matcher.scan("\x00\x01\x02") == []
    text = "\x00赌\x01博\x02"
    hits = core_matcher.scan(text)
    assert [text[h.start:h.end] for h in hits] == [h.surface for h in hits]


def test_matcher_is_reusable_across_threads(core_matcher: Matcher) -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = ["网络赌博", "tou注", "兼职日洁", "打开挂号"] * 50
    expected = [len(core_matcher.scan(t)) for t in texts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda t: len(core_matcher.scan(t)), texts))
    assert got == expected


def test_astral_and_reduplicated_terms_do_not_break_other_terms() -> None:
    from plugin import Entry

    words = ["尤红\U00023a3c翠", "轻轻松松", "土地交易", "周期性"]
    m = Matcher.from_entries([Entry(term=w, category="t", term_id=w) for w in words])
    assert [h.term for h in m.scan("今天土地交易了")] == ["土地交易"]
    assert [h.term for h in m.scan("周期性")] == ["周期性"]
    assert m.scan("很轻松") == []  # 轻松 is not 轻轻松松
    assert [h.term for h in m.scan("轻轻松松赚钱")] == ["轻轻松松"]
    assert [h.term for h in m.scan("尤红\U00023a3c翠")] == ["尤红\U00023a3c翠"]


def test_traditional_reduplicated_term_reports_traditional() -> None:
    from plugin import Entry

    m = Matcher.from_entries([Entry(term="时时彩", category="g", term_id="g")])
    assert [(h.technique, h.surface) for h in m.scan("時時彩計劃群")] == [("traditional", "時時彩")]
    assert [(h.technique, h.surface) for h in m.scan("时时时彩")] == [("repeat", "时时时彩")]


def test_wide_keys_for_huge_lexicons_find_the_same_hits(monkeypatch: pytest.MonkeyPatch, core_matcher: Matcher) -> None:
    """Above U16_MAX_PATTERNS keys the automaton uses plain strings; results must not change."""
    import plugin.matching.compile as compile_module

    monkeypatch.setattr(compile_module, "U16_MAX_PATTERNS", 0)
    wide = Matcher(list(core_matcher.entries), variant_tables=core_matcher._tables)
    assert wide._compiled.wide and not core_matcher._compiled.wide
    for text in ["网络赌博网站", "赌.博", "兼职日洁", "贝者博", "搏彩", "收购银航卡", "加企鹅号联系", "打开挂号页面"]:
        assert wide.scan(text) == core_matcher.scan(text), text


@pytest.mark.parametrize(
    "text, term",
    [
        ("专业亻弋开发票", "代开发票"),  # 代 = 亻弋 (radical side form)
        ("氵每外贝者场", "海外赌场"),  # two split characters in one term
        ("网络贝者十尃", "网络赌博"),  # two adjacent split characters
    ],
)
def test_split_spellings_from_the_decomposition_table(tmp_path, text: str, term: str) -> None:
    lex = tmp_path / "terms.txt"
    lex.write_text("# category: fraud\n代开发票\n海外赌场\n网络赌博\n", encoding="utf-8")
    m = Matcher.from_lexicons([str(lex)], bundled=False)
    hits = [h for h in m.scan(text) if h.term == term]
    assert hits and hits[0].technique == "split", m.scan(text)
    assert text[hits[0].start:hits[0].end] == hits[0].surface


def test_split_spellings_only_count_inside_a_whole_term(tmp_path) -> None:
    lex = tmp_path / "terms.txt"
    lex.write_text("# category: fraud\n好评返现\n", encoding="utf-8")
    m = Matcher.from_lexicons([str(lex)], bundled=False)
    assert [h.technique for h in m.scan("女子评返现")] == ["split"]
    assert m.scan("这名女子评价很高，返现活动") == []  # 女子 joins to 好, but 好评价 is not 好评返现


@pytest.mark.parametrize(
    "text, term, technique",
    [
        ("bai2 jia1 le4 老平台", "百家乐", "pinyin"),  # tone numbers after syllables
        ("bjl 老平台 充值秒到", "百家乐", "initials"),  # pinyin initials of a block entry
        ("JND28 每期计划", "加拿大28", "initials"),  # initials with the term's digits
        ("加拿大二八 每期计划", "加拿大28", "variant"),  # digits as Chinese numerals
        ("幸运贰捌 计划群", "幸运28", "variant"),  # ... or financial numerals
        ("私聊 \u0474\u0425 领任务", "VX", "normalized"),  # Cyrillic izhitsa and kha
    ],
)
def test_abbreviations_numerals_and_more_lookalikes(bundled_matcher: Matcher, text: str, term: str, technique: str) -> None:
    hits = [h for h in bundled_matcher.scan(text) if h.term == term]
    assert hits and hits[0].technique == technique, bundled_matcher.scan(text)
    assert text[hits[0].start:hits[0].end] == hits[0].surface


@pytest.mark.parametrize("text", ["abjl 项目", "bjlx 项目", "html5 教程", "今年二八年华", "ssc 工作"])
def test_initials_and_numerals_need_a_whole_word(bundled_matcher: Matcher, text: str) -> None:
    assert not [h for h in bundled_matcher.scan(text) if h.technique in ("initials", "variant")]


@pytest.mark.parametrize(
    "text, term, surface",
    [
        ("专业代x写x论x文", "代写论文", "代x写x论x文"),  # the same letter after each character
        ("百1家1乐 老平台", "百家乐", "百1家1乐"),  # ... or the same digit
        ("百a家b乐 老平台", "百家乐", "百a家b乐"),  # different letters after each character
        ("代1写2论3文", "代写论文", "代1写2论3文"),  # ... or different digits
        ("专业代写x论文", "代写论文", "代写x论文"),  # one letter alone in one place
    ],
)
def test_letters_used_as_separators(bundled_matcher: Matcher, text: str, term: str, surface: str) -> None:
    hits = [h for h in bundled_matcher.scan(text) if h.term == term]
    assert hits and hits[0].technique == "noise" and hits[0].surface == surface, bundled_matcher.scan(text)


@pytest.mark.parametrize("text", ["做B超检查", "A股大涨", "穿T恤的人", "A股B股齐涨", "1月2日3号", "第3期"])
def test_letters_of_real_words_are_not_separators(bundled_matcher: Matcher, text: str) -> None:
    assert not [h for h in bundled_matcher.scan(text) if h.term == "百家乐" or h.technique == "noise"]


@pytest.mark.parametrize(
    "text, term",
    [
        ("🐧号出售 七位老号", "QQ号"),  # 🐧 = 企鹅, a curated variant of QQ号 (its context gate still applies)
        ("🀄透视 免费试用", "麻将透视"),
        ("💳提现 秒到", "信用卡提现"),
        ("金🌸透视", "金花透视"),
    ],
)
def test_emoji_standing_for_words(bundled_matcher: Matcher, text: str, term: str) -> None:
    hits = [h for h in bundled_matcher.scan(text) if h.term == term]
    assert hits and hits[0].technique == "variant", bundled_matcher.scan(text)
    assert text[hits[0].start:hits[0].end] == hits[0].surface


def test_word_emoji_elsewhere_are_not_hits(bundled_matcher: Matcher) -> None:
    assert bundled_matcher.scan("南极🐧很可爱") == []  # 企鹅 without contact context
    assert [h.technique for h in bundled_matcher.scan("征💰信💰修💰复") if h.term == "征信修复"] == ["noise"]
