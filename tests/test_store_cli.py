"""`qinglang lexicon ...` and `qinglang token ...` commands."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from plugin.cli import cli
from plugin.store import LexiconStore
from tests.store.fake_matcher import fake_factory
from tests.store.fixtures import LEXICONS, db_path, make_config  # noqa: F401


def run(*args: str, ok: bool = True):
    res = CliRunner().invoke(cli, list(args))
    if ok:
        assert res.exit_code == 0, res.output
    return res


def seed(db: Path) -> None:
    LexiconStore(db, make_config(), matcher_factory=fake_factory).ensure_seeded()


def test_lint_reports_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "gambling.yaml"
    bad.write_text("category: gambling\nentries:\n  - 百家乐\n  - '  '\n  - term: 赌球\n    action: ban\n",
                   encoding="utf-8")
    res = run("lexicon", "lint", str(bad), ok=False)
    assert res.exit_code == 1
    assert f"{bad}:4: error: empty term" in res.output
    assert f"{bad}:5: error: unknown action 'ban'" in res.output
    res = run("lexicon", "lint", *LEXICONS)
    assert "3 file(s), 0 error(s)" in res.output
    res = run("lexicon", "lint", "--json", str(bad), ok=False)
    assert json.loads(res.stdout)["problems"][0]["line"] == 4


def test_lint_directory_and_missing_file(tmp_path: Path) -> None:
    assert run("lexicon", "lint", str(Path(LEXICONS[0]).parent)).exit_code == 0
    res = run("lexicon", "lint", str(tmp_path / "nope.txt"), ok=False)
    assert res.exit_code == 1 and "cannot read file" in res.output


def test_draft_publish_rollback_workflow(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    db = ["--db", str(db_path)]
    cs = run("lexicon", "draft", "new", *db, "--author", "alice", "--note", "more gambling").output.strip()
    run("lexicon", "draft", "add", *db, cs, "--term", "线上棋牌", "--category", "gambling", "--action", "block",
        "--severity", "4")
    run("lexicon", "draft", "edit", *db, cs, "persona:炫富", "--action", "review")
    run("lexicon", "draft", "remove", *db, cs, "clickbait:震惊")
    shown = json.loads(run("lexicon", "draft", "show", *db, cs, "--json").output)
    assert sorted(c["op"] for c in shown["changes"]) == ["add", "edit", "remove"]
    res = run("lexicon", "publish", *db, cs, "--approver", "alice", ok=False)
    assert res.exit_code == 1 and "four-eyes" in res.output
    assert "published version 2" in run("lexicon", "publish", *db, cs, "--approver", "bob", "--force").output
    out = run("lexicon", "versions", *db).output
    assert "alice" in out and "bob" in out
    out = run("lexicon", "diff", *db, "1", "2").output
    assert "+ gambling:线上棋牌" in out and "- clickbait:震惊" in out and "~ persona:炫富" in out
    assert "v2..live" in run("lexicon", "history", *db, "persona:炫富").output
    shown = json.loads(run("lexicon", "show", *db, "-q", "棋牌", "--json").output)
    assert [e["term_id"] for e in shown["entries"]] == ["gambling:线上棋牌"]
    res = run("lexicon", "rollback", *db, "1", "--author", "carol", "--approver", "bob")
    assert "published version 3" in res.output
    out_dir = tmp_path / "export"
    run("lexicon", "export", *db, "--version", "2", "--out", str(out_dir))
    assert (out_dir / "gambling.yaml").exists()
    res = run("lexicon", "import", *db, str(out_dir), "--author", "dave", "--dry-run")
    assert "would draft: 1 addition(s), 1 edit(s), 0 removal(s)" in res.output


def test_stale_draft_conflict_via_cli(db_path: Path) -> None:
    seed(db_path)
    db = ["--db", str(db_path)]
    a = run("lexicon", "draft", "new", *db, "--author", "alice").output.strip()
    b = run("lexicon", "draft", "new", *db, "--author", "carol").output.strip()
    run("lexicon", "draft", "add", *db, a, "--term", "线上棋牌", "--category", "gambling")
    run("lexicon", "draft", "add", *db, b, "--term", "网络赌球", "--category", "gambling")
    run("lexicon", "publish", *db, a, "--approver", "bob", "--force")
    res = run("lexicon", "publish", *db, b, "--approver", "bob", "--force", ok=False)
    assert res.exit_code == 1 and "conflict" in res.output and "The draft is kept" in res.output
    run("lexicon", "draft", "rebase", *db, b)
    assert "published version 3" in run("lexicon", "publish", *db, b, "--approver", "bob", "--force").output


def test_import_refused_with_line_numbers(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    f = tmp_path / "new.tsv"
    f.write_text("线上棋牌\tgambling\tblock\n\tgambling\n好词\tnosuch\n", encoding="utf-8")
    res = run("lexicon", "import", "--db", str(db_path), str(f), "--author", "alice", ok=False)
    assert res.exit_code == 1
    assert f"{f}:2" in res.output and f"{f}:3" in res.output and "nothing was written" in res.output
    assert LexiconStore(db_path, make_config()).changesets(None) == []


def test_apply(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    f = tmp_path / "gambling_extra.txt"
    f.write_text("# category: gambling\n# action: block\n线上棋牌\n网络赌球\n", encoding="utf-8")
    base = ["lexicon", "apply", str(f), "--db", str(db_path), "--note", "scripted"]
    res = run(*base, "--author", "bot", "--approver", "bot", ok=False)
    assert res.exit_code == 1 and "four-eyes" in res.output
    res = run(*base, "--author", "bot", "--approver", "lead", "--force")
    assert "published version 2" in res.output
    info = LexiconStore(db_path, make_config()).version_info(2)
    assert (info["author"], info["approver"], info["note"]) == ("bot", "lead", "scripted")


def test_token_commands(db_path: Path) -> None:
    res = run("token", "create", "--role", "approver", "--name", "bob", "--db", str(db_path))
    secret = res.stdout.strip().splitlines()[0]
    assert secret.startswith("qg_")
    out = run("token", "list", "--db", str(db_path)).output
    assert "bob" in out and "approver" in out and secret not in out
    run("token", "revoke", "bob", "--db", str(db_path))
    assert "revoked" in run("token", "list", "--db", str(db_path)).output
    assert run("token", "create", "--role", "root", "--name", "x", "--db", str(db_path), ok=False).exit_code == 2
