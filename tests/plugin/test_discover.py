"""Code-word discovery: proposals with evidence, known terms and fragments dropped."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from plugin.cli import cli
from plugin.discover import DiscoverySettings, discover
from plugin.scoring import Sample
from plugin.scoring.data import write_labelled

LEFT = ["快加", "请用", "上", "私信", "走", "换"]
RIGHT = ["联系", "详谈", "找我", "来", "私聊", "拉你"]
SPAM = [(f"{LEFT[i]}绿泡泡{RIGHT[i]}，日结{i}元", "fraud") for i in range(6)] + [
    (f"{LEFT[i]}菠菜{RIGHT[i]}，上岸快", "gambling") for i in range(5)]
BENIGN = ["今天的菠菜很新鲜，做了凉拌菜", "快来看比赛直播", "稳定发挥拿下冠军", "周末去公园散步"] * 5


def test_proposals_carry_evidence() -> None:
    props = discover(SPAM, BENIGN, known=lambda t: False, settings=DiscoverySettings(min_count=3, min_z=1.0))
    terms = {p.term: p for p in props}
    assert "绿泡泡" in terms
    green = terms["绿泡泡"]
    assert green.category == "fraud" and green.foreground == 6 and green.background == 0
    assert not green.needs_context and green.examples and "绿泡泡" in green.examples[0]
    assert green.key == "绿泡"  # the dense form: repeats collapsed
    assert not any(t in "绿泡泡" for t in terms if t != "绿泡泡")  # no fragments of it
    if "菠菜" in terms:
        assert terms["菠菜"].needs_context  # also in benign text
    assert not any(any(c.isdigit() for c in p.term) and not p.term.isascii() for p in props)
    assert json.loads(json.dumps(green.to_dict(), ensure_ascii=False))["term"] == "绿泡泡"


def test_known_terms_are_dropped() -> None:
    props = discover(SPAM, BENIGN, known=lambda t: "绿泡" in t, settings=DiscoverySettings(min_count=3, min_z=1.0))
    assert all("绿泡" not in p.key for p in props)


def test_cli_discover(tmp_path: Path) -> None:
    rows = [Sample(t, c, "post", "queue") for t, c in SPAM] + [Sample(t, "benign", "title", "bg") for t in BENIGN]
    path = tmp_path / "rows.jsonl"
    write_labelled(rows, path)
    res = CliRunner().invoke(cli, ["lexicon", "discover", str(path), "--min-count", "3", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["foreground"] >= 1 and out["background"] == len(BENIGN)
    res = CliRunner().invoke(cli, ["lexicon", "discover"])
    assert res.exit_code == 2
