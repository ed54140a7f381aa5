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


def test_match_follows_the_jsonl_contract(tmp_path) -> None:
    runner = CliRunner()
    db = tmp_path / "q.db"
    _import(runner, db)
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": 1, "text": "喝热水能杀死病毒吗", "user": "u1"},
        [1, 2],
        {"id": 3, "text": "热水器哪个牌子好", "source": "app"},
    ]) + "\n", encoding="utf-8")
    res = runner.invoke(cli, ["rumors", "match", str(path), "--db", str(db)])
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert res.exit_code == 1 and "1 malformed input line(s)" in res.stderr
    assert set(rows[0]) == {"id", "pins", "labels"} and rows[0]["pins"]  # extra fields ignored
    assert rows[1] == {"id": None, "error": "line 2: expected a JSON object, got list", "pins": [], "labels": []}
    res = runner.invoke(cli, ["rumors", "match", str(path), "--db", str(db), "--keep-fields", "--keep-going"])
    rows = [json.loads(line) for line in res.stdout.splitlines()]
    assert res.exit_code == 0 and rows[0]["user"] == "u1" and rows[2]["source"] == "app" and rows[2]["pins"] == []


def test_match_can_ask_a_running_service(tmp_path, service_matcher) -> None:
    from service.app import create_app
    from service.config import ServiceConfig
    from tests.service.server import serve

    runner = CliRunner()
    db = tmp_path / "q.db"
    _import(runner, db)
    stdin = "\n".join(json.dumps(x, ensure_ascii=False) for x in [
        {"id": 1, "text": "喝热水能杀死病毒吗"}, {"id": 2, "text": "热水器哪个牌子好"}, {"id": 3}]) + "\n"
    local = runner.invoke(cli, ["rumors", "match", "--db", str(db)], input=stdin)
    with serve(create_app(ServiceConfig(db_path=str(db)), matcher=service_matcher)) as base:
        remote = runner.invoke(cli, ["rumors", "match", "--service", base], input=stdin)
    assert local.exit_code == remote.exit_code == 1
    a, b = ([json.loads(x) for x in r.stdout.splitlines()] for r in (local, remote))
    assert [p["rumor_id"] for p in a[0]["pins"]] == [p["rumor_id"] for p in b[0]["pins"]] and b[0]["pins"]
    assert set(b[0]["pins"][0]) == set(a[0]["pins"][0]) >= {"rumor_id", "score", "claim", "refutation"}
    assert b[1] == a[1] == {"id": 2, "pins": [], "labels": []} and "error" in b[2]
    assert runner.invoke(cli, ["rumors", "match", "--service", base, "--db", str(db)], input="").exit_code == 2


def test_a_second_import_is_a_proposal_an_approver_publishes(tmp_path) -> None:
    """The direct import only fills an empty store (the install-time bootstrap); afterwards a file is a
    proposal by the token's name, and only another identity with an approver token publishes it."""
    from plugin.rumors import RumorStore
    from plugin.store import TokenStore

    runner = CliRunner()
    db = tmp_path / "q.db"
    _import(runner, db)
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "x1", "claim": "喝板蓝根可以预防所有病毒", "status": "false",
                                 "refutations": [{"title": "【辟谣】板蓝根"}]}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    res = runner.invoke(cli, ["rumors", "import", str(extra), "--db", str(db), "--quiet"])
    assert res.exit_code == 1 and "needs an identity" in res.output
    tokens = TokenStore(db)
    ed, ann = tokens.create("ed", "editor")[1], tokens.create("ann", "approver")[1]
    tokens.close()
    res = runner.invoke(cli, ["rumors", "import", str(extra), "--db", str(db), "--quiet", "--token", ed])
    assert res.exit_code == 0 and "rumour proposal #1" in res.output, res.output
    with RumorStore(db) as store:
        assert store.get("x1") is None
    listed = runner.invoke(cli, ["rumors", "proposals", "--db", str(db)])
    assert json.loads(listed.stdout.splitlines()[0])["author"] == "ed"
    res = runner.invoke(cli, ["rumors", "publish", "1", "--db", str(db), "--token", ed])
    assert res.exit_code == 1 and "'approver'" in res.output  # an editor token cannot publish
    res = runner.invoke(cli, ["rumors", "publish", "1", "--db", str(db), "--token", ann])
    assert res.exit_code == 0 and "1 new" in res.output and "four-eyes" in res.output, res.output
    with RumorStore(db) as store:
        assert store.get("x1") is not None
