"""The service's extensions (:class:`~service.state.Extension`): the editorial lexicon management and the
search proxy. ``create_app`` installs :func:`default_extensions` unless it is given its own list.
"""

from __future__ import annotations

from fastapi import FastAPI

from . import admin, console, editorial, headers, model_admin, proxy, rumor_admin, ui
from .config import ServiceConfig
from .state import Extension, state_of

__all__ = ["Editorial", "ModelVersions", "RumorImports", "SearchProxy", "default_extensions"]


class Editorial:
    """The lexicon admin API (``/v1/admin``), the editorial console (``/admin/ui``: :mod:`service.ui`,
    :mod:`service.console`), recent texts recorded
    for previews, and the hot reload of newly published lexicon versions."""

    name = "service.admin"

    def install(self, app: FastAPI) -> None:
        app.include_router(admin.router)
        app.include_router(ui.router)
        app.include_router(console.router)
        headers.install(app, pages=(ui.PREFIX,))
        state_of(app).samples.add_sink(lambda batch: editorial.record_samples(app, batch))

    async def start(self, app: FastAPI) -> None:
        editorial.start_reloading(app)

    async def stop(self, app: FastAPI) -> None:
        editorial.stop_reloading(app)


class ModelVersions:
    """The model-version admin API (``/v1/admin/models``) and the hot reload of published spam-scorer
    models (when ``model_scoring`` is on)."""

    name = "service.model_admin"

    def install(self, app: FastAPI) -> None:
        app.include_router(model_admin.router)

    async def start(self, app: FastAPI) -> None:
        model_admin.start_reloading(app)

    async def stop(self, app: FastAPI) -> None:
        model_admin.stop_reloading(app)


class RumorImports:
    """The rumour admin API (``/v1/admin/rumors``): imports proposed, previewed and published under four-eyes."""

    name = "service.rumor_admin"

    def install(self, app: FastAPI) -> None:
        app.include_router(rumor_admin.router)

    async def start(self, app: FastAPI) -> None:
        return None

    async def stop(self, app: FastAPI) -> None:
        return None


class SearchProxy:
    """The guarded search proxy in front of ``upstream_url`` (:mod:`service.proxy`)."""

    name = "service.proxy"

    def install(self, app: FastAPI) -> None:
        proxy.install(app)

    async def start(self, app: FastAPI) -> None:
        await proxy.start(app)

    async def stop(self, app: FastAPI) -> None:
        await proxy.stop(app)


def default_extensions(config: ServiceConfig) -> list[Extension]:
    """The editorial extension, the model versions and the rumour imports always; the search proxy when
    ``upstream_url`` is set."""
    out: list[Extension] = [Editorial(), ModelVersions(), RumorImports()]
    if config.search.upstream_url:
        out.append(SearchProxy())
    return out
