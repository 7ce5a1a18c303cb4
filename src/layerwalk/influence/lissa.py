"""LiSSA influence (Agarwal et al. 2017, as used by Koh & Liang 2017 and the dissertation, ch. 6): the inverse
Hessian-vector product H⁻¹∇L(q) by a stochastic Neumann series over training mini-batches, then layer-wise scores
∇L(q)ᵀH⁻¹ restricted to one layer's weights, dotted with each training image's gradient of that layer
(dissertation eq. 6); their sum over layers is the total (eq. 7).

Written here rather than taken from a library: Kronfluence has no LiSSA, and the recursion is a few lines over
``torch.func`` Hessian-vector products (forward-over-reverse, vmapped over the queries).

Recursion, with ``damping`` λ (added to the Hessian: (H + λI)⁻¹, the same meaning as EK-FAC's damping), ``scale``
s (must exceed H's largest eigenvalue, or the series diverges) and ``depth`` T:

    h₀ = v,   hₜ = v + hₜ₋₁ − (H_batch + λ) hₜ₋₁ / s,   result = h_T / s   (averaged over ``repeats``)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.func import functional_call, grad, jvp, vmap

from layerwalk.errors import SpecError
from layerwalk.influence._gradients import LayerParameters

__all__ = ["LissaParams", "lissa_inverse_hvp"]


@dataclass(frozen=True)
class LissaParams:
    damping: float = 0.01
    scale: float = 50.0
    depth: int = 500
    repeats: int = 1
    batch_size: int = 32

    def check(self) -> None:
        if self.scale <= 0 or self.depth < 1 or self.repeats < 1 or self.damping < 0 or self.batch_size < 1:
            raise SpecError(f"LiSSA needs scale > 0, depth ≥ 1, repeats ≥ 1, damping ≥ 0, batch size ≥ 1; got "
                            f"{self}")


def _batch_loss(lp: LayerParameters, params: dict, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(functional_call(lp.model, {**lp.fixed, **params}, (x,)), y)


def _hvp(lp: LayerParameters, x: torch.Tensor, y: torch.Tensor, vectors: dict) -> dict:
    """H_batch v for a batch of vectors (leading dimension Q), one forward-over-reverse pass per vector."""
    g = grad(lambda p: _batch_loss(lp, p, x, y))
    one = lambda v: jvp(g, (lp.params,), (v,))[1]  # noqa: E731
    return vmap(one)(vectors)


def lissa_inverse_hvp(lp: LayerParameters, inputs: torch.Tensor, labels: torch.Tensor,
                      vectors: dict[str, torch.Tensor], params: LissaParams, *, seed: int = 0,
                      progress: Callable[[float], None] | None = None) -> dict[str, torch.Tensor]:
    """(H + λI)⁻¹ v for ``vectors`` ``{layer: (Q, P_l)}``; mini-batches drawn with ``seed``."""
    params.check()
    v = lp.unflatten(vectors)
    generator = torch.Generator().manual_seed(seed)
    total = None
    for r in range(params.repeats):
        h = {n: t.clone() for n, t in v.items()}
        for t in range(params.depth):
            idx = (torch.arange(len(labels)) if params.batch_size >= len(labels)  # full batch: exact Neumann series
                   else torch.randint(len(labels), (params.batch_size,), generator=generator))
            hv = _hvp(lp, inputs[idx], labels[idx], h)
            h = {n: v[n] + h[n] - (hv[n] + params.damping * h[n]) / params.scale for n in h}
            if not all(torch.isfinite(t).all() for t in h.values()):
                raise SpecError(f"LiSSA diverged at step {t + 1}: scale {params.scale} is smaller than the Hessian's "
                                "largest eigenvalue; use a larger scale (e.g. ×10)")
            if progress is not None:
                progress((r * params.depth + t + 1) / (params.repeats * params.depth))
        total = h if total is None else {n: total[n] + h[n] for n in h}
    assert total is not None
    return lp.flatten({n: t / (params.scale * params.repeats) for n, t in total.items()})
