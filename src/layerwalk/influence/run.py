"""``layerwalk.influence``: which training images made this decision — per method, per layer, cached, with
progress and cancel."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from layerwalk.errors import SpecError
from layerwalk.influence import cache as _cache
from layerwalk.influence._gradients import LayerParameters, layer_dot_products, per_example_gradients
from layerwalk.influence.data import TrainingSet, as_queries, as_training_set, tensor_fingerprint
from layerwalk.influence.ekfac import EkfacInfluence, EkfacParams
from layerwalk.influence.layers import resolve_layers
from layerwalk.influence.lissa import LissaParams, lissa_inverse_hvp
from layerwalk.influence.result import InfluenceResult
from layerwalk.influence.scores import InfluenceScores
from layerwalk.influence.tracin import Checkpoint, run_checkpoints, tracin_scores, tracin_self_influence

__all__ = ["METHODS", "InfluenceCancelled", "influence"]

METHODS = ("ekfac", "lissa", "tracin")
Progress = Callable[[float, str], None]


class InfluenceCancelled(Exception):
    """Raised when ``should_stop()`` returned True between two steps."""


def influence(network: Any, train_dataset: Any, queries: Any, method: str = "ekfac", per_layer: bool = True, *,
              query_labels: torch.Tensor | list[int] | None = None, layers: str | list[str] = "all",
              self_influence: bool = True, damping: float | None = None, seed: int = 0,
              checkpoints: str | Path | list[Checkpoint] | None = None, lissa: LissaParams | None = None,
              ekfac: EkfacParams | None = None, batch_size: int = 32, cache: bool = True,
              cache_dir: str | Path | None = None, progress: Progress | None = None,
              should_stop: Callable[[], bool] | None = None) -> InfluenceResult:
    """Influence of every training image on each query's loss, per layer.

    Args:
        network: a layerwalk ``Network`` or any ``nn.Module`` classifier (logits out); used in eval mode.
        train_dataset: what it was trained on — ``(inputs, labels)`` tensors, a torch Dataset, a layerwalk
            dataset, or a ``layerwalk train`` run folder (then TracIn uses the run's checkpoints).
        queries: (Q, C, H, W) normalised tensor, or PIL images (with a ``Network``).
        method: ``"ekfac"`` (Kronfluence), ``"lissa"`` or ``"tracin"``.
        per_layer: keep per-layer scores (conv and linear layers); False keeps only the total.
        query_labels: class at which each query's loss is taken (default: the model's prediction).
        layers: ``"all"``, ``"last"`` or module paths.
        self_influence: also score each training image on itself (EK-FAC, TracIn; LiSSA would need one inverse
            Hessian product per training image).
        damping: added to the Hessian (EK-FAC default: 0.1 × mean eigenvalue; LiSSA default 0.01).
        seed: seeds sampled Fisher labels (EK-FAC) and mini-batches (LiSSA); same seed → same scores.
        checkpoints: TracIn — a run folder or ``Checkpoint`` list (default: the run folder given as data, else the
            current weights with learning rate 1).
        lissa, ekfac: method parameters (``LissaParams``, ``EkfacParams``).
        cache, cache_dir: reuse factors and scores keyed by (weights hash, dataset spec, options).
        progress: ``fn(fraction, message)``; should_stop: polled between steps (raises ``InfluenceCancelled``).

    Returns:
        ``InfluenceResult``; positive scores are proponents (up-weighting the image lowers the query loss).

    >>> result = layerwalk.influence(model, (train_x, train_y), test_x[:4], method="ekfac")  # doctest: +SKIP
    >>> result.proponents(0, k=8), result.opponents(0, k=8, layer="fc")  # doctest: +SKIP
    """
    if method not in METHODS:
        raise SpecError(f"unknown influence method {method!r}; use one of {', '.join(METHODS)}")
    model = _model_of(network)
    train = as_training_set(train_dataset, network)
    qx = as_queries(queries, network)
    chosen = resolve_layers(model, layers)
    qy = _query_labels(model, qx, query_labels)
    report = _reporter(progress, should_stop)
    options = _options(method, damping, lissa, ekfac, batch_size)
    ckpts = _checkpoints(method, checkpoints, train_dataset, model) if method == "tracin" else None
    key = _cache.cache_key(weights=_cache.weights_fingerprint(model), data=train.spec,
                           queries=tensor_fingerprint(qx, qy),
                           method=method, layers=chosen, options=options, seed=seed, self_influence=self_influence,
                           checkpoints=[tensor_fingerprint(*c.state.values()) + str(c.lr) for c in ckpts or []])
    folder = Path(cache_dir) if cache_dir else _cache.default_cache_dir()
    start = time.perf_counter()
    hit = _cache.load_entry(folder / "scores" / f"{key}.safetensors") if cache else None
    if hit is not None:
        per_layer_t, self_t = hit[0]["per_layer"], hit[0].get("self_influence")
    else:
        per_layer_t, self_t = _compute(method, model, chosen, train, qx, qy, options, seed, self_influence, ckpts,
                                       folder, report)
        if cache:
            tensors = {"per_layer": per_layer_t} | ({"self_influence": self_t} if self_t is not None else {})
            _cache.save_entry(folder / "scores" / f"{key}.safetensors", tensors, {"method": method})
    report(1.0, "done")
    names = tuple(chosen)
    if not per_layer:
        per_layer_t, self_t = per_layer_t.sum(0, keepdim=True), None if self_t is None else self_t.sum(0, keepdim=True)
        names = ("total",)
    return InfluenceResult(method, InfluenceScores(names, per_layer_t), self_t, qy, train,
                           _jsonable({"seed": seed, **options}), time.perf_counter() - start, hit is not None)


def _jsonable(options: dict[str, Any]) -> dict[str, Any]:
    import json

    return json.loads(json.dumps(options, default=str))


def _model_of(network: Any) -> nn.Module:
    model = getattr(network, "model", network)
    if not isinstance(model, nn.Module):
        raise SpecError(f"influence needs a layerwalk Network or an nn.Module, not {type(network).__name__}")
    return model.cpu().eval()


@torch.no_grad()
def _query_labels(model: nn.Module, queries: torch.Tensor, given: Any) -> torch.Tensor:
    if given is not None:
        labels = torch.as_tensor(given, dtype=torch.long).flatten()
        if len(labels) != len(queries):
            raise SpecError(f"{len(labels)} query labels for {len(queries)} queries; give one label per query")
        return labels
    return model(queries).argmax(1)


def _reporter(progress: Progress | None, should_stop: Callable[[], bool] | None) -> Progress:
    def report(fraction: float, message: str) -> None:
        if should_stop is not None and should_stop():
            raise InfluenceCancelled
        if progress is not None:
            progress(fraction, message)
    return report


def _options(method: str, damping: float | None, lissa: LissaParams | None, ekfac: EkfacParams | None,
             batch_size: int) -> dict[str, Any]:
    if method == "ekfac":
        params = ekfac or EkfacParams()
        params = replace(params, damping=damping) if damping is not None else params
        return {"ekfac": asdict(params)}
    if method == "lissa":
        params = lissa or LissaParams()
        params = replace(params, damping=damping) if damping is not None else params
        params.check()
        return {"lissa": asdict(params), "batch_size": batch_size}
    return {"batch_size": batch_size}


def _checkpoints(method: str, checkpoints: Any, data: Any, model: nn.Module) -> list[Checkpoint]:
    if isinstance(checkpoints, list):
        return checkpoints
    if checkpoints is not None:
        return run_checkpoints(checkpoints)
    if isinstance(data, (str, Path)):
        return run_checkpoints(data)
    return [Checkpoint({k: v.detach().clone() for k, v in model.state_dict().items()}, 1.0, "current")]


def _compute(method, model, layers, train: TrainingSet, qx, qy, options, seed, want_self, ckpts, folder,
             report: Progress) -> tuple[torch.Tensor, torch.Tensor | None]:
    if method == "ekfac":
        return _ekfac(model, layers, train, qx, qy, options, seed, want_self, folder, report)
    if method == "lissa":
        return _lissa(model, layers, train, qx, qy, options, seed, report), None
    bs = options["batch_size"]
    scores = tracin_scores(model, layers, ckpts, qx, qy, train.inputs, train.labels, batch_size=bs,
                           progress=lambda f: report(0.8 * f if want_self else f, "TracIn scores"))
    own = (tracin_self_influence(model, layers, ckpts, train.inputs, train.labels, batch_size=bs,
                                 progress=lambda f: report(0.8 + 0.2 * f, "TracIn self-influence"))
           if want_self else None)
    return scores, own


def _ekfac(model, layers, train, qx, qy, options, seed, want_self, folder, report):
    params = EkfacParams(**options["ekfac"])
    factor_key = _cache.cache_key(weights=_cache.weights_fingerprint(model), data=train.spec, layers=layers,
                                  fisher=params.fisher, dtype=str(params.dtype), seed=seed,
                                  factor_examples=params.factor_examples)
    ek = EkfacInfluence(model, layers, train.inputs, train.labels, folder / "factors" / factor_key, params, seed)
    ek.fit_factors(lambda f, m: report(0.4 * f, m))
    scores = ek.pairwise(qx, qy, lambda f, m: report(0.4 + (0.4 if want_self else 0.6) * f, m))
    own = ek.self_influence(lambda f, m: report(0.8 + 0.2 * f, m)) if want_self else None
    return scores, own


def _lissa(model, layers, train, qx, qy, options, seed, report) -> torch.Tensor:
    params, bs = LissaParams(**options["lissa"]), options["batch_size"]
    lp = LayerParameters(model, layers)
    vectors = per_example_gradients(lp, qx, qy)
    inverse = lissa_inverse_hvp(lp, train.inputs, train.labels, vectors, params, seed=seed,
                                progress=lambda f: report(0.7 * f, "LiSSA inverse Hessian products"))
    return layer_dot_products(lp, inverse, train.inputs, train.labels, batch_size=bs,
                              progress=lambda f: report(0.7 + 0.3 * f, "LiSSA scores"))
