"""open_image decodes by content and refuses bombs, oversize files and non-images; noise is deterministic."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from layerwalk.data import noise_image, open_image
from layerwalk.errors import ImageError


def _encode(image: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **kw)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image: a decompression bomb in 100 bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"])
def test_decodes_common_formats_by_content(fmt):
    image = open_image(_encode(Image.new("RGB", (30, 20), (200, 10, 10)), fmt))
    assert image.size == (30, 20) and image.mode == "RGB"


def test_modes_become_rgb_or_l():
    assert open_image(_encode(Image.new("L", (4, 4), 9), "PNG")).mode == "L"
    rgba = open_image(_encode(Image.new("RGBA", (4, 4), (0, 0, 0, 0)), "PNG"))
    assert rgba.mode == "RGB" and rgba.getpixel((0, 0)) == (255, 255, 255)  # transparent → white
    deep = Image.fromarray(np.array([[0, 65535]], dtype=np.uint16))
    assert open_image(_encode(deep, "PNG")).getpixel((1, 0)) == 255


def test_exif_rotation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotated 90°: stored 30×20, shown 20×30
    assert open_image(_encode(Image.new("RGB", (30, 20)), "JPEG", exif=exif)).size == (20, 30)


def test_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(ImageError, match="50,000,000 pixels"):
        open_image(_png_header_only(10000, 6000))  # 60 M pixels claimed, under PIL's own limit
    with pytest.raises(ImageError, match="limit of 50,000,000 pixels"):
        open_image(_png_header_only(60000, 60000))  # past PIL's own bomb limit


def test_pixel_limit_is_configurable():
    data = _encode(Image.new("RGB", (100, 100)), "PNG")
    with pytest.raises(ImageError, match="100×100"):
        open_image(data, max_pixels=5000)


def test_oversize_file_is_refused():
    with pytest.raises(ImageError, match=r"1\.4 MiB, over the 1 MiB limit"):
        open_image(b"\0" * 1_500_000, max_bytes=2**20)
    with pytest.raises(ImageError, match="over the 20 MiB limit"):  # binary units: the default is 20 MiB, not "21 MB"
        open_image(b"\0" * (20 * 2**20 + 1))


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4 not an image", b"GIF89a" + b"\0" * 3, "naïve text".encode()])
def test_non_images_are_refused(data):
    with pytest.raises(ImageError, match="not an image .PNG/JPEG"):
        open_image(data)


def test_truncated_image_is_refused():
    data = _encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)), "PNG")
    with pytest.raises(ImageError, match="truncated or corrupt"):
        open_image(data[: len(data) // 2])


def test_noise_is_deterministic_per_seed():
    a, b, c = noise_image(3, (20, 30)), noise_image(3, (20, 30)), noise_image(4, (20, 30))
    assert a.size == (30, 20) and a.mode == "RGB"
    assert a.tobytes() == b.tobytes() != c.tobytes()
    gray = noise_image(3, (8, 8), channels=1)
    assert gray.mode == "L" and 100 < np.asarray(gray).mean() < 155
    with pytest.raises(ImageError):
        noise_image(0, (4, 4), channels=2)


def test_a_file_object_is_read_lazily_and_capped(tmp_path):
    path = tmp_path / "photo.png"
    Image.new("RGB", (30, 20), (1, 2, 3)).save(path)
    with path.open("rb") as f:
        assert open_image(f).size == (30, 20)
    with path.open("rb") as f, pytest.raises(ImageError, match="MiB limit"):
        open_image(f, max_bytes=10)
