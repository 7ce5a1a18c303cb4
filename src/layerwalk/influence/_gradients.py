"""Per-example loss gradients, split by layer, with ``torch.func`` (vmap over ``grad``).

TracIn and LiSSA both need ∇θ_l L(x_i) for every training image i and layer l. ``vmap(grad(...))`` computes a
batch of them in one pass instead of one backward per image. The model runs in eval mode (batch-norm uses its
running statistics), so an example's gradient does not depend on the other examples in its batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call, grad, vmap

__all__ = ["LayerParameters", "per_example_gradients", "example_loss"]


class LayerParameters:
    """The trainable parameters of the chosen layers, grouped by layer; everything else is held fixed."""

    def __init__(self, model: nn.Module, layers: Sequence[str]):
        self.model, self.layers = model, list(layers)
        modules = dict(model.named_modules())
        self.names = {layer: [f"{layer}.{n}" if layer else n for n, p in modules[layer].named_parameters(recurse=False)
                              if p.requires_grad] for layer in self.layers}
        every = dict(model.named_parameters())
        self.params = {n: every[n].detach() for layer in self.layers for n in self.names[layer]}
        self.fixed = {n: t.detach() for n, t in list(model.named_parameters()) + list(model.named_buffers())
                      if n not in self.params}

    def sizes(self) -> dict[str, int]:
        return {layer: sum(self.params[n].numel() for n in self.names[layer]) for layer in self.layers}

    def flatten(self, tensors: dict[str, torch.Tensor], batch: bool = True) -> dict[str, torch.Tensor]:
        """Parameter-shaped tensors → one flat vector per layer (``(B, P_l)`` if ``batch``)."""
        start = 1 if batch else 0
        return {layer: torch.cat([tensors[n].flatten(start) for n in self.names[layer]], dim=-1)
                for layer in self.layers}

    def unflatten(self, flat: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Inverse of ``flatten`` for vectors with any leading dimensions."""
        out = {}
        for layer in self.layers:
            lead, offset = flat[layer].shape[:-1], 0
            for n in self.names[layer]:
                shape, size = self.params[n].shape, self.params[n].numel()
                out[n] = flat[layer][..., offset:offset + size].reshape(*lead, *shape)
                offset += size
        return out


def example_loss(layer_params: LayerParameters, params: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of one example (no batch dimension) under ``params``."""
    logits = functional_call(layer_params.model, {**layer_params.fixed, **params}, (x.unsqueeze(0),))
    return F.cross_entropy(logits, y.unsqueeze(0))


def per_example_gradients(layer_params: LayerParameters, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """``{layer: (B, P_l)}`` gradients of each example's cross-entropy loss."""
    fn = vmap(grad(lambda p, xi, yi: example_loss(layer_params, p, xi, yi)), in_dims=(None, 0, 0))
    return layer_params.flatten(fn(layer_params.params, x, y))


def layer_dot_products(lp: LayerParameters, vectors: dict[str, torch.Tensor], inputs: torch.Tensor,
                       labels: torch.Tensor, *, batch_size: int = 32,
                       progress=None) -> torch.Tensor:
    """(L, Q, N): for each layer, ``vectors[layer]`` (Q, P_l) dotted with every training image's gradient of that
    layer. Training gradients are streamed in batches and never stored all at once."""
    n = len(labels)
    out = torch.empty(len(lp.layers), next(iter(vectors.values())).shape[0], n)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        grads = per_example_gradients(lp, inputs[start:stop], labels[start:stop])
        for k, layer in enumerate(lp.layers):
            out[k, :, start:stop] = vectors[layer] @ grads[layer].T
        if progress is not None:
            progress(stop / n)
    return out


def layer_squared_norms(lp: LayerParameters, inputs: torch.Tensor, labels: torch.Tensor, *,
                        batch_size: int = 32, progress=None) -> torch.Tensor:
    """(L, N): each training image's squared gradient norm per layer (TracIn's self-influence)."""
    n = len(labels)
    out = torch.empty(len(lp.layers), n)
    for start in range(0, n, batch_size):
        stop = min(start + batch_size, n)
        grads = per_example_gradients(lp, inputs[start:stop], labels[start:stop])
        for k, layer in enumerate(lp.layers):
            out[k, start:stop] = grads[layer].pow(2).sum(1)
        if progress is not None:
            progress(stop / n)
    return out
