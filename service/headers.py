"""Security headers: ``X-Content-Type-Options: nosniff`` on every response, and on the editor web
page (``/admin/ui``) a strict Content-Security-Policy (scripts and styles only from the page's own origin,
never inline,
forms post only to it, never framed), ``X-Frame-Options: DENY``, ``Referrer-Policy: same-origin`` and
``Cache-Control: no-store``.

``Referrer-Policy: same-origin`` (not ``no-referrer``) keeps the ``Origin`` header of the page's own form
posts, which the page's cross-site request check relies on.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["API_HEADERS", "PAGE_CSP", "PAGE_HEADERS", "SecurityHeadersMiddleware", "install"]

PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")
#: Headers of every response.
API_HEADERS: dict[str, str] = {"X-Content-Type-Options": "nosniff"}
#: Headers added to the responses of the web pages.
PAGE_HEADERS: dict[str, str] = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class SecurityHeadersMiddleware:
    """Sets :data:`API_HEADERS` on every HTTP response and :data:`PAGE_HEADERS` on those under ``pages``
    (path prefixes); headers already set by a route are replaced."""

    def __init__(self, app: ASGIApp, pages: tuple[str, ...] = ("/admin/ui",)) -> None:
        self.app = app
        self.pages = tuple(p.rstrip("/") for p in pages)

    def _is_page(self, path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in self.pages)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {**API_HEADERS, **(PAGE_HEADERS if self._is_page(scope.get("path", "")) else {})}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: Any, pages: tuple[str, ...] = ("/admin/ui",)) -> None:
    """Add :class:`SecurityHeadersMiddleware` to ``app`` once (the service and the editor page both ask)."""
    if not any(getattr(m, "cls", None) is SecurityHeadersMiddleware for m in app.user_middleware):
        app.add_middleware(SecurityHeadersMiddleware, pages=pages)
