"""A snapshot's activations in the form the replay takes (batch of one, on the network's device)."""

from __future__ import annotations

import torch

from layerwalk.engine import Network, Snapshot


def recorded(network: Network, snapshot: Snapshot) -> dict[str, torch.Tensor]:
    return {k: v.unsqueeze(0).to(network.device) for k, v in snapshot.activations.items()}


def per_channel(t: torch.Tensor) -> torch.Tensor:
    """(batch, C, …) → (batch, C): the mean over everything after the channel dimension."""
    return t.flatten(2).mean(2) if t.dim() > 2 else t
