"""A minimal FastAPI app standing in for service.app: the editorial extension over a state with the
parts of ``GuardState`` it uses (.live, .db_path, .lexicon_store, .samples, .tokens, .lexicon_poller)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import SimpleNamespace

from fastapi import FastAPI

from plugin.live import LiveMatcher
from plugin.store import LexiconStore
from service.metrics import GuardMetrics

from tests.fakes import fake_factory
from tests.store_config import make_config


def editorial_app(store: LexiconStore) -> FastAPI:
    """The editorial extension (admin routes, reload poller) over a stand-in state holding ``store``'s live
    version; ``bench/bench_reload.py`` serves this app too."""
    from service.errors import install_error_handlers
    from service.extensions import Editorial
    from service.sampling import SampleRing

    editorial = Editorial()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        await editorial.start(app)
        yield
        await editorial.stop(app)

    app = FastAPI(lifespan=lifespan)
    app.state.guard = SimpleNamespace(live=LiveMatcher(store.build_matcher(), str(store.live_version())),
                                      db_path=store.db_path, lexicon_store=store, samples=SampleRing(100),
                                      tokens=None, lexicon_poller=None, metrics=GuardMetrics())
    install_error_handlers(app)
    editorial.install(app)
    return app


def make_app(db_path: Path, *, factory=fake_factory, interval: float = 0.05, **config) -> FastAPI:
    store = LexiconStore(db_path, make_config(reload_interval=interval, **config), matcher_factory=factory)
    store.ensure_seeded()
    app = editorial_app(store)

    @app.get("/v1/check")
    def check(text: str) -> dict:
        m = app.state.guard.live.current()
        hits = m.scan(text)
        app.state.guard.samples.add("query", text)
        app.state.guard.samples.drain()
        return {"version": str(m.version), "hits": [h.to_dict() for h in hits]}

    return app
