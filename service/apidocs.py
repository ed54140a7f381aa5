"""The API documentation: ``/docs`` (Swagger UI) and ``/redoc`` served with their scripts and styles from
the app itself (the files shipped in the pinned ``fastapi-offline`` package, MIT licence), so the docs work
without network access; and the OpenAPI document completed with what FastAPI cannot infer:

- the ``bearerAuth`` security scheme on every operation that takes an API token (Swagger UI's Authorize
  button then sends ``Authorization: Bearer …``), found from the routes' token dependencies;
- request and response examples of the main endpoints (:data:`EXAMPLES`);
- typed success answers of the admin API (:data:`service.admin_schemas.ADMIN_RESPONSES`).

The one error shape (``Problem``, ``application/problem+json``) is declared by :mod:`service.errors`.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.staticfiles import StaticFiles

from .admin_schemas import ADMIN_RESPONSES

__all__ = ["ASSETS", "ASSETS_URL", "DOCS_CSP", "EXAMPLES", "SECURITY_SCHEME", "install_docs", "takes_token"]

#: Where the Swagger UI / ReDoc files come from, and where the app serves them.
ASSETS = Path(str(importlib.resources.files("fastapi_offline") / "static"))
ASSETS_URL = "/docs/assets"
SECURITY_SCHEME = "bearerAuth"
#: The docs pages load nothing from another origin (ReDoc's sidebar would fetch its logo from its vendor's CDN).
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' blob:; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")

_HIT = {"term": "赌场", "category": "gambling", "action": "review", "start": 2, "end": 4, "surface": "赌场",
        "technique": "exact"}
_CANDIDATE: dict[str, Any] = {
    "id": "post-1001", "title": "网传某地自来水有毒？震惊！", "text": "有网友称喝了会生病。",
    "topic_type": "social_event", "domain": None,
    "declared": {"source": None, "ai_generated": False, "fiction": False},
    "detected": {"ai_generated": False, "old_news": False},
    "account": {"id": "acc-77", "name": "本地资讯", "verified_org": False, "certified_domains": [],
                "registered_at": "2020-01-01T00:00:00+08:00", "renamed_at": None, "owner_id": None, "mcn": None,
                "violations_90d": 0},
    "metrics": {"engagement_per_min": [10, 12, 11, 13, 12]},
}

#: (method, path) → {"request": example body, "response": example 200 answer}.
EXAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/query/check"): {
        "request": {"query": "澳门赌场开户"},
        "response": {"action": "review", "lexicon_action": "review", "hits": [_HIT], "pins": [], "labels": [],
                     "notice": "该搜索词涉及赌博内容，相关结果正在审核中。", "lexicon_version": "7"},
    },
    ("post", "/v1/suggestions/filter"): {
        "request": {"prefix": "澳门", "suggestions": ["澳门旅游攻略", "澳门赌场开户"]},
        "response": {"kept": ["澳门旅游攻略"],
                     "dropped": [{"text": "澳门赌场开户", "reason": "lexicon:gambling", "hits": [_HIT]}],
                     "lexicon_version": "7"},
    },
    ("post", "/v1/trending/review"): {
        "request": {"candidates": [_CANDIDATE]},
        "response": {"results": [{
            "id": "post-1001", "decision": "limit",
            "reasons": [{"rule": "lexicon", "clause": "2024 campaign 二.3 / 二.5; 三.1, 三.4 (流量限制)",
                         "detail": "title/text hits clickbait terms (label): 震惊"},
                        {"rule": "source_required", "clause": "000 三.3；000 三.4",
                         "detail": "social_event item: no declared source; kept out of the list until a source "
                                   "is labelled"}],
            "required_labels": ["标题党", "来源"],
            "hits": [{"term": "震惊", "category": "clickbait", "action": "label", "start": 10, "end": 12,
                      "surface": "震惊", "technique": "exact", "field": "content"}],
            "refutations": [], "freeze_interactions": False, "review_id": "rv_694f14f68d2e49c0"}],
            "lexicon_version": "7"},
    },
    ("post", "/v1/reviews/{review_id}/decision"): {
        "request": {"decision": "limit", "note": "来源待核实，暂不上榜"},
    },
}


def takes_token(dependant: Dependant) -> bool:
    """Whether a route (its dependency tree) authenticates an API token (``service.auth``)."""
    stack = [dependant]
    while stack:
        d = stack.pop()
        if getattr(d.call, "required_role", None) or getattr(d.call, "takes_token", False):
            return True
        stack.extend(d.dependencies)
    return False


def _complete(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the security scheme, the examples and the admin answers added."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})[SECURITY_SCHEME] = {
        "type": "http", "scheme": "bearer",
        "description": "An API token (`qinglang token create --role ROLE --name NAME`); roles reader < "
                       "reviewer < editor < approver < admin. Its name is the identity the audit records."}
    config = getattr(getattr(app.state, "guard", None), "config", None)
    secured: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):  # routes of included routers too, with their dependencies
        if (isinstance(route.original_route, APIRoute) and route.include_in_schema and route.dependant is not None
                and route.path_format is not None
                and takes_token(route.dependant)):
            secured.update((m.lower(), route.path_format) for m in route.methods or ())
    if config is not None and config.protect_metrics:
        secured.add(("get", "/metrics"))
    schemas = components.setdefault("schemas", {})
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            key = (method, path)
            if key in secured:
                operation["security"] = [{SECURITY_SCHEME: []}]
            example = EXAMPLES.get(key, {})
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "request" in example:
                body["example"] = example["request"]
            ok = next((operation["responses"][c] for c in ("200", "201") if c in operation.get("responses", {})),
                      None)
            if ok is None:
                continue
            model = ADMIN_RESPONSES.get(key)
            if model is not None:
                defs = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(defs.pop("$defs", {}))
                schemas[model.__name__] = defs
                ok["content"] = {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}
            if "response" in example:
                ok.setdefault("content", {}).setdefault("application/json", {})["example"] = example["response"]
    return schema


def _with_csp(page: HTMLResponse, csp: str) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = csp
    return page


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs``, ``/docs/oauth2-redirect`` and ``/redoc`` with local assets under :data:`ASSETS_URL`,
    and complete the app's OpenAPI document (call after :func:`service.errors.install_error_handlers`, whose
    document it extends; the app must be built with ``docs_url=None, redoc_url=None``)."""
    app.mount(ASSETS_URL, StaticFiles(directory=str(ASSETS)), name="docs-assets")
    title = app.title

    @app.get("/docs", include_in_schema=False)
    def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_csp(get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{title} — API",
            oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
        ), DOCS_CSP)

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    def swagger_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return _with_csp(get_redoc_html(openapi_url=f"{root}{app.openapi_url}", title=f"{title} — API reference",
                                        redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                                        redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png", with_google_fonts=False),
                         DOCS_CSP)

    base: Callable[[], dict[str, Any]] = app.openapi
    done: dict[str, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        if "schema" not in done:
            done["schema"] = _complete(app, base())
        return done["schema"]

    app.openapi = openapi  # type: ignore[method-assign]
