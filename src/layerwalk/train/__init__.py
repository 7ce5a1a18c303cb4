"""Training with the paper's three strategies (§4); the memorization study (§5) is ``layerwalk.study``.

>>> from layerwalk.train import TrainConfig, train
>>> config = TrainConfig(model="covidresnet", dataset="fashion-mnist", strategy="shuffled", epochs=2,
...                      image_size=(28, 28), train_subset=256)
>>> result = train(config, "runs/shuffled")  # doctest: +SKIP
"""

from layerwalk.train.augment import Augmentation
from layerwalk.train.optim import kaiming_init, make_optimizer, step_decay
from layerwalk.train.presets import PRESETS, Preset, get_preset
from layerwalk.train.strategies import STRATEGIES, NoisySet, RenderedImages, ShuffledSet, StandardSet
from layerwalk.train.trainer import TrainConfig, TrainResult, train

__all__ = ["Augmentation", "NoisySet", "PRESETS", "Preset", "RenderedImages", "STRATEGIES", "ShuffledSet",
           "StandardSet", "TrainConfig", "TrainResult", "get_preset", "kaiming_init", "make_optimizer", "step_decay",
           "train"]
