"""``featurevis()``: what every channel (or class neuron) of a layer wants to see."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from PIL import Image

from layerwalk.errors import LayerwalkError, NotFoundError
from layerwalk.featurevis.cache import FeatureVisCache, tensor_fingerprint, weights_fingerprint
from layerwalk.featurevis.objective_eval import BoundObjective
from layerwalk.featurevis.objectives import Objective, parse
from layerwalk.featurevis.render import Cancelled, FeatureVisParams, optimise

Progress = Callable[[float, str], None]


@dataclass
class FeatureVisResult:
    """Images (at the network's input size) and how the objective developed.

    Attributes:
        layer: the layer id; ``target``: the node whose channels were maximised (the logits for ``output``).
        channels: the channel (or class) of each image.
        images: PIL images for display; ``tensors``: the same in the model's normalised input space.
        history: (steps, len(channels)) objective per step.
        start_objective / final_objective: objective of the start image and of the result, per channel.
        cached: how many channels came from the cache.
        style: ``params.style``; objective: the objective's text form (``objectives.Objective.__str__``).
        dead_channels: ConvViz style only — channels no start image gave a gradient (candidate dead filters);
        attempts: ConvViz style only — start images tried per channel; receptive_field: (H, W) of the layer's
        theoretical receptive field, marked on the ConvViz images when smaller than the canvas.
    """

    layer: str
    target: str
    channels: list[int]
    images: list[Image.Image]
    tensors: torch.Tensor
    history: np.ndarray
    start_objective: np.ndarray
    final_objective: np.ndarray
    params: FeatureVisParams
    seconds: float
    cached: int = 0
    dead_channels: list[int] = field(default_factory=list)
    attempts: list[int] = field(default_factory=list)
    receptive_field: tuple[int, int] | None = None

    @property
    def style(self) -> str:
        return self.params.style

    @property
    def objective(self) -> str:
        return str(self.params.objective) if self.params.objective is not None else "channel()"


def resolve_layer(network, layer: str) -> tuple[str, str]:
    """(layer id, objective node id). Accepts an id or a name; ``output`` optimises the logits."""
    graph = network.graph
    if layer not in graph:
        matches = [n.id for n in graph if n.name == layer]
        if not matches:
            graph.node(layer)  # raises NotFoundError with the valid ids
        layer = matches[0]
    node = graph.node(layer)
    if not node.has_activation or node.kind == "input":
        raise LayerwalkError(f"layer {layer!r} ({node.kind}) has no channels to visualize; pick a conv, pool, "
                             "linear, join or the output layer")
    target = node.precursors[0] if node.kind == "output" else layer
    return layer, target


def parse_channels(text: str | Sequence[int] | None, count: int) -> list[int]:
    """``None`` → all; ``"0-15,20"`` → [0..15, 20]; checks the range."""
    if text is None:
        return list(range(count))
    if isinstance(text, str):
        out: list[int] = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            lo, _, hi = part.partition("-")
            try:
                out.extend(range(int(lo), int(hi or lo) + 1))
            except ValueError:
                raise LayerwalkError(f"channels must look like 0-15,20; got {text!r}") from None
        text = out
    channels = [int(c) for c in text]
    bad = [c for c in channels if not 0 <= c < count]
    if bad or not channels:
        raise NotFoundError(f"channel(s) {bad or channels} out of range: this layer has channels 0…{count - 1}")
    return channels


def start_tensor(network, start) -> tuple[torch.Tensor, str]:
    """The start image in normalised space (C, H, W) and a short description."""
    from layerwalk.data import noise_image

    if isinstance(start, torch.Tensor):
        return (start[0] if start.dim() == 4 else start).float(), "tensor"
    if isinstance(start, Image.Image):
        return network.preprocess(start)[0], "image"
    if start in (None, "input"):
        return network.snapshot.activations["input"], f"input v{network.snapshot.version}"
    if isinstance(start, str) and start.startswith("noise"):
        seed = int(start.partition(":")[2] or 0)
        return network.preprocess(noise_image(seed, network.input_size[1:], network.input_size[0]))[0], start
    raise LayerwalkError(f"start must be 'input', 'noise[:SEED]', a PIL image or a tensor; got {start!r}")


def auto_batch_size(network, target: str, images: int) -> int:
    """Images per forward/backward pass: as many as a memory budget allows (at most 64), split evenly.

    On the CPU the budget is the smaller of 1 GiB and a quarter of the free RAM: past a few images per pass a
    deep prefix is compute-bound (40 images of a 224² EfficientNet cost 40× one image) while memory grows with
    every image (3.6 GB for those 40), so more would only cost memory. On CUDA, 40 % of free GPU memory.
    """
    per_image = 0
    for node in network.graph:
        if node.shape and node.has_activation:
            per_image += int(np.prod(node.shape))
        if node.id == target:
            break
    per_image_bytes = per_image * 4 * 6  # activations of every op (≈3× the displayed ones), forward + backward
    if network.device.type == "cuda":
        budget = torch.cuda.mem_get_info(network.device)[0] * 0.4
    else:
        budget = min(1 << 30, _available_ram() // 4)
    most = int(max(1, min(64, images, budget // max(per_image_bytes, 1))))
    return -(-images // -(-images // most)) if images else most  # 40 images, at most 16 → 3 passes of 14


def _available_ram() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 << 30


def featurevis(network, layer: str, channels: str | Sequence[int] | None = None, *, start="input",
               params: FeatureVisParams | None = None, batch_size: int | None = None,
               progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
               cache: FeatureVisCache | bool | None = True, style: str | None = None,
               objective: Objective | str | None = None, **overrides) -> FeatureVisResult:
    """Gradient ascent on copies of a start image, one per channel, to maximise each channel's mean activation.

    Args:
        network: a ``layerwalk.Network``.
        layer: layer id or name; ``"output"`` visualizes the class neurons (their logits).
        channels: ``None`` (all), a list, or a string like ``"0-15"``.
        start: ``"input"`` (the network's current input, the paper's procedure), ``"noise[:SEED]"``, a PIL image
            or a normalised tensor.
        params: a ``FeatureVisParams``; keyword ``overrides`` (``steps=50``, ``lr=0.1`` …) replace its fields.
        style: ``"paper"`` (default: the paper's algorithm), ``"lucid"`` (decorrelated 1/f Fourier image, Adam,
            Lucid's transforms; ``color="dataset"`` estimates the colour decorrelation from the network's dataset)
            or ``"convviz"`` (the ConvViz thesis' variant, see ``convviz.py``); picks that style's defaults.
        objective: an ``objectives.Objective`` or its text form (``"channel - 0.1*tv"``); default: each image's
            own channel of ``layer``.
        batch_size: images per forward/backward pass (default: from available memory, at most 64).
        progress: ``progress(fraction, message)`` after each step. should_stop: polled after each step.
        cache: ``True`` (default cache dir), a ``FeatureVisCache``, or ``False``/``None`` for no cache.

    Returns:
        A ``FeatureVisResult``.

    >>> import layerwalk
    >>> net = layerwalk.Network.from_spec("demo")
    >>> result = layerwalk.featurevis(net, "_conv_stem.conv2d", channels="0-3", steps=20)
    >>> len(result.images), result.history.shape
    (4, (20, 4))
    """
    t0 = time.perf_counter()
    params = _params(network, params, style, objective, overrides)
    layer, target = resolve_layer(network, layer)
    channels = parse_channels(channels, network.graph.node(target).shape[0])
    if params.style == "convviz":
        from layerwalk.featurevis.convviz import convviz_featurevis

        return convviz_featurevis(network, layer, target, channels, params, progress=progress,
                                  should_stop=should_stop, batch_size=batch_size)
    start_t = _grey(network) if params.style == "lucid" else start_tensor(network, start)[0]
    store = FeatureVisCache() if cache is True else (cache or None)
    keys = _cache_keys(network, layer, channels, start_t, params) if store else [None] * len(channels)
    found = {i: store.get(k) for i, k in enumerate(keys) if store and k in store}
    todo = [i for i in range(len(channels)) if found.get(i) is None]
    objective = bind_objective(network, target, params)
    k = params.images_per_channel
    bs = max(1, (batch_size or auto_batch_size(network, target, len(todo) * k)) // k)
    images: dict[int, torch.Tensor] = {i: v[0] for i, v in found.items() if v is not None}
    history: dict[int, np.ndarray] = {i: v[1] for i, v in found.items() if v is not None}
    total = max(1, len(todo) * params.steps)
    done_steps = 0
    for b in range(0, len(todo), bs):
        batch = todo[b:b + bs]
        chans = [channels[i] for i in batch for _ in range(k)]
        seeds = [params.seed * 1_000_003 + channels[i] * 101 + j for i in batch for j in range(k)]

        def on_step(step, _n=len(batch)):  # noqa: B008 — binds this batch's size (the closure outlives the loop)
            nonlocal done_steps
            done_steps += _n
            if progress is not None:
                progress(done_steps / total, f"{layer}: step {step + 1}/{params.steps}, "
                                             f"channels {done_steps // params.steps}/{len(todo)}")
            if should_stop is not None and should_stop():
                raise Cancelled

        x0 = start_t.to(network.device).unsqueeze(0).repeat(len(chans), 1, 1, 1)
        with torch.enable_grad(), _frozen(network.model):
            out, hist = optimise(x0, lambda x, c=chans: objective(x, c), params, seeds,
                                 tuple(network.input_size[1:]), _stats(network), on_step,
                                 normalisation=(network.mean, network.std))
        for n, i in enumerate(batch):
            images[i] = out[n * k].cpu()
            history[i] = hist[:, n * k].cpu().numpy()
            if store:
                store.put(keys[i], images[i], history[i])
    return _result(network, layer, target, channels, images, history, start_t, params, objective, t0,
                   cached=len(channels) - len(todo))


@contextlib.contextmanager
def _frozen(model):
    """Weights need no gradient here: skipping weight gradients roughly halves the backward pass."""
    flags = [(p, p.requires_grad) for p in model.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)


def _cache_keys(network, layer, channels, start_t, params) -> list[str]:
    weights = weights_fingerprint(network.model)
    start = tensor_fingerprint(start_t)
    return [FeatureVisCache.key(weights, layer, c, start, params) for c in channels]


def _stats(network) -> tuple[list[float], list[float]]:
    """The dataset's per-channel mean/std in the optimised (normalised) space.

    Without a dataset the model's own normalisation is taken as the data's statistics (0 and 1). With one, its
    real statistics are mapped through the model's normalisation — e.g. EfficientNet-Lite normalises with std
    0.5, so photos have std ≈ 0.45 there, not 1, and pulling towards 1 would over-saturate the colours.
    """
    c = network.input_size[0]
    ds = network.dataset
    if ds is None or len(getattr(ds, "mean", ())) != c:
        return [0.0] * c, [1.0] * c
    mean = [(d - m) / s for d, m, s in zip(ds.mean, network.mean, network.std)]
    std = [d / s for d, s in zip(ds.std, network.std)]
    return mean, std


def _params(network, params, style, objective, overrides) -> FeatureVisParams:
    """The run's parameters: the style's defaults (or ``params``), then the overrides, the objective and the
    colour decorrelation resolved to values (so the cache key holds them)."""
    try:
        if params is None:
            params = FeatureVisParams.for_style(style or "paper", **overrides)
        else:
            params = replace(params, **overrides, **({"style": style} if style else {}))
    except (ValueError, TypeError) as exc:
        raise LayerwalkError(f"feature visualization parameters: {exc}") from None
    if isinstance(objective, str):
        objective = parse(objective)
    if objective is not None:
        params = replace(params, objective=objective)
    if params.color == "dataset":
        params = replace(params, color=_dataset_color(network))
    return params


def _dataset_color(network) -> tuple[tuple[float, ...], ...]:
    from layerwalk.featurevis.color import estimate_sqrt

    ds = network.dataset
    if ds is None or len(ds) == 0:
        raise LayerwalkError("color='dataset' needs a network with a dataset (Network.from_spec(..., dataset=…))")
    return estimate_sqrt(ds.image(i) for i in range(min(len(ds), 64)))


def _grey(network) -> torch.Tensor:
    """Mid-grey in normalised space: what the Lucid style's faint-noise start looks like."""
    c, h, w = network.input_size
    mean, std = (torch.tensor(v).view(-1, 1, 1) for v in (network.mean, network.std))
    return ((torch.full((c, h, w), 0.5) - mean) / std).float()


def bind_objective(network, target: str, params: FeatureVisParams) -> BoundObjective:
    """``params.objective`` (default: each image's own channel) bound to ``network``, ``target`` being the
    visualized node; the legacy ``params.diversity`` weight needs the target's every channel."""
    from layerwalk.featurevis.objectives import channel

    return BoundObjective(network, params.objective or channel(), target, group=params.images_per_channel,
                          full_target=params.diversity != 0)


def _result(network, layer, target, channels, images, history, start_t, params, objective, t0, cached):
    tensors = torch.stack([images[i] for i in range(len(channels))])
    with torch.no_grad():
        start_obj = objective(start_t.to(network.device).unsqueeze(0).repeat(len(channels), 1, 1, 1), channels)[0]
        final_obj = objective(tensors.to(network.device), channels)[0]
    return FeatureVisResult(
        layer=layer, target=target, channels=list(channels),
        images=[network.display_image(t.unsqueeze(0)) for t in tensors], tensors=tensors,
        history=np.stack([history[i] for i in range(len(channels))], axis=1),
        start_objective=start_obj.cpu().numpy(), final_objective=final_obj.cpu().numpy(),
        params=params, seconds=time.perf_counter() - t0, cached=cached)
