"""Feature visualization (paper §3.3.5): robust gradient ascent, batched over channels, cached on disk."""

from layerwalk.featurevis.cache import FeatureVisCache
from layerwalk.featurevis.core import FeatureVisResult, featurevis, parse_channels, resolve_layer
from layerwalk.featurevis.render import Cancelled, FeatureVisParams
from layerwalk.featurevis.transforms import PaperTransforms

__all__ = ["featurevis", "FeatureVisParams", "FeatureVisResult", "FeatureVisCache", "PaperTransforms",
           "Cancelled", "parse_channels", "resolve_layer"]
