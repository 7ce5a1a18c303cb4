"""Axioms that pin the methods down without an anchor: completeness, efficiency, exact Shapley values, the
whole-image occlusion window, and zero for what the model ignores."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

import layerwalk
from layerwalk.attribution import attribute

from .models import Small

SIZE = 16


def _net(model) -> layerwalk.Network:
    net = layerwalk.Network(model, input_size=(3, SIZE, SIZE))
    net.model.double()
    return net


@pytest.fixture(scope="module")
def small():
    return _net(Small())


@pytest.fixture(scope="module")
def x():
    return torch.randn(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(2), dtype=torch.float64)


def _logits(net, xs):
    with torch.no_grad():
        return net.model(xs)


def test_integrated_gradients_completeness_at_64_steps(small, x):
    targets = [0, 2, 3, 4]  # class 1's f(x) − f(0) nearly cancels (0.007): a relative error of it says little
    r = attribute(small, "integrated_gradients", targets, inputs=x, steps=64)
    gap = _logits(small, x)[0, targets] - _logits(small, torch.zeros_like(x))[0, targets]
    assert torch.allclose(r.input_attribution.flatten(1).sum(1) - gap, r.delta)
    assert (r.delta.abs() <= 0.01 * gap.abs()).all(), (r.delta, gap)


def test_shapley_sampling_is_efficient_for_every_order(small, x):
    r = attribute(small, "shapley_sampling", [0, 3], inputs=x, superpixels=12, samples=3, seed=5)
    gap = _logits(small, x)[0, [0, 3]] - _logits(small, torch.zeros_like(x))[0, [0, 3]]
    assert torch.allclose(r.extra["feature_values"].sum(1), gap, atol=1e-10, rtol=0)
    assert torch.allclose(r.input_map.flatten(1).sum(1), (r.extra["feature_values"] * _sizes(r)).sum(1))


def _sizes(r) -> torch.Tensor:
    segments = torch.as_tensor(r.extra["segments"])
    return torch.bincount(segments.flatten()).to(torch.float64)


def test_sampler_expectation_equals_exact_shapley_by_enumeration(small, x):
    r = attribute(small, "shapley_sampling", [1], inputs=x, superpixels=4, samples=5040)
    segments = torch.as_tensor(r.extra["segments"])
    k = int(segments.max()) + 1
    assert 2 <= k <= 7  # every order used once = the sampler's expectation
    masks = (segments == torch.arange(k).view(-1, 1, 1)).double()

    def value(coalition) -> float:
        keep = masks[list(coalition)].sum(0) if coalition else torch.zeros(SIZE, SIZE, dtype=torch.float64)
        return float(_logits(small, x * keep)[0, 1])

    exact = torch.zeros(k, dtype=torch.float64)
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            for s in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(k - size - 1) / math.factorial(k)
                exact[i] += weight * (value(s + (i,)) - value(s))
    assert torch.allclose(r.extra["feature_values"][0], exact, atol=1e-10, rtol=0)


def test_whole_image_occlusion_window_is_the_output_change(small, x):
    r = attribute(small, "occlusion", [0, 2], inputs=x, window=SIZE, stride=1)
    gap = _logits(small, x)[0, [0, 2]] - _logits(small, torch.zeros_like(x))[0, [0, 2]]
    assert torch.allclose(r.input_attribution, gap.view(2, 1, 1, 1).expand_as(r.input_attribution))


@pytest.mark.parametrize(("method", "params"), [
    ("saliency", {}), ("inputxgradient", {}), ("integrated_gradients", {"steps": 8}),
    ("guided_backprop", {}), ("deconvnet", {}), ("gradientshap", {"samples": 4}),
    ("smoothgrad", {"samples": 4}), ("occlusion", {"window": 8, "stride": 8}),
])
def test_ignored_half_gets_zero(x, method, params):
    net = _net(Small(ignore_right=True))
    r = attribute(net, method, [0, 4], inputs=x, **params)
    right, left = r.input_attribution[..., SIZE // 2:], r.input_attribution[..., :SIZE // 2]
    assert left.abs().max() > 0
    assert right.abs().max() <= 1e-12 * left.abs().max()  # zero up to float64 rounding of f(x) − f(x')


def test_ignored_superpixels_get_zero(x):
    net = _net(Small(ignore_right=True))
    r = attribute(net, "shapley_sampling", [0], inputs=x, superpixels=16, samples=4)
    segments = torch.as_tensor(r.extra["segments"])
    inside = [s for s in range(int(segments.max()) + 1) if (segments == s).nonzero()[:, 1].min() >= SIZE // 2]
    assert inside, "no superpixel lies wholly in the ignored half"
    assert r.extra["feature_values"][0, inside].abs().max() <= 1e-12 * r.extra["feature_values"].abs().max()
