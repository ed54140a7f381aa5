"""Pattern (regex) entries: links, contact handles, earnings promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugin import Matcher, lint_lexicon
from tests.paths import ROOT

PATTERNS = str(ROOT / "lexicons" / "spam_pattern.yaml")


@pytest.fixture(scope="module")
def m() -> Matcher:
    return Matcher.from_lexicons([PATTERNS], bundled=False)


@pytest.mark.parametrize(
    "text, term",
    [
        ("注册就送 ab12c.top 复制到浏览器", "可疑域名链接"),
        ("网址 Ｘｙ９９．ＶＩＰ 速来", "可疑域名链接"),
        ("复制 777点com 进入", "变形域名"),
        ("网址：5566 . com", "变形域名"),
        ("想玩的加v：abc12345", "联系方式招揽"),
        ("有意者联系13812345678", "联系方式招揽"),
        ("一小时600，做的私我", "收益承诺"),
        ("宝妈在家兼职，日入500+", "收益承诺"),
    ],
)
def test_pattern_hits(m: Matcher, text: str, term: str) -> None:
    hits = m.scan(text)
    assert any(h.term == term and h.technique == "pattern" for h in hits), hits
    for h in hits:
        assert text[h.start:h.end] == h.surface


@pytest.mark.parametrize(
    "text",
    [
        "详情见政府官网 www.gov.cn",
        "警方提醒：谨防 ab12c.top 之类的赌博网站",
        "月入5000的年轻人如何买房",  # no recruiting context
        "2024年GDP增长5.2%",
        "拨打12345热线反映问题",
    ],
)
def test_pattern_negatives(m: Matcher, text: str) -> None:
    assert m.scan(text) == []


def test_pattern_offsets_after_invisible_characters(m: Matcher) -> None:
    text = "\u200b\u200b注册 ab12c\u200b.top"
    hits = m.scan(text)
    assert hits and all(text[h.start:h.end] == h.surface for h in hits)
    assert hits[0].surface.endswith(".top")


def test_bad_regex_is_reported_with_line(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text("category: x\nentries:\n  - term: 坏模式\n    regex: '(unclosed'\n  - term: 空\n    regex: 'a*'\n",
                 encoding="utf-8")
    problems = [str(x) for x in lint_lexicon(str(p))]
    assert any(":3:" in x and "invalid regex" in x for x in problems), problems
    assert any(":5:" in x and "empty string" in x for x in problems), problems


@pytest.mark.parametrize("text", ["如果 startIndex + endIndex 相等", "i3+HD5470独显 售5585元"])
def test_plus_needs_a_channel(m: Matcher, text: str) -> None:
    assert m.scan(text) == []
