"""Feature families of plugin.scoring.features: the joined view reads component spellings and word emoji."""

from __future__ import annotations

from plugin.scoring.features import FeatureSettings, text_grams


def test_the_joined_view_gives_a_split_word_the_words_own_ngrams() -> None:
    on = FeatureSettings(cues=True, joined=True)
    word = set(text_grams("博彩", on).buckets.tolist())
    disguised = text_grams("来玩十尃采彡", on)
    assert word <= set(disguised.buckets.tolist())
    assert not word <= set(text_grams("来玩十尃采彡", FeatureSettings(cues=True)).buckets.tolist())
    # the joined n-grams' evidence spans index the original text's component spelling
    i = disguised.buckets.tolist().index(text_grams("博彩", on).buckets.tolist()[-1])  # the 2-gram 博彩
    assert "来玩十尃采彡"[slice(*disguised.original_span(i))] == "十尃采彡"


def test_a_text_without_spellings_is_unchanged_and_the_card_omits_the_setting_when_off() -> None:
    text = "今天天气不错，出门散步"
    assert (text_grams(text, FeatureSettings(joined=True)).buckets.tolist()
            == text_grams(text, FeatureSettings()).buckets.tolist())
    assert "joined" not in FeatureSettings().to_dict()
    assert FeatureSettings.from_dict(FeatureSettings(joined=True).to_dict()).joined
