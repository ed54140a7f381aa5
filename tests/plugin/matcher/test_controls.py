"""The matcher's controls: tags, per-entry replacement and masking, boundary modes, noise / skip
sets per deployment and per entry, fail-fast first_hit."""

from __future__ import annotations

import pytest

from plugin import Entry, InputError, Matcher, NoiseSet
from plugin.lexicon import parse_entry_dict


def _entries() -> list[Entry]:
    return [
        Entry("代开发票", "fraud", "block", term_id="fraud:fp", tags=("invoice", "tax"), replacement="[某服务]"),
        Entry("刷单", "fraud", "review", term_id="fraud:sd"),
        Entry("vx", "contact", "review", term_id="contact:vx", boundary="latin_word"),
        Entry("qq", "contact", "review", term_id="contact:qq", boundary="latin_word_digits"),
        Entry("百家乐", "gambling", "block", term_id="gambling:bjl", skip="卍"),
    ]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.from_entries(_entries())


def test_hits_carry_the_entry_tags_and_replacement(matcher: Matcher) -> None:
    (h,) = matcher.scan("代开发票")
    assert h.tags == ("invoice", "tax") and h.replacement == "[某服务]"
    assert h.to_dict()["tags"] == ["invoice", "tax"] and "tags" not in matcher.scan("刷单")[0].to_dict()


def test_mask_uses_the_entry_replacement_else_the_mask_per_character(matcher: Matcher) -> None:
    res = matcher.mask("代-开-发-票，也可刷单")
    assert res.text == "[某服务]，也可**"
    first, second = res.spans
    assert (first.start, first.end, first.masked_start, first.masked_end) == (0, 7, 0, 5)
    assert res.text[second.masked_start:second.masked_end] == "**" and (second.start, second.end) == (10, 12)
    assert matcher.mask("刷单", "#").text == "##"
    assert matcher.mask("代开发票 刷单", actions={"review"}).text == "代开发票 **"  # only review hits
    assert matcher.mask("没有命中").text == "没有命中" and matcher.mask("没有命中").spans == ()


def test_mask_refuses_a_bad_mask(matcher: Matcher) -> None:
    with pytest.raises(InputError):
        matcher.mask("刷单", "")
    with pytest.raises(InputError):
        matcher.mask("刷单", "*" * 9)


@pytest.mark.parametrize("text, terms", [
    ("vx123", ["vx"]),  # latin_word: a digit after the letters is fine
    ("vxworks", []),  # ... a letter is not
    ("qq123", []),  # latin_word_digits: neither letters nor digits may continue it
    ("qq 123", ["qq"]),
])
def test_latin_boundary_modes(matcher: Matcher, text: str, terms: list[str]) -> None:
    assert [h.term for h in matcher.scan(text)] == terms


def test_entry_skip_characters_only_apply_to_that_entry(matcher: Matcher) -> None:
    hits = matcher.scan("百卍家卍乐 刷卍单")
    assert [(h.term, h.surface, h.technique) for h in hits] == [("百家乐", "百卍家卍乐", "noise")]
    assert [h.term for h in matcher.scan("百家乐")] == ["百家乐"]  # found once, not twice


def test_deployment_noise_set_skips_and_keeps() -> None:
    entries = [Entry("刷单", "fraud", "review"), Entry("代开发票", "fraud", "block")]
    plain = Matcher.from_entries(entries)
    custom = Matcher.from_entries(entries, noise=NoiseSet(skip="丨", keep="|"))
    assert plain.scan("刷丨单") == [] and [h.surface for h in custom.scan("刷丨单")] == ["刷丨单"]
    assert [h.term for h in plain.scan("刷|单")] == ["刷单"] and custom.scan("刷|单") == []
    (h,) = custom.scan("代丨开丨发票")
    assert (h.start, h.end, h.technique) == (0, 6, "noise")
    with pytest.raises(ValueError):
        NoiseSet(skip=" ")


@pytest.mark.parametrize("text", ["请代开发票", "刷单 代开发票", "没有", "vx123 刷单", "百卍家卍乐", ""])
def test_first_hit_is_a_hit_scan_reports(matcher: Matcher, text: str) -> None:
    first = matcher.first_hit(text)
    hits = matcher.scan(text)
    assert (first is None) == (not hits)
    assert first is None or first in hits


def test_first_hit_stops_before_the_later_passes(matcher: Matcher) -> None:
    # the plain scan already hits 刷单, so the separator pass that reads 代a开b发c票 is not needed
    first = matcher.first_hit("刷单 代a开b发c票")
    assert first is not None and first.term == "刷单"
    assert {h.term for h in matcher.scan("刷单 代a开b发c票")} == {"刷单", "代开发票"}
    later = matcher.first_hit("代a开b发c票")  # found by a later pass when the plain scan has nothing
    assert later is not None and later.term == "代开发票"


@pytest.mark.parametrize("field, value, message", [
    ("tags", ["a\x1b"], "tag"),
    ("tags", "x" * 50, "tag"),
    ("replacement", "x" * 65, "replacement"),
    ("skip", "单", "skip"),  # a character of the term
    ("skip", "", "skip"),
    ("skip", "a b", "skip"),
    ("boundary", "latin", "boundary"),
])
def test_new_entry_fields_are_validated(field: str, value: object, message: str) -> None:
    entry, problems = parse_entry_dict({"term": "刷单", "category": "fraud", field: value})
    assert entry is None and any(message in p.message for p in problems), problems


def test_new_entry_fields_round_trip() -> None:
    data = {"term": "刷单", "category": "fraud", "tags": ["b", "a"], "replacement": "某行为", "skip": "卍卍",
            "boundary": "latin_word_digits"}
    entry, problems = parse_entry_dict(data)
    assert entry is not None and not problems
    assert entry.tags == ("a", "b") and entry.skip == "卍" and entry.boundary == "latin_word_digits"
    again, _ = parse_entry_dict(entry.to_dict())
    assert again == entry


def test_validity_window_reads_the_clock_when_no_date_is_given() -> None:
    import datetime as dt

    today = dt.date.today()
    entries = [Entry("刷单", "fraud", "review", term_id="fraud:old", valid_to=today - dt.timedelta(days=1)),
               Entry("代开发票", "fraud", "block", term_id="fraud:now", valid_from=today),
               Entry("百家乐", "gambling", "block", term_id="gambling:later", skip="卍",
                     valid_from=today + dt.timedelta(days=1))]
    m = Matcher.from_entries(entries)
    assert [h.term_id for h in m.scan("刷单 代开发票 百卍家卍乐 百家乐")] == ["fraud:now"]
    later = today + dt.timedelta(days=1)
    assert [h.term_id for h in m.scan("刷单 代开发票 百卍家卍乐", today=later)] == ["fraud:now", "gambling:later"]
    assert m.first_hit("刷单", today=today - dt.timedelta(days=1)) is not None and m.first_hit("刷单") is None


@pytest.mark.parametrize(("text", "found"), [("开挂", True), ("开挂。打开挂号", True), ("打开挂号", False),
                                             ("开挂号", False)])
def test_strict_boundary_hit_alone_in_its_window_needs_no_cut(text: str, found: bool) -> None:
    m = Matcher.from_entries([Entry("开挂", "cheat", "review", boundary="strict")])
    assert bool(m.scan(text)) is found
