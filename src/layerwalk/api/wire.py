"""Wire formats of the API: the binary activation format, gzip, the colormapped atlas PNG (docs/architecture.md)."""

from __future__ import annotations

import gzip
import io
import json
import struct
from typing import Any

import numpy as np
from PIL import Image

from layerwalk.layout import channel_grid


def pack_activations(network_id: str, version: int, layers: list[tuple[str, Any]]) -> bytes:
    """``uint32 LE header length | JSON header | uint8 data`` for ``layers`` = [(node id, EncodedActivation)]."""
    entries, chunks, offset = [], [], 0
    for node_id, enc in layers:
        data = np.ascontiguousarray(enc.data, dtype=np.uint8)
        entries.append({"id": node_id, "shape": list(data.shape), "offset": offset, "length": data.nbytes,
                        "vmin": float(enc.vmin), "vmax": float(enc.vmax), "zero_level": int(enc.zero_level)})
        chunks.append(data.reshape(-1))
        offset += data.nbytes
    header = json.dumps({"network": network_id, "version": version, "layers": entries},
                        separators=(",", ":")).encode()
    body = np.concatenate(chunks) if chunks else np.zeros(0, np.uint8)
    return b"".join((struct.pack("<I", len(header)), header, body.tobytes()))


def unpack_activations(payload: bytes) -> tuple[dict, dict[str, np.ndarray]]:
    """Inverse of ``pack_activations`` (tests, benchmarks and Python clients): header and {id: uint8 array}."""
    (n,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4:4 + n])
    data = memoryview(payload)[4 + n:]
    arrays = {layer["id"]: np.frombuffer(data[layer["offset"]:layer["offset"] + layer["length"]], np.uint8)
              .reshape(layer["shape"]) for layer in header["layers"]}
    return header, arrays


def accepts_gzip(accept_encoding: str | None) -> bool:
    for part in (accept_encoding or "").split(","):
        coding, _, q = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            return q.strip().replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def gzip_bytes(data: bytes, level: int) -> bytes:
    return gzip.compress(data, compresslevel=level, mtime=0)


def atlas_png(data: np.ndarray, zero_level: int, min_side: int = 256) -> bytes:
    """Colormapped atlas of a uint8 activation: channels on a near-square grid, blue below zero, black at, white above."""
    maps = _as_maps(data)
    cols, rows = channel_grid(data.shape)
    c, h, w = maps.shape
    padded = np.full((cols * rows, h, w), zero_level, np.uint8)
    padded[:c] = maps
    grid = padded.reshape(rows, cols, h, w).transpose(0, 2, 1, 3).reshape(rows * h, cols * w)
    rgb = colormap(grid, zero_level)
    scale = max(1, min_side // max(grid.shape))
    image = Image.fromarray(rgb, "RGB")
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    return png_bytes(image)


def colormap(q: np.ndarray, zero_level: int) -> np.ndarray:
    """uint8 levels → RGB: 0..zero_level blue→black, zero_level..255 black→white."""
    lut = np.zeros((256, 3), np.uint8)
    z = int(min(max(zero_level, 0), 255))
    if z > 0:
        lut[:z, 2] = np.round(np.linspace(255, 0, z, endpoint=False)).astype(np.uint8)
    lut[z:] = np.round(np.linspace(0, 255, 256 - z)).astype(np.uint8)[:, None] if z < 255 else 0
    return lut[q]


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _as_maps(data: np.ndarray) -> np.ndarray:
    if data.ndim >= 3:
        return data.reshape(data.shape[0], data.shape[1], -1)
    if data.ndim == 2:
        return data.reshape(data.shape[0], 1, data.shape[1])
    return data.reshape(-1, 1, 1)
