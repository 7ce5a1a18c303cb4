"""Export of one layer (paper §3.3.4): a zip with a colormapped PNG per channel, the raw values, metadata."""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from layerwalk.engine.colormap import atlas, colormap

if TYPE_CHECKING:
    from layerwalk.engine.network import Network
    from layerwalk.engine.snapshot import Snapshot


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def export_layer(network: Network, snapshot: Snapshot, node_id: str) -> bytes:
    """Zip bytes: ``meta.json``, ``activations.npy`` (float32), ``atlas.png`` and ``channels/NNNN.png``."""
    node = network.graph.node(node_id)
    values = snapshot.activation(node_id).numpy()
    enc = snapshot.encoded(node_id)
    meta = {
        "network": network.name, "layer": node.to_dict(), "version": snapshot.version, "source": snapshot.source,
        "vmin": enc.vmin, "vmax": enc.vmax, "zero_level": enc.zero_level,
        "colormap": "below zero blue, zero black, above zero white (per-layer range)",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("meta.json", json.dumps(meta, indent=1))
        npy = io.BytesIO()
        np.save(npy, values)
        zf.writestr("activations.npy", npy.getvalue())
        zf.writestr("atlas.png", _png(colormap(atlas(enc.data, gap=1), int(enc.zero_level))))
        if enc.data.ndim == 3:
            for c, channel in enumerate(enc.data):
                zf.writestr(f"channels/{c:04d}.png", _png(colormap(channel, int(enc.zero_level))))
    return buf.getvalue()
