"""The pre-filter: texts that share nothing specific with any claim skip the analysis (plugin.rumors.prefilter)."""

from __future__ import annotations

import random
from collections import Counter

import ahocorasick
import pytest

from plugin.chardata import is_cjk
from plugin.normalize import BREAK, prepare
from plugin.rumors import Rumor, RumorIndex, RumorStatus
from plugin.rumors.analysis import QUESTION_RE, analyze
from plugin.rumors import prefilter
from plugin.segment import segmenter
from plugin.rumors.prefilter import (MIN_COVER, SEED_CLAIMS, SHORT_TEXT_CHARS, SINGLE_CREDIT, SOUND_TERM_CHARS, PreFilter,
                                     char_weight, number_terms, sound_codes)

#: particles, pronouns and numerals: a character written otherwise among them is no typo
FILLER = frozenset("的了吗呢吧啊呀是在有和与也都就才再还又很太最我你他她它们这那个不没要会能可以说被把让给到去来"
                   "零〇一二两三四五六七八九十百千万亿")
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


def test_sound_alike_typos_of_key_terms_count_as_the_terms() -> None:
    # one character of a key term typed as another of the same syllable (光古 / 光谷, 纸金 / 纸巾, 沉箱 / 沉香)
    pf = PreFilter([analyze(c) for c in ("武汉光谷出现一例确诊", "口罩里垫一张纸巾就能反复使用", "沉香可以预防新型冠状病毒")])
    for text in ("武汉光古出现确诊", "口罩垫纸金反复用", "沉箱可以预防新冠"):
        assert pf.passes(prepare(text).folded), text
    assert [pf.terms[slot] for slot, _end in pf.sound_hits("光古")] == ["光谷"]
    assert pf.sound_hits("光谷") == []  # as written: the automaton's hit, not a typo
    assert pf.sound_hits("广告") == []  # two characters written otherwise: another word
    assert not pf.passes(prepare("光顾了一家新开的店").folded)  # one sound-alike term alone is not enough


def test_numbers_are_key_terms_as_searchers_write_them() -> None:
    # the analysis keeps 14 without its unit: 十四天 / 14天, dates, holidays and hotlines are terms of their own
    claims = ["广州三元里附近的瑶台村，封闭14天", "北京居民收到96010发送的流调信息是诈骗短信", "浙江织里因疫情元旦前要封城"]
    assert {"14天", "十四天"} <= number_terms(prepare(claims[0]).folded)
    assert {"元旦", "1月1日", "一月一日"} <= number_terms(prepare(claims[2]).folded)
    assert number_terms(prepare("体温37.5度，补贴3万元").folded) == {"30000元", "3万元", "三万元"}  # no decimal
    pf = PreFilter([analyze(c) for c in claims], texts=claims)
    for text in ("瑶台封村十四天", "96010诈骗"):
        assert pf.passes(prepare(text).folded), text
    assert not pf.passes(prepare("隔离十四天").folded)
    assert not PreFilter([analyze(c) for c in claims]).passes(prepare("96010诈骗").folded)  # without the texts


def test_percentages_and_fractions_are_key_terms_in_every_spelling() -> None:
    claims = ["八分之一新冠康复者会在140天内死亡", "95%的酒精比75%的酒精消毒效果更好"]
    assert {"八分之一", "1/8", "8分之1"} <= number_terms(prepare(claims[0]).folded)
    assert {"95%", "百分之九十五", "75%", "百分之七十五"} <= number_terms(prepare(claims[1]).folded)
    assert number_terms(prepare("百分之五的人").folded) == set()  # under NUMBER_TERM_MIN: in too many titles
    pf = PreFilter([analyze(c) for c in claims], texts=claims)
    for text in ("新冠好了以后还有八分之一会死", "百分之九十五的酒精消毒更好"):
        assert pf.passes(prepare(text).folded), text
    assert not pf.passes(prepare("八分之一决赛").folded)


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


# ---------------------------------------------------------------- the fast decision equals the rule as written

def _reference_passes(pf: PreFilter, folded: str) -> bool:
    """The pre-filter's rule written plainly (one claim at a time, character offsets, no arrays): what
    :meth:`PreFilter.passes` must decide."""
    auto = ahocorasick.Automaton()
    for slot, term in enumerate(pf.terms):
        auto.add_word(term, slot)
    auto.make_automaton()
    text = QUESTION_RE.sub("", folded.replace(BREAK, "。").replace(" ", ""))
    hits = [(slot, end) for end, slot in auto.iter(text)]
    codes = sound_codes()

    def code(ch: str) -> int:
        return int(codes[ord(ch)]) if ord(ch) < 0x10000 else 0

    for slot, term in enumerate(pf.terms if hits else ()):  # sound-alike typos beside a term as written
        for i in range(len(text) - len(term) + 1) if 2 <= len(term) <= SOUND_TERM_CHARS else ():
            window = text[i:i + len(term)]
            if (all(code(a) and code(a) == code(b) for a, b in zip(window, term))
                    and sum(a != b for a, b in zip(window, term)) == 1
                    and not (len(term) == 2 and segmenter().is_common(window))
                    and not any(a != b and (a in FILLER or b in FILLER) for a, b in zip(window, term))
                    and not segmenter().is_common(text[max(i - 1, 0):i + 1] if i else "")
                    and not (i + len(term) < len(text) and segmenter().is_common(text[i + len(term) - 1:i + len(term) + 1]))):
                hits.append((slot, i + len(term) - 1))
    if not hits:
        return False
    hit_slots = {slot for slot, _end in hits}
    ranked = sorted(hit_slots, key=lambda s: (len(pf.owners[s]), s))  # ties: the lower slot
    if len(pf.owners[ranked[0]]) > SEED_CLAIMS:
        return False
    seeds: list[int] = []
    total = 0
    for slot in ranked:
        total += len(pf.owners[slot])
        if seeds and total > SEED_CLAIMS:
            break
        seeds.append(slot)
    counts = Counter(i for s in seeds for i in pf.owners[s])
    for i, k in counts.items():
        mine = hit_slots & pf.claim_slots[i]
        if k < 2 and not (mine - set(seeds)) and not (mine & pf.rare & set(seeds)):
            continue
        if len(text) > SHORT_TEXT_CHARS:
            return True
        if sum(pf.idf[s] for s in mine) < pf.claim_need[i]:
            continue
        weights = [char_weight(ch) for ch in text]
        credit: dict[int, float] = {}
        for slot, end in hits:
            if slot in mine:
                for x in range(end - len(pf.terms[slot]) + 1, end + 1):
                    credit[x] = 1.0
        for x, ch in enumerate(text):
            if x not in credit and ch in pf.claim_chars[i]:
                credit[x] = SINGLE_CREDIT
        clauses, start = [], 0
        for x, ch in enumerate(text + "。"):
            if ch in "，,。！!？?；;：:、~～…":
                if sum(1 for c in text[start:x] if is_cjk(c) and char_weight(c) > 0) >= 2:
                    clauses.append((start, x, sum(weights[start:x])))
                start = x + 1
        if len(clauses) > 1:
            clauses.append((0, len(text), sum(c for _s, _e, c in clauses)))
        if any(sum(weights[x] * c for x, c in credit.items() if a <= x < b) >= MIN_COVER * content
               for a, b, content in clauses):
            return True
    return False


def test_the_c_extension_is_built() -> None:
    assert prefilter.NATIVE, "plugin.rumors.cprefilter is not built (python /tmp/build_inplace.py or pip install)"


@pytest.mark.parametrize("native", [True, False], ids=["c", "python"])
def test_the_decision_is_the_rule_as_written(monkeypatch: pytest.MonkeyPatch, native: bool) -> None:
    # many claims built from few words: near-copies, long postings, many claims sharing two terms of a
    # text (the array path of the Python twin), rare terms, long texts, clauses, and an astral character;
    # the C loops and their Python twin both decide as the rule written plainly
    if not native:
        monkeypatch.setattr(prefilter, "cprefilter", None)
    elif not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    rng = random.Random(5)
    words = ["新冠", "疫苗", "接种", "发烧", "退烧药", "孩子", "北京", "快递", "停运", "石正丽", "叛逃", "美国", "热水",
             "病毒", "杀死", "医院", "检测", "阳性", "口罩", "消毒", "蒸汽", "挂烫机", "长春", "静默", "三天", "学校",
             "放假", "地铁", "停运", "高铁", "票价", "上涨", "喝醋", "预防", "流感", "大蒜", "蔬菜", "农药", "超标"]
    rare = ["杜尔伯特", "齐齐哈尔", "达尔文港", "雅诗兰黛", "车厘子", "蓝盔部队", "耿飚", "朱超然"]
    claims = ["".join(rng.sample(words, rng.randint(3, 7))) for _ in range(400)]
    claims += [rng.choice(rare) + "".join(rng.sample(words, rng.randint(2, 5))) for _ in range(20)]
    pf = PreFilter([analyze(c) for c in claims], max_posting=300, texts=claims)
    bulk_calls = []
    original = PreFilter._bulk

    def spy(self: PreFilter, *args: object) -> object:
        bulk_calls.append(1)
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(PreFilter, "_bulk", spy)
    fillers = ["", "的", "了", "是真的吗", "，", "。", "我听说", "😀", "今天", "一个"]
    codes = sound_codes()
    alike: dict[int, list[str]] = {}
    for x in range(0x4E00, 0x9FA6):
        alike.setdefault(int(codes[x]), []).append(chr(x))

    def typo(word: str) -> str:  # one character as another of the same syllable (a hurried typist)
        x = rng.randrange(len(word))
        same = alike.get(int(codes[ord(word[x])]), [word[x]])
        return word[:x] + rng.choice(same) + word[x + 1:]

    texts = []
    for _ in range(600):
        parts = [(typo if rng.random() < 0.2 else str)(rng.choice(words)) if rng.random() < 0.7 else rng.choice(fillers)
                 for _ in range(rng.randint(1, 9))]
        if rng.random() < 0.3:
            parts.insert(rng.randint(0, len(parts)), rng.choice(rare))
        texts.append("".join(parts) * (4 if rng.random() < 0.05 else 1))
    decided = [(pf.passes(prepare(t).folded), _reference_passes(pf, prepare(t).folded)) for t in texts]
    assert all(fast == plain for fast, plain in decided), [t for t, d in zip(texts, decided) if d[0] != d[1]]
    assert 0 < sum(fast for fast, _ in decided) < len(texts)
    assert bool(bulk_calls) is not native


def test_the_c_loops_refuse_tables_and_rows_out_of_range() -> None:
    if not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    c = prefilter.cprefilter
    pf = _filter()
    slot = pf.terms.index("石正丽")
    assert c.claims_naming(pf.tables, [slot], [slot], True) == [3]  # a rare term of the claim it names
    with pytest.raises(IndexError):
        c.claims_naming(pf.tables, [len(pf.terms)], [slot], True)
    with pytest.raises(ValueError):
        c.claims_naming(pf.tables, [slot], [slot, slot], True)  # hit slots sorted and distinct
    with pytest.raises(ValueError):
        c.claims_naming(pf.tables[:-1] + (pf.tables[-1][:-1],), [slot], [slot], True)  # a claim's need missing
    with pytest.raises(TypeError):
        c.claims_naming(pf.tables[:3], [slot], [slot], True)
    text = "石正丽叛逃"
    weights = [char_weight(ch) for ch in text]
    assert c.explains(pf.tables, [3], [slot], [2], text, weights, [], MIN_COVER, SINGLE_CREDIT) is False  # no clause
    assert c.explains(pf.tables, [3], [slot], [2], text, weights, [(0, 5, sum(weights))], MIN_COVER, SINGLE_CREDIT)
    with pytest.raises(ValueError):
        c.explains(pf.tables, [3], [slot], [2], text, weights[:-1], [], MIN_COVER, SINGLE_CREDIT)
    with pytest.raises(IndexError):
        c.explains(pf.tables, [3], [slot], [5], text, weights, [], MIN_COVER, SINGLE_CREDIT)  # a hit past the end
    with pytest.raises(IndexError):
        c.explains(pf.tables, [4], [slot], [2], text, weights, [], MIN_COVER, SINGLE_CREDIT)  # no such claim

    class Meddling:
        def __float__(self) -> float:
            meddled.clear()  # a conversion that empties the list being read
            return 1.0

    meddled: list[object] = [Meddling(), *weights[1:]]
    with pytest.raises(ValueError, match="changed while read"):
        c.explains(pf.tables, [3], [slot], [2], text, meddled, [], MIN_COVER, SINGLE_CREDIT)


def test_sound_hits_of_the_c_loops_and_the_twin_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    if not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    pf = PreFilter([analyze(c) for c in CLAIMS + ["武汉光谷出现一例确诊", "频繁做核酸引发鼻咽癌剧增", "木间雄二设计了医院"]])
    texts = ["武汉光古", "核酸得了鼻烟癌", "木间熊二", "光顾", "石正利判逃美国😀喝热睡", "", "a", "光", "😀光古😀"]
    native = [pf.sound_hits(t) for t in texts]
    monkeypatch.setattr(prefilter, "cprefilter", None)
    assert [pf.sound_hits(t) for t in texts] == native
    assert any(native) and native[-1] == [(pf.terms.index("光谷"), 2)]


def test_the_sound_loop_refuses_bad_tables() -> None:
    if not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    c = prefilter.cprefilter
    pf = _filter()
    with pytest.raises(TypeError):
        c.sound_hits(pf.sound_tables[:3], pf.terms, "热睡", SOUND_TERM_CHARS)
    with pytest.raises(ValueError):
        c.sound_hits(pf.sound_tables, pf.terms, "热睡", 99)
    with pytest.raises(ValueError):
        c.sound_hits((pf.sound_tables[0][:5],) + pf.sound_tables[1:], pf.terms, "热睡", SOUND_TERM_CHARS)
    with pytest.raises(IndexError):
        c.sound_hits(pf.sound_tables, [], "热睡", SOUND_TERM_CHARS)  # slots past the terms
    with pytest.raises(ValueError):  # a prefix bitmap of another size
        c.sound_hits(pf.sound_tables[:-1] + (pf.sound_tables[-1][:100],), pf.terms, "热睡", SOUND_TERM_CHARS)


def test_the_whole_decision_in_c_equals_the_c_steps_and_the_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    # cprefilter.Filter.decide (BMP texts) against the step-by-step C loops and the Python twin, on near-copies,
    # typos, rare terms, curated triggers, clauses and long texts
    if not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    rng = random.Random(9)
    words = ["新冠", "疫苗", "接种", "发烧", "退烧药", "孩子", "北京", "快递", "停运", "石正丽", "叛逃", "美国", "热水",
             "病毒", "杀死", "光谷", "鼻咽癌", "口罩", "消毒", "蒸汽", "挂烫机", "长春", "静默", "三天"]
    claims = ["".join(rng.sample(words, rng.randint(2, 6))) for _ in range(150)]
    pf = PreFilter([analyze(c) for c in claims], [("水厂投毒",), ("核酸造假",)], max_posting=60, texts=claims)
    pieces = [*words, "光古", "鼻烟癌", "石正利", "判逃", "水厂投毒", "，", "。", "是真的吗", "今天", "的", "a", "BLACKPINK"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) * (5 if rng.random() < 0.05 else 1)
             for _ in range(800)]
    folded = [prepare(t).folded for t in texts]
    whole = [pf.passes(f) for f in folded]
    monkeypatch.setattr(pf, "_native", None)
    steps = [pf.passes(f) for f in folded]
    monkeypatch.setattr(prefilter, "cprefilter", None)
    twin = [pf.passes(f) for f in folded]
    assert whole == steps == twin
    assert 0 < sum(whole) < len(whole)


def test_question_wording_is_removed_in_c_as_the_expression_removes_it() -> None:
    # cprefilter.Frames (QUESTION_RE.sub / holds) against the expression: literal frames in the expression's order
    # (a longer frame over its prefix, the first of two starting alike), particle runs before a closing mark, white
    # space or the end (a mark replaced as well, another ending kept), runs that end otherwise (left, also from
    # their later characters), question marks; random texts over the frames' own characters; three replacements
    if not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    q = QUESTION_RE
    assert q.native is not None
    cases = ["是真的吗", "听说喝热水能杀死病毒是真的吗？", "真的假的吗吧", "是不是真的", "是不是", "靠谱吗??", "吗吗吗吗",
             "吃了吗 好的", "吃了吗，好", "吃了吗吧呢x", "呢吗啊abc吗", "？？", "网传网传", "", "新冠", "好吧~", "好吧～吗"]
    rng = random.Random(13)
    alphabet = sorted(set("".join(q.literals))) + list(q._PARTICLES) * 3 + list("?？!！。，,、~～… \u3000") + list("新冠病毒")
    cases += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 14))) for _ in range(20_000)]
    cases += [x + lit + y for lit in q.literals for x in ("", "新冠") for y in ("", "吗", "吗？", "呢x", lit)]
    for replacement in ("", " ", "。X"):
        assert [q.sub(replacement, t) for t in cases] == [q.expression_sub(replacement, t) for t in cases], replacement
    assert [q.holds(t) for t in cases] == [q.expression_search(t) is not None for t in cases]
    assert sum(q.sub("", t) != t for t in cases) > len(cases) // 4  # many texts hold wording to remove
    assert q.sub("", "是真的吗😀") == "😀" and q.holds("是真的吗😀")  # beyond the BMP: the expression
    with pytest.raises(ValueError):
        q.native.strip("是真的吗😀")
    with pytest.raises(ValueError):
        prefilter.cprefilter.Frames(["", "吗"], "吗", "。", "?")


def test_the_c_scan_finds_the_key_terms_the_automaton_finds() -> None:
    # the same (slot, end) hits in the same order (by end, the longest first), a curated trigger over a term's
    # own text included
    if not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    rng = random.Random(3)
    claims = ["喝热水能杀死新冠病毒", "挂烫机喷出的蒸汽可用于衣物消毒杀菌", "新冠病毒疫苗接种后发烧", "新型冠状病毒在热水中存活",
              "长春市8、9、10号静默三天", "十四天隔离期满"]
    pf = PreFilter([analyze(c) for c in claims], [("水厂投毒", "热水"), ("疫苗接种",)], texts=claims)
    native = pf._native_filter()
    assert native is not None
    pieces = [*pf.terms, "水厂投毒", "的", "，", "a", "今天", "新型冠状"]
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) for _ in range(500)]
    assert [native.key_hits(t) for t in texts] == [pf._hits(t) for t in texts]
    assert native.key_hits("喝热水") is None and native.key_hits("新冠病毒") == pf._hits("新冠病毒") != []


def test_the_c_decision_refuses_bad_input() -> None:
    if not prefilter.NATIVE:
        pytest.skip("the C extension is not built")
    c = prefilter.cprefilter
    pf = _filter()
    native = pf._native_filter()
    assert native is not None
    slot = pf.terms.index("石正丽")
    assert native.decide("石正丽叛逃", [(5, slot)]) is True  # a rare term (code units 0-5: the end on an odd unit)
    assert native.decide("石正丽叛逃", [(4, slot)]) is False  # a match not on a character's last unit is none
    assert native.decide("石正丽叛逃", [(1, -1)]) is True  # a curated trigger
    assert native.decide("", iter(())) is False
    with pytest.raises(ValueError):
        native.decide("石正丽😀", [])  # beyond the BMP: the step-by-step path reads those
    with pytest.raises(ValueError):
        native.decide("石正丽", [(99, slot)])  # past the text
    with pytest.raises(ValueError):
        native.decide("石正丽", [(5, len(pf.terms))])  # no such slot
    with pytest.raises(TypeError):
        native.decide("石正丽", 5)
    args = (pf.tables, pf.sound_tables, pf.key_tables, prefilter._weight_table(), "，。", SEED_CLAIMS, SHORT_TEXT_CHARS,
            MIN_COVER, SINGLE_CREDIT, SOUND_TERM_CHARS)
    with pytest.raises(ValueError):
        c.Filter(*args[:3], prefilter._weight_table()[:100], *args[4:])  # weights of another size
    with pytest.raises(ValueError):
        c.Filter(*args[:2], pf.key_tables[:3] + (pf.key_tables[3][:10], pf.key_tables[4]), *args[3:])  # a bitmap cut
    with pytest.raises(TypeError):
        c.Filter(*args[:2], pf.key_tables[:2], *args[3:])
    with pytest.raises(ValueError):
        c.Filter(*args[:-1], 99)  # longer sound windows than a row holds
    with pytest.raises(TypeError):
        c.Filter(pf.tables[:3], *args[1:])


def test_a_compacted_copy_decides_the_same() -> None:
    pf = _filter()
    copy = pf.compacted()
    assert copy is not pf and len(copy) == len(pf)
    for text in ("喝开水能杀灭病毒吗", "听说水厂投毒了", "长春", "今天天气不错", "挂烫机 消毒"):
        assert copy.passes(prepare(text).folded) == pf.passes(prepare(text).folded), text


def test_slots_are_the_same_under_every_string_hash_seed() -> None:
    """Replicas run with different hash seeds: the key terms' slots (which break ties between equally rare
    terms) must not follow a set's iteration order."""
    import os
    import subprocess
    import sys

    from tests.paths import ROOT

    code = ("from plugin.rumors.analysis import analyze\nfrom plugin.rumors.prefilter import PreFilter\n"
            f"print(PreFilter([analyze(c) for c in {CLAIMS!r}]).terms)")
    seen = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in (1, 2, 3)}
    assert len(seen) == 1 and "热水" in next(iter(seen))
