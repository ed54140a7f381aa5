"""Service settings as data: every setting has a name, a default, a type and help text.

``ServiceConfig.from_env()`` reads ``QINGLANG_<NAME>`` environment variables (e.g.
``QINGLANG_MAX_BODY_BYTES=65536``); explicit keyword overrides win over the environment.
``qinglang serve --help`` and docs/service.md list the same table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any, Mapping

__all__ = ["ENV_PREFIX", "SETTINGS", "ServiceConfig", "Setting"]

ENV_PREFIX = "QINGLANG_"


@dataclass(frozen=True, slots=True)
class Setting:
    """One service setting."""

    name: str
    default: Any
    type: type
    help: str


#: Every service setting, in documentation order.
SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", "qinglang.db", str, "SQLite file shared by the rumour index, review records and lexicon versions"),
    Setting("host", "127.0.0.1", str, "address `qinglang serve` binds"),
    Setting("port", 8080, int, "port `qinglang serve` listens on"),
    Setting("workers", 1, int, "uvicorn worker processes for `qinglang serve` (each holds its own matcher)"),
    Setting("max_body_bytes", 1_048_576, int, "largest request body accepted; larger bodies get 413"),
    Setting("max_query_chars", 256, int, "longest query, suggestion prefix or suggestion (characters)"),
    Setting("max_text_chars", 20_000, int, "longest candidate title + text (characters)"),
    Setting("max_suggestions", 50, int, "most suggestions in one /v1/suggestions/filter request"),
    Setting("max_candidates", 200, int, "most candidates in one /v1/trending/review request"),
    Setting("max_request_chars", 200_000, int,
            "most characters checked in one request, all items together (query; prefix + suggestions; candidates' "
            "titles + texts); larger requests get 413"),
    Setting("check_threads", 4, int,
            "worker threads that run matching for the check, suggestion and trending routes (never the event "
            "loop); further requests wait for a free thread while other routes stay responsive"),
    Setting("suggestion_drop_action", "label", str,
            "suggestions whose lexicon action is at least this (label/limit/review/block) are dropped"),
    Setting("suggestion_rumor_check", True, bool, "also drop suggestions that match a known rumour (pins)"),
    Setting("check_cache_size", 50_000, int,
            "texts whose check result is memoised per lexicon version (query/suggestion paths; 0: off)"),
    Setting("protect_checks", False, bool, "require an API token on the check endpoints (needs service.auth)"),
    Setting("protect_reviews", True, bool,
            "the review queue and audit trail need an API token: reader to read, reviewer to decide "
            "(false: open to anyone who reaches the port; decisions without a token are recorded as anonymous)"),
    Setting("upstream_url", None, str, "search upstream (Elasticsearch/OpenSearch); turns the search proxy on"),
    Setting("upstream_prefix", "/es", str, "path prefix of the search proxy routes"),
    Setting("upstream_username", None, str, "basic-auth user for the upstream"),
    Setting("upstream_password", None, str, "basic-auth password for the upstream (never shown)"),
    Setting("upstream_api_key", None, str, "API key for the upstream, sent as `Authorization: ApiKey ...` (never shown)"),
    Setting("upstream_timeout", 10.0, float, "upstream request timeout (seconds)"),
    Setting("upstream_max_connections", 100, int, "connection pool size towards the upstream"),
    Setting("search_hit_fields", None, tuple, "comma-separated document fields the proxy checks in search hits"),
    Setting("search_query_fields", None, tuple, "comma-separated query fields the proxy checks"),
    Setting("search_pin_mode", None, str, "how the proxy presents refutation pins (see docs/search.md)"),
    Setting("search_allowed_features", None, tuple,
            "comma-separated search request features the proxy lets through unfiltered (aggregations, inner_hits, "
            "scripts, profile, ext); default none: refused with 403, see docs/search.md"),
    Setting("recent_sample_size", 2000, int, "in-memory ring of recent texts (queries, suggestions, titles) for previews"),
    Setting("sample_flush_seconds", 5.0, float, "how often the sample ring is handed to registered sample sinks"),
    Setting("rumor_refresh_seconds", 30.0, float, "how often the rumour index reloads from the database (0: never)"),
    Setting("matrix_history_size", 5000, int, "reviewed candidates kept as history for matrix-account detection"),
    Setting("matrix_history_hours", 72.0, float, "how far back the matrix-account history reaches"),
    Setting("review_page_size", 100, int, "default page size of GET /v1/reviews"),
    Setting("review_timezone", "Asia/Shanghai", str,
            "zone of candidate timestamps given without one (IANA name such as Asia/Shanghai, or +08:00)"),
    Setting("placeholder_sources", None, tuple,
            "comma-separated declared sources that count as no source (default: the built-in hearsay list)"),
    Setting("log_level", "info", str, "uvicorn log level"),
    # editorial lexicon store (service.admin); None = the store's own default (plugin.store.StoreConfig)
    Setting("reload_interval", None, float, "seconds between checks for a newly published lexicon version (store default 2)"),
    Setting("four_eyes", None, bool,
            "publishing needs an approver who neither drafted nor changed the change-set (store default true)"),
    Setting("single_operator", None, bool,
            "allow the CLI's --single-operator mode (no token, recorded as single-operator:<os user>; "
            "store default false)"),
    Setting("max_new_block_share", None, float, "share of the preview corpus a draft may newly block without force"),
    Setting("extra_categories", None, tuple, "comma-separated lexicon categories accepted besides the known ones"),
    Setting("sample_limit", None, int, "recent texts per kind the lexicon store keeps for previews"),
)

_ACTIONS = ("label", "limit", "review", "block")
#: Settings never shown by ``public()`` (``/-/settings``).
SECRETS = ("upstream_password", "upstream_api_key")


def _parse(setting: Setting, raw: str) -> Any:
    if setting.type is bool:
        low = raw.strip().lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{ENV_PREFIX}{setting.name.upper()}: expected true/false, got {raw!r}")
    if setting.default is None and raw.strip() == "":
        return None
    if setting.type is tuple:
        return tuple(p.strip() for p in raw.split(",") if p.strip())
    try:
        return setting.type(raw)
    except ValueError:
        raise ValueError(f"{ENV_PREFIX}{setting.name.upper()}: expected {setting.type.__name__}, got {raw!r}") from None


@dataclass(frozen=True)
class ServiceConfig:
    """Settings of one service instance (see :data:`SETTINGS` for help on each)."""

    db_path: str = "qinglang.db"
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    max_body_bytes: int = 1_048_576
    max_query_chars: int = 256
    max_text_chars: int = 20_000
    max_suggestions: int = 50
    max_candidates: int = 200
    max_request_chars: int = 200_000
    check_threads: int = 4
    suggestion_drop_action: str = "label"
    suggestion_rumor_check: bool = True
    check_cache_size: int = 50_000
    protect_checks: bool = False
    protect_reviews: bool = True
    upstream_url: str | None = None
    upstream_prefix: str = "/es"
    upstream_username: str | None = None
    upstream_password: str | None = None
    upstream_api_key: str | None = None
    upstream_timeout: float = 10.0
    upstream_max_connections: int = 100
    search_hit_fields: tuple[str, ...] | None = None
    search_query_fields: tuple[str, ...] | None = None
    search_pin_mode: str | None = None
    search_allowed_features: tuple[str, ...] | None = None
    recent_sample_size: int = 2000
    sample_flush_seconds: float = 5.0
    rumor_refresh_seconds: float = 30.0
    matrix_history_size: int = 5000
    matrix_history_hours: float = 72.0
    review_page_size: int = 100
    review_timezone: str = "Asia/Shanghai"
    placeholder_sources: tuple[str, ...] | None = None
    log_level: str = "info"
    reload_interval: float | None = None
    four_eyes: bool | None = None
    single_operator: bool | None = None
    max_new_block_share: float | None = None
    extra_categories: tuple[str, ...] | None = None
    sample_limit: int | None = None

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_query_chars", "max_text_chars", "max_suggestions", "max_candidates",
                     "max_request_chars", "check_threads", "recent_sample_size", "review_page_size", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.check_cache_size < 0:
            raise ValueError("check_cache_size must be 0 or more")
        if self.suggestion_drop_action not in _ACTIONS:
            raise ValueError(f"suggestion_drop_action must be one of {', '.join(_ACTIONS)}")
        if not 0 < self.port < 65536:
            raise ValueError("port must be 1-65535")
        if self.search_allowed_features:
            from plugin.search.policy import FEATURES

            unknown = sorted(set(self.search_allowed_features) - set(FEATURES))
            if unknown:
                raise ValueError(f"search_allowed_features: unknown feature(s) {', '.join(unknown)}; "
                                 f"known: {', '.join(FEATURES)}")
        from plugin.review.settings import resolve_timezone

        try:
            resolve_timezone(self.review_timezone)
        except ValueError as exc:
            raise ValueError(f"review_timezone: {exc}") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "ServiceConfig":
        """Defaults, then ``QINGLANG_*`` variables, then ``overrides`` (``None`` overrides are ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for s in SETTINGS:
            key = ENV_PREFIX + s.name.upper()
            if key in env:
                values[s.name] = _parse(s, env[key])
        values.update({k: v for k, v in overrides.items() if v is not None})
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The ``QINGLANG_*`` variables that reproduce this config (for worker processes)."""
        out = {}
        for s in SETTINGS:
            v = getattr(self, s.name)
            if v is None:
                continue
            if isinstance(v, bool):
                v = str(v).lower()
            elif isinstance(v, tuple):
                v = ",".join(v)
            out[ENV_PREFIX + s.name.upper()] = str(v)
        return out

    def public(self) -> dict[str, Any]:
        """Settings safe to show: secrets masked, the upstream URL reduced to scheme, host and path."""
        d = {s.name: getattr(self, s.name) for s in SETTINGS}
        for secret in SECRETS:
            if d.get(secret):
                d[secret] = "***"
        if self.upstream_url:
            from urllib.parse import urlsplit

            parts = urlsplit(self.upstream_url)
            host = parts.hostname or ""
            d["upstream_url"] = parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host).geturl()
        return d
