"""The `qinglang check` / `scan` / `lexicon lint` contract."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from service.cli import cli
from tests.paths import DATA

LEX = str(DATA / "core" / "test_lexicon.yaml")


def test_check_jsonl_contract() -> None:
    stdin = "\n".join([
        json.dumps({"id": "a", "text": "网络赌博 tou注"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": 7}),
        json.dumps({"id": "c", "text": "今天天气不错"}, ensure_ascii=False),
        json.dumps({"id": "d", "text": 5}),
        "",
    ])
    res = CliRunner().invoke(cli, ["check", "--lexicon", LEX, "--no-bundled"], input=stdin)
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in res.output.splitlines()]
    assert len(rows) == 5
    a = rows[0]
    assert a["id"] == "a" and a["action"] == "block"
    assert set(a["hits"][0]) == {"term", "category", "action", "start", "end", "surface", "technique"}
    assert [(h["term"], h["technique"]) for h in a["hits"]] == [("赌博", "exact"), ("投注", "pinyin")]
    assert "error" in rows[1] and "line 2" in rows[1]["error"] and "invalid JSON" in rows[1]["error"]
    assert rows[2] == {"id": 7, "error": "line 3: missing field 'text'"}
    assert rows[3] == {"id": "c", "action": "allow", "hits": []}
    assert rows[4]["id"] == "d" and "must be a string" in rows[4]["error"]


def test_check_bad_lexicon_exits_with_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("赌博\tgambling\tnuke\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", "--lexicon", str(bad), "--no-bundled"], input="")
    assert res.exit_code == 2
    assert "bad.tsv:1" in res.output and "unknown action" in res.output


def test_no_bundled_needs_a_lexicon() -> None:
    res = CliRunner().invoke(cli, ["check", "--no-bundled"], input="")
    assert res.exit_code != 0 and "--lexicon" in res.output


def test_scan_prints_hits() -> None:
    res = CliRunner().invoke(cli, ["scan", "兼zhi日结", "--lexicon", LEX, "--no-bundled"])
    assert res.exit_code == 0, res.output
    assert "兼职日结" in res.output and "pinyin" in res.output
    res = CliRunner().invoke(cli, ["scan", "兼zhi日结", "--lexicon", LEX, "--no-bundled", "--json"])
    data = json.loads(res.output)
    assert data["action"] == "block" and data["hits"][0]["technique"] == "pinyin"
