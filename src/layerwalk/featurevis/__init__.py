"""Feature visualization (paper §3.3.5): robust gradient ascent, batched over channels, cached on disk; also the
Lucid style, the ConvViz variant and an objective algebra (``objectives``)."""

from layerwalk.featurevis.cache import FeatureVisCache
from layerwalk.featurevis.core import FeatureVisResult, featurevis, parse_channels, resolve_layer
from layerwalk.featurevis.lucid_transforms import LucidTransforms
from layerwalk.featurevis.objectives import Objective
from layerwalk.featurevis.render import Cancelled, FeatureVisParams
from layerwalk.featurevis.transforms import PaperTransforms

__all__ = ["featurevis", "FeatureVisParams", "FeatureVisResult", "FeatureVisCache", "PaperTransforms",
           "LucidTransforms", "Objective", "Cancelled", "parse_channels", "resolve_layer"]


# ``layerwalk.featurevis(...)`` is the documented call, yet ``layerwalk.featurevis`` is also this package once it
# has been imported (Python binds submodules as package attributes). Making the package callable keeps both.
class _CallablePackage(__import__("types").ModuleType):
    def __call__(self, *args, **kwargs):
        return featurevis(*args, **kwargs)


__import__("sys").modules[__name__].__class__ = _CallablePackage
