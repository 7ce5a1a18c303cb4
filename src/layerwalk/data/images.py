"""Safe image decoding for uploads and the CLI, and deterministic noise images."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from layerwalk.errors import ImageError

__all__ = ["open_image", "noise_image", "MAX_BYTES", "MAX_PIXELS"]

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 50_000_000
_FORMATS = "PNG/JPEG/GIF/BMP/TIFF/WebP"


def open_image(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode image bytes by their content (the file name is never trusted), refusing oversize images.

    The pixel count is checked from the header before any pixel is decoded, so a decompression bomb never
    allocates its memory. EXIF rotation is applied; the first frame of an animation is used.

    Args:
        data: the raw file content.
        max_bytes: refuse larger inputs.
        max_pixels: refuse images with more pixels (width × height).

    Returns:
        A fully loaded ``PIL.Image`` in mode ``RGB`` or ``L``.

    Raises:
        ImageError: not an image, corrupt, or over a limit (the message names the limit).

    >>> open_image(open("cat.png", "rb").read()).mode  # doctest: +SKIP
    'RGB'
    """
    if len(data) > max_bytes:
        raise ImageError(f"the file is {len(data) / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit; "
                         "upload a smaller or more compressed image")
    image = _open_header(data, max_pixels)
    if image.width * image.height > max_pixels:
        raise ImageError(f"the image has {image.width}×{image.height} pixels, over the limit of {max_pixels:,} "
                         "pixels; scale it down first")
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageError(f"the image data is truncated or corrupt ({e}); re-export the image and try again") from None
    return to_rgb_or_l(image)


def _open_header(data: bytes, max_pixels: int) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))  # lazy: reads the header only
    except Image.DecompressionBombError:  # PIL's own, higher limit: a decompression bomb
        raise ImageError(f"the image has far more than the limit of {max_pixels:,} pixels (a decompression "
                         "bomb?); scale it down first") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise ImageError(f"not an image ({_FORMATS}); choose an image file") from None


def to_rgb_or_l(image: Image.Image) -> Image.Image:
    """Convert any PIL mode to ``RGB`` (colour) or ``L`` (grayscale), scaling 16-bit and float data to 0…255."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        return _scaled_gray(np.asarray(image, dtype=np.float64))
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))  # transparent → white, not black
        flat = Image.alpha_composite(white, image.convert("RGBA"))
        return flat.convert("L" if image.mode == "LA" else "RGB")
    return image.convert("L" if image.mode == "1" else "RGB")


def _scaled_gray(a: np.ndarray) -> Image.Image:
    lo, hi = float(a.min()), float(a.max())
    scaled = np.zeros_like(a) if hi <= lo else (a - lo) * (255.0 / (hi - lo))
    return Image.fromarray(np.round(scaled).astype(np.uint8), "L")


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
