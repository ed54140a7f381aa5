"""A minimal FastAPI app standing in for service.app (GuardState with .live, .db_path, .config)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace

from fastapi import FastAPI

from plugin.live import LiveMatcher
from plugin.store import LexiconStore, TokenStore

from .fake_matcher import fake_factory
from .fixtures import make_config


def make_app(db_path: Path, *, factory=fake_factory, interval: float = 0.05, **config) -> FastAPI:
    from service import admin

    store = LexiconStore(db_path, make_config(**config), matcher_factory=factory)
    store.ensure_seeded()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await admin.start(app)
        yield
        await admin.stop(app)

    app = FastAPI(lifespan=lifespan)
    app.state.guard = SimpleNamespace(live=LiveMatcher(store.build_matcher(), str(store.live_version())),
                                      db_path=str(db_path), config=SimpleNamespace(reload_interval=interval))
    app.state.lexicon_store = store
    admin.install(app)

    @app.get("/v1/check")
    def check(text: str) -> dict:
        m = app.state.guard.live.current()
        hits = m.scan(text)
        admin.record_sample(app, "query", text)
        return {"version": str(m.version), "hits": [h.to_dict() for h in hits]}

    return app


def make_tokens(db_path: Path) -> dict[str, str]:
    tokens = TokenStore(db_path)
    out = {}
    for name, role in (("rita", "reader"), ("ed", "editor"), ("eve", "editor"), ("ann", "approver"),
                       ("adm", "admin")):
        out[name] = tokens.create(name, role)[1]
    return out
