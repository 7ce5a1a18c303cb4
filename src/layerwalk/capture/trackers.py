"""The paper's manual developer interface (TrackerModule and marker layer), improved.

Both are ``nn.Identity`` subclasses, so adding them changes nothing about training or inference. There is no
global counter: ids come from the module path at capture time, so models can be built concurrently.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn


class Tracker(nn.Identity):
    """Marks a tensor to be shown as one layer panel.

    Args:
        name: the name shown in the 3D view.
        precursors: trackers (objects or names) this one is connected from; ``None`` infers them from the graph.
        tracked_module: the module whose weights belong to this layer (weight histogram, parameter count).

    >>> import torch, layerwalk
    >>> from torch import nn
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.conv = nn.Conv2d(3, 4, 3)
    ...         self.t_conv = layerwalk.Tracker("conv", tracked_module=self.conv)
    ...     def forward(self, x):
    ...         return self.t_conv(self.conv(x)).mean((2, 3))
    >>> [n.id for n in layerwalk.capture(Net(), torch.zeros(1, 3, 8, 8))]
    ['input', 't_conv', 'output']
    """

    def __init__(self, name: str, precursors: Sequence[Tracker | str] | None = None,
                 tracked_module: nn.Module | None = None):
        super().__init__()
        self.name = name
        self.precursors = list(precursors) if precursors is not None else None
        # Kept out of the module tree (not a child) so the tracker adds no parameters and no state-dict keys.
        object.__setattr__(self, "_tracked_module", tracked_module)

    @property
    def tracked_module(self) -> nn.Module | None:
        module: nn.Module | None = self.__dict__["_tracked_module"]
        return module

    def extra_repr(self) -> str:
        return repr(self.name)


class Marker(nn.Identity):
    """A text label in the graph (a section heading): shown as a sign, tracks no activation.

    Call it in ``forward`` like a tracker (it passes its input through) so it sits at the right place.
    """

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def extra_repr(self) -> str:
        return repr(self.text)
