"""The compiled-matcher artefact: the same hits after a round trip; damaged or foreign bytes refused."""

from __future__ import annotations

import datetime as dt
import json
import struct

import pytest

from plugin import Matcher
from plugin.errors import ArtefactError
from plugin.lexicon import ContextRule, Entry, Variant
from plugin.matching import artefact
from plugin.matching.artefact import ARTEFACT_FORMAT, dump_matcher, load_matcher
from plugin.matching.noise import NoiseSet
from tests.paths import DATA

_DAY = dt.date(2026, 12, 7)


def _texts() -> list[str]:
    out = []
    for name in ("evasion_cases.jsonl", "benign_near_misses.jsonl"):
        with open(DATA / name, encoding="utf-8") as fh:
            out.extend(json.loads(line)["text"] for line in fh)
    return out


def _same_hits(a: Matcher, b: Matcher, texts: list[str]) -> None:
    for text in texts:
        for scope in ("content", "account_name"):
            assert a.scan(text, scope=scope, today=_DAY) == b.scan(text, scope=scope, today=_DAY), text


def test_exactly_the_three_names() -> None:
    assert sorted(artefact.__all__) == ["ARTEFACT_FORMAT", "dump_matcher", "load_matcher"]
    assert isinstance(ARTEFACT_FORMAT, str) and ARTEFACT_FORMAT


def test_bundled_matcher_round_trip(bundled_matcher: Matcher) -> None:
    data = dump_matcher(bundled_matcher)
    assert isinstance(data, bytes)
    loaded = load_matcher(data)
    assert isinstance(loaded, Matcher)
    assert loaded.version == bundled_matcher.version
    assert loaded.entries == bundled_matcher.entries
    assert loaded.disabled_patterns == bundled_matcher.disabled_patterns
    _same_hits(bundled_matcher, loaded, _texts())


def test_every_entry_field_survives() -> None:
    entries = [
        Entry(term="赌博", category="gambling", action="block", severity=4, note="n", clause="c",
              variants=(Variant("堵搏"), Variant("企鹅", ContextRule(("加",), ("南极",), 5), "variant")),
              context=ContextRule((), ("新闻",), 8), boundary="word", valid_from=dt.date(2026, 1, 1),
              valid_to=dt.date(2027, 1, 1), techniques=frozenset({"homophone", "pinyin"}), scope="any",
              term_id="custom-id", source="x.yaml:3", lexicon="x", surface_actions=(("suggestion", "allow"),)),
        Entry(term="震惊中外", category="allow", action="allow"),
        Entry(term="域名", category="spam_pattern", action="review", regex=r"[a-z]{3}\.top"),
        Entry(term="轻轻松松", category="fraud", action="review"),
        Entry(term="加拿大28", category="gambling", action="block"),
    ]
    m = Matcher.from_entries(entries, version="v7")
    loaded = load_matcher(dump_matcher(m))
    assert loaded.entries == m.entries
    assert loaded.version == "v7"
    _same_hits(m, loaded, ["网上堵搏", "加企鹅号", "震惊中外", "abc.top 轻轻松松赚钱", "jnd28", "du bo", "赌博新闻"])


def test_the_controls_survive() -> None:
    """Tags, replacements, disabled entries, the noise set and entry skip sets: a loaded matcher
    scans, masks and fails fast like the compiled one."""
    entries = [
        Entry(term="百家乐", category="gambling", action="block", tags=("casino", "minors"), replacement="某游戏",
              skip="卍"),
        Entry(term="六合彩", category="gambling", action="block", skip="卍"),
        Entry(term="银行卡", category="fraud", action="review", skip="~"),
        Entry(term="代写论文", category="fraud", action="review", enabled=False),
        Entry(term="三公", category="gambling", action="block", boundary="latin_word"),
        Entry(term="scam", category="fraud", action="review", boundary="latin_word_digits"),
    ]
    m = Matcher.from_entries(entries, version="v8", noise=NoiseSet(skip="丨", keep="|"))
    loaded = load_matcher(dump_matcher(m))
    assert loaded.noise == m.noise and len(loaded.skippers) == len(m.skippers) == 2
    assert loaded.entries == m.entries and all(e.term != "代写论文" for e in loaded.entries)
    texts = ["百卍家卍乐", "百丨家丨乐", "百|家乐", "六卍合卍彩 and 银~行~卡", "代写论文", "3公 三公", "sssccaaam",
             "yinhang卡 yinxing卡", "玩百家乐"]
    _same_hits(m, loaded, texts)
    for text in texts:
        assert loaded.mask(text, today=_DAY) == m.mask(text, today=_DAY), text
        assert loaded.first_hit(text, today=_DAY) == m.first_hit(text, today=_DAY), text
    assert loaded.scan("玩百家乐", today=_DAY)[0].tags == ("casino", "minors")


def test_empty_matcher_round_trip() -> None:
    m = Matcher.from_entries([], version="empty")
    loaded = load_matcher(dump_matcher(m))
    assert loaded.entries == () and loaded.scan("赌博") == []


@pytest.fixture(scope="module")
def small() -> bytes:
    return dump_matcher(Matcher.from_entries([Entry(term="百家乐", category="gambling", action="block")],
                                             version="s1"))


def test_a_flipped_byte_is_refused(small: bytes) -> None:
    damaged = bytearray(small)
    damaged[-10] ^= 0xFF
    with pytest.raises(ArtefactError, match="checksum"):
        load_matcher(bytes(damaged))


@pytest.mark.parametrize("cut", [3, 12, 40, -1])
def test_a_truncated_artefact_is_refused(small: bytes, cut: int) -> None:
    with pytest.raises(ValueError):  # ArtefactError is a ValueError
        load_matcher(small[:cut])


def test_other_bytes_are_refused() -> None:
    with pytest.raises(ArtefactError, match="magic"):
        load_matcher(b"\x80\x05pickle")
    with pytest.raises(ArtefactError, match="bytes"):
        load_matcher("text")  # type: ignore[arg-type]


def test_another_format_is_refused(small: bytes) -> None:
    size = struct.unpack_from(">I", small, 8)[0]
    header = json.loads(small[12:12 + size])
    header["format"] = "qinglang-matcher-columnar/0/old"
    raw = json.dumps(header).encode()
    other = small[:8] + struct.pack(">I", len(raw)) + raw + small[12 + size:]
    with pytest.raises(ArtefactError, match="format"):
        load_matcher(other)


def test_warm_up_builds_what_scans_would(bundled_matcher: Matcher) -> None:
    timings = bundled_matcher.warm_up(freeze_gc=False)
    assert {"normalize tables", "jieba dictionary", "latin repeat keys", "scan"} <= set(timings)
    assert all(t >= 0 for t in timings.values())


def test_a_matcher_with_its_own_variant_tables_round_trips(core_matcher: Matcher) -> None:
    """Shape groups and split spellings travel in the artefact (the core lexicon's small tables)."""
    loaded = load_matcher(dump_matcher(core_matcher))
    _same_hits(core_matcher, loaded, _texts() + ["网上搏彩", "贝者博", "弓长三", "百家乐", "bjl", "baijiale"])
