"""Training with the paper's three strategies (§4), and the memorization study (§5) with spectral measures.

>>> from layerwalk.train import TrainConfig, train
>>> config = TrainConfig(model="covidresnet", dataset="fashion-mnist", strategy="shuffled", epochs=2,
...                      image_size=(28, 28), train_subset=256)
>>> result = train(config, "runs/shuffled")  # doctest: +SKIP
"""

from layerwalk.train.augment import Augmentation
from layerwalk.train.optim import kaiming_init, make_optimizer, step_decay
from layerwalk.train.presets import PRESETS, Preset, get_preset
from layerwalk.train.spectral import bootstrap_ci, high_frequency_fraction, morans_i
from layerwalk.train.strategies import STRATEGIES, NoisySet, RenderedImages, ShuffledSet, StandardSet
from layerwalk.train.trainer import TrainConfig, TrainResult, train

__all__ = ["Augmentation", "NoisySet", "PRESETS", "Preset", "RenderedImages", "STRATEGIES", "ShuffledSet",
           "StandardSet", "TrainConfig", "TrainResult", "bootstrap_ci", "get_preset", "high_frequency_fraction",
           "kaiming_init", "make_optimizer", "morans_i", "step_decay", "train"]
