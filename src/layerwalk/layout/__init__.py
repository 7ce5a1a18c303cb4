"""3D placement of a LayerGraph (pure maths, no torch): see ``layout_graph``."""

from layerwalk.layout._grid import grid_shape
from layerwalk.layout._place import ARRANGEMENTS, channel_grid, layout_graph, panel_size, view_distance

__all__ = ["ARRANGEMENTS", "channel_grid", "grid_shape", "layout_graph", "panel_size", "view_distance"]
