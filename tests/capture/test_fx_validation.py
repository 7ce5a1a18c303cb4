"""torch.fx traces are checked against the real model before they are used; a bad trace falls back, silently
for ``method="auto"`` and with a one-line error (never fx's generated code) for ``method="fx"``."""

import pytest
import torch
from torch import nn

from layerwalk.capture import capture_model
from layerwalk.errors import CaptureError


class CachesPerDevice(nn.Module):
    """Keeps a value derived from a parameter per device, as timm LeViT/EfficientFormer do with attention biases:
    under tracing the cache stores a Proxy, which a later trace picks up."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 1)
        self.bias = nn.Parameter(torch.randn(1, 4, 1, 1))
        self.cache = {}

    def forward(self, x):
        key = str(x.device)
        if key not in self.cache:
            self.cache[key] = self.bias * 2
        return (self.conv(x) + self.cache[key]).mean((2, 3))


class DiffersWhenTraced(nn.Module):
    """Computes something else under tracing (a Python value fixed at trace time)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 2)

    def forward(self, x):
        y = self.fc(x.flatten(1))
        return y if isinstance(x, torch.fx.Proxy) else 2 * y


def _reference(model, x):
    with torch.no_grad():
        return model(x)


def test_a_trace_that_computes_something_else_falls_back_to_the_executed_graph():
    model = DiffersWhenTraced().eval()
    cm = capture_model(model, torch.zeros(1, 3, 2, 2))
    assert cm.method == "dynamic"
    x = torch.randn(1, 3, 2, 2)
    with torch.no_grad():
        out = cm.run(x)
    assert torch.allclose(out["output"], torch.softmax(_reference(model, x), 1))


def test_a_model_caching_trace_values_captures_twice_and_runs():
    model = CachesPerDevice().eval()
    x = torch.randn(2, 3, 4, 4)
    for _ in range(2):  # the second trace meets the Proxy the first one cached
        cm = capture_model(model, torch.zeros(1, 3, 4, 4))
        with torch.no_grad():
            out = cm.run(x)
        assert torch.allclose(out["output"], torch.softmax(_reference(model, x), 1))


def test_fx_only_capture_of_a_bad_trace_is_one_clear_line():
    with pytest.raises(CaptureError) as info:
        capture_model(DiffersWhenTraced().eval(), torch.zeros(1, 3, 2, 2), method="fx")
    message = str(info.value)
    assert "computes something else" in message and "method='dynamic'" in message
    assert "\n" not in message and "forward" not in message
