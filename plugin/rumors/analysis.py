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
from typing import Iterable

from plugin.normalize import BREAK, fold_text

__all__ = ["Analysis", "Weights", "analyze", "tokenizer", "refutes", "QUESTION_RE"]

#: Question / hedge / source wording a searcher adds around a claim; removed before matching.
QUESTION_RE = re.compile(
    "是真的吗|是不是真的|是假的吗|真的假的|真的还是假的|真的吗|真假|是真是假|可信吗|靠谱吗|可靠吗|属实吗|是谣言吗|"
    "是否属实|有没有|是不是|会不会|能不能|可不可以|有无|到底|究竟|是否|"
    "网传|网曝|网友称|有人说|听说|据说|传言|传闻|疯传|热传|刷屏|朋友圈|微信群|群里|"
    "吗|吧|呢|嘛|么|啊|呀|哇|啦|咯|哦|[?？]"
)

#: Wording that marks a text as refuting (not repeating) a claim: such texts are not labelled 谣言.
REFUTE_RE = re.compile("辟谣|谣言|不实|造谣|传谣|假消息|假新闻|是假的|不属实|系误读|澄清|谣传|误区|伪科学")

# Function words, pronouns, light verbs and fillers: never content tokens.
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
    """.split()
)

# Equivalent wordings → one canonical token. General vocabulary of the domain, not claim text.
_CANON = {
    "新冠": "新冠", "新冠肺炎": "新冠", "新冠病毒": "新冠", "新型冠状病毒": "新冠", "冠状病毒": "新冠",
    "新型肺炎": "新冠", "武汉肺炎": "新冠", "新冠状病毒": "新冠", "新型冠状病毒肺炎": "新冠", "covid": "新冠",
    "奥密克戎": "奥密克戎", "奥米克戎": "奥密克戎", "omicron": "奥密克戎",
    "确诊": "感染", "染上": "感染", "感染者": "感染", "中招": "感染", "阳了": "感染", "患上": "感染", "感染上": "感染",
    "病例": "感染", "患者": "感染", "阳性": "阳性",
    "核酸": "核酸", "核酸检测": "核酸", "测核酸": "核酸", "做核酸": "核酸",
    "接种": "接种", "打疫苗": "接种", "注射": "接种", "打针": "接种",
    "杀死": "杀灭", "杀灭": "杀灭", "灭活": "杀灭", "消灭": "杀灭", "杀掉": "杀灭", "杀菌": "杀灭",
    "防止": "预防", "防范": "预防", "预防": "预防", "防": "预防",
    "治愈": "治疗", "治好": "治疗", "治疗": "治疗", "根治": "治疗", "医治": "治疗",
    "死亡": "死亡", "去世": "死亡", "身亡": "死亡", "病逝": "死亡", "死了": "死亡", "逝世": "死亡", "猝死": "死亡",
    "封城": "封城", "封控": "封城", "封锁": "封城", "封闭": "封城", "封路": "封城",
    "开水": "热水", "热水": "热水", "温水": "热水", "沸水": "热水", "烫水": "热水", "白开水": "热水",
    "孩子": "儿童", "小孩": "儿童", "儿童": "儿童", "宝宝": "儿童", "幼儿": "儿童", "婴儿": "婴儿",
    "老人": "老人", "老年人": "老人", "怀孕": "孕妇", "孕妇": "孕妇", "孕期": "孕妇",
    "致癌": "致癌", "得癌": "致癌", "患癌": "致癌", "癌症": "癌症",
    "手机": "手机", "电话": "电话", "微信": "微信",
    "小学生": "学生", "中学生": "学生", "大学生": "学生", "学生": "学生",
    "美国": "美国", "美方": "美国", "中国": "中国", "我国": "中国", "国内": "中国",
}

# Domain words jieba's dictionary lacks (segmentation only; weights still come from data).
_EXTRA_WORDS = (
    "新冠", "新冠肺炎", "新冠病毒", "新冠疫苗", "核酸检测", "奥密克戎", "方舱", "方舱医院", "无症状", "阳了",
    "网传", "网曝", "密接", "次密接", "健康码", "行程码", "德尔塔", "毒株", "疫区", "封城", "封控",
)

_NUM_RE = re.compile(r"\d+(?:\.\d+)?")
_CJK_OR_WORD = re.compile(r"[\w\u3400-\u9fff]")
_LATIN_RUN = re.compile(r"[a-z]+")

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


def refutes(text: str) -> bool:
    """Whether ``text`` itself presents a claim as false (辟谣 / 谣言 / 不实 ...)."""
    return REFUTE_RE.search(fold_text(text)) is not None


@dataclass(frozen=True, slots=True)
class Analysis:
    """Content tokens (canonical, in order, with repeats) and character bigrams of a text."""

    tokens: tuple[str, ...]
    bigrams: frozenset[str]
    words: tuple[str, ...]  # content words in order (precise cut, stop-words dropped, not canonicalised)

    @property
    def dense(self) -> str:
        """Content words joined: the form trigger phrases are matched in."""
        return "".join(self.words)

    @property
    def token_set(self) -> frozenset[str]:
        return frozenset(self.tokens)


def clean(text: str) -> str:
    """Fold and strip question / hedge wording; sentence breaks become spaces."""
    folded = fold_text(text).replace(BREAK, " ")
    return QUESTION_RE.sub(" ", folded)


def _canon(word: str) -> str | None:
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


def analyze(text: str) -> Analysis:
    """Analyse a claim or a query (see module docstring)."""
    cleaned = clean(text)
    tok = tokenizer()
    tokens: list[str] = []
    for piece in cleaned.split():
        for word in tok.cut_for_search(piece, HMM=True):
            c = _canon(word)
            if c is not None:
                tokens.append(c)
    words = tuple(_content_words(cleaned, tok))
    dense = "".join(words)
    bigrams = frozenset(dense[i : i + 2] for i in range(len(dense) - 1))
    return Analysis(tuple(tokens), bigrams, words)


def _content_words(cleaned: str, tok) -> Iterable[str]:
    """The text's words minus stop-words and punctuation, in order."""
    for piece in cleaned.split():
        for word in tok.cut(piece, HMM=False):
            if word in _STOP or not _CJK_OR_WORD.search(word):
                continue
            yield word


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
        for t in analysis.token_set:
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
            self._cache[token] = w
        return w

    def bigram(self, bigram: str) -> float:
        w = self._bcache.get(bigram)
        if w is None:
            w = self._corpus_factor(self._bdf.get(bigram, 0))
            self._bcache[bigram] = w
        return w
