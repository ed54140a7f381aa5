"""Context frames: classes of benign writing that use spam words, as a veto on a scorer flag.

A learned score reads "刷单", "博彩" or "菠菜" and cannot tell promotion from a warning about it. The
frames name the classes of text that talk *about* spam, or use a spam code word in its everyday sense:

- ``advisory``: anti-fraud advice and warnings (警惕, 谨防, 提醒, 不要相信, 千万别, 反诈, …都是骗局);
- ``crackdown``: crackdown and court news (警方, 破获, 抓获, 判处, 打掉, 涉案, 落网, 有期徒刑);
- ``victim``: victims telling what happened (被骗, 上当, 受骗, 报警后, 追回);
- ``warning_others``: users warning each other about spam (举报, 广告号, 是骗子, 拉黑, 别理);
- sense frames, a code word's everyday sense read off its surroundings: ``food`` (焯水, 凉拌, 菜市场,
  特产: 菠菜 the vegetable, 德州扒鸡), ``benchmark`` (安兔兔, 骁龙, 显卡, 帧率: 跑分 of a phone),
  ``accounting`` (报销, 财务, 差旅: 发票 at work), ``official_channel`` (官方APP, 柜台办理, 别找中介: a service
  reached through its official route), ``lottery_news`` (开奖结果, 奖池, 一等奖, 双色球).

A frame vetoes a flag only when the text does **not** solicit: no contact id, no link, no call to
action together with a contact handle, a customer address (您的) or a deadline (即将停用)
(:data:`SOLICITING_CUES`, :mod:`plugin.scoring.cues`). Spam dressed as advice
("谨防上当，正规平台加V…") still carries its way to be reached, so the frame does not excuse it.

Each frame is one RE2 pattern over the dense view (width, case, traditional characters folded,
separators removed, repeated characters collapsed: 安兔兔 reads 安兔), so 警 惕 and 警惕 read alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..lexicon_regex import CompiledPattern, RegexText, compile_pattern
from ..normalize import prepare
from .cues import MAX_CUE_CHARS, cue_spans, has_topic_word

__all__ = ["ABOUT_SPAM_FRAMES", "APPEAL", "FRAMES", "OFFERING_CUES", "SOLICITING_CUES", "Frame", "appeal_of",
           "frame_of", "solicits"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One class of benign context: its name and the RE2 pattern of its markers (dense view)."""

    name: str
    pattern: str


#: The frame classes, checked in this order (the first that matches names the veto).
FRAMES: tuple[Frame, ...] = (
    Frame("advisory", r"警惕|谨防|提防|当心|防范|提醒|温馨提示|不要相信|不要轻信|切勿|千万别|千万不要|别信|别点|别碰|"
                      r"别上当|防骗|反诈|识破|揭秘|骗局|都是骗|是骗子|是诈骗|就是诈骗|新套路|风险提示|引以为戒|以免上当|"
                      r"是(?:杀猪盘|套路|陷阱|圈套)|(?:诈骗|骗人)的?(?:手段|手法|话术)"),
    Frame("crackdown", r"警方|公安|民警|网警|派出所|破获|抓获|判处|判决|宣判|获刑|有期徒刑|打掉|捣毁|涉案|涉嫌|落网|"
                       r"刑拘|刑事拘留|移送|查处|查获|法院|检察|罚金|专项行动|犯罪嫌疑人|依法"),
    Frame("victim", r"被骗|上当了|上当受骗|受骗|报警|报案|追回|骗走|被坑|血本无归|被\p{Han}{1,12}骗了|骗了我|被套路"),
    Frame("warning_others", r"举报|广告号|是骗子|都是骗子|拉黑|别理|踢了|管管|管一管|(?:的|类|全是|太多)广告|广告(?:太多|刷屏)"),
    Frame("food", r"焯水|凉拌|清炒|做法|食材|菜市场|买菜|菜谱|烹饪|补铁|下饭|特产|美食|带回家|蒜末|炖|煲汤"),
    Frame("benchmark", r"安兔|geekbench|鲁大师|骁龙|天玑|芯片|显卡|处理器|帧率|帧数|跑分榜|跑分排行|性能测试"),
    Frame("accounting", r"报销|财务|差旅|单据|贴票|记账|会计|税务局|开具"),
    Frame("official_channel", r"官方(?:app|渠道|客户端)|柜台办理|线下网点|(?:别|不要|不用|没)找中介"),
    Frame("lottery_news", r"开奖结果|开奖号码|奖池|一等奖|二等奖|大乐透|双色球|彩票中心|中国体彩|中国福彩"),
)
#: The frames of writing *about* spam (advice, crackdown news, victims, users warning each other): the ones that
#: may also veto a review-level lexicon hit (the sense frames may not: a lexicon term is already precise, and
#: "代开发票，报销用" is spam in an accounting word's company).
ABOUT_SPAM_FRAMES: tuple[str, ...] = ("advisory", "crackdown", "victim", "warning_others")
#: A public-interest appeal: a missing person or pet, a lost or found item, an animal to adopt, a plea to pass a
#: message on. Such a post gives a phone number or a QQ id *because* it asks the public for help, so the rule that a
#: frame never excuses a soliciting text cannot apply to it; instead an appeal excuses a review-level contact or spam
#: lexicon hit only when it offers nothing (:data:`OFFERING_CUES`, no topic cue): :func:`appeal_of`. It never vetoes a
#: model flag (the model reads the whole text; spam dressed as an appeal is left to it).
APPEAL = Frame("appeal", r"寻人|寻亲|寻狗|寻猫|寻物|寻主|启事|失物|失主|走失|失踪|失联|丢失|遗失|捡到|拾到|认领|领养|"
                         r"送养|救助|求助|帮忙转发|帮忙扩散|求扩散|求转发|求转|扩散|转起来|转发一下|好心人")
#: Cues that mean a text offers something (a way to a site, a customer addressed, a deadline, a rate of return, an
#: amount beside a way to reach the sender): an appeal with one of them is not excused (nor, cautiously, one that
#: offers a reward: "酬金十万，联系电话 …").
OFFERING_CUES: frozenset[str] = frozenset({"link", "address", "urgent", "rate", "link+cta", "address+cta",
                                           "urgent+cta", "address+link", "money+cta", "money+contact"})
#: Cues that mean a text solicits (a way to reach the sender); a frame never vetoes such a text.
SOLICITING_CUES: frozenset[str] = frozenset({"contact_id", "link", "cta+contact", "money+contact", "link+cta",
                                             "address+cta", "urgent+cta", "address+link"})


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[str, CompiledPattern], ...]:
    return tuple((f.name, compile_pattern(f.pattern)) for f in FRAMES)


def solicits(text: str) -> bool:
    """Whether ``text`` carries a soliciting cue (:data:`SOLICITING_CUES`)."""
    return _solicits(text[:MAX_CUE_CHARS])


def frame_of(text: str, classes: tuple[str, ...] | None = None) -> str:
    """``<frame>:<marker>`` of the first frame ``text`` is written in and that may veto (the text does not
    solicit), or ``""``. ``classes``: only these frames (default: all of :data:`FRAMES`)."""
    return _frame_of(text[:MAX_CUE_CHARS], classes)


def appeal_of(text: str) -> str:
    """``appeal:<marker>`` when ``text`` is a public-interest appeal (:data:`APPEAL`) that offers nothing (no cue of
    :data:`OFFERING_CUES`, no word of a topic class anywhere: no promise, offer, betting, money-scheme or
    illicit-goods word), else ``""``."""
    return _appeal_of(text[:MAX_CUE_CHARS])


@lru_cache(maxsize=1024)
def _appeal_of(head: str) -> str:
    view = prepare(head).normalized
    span = next(RegexText(view.dense).spans(_appeal_compiled()), None)
    if span is None:
        return ""
    chars = view.dense.translate(_DIGITS)
    if any(name in OFFERING_CUES for name, _, _ in cue_spans(view.original, view, chars)):
        return ""
    if has_topic_word(chars):
        return ""
    return f"appeal:{view.dense[span[0]:span[1]]}"


@lru_cache(maxsize=1)
def _appeal_compiled() -> CompiledPattern:
    return compile_pattern(APPEAL.pattern)


# One check asks both about one text up to three times (the lexicon hits' veto, then a flag's reason): the
# answers are kept per searched head of the text (bounded by MAX_CUE_CHARS).
@lru_cache(maxsize=1024)
def _solicits(head: str) -> bool:
    view = prepare(head).normalized
    chars = view.dense.translate(_DIGITS)
    return any(name in SOLICITING_CUES for name, _, _ in cue_spans(view.original, view, chars))


@lru_cache(maxsize=1024)
def _frame_of(head: str, classes: tuple[str, ...] | None) -> str:
    dense = RegexText(prepare(head).normalized.dense)
    for name, rx in _compiled():
        if classes is not None and name not in classes:
            continue
        span = next(dense.spans(rx), None)
        if span is not None:
            return "" if _solicits(head) else f"{name}:{dense.text[span[0]:span[1]]}"
    return ""


_DIGITS = str.maketrans("123456789", "000000000")
