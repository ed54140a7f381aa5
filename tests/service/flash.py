"""The message a console redirect carries to the next page (``service.ui.go``: a cookie, never the URL)."""

from __future__ import annotations

import json
from urllib.parse import unquote

import httpx

from service.ui import FLASH_COOKIE


def flash(response: httpx.Response) -> dict[str, str]:
    """``{"msg": …}`` or ``{"err": …}`` set by ``response`` (a 303 of the console), else empty."""
    raw = response.cookies.get(FLASH_COOKIE)
    return json.loads(unquote(raw)) if raw else {}
