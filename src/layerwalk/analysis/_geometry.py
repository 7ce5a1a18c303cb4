"""How one op of the captured op graph maps output positions to input positions, along one spatial axis.

Every spatial op of a CNN is separable along H and W: output index ``i`` reads the input indices
``start(i) … end(i)`` (step ``dilation``), where indices outside ``0 … n_in-1`` are padding. That is all the
receptive-field computation needs; the hyper-parameters come from the modules (``nn.Conv2d``, pools, pads) or,
for ops without a module, from the shapes (adaptive and global pools, element-wise ops with broadcasting).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from torch import nn

from layerwalk.capture import GraphNode


class UnknownGeometry(Exception):
    """The op's spatial footprint cannot be read from the graph (its message says why)."""


@dataclass(frozen=True)
class Window:
    """A regular sliding window: output i reads ``i*stride - pad + dilation*t`` for t in 0 … kernel-1.

    ``stride == 0`` is a broadcast (every output reads the same input position).
    """

    kernel: int = 1
    stride: int = 1
    pad: int = 0
    dilation: int = 1

    def bounds(self, n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, int]:
        start = np.arange(n_out) * self.stride - self.pad
        return start, start + self.dilation * (self.kernel - 1), self.dilation

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1


@dataclass(frozen=True)
class Adaptive:
    """PyTorch's adaptive pooling windows (also global pooling when ``n_out == 1``)."""

    def bounds(self, n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, int]:
        i = np.arange(n_out)
        return (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out) - 1, 1

    @staticmethod
    def regular(n_out: int, n_in: int) -> Window | None:
        """The equivalent regular window, if there is one (n_in divisible by n_out)."""
        if n_in % n_out == 0:
            return Window(kernel=n_in // n_out, stride=n_in // n_out)
        return None


@dataclass(frozen=True)
class WholeAxis:
    """Every output reads every input position (normalisation over the map, e.g. GroupNorm)."""

    def bounds(self, n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, int]:
        return np.zeros(n_out, dtype=int), np.full(n_out, n_in - 1), 1


AxisOp = Window | Adaptive | WholeAxis
POINTWISE = Window()
BROADCAST = Window(stride=0)

_POINTWISE_KINDS = {"act", "add", "sub", "mul", "div", "concat", "dropout", "identity", "softmax", "tracker",
                    "marker", "reshape", "flatten", "input"}


def spatial(shape: tuple[int, ...]) -> tuple[int, int] | None:
    """(H, W) of a (C, H, W) activation, None for anything else."""
    return (shape[1], shape[2]) if len(shape) == 3 else None


def op_geometry(node: GraphNode, model: nn.Module, in_shape: tuple[int, ...]) -> tuple[AxisOp, AxisOp]:
    """(H op, W op) of ``node`` reading an input of ``in_shape`` (C, H, W); ``UnknownGeometry`` if unreadable."""
    out_hw, in_hw = spatial(node.shape), spatial(in_shape)
    if out_hw is None or in_hw is None:
        raise UnknownGeometry(f"{node.id}: not a (C, H, W) map")
    module = _module_of(node, model)
    if module is not None:
        axes = _module_geometry(module, node, in_hw)
    else:
        axes = _shape_geometry(node, in_hw, out_hw)
    _check_sizes(node, axes, in_hw, out_hw, module)
    return axes


def _module_of(node: GraphNode, model: nn.Module) -> nn.Module | None:
    """The leaf module that ran this op, or — for a functional conv/pool inside a conv/pool module's own
    ``forward`` (e.g. EfficientNet's ``Conv2dStaticSamePadding``) — that module, whose geometry the call uses."""
    for path, must_match in ((node.name, False), (node.name.rpartition(".")[0], True)):
        try:
            module = model.get_submodule(path) if path else None
        except AttributeError:
            continue
        if module is None or (must_match and not _functional_match(node, module)):
            continue
        if must_match or not any(module.children()):
            return module
    return None


def _functional_match(node: GraphNode, module: nn.Module) -> bool:
    fname = node.name.rpartition(".")[2]
    if isinstance(module, nn.modules.conv._ConvNd):
        return fname in ("conv1d", "conv2d", "conv3d")
    if isinstance(module, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        return fname in ("max_pool2d", "avg_pool2d")
    return False


def _pair(v) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _module_geometry(module: nn.Module, node: GraphNode, in_hw) -> tuple[AxisOp, AxisOp]:
    if isinstance(module, nn.modules.conv._ConvNd):
        return _conv_geometry(module)
    if isinstance(module, (nn.modules.pooling._MaxPoolNd, nn.modules.pooling._AvgPoolNd)):
        k, s, p = _pair(module.kernel_size), _pair(module.stride or module.kernel_size), _pair(module.padding)
        d = _pair(getattr(module, "dilation", 1))
        return tuple(Window(k[a], s[a], p[a], d[a]) for a in range(2))
    if isinstance(module, (nn.modules.pooling._AdaptiveAvgPoolNd, nn.modules.pooling._AdaptiveMaxPoolNd)):
        return Adaptive(), Adaptive()
    if isinstance(module, (nn.ZeroPad2d, nn.ConstantPad2d)):
        left, right, top, bottom = module.padding
        return Window(pad=top), Window(pad=left)
    if isinstance(module, (nn.GroupNorm, nn.modules.instancenorm._InstanceNorm)):
        return WholeAxis(), WholeAxis()
    if isinstance(module, nn.LayerNorm):
        if len(module.normalized_shape) >= 2:
            return WholeAxis(), WholeAxis()
        raise UnknownGeometry(f"{node.id}: LayerNorm over the last axis of a (C, H, W) map (channels-last code)")
    if node.kind in _POINTWISE_KINDS or node.kind == "norm":
        return POINTWISE, POINTWISE
    raise UnknownGeometry(f"{node.id}: {type(module).__name__} has no known spatial footprint")


def _conv_geometry(conv: nn.modules.conv._ConvNd) -> tuple[Window, Window]:
    if conv.padding_mode != "zeros":
        raise UnknownGeometry(f"conv with padding_mode={conv.padding_mode!r} (only zero padding keeps the "
                              "receptive field a window)")
    if isinstance(conv, nn.modules.conv._ConvTransposeNd):
        raise UnknownGeometry("transposed convolution")
    k, s, d = _pair(conv.kernel_size), _pair(conv.stride), _pair(conv.dilation)
    if conv.padding == "valid":
        p = (0, 0)
    elif conv.padding == "same":  # PyTorch puts the odd pixel of 'same' padding on the right/bottom
        p = tuple(d[a] * (k[a] - 1) // 2 for a in range(2))
    else:
        p = _pair(conv.padding)
    return tuple(Window(k[a], s[a], p[a], d[a]) for a in range(2))


def _shape_geometry(node: GraphNode, in_hw, out_hw) -> tuple[AxisOp, AxisOp]:
    """Ops without a module: adaptive/global pools and element-wise ops are known from their shapes alone."""
    fname = node.name.rpartition(".")[2]
    if fname.startswith("adaptive_") or (node.kind == "pool" and out_hw == (1, 1)):
        return Adaptive(), Adaptive()
    if node.kind in _POINTWISE_KINDS or node.kind == "norm" and fname == "batch_norm":
        return tuple(BROADCAST if i == 1 and o > 1 else POINTWISE for i, o in zip(in_hw, out_hw))
    raise UnknownGeometry(f"{node.id}: the function {fname!r} has no known spatial footprint "
                          "(its arguments are not part of the captured graph)")


def _check_sizes(node: GraphNode, axes, in_hw, out_hw, module) -> None:
    """The output size the geometry predicts must be the one observed; anything else means we misread it."""
    for axis, op, n_in, n_out in zip("HW", axes, in_hw, out_hw):
        if isinstance(op, (Adaptive, WholeAxis)) or op.stride == 0:
            continue
        span_in = n_in + 2 * op.pad
        if isinstance(module, (nn.ZeroPad2d, nn.ConstantPad2d)):
            span_in = n_in + sum(module.padding[2:] if axis == "H" else module.padding[:2])
        floor = (span_in - op.span) // op.stride + 1
        ceil = math.ceil((span_in - op.span) / op.stride) + 1
        if n_out not in (floor, ceil):
            raise UnknownGeometry(f"{node.id}: the window read from the model ({op}) predicts {floor} outputs "
                                  f"along {axis}, the forward pass gave {n_out}")
