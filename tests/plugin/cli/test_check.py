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
    assert res.exit_code == 1, res.output  # malformed lines: every line answered, then a non-zero exit
    assert "3 malformed input line(s)" in res.stderr
    rows = [json.loads(x) for x in res.stdout.splitlines()]
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


def _rows(text: str) -> list[dict]:
    return [json.loads(x) for x in text.splitlines()]


def test_extra_fields_are_ignored_or_kept() -> None:
    line = json.dumps({"id": 1, "text": "网络赌博", "lang": "zh", "meta": {"src": "feed"}, "action": "x"},
                      ensure_ascii=False)
    res = CliRunner().invoke(cli, ["check", "--lexicon", LEX, "--no-bundled"], input=line + "\n")
    assert res.exit_code == 0, res.output
    assert set(_rows(res.stdout)[0]) == {"id", "action", "hits"}
    res = CliRunner().invoke(cli, ["check", "--lexicon", LEX, "--no-bundled", "--keep-fields"], input=line + "\n")
    row = _rows(res.stdout)[0]
    assert res.exit_code == 0 and row["lang"] == "zh" and row["meta"] == {"src": "feed"}
    assert row["action"] == "block" and "text" not in row  # the command's own fields win; the text is not echoed


def test_keep_going_exits_zero_and_a_file_input_shows_progress(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\ufeff" + json.dumps({"id": 1, "text": "今天天气不错"}, ensure_ascii=False) + "\n[1]\n",
                    encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", str(path), "--lexicon", LEX, "--no-bundled", "--keep-going"])
    assert res.exit_code == 0 and [r.get("error", "ok")[:6] for r in _rows(res.stdout)] == ["ok", "line 2"]
    assert "in.jsonl" not in res.stderr  # stderr is no terminal here: no progress unless asked
    res = CliRunner().invoke(cli, ["check", str(path), "--lexicon", LEX, "--no-bundled", "--progress"])
    assert res.exit_code == 1 and "in.jsonl" in res.stderr and len(_rows(res.stdout)) == 2
    assert CliRunner().invoke(cli, ["check", str(tmp_path / "missing.jsonl")]).exit_code == 2


def test_check_and_scan_use_the_published_version_with_db(tmp_path: Path) -> None:
    from plugin.store import LexiconStore
    from tests.store_config import make_config

    db = tmp_path / "store.db"
    store = LexiconStore(db, make_config())
    store.ensure_seeded()
    cs = store.create_changeset("alice")
    rev = store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling", "action": "block"},
                           editor="alice")["revision"]
    store.publish(cs, approver="bob", expected_revision=rev, force=True)
    line = json.dumps({"id": 1, "text": "来玩线上棋牌"}, ensure_ascii=False) + "\n"
    bundled = _rows(CliRunner().invoke(cli, ["check"], input=line).stdout)[0]
    published = _rows(CliRunner().invoke(cli, ["check", "--db", str(db)], input=line).stdout)[0]
    assert not any(h["term"] == "线上棋牌" for h in bundled["hits"])
    assert published["action"] == "block" and published["hits"][0]["term"] == "线上棋牌"
    res = CliRunner().invoke(cli, ["scan", "来玩线上棋牌", "--db", str(db), "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["hits"][0]["term"] == "线上棋牌"
    assert CliRunner().invoke(cli, ["check", "--db", str(tmp_path / "typo.db")], input=line).exit_code == 2
    assert CliRunner().invoke(cli, ["check", "--db", str(db), "--lexicon", LEX], input=line).exit_code == 2


def test_check_and_scan_ask_a_running_service(tmp_path: Path, service_matcher) -> None:
    from plugin.store import TokenStore
    from service.app import create_app
    from service.config import ServiceConfig
    from tests.service.server import serve

    db = tmp_path / "svc.db"
    app = create_app(ServiceConfig(db_path=str(db), protect_checks=True, max_query_chars=20),
                     matcher=service_matcher, rumors=None)
    secret = TokenStore(str(db)).create("cli", "reader")[1]
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in (
        {"id": 1, "text": "澳门赌场开户"}, {"id": 2, "text": "花" * 30}, {"id": 3, "text": "今天天气不错"})) + "\n"
    with serve(app) as base:
        res = CliRunner().invoke(cli, ["check", "--service", base, "--token", secret], input=lines)
        rows = _rows(res.stdout)
        assert res.exit_code == 1 and [r["id"] for r in rows] == [1, 2, 3]
        assert rows[0]["action"] == "block" and rows[0]["hits"][0]["category"] == "gambling"
        assert "refused by the service" in rows[1]["error"] and "max_query_chars" in rows[1]["error"]
        assert rows[2] == {"id": 3, "action": "allow", "hits": []}
        refused = CliRunner().invoke(cli, ["check", "--service", base], input=lines)
        assert refused.exit_code == 1 and "401" in refused.output and "--token" in refused.output
        res = CliRunner().invoke(cli, ["scan", "澳门赌场", "--service", base, "--token", secret, "--json"])
        assert res.exit_code == 0 and json.loads(res.stdout)["action"] == "block"
    assert CliRunner().invoke(cli, ["check", "--service", base, "--db", str(db)], input="").exit_code == 2


def test_a_line_nested_too_deeply_gets_an_error_line() -> None:
    stdin = "\n".join(["[" * 100_000, json.dumps({"id": "b", "text": "今天天气不错"}, ensure_ascii=False), ""])
    res = CliRunner().invoke(cli, ["check", "--lexicon", LEX, "--no-bundled"], input=stdin)
    assert res.exit_code == 1, res.output
    rows = [json.loads(x) for x in res.stdout.splitlines()]
    assert rows == [{"id": None, "error": "line 1: invalid JSON: nested too deeply"},
                    {"id": "b", "action": "allow", "hits": []}]
