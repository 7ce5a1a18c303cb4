"""Shapley value sampling over superpixels (Castro et al. 2009; Captum's ShapleyValueSampling with a feature
mask): for each random order of the superpixels, add them one by one to the baseline and credit each with the
change of the target logit. Every order's credits sum to f(x) − f(baseline) exactly (efficiency); with at least
K! samples every order is used once, which IS the expectation (the exact Shapley values)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from layerwalk.attribution._perturbation import evaluate
from layerwalk.attribution.base import AttributionMethod, MethodOutput, Param
from layerwalk.attribution.baselines import BASELINES, make_baselines


class ShapleySampling(AttributionMethod):
    name, label, family, layer_maps = "shapley_sampling", "Shapley value sampling (superpixels)", "shapley", False
    params = (Param("superpixels", int, 32, "SLIC superpixels the input is cut into", maximum=1000),
              Param("samples", int, 8, "random orders of the superpixels", maximum=10_000),
              Param("baseline", str, "zeros", "what a missing superpixel shows", BASELINES),
              Param("seed", int, 0, "random orders"),
              Param("batch", int, 64, "inputs per pass (memory)", maximum=4096))

    def attribute(self, ctx):
        segments = ctx.extra.get("segments")
        if segments is None:
            segments = superpixels(ctx.image, ctx.params["superpixels"], ctx.x.shape[-2:])
        values = shapley_values(ctx, torch.as_tensor(segments), self.orders(ctx.params, int(segments.max()) + 1))
        ctx.extra["segments"], ctx.extra["feature_values"] = segments, values
        return MethodOutput({}, values[:, torch.as_tensor(segments)].unsqueeze(1))

    @staticmethod
    def orders(params: dict, k: int) -> list[tuple[int, ...]]:
        if k <= 8 and params["samples"] >= math.factorial(k):
            return list(itertools.permutations(range(k)))
        rng = np.random.default_rng(params["seed"])
        return [tuple(rng.permutation(k)) for _ in range(params["samples"])]


def superpixels(image, n: int, size) -> np.ndarray:
    """(H, W) int labels 0…K−1 from skimage's SLIC on the display image."""
    from skimage.segmentation import slic

    pixels = np.asarray(image.convert("RGB").resize((size[1], size[0])), dtype=np.float64) / 255.0
    labels = slic(pixels, n_segments=n, compactness=10.0, start_label=0)
    if labels.max() + 1 < max(2, n // 4):  # texture without regions (noise): SLIC collapses; go near-regular
        labels = slic(pixels, n_segments=n, compactness=100.0, start_label=0)
    return np.unique(labels, return_inverse=True)[1].reshape(labels.shape)  # consecutive labels


def shapley_values(ctx, segments: torch.Tensor, orders: list[tuple[int, ...]]) -> torch.Tensor:
    """(T, K) mean marginal contribution of each superpixel over ``orders``."""
    k = int(segments.max()) + 1
    onehot = (segments.unsqueeze(0) == torch.arange(k).view(-1, 1, 1)).to(ctx.x.dtype)  # (K, H, W)
    steps = [torch.stack([onehot[list(order[:j])].sum(0) for j in range(k + 1)]) for order in orders]
    keep = torch.cat(steps).unsqueeze(1)  # (orders × (K+1), 1, H, W)
    baseline = make_baselines(ctx.params["baseline"], ctx.x, 1, ctx.params["seed"])
    scores = evaluate(ctx, keep, baseline, ctx.params["batch"], "coalitions").view(len(orders), k + 1, -1)
    gains = scores[:, 1:] - scores[:, :-1]  # (orders, K, T): the j-th added superpixel's gain
    values = torch.zeros(len(ctx.targets), k, dtype=scores.dtype)
    for o, order in enumerate(orders):
        values[:, list(order)] += gains[o].T
    return values / len(orders)
