"""Occlusion editing: blocks drawn on the input (the dissertation's black rectangle, or the dataset mean, or a blur)
and the classification before and after.

Blocks are in pixels of the network's input image (``Snapshot.input_image``, the model's input size) and are
clipped to it; they are applied to the 8-bit image itself, so the edited image can be saved, uploaded or added
to a dataset and gives exactly the same forward pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from PIL import Image, ImageDraw, ImageFilter

from layerwalk.engine import Network, Snapshot
from layerwalk.probing.class_change import ClassChange, class_changes

FILLS = ("black", "mean", "blur")


@dataclass(frozen=True)
class OcclusionBlock:
    """A rectangle at (x, y) (top left, pixels) of size w × h, filled with ``fill`` (black, mean or blur)."""

    x: int
    y: int
    w: int
    h: int
    fill: str = "black"

    def __post_init__(self) -> None:
        if self.fill not in FILLS:
            from layerwalk.capture.replay import EditError

            raise EditError(f"fill must be one of {', '.join(FILLS)}, got {self.fill!r}")

    def clipped(self, width: int, height: int) -> OcclusionBlock | None:
        """The part inside a width × height image, or None if nothing of it is.

        >>> OcclusionBlock(-10, 50, 40, 100).clipped(64, 64)
        OcclusionBlock(x=0, y=50, w=30, h=14, fill='black')
        """
        x0, y0 = max(0, self.x), max(0, self.y)
        x1, y1 = min(width, self.x + self.w), min(height, self.y + self.h)
        if x1 <= x0 or y1 <= y0:
            return None
        return OcclusionBlock(x0, y0, x1 - x0, y1 - y0, self.fill)

    def to_dict(self) -> dict[str, Any]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h, "fill": self.fill}


def clip_blocks(blocks: Sequence[OcclusionBlock], size: tuple[int, int]) -> list[OcclusionBlock]:
    """The blocks clipped to an image of ``size`` (width, height); blocks entirely outside are dropped."""
    return [c for c in (b.clipped(*size) for b in blocks) if c is not None]


def occlude(image: Image.Image, blocks: Sequence[OcclusionBlock], *, mean: Sequence[float] = (0.5, 0.5, 0.5),
            blur_radius: float | None = None) -> Image.Image:
    """A copy of ``image`` with ``blocks`` painted on, in order (later blocks on top).

    Args:
        image: RGB or L image.
        blocks: the blocks (clipped to the image).
        mean: per-channel fill of ``"mean"`` blocks, 0…1 (the dataset's mean colour).
        blur_radius: Gaussian radius of ``"blur"`` blocks (default: 1/16 of the image's longer side).

    >>> img = occlude(Image.new("RGB", (8, 8), (255, 255, 255)), [OcclusionBlock(2, 2, 3, 3)])
    >>> img.getpixel((3, 3)), img.getpixel((0, 0))
    ((0, 0, 0), (255, 255, 255))
    """
    out = image.copy()
    draw = ImageDraw.Draw(out)
    blurred = None
    for b in clip_blocks(blocks, image.size):
        box = (b.x, b.y, b.x + b.w, b.y + b.h)
        if b.fill == "blur":
            if blurred is None:  # the whole image blurred once, so a block's edge blends with what surrounds it
                blurred = image.filter(ImageFilter.GaussianBlur(blur_radius or max(image.size) / 16))
            out.paste(blurred.crop(box), box[:2])
        else:
            draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=_colour(b.fill, mean, image.mode))
    return out


def _colour(fill: str, mean: Sequence[float], mode: str) -> int | tuple[int, ...]:
    if fill == "black":
        return 0 if mode == "L" else (0, 0, 0)
    levels = tuple(int(round(float(m) * 255)) for m in mean)
    if mode == "L":
        return levels[0] if len(levels) == 1 else int(round(sum(levels) / len(levels)))
    return levels * 3 if len(levels) == 1 else levels


@dataclass
class OcclusionResult:
    snapshot: Snapshot            # the network's new snapshot (the edited input)
    image: Image.Image            # the edited image
    blocks: list[OcclusionBlock]  # as applied (clipped)
    changes: list[ClassChange]    # top-5 before and after


def apply_occlusion(network: Network, image: Image.Image, blocks: Sequence[OcclusionBlock], *,
                    before: Snapshot | torch.Tensor, source: dict[str, Any] | None = None,
                    mean: Sequence[float] | None = None, top: int = 5) -> OcclusionResult:
    """Run the network on ``image`` with ``blocks`` painted on; compare the classification with ``before``.

    Args:
        network: the network (its forward pass sets its new input).
        image: the un-edited input image at the network's input size (``before.input_image``).
        blocks: the blocks; clipped to the image.
        before: the un-edited image's snapshot or class probabilities (the "before" of the comparison).
        source: the new input's source description (default ``{"source": "occlusion", "blocks": [...]}``).
        mean: fill of ``"mean"`` blocks (default: the network's dataset's mean, else its normalisation mean).

    >>> import torchvision, layerwalk
    >>> net = layerwalk.Network(torchvision.models.resnet18(), input_size=(3, 64, 64))
    >>> before = net.snapshot
    >>> r = apply_occlusion(net, before.input_image, [OcclusionBlock(10, 10, 30, 30)], before=before)
    >>> r.snapshot.source["source"], len(r.changes) >= 5
    ('occlusion', True)
    """
    applied = clip_blocks(blocks, image.size)
    fill_mean = mean or (network.dataset.mean if network.dataset is not None else network.mean)
    edited = occlude(image, applied, mean=fill_mean)
    source = source or {"source": "occlusion", "blocks": [b.to_dict() for b in applied]}
    snap = network.set_input(edited, source=source)
    before_p = before.activations["output"] if isinstance(before, Snapshot) else before
    changes = class_changes(before_p, snap.activations["output"], network.class_names, top)
    return OcclusionResult(snap, edited, applied, changes)
