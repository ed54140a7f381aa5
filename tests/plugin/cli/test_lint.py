"""`qinglang lexicon lint` on the shipped folder: lexicons linted as lexicons, variant tables as tables."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from plugin.variants import lint_variant_table, variant_table_kind
from service.cli import cli
from tests.paths import ROOT


def test_the_shipped_folder_lints_cleanly_even_strict() -> None:
    res = CliRunner().invoke(cli, ["lexicon", "lint", "--strict", "--json", str(ROOT / "lexicons")])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["problems"] == []
    assert sorted(Path(p).name for p in report["variant_tables"]) == [
        "emoji_words.yaml", "shape_alike.yaml", "slang_variants.yaml", "split_chars.yaml"]
    assert any(Path(p).name == "gambling.yaml" for p in report["files"])


def test_variant_tables_are_recognised_by_their_key(tmp_path: Path) -> None:
    assert variant_table_kind(str(ROOT / "lexicons" / "variants" / "shape_alike.yaml")) == "groups"
    assert variant_table_kind(str(ROOT / "lexicons" / "gambling.yaml")) is None
    both = tmp_path / "both.yaml"
    both.write_text("groups: [[己, 已]]\nentries: [百家乐]\n", encoding="utf-8")
    assert variant_table_kind(str(both)) is None  # a lexicon that happens to have a 'groups' key


def test_a_broken_variant_table_is_reported(tmp_path: Path) -> None:
    shape = tmp_path / "shape.yaml"
    shape.write_text("source: me\nlicence: MIT\ngroups:\n  - [己, 已]\n  - [已, 巳]\n  - [未]\n  - [博, 搏搏]\n",
                     encoding="utf-8")
    splits = tmp_path / "splits.yaml"
    splits.write_text("splits:\n  张: [弓长]\n  赌: 贝\n  colour: blue\n", encoding="utf-8")
    emoji = tmp_path / "emoji.yaml"
    emoji.write_text("source: me\nlicence: MIT\nextra: 1\nemoji:\n  '🐧': 企鹅\n  '✈': ''\n", encoding="utf-8")
    msgs = [p.message for p in lint_variant_table(str(shape))]
    assert any("already in group 1" in m for m in msgs) and any("group 3" in m for m in msgs)
    assert any("'搏搏' is not a single character" in m for m in msgs)
    split_problems = lint_variant_table(str(splits))
    assert {p.severity for p in split_problems} == {"error", "warning"}  # bad spellings; no source / licence
    assert any("赌" in p.message for p in split_problems) and any("'colour'" in p.message for p in split_problems)
    emoji_problems = lint_variant_table(str(emoji))
    assert [p.severity for p in emoji_problems].count("warning") == 1 and any("✈" in p.message for p in emoji_problems)
    res = CliRunner().invoke(cli, ["lexicon", "lint", str(tmp_path)])
    assert res.exit_code == 1 and "0 lexicon file(s), 3 variant table(s)" in res.output
