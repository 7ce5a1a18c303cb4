"""Fold a symmetric zero padding into the conv that follows it, for the many passes of feature visualization.

TensorFlow-style "same" convs (EfficientNet's ``Conv2dStaticSamePadding``, timm's ``Conv2dSame``) call ``F.pad``
before ``F.conv2d``: a full copy of the activation into a larger tensor, forward and backward (with its fill, ≈ a
quarter of a ``_blocks.3`` step on EfficientNet-Lite0). Where the padding is the same on both sides of each spatial
dimension, ``conv2d(pad(x, p), w, padding=q) == conv2d(x, w, padding=q + p)`` exactly, and oneDNN pads inside the
convolution without the copy. This ``TorchFunctionMode`` leaves the model untouched: ``F.pad`` returns a marked
alias of its input (no copy), the conv that consumes it pads itself; any other use of the alias gets the real padded
tensor, so a pattern the fold does not know is computed as before. Asymmetric pads (a stride-2 "same" conv on an
even size) are left alone.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode


class FoldZeroPadding(TorchFunctionMode):
    """While active, a symmetric constant-zero ``F.pad`` that feeds ``F.conv2d`` becomes the conv's own padding."""

    def __init__(self) -> None:
        super().__init__()
        self._pending: dict[int, tuple[torch.Tensor, torch.Tensor, tuple[int, int]]] = {}  # id(alias) → (alias, x, pad)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.pad and (pad := _symmetric_zero_pad(args, kwargs)) is not None:
            alias = args[0].view_as(args[0])
            self._pending[id(alias)] = (alias, args[0], pad)
            return alias
        if func is F.conv2d and args and (hit := self._take(args[0])) is not None:
            call = dict(zip(("bias", "stride", "padding", "dilation", "groups"), args[2:], strict=False)) | kwargs
            if not isinstance(call.get("padding", 0), str):  # 'same'/'valid': left to the real padding below
                del self._pending[id(args[0])]
                x, (ph, pw) = hit
                qh, qw = _pair(call.get("padding", 0))
                return F.conv2d(x, args[1], **(call | {"padding": (qh + ph, qw + pw)}))
        if self._pending:  # the alias used by anything else: materialise the real padding
            args, kwargs = _materialise(args, self), _materialise(kwargs, self)
        return func(*args, **kwargs)

    def __exit__(self, *exc):
        self._pending.clear()  # aliases never consumed must not keep their tensors alive
        return super().__exit__(*exc)

    def _take(self, t) -> tuple[torch.Tensor, tuple[int, int]] | None:
        hit = self._pending.get(id(t)) if isinstance(t, torch.Tensor) else None
        if hit is None or hit[0] is not t:
            return None
        return hit[1], hit[2]

    def padded(self, t):
        """``t`` itself, or the real padded tensor if ``t`` is a pending alias."""
        if (hit := self._take(t)) is None:
            return t
        x, (ph, pw) = hit
        return F.pad(x, (pw, pw, ph, ph))


def _symmetric_zero_pad(args, kwargs) -> tuple[int, int] | None:
    """(ph, pw) for ``F.pad(x, (pw, pw, ph, ph))`` of a 4-D tensor with constant zeros, else None."""
    if len(args) < 2 or not isinstance(args[0], torch.Tensor) or args[0].dim() != 4:
        return None
    pad = tuple(args[1])
    mode = args[2] if len(args) > 2 else kwargs.get("mode", "constant")
    value = args[3] if len(args) > 3 else kwargs.get("value", None)
    if mode != "constant" or value not in (None, 0, 0.0) or len(pad) != 4 or min(pad) < 0:
        return None
    if pad[0] != pad[1] or pad[2] != pad[3] or not any(pad):
        return None
    return int(pad[2]), int(pad[0])


def _pair(p) -> tuple[int, int]:
    return (int(p), int(p)) if isinstance(p, int) else (int(p[0]), int(p[1]))


def _materialise(value, mode: FoldZeroPadding):
    if isinstance(value, torch.Tensor):
        return mode.padded(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_materialise(v, mode) for v in value)
    if isinstance(value, dict):
        return {k: _materialise(v, mode) for k, v in value.items()}
    return value
