"""``attribute()``: resolve targets, layers and parameters, run a method once for all of them, cache the result."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from layerwalk.attribution import cache
from layerwalk.attribution._pass import PassEngine
from layerwalk.attribution.base import AttributionContext, AttributionMethod, NotApplicable
from layerwalk.attribution.registry import get_method
from layerwalk.attribution.result import AttributionResult
from layerwalk.errors import LayerwalkError, NotFoundError


def attribute(network, method: str = "gradcam", targets: Sequence[int] | str | None = None,
              layers: Sequence[str] | str | None = None, *, inputs: torch.Tensor | None = None,
              progress: Callable[[float, str], None] | None = None, should_stop: Callable[[], bool] | None = None,
              cache_results: bool = True, sanity: bool = False, snapshot=None, **params: Any) -> AttributionResult:
    """Attribute the network's decision for ``targets`` to every layer in ``layers`` with ``method``.

    Args:
        network: a ``layerwalk.Network``.
        method: one of ``layerwalk.attribution.METHODS`` (``gradcam``, ``integrated_gradients``, ``occlusion`` …).
        targets: class indices, or ``"top5"``/``"topK"``/None (the current top-5).
        layers: node ids, or ``"all"``/None: every spatial (C, H, W) layer.
        inputs: a normalised (1, C, H, W) input instead of the network's current one (not cached).
        progress, should_stop: job hooks; ``should_stop()`` → ``Cancelled`` is raised and nothing is cached.
        sanity: also run Adebayo et al.'s cascading model randomisation (``result.sanity``).
        snapshot: the input snapshot to explain (default: the network's current one; jobs pass the one taken
            when they were submitted).
        **params: the method's parameters (see ``METHODS[name].params``).

    >>> net = layerwalk.Network.from_spec("demo", dataset="photos")   # doctest: +SKIP
    >>> r = layerwalk.attribute(net, "gradcam")                        # doctest: +SKIP
    >>> r.maps["layer4"].shape, r.channel_scores["layer4"].shape       # doctest: +SKIP
    """
    impl = get_method(method)
    snapshot = snapshot or network.snapshot
    x = _input(network, snapshot, inputs)
    target_list = resolve_targets(network, snapshot, x if inputs is not None else None, targets)
    layer_list = resolve_layers(network, impl, layers)
    resolved = resolve_params(impl, params)
    version = snapshot.version if inputs is None else -1
    key = cache.result_key(version, impl.name, resolved, target_list, layer_list)
    found = cache.lookup(network, key) if cache_results and inputs is None else None
    if found is not None and (found.sanity is not None or not sanity):
        found.cached = True
        return found
    result = _compute(network, impl, x, target_list, layer_list, resolved, snapshot, key, version, progress,
                      should_stop)
    if sanity:
        from layerwalk.attribution.sanity import cascading_randomisation

        result.sanity = cascading_randomisation(network, impl, x, target_list, layer_list, resolved, snapshot)
    if cache_results and inputs is None:
        cache.store(network, result)
    return result


def _compute(network, impl: AttributionMethod, x, targets, layers, params, snapshot, key, version, progress,
             should_stop) -> AttributionResult:
    engine = PassEngine(network, should_stop)
    ctx = AttributionContext(engine, x, torch.tensor(targets), layers, params, image=snapshot.input_image,
                             progress=progress or (lambda f, m: None), should_stop=should_stop or (lambda: False))
    start = time.perf_counter()
    out = impl.attribute(ctx)
    seconds = time.perf_counter() - start
    probs = _probabilities(network, snapshot, x, version)
    names = network.class_names
    described = [{"index": t, "name": names[t] if t < len(names) else f"class {t}",
                  "probability": float(probs[t])} for t in targets]
    return AttributionResult(
        key, impl.name, params, version, described, layers,
        {lid: out.layer_maps[lid].detach() for lid in layers}, _detach(out.input_attribution), _detach(out.delta),
        {"passes": engine.passes, "evaluations": engine.evaluations, "seconds": round(seconds, 4)},
        extra=dict(ctx.extra), image=snapshot.input_image if version >= 0 else network.display_image(x))


def _detach(t):
    return None if t is None else t.detach()


def _input(network, snapshot, inputs) -> torch.Tensor:
    dtype = next((p.dtype for p in network.model.parameters()), torch.float32)
    x = snapshot.activations["input"] if inputs is None else inputs
    x = x if x.dim() == 4 else x.unsqueeze(0)
    if tuple(x.shape[1:]) != tuple(network.input_size):
        raise LayerwalkError(f"input of shape {tuple(x.shape[1:])} does not match the network's "
                             f"{tuple(network.input_size)}")
    return x[:1].to(device=network.device, dtype=dtype)


def _probabilities(network, snapshot, x, version) -> torch.Tensor:
    if version >= 0:
        return snapshot.activations["output"].flatten()
    with torch.no_grad():
        return network.captured.run(x, record={"output"})["output"].flatten().float()


def resolve_targets(network, snapshot, x, targets) -> list[int]:
    """Class indices; ``None``/``"topK"`` from the current prediction. NotFoundError names the valid range."""
    n = network.graph.node("output").shape[0]
    if targets is None or isinstance(targets, str):
        k = _top_k(targets)
        probs = snapshot.activations["output"].flatten() if x is None else _probabilities(network, None, x, -1)
        return [int(i) for i in probs.topk(min(k, n)).indices]
    chosen = [int(t) for t in targets]
    bad = [t for t in chosen if not 0 <= t < n]
    if bad or not chosen:
        raise NotFoundError(f"unknown target class(es) {bad or 'none given'}; valid classes: 0…{n - 1}")
    return list(dict.fromkeys(chosen))


def _top_k(spec: str | None) -> int:
    if spec is None:
        return 5
    text = spec.lower()
    if text.startswith("top") and text[3:].isdigit() and int(text[3:]) > 0:
        return int(text[3:])
    raise LayerwalkError(f"targets must be class indices or 'topK' (e.g. 'top5'), got {spec!r}")


def spatial_layers(network) -> list[str]:
    """Every displayed node with a (C, H, W) activation, in graph order (the input excluded)."""
    return [n.id for n in network.graph if len(n.shape) == 3 and n.kind not in ("input", "output")]


def resolve_layers(network, impl: AttributionMethod, layers) -> list[str]:
    if not impl.layer_maps:
        return []
    valid = spatial_layers(network)
    if layers is None or layers == "all":
        return valid
    chosen = [layers] if isinstance(layers, str) else list(layers)
    for lid in chosen:
        node = network.graph.node(lid)  # NotFoundError naming the valid ids
        if lid not in valid:
            raise NotApplicable(f"{impl.label} needs a spatial (C, H, W) layer; {lid!r} ({node.kind}) has shape "
                                 f"{tuple(node.shape)}. Spatial layers: {', '.join(valid)}")
    order = {lid: i for i, lid in enumerate(valid)}
    return sorted(dict.fromkeys(chosen), key=order.__getitem__)


def resolve_params(impl: AttributionMethod, params: dict) -> dict:
    """Defaults filled in, types checked; unknown names and bad choices name the valid ones."""
    spec = {p.name: p for p in impl.params}
    unknown = set(params) - set(spec)
    if unknown:
        raise LayerwalkError(f"{impl.name} has no parameter(s) {', '.join(sorted(unknown))}; valid parameters: "
                             f"{', '.join(spec) or 'none'}")
    resolved = impl.defaults()
    for name, value in params.items():
        resolved[name] = _coerce(impl, spec[name], value)
    return resolved


def _coerce(impl, p, value):
    try:
        value = _as_bool(value) if p.type is bool else p.type(value)
    except (TypeError, ValueError):
        raise LayerwalkError(f"{impl.name} parameter {p.name} must be a {p.type.__name__}, got {value!r}") from None
    if p.choices and value not in p.choices:
        raise LayerwalkError(f"{impl.name} parameter {p.name} must be one of {', '.join(map(str, p.choices))}; "
                             f"got {value!r}")
    if p.type is int and value < 0 or p.name in ("steps", "samples", "batch", "superpixels") and value < 1:
        raise LayerwalkError(f"{impl.name} parameter {p.name} must be positive, got {value}")
    if p.maximum is not None and value > p.maximum:
        raise LayerwalkError(f"{impl.name} parameter {p.name} must be at most {p.maximum:g}, got {value}")
    return value


def _as_bool(value) -> bool:
    """``bool("false")`` is True: take booleans, 0/1 and the words (CLI ``--param input_map=false``)."""
    words = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
    if isinstance(value, bool) or value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in words:
        return words[value.lower()]
    raise ValueError(value)
