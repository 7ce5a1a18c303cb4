"""TorchFunctionModes used by attribution: in-place activations made functional, and the ReLU backward rules of
DeconvNet and guided backpropagation.

Both are modes, not module hooks: they reach ``nn.ReLU``, ``F.relu``, ``torch.relu`` and a ReLU module called
twice alike, never touch the model, and vanish when the ``with`` block ends — even on an exception (the same
mechanism as ``featurevis/relu_override.py``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from layerwalk._relu_like import relu_like

# Functions whose in-place flavour is used through its return value (``nn.ReLU(inplace=True)`` returns F.relu's
# result, ``out += identity`` rebinds ``out``), so answering with a new tensor keeps the model's semantics while
# the recorded activations stay the values the next layer saw.
_INPLACE_KWARG = {F.relu, F.relu6, F.hardtanh, F.elu, F.selu, F.celu, F.leaky_relu, F.silu, F.hardswish,
                  F.hardsigmoid, F.mish, F.dropout, F.threshold, F.rrelu}
_IADD = {torch.Tensor.__iadd__: torch.Tensor.__add__, torch.Tensor.__imul__: torch.Tensor.__mul__,
         torch.Tensor.__isub__: torch.Tensor.__sub__}


class functional_inplace(TorchFunctionMode):
    """Run in-place activations and ``+=``/``*=`` out of place (same values, gradients stay correct)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in _INPLACE_KWARG and kwargs.get("inplace"):
            kwargs = {**kwargs, "inplace": False}
        elif func in _IADD:
            func = _IADD[func]
        return func(*args, **kwargs)


class _GuidedReLU(torch.autograd.Function):
    """Guided backpropagation: pass gradient only where the ReLU passed its input (``lo < x < hi``: ``hi`` is 6
    for ReLU6) AND the gradient is positive."""

    @staticmethod
    def forward(ctx, x, hi=None):
        ctx.save_for_backward(x)
        ctx.hi = hi
        return x.clamp(min=0, max=hi)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        passed = (x > 0) if ctx.hi is None else (x > 0) & (x < ctx.hi)
        return (grad * passed).clamp(min=0), None


class _DeconvReLU(torch.autograd.Function):
    """DeconvNet (Zeiler & Fergus): the backward pass is a ReLU of the gradient, ignoring the forward input."""

    @staticmethod
    def forward(ctx, x, hi=None):
        return x.clamp(min=0, max=hi)

    @staticmethod
    def backward(ctx, grad):
        return grad.clamp(min=0), None


_RULES = {"guided": _GuidedReLU, "deconv": _DeconvReLU}


class relu_backward_rule(TorchFunctionMode):
    """``with relu_backward_rule("guided"): ...`` replaces every ReLU's backward by the rule's."""

    def __init__(self, rule: str):
        super().__init__()
        self._fn = _RULES[rule]

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        relu, hi = relu_like(func, args, kwargs)
        if relu and torch.is_grad_enabled():
            return self._fn.apply(args[0], hi)
        return func(*args, **kwargs)
