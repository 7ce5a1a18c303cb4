"""The training settings of the paper's Table 1, and the per-strategy defaults they imply.

================================  ========  ======  ==========  ============  ============  ===========
preset                            strategy  epochs  initial lr  weight decay  augmentation  image (W×H)
================================  ========  ======  ==========  ============  ============  ===========
caltech-covidresnet-standard      standard  200     0.002       on            on            175×150
caltech-covidresnet-shuffled      shuffled  250     0.001       off           off           175×150
caltech-covidresnet-noisy         noisy     1000    0.001       off           off           175×150
sars-covidresnet-*                          150/250/1000 (same lr, decay, augmentation) 250×180
sars-coviddensenet-*                        150/250/1000                                  250×180
================================  ========  ======  ==========  ============  ============  ===========

The paper does not give the weight-decay value; "on" is ``WEIGHT_DECAY`` (Lamb's customary 0.01).
"""

from __future__ import annotations

from dataclasses import dataclass

from layerwalk.errors import SpecError

__all__ = ["Preset", "PRESETS", "STRATEGY_DEFAULTS", "WEIGHT_DECAY", "get_preset"]

WEIGHT_DECAY = 0.01


@dataclass(frozen=True)
class Preset:
    """One row of Table 1. ``image_size`` is (H, W)."""

    model: str
    strategy: str
    epochs: int
    lr: float
    weight_decay: float
    augment: bool
    image_size: tuple[int, int]


# strategy → (lr, weight decay, augmentation): the same in all three experiments of Table 1
STRATEGY_DEFAULTS = {
    "standard": (0.002, WEIGHT_DECAY, True),
    "shuffled": (0.001, 0.0, False),
    "noisy": (0.001, 0.0, False),
}
_EXPERIMENTS = {  # name → (model, epochs per strategy, image (H, W))
    "caltech-covidresnet": ("covidresnet", (200, 250, 1000), (150, 175)),
    "sars-covidresnet": ("covidresnet", (150, 250, 1000), (180, 250)),
    "sars-coviddensenet": ("coviddensenet", (150, 250, 1000), (180, 250)),
}
PRESETS = {
    f"{name}-{strategy}": Preset(model, strategy, epochs[k], *STRATEGY_DEFAULTS[strategy], size)
    for name, (model, epochs, size) in _EXPERIMENTS.items()
    for k, strategy in enumerate(STRATEGY_DEFAULTS)
}


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (see the module table).

    >>> get_preset("sars-coviddensenet-noisy").epochs
    1000
    """
    try:
        return PRESETS[name]
    except KeyError:
        raise SpecError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
