"""Text analysis shared by rumour indexing and querying.

``analyze(text)`` folds the text (:func:`plugin.normalize.prepare`, shared with the matcher:
width, case, traditional→simplified, invisible characters), drops question and hedge wording
(吗 / 是真的吗 / 真的假的 / 网传 / 听说 ...), turns Chinese numerals before a unit into
Arabic ones (六十五岁 → 65岁, 三号线 → 3号线; :func:`plugin.numerals.quantities_to_digits`)
and month-day dates into one token (``#1月9日``), segments with jieba (:mod:`plugin.segment`),
removes stop-words and chain-message noise (紧急 / 扩散 / 转发 / 家人 ..., :data:`NOISE_WORDS`),
maps equivalent wordings onto one canonical token (新型冠状病毒 / 新冠肺炎 → 新冠, 确诊 / 染上 → 感染, 蚊虫 → 蚊子 ...), turns numbers
into ``#<value>`` tokens, replaces runs of single characters (jieba's cut of a word it does
not know: 挂烫机 → 挂 / 烫 / 机) by their character pairs (挂烫, 烫机; the characters become
sub-words) and collects character bigrams of the remaining content.

Token weights come from :class:`Weights`: background informativeness from jieba's
dictionary frequencies times an IDF over the claim corpus, so words that are common in
the language (可以, 今天) or in the claim corpus (新冠 in a COVID-heavy set) count less.
"""

from __future__ import annotations

import math
from typing import Any

import ahocorasick
from dataclasses import dataclass
from functools import lru_cache

from .. import fixed_regex
from plugin.normalize import BREAK, prepare
from plugin.numerals import MEASURE_WORDS, dates_to_digits, plain_chinese_number, quantities_to_digits, quantity_key
from plugin.chardata import is_cjk
from plugin.segment import segmenter
from plugin.variants import contextual_syllables, syllables

from .synonyms import default_table

try:
    from . import cprefilter
except ImportError:  # not built: the expression alone removes question wording
    cprefilter = None  # type: ignore[assignment]

__all__ = [
    "ABBREVIATIONS", "PLACE_ABBREVIATIONS", "TRAVEL_ABBREVIATIONS", "PHRASE_EQUIVALENTS", "INTENT_WORDS", "NOISE_WORDS", "QUESTION_RE", "Analysis", "Weights", "analyze", "analyze_folded",
    "arabic_numbers", "canon", "char_sound", "clean", "clean_folded", "cn_number", "equivalents",
    "expand_lone_abbreviations", "fold_syllable", "fractions", "has_intent", "is_entity", "is_name", "is_pair", "number_key",
    "refutes", "refutes_folded", "sound", "subwords",
]

class QuestionFrames:
    """Question / hedge / source wording a searcher adds around a claim (是真的吗, 听说, 网传 ...),
    and sentence-final particles (吗, 吧, 呢 ...) before a space, a punctuation mark or the end.

    On RE2: the character after a particle run is group 2 of a match and written back. A text of the BMP (nearly
    all) is read in one C call instead (``cprefilter.Frames``, :attr:`native`: the same matches, leftmost first,
    the first frame in the expression's order at a position; the expression's Python wrapper costs ~4 µs a search
    and ~20 µs a substitution); :meth:`expression_search` and :meth:`expression_sub` are the expression's own.
    """

    _QUESTION_MARKS = "?？"
    _PARTICLES = "吗吧呢嘛啊呀哇啦咯哦"
    #: what ends a particle run in the expression (besides the end of the text and white space)
    _PARTICLE_ENDS = "?？!！。，,、~～…"
    _WORDING = ("是真的吗|是不是真的|是假的吗|真的假的|真的还是假的|真的吗|真假|是真是假|可信吗|靠谱吗|可靠吗|属实吗|是谣言吗|"
                "是否属实|有没有|是不是|会不会|能不能|可不可以|到底|究竟|是否|"
                "网传|网曝|网友称|有人说|听说|据说|传言|传闻|疯传|热传|刷屏|朋友圈|微信群|群里").split("|")

    def __init__(self) -> None:
        literals = [*sorted(default_table().frames, key=len, reverse=True), *self._WORDING]
        #: the literal frames in the expression's order (the first written at a position is the match there)
        self.literals: tuple[str, ...] = tuple(literals)
        self._rx = fixed_regex.compile(
            "".join(fixed_regex.escape(f) + "|" for f in literals) +
            f"([{self._PARTICLES}]+)(?:([{fixed_regex.SPACE}?？!！。，,、~～…])|$)|[{self._QUESTION_MARKS}]"
        )
        #: every frame starts with one of these characters: a text holding none has no frame (most titles;
        #: the regular expression is not run for them)
        self._starts = frozenset(f[0] for f in literals if f) | frozenset(self._PARTICLES + self._QUESTION_MARKS)
        #: what a match holds besides a particle ending the text: a literal frame, a question mark, or a particle
        #: before white space or a closing mark; one automaton tells at once whether a text holds any (the
        #: expression costs ~3 µs per text, and only ~8 % of the titles holding a frame's first character hold
        #: a frame)
        ends = [*self._PARTICLE_ENDS, *(chr(c) for c in range(0x3001) if chr(c).isspace())]
        #: what ends a particle run (the expression's class: the closing marks and white space)
        self.particle_ends = "".join(ends)
        self._marks = ahocorasick.Automaton()
        for f in [*literals, *self._QUESTION_MARKS, *(p + end for p in self._PARTICLES for end in ends)]:
            if f:
                self._marks.add_word(f, len(f))
        self._marks.make_automaton()
        #: the expression matched in C (None without the extension)
        self.native = (cprefilter.Frames(literals, self._PARTICLES, self.particle_ends, self._QUESTION_MARKS)
                       if cprefilter is not None else None)

    def _may_hold(self, text: str) -> bool:
        """False when the expression cannot match ``text`` (exact: a match needs a frame's first character, and
        a literal frame, a question mark, a particle before white space or a closing mark, or one at the end)."""
        if not text or self._starts.isdisjoint(text):
            return False
        return text[-1] in self._PARTICLES or next(self._marks.iter(text), None) is not None

    def holds(self, text: str) -> bool:
        """Whether ``text`` holds a frame."""
        if self.native is not None:
            try:
                return self.native.holds(text)
            except ValueError:  # beyond the BMP
                pass
        return self.expression_search(text) is not None

    def expression_search(self, text: str) -> fixed_regex.FixedMatch | None:
        """The expression's first match in ``text``."""
        if not self._may_hold(text):
            return None
        return self._rx.search(text)

    def sub(self, replacement: str, text: str) -> str:
        """``text`` with every frame replaced by ``replacement``."""
        if self.native is not None:
            try:
                return self.native.strip(text, replacement)
            except ValueError:  # beyond the BMP
                pass
        return self.expression_sub(replacement, text)

    def expression_sub(self, replacement: str, text: str) -> str:
        """``text`` with every match of the expression replaced (:meth:`sub` without the C twin)."""
        if not self._may_hold(text):
            return text

        def one(m: fixed_regex.FixedMatch) -> str:
            if m.group(1) is None:
                return replacement
            tail = m.group(2) or ""
            return replacement + (replacement if tail and tail in self._QUESTION_MARKS else tail)

        return self._rx.sub(one, text)


#: Question / hedge / source wording a searcher adds around a claim; removed before matching.
QUESTION_RE = QuestionFrames()

# Negation wording (a feature of the learned pin decision, plugin.rumors.decision): 不 没 无法 并非 并不 未 别 勿
_NEGATION_CHARS = frozenset("不没未别勿")


def _negated(text: str) -> bool:
    return not _NEGATION_CHARS.isdisjoint(text) or "无法" in text or "并非" in text

#: Wording that marks a text as refuting (not repeating) a claim: such texts are not labelled 谣言.
REFUTE_RE = fixed_regex.compile("辟谣|谣言|不实|造谣|传谣|假消息|假新闻|是假的|不属实|系误读|澄清|谣传|误区|伪科学")

# Function words, pronouns, light verbs, time units and fillers: never content tokens.
_STOP = frozenset(
    """
    的 地 得 了 着 过 和 与 及 或 跟 同 并 而 且 但 但是 而且 或者 还是 以及 因为 所以 如果 就 都 也 还 又 再 才 只
    很 太 更 最 挺 非常 特别 比较 十分 有点 一些 一点 这 那 这个 那个 这些 那些 这样 那样 这么 那么 这种 那种 此
    其 之 在 于 从 向 对 把 被 给 让 叫 将 为 为了 以 按 按照 由 由于 关于 通过 用 可 可以 能 能够 会 要 应 应该
    该 需 需要 得以 是 不是 有 没 没有 无 不 别 莫 未 并非 非 我 你 他 她 它 我们 你们 他们 她们 它们 大家 自己
    人家 谁 什么 怎么 怎么样 怎样 如何 为什么 为啥 哪 哪个 哪些 哪里 几 多少 啥 咋 吗 吧 呢 啊 呀 嘛 么 哦 哇
    啦 咯 真的 假的 真 假 是否 已 已经 曾 曾经 正在 将要 刚 刚刚 刚才 马上 立即 现在 目前 最近 近日 日前 今天 昨天
    明天 今年 去年 一个 一种 一下 一直 一定 肯定 可能 也许 大概 据 称 说 表示 称为 叫做 所谓 出现 发生 进行 相关
    等 等等 个 种 次 些 位 名 条 件 后 前 中 内 外 上 下 里 时 时候 之后 之前 以后 以前 期间 起 来 去 到 说法
    消息 网友 视频 图片 照片 一则 一张 一段 网上 网络 网传 流传 称之为 ℃ 度 摄氏度 % 个人 有人 事 事情
    年 月 日 号 天 点 分 秒 人 某 某地 某些 一 二 两 多 这里 那里 啥子 咱们 咱 俺 您
    却 每 各 乃 既 均 皆 仍 亦 便 即 则 若 虽 竟 尚 遭 令 使 又称 得到 一起 一样 大量 很多 许多
    """.split()
)

#: Attention / forwarding / source wording of chain messages and hot-search titles (紧急, 扩散, 转发,
#: 家人 ...): carries no claim content, dropped like stop-words.
NOISE_WORDS = frozenset(
    """
    最新 最新消息 紧急 紧急通知 重要 重要通知 通知 重磅 突发 快讯 速看 速转 必看 快看 紧急扩散 扩散 转发 转发给 转给 转告
    互相 互相转告 周知 告知 告诉 提醒 温馨 温馨提示 提示 注意 注意啦 大家 各位 朋友 朋友们 亲 亲们 家人 家人们 亲人
    亲友 亲戚 身边 赶紧 赶快 尽快 务必 千万 一定要 请 收藏 分享 看到 知道 看看 震惊 惊呆 吓人 可怕 网传 网曝 网友
    爆料 曝光 传言 传闻 听说 据说 据悉 有人 有人说 疯传 热传 刷屏 朋友圈 微信群 群里 群 大伙 小伙伴 官方 权威
    真相 原来 竟然 居然 终于 刚刚 今晚 今日 今早 晚上 凌晨 早上 中午 下午
    """.split()
)

#: Search-intent words: a query asking for one of these (门票, 攻略, 价格 ...) that the claim does
#: not mention is asking something else about the same subject.
INTENT_WORDS = frozenset(
    """
    时间 门票 票价 价格 多少钱 费用 收费 攻略 推荐 排名 排行 排行榜 查询 简介 介绍 做法 方法 教程 步骤 牌子 品牌
    地址 电话 官网 下载 入口 天气 预报 分数线 报名 挂号 预约 招聘 房价 营业 开放 用法 功效 作用 好处 区别 意思
    美食 旅游 景点 大全 新歌 电影 集锦 历史 安装 流程 办理 标准 多久 注意事项 技巧 怎么办 使用方法 图片 壁纸 平台 网站
    公众号 小程序 app
    简历 履历 生平 路线 线路 地图 位置 出口 入口 股票 股价 概念股 基金 行情 官网 网址 客服 热线 班次 时刻表 时刻
    说明书 副作用 禁忌 成分 配方 价钱 报价 多少 尺寸 型号 参数 评测 测评 直播 回放 在线 观看 高清 歌词 百科 资料
    近况 现状 照片 年龄 身高 籍贯 微博 粉丝 演唱会 歌单 门店 营业时间 开放时间 时间表 放假安排 作息 课程 考试 成绩
    政策 细则 条件 材料 手续 证件 指南 须知 规则
    """.split()
)

#: Question words asking for information (how / which / where / when / how much) rather than
#: whether a claim is true (为什么 is not one: it presupposes the claim); they mark an informational
#: search like INTENT_WORDS do.
_INTENT_WORDING = fixed_regex.compile("怎么|怎样|如何|哪个|哪些|哪里|哪家|哪儿|在哪|多少钱|几点|什么时候|攻略|教程|"
                                      # where a service is given (asked for like an address): 核酸检测点, 接种点
                                      "检测点|采样点|接种点|服务点|网点|"
                                      # which year / day / date (when, asked another way)
                                      "哪一年|哪年|哪一天|哪天|几月几|"
                                      # the colloquial ways of asking (干嘛用 = 有什么用)
                                      "干嘛用|干啥用|有啥用|哪能买")
# 什么 / 啥 (= 什么) ask only when not after 为 (为什么 / 为啥), 咋 (= 怎么) only when not in 咋回事: a
# match whose group 1 or 2 took part is that exception
_INTENT_GUARDED = fixed_regex.compile("(为)?(?:什么|啥)|咋(回事)?")


_INTENT_GUARDED_CHARS = frozenset("么啥咋")


def has_intent(text: str) -> bool:
    """Whether ``text`` holds a question word asking for information (how / which / where / when)."""
    if _INTENT_WORDING.search(text) is not None:
        return True
    return not _INTENT_GUARDED_CHARS.isdisjoint(text) and any(
        m.group(1) is None and m.group(2) is None for m in _INTENT_GUARDED.finditer(text))

# Phrase-level equivalents applied before segmentation (longest first).
_PHRASES = [
    ("新型冠状病毒肺炎", "新冠"), ("新冠病毒肺炎", "新冠"), ("新型冠状病毒", "新冠病毒"), ("新冠状病毒", "新冠病毒"),
    ("冠状病毒", "新冠病毒"), ("新冠肺炎", "新冠"), ("新型肺炎", "新冠"), ("武汉肺炎", "新冠"),
    ("sars-cov-2", "新冠病毒"), ("covid-19", "新冠"), ("covid19", "新冠"), ("covid", "新冠"),
    ("维c", "维生素c"), ("vc", "维生素c"), ("非典", "sars"),
]
#: Common abbreviations (简称) of institutions, insurances, places and events: the long form is
#: written as the short one searchers type (a group abbreviation such as 北上广 names each place).
ABBREVIATIONS: dict[str, str] = {
    "世界卫生组织": "世卫", "世卫组织": "世卫",
    "国家卫生健康委员会": "国家卫健委", "卫生健康委员会": "卫健委", "卫生健康委": "卫健委", "卫生部": "卫健委",
    "疾病预防控制中心": "疾控中心", "疾控中心": "疾控中心", "疾控": "疾控中心",
    "中国人民银行": "央行", "人民银行": "央行",
    "国家发展和改革委员会": "发改委", "国家发展改革委": "发改委", "发展改革委": "发改委",
    "人力资源和社会保障局": "人社局", "人力资源和社会保障部": "人社部", "人力资源社会保障部": "人社部",
    "市场监督管理局": "市场监管局", "市场监督管理总局": "市场监管总局",
    "中央电视台": "央视", "中央广播电视总台": "央视",
    "国务院联防联控机制": "联防联控机制",
    "医疗保险": "医保", "社会保险": "社保", "住房公积金": "公积金",
    "高速铁路": "高铁", "高速公路": "高速", "地下铁": "地铁",
    "北京大学": "北大", "清华大学": "清华", "复旦大学": "复旦", "浙江大学": "浙大",
    "新闻发布会": "发布会",
    "密切接触者": "密接", "密切接触人员": "密接", "密切接触": "密接", "次密切接触者": "次密接",
    "北上广深": "北京 上海 广州 深圳", "北上广": "北京 上海 广州", "京津冀": "北京 天津 河北",
    "江浙沪": "江苏 浙江 上海", "港澳台": "香港 澳门 台湾",
}
_PHRASES += list(ABBREVIATIONS.items())
#: One-character abbreviations (简称) of provinces and the largest cities. Inside running text a character
#: such as 京 or 鄂 is part of other words, so it is read as the place only where that is unambiguous: after
#: a verb of travel (离京, 赴沪, 援鄂, 返汉: :data:`TRAVEL_ABBREVIATIONS`) or standing alone between spaces
#: in a keyword query (津 9月7日 全市核酸: :func:`expand_lone_abbreviations`).
PLACE_ABBREVIATIONS: dict[str, str] = {
    "京": "北京", "津": "天津", "沪": "上海", "渝": "重庆", "冀": "河北", "晋": "山西", "辽": "辽宁", "苏": "江苏",
    "浙": "浙江", "皖": "安徽", "闽": "福建", "赣": "江西", "鲁": "山东", "豫": "河南", "鄂": "湖北", "湘": "湖南",
    "粤": "广东", "桂": "广西", "琼": "海南", "川": "四川", "蜀": "四川", "黔": "贵州", "滇": "云南", "陕": "陕西",
    "甘": "甘肃", "陇": "甘肃", "藏": "西藏", "疆": "新疆", "港": "香港", "澳": "澳门", "汉": "武汉",
    # cities known by one character in news and on travel notices
    "蓉": "成都", "穗": "广州", "杭": "杭州", "甬": "宁波", "邕": "南宁", "筑": "贵阳", "榕": "福州",
}
#: Travel verb + place abbreviation → the verb and the place's name (离京 → 离 北京, 援鄂 → 援 湖北).
TRAVEL_ABBREVIATIONS: dict[str, str] = {
    verb + short: f"{verb} {PLACE_ABBREVIATIONS[short]} "
    for verb in "离进赴来返抵援回"
    for short in "京沪津渝鄂汉藏疆蓉穗杭甬"
    if verb + short not in ("进汉", "抵藏", "回汉", "回藏", "进杭")
} | {verb + "港": f"{verb} 香港 " for verb in "赴来返回"}
_PHRASES += list(TRAVEL_ABBREVIATIONS.items())


#: News words a place abbreviation heads in a headline or a searcher's query (沪新增1例, 渝暑假时间, 粤多地封城).
HEADLINE_WORDS = ("新增", "确诊", "本土", "出现", "发现", "发布", "通报", "疫情", "封城", "封控", "解封", "全市", "全省",
                  "多地", "暑假", "寒假", "开学", "中小学", "高考", "中考", "核酸", "隔离", "返乡", "一地", "某地")


def _heads_a_place(piece: str, i: int) -> bool:
    """Whether the abbreviation at ``piece[i]`` heads a place name of two or three characters (沪嘉定, 穗三元里 ...)
    and starts no word of its own (京东, 港澳, 沪深, 渝中区 are dictionary words)."""
    seg = segmenter()
    if any(seg.is_known(piece[i:i + n]) for n in (2, 3, 4) if len(piece) >= i + n):
        return False  # a word or a name of its own (京东, 渝中区)
    names = seg.proper_names()
    return any(piece[i + 1:i + 1 + n] in names for n in (2, 3) if len(piece) >= i + 1 + n)


def expand_lone_abbreviations(text: str) -> str:
    """A place abbreviation standing alone between spaces (a keyword query: 豫 信阳 封城), or heading a text or
    a clause before a news word (沪新增1例, 渝暑假时间定了: :data:`HEADLINE_WORDS`) → the place (no regular
    expression: the text split at its spaces, then the heads of its pieces). Inside a word (江苏新增, 京东,
    豫剧) nothing changes."""
    if not any(ch in PLACE_ABBREVIATIONS for ch in text):
        return text
    out = []
    for piece in text.split(" "):
        if piece in PLACE_ABBREVIATIONS:
            piece = PLACE_ABBREVIATIONS[piece]
        else:
            for i, ch in enumerate(piece):
                if (ch in PLACE_ABBREVIATIONS and (i == 0 or not is_cjk(piece[i - 1]))
                        and (piece.startswith(HEADLINE_WORDS, i + 1) or _heads_a_place(piece, i))):
                    piece = piece[:i] + PLACE_ABBREVIATIONS[ch] + " " + piece[i + 1:]
                    break
        out.append(piece)
    return " ".join(out)


# colloquial forms of the editable synonym table (plugin/rumors/data/synonyms.yaml): 阳了 → 感染, 打针 → 接种疫苗
_PHRASES += [(form, c) for form, c in default_table().forms.items() if form not in dict(_PHRASES)]
_PHRASES.sort(key=lambda kv: -len(kv[0]))
_PHRASE_MAP = dict(_PHRASES)


@lru_cache(maxsize=1)
def _phrase_automaton() -> Any:
    """The phrases of :data:`PHRASE_EQUIVALENTS` (an Aho-Corasick automaton: leftmost-longest scan)."""
    automaton = ahocorasick.Automaton()
    for form, short in _PHRASE_MAP.items():
        automaton.add_word(form, (len(form), short))
    automaton.make_automaton()
    return automaton


def _latin_or_digit(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _replace_phrases(text: str) -> str:
    """``text`` with each phrase written as its equivalent (leftmost, longest first, not overlapping); a phrase
    that begins or ends with a Latin letter or digit counts only as a whole word there (``who`` is 世卫, the
    ``who`` of ``whole`` is nothing)."""
    parts: list[str] = []
    last = 0
    for end, (length, short) in _phrase_automaton().iter_long(text):
        start = end + 1 - length
        if ((_latin_or_digit(text[start]) and start > 0 and _latin_or_digit(text[start - 1]))
                or (_latin_or_digit(text[end]) and end + 1 < len(text) and _latin_or_digit(text[end + 1]))):
            continue
        parts += [text[last:start], short]
        last = end + 1
    if not parts:
        return text
    parts.append(text[last:])
    return "".join(parts)
#: Phrase-level equivalents applied before segmentation (新型冠状病毒 → 新冠病毒, 世界卫生组织 → 世卫 ...).
PHRASE_EQUIVALENTS: dict[str, str] = dict(_PHRASE_MAP)

# Equivalent words → one canonical token. General vocabulary of the domain, not claim text.
_CANON = {
    "奥米克戎": "奥密克戎", "omicron": "奥密克戎",
    "确诊": "感染", "染上": "感染", "感染者": "感染", "中招": "感染", "阳了": "感染", "阳过": "感染", "患上": "感染",
    "感染上": "感染", "得了": "感染", "患": "感染", "病例": "感染", "患者": "感染",
    "核酸检测": "核酸", "测核酸": "核酸", "做核酸": "核酸",
    "接种": "接种", "打疫苗": "接种", "注射": "接种", "打针": "接种",
    "杀死": "杀灭", "灭活": "杀灭", "消灭": "杀灭", "杀掉": "杀灭", "杀菌": "杀灭", "杀": "杀灭",
    "防止": "预防", "防范": "预防", "防": "预防", "防住": "预防", "抵抗": "预防", "抵御": "预防",
    "治愈": "治疗", "治好": "治疗", "根治": "治疗", "医治": "治疗", "治": "治疗",
    "去世": "死亡", "身亡": "死亡", "病逝": "死亡", "死了": "死亡", "逝世": "死亡", "猝死": "死亡", "死": "死亡",
    "封控": "封城", "封锁": "封城", "封闭": "封城", "封路": "封城", "封": "封城",
    "开水": "热水", "温水": "热水", "沸水": "热水", "烫水": "热水", "白开水": "热水",
    "孩子": "儿童", "小孩": "儿童", "宝宝": "儿童", "幼儿": "儿童", "患儿": "儿童",
    "老年人": "老人", "怀孕": "孕妇", "孕期": "孕妇", "得癌": "致癌", "患癌": "致癌",
    "小学生": "学生", "中学生": "学生", "大学生": "学生", "男生": "学生", "女生": "学生",
    "美方": "美国", "我国": "中国", "国内": "中国", "发热": "发烧", "高烧": "发烧",
    "新冠疫苗": "疫苗", "停运": "停止", "暂停": "停止", "停业": "停止", "关门": "停止",
    # general vocabulary: one word for the ways people say the same thing
    "蚊虫": "蚊子", "蚊": "蚊子", "传播": "传染", "传给": "传染", "人传人": "传染",
    "回到": "返回", "回来": "返回", "返": "返回", "返乡": "回乡", "回老家": "回乡",
    "离世": "死亡", "过世": "死亡", "丧命": "死亡", "丧生": "死亡", "殒命": "死亡", "致死": "死亡", "死去": "死亡",
    "病亡": "死亡",
    "治得好": "治疗", "疗效": "治疗", "医好": "治疗", "防治": "预防", "预防措施": "预防", "免疫": "预防",
    "引起": "导致", "造成": "导致", "引发": "导致", "诱发": "导致", "致使": "导致",
    "饮用": "喝", "喝下": "喝", "食用": "吃", "进食": "吃", "吃掉": "吃",
    "检出": "检测", "查出": "检测", "测出": "检测", "检测到": "检测", "验出": "检测", "呈阳性": "阳性",
    "延迟": "推迟", "延期": "推迟", "延后": "推迟", "顺延": "推迟", "停办": "取消", "叫停": "取消",
    "不准": "禁止", "不许": "禁止", "严禁": "禁止", "禁": "禁止", "不得": "禁止",
    "解禁": "解封", "放开": "解封", "解除": "解封",
    "消杀": "消毒", "杀毒": "消毒", "消毒液": "消毒",
    "大夫": "医生", "医师": "医生", "医护": "医生", "医护人员": "医生", "医务人员": "医生",
    "民警": "警察", "公安": "警察", "警方": "警察",
    "男子": "男性", "男人": "男性", "男士": "男性", "女子": "女性", "女人": "女性", "女士": "女性",
    "老公": "丈夫", "老婆": "妻子", "爸爸": "父亲", "妈妈": "母亲",
    "校园": "学校", "返校": "开学", "复学": "开学", "复课": "开学",
    "在家": "居家", "宅家": "居家", "家里": "居家",
    "补助": "补贴", "津贴": "补贴", "派发": "发放",
    "涨价": "上涨", "提价": "上涨", "涨": "上涨", "上调": "上涨",
    "囤货": "抢购", "囤积": "抢购", "囤": "抢购", "哄抢": "抢购",
    "食品": "食物", "饮品": "饮料", "容易": "易", "易于": "易",
    "食盐": "盐", "大蒜": "蒜", "蒜头": "蒜", "食醋": "醋", "白醋": "醋", "陈醋": "醋", "米醋": "醋",
    "吹风机": "电吹风", "吹风筒": "电吹风", "烘手机": "干手器",
    "癌": "癌症", "癌变": "致癌", "爆燃": "爆炸", "起火": "着火", "失火": "着火",
    "教师": "老师", "能治": "治疗", "可治": "治疗", "治病": "治疗",
    # everyday verbs and quantifiers searchers use for the written ones of claims
    "服用": "吃", "服下": "吃", "吃药": "吃", "口服": "吃", "病人": "感染", "病患": "感染",
    "自行": "自己", "擅自": "自己", "外出": "出门", "出行": "出门", "出去": "出门",
    "全员": "所有", "全体": "所有", "全部": "所有", "所有人": "所有", "全都": "所有",
    "驾车": "开车", "驾驶": "开车", "清除": "清掉", "清除掉": "清掉", "除掉": "清掉",
    "增大": "增加", "提高": "增加", "升高": "增加", "加大": "增加",
    "市民": "居民", "老百姓": "居民", "民众": "居民", "群众": "居民",
    "命名": "名字", "定名": "名字", "名称": "名字", "取名": "名字",
    "商超": "超市", "卖场": "超市", "菜场": "菜市场", "农贸市场": "菜市场",
    "缺货": "断货", "脱销": "断货", "售罄": "断货", "抢光": "断货",
    "送往": "送到", "运往": "送到", "发往": "送到",
    "宣布": "公布", "发布": "公布", "通报": "公布",
    # lunar holidays (no fixed Gregorian date: plugin.numerals.dates_to_digits leaves them)
    "过年": "春节", "新春": "春节", "春节期间": "春节", "大年初一": "春节", "农历新年": "春节",
    "年三十": "除夕", "大年三十": "除夕", "端午节": "端午", "中秋节": "中秋", "元宵节": "元宵",
    "清明节": "清明", "重阳节": "重阳",
}

def _is_number(word: str) -> bool:
    """Whether ``word`` is digits with at most one decimal part (12, 3.5)."""
    if word.isdecimal():
        return True
    if "." not in word:
        return False
    head, _, tail = word.partition(".")
    return head.isdecimal() and tail.isdecimal()


#: One-character measure words: after a number (两艘 → #2 艘) they say nothing the number does not.
_MEASURE_CHARS = frozenset(u for group in MEASURE_WORDS.values() for u in group if len(u) == 1)


def _has_word_char(word: str) -> bool:
    """Whether ``word`` holds a letter, a digit, ``_`` or a CJK ideograph."""
    return word.isalnum() or any(c.isalnum() or c == "_" or "\u3400" <= c <= "\u9fff" for c in word)

# 60℃ folds to 60c: a temperature, the number counts (unless a letter or digit follows the c)
_CELSIUS_RE = fixed_regex.compile(f"(\\p{{Nd}})[{fixed_regex.SPACE}]*°?c")
_NOT_AFTER_CELSIUS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
#: A calendar date (month and day) or a month: compared as a whole, not as separate numbers. Digit
#: boundaries on both sides: the tail of an amount (1.5万月薪 → 15000月薪) is not a month.
_DATE_RE = fixed_regex.compile(r"(1[0-2]|0?[1-9])月(?:份)?(?:(3[01]|[12][0-9]|0?[1-9])[日号])?")


def _dates(piece: str) -> list[tuple[int, int, str, str | None]]:
    """``(start, end, month, day | None)`` of every date in ``piece``: not after a digit or a dot; a day
    followed by a digit is no day (the date is the month)."""
    out: list[tuple[int, int, str, str | None]] = []
    pos = 0
    while (m := _DATE_RE.search(piece, pos)) is not None:
        start, end, day = m.start(), m.end(), m.group(2)
        if start > 0 and (piece[start - 1] == "." or piece[start - 1].isdecimal()):
            pos = start + 1
            continue
        if day is not None and piece[end:end + 1].isdecimal():
            day, end = None, m.start(2)
        out.append((start, end, m.group(1), day))
        pos = end
    return out

#: Numeral readers (:mod:`plugin.numerals`), named here for callers of this module.
cn_number = plain_chinese_number
arabic_numbers = quantities_to_digits


def number_key(token: str) -> tuple[str, int, int | None] | tuple[str, float] | tuple[str, str]:
    """('date', month, day | None) for '#1月9日' / '#1月', ('num', value) for '#60' (a number
    token, see :func:`plugin.numerals.quantity_key`)."""
    return quantity_key(token[1:])


#: Weight factors of one-character words and of character pairs from runs of single characters.
SINGLE_FACTOR = 0.75
PAIR_FACTOR = 0.5
PAIR_BONUS = 3.0

@lru_cache(maxsize=100_000)
def is_entity(word: str) -> bool:
    """A name-like word: tagged as a proper name by jieba's dictionary, or unknown to it (3+ characters
    or a domain word; a pair from a run of single characters is not counted)."""
    if word.startswith("#") or len(word) < 2:
        return False
    return word in segmenter().proper_names() or (not segmenter().is_known(word) and not is_pair(word))


@lru_cache(maxsize=100_000)
def is_name(word: str) -> bool:
    """A proper name: tagged so by jieba's dictionary, or an unknown word of 3+ characters (约基奇)."""
    if word.startswith("#") or len(word) < 2:
        return False
    return word in segmenter().proper_names() or (len(word) >= 3 and not segmenter().is_known(word))


def fold_syllable(sy: str) -> str:
    """A toneless syllable with the usual input-method confusions folded: zh / ch / sh → z / c / s;
    ang / eng / ing → an / en / in."""
    if sy[:2] in ("zh", "ch", "sh"):
        sy = sy[0] + sy[2:]
    return sy[:-1] if sy.endswith(("ang", "eng", "ing")) else sy


@lru_cache(maxsize=20_000)
def char_sound(ch: str) -> str:
    """The folded toneless syllable of one Chinese character (as :func:`sound` folds it), '' when it has none."""
    sy = syllables().get(ch, "")
    return fold_syllable(sy) if sy else ""


@lru_cache(maxsize=200_000)
def sound(word: str) -> str:
    """Toneless pinyin of a Chinese word with the usual input-method confusions folded (zh/z,
    ch/c, sh/s, -ng/-n): equal for homophone typos (病读 / 病毒, 口造 / 口罩); '' for other tokens.
    Readings come from the shared tables (:func:`plugin.variants.syllables`, phrase readings by
    :func:`plugin.variants.contextual_syllables`), as the matcher's homophone keys do."""
    if len(word) < 2 or word.startswith("#") or not all(is_cjk(ch) for ch in word):
        return ""
    table = syllables()
    sylls = contextual_syllables(word, table) or [table.get(ch, "") for ch in word]
    return "-".join(fold_syllable(sy) for sy in sylls if sy)


def refutes(text: str) -> bool:
    """Whether ``text`` itself presents a claim as false (辟谣 / 谣言 / 不实 ...)."""
    return refutes_folded(prepare(text).folded)


def refutes_folded(folded: str) -> bool:
    """:func:`refutes` of a folded text (:attr:`plugin.normalize.Prepared.folded`)."""
    return REFUTE_RE.search(folded) is not None


@dataclass(frozen=True, slots=True)
class Analysis:
    """Content words of a text (canonical, first occurrence order), their sub-words, bigrams."""

    words: tuple[str, ...]  # canonical content words
    subs: frozenset[str]  # dictionary sub-words of the longer words (not themselves words of the text)
    surface: tuple[str, ...]  # content words as written (stop-words dropped), for trigger phrases
    bigrams: frozenset[str]
    intent: bool = False  # asks how / which / where / when (an informational search)
    question: bool = False  # asked as a question or hedged (吗 / 是真的吗 / 网传 / 听说 ...)
    negated: bool = False  # holds negation wording (不 / 没 / 并非 ...)

    @property
    def dense(self) -> str:
        """Content words joined: the form trigger phrases are matched in."""
        return "".join(self.surface)

    @property
    def tokens(self) -> tuple[str, ...]:
        """Words then sub-words (what the postings and the FTS table index)."""
        return self.words + tuple(sorted(self.subs))


def clean(text: str) -> str:
    """Fold, strip question / hedge wording, numbers to Arabic, phrase equivalents; breaks become spaces."""
    return clean_folded(prepare(text).folded)


def clean_folded(folded: str) -> str:
    """:func:`clean` of a folded text (:attr:`plugin.normalize.Prepared.folded`)."""
    folded = folded.replace(BREAK, " ")
    folded = expand_lone_abbreviations(QUESTION_RE.sub(" ", folded))
    if "十一" in folded:
        folded = _ELEVENTH_RE.sub(_eleventh, folded)
    if "分之" in folded:
        folded = _FRACTION_RE.sub(_fraction, folded)
    if not _SEARCHER_NUMERALS.isdisjoint(folded):
        folded = _ELIDED_UNIT_RE.sub(_elided_unit, folded)
        folded = _SEARCHER_NUMBER_RE.sub(_searcher_number, folded)
    if "刻钟" in folded or "半小时" in folded or "半个小时" in folded:
        folded = _MINUTES_RE.sub(_minutes, folded)
    if "多万" in folded or "余万" in folded:
        folded = _APPROX_TENS_OF_THOUSANDS_RE.sub(_approx_tens_of_thousands, folded)
    folded = quantities_to_digits(dates_to_digits(folded))
    if "点" in folded:
        folded = _CLOCK_RE.sub(_clock, folded)
    if "成" in folded:
        folded = _TENTHS_RE.sub(_tenths, folded)
    if "c" in folded:
        folded = _CELSIUS_RE.sub(lambda m: _celsius(m, folded), folded)
    if "周" in folded or "星期" in folded or "礼拜" in folded:
        folded = _WEEKS_RE.sub(_weeks_as_days, folded)
    return _replace_phrases(folded)


def _celsius(m: fixed_regex.FixedMatch, text: str) -> str:
    after = text[m.end():m.end() + 1]
    return m.group(0) if after and after in _NOT_AFTER_CELSIUS else m.group(1) + "度"


#: A number of weeks (2周, 两个星期 once read as 2个星期, 3礼拜) — not a weekday (周一), a weekend or an
#: anniversary (2周年): written as days, the way claims count quarantine (14天).
#: (Boundaries are consumed groups, no look-around: the pattern runs on RE2.)
_WEEKS_RE = fixed_regex.compile(r"(^|[^\p{Nd}.])(\p{Nd}{1,2})个?(?:周|星期|礼拜)([^一二三四五六日天末年岁]|$)")


def _weeks_as_days(m: fixed_regex.FixedMatch) -> str:
    return f"{m.group(1)}{int(m.group(2)) * 7}天{m.group(3)}"


#: 十一 as the National Day holiday (十一期间, 十一假期): a month, like 国庆 — not after a numeral or 第
#: (group 1: 二十一期间 is a number); the following word (group 2) is kept.
_ELEVENTH_RE = fixed_regex.compile("([零〇一二两三四五六七八九十百千万第])?十一(期间|假期|长假|黄金周|小长假|出游|出行)")


def _eleventh(m: fixed_regex.FixedMatch) -> str:
    return m.group(0) if m.group(1) is not None else "国庆" + m.group(2)
#: A time of day (下午两点, 晚上8点半, 14点): written on the 24-hour clock as digits (下午两点 → 下午14点), so a
#: claim's 14点 and a searcher's 下午2点 agree (the part of the day stays a word). Read only where it is a time: after a part of the day, or as 点钟 / 点半 /
#: 点整 / 点N分, or in digits — 一点 alone is "a little" (有一点, 一点点) and stays. Group 1 is what comes before
#: (not a numeral, so 十二点 is read whole), 2 the part of the day, 3 the hour, 4 the minutes part.
_CLOCK_RE = fixed_regex.compile(
    "(^|[^零〇一二两三四五六七八九十\\p{Nd}.])(凌晨|早上|早晨|清早|上午|中午|下午|傍晚|晚上|今晚|夜里|夜间|半夜)?"
    "([零〇一二两三四五六七八九十]{1,3}|\\p{Nd}{1,2})点(钟|半|整|[零〇一二三四五六七八九十]{1,3}分|\\p{Nd}{1,2}分)?")
#: parts of the day after noon (晚上 / 夜里 only from six: 晚上一点 is one at night)
_AFTERNOON = frozenset({"下午", "傍晚", "晚上", "今晚", "夜里", "夜间"})


def _clock(m: fixed_regex.FixedMatch) -> str:
    before, part, hour, tail = m.group(1), m.group(2), m.group(3), m.group(4)
    if part is None and tail is None and not hour.isdigit():
        return m.group(0)  # 一点 / 两点 alone: "a little", "two points" as often as a time
    h = int(hour) if hour.isdigit() else plain_chinese_number(hour)
    if h is None or h > 24:
        return m.group(0)
    if (part in _AFTERNOON and 1 <= h < 12 and (h >= 6 or part in ("下午", "傍晚"))) or (part == "中午" and 1 <= h < 3):
        h += 12  # 晚上一点 is one at night
    minutes = ""
    if tail == "半":
        minutes = "30分"
    elif tail and tail.endswith("分"):
        mm = int(tail[:-1]) if tail[:-1].isdigit() else plain_chinese_number(tail[:-1])
        minutes = f"{mm}分" if mm is not None and mm < 60 else ""
    return f"{before}{part or ''}{h}点{minutes}"


#: A fraction (八分之一, 3分之1 → 1/8, 1/3): the way a claim writes it in digits. Not a percentage (百分之,
#: read by plugin.numerals) nor 千分之 / 万分之 (the denominator must hold a digit).
_FRACTION_RE = fixed_regex.compile(
    "([一二两三四五六七八九十][零〇一二两三四五六七八九十百千]*|\\p{Nd}{1,4})分之([零〇一二两三四五六七八九十百]+|\\p{Nd}{1,4})")


def _fraction_parts(m: fixed_regex.FixedMatch) -> tuple[int, int] | None:
    den, num = (int(x) if x.isdigit() else plain_chinese_number(x) for x in (m.group(1), m.group(2)))
    return None if den is None or num is None or den == 0 else (num, den)


def _fraction(m: fixed_regex.FixedMatch) -> str:
    parts = _fraction_parts(m)
    return m.group(0) if parts is None else f"{parts[0]}/{parts[1]}"


def fractions(folded: str) -> list[tuple[int, int]]:
    """The fractions a folded text writes in words (八分之一, 3分之1) as (numerator, denominator)."""
    if "分之" not in folded:
        return []
    return [parts for m in _FRACTION_RE.finditer(folded) if (parts := _fraction_parts(m)) is not None]


#: A round number with its last unit left out, the way people say it (两千五 = 2500, 三万五 = 35000, 一百五 =
#: 150): group 1 what comes before (no numeral), 2 the first digit, 3 the unit, 4 the digit of the next unit
#: down, 5 what follows (no numeral or unit: 一百五十 is read whole by plugin.numerals).
_ELIDED_UNIT_RE = fixed_regex.compile(
    "(^|[^零〇一二两三四五六七八九十百千万亿\\p{Nd}])([一二两三四五六七八九])([万千百])([一二三四五六七八九])"
    "([^零〇一二两三四五六七八九十百千万亿]|$)")
_UNIT_VALUES = {"百": 100, "千": 1000, "万": 10000}
_DIGIT_VALUES = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"两": 2}


def _elided_unit(m: fixed_regex.FixedMatch) -> str:
    unit = _UNIT_VALUES[m.group(3)]
    value = _DIGIT_VALUES[m.group(2)] * unit + _DIGIT_VALUES[m.group(4)] * unit // 10
    return f"{m.group(1)}{value}{m.group(5)}"


#: Quarters of an hour and half an hour in minutes (一刻钟 → 15分钟, 半个小时 → 30分钟).
_MINUTES_RE = fixed_regex.compile("([一三])刻钟|半个?小时")


def _minutes(m: fixed_regex.FixedMatch) -> str:
    return f"{15 if m.group(1) == '一' else 45}分钟" if m.group(1) is not None else "30分钟"


#: Tenths as a rate (错误率八成, 有效率不到九成 → 80%, 90%): read as a percentage only after a word of rate or
#: amount (八成是假的 is "probably"; 九成新 is a condition). Runs after the quantity reader (八成 → 8成).
_TENTHS_RE = fixed_regex.compile("(率|有|达|约|近|超过|超|不到|不足|占|仅)(\\p{Nd})成")


def _tenths(m: fixed_regex.FixedMatch) -> str:
    return f"{m.group(1)}{int(m.group(2)) * 10}%"


#: Tens of thousands, approximately (十多万, 3万多, 10余万 → 100000多): the count a claim writes in digits.
_APPROX_TENS_OF_THOUSANDS_RE = fixed_regex.compile("(^|[^\\p{Nd}.])(\\p{Nd}{1,4}|[一二两三四五六七八九十百千]+)([多余])万")


def _approx_tens_of_thousands(m: fixed_regex.FixedMatch) -> str:
    run = m.group(2)
    v = int(run) if run.isdigit() else plain_chinese_number(run)
    return m.group(0) if v is None else f"{m.group(1)}{v * 10000}{m.group(3)}"


#: Numbers as searchers write them that the quantity reader leaves (plugin.numerals reads numerals before
#: a unit): an approximate count (一千多人, 三十余例), a count of 个 (七十个, not 一个 / 两个 = "a" / "a couple"),
#: points on a licence or a test (扣六分, 考了九十分).
_SEARCHER_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万")
# the number is group 1, 3 or 5; the words around it (groups 2, 4, 6 and 7) are written back
_SEARCHER_NUMBER_RE = fixed_regex.compile(
    "([零〇一二两三四五六七八九十百千万]+)([多余][人例名个位家起次天元块岁])|"
    "([零〇一二两三四五六七八九十百千]*[十百千][零〇一二两三四五六七八九]*)(个)|"
    "([扣加减得考拿打]了?)([零〇一二两三四五六七八九十百]+)(分)"
)


def _searcher_number(m: fixed_regex.FixedMatch) -> str:
    if m.group(1) is not None:
        return _searcher_digits(m.group(1)) + m.group(2)
    if m.group(3) is not None:
        return _searcher_digits(m.group(3)) + m.group(4)
    return m.group(5) + _searcher_digits(m.group(6)) + m.group(7)


def _searcher_digits(run: str) -> str:
    # 一 / 两 before a word: "a", "a couple"; a run must start with a digit or 十 (万多人 is no number)
    v = plain_chinese_number(run) if run not in ("一", "两") and run[0] in "零〇一二两三四五六七八九十" else None
    return run if v is None else str(v)


@lru_cache(maxsize=1)
def _variants() -> dict[str, tuple[str, ...]]:
    """Canonical token → itself and the wordings mapped onto it."""
    out: dict[str, list[str]] = {}
    for word, c in _CANON.items():
        out.setdefault(c, [c]).append(word)
    return {c: tuple(v) for c, v in out.items()}


def equivalents(word: str) -> tuple[str, ...]:
    """The wordings of a canonical token (杀灭 → 杀灭, 杀死, 灭活 ...); ``(word,)`` when it has none."""
    return _variants().get(word, (word,))


def canon(word: str) -> str | None:
    """The canonical content token of a segmented word (``None``: not content)."""
    w = word.strip()
    if not w or not _has_word_char(w):
        return None
    if _is_number(w):
        return "#" + (w.rstrip("0").rstrip(".") if "." in w else w.lstrip("0") or "0")
    w = _CANON.get(w, w)
    if w in _STOP or w in NOISE_WORDS:
        return None
    if len(w) == 1 and not is_cjk(w):
        return None  # stray latin letter
    return w


@lru_cache(maxsize=200_000)
def is_pair(token: str) -> bool:
    """A character pair such as a run of single characters gives (挂烫机 → 挂烫 / 烫机): two characters
    that are not a common word (:meth:`plugin.segment.Segmenter.is_common`: jieba cut 打完 as 打 / 完;
    its dictionary count, 3, says nothing about how informative the pair is)."""
    return (len(token) == 2 and is_cjk(token[0]) and is_cjk(token[1])
            and not segmenter().is_common(token))


@lru_cache(maxsize=200_000)
def subwords(word: str) -> tuple[str, ...]:
    """Canonical sub-words of a word: dictionary sub-words of a 3+ character word (jieba
    search mode), the characters of a character pair (:func:`is_pair`)."""
    if word.startswith("#"):
        return ()
    if len(word) < 3:
        if is_pair(word):
            return tuple(dict.fromkeys(c for c in map(canon, word) if c is not None and c != word))
        return ()
    out = []
    for s in segmenter().cut_for_search(word):
        if s != word:
            c = canon(s)
            if c is not None and c != word and len(c) >= 2:
                out.append(c)
    return tuple(dict.fromkeys(out))


def _run_char(word: str) -> bool:
    """A single content character that may belong to a run (not a stop-word, not a word with its
    own canonical form: 杀 → 杀灭)."""
    return len(word) == 1 and is_cjk(word) and _CANON.get(word, word) == word and canon(word) is not None


def analyze(text: str) -> Analysis:
    """Analyse a claim or a query (see module docstring)."""
    return analyze_folded(prepare(text).folded)


def analyze_folded(folded: str) -> Analysis:
    """:func:`analyze` of a folded text (:attr:`plugin.normalize.Prepared.folded`, or a sentence of it)."""
    cleaned = clean_folded(folded)
    seg = segmenter()
    words: dict[str, None] = {}
    run_chars: set[str] = set()
    surface: list[str] = []

    def add(word: str) -> None:
        c = canon(word)
        if c is not None:
            words.setdefault(c, None)
            surface.append(word)

    def flush(run: list[str]) -> None:
        # a run of single content characters is usually one word jieba does not know (挂烫机,
        # 石正丽): its character pairs are the words, its characters count as sub-words
        if len(run) < 2:
            add(run[0])
            return
        for a, b in zip(run, run[1:]):
            c = _CANON.get(a + b, a + b)
            if c not in _STOP and c not in NOISE_WORDS:
                words.setdefault(c, None)
        run_chars.update(c for c in map(canon, run) if c is not None)
        surface.append("".join(run))

    for piece in cleaned.split():
        pos = 0
        segments: list[tuple[str, bool]] = []  # (text, is a date token)
        for start, end, month, day_digits in (_dates(piece) if "月" in piece else ()):
            segments.append((piece[pos:start], False))
            day = day_digits.lstrip("0") + "日" if day_digits else ""
            segments.append(("#" + (month.lstrip("0") or "0") + "月" + day, True))
            pos = end
        segments.append((piece[pos:], False))
        for part, is_date in segments:
            if is_date:
                words.setdefault(part, None)
                surface.append(part[1:])
                continue
            run: list[str] = []
            after_number = False
            for word in seg.cut(part):
                if after_number and word in _MEASURE_CHARS:
                    after_number = False
                    continue
                after_number = _is_number(word)
                if _run_char(word):
                    run.append(word)
                    continue
                if run:
                    flush(run)
                    run = []
                add(word)
            if run:
                flush(run)
    subs = ({s for w in words for s in subwords(w)} | run_chars) - words.keys()
    dense = "".join(surface)
    bigrams = frozenset(dense[i : i + 2] for i in range(len(dense) - 1))
    intent = has_intent(cleaned)
    question = QUESTION_RE.holds(folded)
    negated = _negated(cleaned)
    return Analysis(tuple(words), frozenset(subs), tuple(surface), bigrams, intent, question, negated)


class Weights:
    """Token and bigram weights: background informativeness × corpus IDF.

    ``background(t)`` = log(total / freq) from jieba's dictionary (unknown words count as
    rare); the corpus factor is 0.4 + 0.6 · idf(t) / idf_max over the claims added.
    """

    def __init__(self) -> None:
        seg = segmenter()
        self._freq = seg.counts
        self._log_total = math.log(seg.total)
        self._df: dict[str, int] = {}
        self._bdf: dict[str, int] = {}
        self.n_docs = 0
        self._cache: dict[str, float] = {}
        self._bcache: dict[str, float] = {}

    def add(self, analysis: Analysis) -> None:
        self.n_docs += 1
        for t in set(analysis.words) | analysis.subs:
            self._df[t] = self._df.get(t, 0) + 1
        for b in analysis.bigrams:
            self._bdf[b] = self._bdf.get(b, 0) + 1
        self._cache.clear()
        self._bcache.clear()

    def df(self, token: str) -> int:
        return self._df.get(token, 0)

    def _corpus_factor(self, df: int) -> float:
        n = self.n_docs
        if n == 0:
            return 1.0
        idf_max = math.log((n + 1) / 1)
        return 0.4 + 0.6 * (math.log((n + 1) / (df + 1)) / idf_max if idf_max > 0 else 1.0)

    def background(self, token: str) -> float:
        if token.startswith("#"):
            return 6.0  # numbers: informative but easily paraphrased away
        if is_pair(token) and token not in _variants():
            # a character pair: as rare as its characters, a bit more (挂烫 from rare characters
            # is informative, 打完 from common ones is not)
            return min(14.0, (self.background(token[0]) + self.background(token[1])) / 2 + PAIR_BONUS)
        # a canonical token stands for all its wordings: it is as common as the most common one
        # (杀灭 is rare in the dictionary, 杀死 is not); one-character wordings (杀, 封) are left
        # out, too ambiguous to stand for it
        f = max((self._freq.get(v, 0) for v in _variants().get(token, (token,)) if len(v) > 1 or v == token),
                default=0)
        if not f:
            return 14.0  # unknown to the dictionary: names, coinages
        return max(self._log_total - math.log(f), 1.0)

    def token(self, token: str) -> float:
        w = self._cache.get(token)
        if w is None:
            w = max(self.background(token) - 4.0, 1.0) * self._corpus_factor(self._df.get(token, 0))
            if len(token) == 1:
                w *= SINGLE_FACTOR  # a one-character word is weaker evidence than a word
            elif is_pair(token):
                w *= PAIR_FACTOR  # overlapping pairs of one run share their information
            self._cache[token] = w
        return w

    def bigram(self, bigram: str) -> float:
        w = self._bcache.get(bigram)
        if w is None:
            w = self._corpus_factor(self._bdf.get(bigram, 0))
            self._bcache[bigram] = w
        return w
