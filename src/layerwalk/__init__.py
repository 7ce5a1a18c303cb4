"""layerwalk: walk through a PyTorch CNN in 3D and in VR.

>>> import torch, torchvision, layerwalk
>>> graph = layerwalk.capture(torchvision.models.resnet18(), torch.zeros(1, 3, 224, 224))
"""

from layerwalk import data, errors
from layerwalk.capture import CapturedModel, GraphNode, LayerGraph, Marker, Tracker, capture, capture_model
from layerwalk.data import load_dataset, load_model
from layerwalk.engine import Network, Snapshot, export_layer

__all__ = ["capture", "capture_model", "CapturedModel", "LayerGraph", "GraphNode", "Tracker", "Marker", "Network",
           "Snapshot", "export_layer", "load_model", "load_dataset", "data", "errors"]
