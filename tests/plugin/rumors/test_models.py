"""The rumour model: pins users can be shown (plugin.rumors.models)."""

from __future__ import annotations

from plugin.rumors.models import (SUMMARY_CHARS, PinTier, Refutation, Rumor, RumorMatch, RumorMatchResult,
                                  RumorStatus, headline)


def _rumor(rid: str, status: RumorStatus, summary: str = "") -> Rumor:
    ref = Refutation(title="【辟谣】喝热水能杀死病毒", summary=summary, url="https://example.org/a", source="某辟谣平台",
                     published_at="2020-02-01")
    return Rumor(id=rid, claim="喝热水能杀死病毒", status=status, refutations=(ref,))


def test_a_pin_carries_what_a_user_is_shown() -> None:
    res = RumorMatchResult.build([RumorMatch(_rumor("r1", RumorStatus.MISLEADING, "热水不能杀灭病毒。"), 0.8)])
    d = res.pins[0].to_dict()
    assert d["verdict"] == "misleading" and d["verdict_label"] == "失实"
    assert d["headline"] == "网传“喝热水能杀死病毒”有失实"
    assert d["refutation"] == {"title": "【辟谣】喝热水能杀死病毒", "url": "https://example.org/a", "source": "某辟谣平台",
                               "summary": "热水不能杀灭病毒。", "checker": "某辟谣平台", "published_at": "2020-02-01"}
    assert d["tier"] == "pin" and d["cluster_id"] == "r1" and d["cluster_size"] == 1


def test_a_long_summary_is_cut_at_a_sentence_end() -> None:
    long = "第一句话说明了情况。" * 40
    d = RumorMatchResult.build([RumorMatch(_rumor("r1", RumorStatus.FALSE, long), 0.8)]).pins[0].to_dict()
    summary = d["refutation"]["summary"]
    assert len(summary) <= SUMMARY_CHARS and summary.endswith("。") and long.startswith(summary)
    assert headline("很" * 60, RumorStatus.FALSE).endswith("…”系谣言")


def test_related_matches_neither_pin_nor_label() -> None:
    m = RumorMatch(_rumor("r1", RumorStatus.FALSE), 0.5, tier=PinTier.RELATED, confidence=0.4)
    res = RumorMatchResult.build([m])
    assert res.pins == () and res.labels == ()
    assert [p.rumor_id for p in res.related] == ["r1"] and res.related[0].tier is PinTier.RELATED
    assert res.to_dict()["related"][0]["confidence"] == 0.4
    assert "related" not in RumorMatchResult.build([]).to_dict()


def test_a_cluster_shows_its_canonical_refutation() -> None:
    canonical = Refutation(title="【辟谣】官方", url="https://www.piyao.org.cn/x.htm", source="中国互联网联合辟谣平台")
    m = RumorMatch(_rumor("r2", RumorStatus.FALSE), 0.9, cluster_id="r1", cluster_size=3, canonical=canonical)
    pin = RumorMatchResult.build([m]).pins[0]
    assert pin.rumor_id == "r2" and pin.refutation == canonical
    assert pin.to_dict()["cluster_id"] == "r1" and pin.to_dict()["cluster_size"] == 3
