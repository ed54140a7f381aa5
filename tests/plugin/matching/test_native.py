"""The C loops of plugin.matching.native against their pure-Python twins: same inputs, same results."""

from __future__ import annotations

import json
import os
from array import array
from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plugin import Matcher
from plugin.lexicon import load_lexicon
from plugin.matching import compile as compile_module
from plugin.matching import native
from plugin.matching.compile import as_bmp
from plugin.matching.polyphony import PID_BITS
from plugin.normalize import prepare
from plugin.variants import load_variant_tables
from tests.paths import DATA

needs_native = pytest.mark.skipif(not native.NATIVE and not os.environ.get("CI"),
                                  reason="C extension not built (pip install -e . builds it)")


def _texts() -> list[str]:
    out: list[str] = []
    for name in ("evasion_cases.jsonl", "benign_near_misses.jsonl"):
        with open(DATA / name, encoding="utf-8") as fh:
            out.extend(json.loads(line)["text"] for line in fh if line.strip())
    return out + ["", "赌", "3公里 6合彩 1单1结 幸运28", "𠀀赌博😀貝者博", "加我vx看baijiale 新用户bjl送38元"]


def test_extension_is_built_in_ci() -> None:
    """CI installs the package with pip, which builds the extension: a missing build is a failure there."""
    if not os.environ.get("CI"):
        pytest.skip("only CI requires the build")
    assert native.NATIVE, "plugin.matching.cloops is not built"


_INDEXES: dict[int, tuple[object, bytes]] = {}


def _index_of(automaton: object) -> bytes:
    """:func:`native.trie_index` of ``automaton``, built once per automaton in the test session."""
    got = _INDEXES.get(id(automaton))
    if got is None or got[0] is not automaton:
        got = _INDEXES[id(automaton)] = (automaton, native.trie_index(automaton))
    return got[1]


def _compare_outputs(m: Matcher, text: str) -> None:
    c = m.compiled
    dense = as_bmp(prepare(text).normalized.dense)
    py = native.dense_outputs_py(c.automaton, dense, c.class_table, c.shift, c.pat_dense, c.pat_kind,
                                 c.pat_homophone, c.groups)
    fast = native.dense_outputs(c.automaton, dense, c.class_table, c.class_codes, c.shift, c.pat_dense,
                                c.pat_kind, c.pat_homophone, c.groups)
    assert fast == py, text
    if native.NATIVE:  # the C loop through pyahocorasick's iter, over its trie directly, and through the index
        for direct in (False, True):
            assert native.cloops.dense_outputs(c.automaton, dense, c.class_codes, c.shift, c.pat_dense.text,
                                               c.pat_dense.ends, c.pat_kind, c.pat_homophone, c.groups,
                                               direct) == py, (text, direct)
        index = _index_of(c.automaton)
        assert native.dense_outputs(c.automaton, dense, c.class_table, c.class_codes, c.shift, c.pat_dense,
                                    c.pat_kind, c.pat_homophone, c.groups, index) == py, text
    for codes, index in ((c.class_codes, _index_of(c.automaton)), (b"", b"")):  # the bound walk, C and its twin
        walk = native.dense_walker(c.automaton, c.class_table, codes, c.shift, c.pat_dense, c.pat_kind,
                                   c.pat_homophone, c.groups, index)
        assert walk(dense) == py, text
    encoded = native.encode_classes(dense, c.class_table, c.class_codes, c.shift)
    assert encoded == native.encode_classes_py(dense, c.class_table, c.shift)
    if native.direct_walk():
        assert native.trie_outputs(c.automaton, encoded) == native.trie_outputs_py(c.automaton, encoded), text
        mixed = encoded + text + encoded  # (through the index, with wide letters between)
        assert native.trie_outputs(c.automaton, mixed, _index_of(c.automaton)) \
            == native.trie_outputs_py(c.automaton, mixed), text


@needs_native
def test_dense_outputs_same_as_python(bundled_matcher: Matcher, core_matcher: Matcher) -> None:
    texts = _texts()
    found = 0
    for m in (bundled_matcher, core_matcher):
        for text in texts:
            _compare_outputs(m, text)
        found += sum(len(native.dense_outputs_py(m.compiled.automaton, as_bmp(prepare(t).normalized.dense),
                                                 m.compiled.class_table, m.compiled.shift, m.compiled.pat_dense,
                                                 m.compiled.pat_kind, m.compiled.pat_homophone, m.compiled.groups))
                     for t in texts[:50])
    assert found > 50  # the sets do reach the automaton


_alphabet = st.sampled_from(list("赌博投注开挂兼职日结口交六合彩三公里一单结幸运贰捌已己贝者弓长张QqVvx0123456789 .。！*😀𠀀\u200b"))


@needs_native
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=40), st.text(alphabet=_alphabet, max_size=40)))
def test_dense_outputs_same_on_generated_text(bundled_matcher: Matcher, core_matcher: Matcher, text: str) -> None:
    _compare_outputs(bundled_matcher, text)
    _compare_outputs(core_matcher, text)


def _shape_found(m: Matcher, text: str) -> list[tuple[int, int, int, int]]:
    """The shape outputs of ``text`` in C and in Python, compared; the Python ones."""
    c = m.compiled
    dense = as_bmp(prepare(text).normalized.dense)
    args = (c.pat_dense, c.pat_kind, c.pat_homophone, c.groups, c.shape_sources, c.split_reach)
    pairs = c.shape_pairs
    py = native.shape_outputs_py(c.automaton, dense, c.class_table, c.shift, *args)
    assert native.shape_outputs(c.automaton, dense, c.class_table, c.class_codes, c.shift, *args, pairs) == py, text
    bound = native.shape_walker(c.automaton, c.class_table, c.class_codes, c.shift, *args, pairs, m._trie_index)
    assert isinstance(bound, native.cloops.BoundWalk)  # (the C walk, its arguments bound and parsed once)
    assert bound(dense) == py, text
    return py


@needs_native
def test_shape_outputs_same_as_python(bundled_matcher: Matcher, core_matcher: Matcher) -> None:
    """Shape-alikes of another class (no keys: found by walking the term keys with the alike's class in
    place) in C and in Python; the evasion set's (己 for 已, 很 for 银, 识 for 职) are found."""
    found = [f for m in (bundled_matcher, core_matcher) for text in _texts() for f in _shape_found(m, text)]
    assert len(found) > 5
    c = bundled_matcher.compiled
    s, e, pid, p = _shape_found(bundled_matcher, "网传消息己经证实了")[0]
    assert (c.pat_dense[pid], s, e, p) == ("已经证实了", 4, 9, 4)


@needs_native
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(st.text(max_size=40), st.text(alphabet=_alphabet, max_size=40),
                      st.text(alphabet=st.sampled_from(list("己已经证实了很银行卡收购识兼职日结桂透视挂。 ")), max_size=30)))
def test_shape_outputs_same_on_generated_text(bundled_matcher: Matcher, core_matcher: Matcher, text: str) -> None:
    _shape_found(bundled_matcher, text)
    _shape_found(core_matcher, text)


@needs_native
def test_shape_outputs_refuse_bad_tables(bundled_matcher: Matcher) -> None:
    c = bundled_matcher.compiled
    args = (c.automaton, "己经", c.class_codes, c.shift, c.pat_dense.text, c.pat_dense.ends, c.pat_kind,
            c.pat_homophone, c.groups)
    pairs = c.shape_pairs
    with pytest.raises(ValueError):  # sources of another size
        native.cloops.shape_outputs(*args, bytes(10), ("已",), 8, pairs)
    table = array("H", bytes(2 * 0x10000))
    table[ord("己")] = 2  # (beyond the targets)
    with pytest.raises(ValueError):
        native.cloops.shape_outputs(*args, table.tobytes(), ("已",), 8, pairs)
    with pytest.raises(ValueError):  # a filter of no power of two bytes
        native.cloops.shape_outputs(*args, table.tobytes(), ("已",), 8, pairs[:-1])
    assert native.cloops.shape_outputs(None, "己经", *args[2:], table.tobytes(), ("已",), 8, pairs) is None  # not a trie
    with pytest.raises(ValueError):  # a flag byte per pattern
        native.cloops.shape_filter(c.pat_dense.text, c.pat_dense.ends, c.pat_kind, b"", "已")


@needs_native
def test_shape_pairs_hold_the_pairs_around_targets(bundled_matcher: Matcher) -> None:
    """A filter of a power of two bytes with some bits set; one for no pattern holds no bit."""
    c = bundled_matcher.compiled
    pairs = c.shape_pairs
    assert len(pairs) & (len(pairs) - 1) == 0 and any(pairs)
    none = native.shape_pairs(c.pat_dense, c.pat_kind, bytes(len(c.pat_kind)), c.shape_sources)
    assert not any(none)


@needs_native
def test_direct_walk_reads_the_pinned_pyahocorasick() -> None:
    """The installed pyahocorasick has the node layout the C walk reads (else dense_outputs uses iter)."""
    assert native.direct_walk()


@needs_native
def test_trie_index_only_for_its_automaton(bundled_matcher: Matcher, core_matcher: Matcher) -> None:
    c = bundled_matcher.compiled
    assert c.shift == 1
    index = native.trie_index(c.automaton)
    assert len(index) > 256 * 256 * 8  # the root's children and theirs, by byte
    other = core_matcher.compiled
    with pytest.raises(ValueError):  # an index of another automaton is refused, not read
        native.dense_outputs(other.automaton, "赌博", other.class_table, other.class_codes, other.shift,
                             other.pat_dense, other.pat_kind, other.pat_homophone, other.groups, index)
    with pytest.raises(ValueError):  # nor bytes of another size
        native.dense_outputs(c.automaton, "赌博", c.class_table, c.class_codes, c.shift, c.pat_dense, c.pat_kind,
                             c.pat_homophone, c.groups, index[:-8])
    with pytest.raises(ValueError):  # the generic walk likewise
        native.trie_outputs(other.automaton, "\x8d\x4c", index)
    import ahocorasick

    wide = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # letters beyond a byte: no index
    wide.add_word("赌博", 0)
    wide.make_automaton()
    assert native.trie_index(wide) == b""
    assert native.trie_index(None) == b""


@needs_native
def test_trie_outputs_only_for_made_int_automata() -> None:
    import ahocorasick

    trie = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    trie.add_word("赌博", 1)
    assert native.trie_outputs(trie, "赌博") is None  # not made: a trie, no fail links
    trie.make_automaton()
    assert native.trie_outputs(trie, "一赌博") == [(2, 1)] == native.trie_outputs_py(trie, "一赌博")
    objects = ahocorasick.Automaton()  # STORE_ANY: values are objects
    objects.add_word("赌博", "x")
    objects.make_automaton()
    assert native.trie_outputs(objects, "赌博") is None
    assert native.trie_outputs(ahocorasick.Automaton(ahocorasick.STORE_INTS), "赌博") is None  # empty
    assert native.trie_outputs(object(), "赌博") is None


@needs_native
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.sampled_from(list("赌博彩票开挂一二abc\x00\x4e\x8d")), max_size=30))
def test_trie_outputs_same_as_iter_on_generated_text(core_matcher: Matcher, text: str) -> None:
    """Fail chains, outputs on them and misaligned UTF-16 halves, walked directly and through iter."""
    automaton = core_matcher.compiled.automaton
    assert native.trie_outputs(automaton, text) == native.trie_outputs_py(automaton, text)


@needs_native
@pytest.mark.parametrize("shift", [0, 1])
def test_encode_classes_same_as_python_with_astral(shift: int) -> None:
    table = load_variant_tables().class_table
    codes = native.class_codes(table)
    for view in ["", "赌博", "a1 Ｑ", "𠀀赌𝐐😀x", "中\U0010ffff文"]:
        assert native.encode_classes(view, table, codes, shift) == native.encode_classes_py(view, table, shift)


@needs_native
def test_wide_keys_same_as_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """A lexicon too big for UTF-16 keys scans plain strings (shift 0): the C walk reads them alike."""
    monkeypatch.setattr(compile_module, "U16_MAX_PATTERNS", 0)
    lex = load_lexicon(str(DATA / "core" / "test_lexicon.yaml"))
    m = Matcher(list(lex.entries), variant_tables=load_variant_tables(str(DATA / "core" / "shape.yaml"),
                                                                      str(DATA / "core" / "split.yaml")))
    assert m.compiled.shift == 0
    for text in _texts():
        _compare_outputs(m, text)


@needs_native
def test_bad_codes_are_refused(core_matcher: Matcher) -> None:
    c = core_matcher.compiled
    from plugin.matching import cloops

    with pytest.raises(ValueError):
        cloops.encode_classes("赌博", b"\x00" * 10, 1)
    with pytest.raises(IndexError):  # an output whose pattern is missing
        cloops.dense_outputs(c.automaton, "赌博", c.class_codes, c.shift, "", array("I"), c.pat_kind, c.pat_homophone,
                             c.groups)
    with pytest.raises(TypeError):
        cloops.dense_outputs(c.automaton, "赌博", c.class_codes, c.shift, c.pat_dense.text, array("H", [1]),
                             c.pat_kind, c.pat_homophone, c.groups)


@needs_native
def test_scan_same_with_and_without_extension(bundled_matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts()
    fast = [bundled_matcher.scan(t) for t in texts]
    monkeypatch.setattr(native, "cloops", None)
    assert [bundled_matcher.scan(t) for t in texts] == fast
    assert sum(map(len, fast)) > 100


def test_release_free_memory_answers_whether_it_released() -> None:
    assert native.release_free_memory() in (True, False)
    if not native.NATIVE:
        assert native.release_free_memory() is False


@needs_native
def test_offset_table_same_as_python_and_as_the_run_maps(monkeypatch: pytest.MonkeyPatch) -> None:
    import plugin.normalize as normalize_module

    texts = _texts() + ["赌赌博博 长江 江水", "代\n开\n发\n票", "刷★！★单", "a  b\u200bc。。d", "轻轻松松 赚钱"]
    fast = [[normalize_module.normalize(t).orig_index(i) for i in range(-1, len(t) + 2)] for t in texts]
    monkeypatch.setattr(normalize_module, "offset_table", lambda n, maps: None)  # the run maps alone
    slow = [[normalize_module.normalize(t).orig_index(i) for i in range(-1, len(t) + 2)] for t in texts]
    assert fast == slow
    maps = [([0, 3, 5], [0, 4, 9]), ([0, 2], [1, 6])]
    assert list(native.offset_table(8, maps) or []) == list(native.offset_table_py(8, maps))
    assert list(native.offset_table(0, [])) == []
    with pytest.raises(TypeError):
        native.offset_table(3, [([], [])])


_fold_alphabet = st.sampled_from(list("赌博博开挂aAbB1１ .。！!\n★*😀𠀀\u200b\u00ad長江\u3400\u3400轻松Ｑ"))


def _check_dense_fold(text: str) -> None:
    """The C fold, its twin and the general path agree; the flags say what the folded text holds."""
    from plugin.normalize import BREAK, dense_table, repeat_runs

    table, astral, codes = dense_table()
    assert codes is not None  # (the bundled tables fold every character to at most one)
    fast = native.dense_fold(text, table, astral, codes)
    assert fast == native.dense_fold_py(text, table, astral), text
    assert fast is not None  # (the astral table too)
    folded, held = fast
    assert folded == text.translate(table).translate(astral)  # what str.translate gives
    assert bool(held & native.FOLD_DELETED) == (len(folded) != len(text))
    assert bool(held & native.FOLD_BREAK) == (BREAK in folded)
    assert bool(held & native.FOLD_HAN_REPEAT) == bool(repeat_runs(folded))


@needs_native
def test_dense_fold_same_as_python_and_the_general_path() -> None:
    for text in _texts() + ["赌赌博博 长江 江水", "代\n开\n发\n票", "刷★！★单", "a  b\u200bc。。d", "㐀㐀", "𠀀赌", "\u346e赌"]:
        _check_dense_fold(text)


@needs_native
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=30), st.text(alphabet=_fold_alphabet, max_size=30)))
def test_dense_fold_same_on_generated_text(text: str) -> None:
    _check_dense_fold(text)


@needs_native
def test_normalize_same_with_and_without_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    """normalize (not the shared prepare cache) gives the same dense view and offsets on either path."""
    import plugin.normalize as normalize_module

    texts = _texts() + ["赌赌博博 长江 江水", "代\n开\n发\n票", "刷★！★单", "轻轻松松 赚钱", "征。信。修。复 当天见效"]

    def views() -> list[tuple[str, bool, list[int]]]:
        out = []
        for t in texts:
            nt = normalize_module.normalize(t)
            out.append((nt.dense, nt.deleted, [nt.orig_index(i) for i in range(len(nt.dense))]))
        return out

    fast = views()
    monkeypatch.setattr(native, "cloops", None)
    assert views() == fast


def _check_view_flags(view: str) -> None:
    from plugin.matching.kinds import kind_bits
    from plugin.matching.latin_repeat import has_latin_repeat
    from plugin.matching.pinyin import has_latin_run
    from plugin.matching.split import has_separated_cjk

    kinds = kind_bits()
    flags = native.view_flags(view, kinds)
    assert flags == native.view_flags_py(view, kinds), view
    bmp = as_bmp(view)
    assert bool(flags & native.VIEW_ASTRAL) == (bmp != view)
    assert bool(flags & native.VIEW_LATIN_RUN) == has_latin_run(bmp)
    assert bool(flags & native.VIEW_LATIN_REPEAT) == has_latin_repeat(bmp)
    assert bool(flags & native.VIEW_SEPARATED) == has_separated_cjk(bmp)


@needs_native
def test_view_flags_same_as_python_and_the_pass_tests() -> None:
    texts = _texts() + ["代x写x论x文", "sssccaaam", "ab", "a𠀀b", "代😀写", "代\uf801写", "qq号", "x写x"]
    for text in texts:
        _check_view_flags(text)
        _check_view_flags(prepare(text).normalized.dense)
    assert native.view_flags("代x写sscam", b"\x00" * 65536) == 0


@needs_native
@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("代写论文aabxz019\uf801 😀𠀀。")), max_size=20))
def test_view_flags_same_on_generated_text(text: str) -> None:
    _check_view_flags(text)


def test_dense_fold_leaves_a_character_written_as_several_to_the_general_path() -> None:
    from plugin.normalize import dense_table

    table, _astral, codes = dense_table()
    astral = {0x1F600: "ab", 0x20000: None, 0x20001: "x"}
    for text in ("赌😀博", "😀"):
        assert native.dense_fold(text, table, astral, codes) is None
        assert native.dense_fold_py(text, table, astral) is None
    assert native.dense_fold("赌𠀀博𠀁𠀂", table, astral, codes) == \
        native.dense_fold_py("赌𠀀博𠀁𠀂", table, astral) == ("赌博x𠀂", native.FOLD_DELETED)


@needs_native
def test_bad_fold_and_kind_tables_are_refused() -> None:
    from plugin.matching import cloops

    with pytest.raises(ValueError):
        cloops.dense_fold("赌博", array("I", [0] * 10), {})
    with pytest.raises(ValueError):
        cloops.view_flags("赌博", b"\x00" * 10)


def _reading_pool(m: Matcher) -> list[str]:
    """Encoded readings a pinyin window is made of: the classes of the characters of some terms (so
    keys and prefixes are met), Latin letters, and syllable classes."""
    c = m.compiled
    chars = sorted({ch for e in m.entries[:300] for ch in e.term})[:60]
    pool = [c.encode(ch.translate(c.class_table)) for ch in chars]
    return pool + [c.encode(x) for x in ("a", "b", "x", "1", "\x01")]


@needs_native
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_window_keys_same_as_python(bundled_matcher: Matcher, data: st.DataObject) -> None:
    c = bundled_matcher.compiled
    pool = _reading_pool(bundled_matcher)
    choices = data.draw(st.lists(st.lists(st.sampled_from(pool), min_size=1, max_size=3).map(tuple), max_size=8))
    last_word = data.draw(st.integers(0, len(choices) + 1))
    args = (choices, last_word, c.automaton, c.groups, c.reading_rows, c.reading_prefixes, PID_BITS)
    py = native.window_keys_py(*args)
    assert native.window_keys(*args) == py
    for direct in (False, True):  # through the automaton's get / match, and over its trie directly
        assert native.cloops.window_keys(*args, direct) == py


@needs_native
def test_window_keys_find_terms_and_other_readings(bundled_matcher: Matcher) -> None:
    """Whole terms written piece by piece come back; with every reading of each character as a choice,
    some through the hash rows of another reading (a polyphonic character in its other reading)."""
    from plugin.matching.polyphony import polyphonic_classes

    c = bundled_matcher.compiled
    tables = load_variant_tables()
    other = polyphonic_classes(tables.syllable, tables.syllable_class)
    found = hashed = 0
    for e in bundled_matcher.entries:
        choices = [tuple(c.encode(x) for x in other.get(ch) or (ch.translate(c.class_table),)) for ch in e.term]
        args = (choices, len(choices), c.automaton, c.groups, c.reading_rows, c.reading_prefixes, PID_BITS)
        keys = native.window_keys(*args)
        assert keys == native.window_keys_py(*args)
        found += any(q == len(choices) - 1 and p == 0 for p, q, _k, _pid, _h in keys)
        hashed += any(h for *_rest, h in keys)
    assert found > 100 and hashed > 0


@needs_native
def test_bad_window_inputs_are_refused(core_matcher: Matcher) -> None:
    from plugin.matching import cloops

    c = core_matcher.compiled
    with pytest.raises(TypeError):
        cloops.window_keys([("a",)], 1, c.automaton, c.groups, array("I"), c.reading_prefixes, PID_BITS)
    with pytest.raises(TypeError):
        cloops.window_keys(["a"], 1, c.automaton, c.groups, c.reading_rows, c.reading_prefixes, PID_BITS)
    with pytest.raises(ValueError):
        cloops.window_keys([], 0, c.automaton, c.groups, c.reading_rows, c.reading_prefixes, 0)


@needs_native
def test_window_keys_walk_a_copy_of_the_choices() -> None:
    """An automaton whose look-up changes the caller's list cannot free a piece's readings mid-walk."""
    from plugin.matching import cloops

    choices: list[object] = [tuple(f"r{i}" * 50 for i in range(8)), ("x",)]

    class Meddling:
        def get(self, key: str, default: object = None) -> object:
            choices[0] = None
            return default

        def match(self, key: str) -> bool:
            return False

    assert cloops.window_keys(choices, 2, Meddling(), [], array("Q"), array("I"), 24) == []  # type: ignore[arg-type]


@needs_native
def test_record_maker_builds_the_same_hit_as_the_class(bundled_matcher: Matcher) -> None:
    """The slot-setting constructor of Hit (``cloops.slot_object``) gives what ``Hit(*fields)`` gives: field
    for field (the same objects), equal, same hash, still frozen; on every hit of the evasion texts."""
    import dataclasses

    from plugin.matching.filters import entry_hit
    from plugin.models import Hit

    make = native.record_maker(Hit, ("t", "c", "block", 0, 1, "t", "exact", "c:t", 1, "", (), (), ""))
    assert make.func is native.cloops.slot_object  # type: ignore[attr-defined]
    names = [f.name for f in dataclasses.fields(Hit)]
    seen = 0
    for text in _texts():
        for hit in bundled_matcher.scan(text):
            fields = tuple(getattr(hit, n) for n in names)
            fast, slow = make(fields), native.slot_object_py(Hit, fields)
            assert type(fast) is Hit and fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
            assert all(getattr(fast, n) is getattr(slow, n) for n in names)
            seen += 1
    assert seen > 100
    ent = bundled_matcher.entries[0]
    assert entry_hit(ent, "x" + ent.term, 1, 1 + len(ent.term), "exact") == Hit(
        ent.term, ent.category, ent.action, 1, 1 + len(ent.term), ent.term, "exact", ent.term_id, ent.severity,
        ent.clause, ent.surface_actions, ent.tags, ent.replacement)
    with pytest.raises(dataclasses.FrozenInstanceError):
        make(fields).start = 3  # type: ignore[misc]


@needs_native
def test_slot_object_refuses_what_it_cannot_fill() -> None:
    """Only a class of plain slots derived from object, with one value (and one order index) per slot."""
    import dataclasses

    @dataclasses.dataclass(frozen=True, slots=True)
    class Pair:
        a: int
        b: str

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    make = native.record_maker(Pair, (1, "x"))
    assert make((2, "y")) == Pair(2, "y")
    slot_object = native.cloops.slot_object  # type: ignore[attr-defined]
    for cls, order, values in ((Pair, b"\x00", (1,)), (Pair, b"\x00\x01", (1,)), (Pair, b"\x00\x05", (1, "x")),
                               (NoSlots, b"\x00", (1,)), (int, b"", ())):
        with pytest.raises((TypeError, ValueError)):
            slot_object(cls, order, values)
    # a class whose constructor does more than set its fields keeps its constructor
    assert native.record_maker(NoSlots, (1,))((4,)) == NoSlots(4)


def test_kind_bits_are_each_characters_kinds() -> None:
    """The kind table (built with translates) holds, per BMP character, its letter and pair kinds."""
    from plugin.matching.kinds import kind_bits
    from plugin.matching.pinyin import LETTER_KIND
    from plugin.matching.split import PAIR_KIND

    assert kind_bits() == bytes((native.KIND_LETTER if letter == "1" else 0)
                                | (native.KIND_PAIR_CJK if pair == "c" else 0)
                                | (native.KIND_PAIR_SEP if pair == "s" else 0)
                                for letter, pair in zip(LETTER_KIND, PAIR_KIND))


def test_the_shape_walk_stops_when_the_automaton_changes_under_it() -> None:
    # appending an output can run the collector, and a finaliser can clear the automaton: the walk must not go on
    # through its freed nodes (as iter and the other walks: "the automaton changed during the walk"); cleared at
    # the n-th collection, a walk gives all its outputs, nothing (cleared before it began) or that error
    import gc

    import ahocorasick

    cloops = native.cloops
    if cloops is None:
        pytest.skip("the C extension is not built")

    def utf16(s: str) -> str:
        return s.encode("utf-16-be").decode("latin-1")

    codes = array("H", range(65536)).tobytes()
    pat_text, ends, kinds, flags = "已经经", array("I", [2, 3]), bytes([0, 0]), bytes([2, 2])
    sources = array("H", bytes(131072))
    sources[ord("己")] = 1
    shape_filter = cloops.shape_filter(pat_text, ends, kinds, flags, "已")
    outcomes = set()
    for n in range(1, 40):
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        automaton.add_word(utf16("已经"), 0)
        automaton.add_word(utf16("经"), 1)
        automaton.make_automaton()
        walk = partial(cloops.shape_walk, automaton, codes, 1, pat_text, ends, kinds, flags, [], sources.tobytes(),
                       ("已",), 4, shape_filter, cloops.trie_index(automaton))
        collections = 0

        def clear_at_n(phase: str, _info: dict[str, int]) -> None:
            nonlocal collections
            if phase == "start":
                collections += 1
                if collections == n:
                    automaton.clear()

        threshold = gc.get_threshold()
        gc.set_threshold(1, 1, 1)
        gc.callbacks.append(clear_at_n)
        try:
            found = walk("己经" * 200)
            outcomes.add("none" if found is None else len(found))
        except ValueError as exc:
            assert "changed during the walk" in str(exc)
            outcomes.add("error")
        finally:
            gc.callbacks.remove(clear_at_n)
            gc.set_threshold(*threshold)
    assert "error" in outcomes and outcomes <= {"none", "error", 200}, outcomes


@needs_native
def test_a_bound_walk_is_the_walk_with_its_arguments_bound(bundled_matcher: Matcher) -> None:
    # cloops.bind_walk parses the bound arguments once; a call passes the view alone and answers as the
    # unbound C functions with the same arguments do
    cloops = native.cloops
    assert cloops is not None
    c = bundled_matcher.compiled
    index = _index_of(c.automaton)
    table, targets = native._source_table(c.shape_sources)
    dense_args = (c.automaton, c.class_codes, c.shift, c.pat_dense.text, c.pat_dense.ends, c.pat_kind,
                  c.pat_homophone, c.groups, True, index)
    shape_args = (c.automaton, c.class_codes, c.shift, c.pat_dense.text, c.pat_dense.ends, c.pat_kind,
                  c.pat_homophone, c.groups, table, targets, c.split_reach, c.shape_pairs, index)
    dense_walk, shape_walk = cloops.bind_walk(False, dense_args), cloops.bind_walk(True, shape_args)
    found = 0
    for text in ["代写论文找我", "己经开挂了", "赌博网站", "", "a", "加我vx看baijiale", "他说要赌。博物馆"]:
        dense = as_bmp(prepare(text).normalized.dense)
        assert dense_walk(dense) == cloops.dense_walk(*dense_args, dense), text
        assert shape_walk(dense) == cloops.shape_walk(*shape_args, dense), text
        found += len(dense_walk(dense)) + len(shape_walk(dense))
    assert found  # (the texts meet the walks)
    for bad in ((), (1,), ("a", "b")):
        with pytest.raises(TypeError):
            dense_walk(*bad)
    with pytest.raises(TypeError):
        dense_walk(view="a")
    with pytest.raises(TypeError):
        cloops.bind_walk(False, dense_args[:-1])  # (an argument short: refused when bound, not per call)
    with pytest.raises(TypeError):
        cloops.bind_walk(True, dense_args)


@needs_native
@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=60), st.text(alphabet=_alphabet, max_size=60)))
def test_text_kinds_same_as_python(text: str) -> None:
    # the kind string of each table the scan reads (letters, separator pairs, inline sentence ends) in C and as
    # chardata's str.translate; a character beyond the BMP is "0" in both
    from plugin import chardata, normalize
    from plugin.matching import pinyin, split

    for table in (pinyin.LETTER_KIND, split.PAIR_KIND, normalize._INLINE_BREAK_KIND):
        assert native._kind_bytes(table) is not None
        assert native.text_kinds(text, table) == chardata.text_kinds(text, table), text
    wide = ["é"] * 0x10000  # (not ASCII: read by the Python twin)
    assert native._kind_bytes(wide) is None
    assert native.text_kinds(text, wide) == chardata.text_kinds(text, wide)
