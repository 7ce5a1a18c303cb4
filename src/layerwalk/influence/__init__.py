"""Training-data attribution (issue 20): which training images made this decision, through which layer.

Three methods share one vocabulary — per-layer scores over the conv and linear layers that sum to the total,
positive = proponent: EK-FAC (Grosse et al. 2023, through Kronfluence), LiSSA (Koh & Liang 2017, as in the
Caffe2Unity dissertation ch. 6) and TracIn over a run's checkpoints. Self-influence flags mislabeled images; the
dissertation's hierarchical clustering of per-layer influence (Pearson distance) is in ``clustering``.

>>> import layerwalk
>>> result = layerwalk.influence(model, (train_x, train_y), test_x[:4], method="ekfac")  # doctest: +SKIP
>>> [r.index for r in result.proponents(0, k=8)]  # doctest: +SKIP
"""

from layerwalk.influence.data import TrainingSet, as_training_set
from layerwalk.influence.ekfac import EkfacParams
from layerwalk.influence.layers import influence_layers
from layerwalk.influence.lissa import LissaParams
from layerwalk.influence.result import InfluenceResult
from layerwalk.influence.run import METHODS, InfluenceCancelled, influence
from layerwalk.influence.run_data import RunData, load_run_data, train_with_checkpoints
from layerwalk.influence.scores import InfluenceScores, Ranked
from layerwalk.influence.tracin import Checkpoint, run_checkpoints

__all__ = ["Checkpoint", "EkfacParams", "InfluenceCancelled", "InfluenceResult", "InfluenceScores", "LissaParams",
           "METHODS", "Ranked", "TrainingSet", "as_training_set", "influence", "influence_layers",
           "RunData", "load_run_data", "run_checkpoints", "train_with_checkpoints"]


def _make_callable() -> None:
    """``layerwalk.influence`` is both this package and the function ``influence``: once the package is imported,
    Python binds the attribute ``layerwalk.influence`` to the module, so the module itself is made callable
    (assigning a module's ``__class__`` is supported Python, PEP 549's documented route)."""
    import sys
    import types

    class _CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return influence(*args, **kwargs)

    sys.modules[__name__].__class__ = _CallableModule


_make_callable()
