"""Graph capture: the displayed graph of any PyTorch CNN, and recording of its activations."""

from layerwalk.capture.captured import CapturedModel, capture, capture_model
from layerwalk.capture.graph import GraphNode, LayerGraph
from layerwalk.capture.trackers import Marker, Tracker

__all__ = ["capture", "capture_model", "CapturedModel", "LayerGraph", "GraphNode", "Tracker", "Marker"]
