"""ContextVeto.lexicon_hits: which lexicon hits a frame about spam drops, and what it reports."""

from __future__ import annotations

from plugin.models import Hit
from plugin.scoring.veto import ContextVeto


def _hit(term: str, category: str, action: str, text: str) -> Hit:
    start = text.index(term)
    return Hit(term, category, action, start, start + len(term), term, "exact", f"{category}:{term}")


def test_review_level_spam_hits_in_advice_are_dropped_and_reported() -> None:
    text = "不要相信网恋对象带你投资的平台，百分之百是杀猪盘"
    hits = [_hit("杀猪盘", "fraud", "review", text), _hit("投资", "clickbait", "label", text)]
    kept, dropped = ContextVeto(()).lexicon_hits(text, hits, "query")
    assert [h.category for h in kept] == ["clickbait"]
    assert dropped == (("lexicon:fraud:杀猪盘", "frame:advisory:不要相信"),)


def test_block_hits_soliciting_texts_sense_frames_and_frames_off_keep_every_hit() -> None:
    veto = ContextVeto(())
    cases = [
        ("警方提醒杀猪盘套路", _hit("杀猪盘", "fraud", "block", "警方提醒杀猪盘套路")),          # a block entry
        ("谨防杀猪盘，正规导师加V ab8866", _hit("杀猪盘", "fraud", "review", "谨防杀猪盘，正规导师加V ab8866")),
        ("代开发票，报销用，量大优惠", _hit("代开发票", "blackmarket_ad", "review", "代开发票，报销用，量大优惠")),
    ]
    for text, hit in cases:
        assert veto.lexicon_hits(text, [hit], "query") == ((hit,), ()), text
    text = "千万别信杀猪盘"
    hit = _hit("杀猪盘", "fraud", "review", text)
    assert ContextVeto((), frames=False).lexicon_hits(text, [hit], "query") == ((hit,), ())


def test_a_context_word_does_not_excuse_a_soliciting_text() -> None:
    from plugin.lexicon import ContextRule, Entry

    header = ContextRule(excludes_any=("公安",))
    veto = ContextVeto([Entry("洗钱", "fraud", context=header), Entry("安全账户", "fraud", context=header)],
                       frames=False)
    assert veto.reason("公安机关破获一起洗钱案", "fraud") == "context:公安"
    # impersonation: crackdown words with a phone number and a deadline to call
    assert veto.reason("【公安局】你涉嫌洗钱，请立即拨打 021-55501234 联系民警，否则将冻结账户", "fraud") == ""


def test_contact_hits_in_a_public_interest_appeal_are_dropped_but_not_the_model_flag() -> None:
    text = "朋友捡到一个钱包，失主请联系:13020100022，大家帮忙扩散"
    contact = _hit("联系:13020100022", "spam_pattern", "review", text)
    veto = ContextVeto(())
    kept, dropped = veto.lexicon_hits(text, [contact], "content")
    assert kept == ()
    assert dropped == (("lexicon:spam_pattern:联系:13020100022", "frame:appeal:捡到"),)
    assert veto.reason(text, "fraud") == ""             # the model reads the whole text: an appeal is no veto
    blocked = _hit("联系:13020100022", "spam_pattern", "block", text)
    assert veto.lexicon_hits(text, [blocked], "content") == ((blocked,), ())
    offer = "失主请联系:13020100022，另有兼职刷单日结300"
    hit = _hit("联系:13020100022", "spam_pattern", "review", offer)
    assert veto.lexicon_hits(offer, [hit], "content") == ((hit,), ())
