"""plugin/cli/output.py: stored text never reaches the terminal with its control characters."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from plugin.cli import cli
from plugin.cli.output import printable
from plugin.store import LexiconStore, TokenStore
from tests.fakes import fake_factory
from tests.store_config import make_config
ESC = "\x1b]0;owned\x07\x1b[2J"


def test_printable_escapes_terminal_controls_only() -> None:
    assert printable("a\x1b[31mb\x07") == "a\\x1b[31mb\\x07"
    assert printable("\x9b1m \u202etxt \u2028 \x00 \r") == "\\x9b1m \\u202etxt \\u2028 \\x00 \\x0d"
    assert printable("第一行\n\t第二行 赌\u200b场") == "第一行\n\t第二行 赌\u200b场"


def _run(*args: str) -> str:
    res = CliRunner(env={"COLUMNS": "240"}).invoke(cli, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def test_listings_escape_stored_control_characters(tmp_path: Path) -> None:
    """Rows written before the API refused such text (or by a file import) are shown escaped."""
    db = tmp_path / "guard.db"
    store = LexiconStore(db, make_config(), matcher_factory=fake_factory)
    store.ensure_seeded()
    cs = store.create_changeset("ed" + ESC, "note" + ESC)
    store.set_change(cs, "add", entry={"term": "线上棋牌", "category": "gambling"}, editor="ed")
    store.publish(cs, approver="ann" + ESC, expected_revision=store.changeset(cs)["revision"], force=True)
    TokenStore(db).create("bot", "reader")
    with sqlite3.connect(db) as con:  # a name from before token names were checked
        con.execute("UPDATE token_tokens SET name = ? WHERE name = 'bot'", ("bot" + ESC,))
    outputs = [
        _run("lexicon", "draft", "list", "--db", str(db), "--status", "all"),
        _run("lexicon", "draft", "show", str(cs), "--db", str(db)),
        _run("lexicon", "draft", "show", str(cs), "--db", str(db), "--json"),
        _run("lexicon", "versions", "--db", str(db)),
        _run("lexicon", "history", "gambling:线上棋牌", "--db", str(db)),
        _run("token", "list", "--db", str(db)),
    ]
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out, out
        assert "\\x1" in out or "\\u001b" in out, out  # (narrow tables cut "\\x1b" to "\\x1…")
