"""Fixtures for the service and review tests; import them explicitly:

    from tests.conftest_service import *  # noqa: F401,F403
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any, Callable

import pytest

from plugin import Matcher, load_lexicon
from plugin.review import Candidate, ReviewEngine
from plugin.rumors.models import Refutation, Rumor, RumorMatch, RumorMatchResult, RumorStatus

__all__ = ["FakeRumors", "authorize", "candidate", "make_app", "service_matcher", "fake_rumors"]

SERVICE_DIR = Path(__file__).parent / "service"


@pytest.fixture(scope="session")
def service_matcher() -> Matcher:
    """The real matcher over a small project-made lexicon (one compile per session)."""
    lex = load_lexicon(str(SERVICE_DIR / "lexicon.yaml"))
    return Matcher.from_entries(list(lex.entries), version="svc-test-1")


class FakeRumors:
    """Stands in for ``plugin.rumors.RumorIndex`` (a :class:`plugin.protocols.RumorLookup`): claims matched
    by substring, the same typed result."""

    def __init__(self, rumors: list[dict[str, Any]]) -> None:
        self.rumors = rumors
        self.refreshed = 0

    def match(self, text: str, limit: int = 3) -> RumorMatchResult:
        matches = []
        for r in self.rumors:
            if r["key"] in text:
                status = RumorStatus(r["status"])
                ref = Refutation(title=r.get("refutation_title", "辟谣"), url=r.get("url", ""), source="test")
                rumor = Rumor(id=r["id"], claim=r.get("claim", r["key"]), status=status, refutations=(ref,))
                matches.append(RumorMatch(rumor, 0.9 if status.pins else 0.8))
        return RumorMatchResult.build(matches[:limit])

    def refresh(self) -> None:
        self.refreshed += 1

    def __len__(self) -> int:
        return len(self.rumors)


@pytest.fixture()
def fake_rumors() -> FakeRumors:
    return FakeRumors([
        {"id": "r1", "key": "喝盐水防病毒", "claim": "喝盐水可以预防病毒感染", "status": "false",
         "refutation_title": "喝盐水不能预防病毒", "url": "https://example.org/r1"},
        {"id": "r2", "key": "某地水源污染", "claim": "某地水源被污染", "status": "disputed"},
    ])


def authorize(client: Any, name: str = "alice", role: str = "reviewer") -> dict[str, str]:
    """Create an API token named ``name`` in the client's app and send it with every request of
    ``client`` (the review queue needs one by default); returns the header."""
    from plugin.store import TokenStore

    tokens = TokenStore(client.app.state.guard.db_path)
    try:
        header = {"Authorization": f"Bearer {tokens.create(name, role)[1]}"}
    finally:
        tokens.close()
    client.headers.update(header)
    return header


_BASE_CANDIDATE: dict[str, Any] = {
    "id": "c1",
    "title": "城市公园春季花展开幕",
    "text": "今年的花展展出了两百多个品种。",
    "topic_type": "entertainment",
    "domain": None,
    "declared": {"source": None, "ai_generated": False, "fiction": False},
    "detected": {"ai_generated": False, "old_news": False},
    "account": {"id": "acc1", "name": "花友小李", "verified_org": False, "certified_domains": [],
                "registered_at": "2020-01-01T00:00:00Z", "renamed_at": None, "owner_id": None, "mcn": None,
                "violations_90d": 0},
    "metrics": {"engagement_per_min": [10, 12, 11, 13, 12]},
}


def candidate(**changes: Any) -> dict[str, Any]:
    """A clean candidate (approved by every rule) with ``changes``; ``account={...}`` merges into the account."""
    c = copy.deepcopy(_BASE_CANDIDATE)
    for k, v in changes.items():
        if k in ("account", "declared", "detected") and isinstance(v, dict):
            c[k].update(v)
        else:
            c[k] = v
    return c


#: The fixed review time of the review-rule tests.
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.timezone.utc)


def review(matcher, *cands, rumors=None, engine=None):
    """Review candidate dicts at :data:`NOW` (a fresh engine unless one is given)."""
    engine = engine or ReviewEngine()
    return engine.review([Candidate.model_validate(c) for c in cands], matcher=matcher, rumors=rumors, now=NOW)


def rules_of(result) -> set[str]:
    return {r.rule for r in result.reasons}


@pytest.fixture()
def make_app(tmp_path: Path, service_matcher: Matcher) -> Callable[..., Any]:
    """``make_app(**settings)`` → a FastAPI app on ``tmp_path/guard.db`` with the test matcher."""
    from service.app import create_app
    from service.config import ServiceConfig

    def _make(*, rumors: Any = None, db_path: Path | None = None, **settings: Any) -> Any:
        cfg = ServiceConfig(db_path=str(db_path or tmp_path / "guard.db"), **settings)
        return create_app(cfg, matcher=service_matcher, rumors=rumors)

    return _make
