"""Wire formats of the API: the binary activation format, gzip, the colormapped atlas PNG (docs/architecture.md)."""

from __future__ import annotations

import gzip
import io
import json
import struct
from typing import Any

import numpy as np
from PIL import Image


class Parts:
    """A body made of a few buffers sent one after the other, never joined: an activation payload is its header
    plus the snapshot's block of encoded bytes (``Snapshot.encoded_block``) — joining them would keep a second
    17 MB copy per ResNet50 input in the payload cache."""

    def __init__(self, parts: list[bytes | memoryview]):
        self.parts = [memoryview(p).cast("B") for p in parts]
        self.nbytes = sum(p.nbytes for p in self.parts)

    def __len__(self) -> int:
        return self.nbytes

    def __bytes__(self) -> bytes:
        return b"".join(self.parts)


def pack_activation_parts(network_id: str, version: int, layers: list[tuple[str, Any]],
                          block: np.ndarray | None = None) -> Parts:
    """``uint32 LE header length | JSON header | uint8 data`` for ``layers`` = [(node id, EncodedActivation)], as
    the header followed by the data. ``block``: the layers' bytes already in one buffer, in order (see
    ``Snapshot.encoded_block``), sent as is; otherwise they are copied into one."""
    entries, offset = [], 0
    for node_id, enc in layers:
        entries.append({"id": node_id, "shape": list(enc.data.shape), "offset": offset, "length": enc.data.size,
                        "vmin": float(enc.vmin), "vmax": float(enc.vmax), "zero_level": int(enc.zero_level)})
        offset += enc.data.size
    if block is None:
        block = np.concatenate([np.asarray(enc.data, np.uint8).reshape(-1) for _, enc in layers] or
                               [np.empty(0, np.uint8)])
    if block.nbytes != offset:
        raise ValueError(f"the block has {block.nbytes} bytes, the layers {offset}")
    header = json.dumps({"network": network_id, "version": version, "layers": entries},
                        separators=(",", ":")).encode()
    return Parts([struct.pack("<I", len(header)) + header, block.data])  # the array's own bytes, no copy


def pack_activations(network_id: str, version: int, layers: list[tuple[str, Any]]) -> bytes:
    """The binary activation format as one ``bytes`` (see ``pack_activation_parts``)."""
    return bytes(pack_activation_parts(network_id, version, layers))


def unpack_activations(payload: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Inverse of ``pack_activations`` (tests, benchmarks and Python clients): header and {id: uint8 array}."""
    (n,) = struct.unpack_from("<I", payload)
    header = json.loads(payload[4:4 + n])
    data = memoryview(payload)[4 + n:]
    arrays = {layer["id"]: np.frombuffer(data[layer["offset"]:layer["offset"] + layer["length"]], np.uint8)
              .reshape(layer["shape"]) for layer in header["layers"]}
    return header, arrays


def _accepted(accept_encoding: str | None) -> set[str]:
    codings = set()
    for part in (accept_encoding or "").split(","):
        coding, _, q = part.strip().partition(";")
        if coding.strip() and q.strip().replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            codings.add(coding.strip().lower())
    return codings


def choose_encoding(accept_encoding: str | None) -> str | None:
    """``zstd`` when the client takes it (Chromium does: several times faster than gzip at a better ratio),
    else ``gzip``, else none."""
    accepted = _accepted(accept_encoding)
    if "zstd" in accepted:
        return "zstd"
    if accepted & {"gzip", "*"}:
        return "gzip"
    return None


def compress(data: bytes | Parts, encoding: str, gzip_level: int = 1) -> bytes:
    if isinstance(data, Parts):
        data = bytes(data)
    if encoding == "zstd":
        import zstandard

        return zstandard.ZstdCompressor(level=1, threads=-1).compress(data)
    return gzip.compress(data, compresslevel=gzip_level, mtime=0)


def atlas_png(data: np.ndarray, zero_level: int, min_side: int = 256) -> bytes:
    """Colormapped atlas of a uint8 activation (the engine's grid and colormap), upscaled for small layers."""
    from layerwalk.engine import atlas, colormap

    grid = atlas(data, gap=1, fill=zero_level)
    image = Image.fromarray(colormap(grid, zero_level), "RGB")
    scale = max(1, min_side // max(grid.shape))
    if scale > 1:
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    return png_bytes(image)


def png_bytes(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def image_atlas_png(images: list[Image.Image], gap: int = 2) -> bytes:
    """RGB images on the same near-square grid as activation atlases (channel i at row i // cols)."""
    from layerwalk.engine import grid_shape

    cols, rows = grid_shape(len(images))
    w, h = images[0].size
    sheet = Image.new("RGB", (cols * (w + gap) - gap, rows * (h + gap) - gap))
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        sheet.paste(img.convert("RGB"), (c * (w + gap), r * (h + gap)))
    return png_bytes(sheet)
