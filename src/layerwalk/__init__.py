"""layerwalk: walk through a PyTorch CNN in 3D and in VR.

>>> import torch, torchvision, layerwalk
>>> graph = layerwalk.capture(torchvision.models.resnet18(), torch.zeros(1, 3, 224, 224))
>>> graph.nodes[1].label
'conv 7×7/64 s2 · bn · relu'

Importing layerwalk selects no device, loads no model and starts nothing; the server and feature
visualization are imported on first use.
"""

from layerwalk import data, errors
from layerwalk.capture import CapturedModel, GraphNode, LayerGraph, Marker, Tracker, capture, capture_model
from layerwalk.data import load_dataset, load_model
from layerwalk.engine import Network, Snapshot, export_layer

__all__ = ["capture", "capture_model", "CapturedModel", "LayerGraph", "GraphNode", "Tracker", "Marker", "Network",
           "Snapshot", "export_layer", "load_model", "load_dataset", "featurevis", "serve", "show", "stop", "data",
           "errors", "load_precomputed", "analysis", "attribute", "attribution", "influence"]

_LAZY = {"featurevis": ("layerwalk.featurevis", None), "serve": ("layerwalk.server", "serve"),
         "show": ("layerwalk.server", "show"), "stop": ("layerwalk.server", "stop"),
         "load_precomputed": ("layerwalk.precompute", "load_precomputed"),
         "analysis": ("layerwalk.analysis", None), "attribute": ("layerwalk.attribution", "attribute"),
         "attribution": ("layerwalk.attribution", None),
         "influence": ("layerwalk.influence", None)}  # the package is callable: layerwalk.influence(...)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        found = importlib.import_module(module)
        return getattr(found, attr) if attr else found
    raise AttributeError(f"module 'layerwalk' has no attribute {name!r}")
