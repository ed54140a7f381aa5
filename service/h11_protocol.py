"""uvicorn's h11 protocol with a time bound on a request head (``qinglang serve`` runs it:
:func:`service.commands.uvicorn_options`).

uvicorn bounds the time between requests on a kept-alive connection (``timeout_keep_alive``), not the time a
request head takes to arrive: a client that sends part of a head, or nothing, keeps its connection (and its file
descriptor) for ever, and a few thousand such clients hold every descriptor of the process (slowloris). Here a
connection whose request head is not complete within :attr:`BoundedH11Protocol.head_timeout` seconds of its
first byte (or of the connection) is closed. The size of a head is bounded by ``h11_max_incomplete_event_size``,
the time a body takes by :class:`service.errors.BodyLimitMiddleware`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["HEAD_TIMEOUT_SECONDS", "BoundedH11Protocol"]

#: Seconds a request head may take to arrive (a 16 KiB head needs 550 bytes a second).
HEAD_TIMEOUT_SECONDS = 30.0


class BoundedH11Protocol(H11Protocol):
    """:class:`H11Protocol` closing a connection whose request head is not complete within :attr:`head_timeout`
    seconds."""

    head_timeout: float = HEAD_TIMEOUT_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self.cycle is None or self.cycle.response_complete:  # between requests: a new head starts arriving
            self._arm()
        before = self.cycle
        super().data_received(data)
        if self.cycle is not before:  # the head is complete: the request runs under the app's own bounds
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_expired(self) -> None:
        self._head_timer = None
        if (self.cycle is None or self.cycle.response_complete) and not self.transport.is_closing():
            self.transport.close()
