"""The one normalisation entry point (plugin.normalize.prepare): a text is folded once and its
views are shared by the matcher and the rumour analysis."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plugin.normalize as pn
from plugin.matching import native
from plugin import Matcher
from plugin.normalize import Prepared, fold_text, normalize, prepare
from plugin.rumors import Refutation, Rumor, RumorIndex, RumorStatus
from plugin.rumors.analysis import analyze, analyze_folded, clean, clean_folded


@pytest.fixture
def translations(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[tuple[str, str]]]:
    """Counts the folding and dense-view table passes over texts (by table and text)."""
    seen: Counter[tuple[str, str]] = Counter()
    real = pn._translate
    tables = pn._tables()

    def counting(text: str, bmp: list[str | None], astral: dict[int, str | None]) -> str:
        seen["fold" if bmp is tables.fold_bmp else "dense" if bmp is tables.dense_bmp else "other", text] += 1
        return real(text, bmp, astral)

    real_fold = pn.dense_fold

    def counting_fold(text: str, bmp: list[str | None], astral: dict[int, str | None],
                      codes: object) -> tuple[str, int] | None:
        folded = real_fold(text, bmp, astral, codes)  # type: ignore[arg-type]
        if folded is not None:  # (None: the text goes on to _translate)
            seen["fold" if bmp is tables.fold_bmp else "dense" if bmp is tables.dense_bmp else "other", text] += 1
        return folded

    monkeypatch.setattr(pn, "_translate", counting)
    monkeypatch.setattr(pn, "dense_fold", counting_fold)
    yield seen


def test_prepare_is_shared_per_text() -> None:
    text = "網絡賭博，加微信"
    p = prepare(text)
    assert prepare(text) is p
    assert p.folded == fold_text(text)
    assert p.normalized.dense == normalize(text).dense
    with pytest.raises(AttributeError):
        p.text = "x"
    with pytest.raises(AttributeError):
        p.folded = "x"  # type: ignore[misc]


def test_long_texts_are_prepared_but_not_kept() -> None:
    text = "吃大蒜可以杀灭新冠病毒。" * 300
    assert prepare(text) is not prepare(text)
    assert prepare(text).folded == fold_text(text)


def test_folded_span_maps_back_to_the_original() -> None:
    text = "赌\u200b博 網站"  # a zero-width space is deleted by folding
    p = Prepared(text)
    assert p.folded == "赌博 网站"
    assert p.folded_span(0, 2) == (0, 3)
    assert p.folded_span(3, 5) == (4, 6)
    assert Prepared("plain").folded_span(1, 3) == (1, 3)


def test_analysis_of_a_prepared_text_is_the_analysis_of_the_text() -> None:
    for text in ("喝 60℃ 的水可以杀死病毒？", "網傳：六十五歲以上老人不能打疫苗", ""):
        assert analyze_folded(prepare(text).folded) == analyze(text)
        assert clean_folded(prepare(text).folded) == clean(text)


def test_a_query_is_folded_once_for_the_matcher_and_the_rumours(
        bundled_matcher: Matcher, translations: Counter[tuple[str, str]]) -> None:
    index = RumorIndex([Rumor(id="r1", claim="喝热水能杀死新冠病毒", status=RumorStatus.FALSE,
                              refutations=(Refutation(title="喝热水不能杀死病毒"),))])
    translations.clear()
    query = "喝熱水能殺死新冠病毒嗎？網絡賭博"  # a query no other test prepares (two sentences)
    assert bundled_matcher.check(query).action != "allow"  # the regex pass and the automaton both run
    assert index.match(query).pins[0].rumor_id == "r1"
    # (the matcher reads a hit's few characters again to name its technique: not the query)
    assert translations["fold", query] == 1
    assert translations["dense", query] == 1


def test_number_styles_fold_from_unicode_data() -> None:
    assert fold_text("⓷❸➌⑶⒊³₃") == "3333333"
    assert fold_text("٣३") == "٣३"  # decimal digits of other scripts are not a style


def test_noise_runs_keep_real_sentence_ends() -> None:
    assert normalize("赌★！★博").dense == "赌博"
    assert normalize("赌！★博").dense == "赌\x00博"  # filler on one side only
    assert normalize("“好。”“走").dense == "好\x00走"  # quotes are not filler


def test_a_repeat_across_a_separator_does_not_collapse() -> None:
    assert normalize("长江 江水").dense == "长江江水"  # two words
    assert normalize("长江江水").dense == "长江水"  # side by side: collapsed
    assert normalize("哈哈，哈哈").dense == "哈哈"


def test_collapsed_tells_whether_a_repeat_became_one() -> None:
    assert normalize("赌赌博博").collapsed and normalize("赌赌博博").dense == "赌博"
    assert not normalize("赌博，网站").collapsed and normalize("赌博，网站").deleted
    assert not normalize("长江 江水").collapsed  # a repeat across a space is two words


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab中\x01😀")), min_size=1, max_size=700))
def test_run_maps_are_the_loops(marked: str) -> None:
    """The run map (one C read of the text when built) is the one the per-run loop builds, as is its twin's;
    and the equal neighbours (C) are those of the comprehension."""
    expected_d: list[int] = []
    expected_o: list[int] = []
    d = pos = 0
    for run in marked.split("\x01"):
        if run:
            expected_d.append(d)
            expected_o.append(pos)
            d += len(run)
        pos += len(run) + 1
    got = pn._runs(marked, "\x01")
    assert (got.dstart, got.ostart) == (expected_d, expected_o)
    assert native.kept_runs_py(marked, "\x01") == (expected_d, expected_o)
    assert native.equal_neighbours(marked) == native.equal_neighbours_py(marked) \
        == [i for i in range(1, len(marked)) if marked[i] == marked[i - 1]]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("赌博 ，。a1b😀\u200b\x01开挂！？ＡＢ𠀀\ufe0f\U000e0041")), min_size=1, max_size=30))
def test_offsets_of_a_view_that_only_deleted_are_its_run_map(text: str) -> None:
    """The offset table read off the text in one pass (a view that only deleted characters) is the run
    map's: the original offset of every dense character."""
    nt = normalize(text)
    if nt._lazy_deleted and nt._collapsed is None:
        table = list(nt._offset_table())
        other = normalize(text)
        other._build_deleted()
        deleted = other._deleted
        assert deleted is not None
        assert table == [deleted(i) for i in range(len(other.dense))]
        assert all(nt.original[o] != " " for o in table)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("看看片赌博 ，。！★a1\u200b\n江")), min_size=1, max_size=30))
def test_times_written_read_off_side_by_side_characters(text: str) -> None:
    """How often a dense character was written (reduplicated words): the short cut for a character whose
    next one is another, side by side in the original, gives what the original's span gives."""
    from plugin.matching.reduplication import _written

    nt = normalize(text)
    for i in range(len(nt.dense)):
        s, e = nt.orig_span(i, i + 1)
        spelled = len(pn.dense_key(text[s:e], collapse=False)) if e - s > 1 else 1
        assert _written(nt, i) == spelled, (text, i)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("看看片赌博 ，。！★a1\u200b\n江")), min_size=1, max_size=30))
def test_original_spans_take_in_trailing_repeats(text: str) -> None:
    """A dense span's original takes in the trailing repeats of its last character (written side by
    side or across deleted noise) when something collapsed, whether or not the short cut for a
    side-by-side next character applies."""
    nt = normalize(text)

    def folded(ch: str) -> str | None:
        return pn.dense_key(ch, collapse=False) or None  # (None: deleted)

    for a in range(len(nt.dense)):
        for b in range(a + 1, len(nt.dense) + 1):
            e = nt.orig_index(b - 1) + 1
            while nt.collapsed and e < len(text):
                j = e
                while j < len(text) and folded(text[j]) is None:
                    j += 1
                if j == len(text) or folded(text[j]) != nt.dense[b - 1]:
                    break
                e = j + 1
            assert nt.orig_span(a, b) == (nt.orig_index(a), e), (text, a, b)
