"""Structural spam cues: what a spam text has to do whatever its words, as feature tokens.

A spammer changes code words weekly, but the text still has to tell the reader how to reach them and
what is in it for the reader. Each cue below is one RE2 pattern (:mod:`plugin.lexicon_regex`: linear
time, bounded memory) over one of two views of the text, and each becomes one feature token whose
weight the linear model learns like any n-gram's (:mod:`plugin.scoring.features`, family ``cues``):

- ``contact``: a contact-handle word or its disguise (微信, V信, 薇, vx, 扣扣, QQ, 🐧, tg, 飞机, LINE …);
- ``contact_id``: such a word followed by an id (letters or digits), or a long digit run (a phone,
  QQ or WeChat number);
- ``link``: a host with a top-level domain (``x.cc``, ``ak❶❷❸.com``: the dense view has folded the
  styled digits) or one written out (``点cc``, ``dot com``);
- ``money``: an amount with its unit (``300元``, ``两万``, ``5k``, ``日结``-style pay frames are n-grams);
- ``rate``: a percentage, share or multiple (``50%``, ``百分之二十``, ``三成``, ``翻十倍``, ``1赔9``);
- ``cta``: a call to action (私聊, 私信, 加我, 联系, 进群, 咨询, 戳我, 扫码, 看主页 / 简介 …);
- ``address``: the reader addressed as a customer (您的, 恭喜您, 尊敬的, 亲爱的用户): SMS and phishing;
- ``urgent``: a deadline or scarcity (即将停用, 已失效, 24小时内, 否则将, 名额有限);
- ``spaced``: characters split by separators (``体 育 外 围``; one symbol inside a word: ``菠-菜``), read on
  the original text;
- ``mixed``: one to three Latin letters inside Chinese words (``bo彩平t``, ``V信``);
- ``emoji``: a pictograph (🍗, 🥬, 🎰) in the original text;
- and the conjunctions ``cta+contact``, ``money+cta``, ``money+contact``, ``link+cta``, ``address+cta``,
  ``urgent+cta``, ``address+link``.

Each cue counts once per text (presence, not frequency), so a long post does not pile them up. The
dense view here is the features' own (digits folded to ``0``, URLs' paths blanked, repeated characters
collapsed: 扣扣 reads 扣, so patterns are written collapsed); cues found on the
original text are mapped to the dense view for their evidence span.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from ..boundary import WordBoundary
from ..lexicon_regex import CompiledPattern, PatternSet, RegexText, compile_pattern
from ..normalize import NormalizedText, emoji_codes
from ..chardata import emoji_words

__all__ = ["CUE_NAMES", "MAX_CUE_CHARS", "TOPIC_CUE_NAMES", "cue_spans",
           "has_topic_word", "topic_cue_spans"]

#: Only the first this many characters are searched for cues (the scorer scores 20,000 at most).
MAX_CUE_CHARS = 4000

_HANDLE = (r"v信|薇信|威信|微信|维信|徽信|卫星|vx|wx|vchat|wechat|weixin|薇|威|扣|企鹅|qq|q群|飞机|电报|tg|"
           r"telegram|纸飞机|line|whatsapp|skype")
#: (name, view, pattern): ``dense`` patterns run on the features' dense view, ``text`` on the original.
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("contact", "dense", f"(?:{_HANDLE}|{{emoji_handles}})"),
    ("contact_id", "dense", f"(?:{_HANDLE}|{{emoji_handles}}|加|联系|号码?)[a-z0]{{0,2}}?[a-z_0]*0[a-z_0]{{3,}}|"
                            r"0{7,}|(?:^|[^a-z0])[a-z]{1,6}0{4,}[a-z0]*"),
    ("link", "dense", r"[a-z0]{2,}(?:com|cn|cc|net|top|vip|xyz|club|cyou|app|site|shop|me|io|org|tk|la|co)(?:[^a-z]|$)|"
                      r"(?:点|dian|dot)(?:com|cc|cn|net|top|vip|xyz|club|me|co)"),
    ("money", "dense", r"0+(?:元|块|圆|万|w|k|千|米)|[一二两三四五六七八九十百千万]+(?:块钱|元|万块|块)|"
                       r"(?:日|月|周)(?:入|赚|结|收)0+"),
    ("rate", "text", r"\d\s*[%％‰]|百分之[一二三四五六七八九十百零\d]+|[一二三四五六七八九]成(?:以上|左右|收益|利润|返)|"
                     r"(?:翻|赚|涨)[一二三四五六七八九十百\d]+倍|\d\s*(?:赔|比)\s*\d|赔率"),
    ("cta", "dense", r"私聊|私信|私我|私撩|加我|加一下|联系|进群|入群|拉你|咨询|戳我|戳主页|找我|扫码|点击|看主页|"
                     r"看简介|主页|简介|详聊|了解一下|扣0|有意者|需要的|想玩的|想做的|速来|上车|带你"),
    ("address", "dense", r"您的|恭喜您|尊敬的|亲爱的(?:用户|会员|客户|顾客)|您好|亲爱的"),
    ("urgent", "dense", r"即将(?:停用|冻结|清零|过期|注销|失效|关闭)|已(?:失效|冻结|停用)|(?:0+|二十四)小时内|否则将|逾期将|"
                        r"尽快(?:登录|处理|核实|认证)|名额有限|先到先得"),
    ("spaced", "text", r"(?:\p{Han}[ \t\-_*·•.|/\\~,，、。＊﹡]+){3,}\p{Han}|\p{Han}[\-_*·•|/\\~＊﹡]+\p{Han}"),
    ("mixed", "dense", r"\p{Han}[a-z]{1,3}\p{Han}|\p{Han}[a-z](?:$|[^a-z])|(?:^|[^a-z])[a-z]\p{Han}"),
    ("emoji", "text", r"[\x{1F300}-\x{1FAFF}\x{2600}-\x{27BF}\x{1F000}-\x{1F2FF}]"),
)
_CONJUNCTIONS: tuple[tuple[str, str], ...] = (("cta", "contact"), ("money", "cta"), ("money", "contact"),
                                              ("link", "cta"), ("address", "cta"), ("urgent", "cta"),
                                              ("address", "link"))
#: Topic cues (feature family ``topic_cues``): classes of words a spam text of a kind needs whatever its author's
#: phrasing, one token per class present, so a word of the class the training rows hardly used still carries the
#: class's learned weight (dense view, digits folded to ``0``, repeats collapsed). Written from the kinds of
#: offer, not from any evaluation row; editors' code words stay in the lexicons. A class holds only words whose
#: everyday sense is rare: words with one (投资, 理财, 佣金, 流水, 征信, 身份证, 发票; 上分, 首充 and 打码 in games and
#: photos, 下注 and 盘口 in business, 彩金 jewellery, 代发 payroll, 接单 and 有货 in shops, 菠菜 and 捕鱼, 炸金花 and
#: 棋牌 as home games, 社工 and 梯子, 领奖 and 内幕 in news) are left to their own n-gram weights, which learn their
#: senses apart (a class weight would lend them spam's).
_TOPIC_PATTERNS: tuple[tuple[str, str], ...] = (
    # what is promised: gain without risk, fast payout, something free, credit without checks
    ("promise", r"稳赚|包赚|稳赢|包赢|必赚|必中|包中|包过|零风险|无风险|不赔|躺赚|轻松赚|日赚|高回报|高额回报|暴利|"
                r"秒到账|当天到账|马上到账|立即到账|免费领|白送|返现|返利|无门槛|零门槛|无需押金|不看征信|无视征信|"
                r"秒批|秒下款|包下款|动动手指"),
    # selling or buying goods and services
    ("offer", r"代办|代做|代开|代注册|代实名|低价出|量大从优|价格美丽|走量|长期收|长期出|需要的私|诚信经营|一手货源"),
    # betting: games, odds, stakes, platform money words
    ("betting", r"博彩|投注|押注|赔率|百家乐|老虎机|轮盘|时时彩|快三|六合彩|滚球|下分|返水|娱乐城|计划群|网赌|押大小|"
                r"电子游艺|真人视讯|体育投注"),
    # money schemes: tasks, loans, refunds, investing tips
    ("scheme", r"刷单|做单|垫付|点赞任务|关注任务|任务单|下款|放款|网贷|解冻金|安全账户|带单|荐股|牛股|虚拟币|币圈|"
               r"刷流水|提额|校园贷"),
    # illicit goods and data: accounts, cards, identities, certificates, cheats
    ("goods", r"手机卡|电话卡|物联卡|接码|四件套|公民信息|开房记录|查档|公户|跑分|洗钱|翻墙|vpn|外挂|黑号|白号|老号|"
              r"成品号|刷粉|刷量|上热门|代考|替考|假证|迷药|听话水|窃听|针孔"),
)
#: Every topic cue token name, in the order :func:`topic_cue_spans` may emit them.
TOPIC_CUE_NAMES: tuple[str, ...] = tuple(f"topic:{n}" for n, _ in _TOPIC_PATTERNS)
#: A conjunction's evidence span covers both cues when they are this close (view characters), else its start.
_MAX_CONJUNCTION_SPAN = 16
#: Every cue token name, in the order :func:`cue_spans` may emit them.
CUE_NAMES: tuple[str, ...] = tuple(n for n, _, _ in _PATTERNS) + tuple(f"{a}+{b}" for a, b in _CONJUNCTIONS)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[tuple[str, str, CompiledPattern], ...], tuple[tuple[str, PatternSet, tuple[int, ...]], ...]]:
    """The patterns compiled once (the emoji standing for QQ / Telegram as the dense view spells them), and per
    view a set of its patterns that finds which of them occur in one pass, with each set member's index."""
    codes = emoji_codes()
    handles = "".join(codes[e] for e, w in emoji_words().items() if w in ("企鹅", "飞机") and e in codes)
    emoji_handles = f"[{handles}]" if handles else "(?:qq)"
    sources = tuple(pattern.replace("{emoji_handles}", emoji_handles) for _, _, pattern in _PATTERNS)
    compiled = tuple((name, where, compile_pattern(source)) for (name, where, _), source in zip(_PATTERNS, sources))
    sets = []
    for view in ("dense", "text"):
        members = tuple(k for k, (_, where, _) in enumerate(_PATTERNS) if where == view)
        sets.append((view, PatternSet([sources[k] for k in members]), members))
    return compiled, tuple(sets)


@lru_cache(maxsize=1)
def _topic_compiled() -> tuple[PatternSet, tuple[CompiledPattern, ...]]:
    """The topic patterns as one set (which occur) and each compiled (where the first one is)."""
    return (PatternSet([p for _, p in _TOPIC_PATTERNS]),
            tuple(compile_pattern(p) for _, p in _TOPIC_PATTERNS))


def _word_spans(chars: str, compiled: tuple[PatternSet, tuple[CompiledPattern, ...]],
                names: tuple[str, ...]) -> Iterator[tuple[str, int, int]]:
    """``(name, start, end)`` of each class of ``compiled`` present in the dense view ``chars``, once per class: the
    first occurrence that is a word of the text, not the edge of another (免费领 in 免费领养, 做单 in 做单亲爸爸, 不赔
    in 不赔偿: a dictionary word of the segmenter crosses the cue's edge, :meth:`plugin.boundary.WordBoundary.check`);
    only the first :data:`MAX_CUE_CHARS` characters are searched."""
    if not chars:
        return
    view = chars[:MAX_CUE_CHARS]
    dense = RegexText(view)
    members, patterns = compiled
    boundary = WordBoundary.shared()
    for k in dense.occurring(members):
        span = next((sp for sp in dense.spans(patterns[k]) if boundary.check(view, sp[0], sp[1])), None)
        if span is not None:
            yield names[k], span[0], span[1]


def topic_cue_spans(chars: str) -> Iterator[tuple[str, int, int]]:
    """``(topic:<class>, start, end)`` of each topic cue class present in the dense view ``chars``
    (:func:`_word_spans`)."""
    return _word_spans(chars, _topic_compiled(), TOPIC_CUE_NAMES)


def has_topic_word(chars: str) -> bool:
    """Whether the dense view ``chars`` holds a word of any topic class anywhere, a word of the text or not (the
    cautious reading: :func:`topic_cue_spans` counts only occurrences no dictionary word crosses)."""
    return bool(chars) and any(True for _ in RegexText(chars[:MAX_CUE_CHARS]).occurring(_topic_compiled()[0]))


def _view_index(view: NormalizedText, orig: int, n: int) -> int:
    """The first dense index whose original offset is at least ``orig`` (``n - 1`` past the end)."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if view.orig_index(mid) < orig:
            lo = mid + 1
        else:
            hi = mid
    return min(lo, n - 1)


def cue_spans(original: str, view: NormalizedText, chars: str) -> Iterator[tuple[str, int, int]]:
    """``(cue, start, end)`` of each cue present in the text, once per cue, as a span of the dense view
    ``chars`` (the features' view of ``original``; ``view`` maps it back). Only the first
    :data:`MAX_CUE_CHARS` characters of either are searched."""
    n = len(chars)
    if n == 0:
        return
    dense = RegexText(chars[:MAX_CUE_CHARS])
    text = RegexText(original[:MAX_CUE_CHARS]) if original else None
    found: dict[str, tuple[int, int]] = {}
    patterns, sets = _compiled()
    present: set[int] = set()
    for where, members, index in sets:  # one pass per view: which cues occur (most texts have few)
        on = dense if where == "dense" else text
        if on is not None:
            present.update(index[i] for i in on.occurring(members))
    for k, (name, where, rx) in enumerate(patterns):
        if k not in present:
            continue
        if where == "dense":
            first = next(dense.spans(rx), None)
        else:
            span = next(text.spans(rx), None) if text is not None else None
            first = None
            if span is not None:
                a = _view_index(view, span[0], n)
                b = max(a + 1, _view_index(view, span[1], n))
                first = (a, min(b, n))
        if first is not None:
            found[name] = first
            yield name, first[0], first[1]
    for left, right in _CONJUNCTIONS:
        if left in found and right in found:
            (s1, e1), (s2, e2) = found[left], found[right]
            start, end = min(s1, s2), max(e1, e2)
            yield f"{left}+{right}", start, end if end - start <= _MAX_CONJUNCTION_SPAN else start + 1
