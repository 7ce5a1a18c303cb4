"""ReLU gradient override (off by default): lets gradient reach units that are switched off.

A dead unit has zero gradient through its ReLU, so gradient ascent can never switch it on. While this mode is
active every ReLU passes the gradient where it would push the unit up (as Lucid's "redirected ReLU"). It is a
``TorchFunctionMode``, so it reaches ``nn.ReLU``, ``F.relu`` and ``torch.relu`` alike without touching the model.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode


class _RedirectedReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return torch.where((x > 0) | (grad > 0), grad, torch.zeros_like(grad))


_RELUS = {F.relu, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_}


class relu_gradient_override(TorchFunctionMode):
    """``with relu_gradient_override(): loss = objective(model(x))``"""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in _RELUS and torch.is_grad_enabled():
            return _RedirectedReLU.apply(args[0])
        return func(*args, **(kwargs or {}))
