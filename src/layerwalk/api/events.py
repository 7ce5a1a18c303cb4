"""Server-sent events: a thread-safe broker fanning events out to asyncio queues, and the SSE stream itself."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

_CLOSE = object()


@dataclass(eq=False)
class Subscription:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[object] = field(default_factory=lambda: asyncio.Queue(maxsize=256))  # events, or _CLOSE


class EventBroker:
    """``publish`` may be called from any thread; every subscriber gets every event (slow ones drop old events)."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()
        self.closed = False

    def subscribe(self) -> Subscription:
        sub = Subscription(asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
            if self.closed:
                sub.queue.put_nowait(_CLOSE)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, event: str, data: dict[str, Any]) -> None:
        self._broadcast((event, data))

    def close(self) -> None:
        """End every open stream (server shutdown)."""
        self.closed = True
        self._broadcast(_CLOSE)

    def _broadcast(self, item: object) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(_put, sub.queue, item)
            except RuntimeError:  # the subscriber's loop is gone
                self.unsubscribe(sub)


def _put(queue: asyncio.Queue[object], item: object) -> None:
    if queue.full():
        queue.get_nowait()  # drop the oldest: a stalled client must not grow the server's memory
    queue.put_nowait(item)


def format_event(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def event_stream(broker: EventBroker, heartbeat: float, *, first: Sequence[tuple[str, dict[str, Any]]] = (),
                       keep: Callable[[str, dict[str, Any]], bool] = lambda e, d: True,
                       last: Callable[[str, dict[str, Any]], bool] = lambda e, d: False) -> AsyncIterator[str]:
    """Yield SSE text: ``first`` events, then broker events passing ``keep`` until one passes ``last`` or shutdown."""
    sub = broker.subscribe()
    try:
        yield "retry: 2000\n\n"
        for event, data in first:
            yield format_event(event, data)
            if last(event, data):
                return
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), heartbeat)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            if item is _CLOSE:
                return
            event, data = item  # type: ignore[misc]  # every queued item but _CLOSE is (event, data)
            if keep(event, data):
                yield format_event(event, data)
                if last(event, data):
                    return
    finally:
        broker.unsubscribe(sub)
