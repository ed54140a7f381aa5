"""Settings declared once, in sections: environment overrides, validation, docs that list every setting, the
serve command."""

from __future__ import annotations

import dataclasses

import pytest
from click.testing import CliRunner

from plugin.review.settings import REVIEW_SETTINGS, ReviewSettings
from plugin.settings import setting_rows
from plugin.store import StoreConfig
from service.config import SETTINGS, ServiceConfig
from tests.paths import ROOT

DOC = ROOT / "docs" / "service.md"


def test_defaults_match_the_settings_table():
    cfg = ServiceConfig()
    for s in SETTINGS:
        assert s.value(cfg) == s.default, s.name
        assert s.help, s.name
    assert len({s.name for s in SETTINGS}) == len(SETTINGS)  # flat names are unique across sections
    assert {s.section for s in SETTINGS} == {"service", "search", "rumors", "review", "store"}
    # the review and store sections are the library's own declarations, not copies
    assert cfg.review == ReviewSettings() and cfg.store == StoreConfig()
    assert [(s.path[1], s.default, s.help) for s in SETTINGS if s.section == "review"] == \
        [(n, d, h) for n, d, h in REVIEW_SETTINGS]
    assert [s.path[1] for s in SETTINGS if s.section == "store"] == [n for n, _, _ in setting_rows(StoreConfig)]


def test_review_settings_table_matches():
    rs = ReviewSettings()
    assert [n for n, _, _ in REVIEW_SETTINGS] == [f.name for f in dataclasses.fields(ReviewSettings)]
    for name, default, help_ in REVIEW_SETTINGS:
        assert getattr(rs, name) == default and help_, name


def test_flat_names_reach_their_sections():
    cfg = ServiceConfig(upstream_url="http://es:9200", search_hit_fields=("title",), review_timezone="UTC",
                        matrix_history_size=7, four_eyes=False, rumor_refresh_seconds=0)
    assert cfg.search.upstream_url == "http://es:9200" and cfg.search.hit_fields == ("title",)
    assert cfg.review.naive_timezone == "UTC" and cfg.review.matrix_history_size == 7
    assert cfg.store.four_eyes is False and cfg.rumors.refresh_seconds == 0
    assert ServiceConfig(review=ReviewSettings(violations_limit=1), spike_ratio=9.0).review == \
        ReviewSettings(violations_limit=1, spike_ratio=9.0)
    with pytest.raises(ValueError, match="unknown setting 'nope'"):
        ServiceConfig(nope=1)
    with pytest.raises(ValueError, match="spike_window: must be at least 1"):
        ServiceConfig(spike_window=0)


def test_env_overrides_and_explicit_values_win():
    env = {"QINGLANG_PORT": "9001", "QINGLANG_PROTECT_CHECKS": "true", "QINGLANG_MAX_SUGGESTIONS": "7",
           "QINGLANG_SEARCH_HIT_FIELDS": "title, body", "QINGLANG_UNRELATED": "x"}
    cfg = ServiceConfig.from_env(env, port=9002)
    assert cfg.port == 9002 and cfg.protect_checks is True and cfg.max_suggestions == 7
    assert cfg.search.hit_fields == ("title", "body")
    assert ServiceConfig.from_env(cfg.to_env()) == cfg
    env = {"QINGLANG_FOUR_EYES": "false", "QINGLANG_SPIKE_RATIO": "7.5", "QINGLANG_EXTRA_CATEGORIES": "a, b",
           "QINGLANG_UPSTREAM_URL": "", "QINGLANG_RELOAD_INTERVAL": "0.5"}
    cfg = ServiceConfig.from_env(env)
    assert cfg.store.four_eyes is False and cfg.review.spike_ratio == 7.5 and cfg.store.extra_categories == ("a", "b")
    assert cfg.search.upstream_url is None and cfg.store.reload_interval == 0.5
    assert ServiceConfig.from_env(cfg.to_env()) == cfg


@pytest.mark.parametrize("env", [{"QINGLANG_PORT": "eighty"}, {"QINGLANG_PROTECT_CHECKS": "maybe"},
                                 {"QINGLANG_MAX_BODY_BYTES": "0"}, {"QINGLANG_SUGGESTION_DROP_ACTION": "explode"},
                                 {"QINGLANG_REVIEW_TIMEZONE": "Mars/Base"}, {"QINGLANG_MAX_NEW_BLOCK_SHARE": "lots"}])
def test_bad_env_values_are_named(env):
    with pytest.raises(ValueError) as exc:
        ServiceConfig.from_env(env)
    assert str(exc.value).startswith(next(iter(env)) + ": "), str(exc.value)  # the variable, then why


def test_secrets_are_masked():
    cfg = ServiceConfig(upstream_url="http://user:pw@es.local:9200/x", upstream_api_key="k", upstream_password="p")
    pub = cfg.public()
    assert pub["upstream_api_key"] == "***" and pub["upstream_password"] == "***"
    assert "pw" not in pub["upstream_url"] and "es.local:9200" in pub["upstream_url"]


def test_locations_are_hidden_unless_asked_for():
    cfg = ServiceConfig(upstream_url="http://es.local:9200", db_path="/srv/guard.db")
    hidden = cfg.public(locations=False)
    assert hidden["upstream_url"] == hidden["db_path"] == "(admin only)"
    assert hidden["rumor_url"] == cfg.public()["rumor_url"]  # an unset location stays as it is
    assert cfg.public()["db_path"] == "/srv/guard.db"


@pytest.mark.parametrize("url", ["postgresql://guard@db.local/qinglang?password=s3cret&sslmode=require",
                                 "postgresql://guard:s3cret@db.local:5433/qinglang?sslpassword=s3cret"])
def test_a_database_password_is_masked_in_the_address_and_in_query_parameters(url):
    shown = ServiceConfig(db_path=url).public()["db_path"]
    assert "s3cret" not in shown and "db.local" in shown and "***" in shown


def test_every_setting_is_documented():
    """datasette style: every setting has a row in docs/service.md "Settings" (name, variable, default, help)."""
    doc = DOC.read_text(encoding="utf-8")
    table = doc.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| `")}
    for s in SETTINGS:
        row = rows.get(f"`{s.name}`")
        assert row is not None, f"{s.name} is not in docs/service.md Settings"
        assert f"`{s.env}`" in row and s.help in row, s.name
    assert len(rows) == len(SETTINGS), sorted(set(rows) - {f"`{s.name}`" for s in SETTINGS})
    from plugin.review.rules import default_rules

    for rule in default_rules():
        assert f"`{rule.id}`" in doc, rule.id


def test_serve_help_and_bad_options():
    from service.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["serve", "--help"])
    assert out.exit_code == 0 and "--upstream" in out.output and "--db" in out.output
    for s in SETTINGS:  # every setting's variable is listed
        assert s.env in out.output, s.env
    bad = runner.invoke(cli, ["serve", "--port", "70000"])
    assert bad.exit_code != 0 and "port" in bad.output.lower()


def test_only_the_service_reads_the_environment():
    root = ROOT / "plugin"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for needle in ("os.environ", "getenv(", "envvar="):
            assert needle not in text, f"{path.relative_to(root.parent)} reads the environment ({needle})"


def test_the_program_hands_the_environment_to_the_library_commands(tmp_path):
    from service.cli import cli, cli_settings_from_env

    settings = cli_settings_from_env({"QINGLANG_FOUR_EYES": "false", "QINGLANG_TOKEN": "s3cret"})
    assert settings.token == "s3cret" and settings.store().four_eyes is False
    runner = CliRunner(env={"QINGLANG_FOUR_EYES": "maybe"})
    bad = runner.invoke(cli, ["lexicon", "versions", "--db", str(tmp_path / "x.db")])
    assert bad.exit_code == 2 and "QINGLANG_FOUR_EYES: expected true/false" in bad.output  # only where the store opens
    ok = runner.invoke(cli, ["check"], input='{"id": "1", "text": "今天天气不错"}\n')
    assert ok.exit_code == 0, ok.output
