"""In-place and functional ReLU, a reused ReLU module, ``+=``, squeeze-excitation and concat give the same maps
as the copy with in-place switched off; no hook or mode outlives a call, even one that fails; bad input is
named."""

from __future__ import annotations

import pytest
import torch

import layerwalk
from layerwalk.attribution import METHODS, Cancelled, NotApplicable, attribute
from layerwalk.errors import LayerwalkError, NotFoundError

from .models import Tricky

SMALL = {"integrated_gradients": {"steps": 4}, "smoothgrad": {"samples": 2}, "gradientshap": {"samples": 2},
         "occlusion": {"window": 4, "stride": 4}, "shapley_sampling": {"superpixels": 6, "samples": 2}}


def _net(inplace: bool) -> layerwalk.Network:
    net = layerwalk.Network(Tricky(inplace=inplace), input_size=(3, 12, 12))
    net.model.double()
    return net


@pytest.fixture(scope="module")
def pair():
    return _net(True), _net(False)


@pytest.fixture(scope="module")
def x():
    return torch.randn(1, 3, 12, 12, generator=torch.Generator().manual_seed(3), dtype=torch.float64)


@pytest.mark.parametrize("method", list(METHODS))
def test_same_maps_as_the_copy_without_inplace(pair, x, method):
    inplace, reference = (attribute(n, method, [0, 5], inputs=x, **SMALL.get(method, {})) for n in pair)
    assert inplace.layers == reference.layers
    assert len(inplace.layers) >= 5 or not METHODS[method].layer_maps
    for lid in inplace.layers:
        assert torch.allclose(inplace.channel_maps[lid], reference.channel_maps[lid], atol=1e-12), lid
    assert torch.allclose(inplace.input_attribution, reference.input_attribution, atol=1e-12)
    assert max(float(m.abs().max()) for m in [inplace.input_attribution, *inplace.channel_maps.values()]) > 0


def _leftovers(model) -> list[str]:
    found = [f"{name}.{kind}" for name, m in model.named_modules()
             for kind in ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
             if getattr(m, kind)]
    if torch._C._is_torch_function_mode_enabled():
        found.append("a TorchFunctionMode")
    return found


@pytest.mark.parametrize("method", list(METHODS))
def test_no_hook_or_mode_left_after_success_and_cancel(pair, x, method):
    net = pair[0]
    attribute(net, method, [1], inputs=x, **SMALL.get(method, {}))
    assert _leftovers(net.model) == []
    with pytest.raises(Cancelled):
        attribute(net, method, [1], inputs=x, should_stop=lambda: True, progress=lambda f, m: None,
                  **SMALL.get(method, {}))
    assert _leftovers(net.model) == []


def test_no_mode_left_after_an_exception_mid_forward(pair, x):
    net = pair[0]
    calls = []

    def explode(module, args):
        calls.append(1)
        raise RuntimeError("boom")

    handle = net.model.b.register_forward_pre_hook(explode)  # the test's own hook, removed below
    try:
        with pytest.raises(RuntimeError, match="boom"):
            attribute(net, "guided_backprop", [0], inputs=x)
    finally:
        handle.remove()
    assert calls and _leftovers(net.model) == []


def test_cancelled_call_caches_nothing():
    from layerwalk.attribution import cache

    net = layerwalk.Network(Tricky(), input_size=(3, 12, 12))
    with pytest.raises(Cancelled):
        attribute(net, "integrated_gradients", should_stop=lambda: True)
    assert not cache._results.get(net)
    first = attribute(net, "gradcam", [0])
    assert attribute(net, "gradcam", [0]).cached and first.key == attribute(net, "gradcam", [0]).key
    net.set_input(torch.zeros(1, 3, 12, 12))  # a new input: a new version, a new key
    assert not attribute(net, "gradcam", [0]).cached


def test_bad_input_names_the_valid_choices(pair):
    net = pair[0]
    with pytest.raises(NotFoundError, match="gradcam, gradcam\\+\\+"):
        attribute(net, "grad-cam-x")
    with pytest.raises(NotFoundError, match="stem"):
        attribute(net, "gradcam", layers=["nope"])
    with pytest.raises(NotFoundError, match="0…5"):
        attribute(net, "gradcam", targets=[6])
    with pytest.raises(NotApplicable, match="spatial .* 'head'"):
        attribute(net, "gradcam", layers=["head"])
    with pytest.raises(LayerwalkError, match="valid parameters: steps"):
        attribute(net, "integrated_gradients", stepz=3)
    with pytest.raises(LayerwalkError, match="one of"):
        attribute(net, "integrated_gradients", rule="simpson")
