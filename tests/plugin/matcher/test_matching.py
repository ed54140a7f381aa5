"""The matcher's steps (plugin.matching): the candidate type, the technique vocabulary, the passes
and filters on their own, and the public names plugin.matcher keeps."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable

import pytest

from plugin import Entry, Matcher
from plugin.lexicon import VARIANT_TECHNIQUES, ContextRule
from plugin.matching import TECHNIQUE_RANK, Candidate, ContextGate, Spelling, Technique
from plugin.matching.compile import CompiledLexicon, compile_lexicon, context_gate
from plugin.matching.dense import dense_candidates, homophone_ok
from plugin.matching.filters import direct_technique
from plugin.matching.split import has_separated_cjk, joined_candidates, separator_spellings
from plugin.normalize import prepare

from tests.paths import ROOT


def test_the_matcher_module_keeps_its_public_names() -> None:
    import plugin.matcher as pm

    assert pm.Matcher is Matcher
    assert pm.TECHNIQUE_RANK is TECHNIQUE_RANK
    assert pm.Technique is Technique and pm.Candidate is Candidate
    assert set(pm.__all__) == {"Matcher", "TECHNIQUE_RANK", "Technique", "Candidate", "MaskResult", "NoiseSet"}


def test_techniques_are_the_hit_vocabulary_best_first() -> None:
    assert sorted(TECHNIQUE_RANK, key=TECHNIQUE_RANK.__getitem__) == [t.value for t in Technique] == [
        "exact", "normalized", "traditional", "invisible", "noise", "repeat",
        "variant", "split", "shape", "homophone", "pinyin", "initials", "pattern"]
    assert set(VARIANT_TECHNIQUES) == {t.value for t in Technique} - {"pattern"}
    assert TECHNIQUE_RANK["exact"] == 0  # str keys find the members


def test_hit_techniques_are_plain_strings(core_matcher: Matcher) -> None:
    hits = [h for text in ("网络赌博", "網絡賭博", "赌.博", "贝者博", "wang luo du bo") for h in core_matcher.scan(text)]
    assert {h.technique for h in hits} >= {"exact", "traditional", "noise", "split"}
    for h in hits:
        assert type(h.technique) is str
        assert json.loads(json.dumps(h.to_dict()))["technique"] == h.technique


def test_a_candidate_is_a_frozen_value() -> None:
    k = Candidate(0, 2, 5, Technique.HOMOPHONE)
    with pytest.raises(AttributeError):  # (read-only fields)
        k.start = 1  # type: ignore[misc]
    assert k == Candidate(0, 2, 5, Technique.HOMOPHONE, None)
    assert k.gate is None and hash(k) == hash(Candidate(0, 2, 5, Technique.HOMOPHONE))


def test_dense_candidates_yield_direct_homophone_and_split_spellings(core_matcher: Matcher) -> None:
    c = core_matcher._compiled
    is_word = core_matcher._boundary.is_word

    def dense_pass(c: CompiledLexicon, dense: str, is_word: Callable[[str], bool]
                   ) -> tuple[list[Candidate], list[Spelling]]:
        """The matcher's dense pass: its bound walks, then the candidates of their outputs."""
        shape = core_matcher._shape_walk
        return dense_candidates(c, dense, is_word, core_matcher._walk(dense), shape(dense) if shape else None)

    cand, spellings = dense_pass(c, prepare("网络赌博").normalized.dense, is_word)
    assert any(k.technique is None and c.entries[k.entry].term == "赌博" for k in cand)
    cand, spellings = dense_pass(c, "兼职日洁", is_word)
    assert [(k.start, k.end, k.technique) for k in cand] == [(0, 4, Technique.HOMOPHONE)]
    cand, spellings = dense_pass(c, "贝者博", is_word)
    assert cand == [] and [(s.start, s.end, s.replacement, s.technique) for s in spellings] == [
        (0, 2, "赌", Technique.SPLIT)]
    joined = joined_candidates(c, "贝者博", spellings)
    assert [(k.start, k.end, c.entries[k.entry].term, k.technique) for k in joined] == [(0, 3, "赌博", Technique.SPLIT)]


def test_separator_letters_are_spellings_of_the_character_before_them() -> None:
    assert [(s.start, s.end, s.replacement) for s in separator_spellings("代x写x论x文")] == [
        (0, 2, "代"), (2, 4, "写"), (4, 6, "论")]
    assert not has_separated_cjk("代写论文")
    assert has_separated_cjk("代x写") and not has_separated_cjk("代x") and not has_separated_cjk("x写x")
    # different letters or digits after each character, and one letter alone, are separators too
    assert [s.replacement for s in separator_spellings("百a家b乐")] == ["百", "家"]
    assert [s.replacement for s in separator_spellings("代写x论文")] == ["写"]
    assert separator_spellings("第3期") == []  # a digit alone is a number


def test_homophone_needs_most_characters_identical_and_no_dictionary_word() -> None:
    assert homophone_ok("兼职日洁", "兼职日结", lambda w: False)
    assert not homophone_ok("兼值日洁", "兼职日结", lambda w: False)  # two of four changed
    assert not homophone_ok("独播", "赌博", lambda w: True)  # a real word
    assert not homophone_ok("博", "赌", lambda w: False)  # one character is never enough


@pytest.mark.parametrize("surface, term, technique", [
    ("赌博", "赌博", Technique.EXACT),
    ("賭博", "赌博", Technique.TRADITIONAL),
    ("赌.博", "赌博", Technique.NOISE),
    ("赌\u200b博", "赌博", Technique.INVISIBLE),
    ("赌赌博", "赌博", Technique.REPEAT),
    ("ＶＸ", "vx", Technique.NORMALIZED),
    ("賭.博", "赌博", Technique.NOISE),  # noise wins over traditional
])
def test_direct_technique_names_the_normalisation_a_surface_needed(surface: str, term: str,
                                                                   technique: Technique) -> None:
    assert direct_technique(surface, term) is technique


def test_context_gate_reads_either_side_of_the_match_only() -> None:
    gate = context_gate(ContextRule(requires_any=("微信",), excludes_any=("警方",), within=4))
    assert gate == ContextGate(("微信",), ("警方",), 4)
    assert gate.allows("加微信赌博", 3, 5)
    assert not gate.allows("赌博", 0, 2)  # nothing required nearby
    assert not gate.allows("警方微信赌博", 4, 6)
    assert gate.allows("警方破获了微信赌博", 7, 9)  # 警方 is five characters away
    assert not ContextGate(("ab",), (), 4).allows("a赌博b", 1, 3)  # the match itself does not join its sides


def test_compile_keeps_one_key_row_per_pattern_and_unknown_variant_techniques_read_as_variant() -> None:
    from plugin.lexicon import Variant

    e = Entry(term="加拿大28", category="gambling", action="block", term_id="g:1",
              variants=(Variant("jnd", technique="bogus"),))
    c = compile_lexicon((e,), Matcher.from_entries([])._tables)
    assert len(c.pat_entry) == len(c.pat_kind) == len(c.pat_dense) == len(c.pat_homophone)
    assert {tech for tech, _ in c.variant_of.values()} == {Technique.VARIANT}
    assert "加拿大二八" in c.pat_dense and "加拿大贰捌" in c.pat_dense


def test_matcher_modules_import_no_private_names_from_other_modules() -> None:
    files = [ROOT / "plugin" / "matcher.py", *sorted((ROOT / "plugin" / "matching").glob("*.py"))]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private} from {node.module}"


def test_an_astral_character_is_read_as_one_replacement_character():
    """A character beyond the BMP is compared as U+FFFD in keys and text alike: offsets stay aligned."""
    from plugin import Matcher
    from plugin.lexicon import parse_lexicon_text

    lex, problems = parse_lexicon_text("category: fraud\naction: review\nentries:\n  - 刷票\n", "t.yaml")
    assert not problems
    matcher = Matcher.from_entries(list(lex.entries), version="t")
    text = "彩彩\U00020000刷票"
    (hit,) = matcher.scan(text)
    assert text[hit.start:hit.end] == "刷票"


def test_warm_up_freezes_the_collector_and_a_dropped_matcher_is_still_freed() -> None:
    """After warm_up the objects built so far are out of the collector's passes; a matcher holds no
    reference cycle, so one dropped later (a new lexicon version) is still freed."""
    import gc
    import weakref

    class Node:
        pass

    m = Matcher.from_entries([Entry(term="百家乐", category="gambling", action="block", term_id="t1")])
    garbage = Node()
    garbage.self = garbage  # type: ignore[attr-defined]  # a cycle that is garbage before the freeze
    dead = weakref.ref(garbage)
    del garbage
    assert "collector" not in m.warm_up()  # a library leaves the host's collector alone by default
    try:
        assert "collector" in m.warm_up(freeze_gc=True)
        assert dead() is None  # collected, not frozen
        assert gc.get_freeze_count() > 0
        assert [h.term for h in m.scan("来玩百家乐")] == ["百家乐"]
        m.scan("baijiale bjl 贝者博 代x写x论x文")  # (every pass builds what it keeps)
        alive = weakref.ref(m)
        del m
        assert alive() is None  # freed by its reference count, with the collector frozen
    finally:
        gc.unfreeze()
