"""The dense pass: shape-alikes of another homophone class verified on the term keys (no keys of their own)."""

from __future__ import annotations

from plugin import Matcher
from plugin.lexicon import Entry
from plugin.matching.compile import MAX_SHAPE_VARIANTS, shape_ranked


def _matcher(*terms: str, techniques: tuple[str, ...] = ("shape",)) -> Matcher:
    return Matcher.from_entries([Entry(term=t, category="rumor_marker", action="review", term_id=f"r:{t}",
                                       techniques=frozenset(techniques)) for t in terms])


def test_alike_of_another_class_is_no_key_but_hits() -> None:
    m = _matcher("已经证实了")
    c = m.compiled
    assert "已" in c.shape_sources["己"]  # 己 (ji) is an alike of 已 (yi): another class
    assert not c.automaton.exists(c.encode("己经证实了"))
    assert len(c.pat_dense) == 1  # the term's row only
    hits = m.scan("网传消息己经证实了")
    assert [(h.term, h.technique, h.start, h.end) for h in hits] == [("已经证实了", "shape", 4, 9)]


def test_alike_needs_the_shape_technique_and_one_character() -> None:
    without = _matcher("已经证实了", techniques=("homophone",))
    assert without.compiled.shape_sources == {}  # no term enables shape-alikes: the scan looks for none
    assert without.scan("网传消息己经证实了") == []
    m = _matcher("已经证实了")
    assert m.scan("网传消息己经证买了") == []  # a second difference
    assert m.scan("网传消息已经证实了")[0].technique == "exact"


def test_alike_next_to_other_hits_keeps_every_hit() -> None:
    m = _matcher("已经证实了", "经证实")
    hits = {(h.term, h.technique, h.start, h.end) for h in m.scan("己经证实了")}
    assert hits == {("已经证实了", "shape", 0, 5), ("经证实", "exact", 1, 4)}


def test_shape_ranked_counts_alikes_in_order() -> None:
    shape = {"a": tuple("123"), "b": ("y", "x")}
    assert shape_ranked("ab", 1, "x", shape)  # rank 3 + 1
    assert not shape_ranked("ab", 1, "z", shape)  # not an alike
    many = {"a": tuple(chr(0x4E00 + k) for k in range(MAX_SHAPE_VARIANTS - 1)), "b": ("y", "x")}
    assert shape_ranked("ab", 1, "y", many) and not shape_ranked("ab", 1, "x", many)  # ranks 23 and 24
