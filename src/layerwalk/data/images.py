"""Safe image decoding for uploads and the CLI, and deterministic noise images."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps

from layerwalk.errors import ImageError

__all__ = ["open_image", "noise_image", "MAX_BYTES", "MAX_PIXELS", "FORMATS", "MAX_CONCURRENT_DECODES"]

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
# Only these decoders ever see uploaded bytes: Pillow knows ~45 formats, some with fragile parsers, and EPS would
# run Ghostscript on the upload.
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")
_FORMATS_SHOWN = "PNG/JPEG/GIF/BMP/TIFF/WebP"
# At most this many images are decoded at once; the rest wait. Decodes run on these few threads rather than under
# a semaphore on the callers' threads: glibc keeps a heap per thread, and Pillow's 16 MiB blocks freed in forty
# thread-pool heaps are forty times the memory (measured: 8 concurrent uploads +1.5 GB with a semaphore).
MAX_CONCURRENT_DECODES = 2
_decoder = ThreadPoolExecutor(max_workers=MAX_CONCURRENT_DECODES, thread_name_prefix="layerwalk-decode")
_STRIP_ROWS = 256  # 16-bit and float images are scaled a strip at a time: no full-size float copy


def open_image(data: bytes | BinaryIO, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode image bytes by their content (the file name is never trusted), refusing oversize images.

    Only PNG, JPEG, GIF, BMP, TIFF and WebP are decoded. The pixel count is checked from the header before any
    pixel is decoded, so a decompression bomb never allocates its memory. EXIF rotation is applied; the first
    frame of an animation is used. At most ``MAX_CONCURRENT_DECODES`` decodes run at once.

    Args:
        data: the raw file content, or a seekable binary file positioned at its start (read lazily).
        max_bytes: refuse larger inputs.
        max_pixels: refuse images with more pixels (width × height).

    Returns:
        A fully loaded ``PIL.Image`` in mode ``RGB`` or ``L``.

    Raises:
        ImageError: not an image of those formats, corrupt, or over a limit (the message names the limit).

    >>> open_image(open("cat.png", "rb").read()).mode  # doctest: +SKIP
    'RGB'
    """
    size = len(data) if isinstance(data, bytes | bytearray) else _remaining(data)
    if size > max_bytes:
        raise ImageError(f"the file is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:g} MiB limit; "
                         "upload a smaller or more compressed image")
    return _decoder.submit(_decode, data, max_pixels).result()


def _remaining(file: BinaryIO) -> int:
    start = file.tell()
    end = file.seek(0, io.SEEK_END)
    file.seek(start)
    return end - start


def _decode(data: bytes | BinaryIO, max_pixels: int) -> Image.Image:
    image = _open_header(data, max_pixels)
    if image.width * image.height > max_pixels:
        raise ImageError(f"the image has {image.width}×{image.height} pixels, over the limit of {max_pixels:,} "
                         "pixels; scale it down first")
    try:
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # not a copy: that would be one more full image
        return to_rgb_or_l(image)
    except Exception as e:  # noqa: BLE001 - a crafted file makes decoders fail in many ways (even AttributeError)
        raise ImageError(f"the image data is truncated or corrupt ({_short(e)}); re-export the image and try "
                         "again") from None


def _open_header(data: bytes | BinaryIO, max_pixels: int) -> Image.Image:
    try:
        source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        return Image.open(source, formats=FORMATS)  # lazy: reads the header only
    except Image.DecompressionBombError:  # PIL's own, higher limit: a decompression bomb
        raise ImageError(f"the image has far more than the limit of {max_pixels:,} pixels (a decompression "
                         "bomb?); scale it down first") from None
    except Exception:  # noqa: BLE001 - any header parser failure means the same: not an image we read
        raise ImageError(f"not an image ({_FORMATS_SHOWN}); choose an image file") from None


def _short(e: Exception) -> str:
    text = str(e).splitlines()[0][:120] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def to_rgb_or_l(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to ``RGB`` (colour) or ``L`` (grayscale), scaling 16-bit and float data to 0…255."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return _scaled_gray(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return _on_white(image)
    return image.convert("L" if image.mode == "1" else "RGB")


def _strips(image: Image.Image):
    for top in range(0, image.height, _STRIP_ROWS):
        yield top, np.asarray(image.crop((0, top, image.width, min(top + _STRIP_ROWS, image.height))),
                              dtype=np.float32)


def _scaled_gray(image: Image.Image) -> Image.Image:
    """min…max → 0…255, in float32 strips of ``_STRIP_ROWS`` rows (a 6300² 16-bit image never gets a float64
    or even a full float32 copy)."""
    lo, hi = (float(v) for v in image.getextrema())
    out = np.zeros((image.height, image.width), np.uint8)
    if hi > lo:
        scale = np.float32(255.0 / (hi - lo))
        for top, strip in _strips(image):
            out[top:top + len(strip)] = np.rint((strip - np.float32(lo)) * scale)
    return Image.fromarray(out, "L")


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent → white (not black), pasted in strips: Pillow's alpha_composite needs three full RGBA copies."""
    mode = "L" if image.mode == "LA" else "RGB"
    out = Image.new(mode, image.size, 255 if mode == "L" else (255, 255, 255))
    for top in range(0, image.height, _STRIP_ROWS):
        box = (0, top, image.width, min(top + _STRIP_ROWS, image.height))
        strip = image.crop(box)
        strip = strip if strip.mode in ("RGBA", "LA") else strip.convert("RGBA")
        out.paste(strip.convert(mode), box, mask=strip.getchannel("A"))
    return out


def noise_image(seed: int, size: tuple[int, int] = (224, 224), channels: int = 3) -> Image.Image:
    """Uniform random noise, the same image for the same seed on every machine.

    Args:
        seed: any non-negative integer.
        size: (H, W) in pixels.
        channels: 3 for RGB, 1 for grayscale.

    Returns:
        A ``PIL.Image`` in mode ``RGB`` or ``L``.

    >>> noise_image(7, (2, 3)).size
    (3, 2)
    """
    if channels not in (1, 3):
        raise ImageError(f"noise images have 1 or 3 channels, not {channels}")
    height, width = size
    pixels = np.random.default_rng(seed).integers(0, 256, (height, width, channels), dtype=np.uint8)
    return Image.fromarray(pixels[..., 0], "L") if channels == 1 else Image.fromarray(pixels, "RGB")
