"""TracIn (Pruthi et al. 2020): the influence of training image i on query q is the sum over saved checkpoints c
of η_c ∇θ_l L(q; θ_c) · ∇θ_l L(i; θ_c), per layer l. No Hessian: a fast baseline that needs the checkpoints of
the run. Self-influence is Σ_c η_c ‖∇L(i; θ_c)‖² (large for mislabeled or atypical images).

Checkpoints come from a ``layerwalk train`` run: ``epochs/epoch-K.safetensors`` written by
``train_with_checkpoints`` (one per epoch), else the run's last ``checkpoint.safetensors``. η_c is the learning rate
the optimizer had when the checkpoint was saved (stored in the checkpoint).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from torch import nn

from layerwalk.errors import WeightsError
from layerwalk.influence._gradients import (
    LayerParameters,
    layer_dot_products,
    layer_squared_norms,
    per_example_gradients,
)

__all__ = ["Checkpoint", "run_checkpoints", "tracin_scores", "tracin_self_influence"]


@dataclass(frozen=True)
class Checkpoint:
    """Weights (a state dict) and the learning rate they were trained with at that point."""

    state: dict[str, torch.Tensor]
    lr: float
    name: str


def run_checkpoints(run: str | Path) -> list[Checkpoint]:
    """The checkpoints of a ``layerwalk train`` run folder, oldest first."""
    run = Path(run)
    paths = sorted((run / "epochs").glob("epoch-*.safetensors"), key=lambda p: int(p.stem.split("-")[1]))
    paths = paths or ([run / "checkpoint.safetensors"] if (run / "checkpoint.safetensors").exists() else [])
    if not paths:
        raise WeightsError(f"{run} has no checkpoints; TracIn needs a 'layerwalk train' run folder (best one trained "
                           "with layerwalk.influence.train_with_checkpoints, which keeps one per epoch)")
    return [_read_checkpoint(p) for p in paths]


def _read_checkpoint(path: Path) -> Checkpoint:
    try:
        with safe_open(str(path), "pt") as f:
            meta = json.loads(f.metadata()["layerwalk"])
        tensors = load_file(str(path))
    except Exception as e:  # noqa: BLE001 - any failure means the same to the user
        raise WeightsError(f"{path} is not a layerwalk checkpoint ({e})") from None
    state = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    return Checkpoint(state, float(meta["optimizer"]["groups"][0]["lr"]), path.stem)


def _at(model: nn.Module, checkpoint: Checkpoint, layers: list[str]) -> LayerParameters:
    copy_ = copy.deepcopy(model).eval()
    copy_.load_state_dict(checkpoint.state)
    return LayerParameters(copy_, layers)


def tracin_scores(model: nn.Module, layers: list[str], checkpoints: list[Checkpoint], queries: torch.Tensor,
                  query_labels: torch.Tensor, inputs: torch.Tensor, labels: torch.Tensor, *, batch_size: int = 32,
                  progress: Callable[[float], None] | None = None) -> torch.Tensor:
    """(L, Q, N) TracIn scores."""
    total = None
    for c, checkpoint in enumerate(checkpoints):
        lp = _at(model, checkpoint, layers)
        vectors = {k: checkpoint.lr * g for k, g in per_example_gradients(lp, queries, query_labels).items()}
        step = (lambda f, c=c: progress((c + f) / len(checkpoints))) if progress else None
        scores = layer_dot_products(lp, vectors, inputs, labels, batch_size=batch_size, progress=step)
        total = scores if total is None else total + scores
    assert total is not None
    return total


def tracin_self_influence(model: nn.Module, layers: list[str], checkpoints: list[Checkpoint], inputs: torch.Tensor,
                          labels: torch.Tensor, *, batch_size: int = 32,
                          progress: Callable[[float], None] | None = None) -> torch.Tensor:
    """(L, N) TracIn self-influence per layer."""
    total = None
    for c, checkpoint in enumerate(checkpoints):
        lp = _at(model, checkpoint, layers)
        step = (lambda f, c=c: progress((c + f) / len(checkpoints))) if progress else None
        norms = checkpoint.lr * layer_squared_norms(lp, inputs, labels, batch_size=batch_size, progress=step)
        total = norms if total is None else total + norms
    assert total is not None
    return total
