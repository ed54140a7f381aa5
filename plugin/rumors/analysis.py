"""Text analysis shared by rumour indexing and querying.

``analyze(text)`` folds the text (:func:`plugin.normalize.fold_text`: width, case,
traditional→simplified, invisible characters), drops question and hedge wording
(吗 / 是真的吗 / 真的假的 / 网传 / 听说 ...), segments it with jieba in search mode (whole
words plus their dictionary sub-words), removes stop-words, maps a small set of
equivalent wordings onto one canonical token (新型冠状病毒 / 新冠肺炎 → 新冠, 确诊 / 染上 →
感染, ...), turns numbers into ``#<value>`` tokens and collects character bigrams of the
remaining content.

Token weights come from :class:`Weights`: background informativeness from jieba's
dictionary frequencies times an IDF over the claim corpus, so words that are common in
the language (可以, 今天) or in the claim corpus (新冠 in a COVID-heavy set) count less.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from plugin.normalize import BREAK, fold_text

__all__ = ["INTENT_RE", "INTENT_WORDS", "QUESTION_RE", "Analysis", "Weights", "analyze", "canon", "clean", "is_entity", "refutes", "subwords", "tokenizer"]

#: Question / hedge / source wording a searcher adds around a claim; removed before matching.
QUESTION_RE = re.compile(
    "是真的吗|是不是真的|是假的吗|真的假的|真的还是假的|真的吗|真假|是真是假|可信吗|靠谱吗|可靠吗|属实吗|是谣言吗|"
    "是否属实|有没有|是不是|会不会|能不能|可不可以|到底|究竟|是否|"
    "网传|网曝|网友称|有人说|听说|据说|传言|传闻|疯传|热传|刷屏|朋友圈|微信群|群里|"
    "[吗吧呢嘛啊呀哇啦咯哦]+(?=[\\s?？!！。，,、~～…]|$)|[?？]"
)

#: Wording that marks a text as refuting (not repeating) a claim: such texts are not labelled 谣言.
REFUTE_RE = re.compile("辟谣|谣言|不实|造谣|传谣|假消息|假新闻|是假的|不属实|系误读|澄清|谣传|误区|伪科学")

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
    """.split()
)

#: Search-intent words: a query asking for one of these (门票, 攻略, 价格 ...) that the claim does
#: not mention is asking something else about the same subject.
INTENT_WORDS = frozenset(
    """
    时间 门票 票价 价格 多少钱 费用 收费 攻略 推荐 排名 排行 排行榜 查询 简介 介绍 做法 方法 教程 步骤 牌子 品牌
    地址 电话 官网 下载 入口 天气 预报 分数线 报名 挂号 预约 招聘 房价 营业 开放 用法 功效 作用 好处 区别 意思
    美食 旅游 景点 大全 新歌 电影 集锦 历史 安装 流程 办理 标准 多久 注意事项 技巧 怎么办 使用方法 图片 壁纸
    """.split()
)

#: Question words asking for information (how / which / where / when / how much) rather than
#: whether a claim is true (为什么 is not one: it presupposes the claim); they mark an informational
#: search like INTENT_WORDS do.
INTENT_RE = re.compile("(?<!为)什么|怎么|怎样|如何|哪个|哪些|哪里|哪家|哪儿|多少钱|几点|什么时候|攻略|教程")

# Phrase-level equivalents applied before segmentation (longest first).
_PHRASES = [
    ("新型冠状病毒肺炎", "新冠"), ("新冠病毒肺炎", "新冠"), ("新型冠状病毒", "新冠病毒"), ("新冠状病毒", "新冠病毒"),
    ("冠状病毒", "新冠病毒"), ("新冠肺炎", "新冠"), ("新型肺炎", "新冠"), ("武汉肺炎", "新冠"),
    ("sars-cov-2", "新冠病毒"), ("covid-19", "新冠"), ("covid19", "新冠"), ("covid", "新冠"),
    ("维c", "维生素c"), ("vc", "维生素c"), ("非典", "sars"),
]
_PHRASE_RE = re.compile("|".join(re.escape(a) for a, _ in _PHRASES))
_PHRASE_MAP = dict(_PHRASES)

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
}

# Domain words jieba's dictionary lacks (segmentation only; weights still come from data).
_EXTRA_WORDS = (
    "新冠", "核酸检测", "奥密克戎", "方舱", "方舱医院", "无症状", "阳了", "阳过",
    "网传", "网曝", "密接", "次密接", "健康码", "行程码", "德尔塔", "毒株", "疫区", "封城", "封控",
)

_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_CJK_OR_WORD = re.compile(r"[\w\u3400-\u9fff]")

_TOK_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def tokenizer():  # -> jieba.Tokenizer
    """A private jieba tokenizer (other modules' ``add_word`` calls do not affect it)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with _TOK_LOCK:
        tok.initialize()
        for w in _EXTRA_WORDS:
            tok.add_word(w, freq=2000)
    return tok


_ENTITY_TAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nt"})


@lru_cache(maxsize=1)
def _entity_words() -> frozenset[str]:
    """Words jieba's dictionary tags as place / person / organisation / other proper names."""
    import os

    import jieba

    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    out = set()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 3 and parts[2] in _ENTITY_TAGS:
                out.add(parts[0])
    return frozenset(out)


def is_entity(word: str) -> bool:
    """A name-like word: tagged as a proper name by jieba's dictionary, or unknown to it (2+ chars)."""
    if word.startswith("#") or len(word) < 2:
        return False
    return word in _entity_words() or not tokenizer().FREQ.get(word)


def refutes(text: str) -> bool:
    """Whether ``text`` itself presents a claim as false (辟谣 / 谣言 / 不实 ...)."""
    return REFUTE_RE.search(fold_text(text)) is not None


@dataclass(frozen=True, slots=True)
class Analysis:
    """Content words of a text (canonical, first occurrence order), their sub-words, bigrams."""

    words: tuple[str, ...]  # canonical content words
    subs: frozenset[str]  # dictionary sub-words of the longer words (not themselves words of the text)
    surface: tuple[str, ...]  # content words as written (stop-words dropped), for trigger phrases
    bigrams: frozenset[str]
    intent: bool = False  # asks how / which / where / when (an informational search)

    @property
    def dense(self) -> str:
        """Content words joined: the form trigger phrases are matched in."""
        return "".join(self.surface)

    @property
    def tokens(self) -> tuple[str, ...]:
        """Words then sub-words (what the postings and the FTS table index)."""
        return self.words + tuple(sorted(self.subs))


def clean(text: str) -> str:
    """Fold, strip question / hedge wording, apply phrase equivalents; breaks become spaces."""
    folded = fold_text(text).replace(BREAK, " ")
    folded = QUESTION_RE.sub(" ", folded)
    return _PHRASE_RE.sub(lambda m: _PHRASE_MAP[m.group(0)], folded)


def canon(word: str) -> str | None:
    """The canonical content token of a segmented word (``None``: not content)."""
    w = word.strip()
    if not w or not _CJK_OR_WORD.search(w):
        return None
    if _NUM_RE.fullmatch(w):
        return "#" + (w.rstrip("0").rstrip(".") if "." in w else w.lstrip("0") or "0")
    w = _CANON.get(w, w)
    if w in _STOP:
        return None
    if len(w) == 1 and not ("\u3400" <= w <= "\u9fff"):
        return None  # stray latin letter
    return w


@lru_cache(maxsize=200_000)
def subwords(word: str) -> tuple[str, ...]:
    """Canonical dictionary sub-words of a word of 3+ characters (jieba search mode)."""
    if len(word) < 3 or word.startswith("#"):
        return ()
    out = []
    for s in tokenizer().cut_for_search(word, HMM=False):
        if s != word:
            c = canon(s)
            if c is not None and c != word and len(c) >= 2:
                out.append(c)
    return tuple(dict.fromkeys(out))


def analyze(text: str) -> Analysis:
    """Analyse a claim or a query (see module docstring)."""
    cleaned = clean(text)
    tok = tokenizer()
    words: dict[str, None] = {}
    surface: list[str] = []
    for piece in cleaned.split():
        for word in tok.cut(piece, HMM=False):
            c = canon(word)
            if c is None:
                continue
            words.setdefault(c, None)
            surface.append(word)
    subs = {s for w in words for s in subwords(w)} - words.keys()
    dense = "".join(surface)
    bigrams = frozenset(dense[i : i + 2] for i in range(len(dense) - 1))
    intent = INTENT_RE.search(cleaned) is not None
    return Analysis(tuple(words), frozenset(subs), tuple(surface), bigrams, intent)


class Weights:
    """Token and bigram weights: background informativeness × corpus IDF.

    ``background(t)`` = log(total / freq) from jieba's dictionary (unknown words count as
    rare); the corpus factor is 0.4 + 0.6 · idf(t) / idf_max over the claims added.
    """

    def __init__(self) -> None:
        tok = tokenizer()
        self._freq = tok.FREQ
        self._log_total = math.log(tok.total)
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
        f = self._freq.get(token, 0)
        if not f:
            return 14.0  # unknown to the dictionary: names, coinages
        return max(self._log_total - math.log(f), 1.0)

    def token(self, token: str) -> float:
        w = self._cache.get(token)
        if w is None:
            w = max(self.background(token) - 4.0, 1.0) * self._corpus_factor(self._df.get(token, 0))
            if len(token) == 1:
                w *= 0.5  # single characters (often pieces of an unknown name) are weak evidence
            self._cache[token] = w
        return w

    def bigram(self, bigram: str) -> float:
        w = self._bcache.get(bigram)
        if w is None:
            w = self._corpus_factor(self._bdf.get(bigram, 0))
            self._bcache[bigram] = w
        return w
