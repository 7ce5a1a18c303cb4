"""Optimisation as in §4.2: the Lamb optimizer (timm's maintained implementation), a stepwise learning-rate
decay down to 0.001 × the initial rate; Kaiming initialization is ``layerwalk.data.weight_init`` (shared with the
COVID nets)."""

from __future__ import annotations

from torch import nn

from layerwalk.data.weight_init import kaiming_init

__all__ = ["make_optimizer", "step_decay", "kaiming_init", "DECAY_AT"]

DECAY_AT = (0.5, 0.75, 0.9)  # fractions of training after which the rate drops ×0.1 → 0.001 × initial at the end


def make_optimizer(model: nn.Module, lr: float, weight_decay: float):
    """Lamb over all parameters; no weight decay on biases and normalisation weights (the usual practice).

    >>> import torch
    >>> opt = make_optimizer(torch.nn.Linear(2, 2), lr=0.002, weight_decay=0.01)
    >>> [g["weight_decay"] for g in opt.param_groups]
    [0.01, 0.0]
    """
    from timm.optim import Lamb

    decay = [p for p in model.parameters() if p.requires_grad and p.dim() > 1]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() <= 1]
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return Lamb(groups, lr=lr)


def step_decay(step: int, total_steps: int, decay_at=DECAY_AT, factor: float = 0.1) -> float:
    """Learning-rate multiplier at ``step`` of ``total_steps``: ×0.1 after each fraction in ``decay_at``.

    >>> [step_decay(s, 100) for s in (0, 50, 75, 99)]
    [1.0, 0.1, 0.010000000000000002, 0.0010000000000000002]
    """
    passed = sum(step >= round(f * total_steps) for f in decay_at)
    return factor ** passed


