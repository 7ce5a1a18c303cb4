"""The filters of conv nodes as the network applies them: weights and bias with the following BatchNorm folded
in (in eval mode it is a per-channel affine map that can flip a filter's sign or shift its bias)."""

from __future__ import annotations

import torch
from torch import nn

from layerwalk.featurevis.fold_batchnorm import batch_norm_affine


def conv_nodes(network) -> list[str]:
    """Ids of the nodes that start with a conv whose weight is a model parameter."""
    return [n.id for n in network.graph if n.kind == "conv" and network.captured.head_weight(n.id) is not None]


def effective_filters(network, node_id: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(weights (C_out, C_in/groups, kH, kW), bias (C_out,)) of node ``node_id``'s conv, BatchNorm folded in."""
    weight = network.captured.head_weight(node_id)
    if weight is None or weight.dim() != 4:  # a linear layer's weight is 2-D
        from layerwalk.errors import NotFoundError

        raise NotFoundError(f"layer {node_id!r} does not start with a conv; filter analyses need a conv layer "
                            f"(conv layers of this network: {', '.join(conv_nodes(network)[:5])} …)")
    bias = _bias_of(network.model, weight)
    with torch.no_grad():
        w = weight.detach().float().cpu()
        b = bias.detach().float().cpu() if bias is not None else torch.zeros(w.shape[0])
        norm = _norm_after(network, weight)
        if norm is not None:
            scale, shift = batch_norm_affine(norm.running_mean, norm.running_var, norm.weight, norm.bias, norm.eps)
            scale, shift = scale.float().cpu(), shift.float().cpu()
            w, b = w * scale.view(-1, 1, 1, 1), b * scale + shift
    return w, b


def _bias_of(model: nn.Module, weight: nn.Parameter) -> torch.Tensor | None:
    for module in model.modules():
        if getattr(module, "weight", None) is weight:
            return getattr(module, "bias", None)
    return None


def _norm_after(network, weight: nn.Parameter) -> nn.Module | None:
    return next((bn for w, bn in network.captured.conv_norm_pairs() if w is weight and not bn.training), None)
