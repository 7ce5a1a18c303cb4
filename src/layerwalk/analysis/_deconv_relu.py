"""DeconvNet's ReLU rule (Zeiler & Fergus 2014) as a ``TorchFunctionMode``: while active, every ReLU passes the
gradient through a ReLU instead of masking it by the forward input. Convolutions then run transposed and max pools
unpool with their switches — exactly what autograd already does — so the backward pass is the DeconvNet.

A mode, not module hooks: it reaches ``nn.ReLU``, ``F.relu`` and ``torch.relu`` alike and vanishes at the end
of the ``with`` block. (``layerwalk.attribution`` has the same rule; this package keeps its own copy until that
package has landed.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode


class _DeconvReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        return grad.clamp(min=0)


_RELUS = {F.relu, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_}


class deconv_relu(TorchFunctionMode):
    """``with deconv_relu(): ...``: ReLUs get the DeconvNet backward (in-place ReLUs answer out of place)."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in _RELUS and torch.is_grad_enabled():
            return _DeconvReLU.apply(args[0])
        return func(*args, **(kwargs or {}))
