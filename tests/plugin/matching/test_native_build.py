"""The C loops of plugin.matching.native_build (the compile's bulk work) against their Python twins."""

from __future__ import annotations

import os
from array import array
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin import Matcher
from plugin.lexicon import Entry, bundled_lexicon_paths, load_lexicons
from plugin.matching import native_build
from plugin.matching.model import PatternTexts

needs_build = pytest.mark.skipif(not native_build.NATIVE_BUILD and not os.environ.get("CI"),
                                 reason="C extension not built (pip install -e . builds it)")

_CHARS = "ab\u00e9\u4e00\u884c\u91cd"
#: per character its encoded readings (the table reading first); 行 and 重 have several
_CHOICES = {"a": ("a",), "b": ("bb",), "\u00e9": ("\u00e9",), "\u4e00": ("\ue001",),
            "\u884c": ("\ue002", "\ue003", "\ue004"), "\u91cd": ("x", "\ue005")}


def test_extension_is_built_in_ci() -> None:
    """CI installs the package with pip, which builds the extension: a missing build is a failure there."""
    if not os.environ.get("CI"):
        pytest.skip("only CI requires the build")
    assert native_build.NATIVE_BUILD, "plugin.matching.cbuild is not built"


@needs_build
def test_reading_rows_of_the_bundled_lexicons_same_with_and_without_extension(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The hash rows of other readings (and their prefixes) are the same built in C or in Python."""
    entries = [e for lex in load_lexicons(bundled_lexicon_paths()) for e in lex.entries]
    fast = Matcher.from_entries(entries).compiled
    monkeypatch.setattr(native_build, "cbuild", None)
    slow = Matcher.from_entries(entries).compiled
    assert len(fast.reading_rows) > 100 and len(fast.reading_prefixes) > 100
    assert fast.reading_rows == slow.reading_rows and fast.reading_prefixes == slow.reading_prefixes
    assert list(fast.reading_prefixes) == sorted(set(fast.reading_prefixes))  # sorted, each once


@needs_build
@settings(max_examples=200, deadline=None)
@given(forms=st.lists(st.text(alphabet=_CHARS, max_size=6), max_size=12),
       kinds=st.lists(st.integers(0, 3), min_size=12, max_size=12),
       eligible=st.lists(st.booleans(), min_size=12, max_size=12),
       width=st.sampled_from([1, 2]), max_keys=st.integers(1, 20), pid_bits=st.sampled_from([2, 24]))
def test_reading_rows_same_as_python(forms: list[str], kinds: list[int], eligible: list[bool], width: int,
                                     max_keys: int, pid_bits: int) -> None:
    texts = PatternTexts(forms)
    pat_kinds = bytes(kinds[:len(forms)])
    entries = array("i", [(i * 5) % 12 for i in range(len(forms))])
    args = (texts, pat_kinds, entries, bytes(eligible), bytes([0, 3]), _CHOICES, width, max_keys, pid_bits)
    fast = native_build.reading_rows(*args)
    slow = native_build.reading_rows_py(*args)
    assert fast == slow
    assert list(fast[0]) == sorted(fast[0]) and list(fast[1]) == sorted(set(fast[1]))


@needs_build
def test_reading_rows_of_one_form() -> None:
    """重行 (2 × 3 readings): five other combinations, each row its key's CRC-32 over the pattern id."""
    import zlib

    rows, prefixes = native_build.reading_rows(PatternTexts(["a", "\u91cd\u884c"]), bytes([0, 0]), array("i", [0, 0]),
                                               b"\x01", b"\x00", _CHOICES, 1, 16, 24)
    keys = ["x\ue003", "x\ue004", "\ue005\ue002", "\ue005\ue003", "\ue005\ue004"]
    assert list(rows) == sorted(zlib.crc32(k.encode("utf-16-be")) << 24 | 1 for k in keys)
    assert list(prefixes) == sorted({zlib.crc32("\ue005".encode("utf-16-be"))})


@needs_build
def test_reading_rows_refuses_bad_input() -> None:
    from plugin.matching import cbuild

    texts = PatternTexts(["\u91cd\u884c"])
    with pytest.raises(KeyError):  # a character without readings
        native_build.reading_rows(texts, b"\x00", array("i", [0]), b"\x01", b"\x00", {"\u91cd": ("x", "y")}, 1, 16, 24)
    with pytest.raises(ValueError):  # readings that are not a non-empty tuple of str
        native_build.reading_rows(texts, b"\x00", array("i", [0]), b"\x01", b"\x00", {"\u91cd": ()}, 1, 16, 24)
    with pytest.raises(ValueError):  # an entry out of range
        native_build.reading_rows(texts, b"\x00", array("i", [3]), b"\x01", b"\x00", _CHOICES, 1, 16, 24)
    with pytest.raises(ValueError):  # one kind per pattern
        cbuild.reading_rows(texts.text, texts.ends, b"", array("i", [0]), b"\x01", b"\x00", _CHOICES, 1, 16, 24)


@needs_build
@settings(max_examples=200, deadline=None)
@given(keys=st.lists(st.tuples(st.text(alphabet="ab\u00e9\ue001𠀀", min_size=1, max_size=3), st.integers(0, 6)),
                     max_size=30))
def test_add_keys_same_as_python(keys: list[tuple[str, int]]) -> None:
    """Each distinct key added once, most frequent first letters first (stable: first occurrence within
    one first letter); patterns sharing a key as groups."""
    texts = PatternTexts([k for k, _pid in keys])
    pids = array("i", [pid for _k, pid in keys])
    fast: list[tuple[str, int]] = []
    slow: list[tuple[str, int]] = []
    fast_groups = native_build.add_keys(lambda k, v: fast.append((k, v)), texts.text, texts.ends, pids)
    slow_groups = native_build.add_keys_py(lambda k, v: slow.append((k, v)), texts.text, texts.ends, pids)
    assert fast == slow and fast_groups == slow_groups
    letters = "".join(k for k, _pid in keys)
    bmp_rank = sorted({ch for ch in letters if ord(ch) < 0x10000}, key=lambda ch: (-letters.count(ch), ch))
    first_seen = list(dict.fromkeys(k for k, _pid in keys))
    assert [k for k, _v in fast] == sorted(first_seen, key=lambda k: bmp_rank.index(k[0]) if k[0] in bmp_rank
                                           else len(bmp_rank))
    for key, value in fast:  # every pattern of a key, in its value or group
        wanted = list(dict.fromkeys(pid for k, pid in keys if k == key))
        assert (list(fast_groups[-value - 1]) if value < 0 else [value]) == wanted


@needs_build
def test_add_keys_refuses_bad_input() -> None:
    from plugin.matching import cbuild

    with pytest.raises(ValueError):  # one pattern per key
        cbuild.add_keys(lambda k, v: None, "ab", array("I", [1, 2]), array("i", [0]))
    with pytest.raises(ValueError):  # ends beyond the text
        cbuild.add_keys(lambda k, v: None, "ab", array("I", [3]), array("i", [0]))
    with pytest.raises(ZeroDivisionError):  # what the callback raises comes through
        cbuild.add_keys(lambda k, v: 1 / 0, "ab", array("I", [2]), array("i", [0]))


@needs_build
@settings(max_examples=200, deadline=None)
@given(forms=st.lists(st.text(alphabet="abz\x01309\u00b2\u00e9", max_size=6), max_size=15),
       block=st.lists(st.booleans(), min_size=15, max_size=15), min_syllables=st.integers(0, 4))
def test_initials_index_same_as_python(forms: list[str], block: list[bool], min_syllables: int) -> None:
    texts = PatternTexts(forms)
    args = (texts.text, texts.ends, bytes(block[:len(forms)]), min_syllables, "\x01")
    assert native_build.initials_index(*args) == native_build.initials_index_py(*args)


@needs_build
def test_initials_index_of_a_few_forms() -> None:
    import zlib

    texts = PatternTexts(["bjl", "dz", "sd\x01l", "x", "jnd28", "bjl"])
    eligible, crcs, forms = native_build.initials_index(texts.text, texts.ends, bytes([1, 1, 1, 1, 1, 0]), 3, "\x01")
    assert eligible == bytes([1, 1, 1, 0, 1, 1])  # two letters or more
    assert sorted(zip(crcs, forms)) == list(zip(crcs, forms))  # by CRC, then form
    assert dict(zip(forms, crcs)) == {0: zlib.crc32(b"bjl"), 4: zlib.crc32(b"jnd28")}  # block, 3+ letters, no \x01
    with pytest.raises(ValueError):  # one block flag per form
        native_build.initials_index(texts.text, texts.ends, b"\x01", 3, "\x01")


def _entry_columns(entries: list[Entry]) -> tuple[list[object], ...]:
    return tuple([getattr(e, f) for e in entries] for f in Entry.__slots__)


@needs_build
def test_slotted_rows_same_as_python() -> None:
    """The bundled lexicons' entries rebuilt from their columns: equal, same hash, same fields, frozen."""
    entries = [e for lex in load_lexicons(bundled_lexicon_paths()) for e in lex.entries]
    cols = _entry_columns(entries)
    fast = native_build.slotted_rows(Entry, cols)
    assert fast == native_build.slotted_rows_py(Entry, cols) == entries
    assert [hash(e) for e in fast] == [hash(e) for e in entries]
    assert all(type(e) is Entry for e in fast)
    with pytest.raises(FrozenInstanceError):
        fast[0].term = "x"  # type: ignore[misc]


@needs_build
@settings(max_examples=100, deadline=None)
@given(terms=st.lists(st.text(min_size=1, max_size=5), max_size=20), severity=st.integers(0, 5))
def test_slotted_rows_same_on_generated_entries(terms: list[str], severity: int) -> None:
    entries = [Entry(term=t, category="c", severity=severity, tags=(t,)) for t in terms]
    cols = _entry_columns(entries)
    assert native_build.slotted_rows(Entry, cols) == native_build.slotted_rows_py(Entry, cols) == entries


def test_slotted_rows_refuses_bad_input() -> None:
    cols = _entry_columns([Entry(term="a", category="c")])
    with pytest.raises(ValueError):  # columns of different lengths
        native_build.slotted_rows(Entry, cols[:-1] + ([True, False],))
    assert native_build.slotted_rows(Entry, tuple([] for _ in cols)) == []


def test_slotted_rows_write_the_slots_through_the_record_maker() -> None:
    """The artefact's entries are made by the scan's slot writer (one C constructor for both), not ``__init__``."""
    from plugin.matching import native

    if not native.NATIVE:
        pytest.skip("C extension not built")
    cols = _entry_columns([Entry(term="a", category="c")])
    make = native.record_maker(Entry, tuple(c[0] for c in cols))
    assert make.func is native.cloops.slot_object  # type: ignore[attr-defined]


def _alike_table() -> list[tuple[tuple[str, bool], ...] | None]:
    from plugin.matching.compile import _shape_alike_table
    from plugin.variants import load_variant_tables

    return _shape_alike_table(load_variant_tables())


@needs_build
def test_shape_rows_of_the_bundled_terms_same_as_python() -> None:
    table = _alike_table()
    terms = [e.term for lex in load_lexicons(bundled_lexicon_paths()) for e in lex.entries]
    shaped = 0
    for d in terms + ["搏彩28", "博彩", "", "0"]:
        for want, verified, most in ((True, True, 24), (True, False, 24), (False, True, 24), (True, False, 3)):
            fast = native_build.shape_rows(d, table, want, verified, most)
            assert fast == native_build.shape_rows_py(d, table, want, verified, most), d
            shaped += bool(fast[0] & native_build.SHAPED)
    assert shaped > 100
    flags, keys = native_build.shape_rows("博彩28", table, True, False, 24)
    assert flags == native_build.SHAPED | native_build.HAS_DIGIT and "搏彩28" in keys


@needs_build
@settings(max_examples=200, deadline=None)
@given(d=st.text(alphabet=st.sampled_from(list("博彩搏赌睹张弓长0123456789ab\x00\U00020000")), max_size=10),
       want=st.booleans(), verified=st.booleans(), most=st.integers(0, 30))
def test_shape_rows_same_on_generated_keys(d: str, want: bool, verified: bool, most: int) -> None:
    table = _alike_table()
    assert native_build.shape_rows(d, table, want, verified, most) == native_build.shape_rows_py(d, table, want, verified,
                                                                                                 most)


def test_shape_rows_refuses_bad_input() -> None:
    if not native_build.NATIVE_BUILD:
        pytest.skip("C extension not built")
    from plugin.matching import cbuild

    with pytest.raises(ValueError):  # one item per BMP code point
        cbuild.shape_rows("博彩", [None] * 10, True, True, 24)
    bad: list[tuple[tuple[str, bool], ...] | None] = [None] * 0x10000
    bad[ord("博")] = "x"  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        cbuild.shape_rows("博彩", bad, True, False, 24)  # (keys: a term with a sentence end)


@pytest.mark.parametrize("add_keys", [native_build.add_keys, native_build.add_keys_py])
def test_add_keys_puts_frequent_first_letters_first(add_keys) -> None:  # type: ignore[no-untyped-def]
    """b occurs five times and a three times: keys starting with b are added first, each rank in first-occurrence order."""
    added: list[str] = []
    texts = PatternTexts(["ab", "ba", "bb", "ab"])
    add_keys(lambda k, v: added.append(k), texts.text, texts.ends, array("i", [0, 1, 2, 3]))
    assert added == ["ba", "bb", "ab"]


@settings(max_examples=200, deadline=None)
@given(forms=st.lists(st.text(alphabet="az{`\u00e9\u4e00\U00020000", max_size=5), max_size=12))
def test_letter_patterns_same_as_python(forms: list[str]) -> None:
    """The patterns holding a letter a-z, in order, in C and in Python (``{`` and a backtick border the range)."""
    texts = PatternTexts(forms)
    found = native_build.letter_patterns(texts.text, texts.ends)
    assert found == native_build.letter_patterns_py(texts.text, texts.ends)
    assert list(found) == [i for i, f in enumerate(forms) if any("a" <= ch <= "z" for ch in f)]


@needs_build
def test_letter_patterns_refuses_bad_input() -> None:
    from plugin.matching import cbuild

    with pytest.raises(ValueError):  # ends beyond the text
        cbuild.letter_patterns("ab", array("I", [3]))
    with pytest.raises(ValueError):  # ends descending
        cbuild.letter_patterns("ab", array("I", [2, 1]))


def _compiled_rows(entries: list[Entry]) -> tuple[object, ...]:
    c = Matcher.from_entries(entries).compiled
    return (list(c.pat_entry), c.pat_kind, list(c.pat_dense), c.pat_homophone, c.variant_of, c.pat_reading,
            c.groups, c.initials_crc, c.reading_rows)


@needs_build
def test_word_rows_give_the_compile_the_same_rows_with_and_without_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled lexicons (patterns, variants, digits, allow entries, phrase readings, doubled characters
    between plain words) compile to the same rows with the C word rows and with the Python loop."""
    entries = [e for lex in load_lexicons(bundled_lexicon_paths()) for e in lex.entries]
    entries += [Entry(term=t, category="gambling", action=a, term_id=f"x:{t}:{a}", techniques=frozenset(tech))
                for t in ("博彩网站", "银行卡", "时时彩", "加拿大28", "百家乐") for a in ("block", "allow")
                for tech in (("shape", "homophone"), ("shape",), ())]
    fast = _compiled_rows(entries)
    monkeypatch.setattr(native_build, "cbuild", None)
    assert _compiled_rows(entries) == fast


_WORD_CHARS = "博彩银行时0\x00ab\u4e00"


@needs_build
@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.text(alphabet=_WORD_CHARS, max_size=5), st.sampled_from(["block", "allow"]),
                               st.sets(st.sampled_from(["shape", "homophone", "pinyin"])), st.booleans(),
                               st.booleans(), st.booleans()), max_size=10),
       start=st.integers(0, 3), with_table=st.booleans())
def test_word_rows_same_as_python(rows: list[tuple[str, str, set[str], bool, bool, bool]], start: int,
                                  with_table: bool) -> None:
    """Rows of a run of plain entries, and where the run stops, in C and in Python."""
    from types import SimpleNamespace

    entries = tuple(SimpleNamespace(action=action, techniques=frozenset(tech), regex="x" if regex else "",
                                    variants=("v",) if variants else ()) for _t, action, tech, regex, variants, _o in rows)
    terms = [t for t, *_rest in rows]
    own = bytes(o for *_rest, o in rows)
    table: list[tuple[tuple[str, bool], ...] | None] | None = None
    if with_table:
        table = [None] * 0x10000
        table[ord("博")] = (("搏", True), ("傅", False))
        table[ord("行")] = (("衍", False),)
        table[ord("a")] = ()
    start = min(start, len(rows))
    fast = native_build.word_rows(entries, terms, own, start, table, 0, 1, 2)
    slow = native_build.word_rows_py(entries, terms, own, start, table, 0, 1, 2)
    assert fast == slow


@needs_build
@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["block", "allow", "review", "Block"]),
                               st.sets(st.sampled_from(["shape", "homophone", "pinyin", "split"])), st.booleans(),
                               st.booleans()), max_size=12))
def test_entry_flags_same_as_python(rows: list[tuple[str, set[str], bool, bool]]) -> None:
    """One byte per entry: its action (allow, block), pattern, pinyin / split / homophone, variants."""
    entries = tuple(Entry(term="词", category="gambling", action=action, term_id=f"x:{i}", techniques=frozenset(tech),
                          regex="a+" if regex else "")
                    if action != "Block" else Entry(term="词", category="gambling", term_id=f"x:{i}")
                    for i, (action, tech, regex, _v) in enumerate(rows))
    fast = native_build.entry_flags(entries)
    assert fast == native_build.entry_flags_py(entries)
    for e, f in zip(entries, fast):
        assert bool(f & native_build.ENTRY_ALLOW) == (e.action == "allow")
        assert bool(f & native_build.ENTRY_BLOCK) == (e.action == "block")
        assert bool(f & native_build.ENTRY_PATTERN) == bool(e.regex)
        assert bool(f & native_build.ENTRY_PINYIN) == ("pinyin" in e.techniques)
        assert bool(f & native_build.ENTRY_SPLIT) == ("split" in e.techniques)
        assert bool(f & native_build.ENTRY_HOMOPHONE) == ("homophone" in e.techniques)
        assert not f & native_build.ENTRY_VARIANTS


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.sampled_from(list("微信赌博a\n")), max_size=6), max_size=12),
       chars=st.sets(st.sampled_from(list("微赌a\nx")), max_size=3))
def test_holding_finds_the_texts_that_hold_a_character(texts: list[str], chars: set[str]) -> None:
    """The compile's search of all terms at once (slang holders) picks the texts a per-text test picks."""
    from plugin.matching.compile import _holding

    assert _holding(texts, chars) == [i for i, t in enumerate(texts) if not chars.isdisjoint(t)]
