"""imagefolder: stratified 80/20 split, undersampling, unreadable files skipped, clear errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from layerwalk.data import ImageFolder, load_dataset
from layerwalk.errors import SpecError

from .conftest import needs_fashion_mnist

SIZES = {"cats": 20, "dogs": 50, "owls": 10}


def _make_folder(root: Path, sizes: dict[str, int], mode: str = "RGB") -> Path:
    for k, (name, n) in enumerate(sizes.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            Image.new(mode, (12, 10), (40 * k + i,) * (3 if mode == "RGB" else 1)).save(root / name / f"{i:03}.png")
    return root


@pytest.fixture
def folder(tmp_path) -> Path:
    return _make_folder(tmp_path / "animals", SIZES)


def _counts(ds) -> dict[str, int]:
    return {ds.class_names[k]: n for k, n in sorted(Counter(ds.labels).items())}


def test_all_split_holds_every_image(folder):
    ds = load_dataset(f"imagefolder:{folder}")
    assert ds.class_names == ["cats", "dogs", "owls"] and len(ds) == 80 and ds.skipped == 0
    assert _counts(ds) == SIZES and ds.channels == 3 and ds.id == "imagefolder-animals-all"
    assert ds.image(0).mode == "RGB" and ds.image(0).size == (12, 10)


def test_split_is_stratified_disjoint_and_reproducible(folder):
    train, test = (load_dataset(f"imagefolder:{folder}:{s}") for s in ("train", "test"))
    assert _counts(test) == {"cats": 4, "dogs": 10, "owls": 2}  # 20 % of every class
    assert _counts(train) == {"cats": 16, "dogs": 40, "owls": 8}
    assert not set(train.paths) & set(test.paths)
    assert test.paths == load_dataset(f"imagefolder:{folder}:test").paths
    assert test.paths != ImageFolder(folder, "test", seed=1).paths


def test_undersampling_balances_the_classes(folder):
    ds = load_dataset(f"imagefolder:{folder}:train?undersample")
    assert _counts(ds) == {"cats": 8, "dogs": 8, "owls": 8} and "undersampled" in ds.name
    train = set(load_dataset(f"imagefolder:{folder}:train").paths)
    assert set(ds.paths) <= train
    assert _counts(load_dataset(f"imagefolder:{folder}", undersample=True)) == {"cats": 10, "dogs": 10, "owls": 10}


def test_unreadable_files_are_skipped_and_counted(folder):
    (folder / "cats" / "notes.txt").write_text("not an image")
    (folder / "dogs" / "broken.jpg").write_bytes(b"\xff\xd8\xff garbage")
    with pytest.warns(UserWarning, match="skipped 2 files"):
        ds = load_dataset(f"imagefolder:{folder}")
    assert ds.skipped == 2 and len(ds) == 80


def test_mean_std_are_estimated_from_the_images(tmp_path):
    root = tmp_path / "two"
    for name, value in (("black", 0), ("white", 255)):
        (root / name).mkdir(parents=True)
        Image.new("L", (8, 8), value).save(root / name / "a.png")
    ds = ImageFolder(root)
    assert ds.channels == 1 and ds.image(1).mode == "L"
    assert ds.mean == (0.5,) and ds.std == (0.5,)


@needs_fashion_mnist
def test_folder_of_fashion_mnist_images(tmp_path):
    fm = load_dataset("fashion-mnist")
    for i in range(30):
        out = tmp_path / "fm" / fm.class_names[fm.label(i)].replace("/", "-")
        out.mkdir(parents=True, exist_ok=True)
        fm.image(i).save(out / f"{i}.png")
    ds = load_dataset(f"imagefolder:{tmp_path / 'fm'}:test")
    assert ds.channels == 1 and len(ds) == sum(round(n * 0.2) for n in Counter(map(fm.label, range(30))).values())
    i = 0
    original = int(ds.paths[i].stem)
    assert np.array_equal(np.asarray(ds.image(i)), np.asarray(fm.image(original)))
    assert ds.class_name(i) == fm.class_name(original).replace("/", "-")


@pytest.mark.parametrize("layout, words", [
    ({}, ["no class folders", "at least two"]),
    ({"only": 3}, ["only the class folder 'only'", "at least two"]),
    ({"a": 3, "b": 0}, ["readable images in at least two"]),
])
def test_unusable_folders_are_explained(tmp_path, layout, words):
    root = tmp_path / "data"
    root.mkdir()
    _make_folder(root, layout) if layout else None
    with pytest.raises(SpecError) as err:
        load_dataset(f"imagefolder:{root}")
    assert all(w in err.value.detail for w in words)


def test_missing_folder_and_bad_options(tmp_path, folder):
    with pytest.raises(SpecError, match="does not exist"):
        load_dataset(f"imagefolder:{tmp_path / 'nope'}")
    with pytest.raises(SpecError, match="only option is .undersample"):
        load_dataset(f"imagefolder:{folder}:train?balance")
