"""The `qinglang rumors` CLI contract (import / export / match)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from plugin.cli import cli
from tests.paths import DATA

SMALL = DATA / "rumors" / "rumors_small.jsonl"


def _import(runner: CliRunner, db: Path) -> None:
    res = runner.invoke(cli, ["rumors", "import", str(SMALL), "--db", str(db), "--quiet"])
    assert res.exit_code == 0, res.output
    assert "9 new" in res.output and "1 skipped" in res.output


def test_match_contract(tmp_path) -> None:
    runner = CliRunner()
    db = tmp_path / "q.db"
    _import(runner, db)
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": 1, "text": "喝热水能杀死病毒吗"},
        {"id": "b", "text": "热水器哪个牌子好"},
        {"id": 3, "text": "斯洛伐克总理确诊新冠了"},
    ]) + "\n"
    res = runner.invoke(cli, ["rumors", "match", "--db", str(db)], input=stdin)
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert [o["id"] for o in lines] == [1, "b", 3]
    first = lines[0]
    assert set(first) == {"id", "pins", "labels"}
    assert first["pins"][0]["rumor_id"] == "t001"
    assert set(first["pins"][0]) >= {"rumor_id", "score", "claim", "refutation", "verdict_label", "headline", "cluster_id"}
    assert set(first["pins"][0]["refutation"]) >= {"title", "url", "source", "summary", "checker", "published_at"}
    scores = [p["score"] for p in first["pins"]]
    assert scores == sorted(scores, reverse=True)
    assert lines[1]["pins"] == [] and lines[1]["labels"] == []
    assert lines[2]["pins"][0]["rumor_id"] == "t002"


def test_match_bad_lines(tmp_path) -> None:
    runner = CliRunner()
    db = tmp_path / "q.db"
    _import(runner, db)
    res = runner.invoke(cli, ["rumors", "match", "--db", str(db)], input='not json\n{"id": 2}\n')
    assert res.exit_code == 1
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    assert lines[0]["pins"] == [] and "line 1" in lines[0]["error"]
    assert lines[1]["id"] == 2 and "text" in lines[1]["error"]


def test_import_error_report_and_export(tmp_path) -> None:
    runner = CliRunner()
    db = tmp_path / "q.db"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "claim": "x", "status": "false"}\n{"id": "b", "claim": "y", "verdict": "?"}\n',
                   encoding="utf-8")
    res = runner.invoke(cli, ["rumors", "import", str(bad), "--db", str(db), "--quiet"])
    assert res.exit_code == 1
    assert "bad.jsonl:2" in res.output and "nothing imported" in res.output
    _import(runner, db)
    out = tmp_path / "out.jsonl"
    res = runner.invoke(cli, ["rumors", "export", "--db", str(db), "--out", str(out)])
    assert res.exit_code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 9 and rows[0]["id"] == "t001" and rows[0]["status"] == "false"
    res = runner.invoke(cli, ["rumors", "export", "--db", str(db)])
    assert len(res.stdout.splitlines()) == 9


def test_default_db_is_qinglang_db_in_cwd(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(cli, ["rumors", "import", str(SMALL), "--quiet"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "qinglang.db").exists()


def test_match_and_export_refuse_a_missing_db(tmp_path) -> None:
    runner = CliRunner()
    typo = tmp_path / "typo.db"
    for args in (["rumors", "match", "--db", str(typo)], ["rumors", "export", "--db", str(typo)]):
        res = runner.invoke(cli, args, input='{"id": 1, "text": "x"}\n')
        assert res.exit_code == 2, res.output
        assert "does not exist" in res.output
    assert not typo.exists()


def test_match_accepts_a_bom_on_stdin(tmp_path) -> None:
    runner = CliRunner()
    db = tmp_path / "q.db"
    _import(runner, db)
    res = runner.invoke(cli, ["rumors", "match", "--db", str(db)],
                        input="\ufeff" + json.dumps({"id": 1, "text": "喝热水能杀死病毒吗"}, ensure_ascii=False) + "\n")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.splitlines()[0])["pins"][0]["rumor_id"] == "t001"
