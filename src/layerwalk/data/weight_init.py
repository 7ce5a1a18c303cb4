"""How layerwalk initialises a network before training (paper §3.1): the one rule for the COVID nets and the
trainer."""

from __future__ import annotations

from torch import nn

__all__ = ["kaiming_init"]

_NORMS = (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)


def kaiming_init(model: nn.Module) -> nn.Module:
    """Kaiming-normal conv weights (fan out, ReLU), Kaiming-uniform linear weights, unit norm weights, every bias
    zero; returns ``model``.

    >>> layer = kaiming_init(nn.Linear(4, 2)); float(layer.bias.abs().sum())
    0.0
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.Linear):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="linear")
        elif isinstance(m, _NORMS) and m.weight is not None:
            nn.init.ones_(m.weight)
        if isinstance(m, (nn.Conv2d, nn.Linear, *_NORMS)) and getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)
    return model
