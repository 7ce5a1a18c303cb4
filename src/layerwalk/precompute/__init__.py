"""Dataset-wide precompute (a microscope for your own model): top-k dataset examples, statistics and crops of
every displayed layer, as exact mergeable shards run locally or on Ray.

>>> import layerwalk
>>> from layerwalk.precompute import precompute, PrecomputeParams, load_precomputed   # doctest: +SKIP
"""

from layerwalk.precompute.params import PrecomputeParams
from layerwalk.precompute.results import Precomputed, find_precomputed, load_precomputed
from layerwalk.precompute.run import precompute

__all__ = ["PrecomputeParams", "Precomputed", "find_precomputed", "load_precomputed", "precompute"]
