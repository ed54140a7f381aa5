"""Property-based tests: scanning never raises and every hit's surface is text[start:end]."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin import Matcher
from plugin.normalize import normalize

# Bias towards the characters that matter: lexicon characters, noise, invisible, traditional, Latin.
_alphabet = st.sampled_from(
    list("赌博投注开挂兼职日结口交路企鹅加号震惊中外賭網絡已己巳搏贝者弓长张三丰QqＱtouzhjianri .。！!*-_😀\u200b\u00ad\ufeff\ufe0f\n")
)
_texts = st.one_of(st.text(), st.text(alphabet=_alphabet, max_size=60))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_texts)
def test_scan_never_raises_and_offsets_hold(core_matcher: Matcher, text: str) -> None:
    for h in core_matcher.scan(text):
        assert 0 <= h.start < h.end <= len(text)
        assert text[h.start:h.end] == h.surface


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_dense_map_points_into_original(text: str) -> None:
    nt = normalize(text)
    for i in range(len(nt.dense)):
        j = nt.orig_index(i)
        assert 0 <= j < len(text)
    if len(nt.dense) > 1:
        s, e = nt.orig_span(0, len(nt.dense))
        assert 0 <= s < e <= len(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.text(alphabet=_alphabet, max_size=10), suffix=st.text(alphabet=_alphabet, max_size=10))
def test_inserted_term_is_found_with_its_span(core_matcher: Matcher, prefix: str, suffix: str) -> None:
    text = prefix + "。在线博彩。" + suffix
    start = len(prefix) + 3
    spans = [(h.start, h.end) for h in core_matcher.scan(text) if h.term == "博彩"]
    assert (start, start + 2) in spans
