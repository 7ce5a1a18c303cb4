"""Which modules count as *layers* for influence: every ``nn.Conv2d`` and ``nn.Linear`` with trainable weights.

These are the two module types EK-FAC (Kronfluence) supports, so all three methods score the same parameters:
per-layer scores are partial dot products over one module's weights and bias, and their sum over these layers is
the total score. Parameters outside them (batch-norm scales) are held fixed, as in Grosse et al. (2023).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from layerwalk.errors import SpecError

__all__ = ["influence_layers", "resolve_layers"]


def influence_layers(model: nn.Module) -> list[str]:
    """Module paths of the conv and linear layers of ``model``, in definition order."""
    return [name for name, m in model.named_modules()
            if isinstance(m, (nn.Conv2d, nn.Linear)) and any(p.requires_grad for p in m.parameters(recurse=False))]


def resolve_layers(model: nn.Module, layers: str | Sequence[str] = "all") -> list[str]:
    """``"all"`` → every conv/linear layer; ``"last"`` → the last one; or an explicit list of module paths."""
    every = influence_layers(model)
    if not every:
        raise SpecError("the model has no conv or linear layer with trainable weights; influence needs at least one")
    if layers == "all":
        return every
    if layers == "last":
        return every[-1:]
    chosen = [layers] if isinstance(layers, str) else list(layers)
    unknown = [name for name in chosen if name not in every]
    if unknown:
        raise SpecError(f"not a conv or linear layer of this model: {', '.join(unknown)}; "
                        f"use 'all', 'last' or some of: {', '.join(every)}")
    return [name for name in every if name in chosen]
