"""torch.fx patches ``nn.Module.__call__`` for the whole process while it traces, so ANY module call in another
thread during a trace is routed into that trace (and fails). Forward passes share this lock; a trace takes it
exclusively. Traces happen only when a network is built, so forward passes almost never wait.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class _ReadWriteLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting_writers = 0

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        with self._cond:
            while self._writer or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        with self._cond:
            self._waiting_writers += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._waiting_writers -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


FORWARD_LOCK = _ReadWriteLock()
