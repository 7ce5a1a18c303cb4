import pytest
from PIL import Image

from layerwalk.data import load_dataset
from layerwalk.errors import SpecError
from layerwalk.train.strategies import RenderedImages


def _folder(root, counts: dict[str, int], broken: int = 0):
    for k, (name, n) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new("L", (12, 10), 40 * k + i).save(root / name / f"{i}.png")
    for i in range(broken):
        (root / next(iter(counts)) / f"broken{i}.png").write_bytes(b"not an image")
    return root


def test_unreadable_images_are_skipped_with_a_count(tmp_path):
    root = _folder(tmp_path / "d", {"a": 10, "b": 10}, broken=3)
    with pytest.warns(UserWarning, match="skipped 3"):
        ds = load_dataset(f"imagefolder:{root}:train")
    assert ds.skipped == 3
    assert len(RenderedImages(ds, (8, 8))) == 16


def test_single_class_is_a_clear_error(tmp_path):
    root = _folder(tmp_path / "d", {"a": 5})
    with pytest.raises(SpecError, match="at least two"):
        load_dataset(f"imagefolder:{root}")


def test_empty_class_is_a_clear_error(tmp_path):
    root = _folder(tmp_path / "d", {"a": 5, "b": 5, "c": 0})
    ds = load_dataset(f"imagefolder:{root}")
    with pytest.raises(SpecError, match="'c' have no training images"):
        RenderedImages(ds, (8, 8))
