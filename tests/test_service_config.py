"""Settings as data: environment overrides, validation, docs that list every setting, the serve command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.review.settings import REVIEW_SETTINGS, ReviewSettings
from service.config import SETTINGS, ServiceConfig

DOC = Path(__file__).resolve().parents[1] / "docs" / "service.md"


def test_defaults_match_the_settings_table():
    cfg = ServiceConfig()
    for s in SETTINGS:
        assert getattr(cfg, s.name) == s.default, s.name
    assert {s.name for s in SETTINGS} == set(ServiceConfig.__dataclass_fields__)


def test_review_settings_table_matches():
    rs = ReviewSettings()
    assert {n for n, _, _ in REVIEW_SETTINGS} == set(ReviewSettings.__dataclass_fields__)
    for name, default, _ in REVIEW_SETTINGS:
        assert getattr(rs, name) == default


def test_env_overrides_and_explicit_values_win():
    env = {"QINGLANG_PORT": "9001", "QINGLANG_PROTECT_CHECKS": "true", "QINGLANG_MAX_SUGGESTIONS": "7",
           "QINGLANG_SEARCH_HIT_FIELDS": "title, body", "QINGLANG_UNRELATED": "x"}
    cfg = ServiceConfig.from_env(env, port=9002)
    assert cfg.port == 9002 and cfg.protect_checks is True and cfg.max_suggestions == 7
    assert cfg.search_hit_fields == ("title", "body")
    assert ServiceConfig.from_env(cfg.to_env()) == cfg


@pytest.mark.parametrize("env", [{"QINGLANG_PORT": "eighty"}, {"QINGLANG_PROTECT_CHECKS": "maybe"},
                                 {"QINGLANG_MAX_BODY_BYTES": "0"}, {"QINGLANG_SUGGESTION_DROP_ACTION": "explode"}])
def test_bad_env_values_are_named(env):
    with pytest.raises(ValueError) as exc:
        ServiceConfig.from_env(env)
    key = next(iter(env)).removeprefix("QINGLANG_").lower()
    assert key in str(exc.value).lower() or next(iter(env)) in str(exc.value)


def test_secrets_are_masked():
    cfg = ServiceConfig(upstream_url="http://user:pw@es.local:9200/x", upstream_api_key="k", upstream_password="p")
    pub = cfg.public()
    assert pub["upstream_api_key"] == "***" and pub["upstream_password"] == "***"
    assert "pw" not in pub["upstream_url"] and "es.local:9200" in pub["upstream_url"]


def test_every_setting_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    for s in SETTINGS:
        assert f"`{s.name}`" in doc and f"QINGLANG_{s.name.upper()}" in doc, s.name
    for name, _, _ in REVIEW_SETTINGS:
        assert f"`{name}`" in doc, name
    from plugin.review.rules import default_rules

    for rule in default_rules():
        assert f"`{rule.id}`" in doc, rule.id


def test_serve_help_and_bad_options():
    from service.cli import cli

    runner = CliRunner()
    out = runner.invoke(cli, ["serve", "--help"])
    assert out.exit_code == 0 and "--upstream" in out.output and "--db" in out.output
    bad = runner.invoke(cli, ["serve", "--port", "70000"])
    assert bad.exit_code != 0 and "port" in bad.output.lower()
