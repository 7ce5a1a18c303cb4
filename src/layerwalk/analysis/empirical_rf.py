"""Receptive fields measured with gradients: the support of d(unit)/d(input), the ground truth for
``receptive_field.py`` (tests and ``benchmarks/bench_analysis.py`` compare the two).

A gradient can vanish inside the receptive field for reasons unrelated to geometry: a ReLU that is off, a max
pool that routes the gradient to one pixel, two weights that cancel. The measurement therefore runs a copy of
the model in float64 with every weight set to a positive constant (1/fan-in), batch norms as identities, a
small positive input (so every activation is in its linear, non-saturated range) and max pools replaced by
average pools of the same geometry. What remains non-zero is exactly the set of pixels the unit depends on.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

import numpy as np
import torch
from torch import nn

from layerwalk.capture import capture_model

_INPUT_LEVEL = 1e-3  # small enough that no ReLU6/hardtanh saturates after the residual sums of a deep network


def positive_probe(model: nn.Module) -> nn.Module:
    """A float64 copy of ``model`` whose every gradient path is non-zero (see the module docstring)."""
    probe = copy.deepcopy(model).double().eval()
    with torch.no_grad():
        for name, p in probe.named_parameters():
            if p.dim() >= 2:
                p.fill_(1.0 / p[0].numel())
            else:
                p.fill_(0.0 if name.endswith("bias") else 1.0)
        for name, b in probe.named_buffers():
            if name.endswith("running_mean"):
                b.zero_()
            elif name.endswith("running_var"):
                b.fill_(1.0)
    _swap_max_pools(probe)
    return probe


def _swap_max_pools(model: nn.Module) -> None:
    for name, child in model.named_children():
        if isinstance(child, nn.MaxPool2d):
            if child.dilation not in (1, (1, 1)):
                raise ValueError(f"{name}: a dilated max pool has no average-pool equivalent")
            setattr(model, name, nn.AvgPool2d(child.kernel_size, child.stride, child.padding, child.ceil_mode))
        elif isinstance(child, nn.AdaptiveMaxPool2d):
            setattr(model, name, nn.AdaptiveAvgPool2d(child.output_size))
        else:
            _swap_max_pools(child)


def diagonal_units(h: int, w: int, count: int | None = None) -> list[tuple[int, int]]:
    """Units (row, column) along the map's diagonal: every row and column once (``count=None``) or ``count``
    of them spread from the first to the last (the borders and the interior)."""
    m = max(h, w)
    ks = range(m) if count is None or count >= m else np.unique(np.linspace(0, m - 1, count).round().astype(int))
    return [(int(round(k * (h - 1) / max(m - 1, 1))), int(round(k * (w - 1) / max(m - 1, 1)))) for k in ks]


def measure_receptive_fields(model: nn.Module, input_size: tuple[int, int, int], nodes: Iterable[str] | None = None,
                             units_per_node: int | None = 5) -> dict[str, list[tuple[int, int, int, int, int, int]]]:
    """Gradient support of units of every spatial node (or of ``nodes``).

    Returns ``{node_id: [(row, col, y0, x0, y1, x1), …]}``: for each measured unit the inclusive bounding box of
    the input pixels its gradient is non-zero on. ``units_per_node=None`` measures every row and column.
    """
    probe = positive_probe(model)
    captured = capture_model(probe, torch.zeros(1, *input_size, dtype=torch.float64), detail="layers")
    wanted = set(nodes) if nodes is not None else None
    out = {}
    for node in captured.graph.nodes[1:]:
        if len(node.shape) != 3 or (wanted is not None and node.id not in wanted):
            continue
        units = diagonal_units(node.shape[1], node.shape[2], units_per_node)
        out[node.id] = _measure_node(captured, node.id, input_size, units)
    return out


def _measure_node(captured, node_id: str, input_size, units) -> list[tuple[int, int, int, int, int, int]]:
    rows = torch.tensor([u[0] for u in units])
    cols = torch.tensor([u[1] for u in units])
    x = torch.full((len(units), *input_size), _INPUT_LEVEL, dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():
        act = captured.run(x, record={node_id}, stop_after=node_id)[node_id]
        picked = act[torch.arange(len(units)), :, rows, cols].sum()
        (grad,) = torch.autograd.grad(picked, x)
    support = grad.abs().sum(1) > 0  # (B, H, W)
    result = []
    for b, (r, c) in enumerate(units):
        ys = torch.nonzero(support[b].any(1)).flatten()
        xs = torch.nonzero(support[b].any(0)).flatten()
        if len(ys) == 0:
            result.append((r, c, 0, 0, -1, -1))
        else:
            result.append((r, c, int(ys[0]), int(xs[0]), int(ys[-1]), int(xs[-1])))
    return result
