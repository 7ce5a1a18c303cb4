"""ConvViz's feature visualization (Jacquemod's thesis, §6.2 and appendix B), batched over channels.

* No regularisers: plain gradient ascent on the pixels (RMS-normalised steps, as the paper's loop, no transforms).
* The canvas is the layer's receptive field ("effective filter size"), at least 35 px; when the field is smaller
  than the canvas, a red box of its size is drawn on the displayed image.
* Each channel starts from the mean of the centre crops of 4 random dataset images. While a channel gets no
  gradient from its start (its activation map is flat zero), 4 other images are drawn, up to ``restarts``
  attempts; then the image is optimised, the start is subtracted and the difference optimised again (which removes
  most of the start images' content). A channel no start could move is a candidate dead filter.
"""

from __future__ import annotations

import time

import numpy as np
import torch
from PIL import ImageDraw

from layerwalk.errors import LayerwalkError
from layerwalk.featurevis.render import Cancelled, optimise

MIN_CANVAS = 35


def canvas_size(network, layer: str) -> tuple[tuple[int, int], tuple[int, int] | None]:
    """(canvas (H, W), receptive field (H, W) or None when unknown/whole image), both within the input size."""
    from layerwalk.analysis.receptive_field import receptive_fields

    h, w = network.input_size[1:]
    try:
        field = receptive_fields(network).fields.get(layer)
    except LayerwalkError:
        field = None
    if field is None or field.y is None or field.y.size is None or field.x.size is None:
        return (h, w), None
    rf = (min(field.y.size, h), min(field.x.size, w))
    return (max(rf[0], min(MIN_CANVAS, h)), max(rf[1], min(MIN_CANVAS, w))), rf


def centre_crops(network, size: tuple[int, int]) -> torch.Tensor:
    """Every dataset image at the network's input size (normalised), centre-cropped to ``size``: (N, C, h, w)."""
    ds = network.dataset
    if ds is None or len(ds) == 0:
        raise LayerwalkError("the convviz style starts from dataset images; load the network with a dataset "
                             "(Network.from_spec(SPEC, dataset=…), or --dataset on the CLI)")
    full = torch.stack([network.preprocess(ds.image(i))[0] for i in range(len(ds))])
    top, left = (full.shape[-2] - size[0]) // 2, (full.shape[-1] - size[1]) // 2
    return full[..., top:top + size[0], left:left + size[1]].contiguous()


def convviz_featurevis(network, layer, target, channels, params, *, progress=None, should_stop=None,
                       batch_size=None):
    """``featurevis(style="convviz")``: see the module docstring. Not cached (cheap: canvases are small)."""
    from layerwalk.featurevis.core import FeatureVisResult, bind_objective

    t0 = time.perf_counter()
    canvas, rf = canvas_size(network, layer)
    crops = centre_crops(network, canvas).to(network.device)
    objective = bind_objective(network, target, params)
    bs = batch_size or 32
    images, history, attempts, dead = [], [], [], []
    for b in range(0, len(channels), bs):
        chans = channels[b:b + bs]
        gens = [torch.Generator().manual_seed(params.seed * 1_000_003 + c * 101) for c in chans]
        start, tries, moved = find_starts(objective, crops, chans, gens, params.restarts, should_stop)
        out, hist = _ascend_twice(start, objective, chans, params, canvas, network, should_stop)
        images.append(torch.where(moved.view(-1, 1, 1, 1), out, start).cpu())
        history.append(hist.cpu().numpy())
        attempts += tries
        dead += [c for c, m in zip(chans, moved.tolist()) if not m]
        if progress is not None:
            progress(min(1.0, (b + len(chans)) / len(channels)), f"{layer}: {b + len(chans)}/{len(channels)} "
                                                                 f"channels, {len(dead)} without gradient")
    tensors = torch.cat(images)
    with torch.no_grad():
        final = objective(tensors.to(network.device), channels)[0].cpu().numpy()
    return FeatureVisResult(
        layer=layer, target=target, channels=list(channels), images=[_display(network, t, rf) for t in tensors],
        tensors=tensors, history=np.concatenate(history, axis=1), start_objective=np.concatenate(history, 1)[0],
        final_objective=final, params=params, seconds=time.perf_counter() - t0, dead_channels=dead,
        attempts=attempts, receptive_field=rf)


def find_starts(objective, crops, chans, gens, restarts: int, should_stop=None):
    """Per channel, the mean of 4 random crops that gives a gradient; up to ``restarts`` draws.

    Returns (starts (N, C, h, w), attempts per channel, moved (N,) bool: a start with a gradient was found).
    """
    n = len(chans)
    start = torch.stack([_mean_of_four(crops, g) for g in gens])
    tries = [1] * n
    moved = _has_gradient(objective, start, chans)
    while not bool(moved.all()):
        stuck = [i for i in range(n) if not moved[i] and tries[i] < restarts]
        if not stuck:
            break
        if should_stop is not None and should_stop():
            raise Cancelled
        for i in stuck:
            start[i] = _mean_of_four(crops, gens[i])
            tries[i] += 1
        idx = torch.tensor(stuck)
        moved[idx] = _has_gradient(objective, start[idx], [chans[i] for i in stuck])
    return start, tries, moved


def _mean_of_four(crops: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    picks = torch.randint(len(crops), (4,), generator=gen).to(crops.device)
    return crops.index_select(0, picks).mean(0)


def _has_gradient(objective, x: torch.Tensor, chans) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(objective(x, chans)[0].sum(), x, allow_unused=True)
    if grad is None:
        return torch.zeros(len(chans), dtype=torch.bool)
    return (grad.detach().flatten(1).abs().amax(1) > 0).cpu()


def _ascend_twice(start, objective, chans, params, canvas, network, should_stop):
    """Optimise the start, subtract the start from the result, optimise that (thesis, step 3)."""
    def on_step(_step):
        if should_stop is not None and should_stop():
            raise Cancelled
    seeds = [params.seed] * len(chans)
    stats = ([0.0] * start.shape[1], [1.0] * start.shape[1])   # unused: no transforms
    first, h1 = optimise(start, lambda x: objective(x, chans), params, seeds, canvas, stats, on_step)
    second, h2 = optimise(first - start, lambda x: objective(x, chans), params, seeds, canvas, stats, on_step)
    return second, torch.cat([h1, h2])


def _display(network, x: torch.Tensor, rf: tuple[int, int] | None):
    """The image for display, with the receptive field as a red box when it is smaller than the canvas."""
    image = network.display_image(x.unsqueeze(0)).convert("RGB")
    h, w = x.shape[-2:]
    if rf is not None and (rf[0] < h or rf[1] < w):
        top, left = (h - rf[0]) // 2, (w - rf[1]) // 2
        ImageDraw.Draw(image).rectangle([left, top, left + rf[1] - 1, top + rf[0] - 1], outline=(255, 0, 0))
    return image
