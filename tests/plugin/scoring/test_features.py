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


def _word_grams(text: str) -> list[str]:
    """The view text of each word unigram and bigram of ``text`` (the occurrences ``words`` adds)."""
    on, off = FeatureSettings(words=True), FeatureSettings()
    grams = text_grams(text, on)
    first = len(text_grams(text, off).buckets)
    return [grams.ngram(i) for i in range(first, len(grams.buckets))]


def test_word_features_are_the_segmenters_words_and_their_pairs_within_a_sentence() -> None:
    # 明天 | 下雨 and 今天 (the dense view collapses 天天); single characters are the character n-grams' part,
    # and no pair crosses a sentence end
    assert _word_grams("今天天气很好。明天下雨！") == ["今天", "今天气", "明天", "下雨", "明天下雨"]
    assert _word_grams("好") == []
    assert "words" not in FeatureSettings().to_dict() and FeatureSettings.from_dict(
        FeatureSettings(words=True).to_dict()).words


def test_word_feature_spans_index_the_original_text_and_hash_apart_from_character_ngrams() -> None:
    text = "稳赚 不赔，今天下雨"
    grams = text_grams(text, FeatureSettings(words=True))
    first = len(text_grams(text, FeatureSettings()).buckets)
    pieces = {grams.ngram(i): text[slice(*grams.original_span(i))] for i in range(first, len(grams.buckets))}
    assert pieces["稳赚"] == "稳赚" and pieces["今天下雨"] == "今天下雨"
    # the word 今天 and the character 2-gram 今天 are different features
    chars = set(text_grams("今天", FeatureSettings()).buckets.tolist())
    assert not chars & set(grams.buckets[first:].tolist())
