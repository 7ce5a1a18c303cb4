"""The activation engine: a model, its current input, and everything computed from it."""

from layerwalk.engine.colormap import atlas, colormap, grid_shape
from layerwalk.engine.encoding import EncodedActivation, encode
from layerwalk.engine.export import export_layer
from layerwalk.engine.histograms import Histogram, histogram
from layerwalk.engine.network import Network, resolve_device
from layerwalk.engine.snapshot import Prediction, Snapshot

__all__ = ["Network", "Snapshot", "Prediction", "EncodedActivation", "encode", "Histogram", "histogram",
           "export_layer", "colormap", "atlas", "grid_shape", "resolve_device"]
