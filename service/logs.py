"""Structured logs: JSON lines for log collectors, plain text on a terminal; the access log with a request
id and latency; one line per decision and per operational event (publish, reload, rumour refresh).

    configure_logging("auto", "info")      # JSON unless stderr is a terminal ("json" / "text" force one)
    log_event("reload", "lexicon version 7 live", version="7")
    log_decision("query", "block", ["gambling"], "7", text="...", keep_text=False)

Every record is a line of JSON with ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``msg``, the request id
of the request being served (``request_id``) and the fields passed as ``extra`` (``event``, ``surface`` ...).
Loggers: ``qinglang.access`` (one line per HTTP request), ``qinglang.decision`` (one line per decision),
``qinglang.events`` (publishes, reloads, rumour refreshes, start-up warnings), and the modules' own.

Request ids: :class:`AccessLogMiddleware` takes the client's ``X-Request-ID`` when it is short (at most
:data:`MAX_REQUEST_ID` characters) and made of safe characters (letters, digits, ``.-_:``), else makes a new
one, and returns it in the response's ``X-Request-ID``. Raw user text (queries, titles) is never logged
unless the ``log_texts`` setting is on.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
import time
import uuid
from typing import Any, Iterable, Literal, TextIO

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugin import fixed_regex
from plugin.cli.output import printable

__all__ = [
    "ACCESS", "DECISIONS", "EVENTS", "MAX_REQUEST_ID", "REQUEST_ID_HEADER", "AccessLogMiddleware", "JsonFormatter",
    "LogFormat", "TextFormatter", "configure_logging", "current_request_id", "log_decision", "log_event",
    "request_id_from",
]

LogFormat = Literal["auto", "json", "text"]

ACCESS = logging.getLogger("qinglang.access")
DECISIONS = logging.getLogger("qinglang.decision")
EVENTS = logging.getLogger("qinglang.events")

REQUEST_ID_HEADER = "X-Request-ID"
#: Longest client request id kept; longer ones are replaced by a new id.
MAX_REQUEST_ID = 128
_SAFE_ID = fixed_regex.compile(r"[A-Za-z0-9._:\-]{1,%d}" % MAX_REQUEST_ID)
#: Longest user text written to a decision line when ``log_texts`` is on (characters).
MAX_LOGGED_TEXT = 200

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("qinglang_request_id", default="")

#: Attributes every ``LogRecord`` has; anything else on a record came in through ``extra``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


def current_request_id() -> str:
    """The id of the request being served ('' outside a request)."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """The client's request id when it is safe to echo and log, else a new one (32 hex digits)."""
    if header is not None and _SAFE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``ts``, ``level``, ``logger``, ``msg``, ``request_id`` (in a request), the
    record's ``extra`` fields, and ``exc`` (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", None) or current_request_id()
        if rid:
            out["request_id"] = rid
        out.update(_extras(record))
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for a terminal: time, level, logger, message, then the ``extra`` fields as key=value."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        # the message may hold client text (a request path): one line, no terminal escape sequences
        safe = logging.makeLogRecord(vars(record))
        safe.msg, safe.args = _one_line(record.getMessage()), None
        line = super().format(safe)
        fields = _extras(record)
        rid = current_request_id()
        if rid and "request_id" not in fields:
            fields["request_id"] = rid
        if fields:
            line += "  " + " ".join(f"{k}={_one_line(json.dumps(v, ensure_ascii=False, default=str))}"
                                    for k, v in fields.items())
        return line


def _one_line(text: str) -> str:
    """``text`` with newlines and terminal control characters escaped (:func:`plugin.cli.output.printable`)."""
    return printable(text).replace("\n", "\\n")


def _handler_marker(handler: logging.Handler) -> bool:
    return getattr(handler, "_qinglang", False)


def configure_logging(fmt: LogFormat = "auto", level: str = "info", stream: TextIO | None = None) -> logging.Handler:
    """Send every log record (the service's, uvicorn's, the library's) to ``stream`` (stderr) as JSON lines
    (``json``) or readable text (``text``); ``auto`` picks text when the stream is a terminal. Replaces a
    handler this function installed before, leaves others alone; returns the handler."""
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "text" if getattr(stream, "isatty", lambda: False)() else "json"
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler._qinglang = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if _handler_marker(h)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's own handlers would print twice
        lg = logging.getLogger(name)
        lg.handlers = []
        lg.propagate = True
    return handler


def log_event(event: str, message: str, *args: Any, level: int = logging.INFO, exc_info: bool = False,
              **fields: Any) -> None:
    """One operational event line (``event`` = publish, reload, reload_failed, rumor_refresh, startup ...)."""
    EVENTS.log(level, message, *args, exc_info=exc_info, extra={"event": event, **fields})


def log_decision(surface: str, action: str, categories: Iterable[str], lexicon_version: str, *,
                 text: str | None = None, keep_text: bool = False, **fields: Any) -> None:
    """One line per decision: the surface, the action, the hit categories (sorted, distinct) and the lexicon
    version; the user's text only with ``keep_text`` (the ``log_texts`` setting), cut to
    :data:`MAX_LOGGED_TEXT` characters."""
    if not DECISIONS.isEnabledFor(logging.INFO):
        return
    extra: dict[str, Any] = {"event": "decision", "surface": surface, "action": action,
                             "categories": sorted(set(categories)), "lexicon_version": str(lexicon_version), **fields}
    if keep_text and text is not None:
        extra["text"] = text[:MAX_LOGGED_TEXT]
    DECISIONS.info("%s %s", surface, action, extra=extra)


class AccessLogMiddleware:
    """One access-log line per HTTP request (method, path, route, status, latency in ms, client, request
    id) and the request id in the ``X-Request-ID`` response header; the id is visible to every log line
    written while the request is served (:func:`current_request_id`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        rid = request_id_from(given)
        token = _request_id.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = rid
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            client = scope.get("client")
            ACCESS.info("%s %s %s", scope.get("method", ""), scope.get("path", ""), status, extra={
                "event": "access", "method": scope.get("method", ""), "path": scope.get("path", ""),
                "route": getattr(route, "path", None), "status": status,
                "duration_ms": round((time.perf_counter() - start) * 1000, 3),
                "client": client[0] if client else None})
            _request_id.reset(token)
