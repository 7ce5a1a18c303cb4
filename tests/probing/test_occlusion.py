"""Occlusion blocks: clipping, the three fills, and the edited image's forward pass."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from layerwalk.capture.replay import EditError
from layerwalk.probing import OcclusionBlock, apply_occlusion, occlude


def _image():
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (20, 30, 3), dtype=np.uint8))


def test_blocks_are_clipped_painted_in_order_and_leave_the_rest_alone():
    img = _image()
    out = occlude(img, [OcclusionBlock(-5, -5, 10, 8), OcclusionBlock(25, 15, 50, 50, "mean"),
                        OcclusionBlock(100, 100, 5, 5)], mean=(0.2, 0.4, 1.0))
    a, b = np.asarray(out), np.asarray(img)
    assert (a[:3, :5] == 0).all()                                  # black, clipped at the top left
    assert (a[15:, 25:] == [51, 102, 255]).all()                   # the mean colour, clipped at the bottom right
    untouched = np.ones(a.shape[:2], bool)
    untouched[:3, :5] = untouched[15:, 25:] = False
    assert (a[untouched] == b[untouched]).all()
    assert np.asarray(img).tolist() == b.tolist()                  # the original is not changed


def test_blur_smooths_inside_the_block_only():
    img = _image()
    out = np.asarray(occlude(img, [OcclusionBlock(5, 5, 10, 10, "blur")])).astype(float)
    orig = np.asarray(img).astype(float)
    assert out[5:15, 5:15].std() < orig[5:15, 5:15].std() / 3
    assert (out[:5] == orig[:5]).all() and (out[15:] == orig[15:]).all()


def test_grayscale_images_get_one_level():
    out = occlude(Image.new("L", (8, 8), 200), [OcclusionBlock(0, 0, 4, 4, "mean")], mean=(0.5,))
    assert out.getpixel((1, 1)) == 128 and out.getpixel((6, 6)) == 200


def test_an_unknown_fill_is_refused():
    with pytest.raises(EditError, match="black, mean, blur"):
        OcclusionBlock(0, 0, 3, 3, "red")


def test_the_edit_classifies_as_its_saved_image(net):
    before = net.set_input(Image.fromarray(np.random.default_rng(1).integers(0, 256, (32, 32, 3), dtype=np.uint8)))
    r = apply_occlusion(net, before.input_image, [OcclusionBlock(4, 4, 20, 12), OcclusionBlock(20, 20, 40, 40, "blur")],
                        before=before)
    assert r.blocks[1] == OcclusionBlock(20, 20, 12, 12, "blur")
    assert r.snapshot.source == {"source": "occlusion", "blocks": [b.to_dict() for b in r.blocks]}
    buf = io.BytesIO()
    r.image.save(buf, "PNG")
    again = net.set_input(Image.open(buf))
    assert again.classification(5) == r.snapshot.classification(5)
    old = {c.index: c.before for c in r.changes}
    assert all(old[p.index] == pytest.approx(p.probability) for p in before.classification(5))
