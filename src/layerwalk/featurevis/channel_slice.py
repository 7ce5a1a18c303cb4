"""Compute only the optimised channel of the target layer, for each image of a feature-visualization batch.

Image ``i`` of a batch maximises channel ``c_i`` of a conv→norm→act layer. Computing the whole layer for every
image wastes ``C − 1`` of its ``C`` output channels — for a first conv layer that is nearly all of the work, forward
and backward. Channel ``c`` of a conv depends on filter ``c`` (and its group's input channels) only, a BatchNorm in
eval mode is a per-channel affine map and the activation is elementwise, so the layer's channel ``c_i`` for image
``i`` is one convolution with one filter per image (a grouped conv for 1×1 kernels, a depthwise conv plus a sum
otherwise) followed by per-image affine and activation.

No library offers this (Lucent and friends optimise one unit at a time through the full layer), hence this module:
a ``TorchFunctionMode`` that swaps in the sliced computation when the target layer's own weight reaches
``conv2d``/``linear``, and its ``batch_norm`` right after. It is thread-local and leaves the model untouched;
``shortcuts.ForwardShortcuts`` checks it against the full layer once per layer (anything unusual → full layer).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from layerwalk.featurevis.fold_batchnorm import batch_norm_affine


class SliceTargetChannels(TorchFunctionMode):
    """While active, the conv/linear using ``weight`` computes only channel ``channels[i]`` for image ``i``.

    Its output then has one channel (N, 1, …); a BatchNorm applied to that output is sliced the same way.
    ``sliced`` tells whether the swap happened (False → the layer ran in full, e.g. the weight never showed up).
    """

    def __init__(self, weight: nn.Parameter, channels: torch.Tensor):
        super().__init__()
        self.weight = weight
        self.channels = channels
        self.sliced = False
        self._last: torch.Tensor | None = None  # the one-channel output the next norm may read

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if not self.sliced and len(args) > 1 and args[1] is self.weight:
            if func is F.conv2d:
                return self._keep(_conv2d_one_channel(self.channels, *args, **kwargs))
            if func is F.linear:
                return self._keep(_linear_one_channel(self.channels, *args, **kwargs))
        if func is F.batch_norm and self._last is not None and args and args[0] is self._last:
            return self._keep(_batch_norm_one_channel(self.channels, *args, **kwargs))
        return func(*args, **kwargs)

    def _keep(self, out: torch.Tensor) -> torch.Tensor:
        self.sliced, self._last = True, out
        return out


def _conv2d_one_channel(channels, x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    n, cin, h, w = x.shape
    cin_g, cout_g = cin // groups, weight.shape[0] // groups
    if groups > 1:  # each channel sees only its group's input channels
        first = (channels // cout_g) * cin_g
        idx = first[:, None] + torch.arange(cin_g, device=x.device)
        x = x[torch.arange(n, device=x.device)[:, None], idx]
    filters = weight[channels]                                     # (N, cin_g, kh, kw): one filter per image
    flat = x.reshape(1, n * cin_g, h, w)
    if filters[0, 0].numel() == 1:  # 1×1: one grouped conv (groups = N) is fastest
        out = F.conv2d(flat, filters, None, stride, padding, dilation, n).view(n, 1, -1)
    else:
        # Larger kernels: a depthwise conv over all N·cin_g maps, then a sum per image. oneDNN's grouped conv with
        # one output channel per group is ~10× slower than its depthwise kernel (7×7/s2, 3 → 64: 138 vs 12 ms).
        out = F.conv2d(flat, filters.reshape(n * cin_g, 1, *filters.shape[2:]), None, stride, padding, dilation,
                       n * cin_g)
        out = out.view(n, cin_g, -1).sum(1, keepdim=True)
    out = out.view(n, 1, *_out_size(x, filters, stride, padding, dilation, out.shape[-1]))
    return out if bias is None else out + bias[channels].view(n, 1, 1, 1)


def _out_size(x, filters, stride, padding, dilation, numel):
    """Output (H, W) of the conv (any padding spelling): from the kernel arithmetic, checked against numel."""
    h, w = x.shape[-2:]
    kh, kw = filters.shape[-2:]
    s = _pair(stride)
    d = _pair(dilation)
    if padding == "same":
        return h, w
    p = (0, 0) if padding == "valid" else _pair(padding)
    size = tuple((n + 2 * pp - dd * (k - 1) - 1) // ss + 1 for n, pp, dd, k, ss in zip((h, w), p, d, (kh, kw), s))
    if size[0] * size[1] != numel:
        raise _NotPerChannel(f"unexpected conv output size {size}")
    return size


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _linear_one_channel(channels, x, weight, bias=None):
    out = (x * weight[channels]).sum(-1, keepdim=True)
    return out if bias is None else out + bias[channels].unsqueeze(-1)


def _batch_norm_one_channel(channels, x, running_mean, running_var, weight=None, bias=None, training=False,
                            momentum=0.1, eps=1e-5):
    if training or running_mean is None:
        raise _NotPerChannel("batch statistics mix the images of a batch")
    scale, shift = batch_norm_affine(running_mean, running_var, weight, bias, eps)
    scale, shift = scale[channels], shift[channels]
    shape = (x.shape[0], 1) + (1,) * (x.dim() - 2)
    return x * scale.view(shape) + shift.view(shape)


class _NotPerChannel(Exception):
    pass
