"""Pictures of a result, red = for the class, blue = against, white = no effect (the dissertation's Fig. 5.4):
one map as an image, the input overlay, and the overview sheet (targets × layers)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

from layerwalk.attribution.interpolate import interpolate


def red_white_blue(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """(H, W) signed values → (H, W, 3) uint8 with a symmetric range (matplotlib's ``bwr``)."""
    from matplotlib import colormaps

    limit = limit or float(np.abs(values).max()) or 1.0
    rgba = colormaps["bwr"]((np.clip(values / limit, -1, 1) + 1) / 2)
    return (rgba[..., :3] * 255 + 0.5).astype(np.uint8)


def map_image(values: torch.Tensor, size: tuple[int, int] | None = None) -> Image.Image:
    """A (H, W) map as a red–white–blue PNG-ready image, upsampled (bilinear) to ``size`` (H, W) if given."""
    if size is not None:
        values = interpolate(values[None, None].float(), size)[0, 0]
    return Image.fromarray(red_white_blue(values.detach().cpu().numpy()), "RGB")


def input_overlay(result, target: int | None = None, overlay: bool = True) -> Image.Image:
    """The input-level map of class ``target`` (None: the first), blended over the input by |value|."""
    pos = result.position(target)
    values = result.input_map[pos].detach().cpu().float().numpy()
    colours = red_white_blue(values).astype(np.float32)
    if not overlay or result.image is None:
        return Image.fromarray(colours.astype(np.uint8), "RGB")
    base = np.asarray(result.image.convert("RGB").resize(values.shape[::-1]), dtype=np.float32)
    alpha = (np.abs(values) / (np.abs(values).max() or 1.0))[..., None] ** 0.5
    return Image.fromarray((alpha * colours + (1 - alpha) * base + 0.5).astype(np.uint8), "RGB")


def overview_figure(result, layers: list[str] | None = None, max_layers: int = 6):
    """matplotlib Figure: one row per target (name, probability), the input map then the layer maps."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    layers = layers or _spread(result.layers, max_layers)
    columns = (["input"] if result.input_map is not None else []) + layers
    rows = len(result.targets)
    fig = Figure(figsize=(1.8 * (len(columns) + 1), 1.8 * rows), layout="constrained")
    axes = np.atleast_2d(fig.subplots(rows, len(columns) + 1, squeeze=False))
    for r, target in enumerate(result.targets):
        _show(axes[r, 0], np.asarray(result.image.convert("RGB")) if result.image else None,
              f"{target['name']}\np={target['probability']:.2f}")
        for c, column in enumerate(columns, start=1):
            values = result.input_map[r] if column == "input" else result.maps[column][r]
            _show(axes[r, c], red_white_blue(values.detach().cpu().float().numpy()), column if r == 0 else "")
    fig.suptitle(f"{result.method}: red = for the class, blue = against, white = no effect")
    return fig


def _show(ax, image, title: str) -> None:
    if image is not None:
        ax.imshow(image, interpolation="nearest")
    ax.set_title(title, fontsize=7)
    ax.axis("off")


def _spread(layers: list[str], n: int) -> list[str]:
    """Up to ``n`` layers evenly spread from the first to the last."""
    if len(layers) <= n:
        return list(layers)
    return [layers[round(i * (len(layers) - 1) / (n - 1))] for i in range(n)]
