"""Where node outputs go during a recording forward pass.

The active sink lives in a context variable, so concurrent forward passes in different threads (an input
change while a feature-visualization job runs) never see each other's recordings.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

import torch

if TYPE_CHECKING:
    from layerwalk.capture._layout import Display

T = TypeVar("T")


class StopForward(Exception):
    """Raised after the requested node is recorded: nothing after it needs to run."""


class Sink:
    def __init__(self, wanted: set[str] | None, stop_after: str | None, clone_ids: frozenset[str],
                 displays: dict[str, Display] | None = None,
                 edits: dict[str, Callable[[torch.Tensor], None]] | None = None,
                 consume: Callable[[str, torch.Tensor], None] | None = None):
        self.wanted = wanted
        self.displays = displays or {}
        self.stop_after = stop_after
        self.clone_ids = clone_ids
        self.edits = edits or {}  # node id → in-place edit of its displayed view (capture/replay.py)
        self.consume = consume  # node id, output → None: handed over as produced, not kept (see CapturedModel.run)
        self.outputs: dict[str, torch.Tensor] = {}

    def put(self, node_id: str, value: object) -> None:
        if isinstance(value, (tuple, list)):  # an op returning several tensors is shown by its first
            value = next((v for v in value if isinstance(v, torch.Tensor)), None)
        edit = self.edits.get(node_id)
        if edit is not None and isinstance(value, torch.Tensor):
            # Called right after the node's op and before any consumer: an in-place change is what they all see.
            from layerwalk.capture.replay import display_view

            edit(display_view(self.displays.get(node_id), value))
        if (self.wanted is None or node_id in self.wanted) and isinstance(value, torch.Tensor):
            display = self.displays.get(node_id)
            if self.consume is not None:  # used before any later op runs: no copy needed against in-place ops
                self.consume(node_id, display.apply(value) if display is not None else value)
            else:
                # A later in-place op would overwrite what we keep: keep a copy (only for such nodes).
                value = value.clone() if node_id in self.clone_ids else value
                self.outputs[node_id] = display.apply(value) if display is not None else value
        if node_id == self.stop_after:
            raise StopForward


_ACTIVE: ContextVar[Sink | None] = ContextVar("layerwalk_sink", default=None)


def record(value: T, node_id: str) -> T:
    """Called from instrumented graphs; a no-op outside a recording pass."""
    sink = _ACTIVE.get()
    if sink is not None:
        sink.put(node_id, value)
    return value


@contextlib.contextmanager
def recording(sink: Sink) -> Iterator[Sink]:
    token = _ACTIVE.set(sink)
    try:
        yield sink
    finally:
        _ACTIVE.reset(token)
