"""BatchNorm statistics that match the final weights before a model is evaluated.

Why: BatchNorm normalises each training batch with that batch's own statistics, but eval mode uses running
averages (momentum 0.1: roughly the last ten steps) collected while the weights were still moving. A short run
whose weights change fast ends with running statistics that do not describe its final weights: the shuffled-label
CovidResNet of the first study (50 images, 30 steps) had running variances 3–5× the variance its final weights
produce on its training set, and fitted 46–52 % of its labels in eval mode although it fitted 100 % with batch
statistics (``docs/study/bn_diagnosis.txt``). Recomputing the statistics once under the final weights, over
training items without augmentation, makes eval mode agree with the training curve. torch's ``update_bn`` (written
for SWA) does the recomputation: it resets the statistics and averages them over the given batches.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.swa_utils import update_bn

__all__ = ["CALIBRATION_ITEMS", "has_batchnorm", "calibration_indices", "recalibrate_batchnorm"]

CALIBRATION_ITEMS = 2048  # enough items for stable means/variances; bounded so a per-epoch recalibration stays cheap


def has_batchnorm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


def calibration_indices(n: int, seed: int, items: int = CALIBRATION_ITEMS) -> torch.Tensor:
    """A fixed random sample of ``items`` of ``n`` training items (all of them if there are fewer), in order.

    >>> calibration_indices(5, 0).tolist()
    [0, 1, 2, 3, 4]
    >>> len(calibration_indices(10_000, 0))
    2048
    """
    if n <= items:
        return torch.arange(n)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 7_919 + 3))
    return order[:items].sort().values


def recalibrate_batchnorm(model: nn.Module, batches, device) -> bool:
    """Replace every BatchNorm layer's running statistics with those of ``batches`` (``(x, y)`` pairs) under the
    current weights; the weights are untouched. Returns whether the model has BatchNorm layers at all.

    >>> bn = nn.BatchNorm1d(1)
    >>> recalibrate_batchnorm(bn, [(torch.tensor([[1.0], [3.0]]), None)], "cpu"), bn.running_mean.item()
    (True, 2.0)
    """
    if not has_batchnorm(model):
        return False
    with torch.no_grad():
        update_bn(batches, model, device=torch.device(device))
    return True
