"""Folding a symmetric zero pad into the following conv is exact (values and gradients), removes the padding copy,
and leaves any other use of the padded tensor as it was."""

import torch
import torch.nn.functional as F
from efficientnet_lite_pytorch.utils import Conv2dStaticSamePadding
from torch import nn
from torch.overrides import TorchFunctionMode

from layerwalk.featurevis.fold_padding import FoldZeroPadding


class CountPads(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.pads = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.pads += func is F.pad
        return func(*args, **(kwargs or {}))


def _same_convs() -> nn.Module:
    """EfficientNet's own "same" convs: 3×3 and 5×5 stride 1 (symmetric pads), 3×3 stride 2 (asymmetric)."""
    torch.manual_seed(0)
    return nn.Sequential(Conv2dStaticSamePadding(3, 8, 3, image_size=16), nn.ReLU6(),
                         Conv2dStaticSamePadding(8, 8, 5, groups=8, image_size=16),
                         Conv2dStaticSamePadding(8, 4, 3, stride=2, image_size=16)).double()


def _run(model, x, fold: bool):
    x = x.clone().requires_grad_(True)
    counter = CountPads()
    with counter:
        if fold:
            with FoldZeroPadding():
                out = model(x)
        else:
            out = model(x)
    (grad,) = torch.autograd.grad(out.square().sum(), x)
    return out.detach(), grad, counter.pads


def test_folded_padding_gives_the_same_values_and_gradients_without_the_symmetric_pad_copies():
    model, x = _same_convs(), torch.randn(2, 3, 16, 16, dtype=torch.float64)
    out, grad, pads = _run(model, x, fold=False)
    out_f, grad_f, pads_f = _run(model, x, fold=True)
    torch.testing.assert_close(out_f, out, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_f, grad, rtol=1e-12, atol=1e-12)
    assert pads == 3 and pads_f == 1  # only the stride-2 conv's asymmetric (0, 1) pad is still a copy


def test_a_padded_tensor_used_by_anything_but_a_conv_is_the_real_padded_tensor():
    x = torch.randn(1, 2, 5, 5)
    with FoldZeroPadding():
        padded = F.pad(x, (2, 2, 2, 2))
        total = padded.sum(dim=(2, 3))
        pooled = F.max_pool2d(padded, 3)
    torch.testing.assert_close(total, F.pad(x, (2, 2, 2, 2)).sum(dim=(2, 3)))
    torch.testing.assert_close(pooled, F.max_pool2d(F.pad(x, (2, 2, 2, 2)), 3))


def test_reflect_and_nonzero_constant_pads_are_not_folded():
    x, w = torch.randn(1, 2, 6, 6), torch.randn(3, 2, 3, 3)
    with FoldZeroPadding():
        reflect = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), w)
        ones = F.conv2d(F.pad(x, (1, 1, 1, 1), value=1.0), w)
    torch.testing.assert_close(reflect, F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), w))
    torch.testing.assert_close(ones, F.conv2d(F.pad(x, (1, 1, 1, 1), value=1.0), w))
