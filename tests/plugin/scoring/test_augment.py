"""Evasion transforms for training: deterministic, one class at a time visible, benign rows spared the
spam-only classes."""

from __future__ import annotations

from plugin.normalize import dense_key
from plugin.scoring.augment import EVASION_CLASSES, SHORT_VIEW_CHARS, augment, homophone_members, short_view

TEXT = "加我微信领取福利，注册就送彩金，平台稳定出款，名额有限"
VOCAB = "加我微信薇威领取福利注册就送彩金采菜平台凭抬稳定出款名额有限"


def test_the_same_text_always_gives_the_same_copy() -> None:
    assert augment(TEXT, vocabulary=VOCAB) == augment(TEXT, vocabulary=VOCAB)


def test_copies_differ_from_the_original_across_texts() -> None:
    texts = [f"{TEXT}{i}号" for i in range(40)]
    changed = [t for t in texts if augment(t, vocabulary=VOCAB) != t]
    assert len(changed) >= 35


def test_benign_copies_use_only_character_level_classes() -> None:
    texts = [f"今天去菜市场买了菠菜和白菜，加了微信群{i}" for i in range(60)]
    for t in texts:
        copy = augment(t, vocabulary="菜采彩菠波播", benign=True)
        assert not any(d in copy for d in ("V信", "薇", "威信", "➕", "vx"))  # handle disguises are spam-only
        assert not any(sep in copy for sep in (" ", "-", "·", "*", "|", "/"))  # so is the separator


def test_spam_copies_use_every_class() -> None:
    copies = [augment(f"{TEXT}{i}", vocabulary=VOCAB) for i in range(80)]
    assert any("微信" not in c for c in copies)                       # handle disguised
    assert any(any(ch.isascii() and ch.isalpha() for ch in c.replace("V", "").replace("vx", "")) for c in copies)
    assert any(any(sep in c for sep in (" ", "-", "·", "*", "|", "/")) for c in copies)
    assert any(dense_key(c) != dense_key(f"{TEXT}{i}") for i, c in enumerate(copies))
    assert EVASION_CLASSES == ("handle", "homophone", "pinyin", "drop", "split")


def test_homophone_classes_keep_only_characters_that_share_a_reading() -> None:
    members = homophone_members("彩采菜平凭")
    assert any({"彩", "采", "菜"} <= set(m) for m in members.values())
    assert all(len(m) > 1 for m in members.values())


def test_a_short_view_is_a_deterministic_window_around_a_cue() -> None:
    texts = [f"{TEXT}，第{i}期" for i in range(30)]
    views = [short_view(t, "cues") for t in texts]
    assert len(set(views)) > 3 and views == [short_view(t, "cues") for t in texts]
    for text, view in zip(texts, views):
        assert view is not None and SHORT_VIEW_CHARS[0] <= len(view) <= SHORT_VIEW_CHARS[1]
        assert view in dense_key(text)  # a window of the dense view
    assert any("微信" in (v or "") for v in views)
    topic = [short_view(f"今天稳赚不赔，百家乐返水高，第{i}期，名额有限，详情私聊我") for i in range(20)]
    assert all(v is not None and ("稳赚" in v or "百家乐" in v) for v in topic)  # topic words are the anchors
    assert short_view(TEXT) is None  # cues but no topic word: no view around a topic word


def test_no_short_view_of_a_short_text_or_a_text_without_a_cue() -> None:
    assert short_view("加我微信领取福利", "cues") is None  # already short
    assert short_view("今天天气真好，我们去公园散步吧，晚上回来吃火锅，开心的一天", "cues") is None  # no cue
