"""The optimisation loops. They return tensors and history only; PNGs and progress streaming live elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from layerwalk.featurevis.color import IMAGENET_SQRT, normalized
from layerwalk.featurevis.lucid_transforms import LucidTransforms
from layerwalk.featurevis.objectives import Objective
from layerwalk.featurevis.parameterization import fourier, lucid_image
from layerwalk.featurevis.relu_override import relu_gradient_override
from layerwalk.featurevis.transforms import PaperTransforms

STYLES = ("paper", "lucid", "convviz")


class Cancelled(Exception):
    """The caller asked to stop (``should_stop()`` returned True)."""


@dataclass(frozen=True)
class FeatureVisParams:
    """Everything that determines the result (and the cache key).

    Defaults are the paper's algorithm: 200 steps of RMS-normalised gradient ascent on the image with lr 0.2
    (as the reference implementation), the paper's transforms between steps, none in the last 10 steps.
    ``FeatureVisParams.for_style("lucid")`` gives the Lucid style's defaults (see ``STYLE_DEFAULTS``).
    ``objective``: what to maximise (``objectives.Objective``); None = each image's own channel, as the paper.
    ``color``: the Lucid style's colour decorrelation (square-rooted colour covariance; ImageNet's by default).
    """

    steps: int = 200
    lr: float = 0.2
    plain_final_steps: int = 10
    transforms: PaperTransforms | None = field(default_factory=PaperTransforms)
    parameterization: str = "pixel"      # "pixel" (paper) | "fourier"
    relu_override: bool = False          # redirected ReLU gradient for the first 20 % of steps
    diversity: float = 0.0               # weight of the diversity term (needs images_per_channel > 1)
    images_per_channel: int = 1
    seed: int = 0
    # Fourier starts from a faint copy of the start image, as Lucid from faint noise
    fourier_start_contrast: float = 0.05
    style: str = "paper"                 # "paper" | "lucid" | "convviz"
    objective: Objective | None = None
    color: tuple[tuple[float, ...], ...] = IMAGENET_SQRT
    restarts: int = 100                  # ConvViz: new start images tried per channel while there is no gradient
    decay: float = 1.0                   # Fourier parameterisations: amplitude scaled by 1/f^decay (Lucid: 1)

    @classmethod
    def for_style(cls, style: str = "paper", **overrides) -> FeatureVisParams:
        if style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}; got {style!r}")
        return cls(**{**STYLE_DEFAULTS[style], "style": style, **overrides})

    def __post_init__(self):
        if self.steps < 1 or self.lr <= 0:
            raise ValueError("steps must be ≥ 1 and lr > 0")
        if self.style not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}; got {self.style!r}")
        if self.restarts < 1:
            raise ValueError("restarts must be ≥ 1")
        if self.parameterization not in ("pixel", "fourier"):
            raise ValueError(f"parameterization must be 'pixel' or 'fourier', got {self.parameterization!r}")


# Lucid: Lucid's own Adam lr 0.05 and its transforms on every step, 256 steps (half of Lucid's 512 default, which
# its examples show as already readable). Tuned on the demo model with benchmarks/bench_featurevis_quality.py: a
# spectrum decaying as 1/f^1.05 rather than Lucid's 1/f brings _blocks.6's high-frequency share from 1.15x Lucent's
# to below it; steeper (1.1) gives more colourful images than Lucent's range (BENCHMARKS.md, issue 19).
# ConvViz: no transforms, the thesis' plain gradient ascent.
STYLE_DEFAULTS: dict[str, dict] = {
    "paper": {},
    "lucid": {"steps": 256, "lr": 0.05, "plain_final_steps": 0, "transforms": LucidTransforms(), "decay": 1.05},
    "convviz": {"steps": 100, "lr": 0.2, "plain_final_steps": 0, "transforms": None},
}


Objective_f = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]  # images → (per-image value, features)


def _generators(seeds: Sequence[int]) -> list[torch.Generator]:
    return [torch.Generator().manual_seed(int(s)) for s in seeds]


def _diversity(features: torch.Tensor, k: int) -> torch.Tensor:
    """Mean pairwise cosine similarity of the ``k`` images of each channel (lower = more diverse)."""
    if k < 2:
        return features.new_zeros(())
    f = torch.nn.functional.normalize(features.flatten(1), dim=1).view(-1, k, features[0].numel())
    sim = f @ f.transpose(1, 2)
    off_diagonal = sim.sum((1, 2)) - sim.diagonal(dim1=1, dim2=2).sum(1)
    return (off_diagonal / (k * (k - 1))).mean()


def optimise(start: torch.Tensor, objective: Objective_f, params: FeatureVisParams, seeds: Sequence[int],
             size: tuple[int, int], stats: tuple[Sequence[float], Sequence[float]],
             on_step: Callable[[int], None] | None = None,
             normalisation: tuple[Sequence[float], Sequence[float]] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Optimise a batch of images (one per seed) from ``start`` (N, C, H, W, normalised space).

    ``normalisation``: the model's input mean/std (the Lucid style optimises 0…1 pixels and normalises them).
    Returns the final images (normalised space) and the objective history (steps, N).
    """
    gens = _generators(seeds)
    if params.style == "lucid":
        return _lucid_loop(start, objective, params, gens, normalisation, on_step)
    transform = params.transforms.build(size, *stats) if params.transforms is not None else None
    loop = _paper_loop if params.parameterization == "pixel" else _fourier_loop
    return loop(start, objective, params, gens, transform, on_step)


def _step_context(params: FeatureVisParams, step: int, ascending: bool):
    """``ascending``: the loop follows +gradient of the objective (the paper's) rather than minimising -objective."""
    if params.relu_override and step < max(1, params.steps // 5):
        return relu_gradient_override(ascending=ascending)
    return torch.enable_grad()


def _paper_loop(start, objective, params, gens, transform, on_step):
    x = start.detach().clone()
    history = []
    for step in range(params.steps):
        if transform is not None and step < params.steps - params.plain_final_steps:
            with torch.no_grad():
                x = transform(x, gens)
        x = x.detach().requires_grad_(True)
        with _step_context(params, step, ascending=True):
            value, features = objective(x)
            loss = value.sum() - params.diversity * _diversity(features, params.images_per_channel)
            (grad,) = torch.autograd.grad(loss, x)
        if not torch.isfinite(loss):  # as the reference implementation: start over rather than spread NaNs
            x = start.detach().clone()
            history.append(torch.full_like(value, float("nan")).detach())
            continue
        rms = grad.pow(2).mean(dim=tuple(range(1, grad.dim())), keepdim=True).sqrt()
        x = x.detach() + params.lr * grad / (rms + 1e-8)
        history.append(value.detach())
        if on_step is not None:
            on_step(step)
    return x.detach(), torch.stack(history)


def _fourier_loop(start, objective, params, gens, transform, on_step):
    # Full-contrast noise in a 1/f basis barely moves (its high frequencies get tiny steps), so start faint.
    mean = start.mean(dim=(2, 3), keepdim=True)
    faint = mean + params.fourier_start_contrast * (start - mean)
    tensors, image_f = fourier(faint.detach(), decay=params.decay)
    optimizer = torch.optim.Adam(tensors, lr=params.lr)
    history = []
    for step in range(params.steps):
        optimizer.zero_grad(set_to_none=True)
        with _step_context(params, step, ascending=False):
            image = image_f()
            if transform is not None and step < params.steps - params.plain_final_steps:
                image = transform(image, gens)   # differentiable here: the parameters live in Fourier space
            value, features = objective(image)
            loss = -(value.sum() - params.diversity * _diversity(features, params.images_per_channel))
            loss.backward()
        optimizer.step()
        history.append(value.detach())
        if on_step is not None:
            on_step(step)
    with torch.no_grad():
        return image_f().detach(), torch.stack(history)


def _lucid_loop(start, objective, params, gens, normalisation, on_step):
    """Lucid's procedure: decorrelated 1/f Fourier image through a sigmoid, Adam, transforms on every step.

    ``start`` gives only the batch size, size and device: Lucid starts from faint seeded noise, not an image.
    """
    n, c, h, w = start.shape
    mean, std = (torch.tensor(v, dtype=start.dtype, device=start.device).view(1, -1, 1, 1) for v in normalisation)
    # colour decorrelation is for RGB; grey (or other) inputs have no colour correlation to undo
    matrix = normalized(params.color) if c == 3 else torch.eye(c)
    tensors, image_f = lucid_image(n, (h, w), gens, matrix.to(start.device), decay=params.decay, device=start.device)
    optimizer = torch.optim.Adam(tensors, lr=params.lr)
    transform = params.transforms
    history = []
    for step in range(params.steps):
        optimizer.zero_grad(set_to_none=True)
        with _step_context(params, step, ascending=False):
            pixels = image_f()
            if transform is not None and step < params.steps - params.plain_final_steps:
                pixels = transform(pixels, gens)
            value, _ = objective((pixels - mean) / std)
            (-value.sum()).backward()
        optimizer.step()
        history.append(value.detach())
        if on_step is not None:
            on_step(step)
    with torch.no_grad():
        return ((image_f() - mean) / std).detach(), torch.stack(history)
