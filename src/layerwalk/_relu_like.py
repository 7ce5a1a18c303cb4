"""Which torch calls are ReLUs, for the modes that replace a ReLU's backward pass (attribution's DeconvNet and
guided rules, feature visualization's redirected ReLU): one rule, so both families treat ReLU6 alike.

``nn.ReLU6`` calls ``F.hardtanh(x, 0, 6)``; EfficientNet-Lite (the demo model) and MobileNets use it.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

RELUS = {F.relu, torch.relu, torch.relu_, torch.Tensor.relu, torch.Tensor.relu_}


def relu_like(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bool, float | None]:
    """(is a ReLU, its upper clamp or None): ReLU, and ReLU6 / a hardtanh from 0 with its upper bound."""
    if func in RELUS:
        return True, None
    if func is F.relu6:
        return True, 6.0
    if func is F.hardtanh:
        lo = args[1] if len(args) > 1 else kwargs.get("min_val", -1.0)
        hi = args[2] if len(args) > 2 else kwargs.get("max_val", 1.0)
        return float(lo) == 0.0, float(hi)
    return False, None
