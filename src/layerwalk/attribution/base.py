"""The one vocabulary every attribution method speaks (as Captum's ``Attribution`` base class).

A method gets an ``AttributionContext`` — the network's pass engine, the input, the target classes and the
layers — and returns a ``MethodOutput``: per layer a signed (T, C, H, W) contribution map (one per target), the
input-level attribution (T, C_in, H, W) and, where the method has one, its convergence delta per target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from layerwalk.attribution._pass import Cancelled, PassEngine, PassOutput
from layerwalk.errors import LayerwalkError


class NotApplicable(LayerwalkError):
    """A method that cannot apply to the layer asked for (e.g. Grad-CAM on a 1-D layer)."""

    code, status = "not_applicable", 422


@dataclass(frozen=True)
class Param:
    name: str
    type: type
    default: Any
    description: str
    choices: tuple | None = None
    maximum: float | None = None  # bounds the work one request can ask for

    def to_dict(self) -> dict:
        return {"name": self.name, "type": self.type.__name__, "default": self.default,
                "description": self.description, "choices": list(self.choices) if self.choices else None,
                "maximum": self.maximum}


@dataclass
class MethodOutput:
    layer_maps: dict[str, torch.Tensor]         # layer → (T, C, H, W) signed contribution of each channel
    input_attribution: torch.Tensor | None      # (T, C_in, H, W)
    delta: torch.Tensor | None = None           # (T,) convergence delta (IG, GradientShap)


@dataclass
class AttributionContext:
    engine: PassEngine
    x: torch.Tensor                     # (1, C, H, W) normalised input
    targets: torch.Tensor               # (T,) class indices
    layers: list[str]
    params: dict[str, Any]
    image: Any = None                   # display PIL image (superpixels are cut on it)
    progress: Callable[[float, str], None] = lambda fraction, message: None
    should_stop: Callable[[], bool] = lambda: False
    extra: dict = field(default_factory=dict)

    @property
    def repeated(self) -> torch.Tensor:
        """The input once per target: (T, C, H, W)."""
        return self.x.expand(len(self.targets), *self.x.shape[1:])

    def step(self, fraction: float, message: str) -> None:
        if self.should_stop():
            raise Cancelled
        self.progress(fraction, message)


class AttributionMethod:
    """Base class. Subclasses set the class attributes and implement ``attribute``."""

    name: str = ""
    label: str = ""
    family: str = ""            # cam | gradient | backprop | perturbation | shapley
    layer_maps: bool = True     # per-layer maps (False: the input only, e.g. occlusion)
    input_map: bool = True
    params: tuple[Param, ...] = ()
    sanity: str | None = None   # what the literature reports about Adebayo et al.'s randomisation check

    def attribute(self, ctx: AttributionContext) -> MethodOutput:
        raise NotImplementedError

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def info(self) -> dict:
        return {"name": self.name, "label": self.label, "family": self.family, "layer_maps": self.layer_maps,
                "input_map": self.input_map, "params": [p.to_dict() for p in self.params], "sanity": self.sanity}


class SinglePassMethod(AttributionMethod):
    """A method computed from ONE forward/backward pass of the input replicated per target.

    ``from_pass`` turns the pass into per-sample layer maps and input attribution, so SmoothGrad can average it
    over noisy copies of the input.
    """

    rule: str | None = None  # ReLU backward rule ("guided", "deconv") or None

    def attribute(self, ctx: AttributionContext) -> MethodOutput:
        xs = ctx.repeated
        out = ctx.engine.gradients(xs, ctx.targets, ctx.layers, rule=self.rule)
        maps, inputs = self.from_pass(out, xs, ctx)
        return MethodOutput(maps, inputs)

    def from_pass(self, out: PassOutput, xs: torch.Tensor, ctx: AttributionContext
                  ) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
        raise NotImplementedError
