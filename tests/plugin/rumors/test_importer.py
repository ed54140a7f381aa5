"""Import of the shared fact-check schema: refutation addresses (plugin.rumors.importer)."""

from __future__ import annotations

import json

import pytest

from plugin.rumors.importer import RumorImportError, parse_jsonl, source_url


def _row(**kw: object) -> str:
    row = {"id": "x1", "source": "tencent_jiaozhen", "claim": "喝热水能杀死病毒", "verdict": "假", "refutation": "不能。"}
    row.update(kw)
    return json.dumps(row, ensure_ascii=False)


def test_a_given_url_is_kept() -> None:
    rumor = parse_jsonl([_row(url="https://www.piyao.org.cn/a.htm")]).rumors[0]
    assert rumor.refutations[0].url == "https://www.piyao.org.cn/a.htm"


def test_the_article_address_is_derived_from_the_article_id() -> None:
    rumor = parse_jsonl([_row(orig_id="502100d9aaf5d5ed23850933140f8088")]).rumors[0]
    assert rumor.refutations[0].url == "https://vp.fact.qq.com/article?id=502100d9aaf5d5ed23850933140f8088"
    assert source_url("tencent_jiaozhen", "not-an-id", "") == ""
    assert source_url("dxy_piyao", "196", "") == ""  # no known address pattern: no URL


def test_a_ruling_links_the_report_it_cites_not_the_rules() -> None:
    text = ("经查，该微博称“某地封城”不实，详情：https://weibo.com/1686546714/Iz33N9J1h，现根据《细则》"
            "（http://service.account.weibo.com/roles/guiding）第19条处理")
    assert source_url("weibo_checked_fake", "0023fbc0", text) == "https://weibo.com/1686546714/Iz33N9J1h"
    assert source_url("weibo_checked_fake", "", "（http://service.account.weibo.com/roles/guiding）") == ""


def test_a_line_nested_too_deeply_is_a_reported_problem() -> None:
    from plugin.rumors.importer import RumorImportError

    try:
        parse_jsonl(["[" * 100_000, _row()], path="deep.jsonl")
    except RumorImportError as exc:
        assert "deep.jsonl:1: invalid JSON: nested too deeply" in str(exc)
    else:
        raise AssertionError("a line nested too deeply must be refused")


@pytest.mark.parametrize("row, message", [
    ({"url": "javascript:alert(1)"}, "must be an http(s) address"),
    ({"url": "data:text/html,<script>x</script>"}, "must be an http(s) address"),
    ({"url": "https://"}, "must be an http(s) address"),
    ({"url": "https://example.org/a b"}, "must be an http(s) address"),
    ({"claim": "喝白酒\u202e毒病冠新死杀能"}, "bidirectional control U+202E in claim"),
    ({"refutation": "假的\u2066真的"}, "bidirectional control U+2066 in refutations[0].summary"),
])
def test_a_pin_never_shows_a_script_address_or_reordered_text(row, message) -> None:
    """Pins are links shown on top of search results: an import refuses a non-http(s) address and text whose
    bidirectional controls would make the approver read something else than what is published."""
    with pytest.raises(RumorImportError) as err:
        parse_jsonl([_row(**row)], "x.jsonl")
    assert message in str(err.value.problems[0])
    project = {"id": "p1", "claim": "某地出现新病毒", "status": "false",
               "refutations": [{"title": "【辟谣】", "url": "javascript:void(0)"}]}
    with pytest.raises(RumorImportError, match="http"):
        parse_jsonl([json.dumps(project, ensure_ascii=False)], "p.jsonl")
