"""Uploads from an attacker: a crafted or fuzzed file of every format Pillow knows gives a 400 (never a 500); only
the formats we name are decoded; 16-bit images are scaled exactly; decodes are bounded in number and in memory."""

from __future__ import annotations

import io
import random
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import EpsImagePlugin, Image

from layerwalk.data import images, open_image

Image.init()
ACCEPTED = {"PNG", "JPEG", "MPO", "GIF", "BMP", "TIFF", "WEBP"}  # MPO: a JPEG with a second picture (phones)
# magic bytes for the formats Pillow reads but cannot write, so their parsers can be reached with crafted files
MAGIC = {"BUFR": b"BUFR", "GRIB": b"GRIB", "HDF5": b"\x89HDF\r\n\x1a\n", "WMF": b"\xd7\xcd\xc6\x9a\0\0",
         "CUR": b"\0\0\2\0\1\0", "DCX": b"\xb1\x68\xde\x3a", "FITS": b"SIMPLE  =                    T",
         "FLI": b"\0\0\0\0\x11\xaf", "FTEX": b"FTEX", "GBR": b"\0\0\0\x20\0\0\0\2", "IMT": b"width 4\n",
         "IPTC": b"\x1c\x01", "MCIDAS": b"\0\0\0\0\0\0\0\4", "MPEG": b"\0\0\1\xb3", "PCD": b"\xff" * 2048 + b"PCD_IPI",
         "PIXAR": b"\x80\xe8\0\0", "PSD": b"8BPS\0\1", "SUN": b"\x59\xa6\x6a\x95", "XPM": b"/* XPM */\n",
         "XVTHUMB": b"P7 332\n"}


def _valid_file(fmt: str) -> bytes | None:
    for mode in ("RGB", "L", "P", "1"):
        buf = io.BytesIO()
        try:
            Image.new(mode, (23, 17), 90).save(buf, fmt)
            return buf.getvalue()
        except Exception:  # noqa: BLE001 - this mode is not writable in this format; try the next
            continue
    return None


def _mutants(data: bytes, seed: int) -> list[bytes]:
    """Crafted variants: truncations, zeroed header bytes (the DDS case), single bad bytes (the BLP case), fuzz."""
    rng = random.Random(seed)
    out = [data[: len(data) // 2], data[:16], data[:4] + bytes(28) + data[32:], data[:8] + bytes(len(data) - 8)]
    for _ in range(4):
        b = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(min(len(b), 64))] = rng.randrange(256)
        out.append(bytes(b))
    out.append(data[:32] + rng.randbytes(200))
    return out


def corpus() -> list[tuple[str, str, bytes]]:
    """(format, variant, bytes) for every format Pillow registers."""
    files = []
    for i, fmt in enumerate(sorted(set(Image.OPEN) | set(Image.SAVE))):
        valid = _valid_file(fmt) if fmt in Image.SAVE else None
        base = valid or MAGIC[fmt] + random.Random(i).randbytes(300)
        if valid:
            files.append((fmt, "valid", valid))
        files += [(fmt, f"crafted{j}", m) for j, m in enumerate(_mutants(base, i))]
    return files


def test_corpus_covers_every_format_pillow_knows():
    assert {fmt for fmt, _, _ in corpus()} == set(Image.OPEN) | set(Image.SAVE)


def test_every_crafted_file_is_a_400(app_factory, monkeypatch):
    ghostscript = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: ghostscript.append(a))  # must never run
    with TestClient(app_factory(), raise_server_exceptions=False) as client:
        failures = []
        for fmt, variant, data in corpus():
            r = client.post("/api/networks/n0/input/upload", files={"file": (f"f.{fmt.lower()}", data, "image/x")})
            allowed = {200, 400} if fmt in ACCEPTED else {400}  # a crafted PNG may still be a valid PNG
            if r.status_code not in allowed or r.status_code == 400 and r.json()["error"] != "bad_image":
                failures.append((fmt, variant, r.status_code, r.text[:120]))
            if fmt in ACCEPTED and variant == "valid" and r.status_code != 200:
                failures.append((fmt, variant, r.status_code, "a valid file of an accepted format was refused"))
        assert failures == []
    assert ghostscript == []


def test_refusal_names_the_formats():
    for fmt in ("EPS", "DDS", "BLP", "SPIDER", "PDF", "ICO", "PPM"):
        data = _valid_file(fmt)
        with pytest.raises(images.ImageError, match="PNG/JPEG/GIF/BMP/TIFF/WebP"):
            open_image(data)


@pytest.mark.parametrize(("dtype", "fmt"), [(np.uint16, "PNG"), (np.int32, "TIFF"), (np.float32, "TIFF")])
def test_high_bit_depth_is_scaled_min_to_max(dtype, fmt):
    values = np.arange(600 * 7, dtype=np.float64).reshape(600, 7) * 13 + 100  # > one strip of rows
    buf = io.BytesIO()
    Image.fromarray(values.astype(dtype)).save(buf, fmt)
    out = np.asarray(open_image(buf.getvalue()))
    expected = np.rint((values - values.min()) * 255 / (values.max() - values.min()))
    assert out.dtype == np.uint8 and out.shape == (600, 7)
    assert np.abs(out.astype(int) - expected).max() <= 1 and out.min() == 0 and out.max() == 255


def test_at_most_two_decodes_at_once(monkeypatch):
    active, peak, lock, release = 0, 0, threading.Lock(), threading.Event()
    real = images._open_header

    def counting(data, max_pixels):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        release.wait(0.3)  # hold the slot so that concurrent callers would pile up without the bound
        with lock:
            active -= 1
        return real(data, max_pixels)

    monkeypatch.setattr(images, "_open_header", counting)
    data = _valid_file("PNG")
    threads = [threading.Thread(target=open_image, args=(data,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert peak == images.MAX_CONCURRENT_DECODES == 2


RSS_SCRIPT = textwrap.dedent("""
    import resource, sys, threading
    from pathlib import Path
    from fastapi.testclient import TestClient
    sys.path.insert(0, sys.argv[1])
    from tests.api.tiny import tiny_network
    from layerwalk.api import Settings, create_app

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    big, small = Path(sys.argv[2]).read_bytes(), Path(sys.argv[3]).read_bytes()
    nets, ds = tiny_network()
    app = create_app(Settings(allowed_hosts=["testserver"], client_dist="/nonexistent"), nets, ds)
    with TestClient(app) as c:
        def upload(data):
            r = c.post("/api/networks/n0/input/upload", files={"file": ("x.png", data, "image/png")})
            assert r.status_code == 200, r.text
        for _ in range(3):
            upload(small)
        base = peak_mb()
        upload(big)
        one = peak_mb() - base
        threads = [threading.Thread(target=upload, args=(big,)) for _ in range(6)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(f"{one:.0f} {peak_mb() - base:.0f}")
""")


def _png16(side: int, path: Path) -> Path:
    a = np.zeros((side, side), np.uint16)
    a[side // 2, side // 2] = 40000  # one non-zero pixel: a 77 KB file
    Image.fromarray(a).save(path, "PNG")
    return path


@pytest.mark.slow
def test_peak_memory_of_a_16_bit_6300_square_upload(tmp_path):
    """Issue 12: this 77 KB file raised RSS by ~1,060 MB (float64 copies), three at once by ~2,900 MB."""
    big, small = _png16(6300, tmp_path / "big.png"), _png16(300, tmp_path / "small.png")
    assert big.stat().st_size < 100_000
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", RSS_SCRIPT, str(root), str(big), str(small)], capture_output=True,
                         text=True, timeout=300, cwd=root)
    assert out.returncode == 0, out.stderr[-3000:]
    one, burst = (float(v) for v in out.stdout.split())
    assert one < 250, f"one upload raised peak RSS by {one:.0f} MB"  # measured 134 MB (busy 2-core box)
    assert burst < 500, f"six concurrent uploads raised peak RSS by {burst:.0f} MB"  # measured 275–313 MB
