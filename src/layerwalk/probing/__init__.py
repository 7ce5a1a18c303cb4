"""Hands-on probing of a network (the Caffe2Unity dissertation's VR interactions, computed by the server).

* ``ablation``: switch off channels of any layers; only the layers after the first changed one are re-run.
* ``activity_flow``: where a selected channel's activity goes — the exact change of every later channel and of
  the class scores when it is zeroed (one partial re-run), or its gradient × activation estimate.
* ``feeders``: the reverse direction — which channels of the layer(s) before feed the selected one most.
* ``occlusion``: blocks (black, dataset mean or blurred) drawn on the input, and the top-5 before and after.

All of it rests on ``layerwalk.capture.replay``: re-running the captured graph from any node with a changed value.
"""

from layerwalk.probing.ablation import ablate, ablated_channels, channel_edits, reset_ablation
from layerwalk.probing.activity_flow import ActivityFlow, ClassEffect, LayerFlow, activity_flow
from layerwalk.probing.class_change import ClassChange, class_changes
from layerwalk.probing.feeders import Feeders, channel_feeders
from layerwalk.probing.occlusion import FILLS, OcclusionBlock, OcclusionResult, apply_occlusion, occlude

__all__ = ["ablate", "ablated_channels", "channel_edits", "reset_ablation", "activity_flow", "ActivityFlow",
           "LayerFlow", "ClassEffect",
           "channel_feeders", "Feeders", "occlude", "apply_occlusion", "OcclusionBlock", "OcclusionResult", "FILLS",
           "class_changes", "ClassChange"]
