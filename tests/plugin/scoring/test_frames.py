"""Context frames: each class of benign writing vetoes; a soliciting text is never excused."""

from __future__ import annotations

import pytest

from plugin.lexicon import Entry
from plugin.scoring.frames import FRAMES, appeal_of, frame_of, solicits
from plugin.scoring.veto import ContextVeto


@pytest.mark.parametrize(("text", "frame"), [
    ("提醒大家：所有要求先垫付的兼职都是骗局", "advisory"),
    ("谨 防 征信修复骗局，个人征信无法花钱修复", "advisory"),
    ("警方破获一起跨境网络赌博案，涉案资金超过十亿元", "crackdown"),
    ("法院判处一名帮人跑分的男子有期徒刑两年", "crackdown"),
    ("我妈被骗了三万块，对方冒充医保局", "victim"),
    ("评论区那些带你赚钱的广告号，已经举报了", "warning_others"),
    ("菠菜焯水之后凉拌，补铁的好食材", "food"),
    ("出差买了两只扒鸡带回家", "food"),
    ("新手机安兔兔跑分一百八十万", "benchmark"),
    ("月底交发票报销，差旅单据贴好", "accounting"),
    ("今晚双色球开奖结果出炉，奖池累计八亿", "lottery_news"),
    ("网恋对象带你买虚拟币的，十个有十个是杀猪盘", "advisory"),
    ("给大家讲讲诈骗的话术，先套近乎再谈钱", "advisory"),
    ("我被一个所谓的代还公司骗了两万", "victim"),
    ("这个群里全是卖号的广告，群主管一管", "warning_others"),
    ("消费贷利率降了，想办的去银行官方APP申请，别找中介", "official_channel"),
])
def test_each_frame_class_vetoes_its_writing(text: str, frame: str) -> None:
    assert frame_of(text).startswith(frame + ":")


@pytest.mark.parametrize("text", [
    "谨防上当！正规平台请认准，加V信 ab8866 详聊",                 # advice dressed: a contact id
    "警惕假平台，我们官网 ak888.com 安全可靠",                       # a link
    "恭喜您获得二等奖，请联系领奖专员",                              # a customer address and a call to action
    "您的医保卡即将停用，请尽快点击链接报销",                         # a deadline and a call to action
])
def test_a_soliciting_text_is_never_excused(text: str) -> None:
    assert solicits(text)
    assert frame_of(text) == ""


@pytest.mark.parametrize("text", ["加我微信领取福利，日赚500", "菠菜平台靠谱，首充送38"])
def test_spam_outside_any_frame_stands(text: str) -> None:
    assert frame_of(text) == ""


def test_the_veto_names_the_frame_and_can_be_turned_off() -> None:
    entries = [Entry("刷单返利", "fraud")]
    text = "反诈中心提醒：刷单就是诈骗"
    assert ContextVeto(entries).reason(text, "fraud").startswith("frame:advisory:")
    assert ContextVeto(entries, frames=False).reason(text, "fraud") == ""
    assert [f.name for f in FRAMES][:4] == ["advisory", "crackdown", "victim", "warning_others"]



@pytest.mark.parametrize(("text", "marker"), [
    ("#寻失主# 朋友在商场捡到一个钱包，里面有车票，失主请联系:13020100022", "失主"),
    ("两个月的三花妹求领养，性格很好，领养请私信或加QQ3407008填申请表", "领养"),
    ("寻人启事：我家老人走失，穿灰色外套，见到请拨打 13812345678，谢谢好心人", "寻人"),
])
def test_a_public_interest_appeal_is_an_appeal(text: str, marker: str) -> None:
    assert solicits(text)                      # it gives a way to reach the poster …
    assert frame_of(text) == ""                # … so no frame excuses it
    assert appeal_of(text) == f"appeal:{marker}"


@pytest.mark.parametrize("text", [
    "帮忙扩散！宝妈在家兼职刷单日结300，加微信ab8866",          # a money-scheme word
    "好心人帮忙转发，点击 ak888.com 领取",                        # a link
    "寻人启事：有提供准确线索者酬金一万元！联系电话：13674820628",  # a reward beside a way to reach the poster
    "您的快递丢失，请联系理赔客服 13800001111",                   # a customer addressed
    "今天天气很好，加我微信 ab8866 聊聊",                          # no appeal at all
])
def test_an_appeal_that_offers_something_is_not_excused(text: str) -> None:
    assert appeal_of(text) == ""
