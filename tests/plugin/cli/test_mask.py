"""The `qinglang mask` contract: TEXT in, masked text out; JSONL in, JSONL out."""

from __future__ import annotations

import json

from click.testing import CliRunner

from service.cli import cli
from tests.paths import DATA

LEX = str(DATA / "core" / "test_lexicon.yaml")


def test_mask_text_and_json() -> None:
    res = CliRunner().invoke(cli, ["mask", "网络赌博，今天天气不错", "--lexicon", LEX, "--no-bundled"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == "网络**，今天天气不错"  # the core lexicon holds 赌博
    res = CliRunner().invoke(cli, ["mask", "网络赌博", "--replacement", "#", "--json", "--lexicon", LEX, "--no-bundled"])
    data = json.loads(res.output)
    assert "赌博" not in data["text"] and data["spans"] and data["spans"][0]["written"].startswith("#")
    span = data["spans"][0]
    assert "网络赌博"[span["start"]:span["end"]] and data["text"][span["masked_start"]:span["masked_end"]] == span["written"]


def test_mask_jsonl_and_bad_input() -> None:
    stdin = "\n".join([json.dumps({"id": "a", "text": "网络赌博"}, ensure_ascii=False), "{bad",
                       json.dumps({"id": "b", "text": "今天天气不错"}, ensure_ascii=False)])
    res = CliRunner().invoke(cli, ["mask", "--lexicon", LEX, "--no-bundled"], input=stdin)
    assert res.exit_code == 1, res.output  # the JSONL contract: a malformed line makes the exit code 1 at the end
    res = CliRunner().invoke(cli, ["mask", "--keep-going", "--lexicon", LEX, "--no-bundled"], input=stdin)
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert rows[0]["id"] == "a" and "赌博" not in rows[0]["text"] and rows[0]["spans"]
    assert "error" in rows[1]
    assert rows[2] == {"id": "b", "text": "今天天气不错", "spans": []}
    res = CliRunner().invoke(cli, ["mask", "x", "--replacement", "123456789", "--lexicon", LEX, "--no-bundled"])
    assert res.exit_code != 0 and "replacement" in res.output
    res = CliRunner().invoke(cli, ["mask", "x", "--skip", " ", "--lexicon", LEX, "--no-bundled"])
    assert res.exit_code != 0


def test_lint_reads_the_slang_table() -> None:
    res = CliRunner().invoke(cli, ["lexicon", "lint", "lexicons/variants/slang_variants.yaml"])
    assert res.exit_code == 0, res.output


def test_a_lone_surrogate_gets_an_error_line_and_kept_fields_stay_json() -> None:
    stdin = "\n".join(['{"id": "a", "text": "\\ud800网络赌博"}', '{"id": "b", "text": "网络赌博", "k": "\\udc00"}', ""])
    res = CliRunner().invoke(cli, ["mask", "--keep-fields", "--lexicon", LEX, "--no-bundled"], input=stdin)
    assert res.exit_code == 1, res.output
    a, b = (json.loads(x) for x in res.stdout.splitlines())
    assert a["id"] == "a" and "lone surrogate" in a["error"]
    assert b["id"] == "b" and b["k"] == "\udc00" and b["text"] == "网络**"
