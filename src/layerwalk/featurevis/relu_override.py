"""ReLU gradient override (off by default): lets gradient reach units that are switched off.

A dead unit has zero gradient through its ReLU, so gradient ascent can never switch it on. While this mode is
active every ReLU (and ReLU6: the same rule as attribution's, ``layerwalk._relu_like``) passes the gradient where
it would push the unit back into its active range (Lucid's "redirected ReLU" and "redirected ReLU6"). It is a
``TorchFunctionMode``, so it reaches ``nn.ReLU``, ``nn.ReLU6``, ``F.relu`` and ``torch.relu`` alike without
touching the model.
"""

from __future__ import annotations

import torch
from torch.overrides import TorchFunctionMode

from layerwalk._relu_like import relu_like


class _RedirectedReLU(torch.autograd.Function):
    """Forward: clamp to [0, hi]. Backward: the plain gradient inside the range; outside it, only the part that
    moves the unit back in. ``ascending``: the caller follows +gradient (gradient ascent on the objective) rather
    than -gradient (an optimiser minimising a loss), which flips the sign that counts as "back in"."""

    @staticmethod
    def forward(ctx, x, hi, ascending):
        ctx.save_for_backward(x)
        ctx.hi, ctx.ascending = hi, ascending
        return x.clamp(min=0, max=hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        up = grad > 0 if ctx.ascending else grad < 0   # the step raises the unit
        down = grad < 0 if ctx.ascending else grad > 0
        passed = (x > 0) | up
        if ctx.hi is not None:
            passed = passed & ((x < ctx.hi) | down)
        return torch.where(passed, grad, torch.zeros_like(grad)), None, None


class relu_gradient_override(TorchFunctionMode):
    """``with relu_gradient_override(ascending=True): value = objective(model(x))``; ``ascending=False`` when the
    gradient is of a loss that an optimiser minimises (``-objective``)."""

    def __init__(self, ascending: bool = True):
        super().__init__()
        self._ascending = ascending

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        relu, hi = relu_like(func, args, kwargs)
        if relu and torch.is_grad_enabled():
            return _RedirectedReLU.apply(args[0], hi, self._ascending)
        return func(*args, **kwargs)
