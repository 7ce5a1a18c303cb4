"""Adebayo et al. (2018) "Sanity checks for saliency maps": cascading model randomisation. The weights are
re-initialised layer by layer from the top; a method whose maps stay the same does not explain the model.

The badge: Spearman rank correlation of |input map| between the trained and the fully randomised model, averaged
over the targets; below ``THRESHOLD`` the maps depend on the weights.
"""

from __future__ import annotations

import copy
from types import SimpleNamespace

import numpy as np
import torch
from scipy.stats import spearmanr

from layerwalk.attribution._pass import PassEngine
from layerwalk.attribution.base import AttributionContext
from layerwalk.capture import capture_model

THRESHOLD = 0.3
FRACTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)  # 0.0 → only the top layer


def cascading_randomisation(network, impl, x, targets, layers, params, snapshot, seed: int = 0) -> dict:
    """``{"rank_correlation", "passes", "layers_randomised", "correlations", "note"}`` for method ``impl``."""
    if "input_map" in params:  # the check compares input-level maps, even when the caller asked only for layers
        params = {**params, "input_map": True}
    model = copy.deepcopy(network.model)
    randomised = SimpleNamespace(captured=capture_model(model, x), graph=network.graph)
    modules = _top_down(network, model)
    reference = _input_map(randomised, impl, x, targets, layers, params, snapshot)
    correlations, done = [], 0
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        for upto in sorted({max(1, round(f * len(modules))) for f in FRACTIONS}):
            for _, module in modules[done:upto]:
                module.reset_parameters()
            done = upto
            current = _input_map(randomised, impl, x, targets, layers, params, snapshot)
            correlations.append(_rank_correlation(reference, current))
    final = correlations[-1]
    passes = final < THRESHOLD
    note = ("the maps depend on the weights" if passes else
            "the maps barely change when the weights are randomised: they do not explain this model")
    return {"rank_correlation": round(final, 4), "passes": passes, "threshold": THRESHOLD,
            "layers_randomised": [name for name, _ in modules], "correlations": [round(c, 4) for c in correlations],
            "note": note}


def _top_down(network, model) -> list[tuple[str, torch.nn.Module]]:
    """Modules that own weights, from the output back to the input (each once)."""
    named = dict(model.named_modules())
    found = [(name, m) for name, m in reversed(list(named.items()))
             if hasattr(m, "reset_parameters") and any(True for _ in m.parameters(recurse=False))]
    return found


def _input_map(net, impl, x, targets, layers, params, snapshot) -> np.ndarray:
    ctx = AttributionContext(PassEngine(net), x, torch.tensor(targets), layers, params, image=snapshot.input_image)
    out = impl.attribute(ctx)
    return out.input_attribution.sum(1).detach().abs().flatten(1).cpu().double().numpy()


def _rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    values = [spearmanr(u, v).statistic for u, v in zip(a, b)]
    return float(np.mean([0.0 if np.isnan(v) else v for v in values]))
