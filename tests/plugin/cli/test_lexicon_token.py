"""`qinglang lexicon ...` and `qinglang token ...` commands (acting with API tokens)."""

from __future__ import annotations

import json
from pathlib import Path

import getpass

from click.testing import CliRunner

from service.cli import cli  # the qinglang program: reads QINGLANG_TOKEN / _FOUR_EYES / _SINGLE_OPERATOR
from plugin.store import LexiconStore, TokenStore
from tests.fakes import fake_factory
from tests.store_config import LEXICONS, make_config


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
    assert "3 lexicon file(s), 0 variant table(s), 0 error(s)" in res.output
    res = run("lexicon", "lint", "--json", str(bad), ok=False)
    assert json.loads(res.stdout)["problems"][0]["line"] == 4


def test_lint_directory_and_missing_file(tmp_path: Path) -> None:
    assert run("lexicon", "lint", str(Path(LEXICONS[0]).parent)).exit_code == 0
    res = run("lexicon", "lint", str(tmp_path / "nope.txt"), ok=False)
    assert res.exit_code == 1 and "cannot read file" in res.output


def tokens(db: Path) -> dict[str, list[str]]:
    """``--token <secret>`` arguments for alice, carol, dave (editors) and bob, lead (approvers)."""
    store = TokenStore(db)
    roles = {"alice": "editor", "carol": "editor", "dave": "editor", "bob": "approver", "lead": "approver"}
    return {name: ["--token", store.create(name, role)[1]] for name, role in roles.items()}


def test_draft_publish_rollback_workflow(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    t = tokens(db_path)
    db = ["--db", str(db_path)]
    cs = run("lexicon", "draft", "new", *db, *t["alice"], "--note", "more gambling").output.strip()
    run("lexicon", "draft", "add", *db, cs, "--term", "线上棋牌", "--category", "gambling", "--action", "block",
        "--severity", "4", *t["alice"])
    run("lexicon", "draft", "edit", *db, cs, "persona:炫富", "--action", "review", *t["alice"])
    run("lexicon", "draft", "remove", *db, cs, "clickbait:震惊", *t["alice"])
    shown = json.loads(run("lexicon", "draft", "show", *db, cs, "--json").output)
    assert sorted(c["op"] for c in shown["changes"]) == ["add", "edit", "remove"]
    assert shown["contributors"] == ["alice"] and shown["revision"] == 3
    res = run("lexicon", "publish", *db, cs, "--revision", "3", *t["alice"], ok=False)
    assert res.exit_code == 1 and "needs 'approver'" in res.output
    assert "published version 2" in run("lexicon", "publish", *db, cs, "--revision", "3", *t["bob"],
                                         "--force").output
    out = run("lexicon", "versions", *db).output
    assert "alice" in out and "bob" in out
    v2 = json.loads(run("lexicon", "versions", *db, "--json").output)[0]
    assert (v2["author"], v2["approver"], v2["approval"]) == ("alice", "bob", "four-eyes")
    out = run("lexicon", "diff", *db, "1", "2").output
    assert "+ gambling:线上棋牌" in out and "- clickbait:震惊" in out and "~ persona:炫富" in out
    assert "v2..live" in run("lexicon", "history", *db, "persona:炫富").output
    shown = json.loads(run("lexicon", "show", *db, "-q", "棋牌", "--json").output)
    assert [e["term_id"] for e in shown["entries"]] == ["gambling:线上棋牌"]
    res = run("lexicon", "rollback", *db, "1", *t["carol"])  # a request: a draft for an approver
    assert "drafted change-set #2 (revision 1)" in res.output and "publish 2 --revision 1" in res.output
    assert "published version 3" in run("lexicon", "publish", *db, "2", "--revision", "1", *t["bob"]).output
    info = LexiconStore(db_path, make_config()).version_info(3)
    assert (info["kind"], info["author"], info["approver"], info["rollback_of"]) == ("rollback", "carol", "bob", 1)
    out_dir = tmp_path / "export"
    run("lexicon", "export", *db, "--version", "2", "--out", str(out_dir))
    assert (out_dir / "gambling.yaml").exists()
    res = run("lexicon", "import", *db, str(out_dir), "--dry-run")  # a dry run changes nothing: no token needed
    assert "would draft: 1 addition(s), 1 edit(s), 0 removal(s)" in res.output


def test_cli_identity_comes_from_a_token(db_path: Path) -> None:
    """Nobody acts under a name they type: --author / --approver / --editor are gone, a token is verified."""
    seed(db_path)
    t = tokens(db_path)
    db = ["--db", str(db_path)]
    res = run("lexicon", "draft", "new", *db, "--author", "alice", ok=False)
    assert res.exit_code == 2 and "--author" in res.output
    res = run("lexicon", "draft", "new", *db, ok=False)
    assert res.exit_code == 1 and "needs an identity" in res.output and "QINGLANG_TOKEN" in res.output
    res = run("lexicon", "draft", "new", *db, "--token", "qg_forged", ok=False)
    assert res.exit_code == 1 and "invalid token" in res.output
    cs = CliRunner(env={"QINGLANG_TOKEN": t["alice"][1]}).invoke(cli, ["lexicon", "draft", "new", *db]).output.strip()
    run("lexicon", "draft", "add", *db, cs, "--term", "线上棋牌", "--category", "gambling", *t["alice"])
    res = run("lexicon", "publish", *db, cs, "--revision", "1", "--approver", "bob", *t["bob"], ok=False)
    assert res.exit_code == 2  # no --approver any more
    run("lexicon", "draft", "add", *db, cs, "--term", "网络赌球", "--category", "gambling", *t["bob"])
    res = run("lexicon", "publish", *db, cs, "--revision", "2", *t["bob"], "--force", ok=False)
    assert res.exit_code == 1 and "four-eyes" in res.output  # bob changed it, so bob cannot approve it
    res = run("lexicon", "publish", *db, cs, "--revision", "1", *t["lead"], "--force", ok=False)
    assert res.exit_code == 1 and "not revision 1 that you approved" in res.output
    res = run("lexicon", "publish", *db, cs, "--revision", "2", *t["lead"], "--no-four-eyes", ok=False)
    assert res.exit_code == 2  # four-eyes is the deployment's setting, not a flag anyone may pass
    assert "published version 2" in run("lexicon", "publish", *db, cs, "--revision", "2", *t["lead"],
                                         "--force").output
    assert LexiconStore(db_path, make_config()).changeset(int(cs))["contributors"] == ["alice", "bob"]


def test_single_operator_mode_only_where_configured(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    db = ["--db", str(db_path)]
    f = tmp_path / "gambling_extra.txt"
    f.write_text("# category: gambling\n# action: block\n线上棋牌\n", encoding="utf-8")
    res = run("lexicon", "apply", str(f), *db, "--note", "x", "--single-operator", ok=False)
    assert res.exit_code == 1 and "single-operator mode is not enabled" in res.output
    solo = CliRunner(env={"QINGLANG_SINGLE_OPERATOR": "true"})
    res = solo.invoke(cli, ["lexicon", "apply", str(f), *db, "--note", "campaign", "--single-operator", "--force"])
    assert res.exit_code == 0 and "published version 2" in res.output, res.output
    info = LexiconStore(db_path, make_config()).version_info(2)
    assert info["author"] == info["approver"] == f"single-operator:{getpass.getuser()}"
    assert info["approval"] == "single-operator"
    res = solo.invoke(cli, ["lexicon", "rollback", "1", *db, "--single-operator"])
    assert res.exit_code == 0 and "published version 3 (rollback to version 1)" in res.output, res.output


def test_stale_draft_conflict_via_cli(db_path: Path) -> None:
    seed(db_path)
    t = tokens(db_path)
    db = ["--db", str(db_path)]
    a = run("lexicon", "draft", "new", *db, *t["alice"]).output.strip()
    b = run("lexicon", "draft", "new", *db, *t["carol"]).output.strip()
    run("lexicon", "draft", "add", *db, a, "--term", "线上棋牌", "--category", "gambling", *t["alice"])
    run("lexicon", "draft", "add", *db, b, "--term", "网络赌球", "--category", "gambling", *t["carol"])
    run("lexicon", "publish", *db, a, "--revision", "1", *t["bob"], "--force")
    res = run("lexicon", "publish", *db, b, "--revision", "1", *t["bob"], "--force", ok=False)
    assert res.exit_code == 1 and "conflict" in res.output and "The draft is kept" in res.output
    run("lexicon", "draft", "rebase", *db, b, *t["carol"])
    res = run("lexicon", "preview", *db, b)
    assert f"preview of change-set #{b} revision 2" in res.output
    assert "published version 3" in run("lexicon", "publish", *db, b, "--revision", "2", *t["bob"],
                                         "--force").output


def test_import_refused_with_line_numbers(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    t = tokens(db_path)
    f = tmp_path / "new.tsv"
    f.write_text("线上棋牌\tgambling\tblock\n\tgambling\n好词\tnosuch\n", encoding="utf-8")
    res = run("lexicon", "import", "--db", str(db_path), str(f), *t["alice"], ok=False)
    assert res.exit_code == 1
    assert f"{f}:2" in res.output and f"{f}:3" in res.output and "nothing was written" in res.output
    assert LexiconStore(db_path, make_config()).changesets(None) == []


def test_apply(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    t = tokens(db_path)
    f = tmp_path / "gambling_extra.txt"
    f.write_text("# category: gambling\n# action: block\n线上棋牌\n网络赌球\n", encoding="utf-8")
    base = ["lexicon", "apply", str(f), "--db", str(db_path), "--note", "scripted"]
    res = run(*base, *t["alice"])  # four-eyes: drafted for an approver
    assert "drafted change-set #1 (revision 1)" in res.output and "publish 1 --revision 1" in res.output
    res = run(*base, *t["alice"])  # again: the same open draft, not a second one
    assert "reusing your open change-set #1" in res.output
    assert "published version 2" in run("lexicon", "publish", "--db", str(db_path), "1", "--revision", "1",
                                         *t["lead"], "--force").output
    info = LexiconStore(db_path, make_config()).version_info(2)
    assert (info["author"], info["approver"], info["note"]) == ("alice", "lead", "scripted")
    alone = CliRunner(env={"QINGLANG_FOUR_EYES": "false"})
    g = tmp_path / "gambling_more.txt"
    g.write_text("# category: gambling\n# action: block\n赌球平台\n", encoding="utf-8")
    res = alone.invoke(cli, [*base[:2], str(g), *base[3:], *t["lead"], "--force"])
    assert res.exit_code == 0 and "published version 3" in res.output, res.output
    assert LexiconStore(db_path, make_config()).version_info(3)["approval"] == "self"


def test_apply_of_an_unchanged_file_says_so(db_path: Path, tmp_path: Path) -> None:
    seed(db_path)
    t = tokens(db_path)
    run("lexicon", "export", "--db", str(db_path), "--out", str(tmp_path / "live"))
    res = run("lexicon", "apply", str(tmp_path / "live"), "--db", str(db_path), "--note", "again", *t["alice"])
    assert "nothing to apply: the files match the live version 1" in res.output
    assert LexiconStore(db_path, make_config()).changesets(None) == []


def test_token_commands(db_path: Path) -> None:
    res = run("token", "create", "--role", "approver", "--name", "bob", "--db", str(db_path))
    secret = res.stdout.strip().splitlines()[0]
    assert secret.startswith("qg_")
    out = run("token", "list", "--db", str(db_path)).output
    assert "bob" in out and "approver" in out and secret not in out
    run("token", "revoke", "bob", "--db", str(db_path))
    assert "revoked" in run("token", "list", "--db", str(db_path)).output
    assert run("token", "create", "--role", "root", "--name", "x", "--db", str(db_path), ok=False).exit_code == 2
    res = run("token", "create", "--role", "reviewer", "--name", "rae", "--db", str(db_path))
    assert "role reviewer" in res.output
    res = run("token", "create", "--role", "admin", "--name", "single-operator:root", "--db", str(db_path), ok=False)
    assert res.exit_code == 1 and "reserved" in res.output


def test_draft_show_names_the_term_an_entry_id_does_not(db_path: Path) -> None:
    """A change keyed by an entry's own ``id`` was listed by that id only: ``edit persona:炫富 block/2`` while the
    entry now holds the term 线上赌场 (the id stays when the term changes)."""
    seed(db_path)
    store = LexiconStore(db_path, make_config(), matcher_factory=fake_factory)
    cs = store.create_changeset("alice", "typo")
    store.set_change(cs, "edit", editor="alice", term_id="persona:炫富",
                     entry={"id": "persona:炫富", "term": "线上赌场", "category": "gambling", "action": "block"})
    out = run("lexicon", "draft", "show", "--db", str(db_path), str(cs)).output
    assert "persona:炫富" in out and "线上赌场" in out and "gambling" in out, out
